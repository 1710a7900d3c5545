"""Reference implementations of the HJB family, on already validated arrays.

:func:`solve_linear` and :func:`solve_grid` are written against an array namespace ``xp`` in array-API
style (no in-place updates, no numpy-only methods), so they run unchanged on numpy, cupy, jax.numpy
and ``array_api_strict``; the time grid and the step control are host-side Python.
:func:`solve_riccati` runs on numpy only: its propagator is ``scipy.linalg.expm``, which the array
API does not have (and a hand-written Padé exponential would change its numbers).

Linear HJB, ``dv/dtau = -M v`` (:func:`quantforge.kernels.hjb.solve_linear_hjb`).  ``-M = N - c I``
with ``c = max_q d_q`` and ``N >= 0`` entrywise (``-M`` is a Metzler matrix), so
``exp(-M s) = e^{-cs} exp(N s)`` and every term of the Taylor series of ``exp(N s)`` is non-negative:
there is no cancellation.  The propagator is ``T_K(N s / 2^a)^(2^a)`` (``T_K`` the Taylor polynomial of
degree ``K``) with ``(a, K)`` chosen by :func:`quantforge.kernels.hjb.core.propagator_plan` so that
*every entry*, however small, has relative error below ``2^-60``; products of non-negative matrices
keep that componentwise accuracy in any order of summation.  (Cutting the series where its norm is
small, as scaling and squaring usually does, would drop the entries far from the diagonal; when ``v``
spans many orders of magnitude along the grid, under a terminal penalty, the small components are fed
from far away and would come out wrong.)  The vector is advanced interval by interval, reusing the
propagator while the grid spacing is constant, and renormalised after each step with the logarithm
of the scale carried separately, so that neither overflow nor underflow occurs over long horizons.
A dense ``scipy.linalg.expm(-M tau) @ v_T`` is accurate only relative to the largest component; this
scheme keeps the small components at the inventory bounds, which the quotes there depend on,
accurate as well.

Grid HJB (:func:`quantforge.kernels.hjb.solve_hjb_grid`): the classical fourth-order Runge–Kutta
scheme on the exact spatial operator, with a step bounded by the inverse of the Gershgorin bound
``2 sum decay H`` of the Jacobian (stability) and by ``1 / steps_per_unit`` (accuracy), re-evaluated
each step; the sets of a batch share each step, the smallest that any of them needs.  The stability
bound makes the explicit cost grow with the rates (large fill rates ``H`` make the equation stiff: a
step of ``1 / (2 decay H)``, ten minutes of RK4 at ``lambda = 10^6``).  Once the RK4 steps exceed a
budget, the rest of the integration is handed to an L-stable implicit scheme (Radau IIA of order 5,
``scipy.integrate.solve_ivp`` with the exact sparse Jacobian and error control), whose step follows
the smoothness of the solution and not the stiffness: its cost grows like the logarithm of the rates.
The Jacobian of (2) is a Metzler matrix with zero row sums (a generator), so the implicit steps are
well posed for any step length.

Riccati (:func:`quantforge.kernels.hjb.solve_quadratic_riccati`): Radon's lemma, ``A = Y X^{-1}`` with
``d/dtau [X; Y] = H [X; Y]`` for the Hamiltonian matrix ``H``, restarted from ``[I; A]`` after every
sub-step of length at most ``1 / rho`` (``rho`` a bound on the spectral radius of ``H``) so that ``X``
stays well conditioned: over one long step the growing modes ``e^{rho tau}`` swamp the others and
``Y X^{-1}`` is lost in rounding (with ``tau rho ~ 400`` it comes out as ``1e150``).

References
----------
N. J. Higham (2005), "The scaling and squaring method for the matrix exponential revisited",
SIAM J. Matrix Anal. Appl. 26(4) (scaling and squaring).
W. K. Grassmann (1977), "Transient solutions in Markovian queueing systems", Comput. Oper. Res. 4
(uniformisation: the non-negative series of a Metzler matrix exponential).
W. T. Reid (1972), "Riccati Differential Equations", Academic Press (Radon's lemma).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.linalg as sl
import scipy.sparse as sp
from scipy.integrate import solve_ivp

from ...errors import NumericalInstability
from .core import propagator_plan

__all__ = [
    "solve_linear",
    "propagator",
    "solve_grid",
    "solve_grid_implicit",
    "solve_riccati",
    "IMPLICIT_RTOL",
    "IMPLICIT_ATOL",
]

IMPLICIT_RTOL = 1e-10  # relative and absolute (price units) tolerances of the implicit scheme's error control
IMPLICIT_ATOL = 1e-12
_LONG_INTERVAL = 10_000  # Riccati restarts per interval beyond which the interval stops at the stationary solution
_MAX_RESTARTS = 1_000_000  # restarts of 1 / rho allowed for the stationary solution to settle


def _from_below(a, xp):
    """``out[:, i] = a[:, i - 1]`` along axis 1, zero in row 0."""
    return xp.concat([xp.zeros_like(a[:, :1, ...]), a[:, :-1, ...]], axis=1)


def _from_above(a, xp):
    """``out[:, i] = a[:, i + 1]`` along axis 1, zero in the last row."""
    return xp.concat([a[:, 1:, ...], xp.zeros_like(a[:, :1, ...])], axis=1)


def propagator(ndiag: Any, lo: Any, up: Any, norm: Any, step: float, *, xp: Any) -> tuple[Any, Any]:
    """``exp(N step) = e^f F`` per parameter set, as ``(F, f)``.

    Parameters
    ----------
    ndiag, lo, up : arrays (n_sets, n), >= 0
        Diagonal, lower and upper band of ``N`` (``lo[:, 0]`` and ``up[:, -1]`` zero).
    norm : array (n_sets,)
        ``||N||_inf``.
    step : float
        The step ``s > 0``.
    xp : array namespace

    Returns
    -------
    F : array (n_sets, n, n)
        ``T_K(N s / 2^a)^(2^a)`` with ``(a, K)`` from :func:`quantforge.kernels.hjb.core.propagator_plan`
        (every entry to a relative ``2^-60``), rescaled to a largest entry of 1 after each squaring so
        that long steps neither overflow nor underflow.
    f : array (n_sets,)
        The logarithm of the scale removed.
    """
    n_sets, n = ndiag.shape
    plans = [propagator_plan(float(norm[b]) * step, n) for b in range(n_sets)]
    n_sq = xp.asarray([a for a, _ in plans], dtype=xp.int64)
    h = xp.asarray([step / 2.0**a for a, _ in plans], dtype=ndiag.dtype)
    a_d, a_l, a_u = (x * h[:, None] for x in (ndiag, lo, up))
    eye = xp.broadcast_to(xp.eye(n, dtype=ndiag.dtype), (n_sets, n, n))
    term = eye
    total = eye
    for m in range(1, max(k for _, k in plans) + 1):
        nxt = a_d[:, :, None] * term + a_l[:, :, None] * _from_below(term, xp) + a_u[:, :, None] * _from_above(term, xp)
        term = nxt / m
        total = total + term
    log_factor = xp.zeros_like(norm)
    for k in range(max(a for a, _ in plans)):
        sq = xp.matmul(total, total)
        top = xp.max(sq, axis=(1, 2))
        active = n_sq > k
        total = xp.where(active[:, None, None], sq / top[:, None, None], total)
        log_factor = xp.where(active, 2.0 * log_factor + xp.log(top), log_factor)
    return total, log_factor


def solve_linear(d: Any, lo: Any, up: Any, lvt: Any, taus: Sequence[float], *, xp: Any) -> Any:
    """``ln v(taus[j])`` for ``dv/dtau = -M v``, ``M`` tridiagonal (diagonal ``d``, bands ``-lo``, ``-up``).

    Parameters
    ----------
    d, lo, up, lvt : float64 arrays (n_sets, n)
        Diagonal, lower and upper rates (``>= 0``, ``lo[:, 0]`` and ``up[:, -1]`` zero) and ``ln v(0)``.
    taus : host float64 array (n_t,)
        Non-negative, strictly increasing times to horizon.
    xp : array namespace of ``d`` (numpy, cupy, jax.numpy, ...).

    Returns
    -------
    log_v : float64 array (n_sets, n_t, n), in ``xp``; ``-inf`` where ``v_q`` underflowed.

    Raises
    ------
    NumericalInstability
        If the solution leaves the positive finite range.
    """
    n_sets, n = d.shape
    c = xp.max(d, axis=1)
    ndiag = c[:, None] - d
    norm = xp.max(ndiag + lo + up, axis=1)
    top = xp.max(lvt, axis=1)
    v = xp.exp(lvt - top[:, None])
    log_scale = top
    rows = []
    prev = 0.0
    prop, prop_len, log_factor = None, -1.0, 0.0
    for tau in taus:
        tau = float(tau)
        step = tau - prev
        prev = tau
        if step > 0:
            if prop is None or abs(step - prop_len) > 1e-12 * step:
                prop, log_factor = propagator(ndiag, lo, up, norm, step, xp=xp)
                prop_len = step
            v = xp.matmul(prop, v[:, :, None])[:, :, 0]
            m = xp.max(v, axis=1)
            if not (bool(xp.all(m > 0)) and bool(xp.all(xp.isfinite(m)))):
                raise NumericalInstability("the linear HJB solution left the positive finite range")
            v = v / m[:, None]
            log_scale = log_scale + (xp.log(m) + log_factor - c * step)
        with np.errstate(divide="ignore"):  # numpy warns on ln 0; -inf is the documented result
            rows.append(xp.log(v) + log_scale[:, None])
    return xp.stack(rows, axis=1)


def _stencil(theta: Any, xp: Any) -> list[tuple[tuple, tuple, Any]]:
    """Per grid axis: the slices of the cells with a neighbour above (``head``) and below (``tail``),
    and a zero slab one cell thick; built once per integration, as the grid's shape is fixed."""
    out = []
    for axis in range(1, theta.ndim):
        head = tuple(slice(None, -1) if i == axis else slice(None) for i in range(theta.ndim))
        tail = tuple(slice(1, None) if i == axis else slice(None) for i in range(theta.ndim))
        slab = tuple(slice(0, 1) if i == axis else slice(None) for i in range(theta.ndim))
        out.append((head, tail, xp.zeros_like(theta[slab])))
    return out


def _rhs(theta, running, bid, ask, xp, stencil, with_rate=True):
    """Right-hand side of the grid HJB on ``theta (n_sets, *grid)`` and the Gershgorin bound of its Jacobian
    (``None`` unless ``with_rate``: RK4 needs the bound only at the start of a step).

    A side's Hamiltonian feeds the cells that have a neighbour on that side: the bid's is padded with
    a zero slab after, the ask's before (array-API arrays take no slice assignment)."""
    out = running
    rate = xp.zeros_like(theta) if with_rate else None
    for axis, ((b_s, b_k), (a_s, a_k), (head, tail, zero)) in enumerate(zip(bid, ask, stencil), start=1):
        hb = b_s * xp.exp(-b_k * (theta[head] - theta[tail]))
        ha = a_s * xp.exp(-a_k * (theta[tail] - theta[head]))
        out = out + xp.concat([hb, zero], axis=axis)
        out = out + xp.concat([zero, ha], axis=axis)
        if with_rate:
            rate = rate + xp.concat([b_k * hb, zero], axis=axis)
            rate = rate + xp.concat([zero, a_k * ha], axis=axis)
    return out, (2.0 * float(xp.max(rate)) if with_rate else None)


def solve_grid(
    theta0: Any,
    running: Any,
    bid: Sequence[tuple[Any, Any]],
    ask: Sequence[tuple[Any, Any]],
    taus: Sequence[float],
    min_steps: float,
    *,
    xp: Any,
    max_explicit_steps: float | None = None,
) -> Any:
    """Integrate the grid HJB by RK4 from ``theta0`` and return ``theta`` at ``taus``.

    Parameters
    ----------
    theta0, running : float64 arrays (n_sets, n_1[, n_2[, n_3]])
        ``theta(0, q)`` and the running term ``mu . q - q' Gamma q / 2`` on the grid.
    bid, ask : sequences of d pairs ``(scale, decay)``
        Per asset, arrays shaped ``(n_sets, 1, ..., 1)``: ``H(p) = scale exp(-decay p)``.
    taus : host float64 array (n_t,)
        Non-negative, strictly increasing times to horizon.
    min_steps : float
        Minimum RK4 steps per unit of time.
    xp : array namespace of the arrays.
    max_explicit_steps : float, optional
        RK4 steps after which the rest is integrated by :func:`solve_grid_implicit`, which also takes
        over at once when the stability bound projects more than 50 000 times as many (None: RK4
        throughout).

    Returns
    -------
    theta : float64 array (n_sets, n_t, n_1[, n_2[, n_3]]), in ``xp``.

    Raises
    ------
    NumericalInstability
        If the integration produces non-finite values.
    """
    # numpy warns when exp overflows; the overflow is caught below as a non-finite theta (one errstate
    # for the whole integration: entering it per right-hand side costs more than a small grid's step)
    with np.errstate(over="ignore"):
        return _rk4(theta0, running, bid, ask, taus, min_steps, xp, max_explicit_steps)


def _rk4(theta, running, bid, ask, taus, min_steps, xp, max_explicit_steps):
    stencil = _stencil(theta, xp)
    rows = []
    now = 0.0
    steps = 0
    horizon = float(taus[-1])
    for i, target in enumerate(taus):
        target = float(target)
        while now < target:
            k1, rate = _rhs(theta, running, bid, ask, xp, stencil)
            if max_explicit_steps is not None and (
                steps >= max_explicit_steps or (horizon - now) * rate > 50_000.0 * max_explicit_steps
            ):
                rest = solve_grid_implicit(theta, running, bid, ask, now, taus[i:], xp=xp)
                return xp.concat([xp.stack(rows, axis=1), rest], axis=1) if rows else rest
            steps += 1
            step = min(target - now, 1.0 / max(rate, 1e-300), 1.0 / min_steps)
            k2, _ = _rhs(theta + 0.5 * step * k1, running, bid, ask, xp, stencil, with_rate=False)
            k3, _ = _rhs(theta + 0.5 * step * k2, running, bid, ask, xp, stencil, with_rate=False)
            k4, _ = _rhs(theta + step * k3, running, bid, ask, xp, stencil, with_rate=False)
            theta = theta + (step / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
            now = target if target - now <= step else now + step
            if not bool(xp.all(xp.isfinite(theta))):
                raise NumericalInstability(f"the grid HJB went non-finite at tau = {now!r}")
        rows.append(theta)
    return xp.stack(rows, axis=1)


def _host(a: Any) -> np.ndarray:
    """A host numpy copy of an array of any namespace (cupy's ``get``, else the array protocol)."""
    return a.get() if hasattr(a, "get") and callable(a.get) else np.asarray(a)


def _jacobian(theta: np.ndarray, bid, ask) -> sp.csc_matrix:
    """The sparse Jacobian of the grid HJB's right-hand side at ``theta`` (n_sets, *grid), flattened.

    Along axis ``i`` the bid term at ``q`` is ``H^b(theta(q) - theta(q + e_i))`` and the ask term at
    ``q + e_i`` is ``H^a(theta(q + e_i) - theta(q))``; with ``H(p) = s e^{-k p}``, ``dH/dp = -k H``.
    """
    idx = np.arange(theta.size).reshape(theta.shape)
    rows, cols, vals = [], [], []
    for axis, ((b_s, b_k), (a_s, a_k)) in enumerate(zip(bid, ask), start=1):
        head = tuple(slice(None, -1) if i == axis else slice(None) for i in range(theta.ndim))
        tail = tuple(slice(1, None) if i == axis else slice(None) for i in range(theta.ndim))
        lo, hi = idx[head].ravel(), idx[tail].ravel()
        with np.errstate(over="ignore"):
            gb = np.broadcast_to(b_k * b_s * np.exp(-b_k * (theta[head] - theta[tail])), theta[head].shape).ravel()
            ga = np.broadcast_to(a_k * a_s * np.exp(-a_k * (theta[tail] - theta[head])), theta[head].shape).ravel()
        rows += [lo, lo, hi, hi]
        cols += [lo, hi, hi, lo]
        vals += [-gb, gb, -ga, ga]
    n = theta.size
    return sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))


def solve_grid_implicit(
    theta: Any,
    running: Any,
    bid: Sequence[tuple[Any, Any]],
    ask: Sequence[tuple[Any, Any]],
    now: float,
    taus: Sequence[float],
    *,
    xp: Any,
) -> Any:
    """Integrate the grid HJB from ``theta`` at ``now`` to each of ``taus`` (all > ``now``) by an
    L-stable implicit scheme: Radau IIA of order 5 with error control (``IMPLICIT_RTOL``,
    ``IMPLICIT_ATOL``) and the exact sparse Jacobian, on the host (numpy and scipy).

    Its steps follow the solution's smoothness, not the stiffness ``2 decay H`` that bounds RK4's: the
    cost grows like the logarithm of the rates.  The right-hand side depends on ``theta`` only through
    its differences, so the scheme integrates ``psi = theta - theta(q_0)`` (each set's first grid
    point) and ``c = theta(q_0)`` separately: under large rates ``theta`` grows like the rates while the
    quotes are its differences, and error control on ``theta`` itself would leave them to rounding.
    Returns ``theta = psi + c`` at ``taus`` in ``xp``, shape ``(n_sets, len(taus), *grid)``.

    Raises
    ------
    NumericalInstability
        If the integration fails or produces non-finite values.
    """
    shape = tuple(theta.shape)
    n_sets, size = shape[0], int(np.prod(shape[1:]))
    th0 = _host(theta).astype(np.float64).reshape(n_sets, size)
    run = np.broadcast_to(_host(running), shape)
    sides_b = [(_host(s), _host(k)) for s, k in bid]
    sides_a = [(_host(s), _host(k)) for s, k in ask]
    n_psi = n_sets * size
    ref = np.arange(n_sets) * size  # flat index of each set's reference point

    stencil = _stencil(np.empty(shape), np)

    def fun(_t, y):
        with np.errstate(over="ignore", invalid="ignore"):
            f, _ = _rhs(y[:n_psi].reshape(shape), run, sides_b, sides_a, np, stencil, with_rate=False)
        f = f.reshape(n_sets, size)
        return np.concatenate([(f - f[:, :1]).ravel(), f[:, 0]])

    def jac(_t, y):
        jf = _jacobian(y[:n_psi].reshape(shape), sides_b, sides_a).tocsr()
        rows, cols, vals = [], [], []
        coo = jf.tocoo()
        rows.append(coo.row)
        cols.append(coo.col)
        vals.append(coo.data)
        for s in range(n_sets):
            r = jf.getrow(ref[s]).tocoo()
            members = np.arange(s * size, (s + 1) * size)
            # every row of the set loses the reference row; c gains it
            rows.append(np.repeat(members, r.nnz))
            cols.append(np.tile(r.col, size))
            vals.append(np.tile(-r.data, size))
            rows.append(np.full(r.nnz, n_psi + s))
            cols.append(r.col)
            vals.append(r.data)
        n = n_psi + n_sets
        return sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))

    y0 = np.concatenate([(th0 - th0[:, :1]).ravel(), th0[:, 0]])
    ahead = np.asarray([float(t) for t in taus])
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            sol = solve_ivp(
                fun,
                (now, float(ahead[-1])),
                y0,
                method="Radau",
                t_eval=ahead,
                jac=jac,
                rtol=IMPLICIT_RTOL,
                atol=IMPLICIT_ATOL,
            )
    except (RuntimeError, ValueError, np.linalg.LinAlgError) as exc:  # a singular Newton matrix: the step collapsed
        raise NumericalInstability(
            f"the implicit grid HJB integration failed after tau = {now!r} ({exc}): the rates are too large for float64"
        ) from None
    if sol.status != 0 or sol.y.shape[1] != ahead.size:
        raise NumericalInstability(
            f"the implicit grid HJB integration failed before tau = {float(ahead[-1])!r}: {sol.message}"
        )
    psi = sol.y[:n_psi].T.reshape((ahead.size, n_sets, size))
    c = sol.y[n_psi:].T.reshape((ahead.size, n_sets, 1))
    out = np.moveaxis(psi + c, 0, 1).reshape((n_sets, ahead.size) + shape[1:])
    if not np.all(np.isfinite(out)):
        raise NumericalInstability("the implicit grid HJB integration went non-finite")
    return xp.asarray(out)


def solve_riccati(
    curvature: np.ndarray, penalty: np.ndarray, drift: np.ndarray, terminal_penalty: np.ndarray, taus: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``A(taus)`` and ``B(taus)`` of the quadratic-approximation Riccati ODE, numpy only (``scipy.linalg.expm``).

    Parameters
    ----------
    curvature : float64 array (n_sets, d)
        ``D_ii > 0``.
    penalty, terminal_penalty : float64 arrays (n_sets, d, d)
        ``Gamma`` (symmetric PSD) and ``P`` (symmetric).
    drift : float64 array (n_sets, d)
        ``mu``.
    taus : float64 array (n_t,)
        Non-negative, strictly increasing times to horizon.

    Returns
    -------
    A : float64 array (n_sets, n_t, d, d)
    B : float64 array (n_sets, n_t, d)

    Raises
    ------
    NumericalInstability
        If a restart matrix ``X`` is singular or the result is not finite.
    """
    b, d = curvature.shape
    # the pair (A, B) is one Riccati equation for the bordered matrix [[A, B/2], [B'/2, .]]
    m = d + 1
    d_bar = np.zeros((b, m, m))
    d_bar[:, np.arange(d), np.arange(d)] = curvature
    g_bar = np.zeros((b, m, m))
    g_bar[:, :d, :d] = penalty
    g_bar[:, :d, d] = -drift
    g_bar[:, d, :d] = -drift
    ham = np.zeros((b, 2 * m, 2 * m))
    ham[:, :m, m:] = 4.0 * d_bar
    ham[:, m:, :m] = 0.5 * g_bar
    a_bar = np.zeros((b, m, m))
    a_bar[:, :d, :d] = terminal_penalty
    out_a = np.empty((b, taus.size, d, d))
    out_b = np.empty((b, taus.size, d))
    rho = float(
        np.sqrt(np.linalg.norm(4.0 * d_bar, 2, axis=(-2, -1)) * np.linalg.norm(0.5 * g_bar, 2, axis=(-2, -1))).max()
    )
    prev, prop, prop_len = 0.0, None, -1.0
    eye = np.broadcast_to(np.eye(m), (b, m, m))
    for j, tau in enumerate(taus):
        step = tau - prev
        prev = tau
        if step > 0:
            # An interval of more than _LONG_INTERVAL restarts (a horizon asked for the stationary quotes)
            # is walked in restarts of 1 / rho until A stops changing: the solution has converged and
            # the rest of the interval would only repeat it (a count of step * rho restarts hung on a
            # horizon of 1e300).
            long_interval = not step * rho <= _LONG_INTERVAL
            n_sub = _MAX_RESTARTS if long_interval else max(1, int(np.ceil(step * rho)))
            sub = 1.0 / rho if long_interval else step / n_sub
            if prop is None or abs(sub - prop_len) > 1e-12 * sub:
                prop = sl.expm(sub * ham)
                prop_len = sub
            for k in range(n_sub):
                xy = prop @ np.concatenate([eye, a_bar], axis=1)
                try:
                    new = np.swapaxes(
                        np.linalg.solve(np.swapaxes(xy[:, :m], -1, -2), np.swapaxes(xy[:, m:], -1, -2)), -1, -2
                    )
                except np.linalg.LinAlgError:
                    raise NumericalInstability(f"Riccati restart matrix singular before tau = {tau!r}") from None
                new = 0.5 * (new + np.swapaxes(new, -1, -2))
                # A and B (the rows :d) settle; the corner C grows like tau, but nothing reads it and it
                # does not feed back into A or B
                settled = long_interval and bool(
                    np.all(
                        np.abs(new[:, :d] - a_bar[:, :d])
                        <= 8 * np.finfo(float).eps * np.maximum(1.0, np.abs(new[:, :d]))
                    )
                )
                a_bar = new
                if settled:
                    break
                if long_interval and k == n_sub - 1:
                    raise NumericalInstability(
                        f"the Riccati solution did not settle within {_MAX_RESTARTS} restarts of "
                        f"1 / rho on the interval ending at tau = {tau!r}"
                    )
        out_a[:, j] = a_bar[:, :d, :d]
        out_b[:, j] = 2.0 * a_bar[:, :d, d]
    if not (np.isfinite(out_a).all() and np.isfinite(out_b).all()):
        raise NumericalInstability("the Riccati solution is not finite")
    return out_a, out_b
