"""The public functions of the execution family: validation, backend choice and dispatch (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._typing import ArrayLike, BackendName, DeviceArray, Float64Array
from ...errors import (
    InvalidParameters,
    NumericalInstability,
    check_all_finite,
    check_array,
    check_choice,
    check_finite,
    check_int,
    check_nonnegative,
    check_positive,
)
from ..backend import fast_path, get_backend, register_fast_path
from ..rng import Philox
from ..sde import GBM
from ..sde.core import MAX_LAM_DT, SCHEMES, ModelCode
from ..sde.models import model_code, parameter_vector
from . import reference
from .core import Prm

__all__ = ["Frontier", "liquidation_parameters", "liquidation_frontier", "path_functionals"]

FRONTIER = "execution.frontier"
FUNCTIONALS = "execution.path_functionals"

register_fast_path(FRONTIER, "numba", f"{__package__}.numba:frontier")
register_fast_path(FRONTIER, "jax", f"{__package__}.jax:frontier")
register_fast_path(FRONTIER, "cupy", f"{__package__}.cuda:frontier")
register_fast_path(FUNCTIONALS, "numba", f"{__package__}.numba:path_functionals")

_CHUNK_CPU = 1 << 12  # paths per chunk of the reference: 4096 x (n_steps + 1) prices in memory at once
_CHUNK_GPU = 1 << 16


@dataclass(frozen=True)
class Frontier:
    """Points of the Almgren–Chriss efficient frontier, one per risk aversion.

    Attributes
    ----------
    lambdas : float64 array (n,)
        Risk aversions (per price unit).
    kappa : float64 array (n,)
        Discrete-time urgency (per time unit); ``1 / kappa`` is the trajectory's half-life.
    expected_cost, variance : float64 arrays (n,)
        ``E`` (price units) and ``V`` (price units squared) of the cost of each optimal trajectory.
    trajectories : float64 array (n, n_steps + 1) or None
        Holdings ``x_0 = X .. x_N = 0`` of each optimal trajectory, when requested.
    """

    lambdas: Float64Array
    kappa: Float64Array
    expected_cost: Float64Array
    variance: Float64Array
    trajectories: Float64Array | None


def liquidation_parameters(
    quantity: float,
    horizon: float,
    n_steps: int,
    sigma: float,
    gamma: float,
    eta: float,
    epsilon: float = 0.0,
    drift: float = 0.0,
) -> Float64Array:
    """The validated :class:`.core.Prm` vector of a liquidation problem.

    Parameters
    ----------
    quantity : float
        Shares held at the start, ``X > 0``.
    horizon : float
        ``T > 0`` (time units); the intervals are ``tau = T / n_steps``.
    n_steps : int
        Trading intervals ``N >= 1``.
    sigma : float
        Price volatility (price per square-root time unit), > 0.
    gamma : float
        Permanent impact (price per share), >= 0.
    eta : float
        Temporary impact (price x time per share), > 0; ``eta - gamma tau / 2`` must be > 0.
    epsilon : float
        Fixed cost per share (price), >= 0.
    drift : float
        Expected drift of the position's value (price per share and time unit); positive rewards waiting.

    Raises
    ------
    InvalidParameters
        Naming the parameter and its value; also when ``eta - gamma tau / 2 <= 0``.
    """
    n_steps = check_int("n_steps", n_steps, minimum=1)
    prm = np.zeros(Prm.SIZE)
    prm[Prm.QUANTITY] = check_positive("quantity", quantity)
    prm[Prm.HORIZON] = check_positive("horizon", horizon)
    prm[Prm.SIGMA] = check_positive("sigma", sigma)
    prm[Prm.GAMMA] = check_nonnegative("gamma", gamma)
    prm[Prm.ETA] = check_positive("eta", eta)
    prm[Prm.EPSILON] = check_nonnegative("epsilon", epsilon)
    prm[Prm.DRIFT] = check_finite("drift", drift)
    prm[Prm.TAU] = prm[Prm.HORIZON] / n_steps
    prm[Prm.ETA_TILDE] = prm[Prm.ETA] - 0.5 * prm[Prm.GAMMA] * prm[Prm.TAU]
    if prm[Prm.ETA_TILDE] <= 0.0:
        raise InvalidParameters(
            f"eta - gamma * tau / 2 must be > 0 (eta~ of Almgren & Chriss), got eta={eta!r}, "
            f"gamma={gamma!r}, tau={prm[Prm.TAU]!r}: use more steps or a larger eta"
        )
    return prm


def liquidation_frontier(
    lambdas: ArrayLike,
    prm: Float64Array,
    n_steps: int,
    *,
    return_trajectories: bool = False,
    backend: BackendName = None,
    to_host: bool = True,
) -> Frontier:
    """Optimal trajectories, expected costs and variances for many risk aversions at once.

    Parameters
    ----------
    lambdas : float array (n,)
        Risk aversions ``lambda >= 0`` (per price unit).
    prm : float64 array
        The problem, from :func:`liquidation_parameters` (with the same ``n_steps``).
    n_steps : int
        Trading intervals ``N``.
    return_trajectories : bool
        Also return the holdings, shape ``(n, n_steps + 1)``.
    backend : str, optional
        ``numpy`` (reference), ``numba``, ``jax``, ``cupy`` or ``auto``.
    to_host : bool
        On the cupy backend, False leaves the outputs on the device.

    Returns
    -------
    Frontier

    Notes
    -----
    Almgren & Chriss (2000): ``cosh(kappa tau) = 1 + lambda sigma^2 tau^2 / (2 eta~)`` and
    ``x_j = X sinh(kappa (T - t_j)) / sinh(kappa T) + xbar (1 - [sinh(kappa (T - t_j)) + sinh(kappa t_j)] /
    sinh(kappa T))``, ``xbar = drift / (2 lambda sigma^2)``; ``E`` and ``V`` are summed from the
    trajectory (:func:`.core.moments_scalar`), so they hold with drift too.

    Examples
    --------
    >>> import numpy as np
    >>> prm = liquidation_parameters(1e6, 5.0, 5, 0.95, 2.5e-7, 2.5e-6, 0.0625)
    >>> f = liquidation_frontier(np.array([0.0, 1e-6]), prm, 5, backend="numpy")
    >>> round(float(f.expected_cost[0]))  # the straight line: gamma X^2 / 2 + epsilon X + eta~ X^2 / T
    662500
    """
    n_steps = check_int("n_steps", n_steps, minimum=1)
    prm = check_array("prm", prm, dtype=np.float64, ndim=1)
    if prm.shape[0] != Prm.SIZE or not np.isclose(prm[Prm.TAU] * n_steps, prm[Prm.HORIZON], rtol=1e-12):
        raise InvalidParameters(f"prm must come from liquidation_parameters(..., n_steps={n_steps}, ...), got {prm!r}")
    lams = check_all_finite("lambdas", check_array("lambdas", lambdas, dtype=np.float64, cast=True))
    if lams.ndim != 1 or lams.size == 0:
        raise InvalidParameters(f"lambdas must be a non-empty 1-D array, got shape {lams.shape}")
    if np.any(lams < 0):
        i = int(np.argmax(lams < 0))
        raise InvalidParameters(f"lambdas must be >= 0 (risk aversion); lambdas[{i}] = {float(lams[i])!r}")
    lams = np.ascontiguousarray(lams)
    be = get_backend(backend, kernel=FRONTIER)
    impl = fast_path(FRONTIER, be)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if impl is None:
            with be.x64():
                kappa, e, v, rows = reference.frontier(be.asarray(lams), be.asarray(prm), n_steps, xp=be.xp)
        elif be.name == "cupy":
            kappa, e, v, rows = impl(lams, prm, n_steps, return_trajectories, to_host=to_host)
        else:
            kappa, e, v, rows = impl(lams, prm, n_steps, return_trajectories)
    host_e, host_v = be.to_host(e), be.to_host(v)
    ok = np.isfinite(host_e) & np.isfinite(host_v)
    if not ok.all():
        i = int(np.argmin(ok))
        raise NumericalInstability(f"the frontier is not finite at lambdas[{i}] = {float(lams[i])!r}")
    if to_host:
        kappa, e, v = be.to_host(kappa), host_e, host_v
        rows = be.to_host(rows) if return_trajectories else None
    return Frontier(lams, kappa, e, v, rows if return_trajectories else None)


def path_functionals(
    model: GBM,
    x0: float,
    horizon: float,
    n_steps: int,
    weights: ArrayLike,
    n_paths: int,
    *,
    scheme: str = "exact",
    seed: int = 0,
    stream: int = 0,
    path_offset: int = 0,
    backend: BackendName = None,
    to_host: bool = True,
) -> Float64Array | DeviceArray:
    """Linear functionals of simulated price paths: ``F[w, i] = sum_k weights[w, k] (X_{i, t_k} - x0)``.

    The paths are those of :func:`quantforge.kernels.sde.simulate` with the same model, scheme and
    Philox stream (``k = 0 .. n_steps - 1``: the price at the start of each step); they are never
    stored on the numba backend, which fuses the simulation and the sums in one kernel.  With
    ``weights`` the trades of an execution schedule, ``F`` is its cost against the starting price
    before impact (a Monte Carlo of implementation shortfall, see :mod:`quantforge.execution`).

    Parameters
    ----------
    model : GBM, Merton or Kou
        The price process (rates per time unit of ``horizon``).
    x0 : float
        Starting price, > 0.
    horizon : float
        ``T > 0``; steps of ``T / n_steps``.
    n_steps : int
        Steps, >= 1.
    weights : float array (n_w, n_steps)
        One row per functional.
    n_paths : int
        Paths, >= 1.
    scheme : {"exact", "euler", "milstein"}
        The step of :func:`quantforge.kernels.sde.simulate`.
    seed, stream, path_offset : int
        The Philox stream (streams ``stream .. stream + 2`` with jumps) and the first path.
    backend : str, optional
        ``numpy`` (reference), ``numba`` (fused), ``jax``, ``cupy`` or ``auto`` (the fastest backend
        that simulates paths here).
    to_host : bool
        On the cupy backend, False leaves ``F`` on the device.

    Returns
    -------
    float64 array (n_w, n_paths)

    Raises
    ------
    InvalidParameters
        Bad shapes or values (naming the parameter); TypeError for a model that is not GBM, Merton or Kou.
    NumericalInstability
        If a functional is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from quantforge.kernels.sde import GBM
    >>> f = path_functionals(GBM(mu=0.0, sigma=0.2), 50.0, 1.0, 4, np.ones((1, 4)), 1000, seed=3, backend="numpy")
    >>> f.shape
    (1, 1000)
    """
    code = model_code(model)
    if code == ModelCode.ITO:
        raise TypeError("model must be GBM, Merton or Kou (an ItoProcess has no fused kernel), got ItoProcess")
    scheme = check_choice("scheme", scheme, SCHEMES)
    x0 = check_positive("x0", x0)
    horizon = check_positive("horizon", horizon)
    n_steps = check_int("n_steps", n_steps, minimum=1)
    n_paths = check_int("n_paths", n_paths, minimum=1)
    path_offset = check_int("path_offset", path_offset, minimum=0)
    if path_offset + n_paths > 2**32:
        raise InvalidParameters(f"path_offset + n_paths must be <= 2**32, got {path_offset + n_paths}")
    w = check_all_finite("weights", check_array("weights", weights, dtype=np.float64, cast=True))
    if w.ndim != 2 or w.shape[1] != n_steps or w.shape[0] < 1:
        raise InvalidParameters(f"weights must have shape (n_w, n_steps) = (n_w, {n_steps}), got {w.shape}")
    w = np.ascontiguousarray(w)
    dt = horizon / n_steps
    if model.lam * dt >= MAX_LAM_DT:
        raise InvalidParameters(f"lam * dt must be < {MAX_LAM_DT:g} (jumps per step), got {model.lam * dt!r}")
    gen = Philox(seed, stream)  # validates seed and stream
    be = get_backend(backend, kernel="sde.simulate")
    impl = fast_path(FUNCTIONALS, be)
    with np.errstate(over="ignore", invalid="ignore"):
        if impl is not None:
            out = impl(
                code,
                SCHEMES.index(scheme),
                parameter_vector(model, x0, dt),
                n_steps,
                w,
                n_paths,
                *gen.key,
                stream,
                path_offset,
            )
        else:
            with be.x64():
                out = reference.path_functionals(
                    model,
                    x0,
                    horizon,
                    n_steps,
                    w,
                    n_paths,
                    scheme,
                    seed,
                    stream,
                    path_offset,
                    backend=be.name,
                    xp=be.xp,
                    chunk=_CHUNK_GPU if be.is_gpu else _CHUNK_CPU,
                )
    host = be.to_host(out)
    if not np.all(np.isfinite(host)):
        w_bad, i_bad = (int(v) for v in np.argwhere(~np.isfinite(host))[0])
        raise NumericalInstability(
            f"functional {w_bad} of path {path_offset + i_bad} is not finite; check the model and the weights"
        )
    return host if (to_host or not be.is_gpu) else out
