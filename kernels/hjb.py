"""Exact solution of the linear ODE systems behind the GLFT and Cartea–Jaimungal quotes, batched.

After the change of variable ``theta = (Delta / k) ln v`` (Guéant, Lehalle & Fernandez-Tapia 2013,
eq. (5.3) ff.; Cartea, Jaimungal & Penalva 2015, §10.2, ``h = ln(omega) / kappa``) the HJB equation
of a market maker with exponential fill intensities on the inventory grid ``-Q..Q`` becomes the linear
system, in time to horizon ``tau = T - t``,

    dv_q/dtau = -d_q v_q + l_q v_{q-1} + u_q v_{q+1},      v(0) = v_T,                      (1)

i.e. ``v(tau) = exp(-M tau) v_T`` with ``M`` tridiagonal, ``M_qq = d_q`` and off-diagonals ``-l_q``,
``-u_q`` (rates ``l, u >= 0``).  This module evaluates (1) on a grid of ``tau`` for a batch of
parameter sets and returns ``ln v``.

Method.  ``-M = N - c I`` with ``c = max_q d_q`` and ``N >= 0`` entrywise (``-M`` is a Metzler
matrix), so ``exp(-M s) = e^{-cs} exp(N s)`` and every term of the Taylor series of ``exp(N s)`` is
non-negative: there is no cancellation.  The propagator is ``T_K(N s / 2^a)^(2^a)`` (``T_K`` the
Taylor polynomial of degree ``K``) with ``(a, K)`` chosen by
:func:`quantforge.kernels.hjb_numba.propagator_plan` so that *every entry*, however small, has
relative error below ``2^-60``; products of non-negative matrices keep that componentwise accuracy
in any order of summation.  (Cutting the series where its norm is small, as scaling and squaring
usually does, would drop the entries far from the diagonal; when ``v`` spans many orders of
magnitude along the grid, under a terminal penalty, the small components are fed from far away and
would come out wrong.)  The vector is advanced interval by interval, reusing the propagator while
the grid spacing is constant, and renormalised after each step with the logarithm of the scale
carried separately, so that neither overflow nor underflow occurs over long horizons.  A dense
``scipy.linalg.expm(-M tau) @ v_T`` (a reference in the tests) is accurate only relative to the
largest component; this scheme keeps the small components at the inventory bounds, which the quotes
there depend on, accurate as well.

Backends: ``numpy`` (the reference: one matrix-vector product per time point, batched over the
parameter sets) and ``numba`` (parallel over parameter sets; on runs of equal steps the powers
``P^(2^l)`` of the propagator turn the stepping into blocked matrix-matrix products, see
:mod:`quantforge.kernels.hjb_numba`).

References
----------
O. Guéant, C.-A. Lehalle, J. Fernandez-Tapia (2013), "Dealing with the inventory risk: a solution to
the market making problem", Math. Financ. Econ. 7:477–507.
Á. Cartea, S. Jaimungal, J. Penalva (2015), "Algorithmic and High-Frequency Trading", CUP, ch. 10.
N. J. Higham (2005), "The scaling and squaring method for the matrix exponential revisited",
SIAM J. Matrix Anal. Appl. 26(4) (scaling and squaring).
W. K. Grassmann (1977), "Transient solutions in Markovian queueing systems", Comput. Oper. Res. 4
(uniformisation: the non-negative series of a Metzler matrix exponential).
"""

from __future__ import annotations

import numba
import numpy as np

from ..errors import InvalidParameters, NumericalInstability, check_all_finite, check_array
from .backend import resolve_backend
from .hjb_numba import propagator_plan, solve_numba

__all__ = ["solve_linear_hjb", "log_v_gaps"]


def _validate(diag, lower, upper, log_v_terminal, taus):
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
    lo = lo.copy()
    up = up.copy()
    lo[:, 0] = 0.0  # no state below the lower bound
    up[:, -1] = 0.0  # no state above the upper bound
    return np.ascontiguousarray(d), lo, up, lvt, np.ascontiguousarray(t)


def _numpy_solve(d, lo, up, lvt, taus):
    """Reference: the scheme of the module docstring on the whole batch with batched products."""
    n_sets, n = d.shape
    c = d.max(axis=1)
    ndiag = c[:, None] - d
    norm = (ndiag + lo + up).max(axis=1)  # ||N||_inf >= 0
    v = np.exp(lvt - lvt.max(axis=1, keepdims=True))
    log_scale = lvt.max(axis=1).copy()
    out = np.empty((n_sets, taus.size, n))
    eye = np.broadcast_to(np.eye(n), (n_sets, n, n))
    prev = 0.0
    prop, prop_len, log_factor = None, -1.0, 0.0
    for j, tau in enumerate(taus):
        step = tau - prev
        prev = tau
        if step > 0:
            if prop is None or abs(step - prop_len) > 1e-12 * step:
                prop, log_factor = _numpy_propagator(ndiag, lo, up, norm, step, eye)
                prop_len = step
            v = np.einsum("bij,bj->bi", prop, v)
            m = v.max(axis=1)
            if not np.all(m > 0) or not np.all(np.isfinite(m)):
                raise NumericalInstability("the linear HJB solution left the positive finite range")
            v /= m[:, None]
            log_scale += np.log(m) + log_factor - c * step
        with np.errstate(divide="ignore"):
            out[:, j, :] = np.log(v) + log_scale[:, None]
    return out


def _numpy_propagator(ndiag, lo, up, norm, step, eye):
    """``exp(N s) = e^{f} F`` per set as ``(F, f)``: ``T_K(N s / 2^a)^(2^a)`` with ``(a, K)`` from
    :func:`quantforge.kernels.hjb_numba.propagator_plan` (every entry to a relative ``2^-60``).

    ``F`` is rescaled to a largest entry of 1 after each squaring (``f`` carries the scale), so that
    long steps neither overflow nor underflow."""
    plans = np.array([propagator_plan(float(x) * step, ndiag.shape[1]) for x in norm], dtype=np.int64).reshape(-1, 2)
    n_sq = plans[:, 0]
    h = step / 2.0**n_sq
    a_d, a_l, a_u = (x * h[:, None] for x in (ndiag, lo, up))
    term = eye.copy()
    total = eye.copy()
    for m in range(1, int(plans[:, 1].max()) + 1):
        nxt = a_d[:, :, None] * term
        nxt[:, 1:, :] += a_l[:, 1:, None] * term[:, :-1, :]
        nxt[:, :-1, :] += a_u[:, :-1, None] * term[:, 1:, :]
        term = nxt / m
        total += term
    log_factor = np.zeros(total.shape[0])
    for k in range(int(n_sq.max())):
        sq = total @ total
        top = sq.max(axis=(1, 2))
        active = n_sq > k
        total = np.where(active[:, None, None], sq / top[:, None, None], total)
        log_factor = np.where(active, 2.0 * log_factor + np.log(top), log_factor)
    return total, log_factor


def solve_linear_hjb(
    diag: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    log_v_terminal: np.ndarray,
    taus: np.ndarray,
    *,
    backend: str | None = None,
) -> np.ndarray:
    """``ln v(tau)`` for ``dv/dtau = -M v``, ``M`` tridiagonal, batched over parameter sets.

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
    backend : {"numpy", "numba", "auto"}, optional

    Returns
    -------
    log_v : float64 array (n_sets, n_t, n)
        ``ln v_q(taus[j])``; ``-inf`` only where ``v_q`` is below the double range relative to the
        largest component (about ``1e-308`` on numpy, ``2^-1000 ~ 1e-301`` on numba, see
        :mod:`quantforge.kernels.hjb_numba`).  The differences along the inventory axis (the quotes)
        are accurate to rounding; ``ln v`` itself carries the accumulated rounding of its scale,
        about the unit roundoff times ``sum_j c (taus[j] - taus[j-1])``.

    Raises
    ------
    InvalidParameters
        For non-finite entries, negative rates, mismatched shapes or a bad time grid.
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
    d, lo, up, lvt, t = _validate(diag, lower, upper, log_v_terminal, taus)
    name = resolve_backend(backend)
    if name in ("jax", "cupy") and backend in (None, "auto"):
        name = "numba"  # the stepping is sequential in time and small per set: a CPU kernel fits it
    if name == "numba":
        out = np.empty((d.shape[0], t.size, d.shape[1]))
        status = np.zeros(d.shape[0], np.int64)
        solve_numba(d, lo, up, lvt, t, out, status, min(d.shape[0], 8 * numba.get_num_threads()))
        if status.any():
            bad = int(np.argmax(status))
            raise NumericalInstability(f"the linear HJB solution of parameter set {bad} left the positive finite range")
        return out
    if name != "numpy":
        raise InvalidParameters(f"solve_linear_hjb runs on the numpy and numba backends, got backend {name!r}")
    return _numpy_solve(d, lo, up, lvt, t)


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
    lv = np.asarray(log_v, dtype=np.float64)
    down = np.full(lv.shape, np.inf)
    up = np.full(lv.shape, np.inf)
    with np.errstate(invalid="ignore"):
        down[..., :-1] = lv[..., :-1] - lv[..., 1:]
        up[..., 1:] = lv[..., 1:] - lv[..., :-1]
    if not (np.isfinite(down[..., :-1]).all() and np.isfinite(up[..., 1:]).all()):
        raise NumericalInstability("ln v is not finite on the inventory grid: the value function underflowed")
    return down, up
