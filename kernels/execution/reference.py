"""The reference implementations of the execution family, written against an array namespace ``xp``.

:func:`frontier` builds every optimal trajectory of the Almgren–Chriss frontier at once, shape
``(n_lambdas, n_steps + 1)``, from the closed form ``r_j = sinh(kappa (T - t_j)) / sinh(kappa T)`` in its
overflow-free exponential form, and sums it into ``E`` and ``V`` (the formulas of :mod:`.core`);
the jax fast path traces it under ``jit``.  :func:`path_functionals` simulates price paths with
:func:`quantforge.kernels.sde.simulate` (``return_paths=True``) a chunk of paths at a time on the
chosen backend and contracts each chunk with the weights by one matrix product, so it never holds
more than ``chunk x (n_steps + 1)`` prices.
"""

from __future__ import annotations

from typing import Any

from ..sde import simulate
from .core import SMALL_KAPPA_T, Prm

__all__ = ["kappa_xp", "trajectories_xp", "moments_xp", "frontier", "path_functionals"]


def kappa_xp(xp: Any, lams: Any, prm: Any) -> Any:
    """``kappa`` of every ``lambda``: ``kappa tau = log1p(z + sqrt(z (z + 2)))``, ``z = lambda sigma^2 tau^2 / (2 eta~)``."""
    tau = prm[Prm.TAU]
    z = lams * (prm[Prm.SIGMA] * prm[Prm.SIGMA] * tau * tau / (2.0 * prm[Prm.ETA_TILDE]))
    return xp.log1p(z + xp.sqrt(z * (z + 2.0))) / tau


def _bump_xp(xp: Any, kappa: Any, t: Any, prm: Any) -> Any:
    """``(1 - r(t) - r(T - t)) / kappa~^2`` where ``kappa T`` is small (see :func:`.core.bump_scalar`)."""
    horizon, tau = prm[Prm.HORIZON], prm[Prm.TAU]
    k = xp.where(kappa * horizon < SMALL_KAPPA_T, kappa, SMALL_KAPPA_T / horizon)  # keep unused lanes finite
    k = xp.where(k > 0.0, k, 1.0)
    a = k * (horizon - t)
    b = k * t
    sa = xp.sinh(0.5 * a)
    sb = xp.sinh(0.5 * b)
    h = xp.sinh(0.5 * k * tau)
    small = tau * tau * (xp.sinh(a) * sb * sb + xp.sinh(b) * sa * sa) / (2.0 * h * h * xp.sinh(k * horizon))
    return xp.where(kappa > 0.0, small, 0.5 * t * (horizon - t))


def trajectories_xp(xp: Any, lams: Any, kappas: Any, prm: Any, n_steps: int) -> Any:
    """The optimal holdings of every ``lambda``, shape ``(n_lambdas, n_steps + 1)`` (see :mod:`.core`)."""
    f64 = xp.float64
    horizon, tau, x = prm[Prm.HORIZON], prm[Prm.TAU], prm[Prm.QUANTITY]
    j = xp.reshape(xp.arange(n_steps + 1, dtype=f64), (1, n_steps + 1))
    t = j * tau
    kappa = xp.reshape(kappas, (-1, 1))
    k = xp.where(kappa > 0.0, kappa, 1.0)
    far = xp.exp(-k * t) * (-xp.expm1(-2.0 * k * (horizon - t))) / (-xp.expm1(-2.0 * k * horizon))
    r = xp.where(kappa > 0.0, far, (n_steps - j) / n_steps)
    # The drift term is computed even when the drift is 0 (it is then exactly 0, as are its values at
    # t = 0 and t = T), so that the function has no branch on a parameter value and traces under jit.
    drift = prm[Prm.DRIFT]
    lam = xp.reshape(lams, (-1, 1))
    lam_safe = xp.where(lam > 0.0, lam, 1.0)
    direct = drift / (2.0 * lam_safe * prm[Prm.SIGMA] * prm[Prm.SIGMA]) * (1.0 - r - xp.flip(r, axis=1))
    small = drift / (2.0 * prm[Prm.ETA_TILDE]) * _bump_xp(xp, kappa, t, prm)
    rows = x * r + xp.where(kappa * horizon < SMALL_KAPPA_T, small, direct)
    return rows


def moments_xp(xp: Any, rows: Any, prm: Any) -> tuple[Any, Any]:
    """(E, V) of each row of holdings (the formulas of :func:`.core.moments_scalar`)."""
    tau, x = prm[Prm.TAU], prm[Prm.QUANTITY]
    n = rows[:, :-1] - rows[:, 1:]
    held = rows[:, 1:]
    e = (
        0.5 * prm[Prm.GAMMA] * x * x
        + prm[Prm.EPSILON] * xp.sum(xp.abs(n), axis=1)
        + prm[Prm.ETA_TILDE] / tau * xp.sum(n * n, axis=1)
        - prm[Prm.DRIFT] * tau * xp.sum(held, axis=1)
    )
    v = prm[Prm.SIGMA] * prm[Prm.SIGMA] * tau * xp.sum(held * held, axis=1)
    return e, v


def frontier(lams: Any, prm: Any, n_steps: int, *, xp: Any) -> tuple[Any, Any, Any, Any]:
    """(kappa, E, V, holdings) of every ``lambda`` in ``lams``; holdings has shape ``(n_lambdas, n_steps + 1)``."""
    kappas = kappa_xp(xp, lams, prm)
    rows = trajectories_xp(xp, lams, kappas, prm, n_steps)
    e, v = moments_xp(xp, rows, prm)
    return kappas, e, v, rows


def path_functionals(
    model: Any,
    x0: float,
    horizon: float,
    n_steps: int,
    weights: Any,
    n_paths: int,
    scheme: str,
    seed: int,
    stream: int,
    path0: int,
    *,
    backend: str,
    xp: Any,
    chunk: int,
) -> Any:
    """``F[w, i] = sum_k weights[w, k] (X_{i, k} - x0)`` over ``k = 0 .. n_steps - 1``, shape ``(n_w, n_paths)``.

    The paths are :func:`quantforge.kernels.sde.simulate`'s on ``backend``, ``chunk`` at a time.
    """
    w = xp.asarray(weights)
    parts = []
    for p0 in range(0, n_paths, chunk):
        m = min(chunk, n_paths - p0)
        res = simulate(
            model,
            x0,
            horizon,
            n_steps,
            m,
            scheme=scheme,
            seed=seed,
            stream=stream,
            path_offset=path0 + p0,
            return_paths=True,
            backend=backend,
            to_host=False,
        )
        prices = xp.asarray(res.paths)[:, :n_steps] - x0
        parts.append(xp.matmul(w, xp.permute_dims(prices, (1, 0))))
    return parts[0] if len(parts) == 1 else xp.concat(parts, axis=1)
