"""The numba (CPU) fast path of :mod:`quantforge.kernels.hawkes`.

The scalar core (:mod:`.core`) compiled for the CPU: simulations one path per iteration of a
parallel loop (so a path's numbers do not depend on the thread that runs it) and batched fits one
series per iteration; intensities and log-likelihoods in one pass over the events where no decay
depends on the target, else one pass per target (serially: a parallel region costs a wake-up of the
thread pool, milliseconds on a loaded machine, and most fits are of one or two dimensions).
The batched fit is a projected Newton method (Bertsekas 1982) on ``z = (ln mu, alpha, ln beta)``
with the analytic Hessian of :func:`.core.loglik_target`: a Cholesky solve on the free variables
(Levenberg-damped until positive definite), steepest descent where Newton does not descend, an
Armijo search along the projected path, and convergence when the projected gradient of the mean
negative log-likelihood per event is below ``gtol``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..jit import jit
from .core import (
    FitStatus,
    assemble_target,
    dz_path,
    intensity_merged,
    intensity_target,
    loglik_merged,
    loglik_target,
    n_params_target,
    ogata_path,
    unpack,
)

__all__ = ["simulate_dz", "simulate_ogata", "intensity", "log_likelihood", "fit_batch"]

_dz = jit(dz_path, error_model="numpy")
_ogata = jit(ogata_path, error_model="numpy")
_intensity_target = jit(intensity_target, error_model="numpy")
_intensity_merged = jit(intensity_merged, error_model="numpy")
_loglik_target = jit(loglik_target, error_model="numpy")
_loglik_merged = jit(loglik_merged, error_model="numpy")
_assemble = jit(assemble_target)
_unpack = jit(unpack)
_n_local = jit(n_params_target, inline=True)
# derivative orders passed to compiled callees as typed globals: an integer literal argument makes numba
# compile the callee (and everything it calls) once more for that literal value
_VALUE = np.int64(0)
_HESSIAN = np.int64(2)


@jit(parallel=True, error_model="numpy")
def _dz_kernel(
    path_ids, horizon, mu, mu_total, decays, gidx, jump, k0, k1, stream, state, times, marks, counts, status
):
    for r in numba.prange(path_ids.shape[0]):
        n, st = _dz(
            path_ids[r], horizon, mu, mu_total, decays, gidx, jump, k0, k1, stream, state[r], times[r], marks[r]
        )
        counts[r] = n
        status[r] = st


@jit(parallel=True, error_model="numpy")
def _ogata_kernel(path_ids, horizon, code, mu, alpha, shape1, shape2, k0, k1, stream, times, marks, counts, status):
    for r in numba.prange(path_ids.shape[0]):
        lam = np.empty(mu.shape[0])
        n, st = _ogata(path_ids[r], horizon, code, mu, alpha, shape1, shape2, k0, k1, stream, lam, times[r], marks[r])
        counts[r] = n
        status[r] = st


def simulate_dz(path_ids, horizon, mu, mu_total, decays, gidx, jump, k0, k1, stream, cap):
    """(times (P, cap), marks (P, cap), counts (P,), status (P,)) of the exact paths."""
    n = path_ids.shape[0]
    times = np.zeros((n, cap))
    marks = np.zeros((n, cap), dtype=np.int64)
    counts = np.zeros(n, dtype=np.int64)
    status = np.zeros(n, dtype=np.int64)
    state = np.zeros((n, decays.shape[0] * mu.shape[0]))
    _dz_kernel(
        path_ids.astype(np.uint64),
        float(horizon),
        mu,
        float(mu_total),
        decays,
        gidx,
        jump,
        np.uint64(k0),
        np.uint64(k1),
        stream,
        state,
        times,
        marks,
        counts,
        status,
    )
    return times, marks, counts, status


def simulate_ogata(path_ids, horizon, code, mu, alpha, shape1, shape2, k0, k1, stream, cap):
    """(times, marks, counts, status) of the thinning paths."""
    n = path_ids.shape[0]
    times = np.zeros((n, cap))
    marks = np.zeros((n, cap), dtype=np.int64)
    counts = np.zeros(n, dtype=np.int64)
    status = np.zeros(n, dtype=np.int64)
    _ogata_kernel(
        path_ids.astype(np.uint64),
        float(horizon),
        int(code),
        mu,
        alpha,
        shape1,
        shape2,
        np.uint64(k0),
        np.uint64(k1),
        stream,
        times,
        marks,
        counts,
        status,
    )
    return times, marks, counts, status


@jit(error_model="numpy")
def _intensity_targets(queries, times, offsets, mu, alpha, beta, lam, comp):
    for i in range(mu.shape[0]):
        _intensity_target(i, queries, times, offsets, mu, alpha, beta, lam[i], comp[i])


@jit(error_model="numpy")
def _loglik_targets(x, tie, beta_fixed, times, offsets, horizon, n_dim, n_comp, order, values, lgrad, lhess):
    alpha = np.empty((n_dim, n_dim, n_comp))
    beta = np.empty((n_dim, n_dim, n_comp))
    _unpack(x, tie, beta_fixed, n_dim, n_comp, alpha, beta)
    for i in range(n_dim):
        values[i] = _loglik_target(i, horizon, times, offsets, x[i], alpha, beta, order, lgrad[i], lhess[i])


def intensity(queries, events, mu, alpha, beta):
    """``lambda`` and ``Lambda`` (M, D) at sorted ``queries`` by the recursion (exponential family).

    ``events`` = (times by dimension, offsets, time-sorted times, their marks).  Decays that do not
    depend on the target take one pass for all targets, others one pass per target.
    """
    by_dim, offsets, times, marks = events
    n_dim = mu.shape[0]
    if np.all(beta == beta[:1]):
        lam = np.empty((queries.shape[0], n_dim))
        comp = np.empty((queries.shape[0], n_dim))
        _intensity_merged(queries, times, marks, mu, alpha, beta, lam, comp)
        return lam, comp
    lam = np.empty((n_dim, queries.shape[0]))
    comp = np.empty((n_dim, queries.shape[0]))
    _intensity_targets(queries, by_dim, offsets, mu, alpha, beta, lam, comp)
    return lam.T.copy(), comp.T.copy()


@jit(error_model="numpy")
def _merged_kernel(x, tie, beta_fixed, stimes, smarks, horizon, n_dim, n_comp, order, values, lgrad, lhess):
    alpha = np.empty((n_dim, n_dim, n_comp))
    beta = np.empty((n_dim, n_dim, n_comp))
    _unpack(x, tie, beta_fixed, n_dim, n_comp, alpha, beta)
    _loglik_merged(horizon, stimes, smarks, x[:n_dim], alpha, beta, order, values, lgrad, lhess)


def log_likelihood(x, tie, beta_fixed, events, horizon, order, merged):
    """(value, gradient (P,), Hessian (P, P)) in the fitted vector's layout (:func:`.core.global_index`).

    ``events`` = (times by dimension, offsets, time-sorted times, their marks); ``merged``: the decays
    do not depend on the target, so one pass over the sorted events serves every target
    (:func:`.core.loglik_merged`), else one pass per target.
    """
    by_dim, offsets, stimes, smarks = events
    n_dim, n_comp = tie.shape[0], tie.shape[2]
    n_local = n_params_target(n_dim, n_comp)
    values = np.zeros(n_dim)
    lgrad = np.zeros((n_dim, n_local))
    lhess = np.zeros((n_dim, n_local, n_local))
    if merged:
        _merged_kernel(x, tie, beta_fixed, stimes, smarks, float(horizon), n_dim, n_comp, order, values, lgrad, lhess)
    else:
        _loglik_targets(x, tie, beta_fixed, by_dim, offsets, float(horizon), n_dim, n_comp, order, values, lgrad, lhess)
    grad = np.zeros(x.shape[0])
    hess = np.zeros((x.shape[0], x.shape[0]))
    for i in range(n_dim):
        assemble_target(i, n_dim, n_comp, tie, order, lgrad[i], lhess[i], grad, hess)
    return float(values.sum()), grad, hess


@jit(error_model="numpy")
def _series_loglik(x, tie, beta_fixed, times, offsets, stimes, smarks, merged, horizon, order, grad, hess):
    """The log-likelihood of one series at ``x`` with its derivatives (zeroed here), on one thread."""
    n_dim, n_comp = tie.shape[0], tie.shape[2]
    n_local = _n_local(n_dim, n_comp)
    alpha = np.empty((n_dim, n_dim, n_comp))
    beta = np.empty((n_dim, n_dim, n_comp))
    _unpack(x, tie, beta_fixed, n_dim, n_comp, alpha, beta)
    grad[:] = 0.0
    hess[:, :] = 0.0
    values = np.zeros(n_dim)
    lgrad = np.zeros((n_dim, n_local))
    lhess = np.zeros((n_dim, n_local, n_local))
    if merged:
        _loglik_merged(
            horizon,
            stimes[offsets[0] : offsets[n_dim]],
            smarks[offsets[0] : offsets[n_dim]],
            x[:n_dim],
            alpha,
            beta,
            order,
            values,
            lgrad,
            lhess,
        )
    else:
        for i in range(n_dim):
            values[i] = _loglik_target(i, horizon, times, offsets, x[i], alpha, beta, order, lgrad[i], lhess[i])
    value = 0.0
    for i in range(n_dim):
        value += values[i]
        _assemble(i, n_dim, n_comp, tie, order, lgrad[i], lhess[i], grad, hess)
    return value


@jit(error_model="numpy")
def _objective(
    z, logflag, tie, beta_fixed, times, offsets, stimes, smarks, merged, horizon, scale, order, grad_z, hess_z
):
    """``-l(x(z)) / scale`` and its z-derivatives (``x = e^z`` where ``logflag``), one series, serial."""
    n_par = z.shape[0]
    x = np.empty(n_par)
    for u in range(n_par):
        x[u] = math.exp(z[u]) if logflag[u] else z[u]
    grad = np.zeros(n_par)
    hess = np.zeros((n_par, n_par))
    value = _series_loglik(x, tie, beta_fixed, times, offsets, stimes, smarks, merged, horizon, order, grad, hess)
    if order >= 1:
        for u in range(n_par):
            du = x[u] if logflag[u] else 1.0
            grad_z[u] = -grad[u] * du / scale
            if order >= 2:
                for v in range(n_par):
                    dv = x[v] if logflag[v] else 1.0
                    hess_z[u, v] = -hess[u, v] * du * dv / scale
                if logflag[u]:
                    hess_z[u, u] += grad_z[u]  # d2 x / dz2 = x: the chain rule's second term
    return -value / scale


@jit
def _cholesky_solve(a, b, free, out):
    """Solve ``a[free, free] y = b[free]`` by Cholesky into ``out[free]`` (0 elsewhere); False if not PD."""
    idx = np.nonzero(free)[0]
    m = idx.shape[0]
    low = np.zeros((m, m))
    for r in range(m):
        for c in range(r + 1):
            s = a[idx[r], idx[c]]
            for q in range(c):
                s -= low[r, q] * low[c, q]
            if r == c:
                if not s > 0.0:
                    return False
                low[r, r] = math.sqrt(s)
            else:
                low[r, c] = s / low[c, c]
    y = np.empty(m)
    for r in range(m):
        s = b[idx[r]]
        for q in range(r):
            s -= low[r, q] * y[q]
        y[r] = s / low[r, r]
    for r in range(m - 1, -1, -1):
        s = y[r]
        for q in range(r + 1, m):
            s -= low[q, r] * y[q]
        y[r] = s / low[r, r]
    out[:] = 0.0
    for r in range(m):
        out[idx[r]] = y[r]
    return True


@jit(error_model="numpy")
def _newton(
    z,
    lower,
    upper,
    logflag,
    tie,
    beta_fixed,
    times,
    offsets,
    stimes,
    smarks,
    merged,
    horizon,
    scale,
    max_iter,
    gtol,
    stall_gtol,
):
    """Minimise the objective from ``z`` (changed in place); returns (f, iterations, FitStatus).

    Converged: projected gradient below ``gtol``, or below ``stall_gtol`` once no step can lower the
    objective any more (it is a mean of N logarithms, known to about 1e-15 relative).
    """
    n_par = z.shape[0]
    g = np.zeros(n_par)
    h = np.zeros((n_par, n_par))
    h_reg = np.zeros((n_par, n_par))
    step = np.zeros(n_par)
    trial = np.zeros(n_par)
    dummy_g = np.zeros(n_par)
    dummy_h = np.zeros((1, 1))
    free = np.ones(n_par, dtype=np.bool_)
    for u in range(n_par):
        z[u] = min(max(z[u], lower[u]), upper[u])
    f = _objective(z, logflag, tie, beta_fixed, times, offsets, stimes, smarks, merged, horizon, scale, _HESSIAN, g, h)
    if not math.isfinite(f):
        return f, 0, FitStatus.NON_FINITE
    for it in range(max_iter):
        pg = 0.0
        for u in range(n_par):
            at_low = z[u] <= lower[u] and g[u] > 0.0
            at_high = z[u] >= upper[u] and g[u] < 0.0
            free[u] = not (at_low or at_high)
            if free[u]:
                pg = max(pg, abs(g[u]))
        if pg < gtol:
            return f, it, FitStatus.CONVERGED
        damping = 0.0
        diag = 0.0
        for u in range(n_par):
            diag = max(diag, abs(h[u, u]))
        ok = False
        for _ in range(30):
            h_reg[:, :] = h
            for u in range(n_par):
                h_reg[u, u] += damping
            if _cholesky_solve(h_reg, -g, free, step):
                ok = True
                break
            damping = max(1e-10 * max(diag, 1.0), 10.0 * damping)
        slope = 0.0
        for u in range(n_par):
            slope += g[u] * step[u]
        if not ok or not slope < 0.0:
            for u in range(n_par):
                step[u] = -g[u] if free[u] else 0.0
        t = 1.0
        accepted = False
        moved = False
        for _ in range(60):
            decrease = 0.0
            moved = False
            for u in range(n_par):
                trial[u] = min(max(z[u] + t * step[u], lower[u]), upper[u])
                decrease += g[u] * (trial[u] - z[u])
                moved = moved or trial[u] != z[u]
            f_new = _objective(
                trial,
                logflag,
                tie,
                beta_fixed,
                times,
                offsets,
                stimes,
                smarks,
                merged,
                horizon,
                scale,
                _VALUE,
                dummy_g,
                dummy_h,
            )
            if moved and math.isfinite(f_new) and f_new <= f + 1e-4 * decrease:
                accepted = True
                break
            t *= 0.5
        if not accepted:
            # no step decreases f beyond its rounding: the optimum as far as f can tell, if the
            # gradient agrees
            return f, it, FitStatus.CONVERGED if pg < stall_gtol else FitStatus.LINE_SEARCH
        z[:] = trial
        f = _objective(
            z, logflag, tie, beta_fixed, times, offsets, stimes, smarks, merged, horizon, scale, _HESSIAN, g, h
        )
    return f, max_iter, FitStatus.MAX_ITER


@jit(error_model="numpy")
def _ks_residuals(x, tie, beta_fixed, times, offsets, stimes, smarks, merged, ks_out):
    """Per dimension, the Kolmogorov–Smirnov distance of the time-rescaled residuals from Exp(1).

    The compensator at each event (:func:`.core.intensity_merged` or :func:`.core.intensity_target`),
    its increments between the events of a dimension (from 0), sorted, against ``1 - e^{-r}``.
    """
    n_dim, n_comp = tie.shape[0], tie.shape[2]
    alpha = np.empty((n_dim, n_dim, n_comp))
    beta = np.empty((n_dim, n_dim, n_comp))
    _unpack(x, tie, beta_fixed, n_dim, n_comp, alpha, beta)
    q = stimes[offsets[0] : offsets[n_dim]]
    m = smarks[offsets[0] : offsets[n_dim]]
    comp = np.empty((q.shape[0], n_dim))
    lam = np.empty((q.shape[0], n_dim))
    if merged:
        _intensity_merged(q, q, m, x[:n_dim], alpha, beta, lam, comp)
    else:
        lam_i = np.empty(q.shape[0])
        comp_i = np.empty(q.shape[0])
        for i in range(n_dim):
            _intensity_target(i, q, times, offsets, x[:n_dim], alpha, beta, lam_i, comp_i)
            comp[:, i] = comp_i
    for i in range(n_dim):
        count = offsets[i + 1] - offsets[i]
        res = np.empty(count)
        prev = 0.0
        k = 0
        for r in range(q.shape[0]):
            if m[r] == i:
                res[k] = comp[r, i] - prev
                prev = comp[r, i]
                k += 1
        res.sort()
        d = 0.0
        for k in range(count):
            cdf = -math.expm1(-res[k])
            d = max(d, (k + 1) / count - cdf, cdf - k / count)
        ks_out[i] = d if count > 0 else math.nan


@jit(parallel=True, error_model="numpy")
def _fit_batch_kernel(
    starts,
    lower,
    upper,
    logflag,
    tie,
    beta_fixed,
    times,
    offsets,
    stimes,
    smarks,
    merged,
    horizons,
    scales,
    max_iter,
    gtol,
    stall_gtol,
    z_out,
    f_out,
    status_out,
    iter_out,
    loglik_out,
    hess_out,
    ks_out,
):
    n_series, n_starts, n_par = starts.shape
    for s in numba.prange(n_series):
        best = math.inf
        lo = lower[s]
        hi = upper[s]
        for r in range(n_starts):
            z = starts[s, r].copy()
            f, it, st = _newton(
                z,
                lo,
                hi,
                logflag,
                tie,
                beta_fixed,
                times,
                offsets[s],
                stimes,
                smarks,
                merged,
                horizons[s],
                scales[s],
                max_iter,
                gtol,
                stall_gtol,
            )
            # a converged start beats one that is not; between two alike, the lower objective wins
            conv = st == FitStatus.CONVERGED
            best_conv = status_out[s] == FitStatus.CONVERGED
            if r == 0 or (conv and not best_conv) or (conv == best_conv and f < best):
                best = f
                z_out[s] = z
                f_out[s] = f
                status_out[s] = st
                iter_out[s] = it
        x = z_out[s].copy()
        for u in range(n_par):
            if logflag[u]:
                x[u] = math.exp(x[u])
        grad = np.zeros(n_par)
        loglik_out[s] = _series_loglik(
            x, tie, beta_fixed, times, offsets[s], stimes, smarks, merged, horizons[s], _HESSIAN, grad, hess_out[s]
        )
        _ks_residuals(x, tie, beta_fixed, times, offsets[s], stimes, smarks, merged, ks_out[s])


def fit_batch(
    starts,
    lower,
    upper,
    logflag,
    tie,
    beta_fixed,
    events,
    offsets,
    horizons,
    merged,
    max_iter=200,
    gtol=1e-9,
    stall_gtol=1e-6,
):
    """Fit every series from every start, keeping each series' best.

    ``events`` = (times grouped by series then dimension, the same times sorted by time within each
    series, their marks); ``offsets`` (S, D + 1) index both.  Returns (z (S, P), status (S,),
    iterations (S,), log-likelihood (S,), Hessian (S, P, P), KS distance of each dimension's
    time-rescaled residuals from Exp(1) (S, D)), the last three at ``x(z)`` in the natural
    coordinates ``x``.
    """
    n_series, _, n_par = starts.shape
    scales = np.maximum(offsets[:, -1] - offsets[:, 0], 1).astype(np.float64)
    z = np.zeros((n_series, n_par))
    f = np.full(n_series, np.inf)
    status = np.full(n_series, int(FitStatus.NON_FINITE), dtype=np.int64)
    iters = np.zeros(n_series, dtype=np.int64)
    loglik = np.zeros(n_series)
    hess = np.zeros((n_series, n_par, n_par))
    ks = np.zeros((n_series, tie.shape[0]))
    times, stimes, smarks = events
    _fit_batch_kernel(
        starts,
        lower,
        upper,
        logflag,
        tie,
        beta_fixed,
        times,
        offsets,
        stimes,
        smarks,
        bool(merged),
        horizons,
        scales,
        int(max_iter),
        float(gtol),
        float(stall_gtol),
        z,
        f,
        status,
        iters,
        loglik,
        hess,
        ks,
    )
    return z, status, iters, loglik, hess, ks
