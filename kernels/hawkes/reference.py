"""The reference Hawkes kernels, written against an array namespace ``xp`` (array API standard).

* :func:`simulate_dz` and :func:`simulate_ogata` are the simulations of :mod:`.core` vectorised over
  paths: a path is inherently sequential (each event changes the law of the next), so the loop runs
  over events (or Ogata candidates) and every operation acts on all paths at once.  Every path
  draws exactly the numbers of the documented layout (:class:`.core.Draw`) and sums in the core's
  order, so the fast paths reproduce these paths to the last ulps.
* :func:`intensity` and :func:`log_likelihood` evaluate the defining sums directly, every event
  against every earlier event (O(N^2), in chunks): no recursion, so they check the O(N) recursions
  of the fast paths, and they are the exact formulas for the power-law kernel, which has none.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..rng.reference import philox_xp, u01_xp
from .core import TWO_M32, Draw, KernelCode, Status

__all__ = ["simulate_dz", "simulate_ogata", "kernel_value_xp", "kernel_integral_xp", "intensity", "log_likelihood"]

_CHUNK = 512  # rows (queries or target events) per block of the direct sums: memory CHUNK x N


def _words(xp: Any, n: int, block: int, paths, stream: int, k0: int, k1: int):
    u64 = xp.uint64
    zero = xp.zeros_like(paths)
    return philox_xp(
        xp, zero + n, zero + block, paths, zero + stream, xp.asarray(k0, dtype=u64), xp.asarray(k1, dtype=u64), 10
    )


def _uniform(xp: Any, cache: dict, r: int, n: int, paths, stream: int, k0: int, k1: int):
    """Uniform ``r`` of event/candidate ``n`` of every path (blocks computed once per ``n``)."""
    if r // 2 not in cache:
        cache[r // 2] = _words(xp, n, r // 2, paths, stream, k0, k1)
    w0, w1, w2, w3 = cache[r // 2]
    return u01_xp(xp, w0, w1) if r % 2 == 0 else u01_xp(xp, w2, w3)


def _columns(xp: Any, cols: list, n_paths: int, cap: int, dtype):
    """Stack per-event columns into (n_paths, cap), zero-padded."""
    if not cols:
        return xp.zeros((n_paths, cap), dtype=dtype)
    out = xp.stack(cols, axis=1)
    if len(cols) < cap:
        out = xp.concat([out, xp.zeros((n_paths, cap - len(cols)), dtype=dtype)], axis=1)
    return out


def simulate_dz(xp: Any, path_ids, horizon, mu, mu_total, decays, gidx, jump, k0, k1, stream, cap):
    """Exact paths (Dassios & Zhao) of :func:`.core.dz_path` for every path id at once.

    Returns (times (P, cap), marks (P, cap), counts (P,), status (P,)) as arrays of ``xp``.
    """
    f64, i64 = xp.float64, xp.int64
    paths = xp.asarray(path_ids, dtype=xp.uint64)
    n_paths = paths.shape[0]
    n_dim, n_groups, n_comp = mu.shape[0], decays.shape[0], gidx.shape[2]
    state = [[xp.zeros(n_paths, dtype=f64) for _ in range(n_dim)] for _ in range(n_groups)]
    t = xp.zeros(n_paths, dtype=f64)
    counts = xp.zeros(n_paths, dtype=i64)
    status = xp.zeros(n_paths, dtype=i64)
    active = xp.ones(n_paths, dtype=xp.bool)
    inf = xp.full(n_paths, float("inf"), dtype=f64)
    cols_t, cols_m = [], []
    n = 0
    while bool(xp.any(active)):
        cache: dict = {}
        u = _uniform(xp, cache, Draw.POISSON, n, paths, stream, k0, k1)
        best = -xp.log(u) / mu_total if mu_total > 0.0 else inf
        src = xp.full(n_paths, -1, dtype=i64)
        d_src = xp.zeros(n_paths, dtype=f64)
        for g in range(n_groups):
            total = state[g][0]
            for i in range(1, n_dim):
                total = total + state[g][i]
            u = _uniform(xp, cache, Draw.FIRST_GROUP + g, n, paths, stream, k0, k1)
            pos = total > 0.0
            d = 1.0 + float(decays[g]) * xp.log(u) / xp.where(pos, total, 1.0)
            ok = pos & (d > 0.0)
            cand = xp.where(ok, -xp.log(xp.where(ok, d, 1.0)) / float(decays[g]), inf)
            better = cand < best
            best = xp.where(better, cand, best)
            src = xp.where(better, g, src)
            d_src = xp.where(better, d, d_src)
        done = (best == inf) | (t + best > horizon)
        if n == cap:
            status = xp.where(active & ~done, int(Status.CAPACITY), status)
            break
        go = active & ~done
        step = xp.where(go, best, 0.0)
        t = xp.where(go, t + step, t)
        for g in range(n_groups):
            f = xp.where(src == g, d_src, xp.exp(-float(decays[g]) * step))
            state[g] = [xp.where(go, s * f, s) for s in state[g]]
        dim = xp.zeros(n_paths, dtype=i64)
        if n_dim > 1:
            words = _words(xp, n // 4, int(Draw.CHOICE), paths, stream, k0, k1)
            u = (xp.astype(words[n % 4], f64) + 0.5) * TWO_M32
            parts = []
            for i in range(n_dim):
                v = xp.where(src < 0, xp.full(n_paths, float(mu[i]), dtype=f64), 0.0)
                for g in range(n_groups):
                    v = xp.where(src == g, state[g][i], v)
                parts.append(v)
            total = parts[0]
            for i in range(1, n_dim):
                total = total + parts[i]
            threshold = u * total
            acc = xp.zeros(n_paths, dtype=f64)
            dim = xp.full(n_paths, n_dim - 1, dtype=i64)
            found = xp.zeros(n_paths, dtype=xp.bool)
            for i in range(n_dim):
                acc = acc + parts[i]
                hit = ~found & (threshold < acc)
                dim = xp.where(hit, i, dim)
                found = found | hit
        cols_t.append(xp.where(go, t, 0.0))
        cols_m.append(xp.where(go, dim, 0))
        for j in range(n_dim):
            hit = go & (dim == j)
            for i in range(n_dim):
                for k in range(n_comp):
                    g = int(gidx[i, j, k])
                    state[g][i] = state[g][i] + xp.where(hit, xp.full(n_paths, float(jump[i, j, k]), dtype=f64), 0.0)
        counts = counts + xp.astype(go, i64)
        active = go
        n += 1
    return _columns(xp, cols_t, n_paths, cap, f64), _columns(xp, cols_m, n_paths, cap, i64), counts, status


def kernel_value_xp(xp: Any, code, alpha, shape1, shape2, i, j, dt):
    """``phi_ij(dt)`` on an array ``dt >= 0`` (the formula of :func:`.core.kernel_value`)."""
    if code == KernelCode.EXPONENTIAL:
        v = xp.zeros_like(dt)
        for k in range(alpha.shape[2]):
            b = float(shape1[i, j, k])
            v = v + float(alpha[i, j, k]) * b * xp.exp(-b * dt)
        return v
    p, c = float(shape1[i, j, 0]), float(shape2[i, j, 0])
    return float(alpha[i, j, 0]) * (p - 1.0) * c ** (p - 1.0) * (dt + c) ** (-p)


def kernel_integral_xp(xp: Any, code, alpha, shape1, shape2, i, j, dt):
    """``int_0^dt phi_ij`` on an array ``dt >= 0``."""
    if code == KernelCode.EXPONENTIAL:
        v = xp.zeros_like(dt)
        for k in range(alpha.shape[2]):
            v = v - float(alpha[i, j, k]) * xp.expm1(-float(shape1[i, j, k]) * dt)
        return v
    p, c = float(shape1[i, j, 0]), float(shape2[i, j, 0])
    return float(alpha[i, j, 0]) * (1.0 - (c / (dt + c)) ** (p - 1.0))


def simulate_ogata(xp: Any, path_ids, horizon, code, mu, alpha, shape1, shape2, k0, k1, stream, cap):
    """Thinning paths of :func:`.core.ogata_path` for every path id at once; outputs as :func:`simulate_dz`."""
    f64, i64 = xp.float64, xp.int64
    paths = xp.asarray(path_ids, dtype=xp.uint64)
    n_paths = paths.shape[0]
    n_dim = mu.shape[0]
    hist_t = xp.zeros((n_paths, cap), dtype=f64)
    hist_m = xp.zeros((n_paths, cap), dtype=i64)
    slot = xp.reshape(xp.arange(cap, dtype=i64), (1, cap))
    counts = xp.zeros(n_paths, dtype=i64)
    status = xp.zeros(n_paths, dtype=i64)
    mu_sum = 0.0
    for i in range(n_dim):
        mu_sum += float(mu[i])
    bound = xp.full(n_paths, mu_sum, dtype=f64)
    t = xp.zeros(n_paths, dtype=f64)
    active = bound > 0.0
    c = 0
    while bool(xp.any(active)):
        cache: dict = {}
        u = _uniform(xp, cache, Draw.OGATA_GAP, c, paths, stream, k0, k1)
        t_cand = t - xp.log(u) / xp.where(active, bound, 1.0)
        active = active & ~(t_cand > horizon)
        # the history in the core's order (event by event), so the sums round as the scalar loop's do
        lam = [xp.full(n_paths, float(mu[i]), dtype=f64) for i in range(n_dim)]
        for m in range(int(xp.max(counts)) if n_paths else 0):
            past = counts > m
            dt = xp.where(past, t_cand - hist_t[:, m], 0.0)
            for i in range(n_dim):
                v = xp.zeros(n_paths, dtype=f64)
                for j in range(n_dim):
                    v = xp.where(
                        past & (hist_m[:, m] == j), kernel_value_xp(xp, code, alpha, shape1, shape2, i, j, dt), v
                    )
                lam[i] = lam[i] + v
        total = lam[0]
        for i in range(1, n_dim):
            total = total + lam[i]
        threshold = _uniform(xp, cache, Draw.OGATA_ACCEPT, c, paths, stream, k0, k1) * bound
        dim = xp.full(n_paths, -1, dtype=i64)
        acc = xp.zeros(n_paths, dtype=f64)
        for i in range(n_dim):
            acc = acc + lam[i]
            dim = xp.where((dim < 0) & (threshold < acc), i, dim)
        accept = active & (dim >= 0)
        full = accept & (counts == cap)
        status = xp.where(full, int(Status.CAPACITY), status)
        accept = accept & ~full
        active = active & ~full
        here = (slot == xp.reshape(counts, (n_paths, 1))) & xp.reshape(accept, (n_paths, 1))
        hist_t = xp.where(here, xp.reshape(t_cand, (n_paths, 1)), hist_t)
        hist_m = xp.where(here, xp.reshape(dim, (n_paths, 1)), hist_m)
        counts = counts + xp.astype(accept, i64)
        new_bound = total
        z = xp.zeros(1, dtype=f64)
        for i in range(n_dim):
            phi0 = xp.zeros(n_paths, dtype=f64)
            for j in range(n_dim):
                phi0 = xp.where(accept & (dim == j), kernel_value_xp(xp, code, alpha, shape1, shape2, i, j, z), phi0)
            new_bound = new_bound + phi0
        bound = xp.where(active, new_bound, bound)
        t = xp.where(active, t_cand, t)
        c += 1
    return hist_t, hist_m, counts, status


def intensity(xp: Any, queries, times, marks, code, mu, alpha, shape1, shape2):
    """``lambda_i`` and ``Lambda_i`` at every query, (M, D) each, by the direct sums over earlier events.

    ``lambda_i(q) = mu_i + sum_{t_n < q} phi_{i d_n}(q - t_n)``, ``Lambda_i(q) = mu_i q + sum_{t_n < q}
    int_0^{q - t_n} phi_{i d_n}``: exact for every kernel (the power law's only formula).
    """
    n_dim = mu.shape[0]
    lam_rows, comp_rows = [], []
    for lo in range(0, queries.shape[0], _CHUNK):
        q = xp.reshape(queries[lo : min(lo + _CHUNK, queries.shape[0])], (-1, 1))
        d = q - xp.reshape(times, (1, -1))
        past = d > 0.0
        dpos = xp.where(past, d, 0.0)
        lam_cols, comp_cols = [], []
        for i in range(n_dim):
            lam = xp.zeros(d.shape, dtype=xp.float64)
            comp = xp.zeros(d.shape, dtype=xp.float64)
            for j in range(n_dim):
                sel = past & (xp.reshape(marks, (1, -1)) == j)
                lam = lam + xp.where(sel, kernel_value_xp(xp, code, alpha, shape1, shape2, i, j, dpos), 0.0)
                comp = comp + xp.where(sel, kernel_integral_xp(xp, code, alpha, shape1, shape2, i, j, dpos), 0.0)
            lam_cols.append(float(mu[i]) + xp.sum(lam, axis=1))
            comp_cols.append(float(mu[i]) * q[:, 0] + xp.sum(comp, axis=1))
        lam_rows.append(xp.stack(lam_cols, axis=1))
        comp_rows.append(xp.stack(comp_cols, axis=1))
    if not lam_rows:
        empty = xp.zeros((0, n_dim), dtype=xp.float64)
        return empty, empty
    return xp.concat(lam_rows, axis=0), xp.concat(comp_rows, axis=0)


def log_likelihood(xp: Any, times, marks, horizon, code, mu, alpha, shape1, shape2, order=0):
    """The log-likelihood ``sum_i [sum_{t_m in i} ln lambda_i(t_m) - Lambda_i(T)]`` by direct sums.

    For the exponential family, ``order`` 1 and 2 also return the gradient (D, P) and the Hessian
    (D, P, P) per target in the layout of :func:`.core.n_params_target`, from the same formulas as
    :func:`.core.loglik_target` with every sum evaluated directly.  Returns (value, grad, hess), the
    last two ``None`` where not asked for.
    """
    n_dim = mu.shape[0]
    n_comp = alpha.shape[2]
    nc = n_dim * n_comp
    n_par = 1 + 2 * nc
    value = 0.0
    grad = np.zeros((n_dim, n_par)) if order >= 1 else None
    hess = np.zeros((n_dim, n_par, n_par)) if order >= 2 else None
    for i in range(n_dim):
        t_i = times[marks == i]
        lam, comp = intensity(xp, t_i, times, marks, code, mu, alpha, shape1, shape2)
        _, comp_t = intensity(
            xp, xp.asarray([horizon], dtype=xp.float64), times, marks, code, mu, alpha, shape1, shape2
        )
        lam_i = lam[:, i]
        if bool(xp.any(lam_i <= 0.0)):
            return -float("inf"), grad, hess
        value += float(xp.sum(xp.log(lam_i))) - float(comp_t[0, i])
        if order == 0:
            continue
        d_all = xp.reshape(t_i, (-1, 1)) - xp.reshape(times, (1, -1))
        d_end = horizon - times
        dl = [xp.ones(t_i.shape[0], dtype=xp.float64)] + [None] * (2 * nc)
        second = {}
        for j in range(n_dim):
            src = marks == j
            sel = (d_all > 0.0) & xp.reshape(src, (1, -1))
            d = xp.where(sel, d_all, 0.0)
            for k in range(n_comp):
                c = j * n_comp + k
                a, b = float(alpha[i, j, k]), float(shape1[i, j, k])
                e = xp.where(sel, xp.exp(-b * d), 0.0)
                s, q, r = xp.sum(e, axis=1), xp.sum(d * e, axis=1), xp.sum(d * d * e, axis=1)
                dl[1 + c] = b * s
                dl[1 + nc + c] = a * (s - b * q)
                second[c] = (s - b * q, a * (b * r - 2.0 * q))
                e_end = xp.where(src, xp.exp(-b * d_end), 0.0)
                s_t, q_t, r_t = xp.sum(e_end), xp.sum(d_end * e_end), xp.sum(d_end * d_end * e_end)
                n_j = float(xp.sum(xp.astype(src, xp.float64)))
                grad[i, 1 + c] -= n_j - float(s_t)
                grad[i, 1 + nc + c] -= a * float(q_t)
                if order >= 2:
                    hess[i, 1 + c, 1 + nc + c] -= float(q_t)
                    hess[i, 1 + nc + c, 1 + c] -= float(q_t)
                    hess[i, 1 + nc + c, 1 + nc + c] += a * float(r_t)
        grad[i, 0] -= horizon
        for u in range(n_par):
            grad[i, u] += float(xp.sum(dl[u] / lam_i))
            if order >= 2:
                for v in range(n_par):
                    hess[i, u, v] -= float(xp.sum(dl[u] * dl[v] / (lam_i * lam_i)))
        if order >= 2:
            for c, (cross, bb) in second.items():
                x = float(xp.sum(cross / lam_i))
                hess[i, 1 + c, 1 + nc + c] += x
                hess[i, 1 + nc + c, 1 + c] += x
                hess[i, 1 + nc + c, 1 + nc + c] += float(xp.sum(bb / lam_i))
    return value, grad, hess
