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
(accuracy), re-evaluated each step.  Reference implementation on numpy, vectorised over the grid.

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
    """One side's Hamiltonian ``H(p) = scale * exp(-decay * p)`` (scale: price per unit time; decay: per price)."""

    scale: float
    decay: float

    def __post_init__(self):
        check_positive("scale", self.scale)
        check_positive("decay", self.decay)


def _shift_slices(ndim, axis):
    head = [slice(None)] * ndim
    tail = [slice(None)] * ndim
    head[axis] = slice(None, -1)
    tail[axis] = slice(1, None)
    return tuple(head), tuple(tail)


def _rhs(theta, running, bid_sides, ask_sides):
    """Right-hand side of (1) and the Gershgorin bound of its Jacobian (for the step size)."""
    out = running.copy()
    rate = np.zeros_like(theta)
    for axis, (b, a) in enumerate(zip(bid_sides, ask_sides)):
        head, tail = _shift_slices(theta.ndim, axis)
        with np.errstate(over="ignore"):
            hb = b.scale * np.exp(-b.decay * (theta[head] - theta[tail]))
            ha = a.scale * np.exp(-a.decay * (theta[tail] - theta[head]))
        out[head] += hb
        out[tail] += ha
        rate[head] += b.decay * hb
        rate[tail] += a.decay * ha
    return out, 2.0 * float(rate.max())


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
    """Integrate (1) and return ``theta`` at the requested times to horizon.

    Parameters
    ----------
    taus : float array (n_t,)
        Times to horizon, non-negative, strictly increasing.
    lower_bounds, upper_bounds : sequences of d ints (d = 1, 2 or 3)
        Inventory bounds per asset (lots), ``lower < upper``.
    bid_sides, ask_sides : sequences of d :class:`ExponentialSide`
        Hamiltonians of the bid (buying raises ``q_i``) and ask side of each asset.
    drift : float array (d,)
        ``mu`` (price per lot per unit time).
    penalty : float array (d, d)
        ``Gamma``, symmetric positive semi-definite (price per lot^2 per unit time).
    terminal_penalty : float array (d, d)
        ``P`` in ``theta(0, q) = -q' P q``, symmetric.
    steps_per_unit : float, optional
        Minimum RK4 steps per unit of time (default 1000).

    Returns
    -------
    theta : float64 array (n_t, n_1[, n_2[, n_3]])
        The value on the grid, axis ``i`` running over ``lower_bounds[i] .. upper_bounds[i]``.

    Raises
    ------
    InvalidParameters, MatrixError
        Bad bounds, shapes, a non-symmetric or non-PSD ``penalty``.
    NumericalInstability
        If the integration produces non-finite values.
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
    mu = check_all_finite("drift", check_array("drift", drift, dtype=np.float64, cast=True))
    gam = check_all_finite("penalty", check_array("penalty", penalty, dtype=np.float64, cast=True))
    term = check_all_finite("terminal_penalty", check_array("terminal_penalty", terminal_penalty, dtype=np.float64, cast=True))
    if mu.shape != (d,) or gam.shape != (d, d) or term.shape != (d, d):
        raise InvalidParameters(f"drift must have shape ({d},), penalty and terminal_penalty ({d}, {d})")
    if not np.allclose(gam, gam.T) or not np.allclose(term, term.T):
        raise MatrixError("penalty and terminal_penalty must be symmetric")
    if np.linalg.eigvalsh(gam).min() < -1e-12 * max(1.0, np.abs(gam).max()):
        raise MatrixError(f"penalty must be positive semi-definite, eigenvalues {np.linalg.eigvalsh(gam)}")
    t = check_all_finite("taus", check_array("taus", taus, dtype=np.float64, cast=True))
    if t.ndim != 1 or t.size < 1 or t[0] < 0 or np.any(np.diff(t) <= 0):
        raise InvalidParameters("taus must be a non-empty, non-negative, strictly increasing 1-D array")
    min_steps = _DEFAULT_STEPS_PER_UNIT if steps_per_unit is None else check_positive("steps_per_unit", steps_per_unit)

    axes = [np.arange(lo, hi + 1, dtype=np.float64) for lo, hi in zip(lows, highs)]
    q = np.meshgrid(*axes, indexing="ij")
    running = sum(mu[i] * q[i] for i in range(d)) - 0.5 * sum(gam[i, j] * q[i] * q[j] for i in range(d) for j in range(d))
    theta = -sum(term[i, j] * q[i] * q[j] for i in range(d) for j in range(d))
    out = np.empty((t.size,) + theta.shape)
    now = 0.0
    for j, target in enumerate(t):
        while now < target:
            k1, rate = _rhs(theta, running, bid_sides, ask_sides)
            step = min(target - now, 1.0 / max(rate, 1e-300), 1.0 / min_steps)
            k2, _ = _rhs(theta + 0.5 * step * k1, running, bid_sides, ask_sides)
            k3, _ = _rhs(theta + 0.5 * step * k2, running, bid_sides, ask_sides)
            k4, _ = _rhs(theta + step * k3, running, bid_sides, ask_sides)
            theta = theta + (step / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
            now = target if target - now <= step else now + step
            if not np.all(np.isfinite(theta)):
                raise NumericalInstability(f"the grid HJB went non-finite at tau = {now!r}")
        out[j] = theta
    return out
