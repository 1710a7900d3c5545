"""HJB equations of market making: the exact linear system, the grid HJB and the quadratic Riccati ODE.

Three solvers, batched over parameter sets; this module validates their arguments and picks the
implementation (:mod:`.reference`, or a fast path registered here); the methods are described in
:mod:`quantforge.kernels.hjb.reference`.

Linear system (:func:`solve_linear_hjb`).  After the change of variable ``theta = (Delta / k) ln v``
(Guéant, Lehalle & Fernandez-Tapia 2013, eq. (5.3) ff.; Cartea, Jaimungal & Penalva 2015, §10.2,
``h = ln(omega) / kappa``) the HJB equation of a market maker with exponential fill intensities on
the inventory grid ``-Q..Q`` becomes, in time to horizon ``tau = T - t``,

    dv_q/dtau = -d_q v_q + l_q v_{q-1} + u_q v_{q+1},      v(0) = v_T,                      (1)

i.e. ``v(tau) = exp(-M tau) v_T`` with ``M`` tridiagonal, ``M_qq = d_q`` and off-diagonals ``-l_q``,
``-u_q`` (rates ``l, u >= 0``), evaluated componentwise-accurately on a grid of ``tau``.

Grid HJB (:func:`solve_hjb_grid`).  For ``d <= 3`` assets with inventories ``q`` in the box
``prod_i [lo_i, hi_i]`` (lots) and exponential Hamiltonians on each side, the value ``theta(tau, q)``
(Guéant 2017, §6; Bergault, Evangelista, Guéant & Vieira 2021, eq. (2.3)) solves

    d theta / dtau = mu . q - q' Gamma q / 2
                     + sum_i 1_{q_i < hi_i} H^b_i(theta(q) - theta(q + e_i))
                     + sum_i 1_{q_i > lo_i} H^a_i(theta(q) - theta(q - e_i)),      theta(0, q) = -q' P q,   (2)

with ``H(p) = scale exp(-decay p)``; the running penalty ``Gamma`` is ``gamma Sigma`` (``Sigma`` the
covariance, so correlations couple the assets), or ``2 phi`` in Cartea–Jaimungal's one-asset form.
The spatial operator is exact on the grid; time is integrated by RK4.

Quadratic Riccati ODE (:func:`solve_quadratic_riccati`).  Replacing each Hamiltonian
``H_i(p) = c_i exp(-k_i p)`` by its second-order expansion at ``p = 0`` (BEGV 2021, §3) makes
``theta(tau, q) = -q' A(tau) q - q' B(tau) - C(tau)`` an exact solution of the approximate HJB
equation, with

    dA/dtau = Gamma / 2 - 4 A D A,          A(0) = P,                                               (3)
    dB/dtau = -mu - 4 A D B,                B(0) = 0,

``D = diag(c_i k_i^2)`` (the curvature of ``H^b_i + H^a_i``), ``Gamma`` the running penalty matrix,
``mu`` the drift and ``P`` the terminal penalty (BEGV eqs. (3.4)–(3.5) in this notation).

Backends: (1) has a numba fast path (parallel over parameter sets, the stepping as blocked
matrix-matrix products, :mod:`quantforge.kernels.hjb.numba`), which ``auto`` picks; (1) and (2) run
their reference on any backend's arrays; (3) runs on numpy (``scipy.linalg.expm``).

References
----------
O. Guéant, C.-A. Lehalle, J. Fernandez-Tapia (2013), "Dealing with the inventory risk: a solution to
the market making problem", Math. Financ. Econ. 7:477–507.
Á. Cartea, S. Jaimungal, J. Penalva (2015), "Algorithmic and High-Frequency Trading", CUP, ch. 10.
O. Guéant (2017), "Optimal market making", Appl. Math. Finance 24(2):112–154.
P. Bergault, D. Evangelista, O. Guéant, D. Vieira (2021), "Closed-form approximations in
multi-asset market making", Appl. Math. Finance 28(2):101–142.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..._typing import ArrayLike
from ...errors import (
    InvalidParameters,
    MatrixError,
    NumericalInstability,
    check_all_finite,
    check_array,
    check_int,
    check_memory,
    check_positive,
)
from ..backend import fast_path, get_backend, register_fast_path
from . import reference

__all__ = ["solve_linear_hjb", "log_v_gaps", "ExponentialSide", "solve_hjb_grid", "solve_quadratic_riccati"]

LINEAR = "hjb.linear"
GRID = "hjb.grid"

register_fast_path(LINEAR, "numba", f"{__package__}.numba:solve_linear")

_DEFAULT_STEPS_PER_UNIT = 1000.0
_MAX_DIM = 3
# RK4 steps that steps_per_unit may ask for (about 15 s on a small grid): more is refused up front
_MAX_RK4_STEPS = 50_000
# RK4 steps beyond those that steps_per_unit asks for, taken when the stability bound forces them (a stiff
# equation), before the rest is handed to the implicit scheme (about a second on a two-asset grid)
_STIFF_RK4_STEPS = 2_000


# ---------------------------------------------------------------------------------------------
# (1) the linear system
# ---------------------------------------------------------------------------------------------
def _validate_linear(diag, lower, upper, log_v_terminal, taus):
    d = check_array("diag", diag, dtype=np.float64, cast=True)
    if d.ndim == 1:
        d = d[None, :]
    if d.ndim != 2 or d.shape[1] < 1:
        raise InvalidParameters(f"diag must have shape (n_sets, n_inventories), got {np.shape(diag)}")
    shape = d.shape
    out = [d]
    for name, a in (("lower", lower), ("upper", upper), ("log_v_terminal", log_v_terminal)):
        a = check_array(name, a, dtype=np.float64, cast=True)
        try:
            a = np.broadcast_to(a, shape)
        except ValueError:
            raise InvalidParameters(f"{name} must have the shape of diag {shape}, got {a.shape}") from None
        if a.shape != shape:
            raise InvalidParameters(f"{name} must have the shape of diag {shape}, got {a.shape}")
        out.append(np.ascontiguousarray(a))
    d, lo, up, lvt = out
    for name, a in (("diag", d), ("lower", lo), ("upper", up), ("log_v_terminal", lvt)):
        check_all_finite(name, a)
    if (lo < 0).any() or (up < 0).any():
        raise InvalidParameters("lower and upper rates must be >= 0 (the transition rates of (1))")
    t = check_array("taus", taus, dtype=np.float64, cast=True)
    if t.ndim != 1 or t.size < 1:
        raise InvalidParameters(f"taus must be a non-empty 1-D array, got shape {t.shape}")
    check_all_finite("taus", t)
    if t[0] < 0 or (t.size > 1 and np.any(np.diff(t) <= 0)):
        raise InvalidParameters("taus must be non-negative and strictly increasing")
    n_sets, n = shape
    # the propagator is a dense (n, n) matrix per parameter set, with a few of its kind alive at once
    check_memory(
        "diag",
        f"shape {shape}",
        8.0 * 6 * n_sets * n * n + 8.0 * n_sets * n * t.size,
        f"{n_sets} dense ({n}, {n}) propagators",
    )
    # the norm of M tau (the propagator's plan counts its series terms in floats, exactly below 2^53): rates
    # times times beyond 1e15 (a billion fills per unit time over a million units) have no meaning here
    with np.errstate(over="ignore", invalid="ignore"):
        theta = float(np.max(np.max(d, axis=1) - np.min(d, axis=1) + np.max(lo + up, axis=1))) * float(t[-1])
    if not theta <= 1e15:
        raise InvalidParameters(
            f"the rates (diag, lower, upper) times taus[-1]={float(t[-1])!r} reach {theta:.3g}, "
            "beyond 1e15: exp(-M tau) is out of the solver's range"
        )
    lo = lo.copy()
    up = up.copy()
    lo[:, 0] = 0.0  # no state below the lower bound
    up[:, -1] = 0.0  # no state above the upper bound
    return np.ascontiguousarray(d), lo, up, lvt, np.ascontiguousarray(t)


def solve_linear_hjb(
    diag: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    log_v_terminal: np.ndarray,
    taus: np.ndarray,
    *,
    backend: str | None = None,
) -> np.ndarray:
    """``ln v(tau)`` for ``dv/dtau = -M v`` (1), ``M`` tridiagonal, batched over parameter sets.

    Parameters
    ----------
    diag : float array (n_sets, n)
        ``d_q``, the diagonal of ``M`` (per unit time); any sign.
    lower, upper : float arrays (n_sets, n), >= 0
        Rates ``l_q`` (coupling of ``v_q`` to ``v_{q-1}``) and ``u_q`` (to ``v_{q+1}``); ``lower[:, 0]``
        and ``upper[:, -1]`` are ignored (no state beyond the bounds).
    log_v_terminal : float array (n_sets, n)
        ``ln v(0)``, the terminal condition in logarithms (so that ``v_T = exp(-k l(q))`` with a
        large penalty ``l`` is representable).
    taus : float array (n_t,)
        Times to horizon, non-negative and strictly increasing, in the time unit of the rates.
    backend : {"auto", "numpy", "numba", "jax", "cupy"}, optional
        ``numba`` runs the compiled fast path (what ``auto`` picks); the others run the reference
        on their arrays.

    Returns
    -------
    log_v : float64 numpy array (n_sets, n_t, n)
        ``ln v_q(taus[j])``; ``-inf`` only where ``v_q`` is below the double range relative to the
        largest component (about ``1e-308`` for the reference, ``2^-1000 ~ 1e-301`` on numba, see
        :mod:`quantforge.kernels.hjb.numba`).  The differences along the inventory axis (the quotes)
        are accurate to rounding; ``ln v`` itself carries the accumulated rounding of its scale,
        about the unit roundoff times ``sum_j c (taus[j] - taus[j-1])``.

    Raises
    ------
    InvalidParameters
        For non-finite entries, negative rates, mismatched shapes, a bad time grid or an unknown backend.
    NumericalInstability
        If the solution leaves the finite positive range.

    Examples
    --------
    >>> import numpy as np
    >>> lv = solve_linear_hjb([[1.0, 0.0, 1.0]], [[0.0, 2.0, 2.0]], [[2.0, 2.0, 0.0]],
    ...                       np.zeros((1, 3)), np.array([0.0, 1.0]), backend="numpy")
    >>> lv.shape
    (1, 2, 3)
    """
    d, lo, up, lvt, t = _validate_linear(diag, lower, upper, log_v_terminal, taus)
    be = get_backend(backend, kernel=LINEAR)
    impl = fast_path(LINEAR, be)
    with be.x64():
        if impl is not None:
            out = impl(d, lo, up, lvt, t)
        else:
            out = reference.solve_linear(*(be.asarray(a) for a in (d, lo, up, lvt)), t, xp=be.xp)
    return be.to_host(out)


def log_v_gaps(log_v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The one-step differences of ``ln v`` that the quotes are made of, ``+inf`` past the bounds.

    Returns ``(down, up)`` with ``down[..., i] = ln v_i - ln v_{i+1}`` (the bid side: buying moves
    the inventory up) and ``up[..., i] = ln v_i - ln v_{i-1}`` (the ask side); ``down[..., -1]`` and
    ``up[..., 0]`` are ``+inf`` because no trade may leave the inventory grid.

    Raises
    ------
    NumericalInstability
        If a difference is not finite inside the grid (a component of ``v`` underflowed).
    """
    lv = check_array("log_v", log_v, dtype=np.float64, cast=True)
    if lv.ndim < 1 or lv.shape[-1] < 1:
        raise InvalidParameters(f"log_v must have an inventory axis last, (..., n), got shape {lv.shape}")
    down = np.full(lv.shape, np.inf)
    up = np.full(lv.shape, np.inf)
    with np.errstate(invalid="ignore"):
        down[..., :-1] = lv[..., :-1] - lv[..., 1:]
        up[..., 1:] = lv[..., 1:] - lv[..., :-1]
    if not (np.isfinite(down[..., :-1]).all() and np.isfinite(up[..., 1:]).all()):
        raise NumericalInstability("ln v is not finite on the inventory grid: the value function underflowed")
    return down, up


# ---------------------------------------------------------------------------------------------
# Validation shared by (2) and (3)
# ---------------------------------------------------------------------------------------------
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


def _check_penalties(penalty, terminal_penalty):
    """Refuse a non-symmetric ``penalty`` or ``terminal_penalty`` and a ``penalty`` that is not PSD."""
    if not np.allclose(penalty, np.swapaxes(penalty, -1, -2)) or not np.allclose(
        terminal_penalty, np.swapaxes(terminal_penalty, -1, -2)
    ):
        raise MatrixError("penalty and terminal_penalty must be symmetric")
    eig = np.linalg.eigvalsh(penalty).min(axis=-1)
    if np.any(eig < -1e-12 * np.maximum(1.0, np.abs(penalty).max(axis=(-2, -1)))):
        raise MatrixError(f"penalty must be positive semi-definite, smallest eigenvalues {eig}")


def _check_taus(taus):
    t = check_all_finite("taus", check_array("taus", taus, dtype=np.float64, cast=True))
    if t.ndim != 1 or t.size < 1 or t[0] < 0 or np.any(np.diff(t) <= 0):
        raise InvalidParameters("taus must be a non-empty, non-negative, strictly increasing 1-D array")
    return t


# ---------------------------------------------------------------------------------------------
# (2) the grid HJB
# ---------------------------------------------------------------------------------------------
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


def solve_hjb_grid(
    taus: ArrayLike,
    *,
    lower_bounds: ArrayLike,
    upper_bounds: ArrayLike,
    bid_sides: Sequence[ExponentialSide],
    ask_sides: Sequence[ExponentialSide],
    drift: ArrayLike,
    penalty: ArrayLike,
    terminal_penalty: ArrayLike,
    steps_per_unit: float | None = None,
    backend: str | None = None,
) -> np.ndarray:
    """Integrate (2) and return ``theta`` at the requested times to horizon, for one parameter set or a batch.

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
        Minimum RK4 steps per unit of time (default 1000); ``steps_per_unit * taus[-1]`` is at most
        50 000.  RK4's step is also bounded by the stiffness ``2 sum decay H`` (large rates); when those
        steps exceed the minimum ones by 2 000 (or are projected to exceed them 50 000-fold), the rest
        of the integration is done by an implicit scheme (Radau IIA, error control at 1e-10) whose cost
        does not grow with the rates.
    backend : {"auto", "numpy", "numba", "jax", "cupy"}, optional
        Whose arrays the reference runs on (``auto``: numpy; there is no fast path; the implicit
        scheme runs on the host).

    Returns
    -------
    theta : float64 numpy array ``([n_sets,] n_t, n_1[, n_2[, n_3]])``
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
    for name, seq in (
        ("lower_bounds", lower_bounds),
        ("upper_bounds", upper_bounds),
        ("bid_sides", bid_sides),
        ("ask_sides", ask_sides),
    ):
        if not isinstance(seq, Sequence) or isinstance(seq, (str, bytes)):
            raise TypeError(f"{name} must be a sequence (one entry per asset), got {type(seq).__name__}")
    lows = [check_int(f"lower_bounds[{i}]", v) for i, v in enumerate(lower_bounds)]
    highs = [check_int(f"upper_bounds[{i}]", v) for i, v in enumerate(upper_bounds)]
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
    _check_penalties(gam, term)
    t = _check_taus(taus)
    n_grid = b * math.prod(hi - lo + 1 for lo, hi in zip(lows, highs))
    check_memory(
        "upper_bounds", highs, 8.0 * n_grid * (t.size + 12), f"the value on {n_grid} grid points and {t.size} times"
    )
    min_steps = _DEFAULT_STEPS_PER_UNIT if steps_per_unit is None else check_positive("steps_per_unit", steps_per_unit)
    if steps_per_unit is not None and min_steps * float(t[-1]) > _MAX_RK4_STEPS:
        raise InvalidParameters(
            f"steps_per_unit={steps_per_unit!r} over taus[-1]={float(t[-1])!r} asks for {min_steps * float(t[-1]):.3g} RK4 "
            f"steps, more than {_MAX_RK4_STEPS} (minutes of work); pass fewer or None (stiff equations are switched "
            "to an implicit scheme with error control)"
        )
    budget = min(min_steps * float(t[-1]), _MAX_RK4_STEPS) + _STIFF_RK4_STEPS
    be = get_backend(backend, kernel=GRID)

    axes = [np.arange(lo, hi + 1, dtype=np.float64) for lo, hi in zip(lows, highs)]
    q = np.meshgrid(*axes, indexing="ij")
    per_set = (b,) + (1,) * d
    running = sum(mu[:, i].reshape(per_set) * q[i] for i in range(d)) - 0.5 * sum(
        gam[:, i, j].reshape(per_set) * q[i] * q[j] for i in range(d) for j in range(d)
    )
    theta = -sum(term[:, i, j].reshape(per_set) * q[i] * q[j] for i in range(d) for j in range(d))
    theta = np.broadcast_to(theta, (b,) + q[0].shape)
    running = np.broadcast_to(running, theta.shape)

    def coeffs(sides):
        return [
            tuple(
                be.asarray(np.broadcast_to(np.asarray(v, dtype=np.float64), (b,)).reshape(per_set))
                for v in (s.scale, s.decay)
            )
            for s in sides
        ]

    with be.x64():
        out = reference.solve_grid(
            be.asarray(theta),
            be.asarray(running),
            coeffs(bid_sides),
            coeffs(ask_sides),
            t,
            min_steps,
            xp=be.xp,
            max_explicit_steps=budget,
        )
    out = be.to_host(out)
    return out if batch else out[0]


# ---------------------------------------------------------------------------------------------
# (3) the quadratic Riccati ODE
# ---------------------------------------------------------------------------------------------
def solve_quadratic_riccati(
    taus: ArrayLike, *, curvature: ArrayLike, penalty: ArrayLike, drift: ArrayLike, terminal_penalty: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Solve (3) on a grid of times to horizon, for one parameter set or a batch (numpy).

    Parameters
    ----------
    taus : float array (n_t,)
        Non-negative, strictly increasing times to horizon.
    curvature : float array (d,) or (n_sets, d)
        ``D_ii = c_i k_i^2`` (> 0), with ``c_i`` the scale and ``k_i`` the decay of asset ``i``'s
        Hamiltonians (both sides alike).
    penalty : float array (d, d) or (n_sets, d, d)
        ``Gamma``: symmetric positive semi-definite running penalty (``gamma Sigma``).
    drift : float array (d,) or (n_sets, d)
        ``mu``.
    terminal_penalty : float array (d, d) or (n_sets, d, d)
        ``P``: symmetric.

    Returns
    -------
    A : float64 array ``([n_sets,] n_t, d, d)``
    B : float64 array ``([n_sets,] n_t, d)``
        With the leading ``n_sets`` axis when any parameter has one (the others are shared).

    Raises
    ------
    InvalidParameters, MatrixError
        Bad shapes or batch lengths, non-positive curvature, non-symmetric or non-PSD ``penalty``.
    NumericalInstability
        If a restart matrix ``X`` is singular or the result is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = solve_quadratic_riccati(np.array([0.0, 1.0]), curvature=[[50.0], [80.0]], penalty=[[0.4]],
    ...                                drift=[0.0], terminal_penalty=[[0.0]])
    >>> a.shape, b.shape
    ((2, 2, 1, 1), (2, 2, 1))
    """
    dvec = check_all_finite("curvature", check_array("curvature", curvature, dtype=np.float64, cast=True))
    if dvec.ndim not in (1, 2) or dvec.shape[-1] < 1 or np.any(dvec <= 0):
        raise InvalidParameters(f"curvature must be a (d,) or (n_sets, d) array of positive numbers, got {dvec!r}")
    d = dvec.shape[-1]
    dvec, n_d = _batched("curvature", dvec, (d,))
    gam, n_gam = _batched("penalty", penalty, (d, d))
    mu, n_mu = _batched("drift", drift, (d,))
    p0, n_p = _batched("terminal_penalty", terminal_penalty, (d, d))
    n_sets = _common_batch([n_d, n_gam, n_mu, n_p])
    b = n_sets or 1
    dvec, mu = (np.broadcast_to(a, (b, d)) for a in (dvec, mu))
    gam, p0 = (np.broadcast_to(a, (b, d, d)) for a in (gam, p0))
    _check_penalties(gam, p0)
    t = _check_taus(taus)
    out_a, out_b = reference.solve_riccati(dvec, gam, mu, p0, t)
    return (out_a, out_b) if n_sets is not None else (out_a[0], out_b[0])
