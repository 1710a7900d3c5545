"""Finite-difference time stepping of the market-making HJB equation on inventory grids of dimension 1–3.

For ``d`` assets with inventories ``q`` in the box ``prod_i [lo_i, hi_i]`` (lots) and exponential
Hamiltonians on each side, the value ``theta(tau, q)`` (time to horizon ``tau``) of the multi-asset
market-making problem (Guéant 2017, §6; Bergault, Evangelista, Guéant & Vieira 2021, eq. (2.3)) solves

    d theta / dtau = mu . q - q' Gamma q / 2
                     + sum_i 1_{q_i < hi_i} H^b_i(theta(q) - theta(q + e_i))
                     + sum_i 1_{q_i > lo_i} H^a_i(theta(q) - theta(q - e_i)),      theta(0, q) = -q' P q,   (1)

with ``H(p) = scale exp(-decay p)``; the running penalty ``Gamma`` is ``gamma Sigma`` (``Sigma`` the
covariance, so correlations couple the assets), or ``2 phi`` in Cartea–Jaimungal's one-asset form.
The optimal depths are ``p + 1/decay``-type functions of the differences ``p`` (see the models).

The spatial operator is exact on the grid (the equation is a system of ODEs in ``tau``); time is
integrated by the classical fourth-order Runge–Kutta scheme with a step bounded by the inverse of
the Gershgorin bound ``2 sum decay H`` of the Jacobian (stability) and by ``1 / steps_per_unit``
(accuracy), re-evaluated each step.  Reference implementation on numpy, vectorised over the grid and
over a batch of parameter sets (leading axis ``n_sets`` on every parameter that varies; the sets of
a batch share each step, the smallest that any of them needs).

References
----------
O. Guéant (2017), "Optimal market making", Appl. Math. Finance 24(2):112–154.
P. Bergault, D. Evangelista, O. Guéant, D. Vieira (2021), "Closed-form approximations in
multi-asset market making", Appl. Math. Finance 28(2):101–142.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameters, MatrixError, NumericalInstability, check_all_finite, check_array, check_int, check_positive

__all__ = ["ExponentialSide", "solve_hjb_grid"]

_DEFAULT_STEPS_PER_UNIT = 1000.0
_MAX_DIM = 3


@dataclass(frozen=True)
class ExponentialSide:
    """One side's Hamiltonian ``H(p) = scale * exp(-decay * p)`` (scale: price per unit time; decay: per price).

    ``scale`` and ``decay`` are floats, or 1-D arrays ``(n_sets,)`` for a batch of parameter sets."""

    scale: float | np.ndarray
    decay: float | np.ndarray

    def __post_init__(self):
        for name in ("scale", "decay"):
            value = getattr(self, name)
            if np.ndim(value) == 0:
                object.__setattr__(self, name, check_positive(name, value))
                continue
            a = check_all_finite(name, check_array(name, value, dtype=np.float64, cast=True))
            if a.ndim != 1 or a.size < 1 or np.any(a <= 0):
                raise InvalidParameters(f"{name} must be > 0, a float or a 1-D array over parameter sets; got {a!r}")
            a.setflags(write=False)
            object.__setattr__(self, name, a)


def _shift_slices(ndim, axis):
    head = [slice(None)] * ndim
    tail = [slice(None)] * ndim
    head[axis] = slice(None, -1)
    tail[axis] = slice(1, None)
    return tuple(head), tuple(tail)


def _rhs(theta, running, bid, ask):
    """Right-hand side of (1) on ``theta (n_sets, *grid)`` and the Gershgorin bound of its Jacobian.

    ``bid``/``ask`` hold per axis ``(scale, decay)`` arrays shaped ``(n_sets, 1, ..., 1)``."""
    out = running.copy()
    rate = np.zeros_like(theta)
    for axis, ((b_s, b_k), (a_s, a_k)) in enumerate(zip(bid, ask), start=1):
        head, tail = _shift_slices(theta.ndim, axis)
        with np.errstate(over="ignore"):
            hb = b_s * np.exp(-b_k * (theta[head] - theta[tail]))
            ha = a_s * np.exp(-a_k * (theta[tail] - theta[head]))
        out[head] += hb
        out[tail] += ha
        rate[head] += b_k * hb
        rate[tail] += a_k * ha
    return out, 2.0 * float(rate.max())


def _batched(name, value, shape):
    """``value`` as ``(n_sets,) + shape`` (a batch axis, or none and broadcast); returns (array, batch length or None)."""
    a = check_all_finite(name, check_array(name, value, dtype=np.float64, cast=True))
    if a.shape == shape:
        return a, None
    if a.ndim == len(shape) + 1 and a.shape[1:] == shape:
        return a, a.shape[0]
    raise InvalidParameters(f"{name} must have shape {shape} or (n_sets,) + {shape}, got {a.shape}")


def _common_batch(sizes):
    found = {s for s in sizes if s is not None}
    if len(found) > 1:
        raise InvalidParameters(f"the parameter sets' batch axes differ in length: {sorted(found)}")
    return found.pop() if found else None


def solve_hjb_grid(
    taus,
    *,
    lower_bounds,
    upper_bounds,
    bid_sides,
    ask_sides,
    drift,
    penalty,
    terminal_penalty,
    steps_per_unit: float | None = None,
) -> np.ndarray:
    """Integrate (1) and return ``theta`` at the requested times to horizon, for one parameter set or a batch.

    Parameters
    ----------
    taus : float array (n_t,)
        Times to horizon, non-negative, strictly increasing.
    lower_bounds, upper_bounds : sequences of d ints (d = 1, 2 or 3)
        Inventory bounds per asset (lots), ``lower < upper``; shared by the batch.
    bid_sides, ask_sides : sequences of d :class:`ExponentialSide`
        Hamiltonians of the bid (buying raises ``q_i``) and ask side of each asset; scale and decay
        may be arrays ``(n_sets,)``.
    drift : float array (d,) or (n_sets, d)
        ``mu`` (price per lot per unit time).
    penalty : float array (d, d) or (n_sets, d, d)
        ``Gamma``, symmetric positive semi-definite (price per lot^2 per unit time).
    terminal_penalty : float array (d, d) or (n_sets, d, d)
        ``P`` in ``theta(0, q) = -q' P q``, symmetric.
    steps_per_unit : float, optional
        Minimum RK4 steps per unit of time (default 1000).

    Returns
    -------
    theta : float64 array ``([n_sets,] n_t, n_1[, n_2[, n_3]])``
        The value on the grid, axis ``i`` running over ``lower_bounds[i] .. upper_bounds[i]``; the
        leading ``n_sets`` axis is there when any parameter has one (the others are shared).

    Raises
    ------
    InvalidParameters, MatrixError
        Bad bounds, shapes (or batch lengths that differ), a non-symmetric or non-PSD ``penalty``.
    NumericalInstability
        If the integration produces non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> side = ExponentialSide(np.array([30.0, 40.0]), 1.5)
    >>> theta = solve_hjb_grid(np.array([0.0, 0.5]), lower_bounds=(-2,), upper_bounds=(2,), bid_sides=(side,),
    ...                        ask_sides=(side,), drift=np.zeros(1), penalty=np.array([[0.4]]), terminal_penalty=np.zeros((1, 1)))
    >>> theta.shape
    (2, 2, 5)
    """
    lows = [check_int("lower_bounds[i]", v) for v in lower_bounds]
    highs = [check_int("upper_bounds[i]", v) for v in upper_bounds]
    d = len(lows)
    if not 1 <= d <= _MAX_DIM or len(highs) != d or len(bid_sides) != d or len(ask_sides) != d:
        raise InvalidParameters(f"need 1 to {_MAX_DIM} assets with matching bounds and sides, got {d} lower bounds")
    for i, (lo, hi) in enumerate(zip(lows, highs)):
        if lo >= hi:
            raise InvalidParameters(f"lower_bounds[{i}] must be < upper_bounds[{i}], got {lo} and {hi}")
    for s in (*bid_sides, *ask_sides):
        if not isinstance(s, ExponentialSide):
            raise TypeError(f"sides must be ExponentialSide, got {type(s).__name__}")
    mu, n_mu = _batched("drift", drift, (d,))
    gam, n_gam = _batched("penalty", penalty, (d, d))
    term, n_term = _batched("terminal_penalty", terminal_penalty, (d, d))
    side_sizes = [np.size(v) if np.ndim(v) else None for s in (*bid_sides, *ask_sides) for v in (s.scale, s.decay)]
    n_sets = _common_batch([n_mu, n_gam, n_term, *side_sizes])
    batch = n_sets is not None
    b = n_sets or 1
    mu, gam, term = (np.broadcast_to(a, (b,) + a.shape[-k:]) for a, k in ((mu, 1), (gam, 2), (term, 2)))
    if not np.allclose(gam, np.swapaxes(gam, -1, -2)) or not np.allclose(term, np.swapaxes(term, -1, -2)):
        raise MatrixError("penalty and terminal_penalty must be symmetric")
    eig = np.linalg.eigvalsh(gam).min(axis=-1)
    if np.any(eig < -1e-12 * np.maximum(1.0, np.abs(gam).max(axis=(-2, -1)))):
        raise MatrixError(f"penalty must be positive semi-definite, smallest eigenvalues {eig}")
    t = check_all_finite("taus", check_array("taus", taus, dtype=np.float64, cast=True))
    if t.ndim != 1 or t.size < 1 or t[0] < 0 or np.any(np.diff(t) <= 0):
        raise InvalidParameters("taus must be a non-empty, non-negative, strictly increasing 1-D array")
    min_steps = _DEFAULT_STEPS_PER_UNIT if steps_per_unit is None else check_positive("steps_per_unit", steps_per_unit)

    axes = [np.arange(lo, hi + 1, dtype=np.float64) for lo, hi in zip(lows, highs)]
    q = np.meshgrid(*axes, indexing="ij")
    per_set = (b,) + (1,) * d
    running = sum(mu[:, i].reshape(per_set) * q[i] for i in range(d)) - 0.5 * sum(
        gam[:, i, j].reshape(per_set) * q[i] * q[j] for i in range(d) for j in range(d))
    theta = -sum(term[:, i, j].reshape(per_set) * q[i] * q[j] for i in range(d) for j in range(d))
    theta = np.broadcast_to(theta, (b,) + q[0].shape).copy()
    running = np.broadcast_to(running, theta.shape)

    def coeffs(sides):
        return [tuple(np.broadcast_to(np.asarray(v, dtype=np.float64), (b,)).reshape(per_set) for v in (s.scale, s.decay))
                for s in sides]

    bid, ask = coeffs(bid_sides), coeffs(ask_sides)
    out = np.empty((b, t.size) + theta.shape[1:])
    now = 0.0
    for j, target in enumerate(t):
        while now < target:
            k1, rate = _rhs(theta, running, bid, ask)
            step = min(target - now, 1.0 / max(rate, 1e-300), 1.0 / min_steps)
            k2, _ = _rhs(theta + 0.5 * step * k1, running, bid, ask)
            k3, _ = _rhs(theta + 0.5 * step * k2, running, bid, ask)
            k4, _ = _rhs(theta + step * k3, running, bid, ask)
            theta = theta + (step / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
            now = target if target - now <= step else now + step
            if not np.all(np.isfinite(theta)):
                raise NumericalInstability(f"the grid HJB went non-finite at tau = {now!r}")
        out[:, j] = theta
    return out if batch else out[0]
