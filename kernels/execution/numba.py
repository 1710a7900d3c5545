"""The numba (CPU) fast paths of :mod:`quantforge.kernels.execution`.

The frontier runs in parallel over blocks of 16 ``lambda``: without drift and without returning the
trajectories, the 16 recurrences of :func:`.core.sums_scalar` advance side by side in SIMD lanes and
are summed as they go; otherwise each point goes through :func:`.core.frontier_scalar` (its trajectory
written into the returned row or one scratch row per block, then summed).

The path functionals are one fused kernel: blocks of 16 paths advance four steps at a time exactly as
the sde family's numba kernel does (two Philox blocks of Box–Muller normals per lane through the
vectorisable :func:`quantforge.kernels.vecmath.box_muller_vec`, one block of jump-count words, the
jump core :func:`quantforge.kernels.sde.core.jump_scalar` only on steps with a jump), and each step
adds ``weights[w, j] (X_j - x0)`` into per-lane accumulators before the price moves.  The paths are
therefore those of :func:`quantforge.kernels.sde.simulate` to the last few ulps, but no path is ever
stored: the work per path-step is the price step plus one multiply-add per weight row, in SIMD.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from ..jit import jit
from ..rng.core import philox10, u01
from ..sde.core import ModelCode, Scheme, count_uniform, jump_scalar
from ..sde.core import Prm as SdePrm
from ..vecmath import box_muller_vec
from .core import BIG_KAPPA_T, Prm, frontier_scalar, kappa_scalar

__all__ = ["frontier", "path_functionals"]

_point = jit(inline=True, error_model="numpy")(frontier_scalar)
_kappa = jit(inline=True, error_model="numpy")(kappa_scalar)
_jump_sum = jit(error_model="numpy")(jump_scalar)
_count_u = jit(inline=True)(count_uniform)

_LANES = 16


@jit(parallel=True, error_model="numpy")
def _frontier_kernel(lams, prm, n_steps, rows, keep, kappa_out, e_out, v_out):
    """Blocks of 16 points.  Without drift and rows the recurrence of :func:`.core.sums_scalar` runs for
    the 16 points side by side, one step at a time, in a loop over lanes that LLVM turns into SIMD code
    (the same arithmetic, so the same numbers); points at ``kappa = 0`` or beyond ``kappa T = 700`` and
    the other cases go through the scalar core one by one."""
    n = lams.shape[0]
    fused = not keep and prm[Prm.DRIFT] == 0.0
    tau = prm[Prm.TAU]
    x = prm[Prm.QUANTITY]
    horizon = prm[Prm.HORIZON]
    for b in prange((n + _LANES - 1) // _LANES):
        i0 = b * _LANES
        cnt = min(_LANES, n - i0)
        scratch = np.empty(n_steps + 1)
        c = np.ones(_LANES)
        s = np.zeros(_LANES)
        r = np.zeros(_LANES)
        q = np.zeros(_LANES)
        sn = np.zeros(_LANES)
        sn2 = np.zeros(_LANES)
        sx2 = np.zeros(_LANES)
        regular = fused
        for ll in range(cnt):
            k = _kappa(lams[i0 + ll], prm)
            kappa_out[i0 + ll] = k
            if not (0.0 < k * horizon <= BIG_KAPPA_T):
                regular = False
            else:
                c[ll] = math.cosh(k * tau)
                s[ll] = math.sinh(k * tau)
                q[ll] = 1.0 / math.sinh(k * horizon)
        if not regular:
            for ll in range(cnt):
                row = rows[i0 + ll] if keep else scratch
                kappa_out[i0 + ll], e_out[i0 + ll], v_out[i0 + ll] = _point(lams[i0 + ll], prm, n_steps, row, keep)
            continue
        for _ in range(n_steps - 1):  # j = N .. 2: r_{j-1} from (r_j, q_j)
            for ll in range(_LANES):
                rl = r[ll]
                r_prev = c[ll] * rl + s[ll] * q[ll]
                q[ll] = c[ll] * q[ll] + s[ll] * rl
                d = x * (r_prev - rl)
                sn[ll] += abs(d)
                sn2[ll] += d * d
                sx2[ll] += x * x * rl * rl
                r[ll] = r_prev
        for ll in range(cnt):  # j = 1: r_0 = 1, x_0 = X exactly
            d = x * (1.0 - r[ll])
            sn[ll] += abs(d)
            sn2[ll] += d * d
            sx2[ll] += x * x * r[ll] * r[ll]
            e_out[i0 + ll] = (
                0.5 * prm[Prm.GAMMA] * x * x + prm[Prm.EPSILON] * sn[ll] + prm[Prm.ETA_TILDE] / tau * sn2[ll]
            )
            v_out[i0 + ll] = prm[Prm.SIGMA] * prm[Prm.SIGMA] * tau * sx2[ll]


def frontier(lams, prm, n_steps, return_rows) -> tuple[np.ndarray, ...]:
    """(kappa, E, V, holdings or None) of every ``lambda`` (validated float64 inputs)."""
    n = lams.shape[0]
    rows = np.empty((n, n_steps + 1) if return_rows else (1, 1))
    out = [np.empty(n) for _ in range(3)]
    _frontier_kernel(lams, prm, n_steps, rows, return_rows, *out)
    return (*out, rows if return_rows else None)


@jit(parallel=True, error_model="numpy")
def _functionals_kernel(code, scheme, prm, n_steps, k0, k1, stream, path0, weights, out):
    """Blocks of 16 paths, four steps at a time: the sde kernel's draws, weighted sums instead of paths."""
    n = out.shape[1]
    n_w = weights.shape[0]
    x0 = prm[SdePrm.X0]
    mu_c = prm[SdePrm.MU_C]
    sig = prm[SdePrm.SIGMA]
    dt = prm[SdePrm.DT]
    sqdt = prm[SdePrm.SQRT_DT]
    exact_drift = prm[SdePrm.EXACT_DRIFT]
    no_jump = prm[SdePrm.NO_JUMP]
    milstein = scheme == Scheme.MILSTEIN
    s0 = np.uint64(stream)
    s1 = np.uint64(stream + 1)
    s2 = np.uint64(stream + 2)
    for g in prange((n + _LANES - 1) // _LANES):
        i0 = g * _LANES
        cnt = min(_LANES, n - i0)
        x = np.full(_LANES, x0)
        acc = np.zeros((n_w, _LANES))
        cum = np.zeros(_LANES, dtype=np.int64)
        u1 = np.empty(_LANES)
        u2 = np.empty(_LANES)
        dw = np.zeros((4, _LANES))
        uj = np.empty((4, _LANES))
        js = np.zeros((4, _LANES))
        jf = np.ones((4, _LANES))
        for q in range((n_steps + 3) // 4):
            m = min(4, n_steps - 4 * q)
            for half in range((m + 1) // 2):
                for ll in range(_LANES):
                    w0, w1, w2, w3 = philox10(
                        np.uint64(2 * q + half), np.uint64(0), np.uint64(path0 + i0 + ll), s0, k0, k1
                    )
                    u1[ll] = u01(w0, w1)
                    u2[ll] = u01(w2, w3)
                for ll in range(_LANES):
                    z0, z1 = box_muller_vec(u1[ll], u2[ll])
                    dw[2 * half, ll] = z0 * sqdt
                    dw[2 * half + 1, ll] = z1 * sqdt
            if code != ModelCode.GBM:
                for ll in range(_LANES):
                    w0, w1, w2, w3 = philox10(np.uint64(q), np.uint64(0), np.uint64(path0 + i0 + ll), s1, k0, k1)
                    uj[0, ll] = _count_u(w0)
                    uj[1, ll] = _count_u(w1)
                    uj[2, ll] = _count_u(w2)
                    uj[3, ll] = _count_u(w3)
                for h in range(m):
                    for ll in range(cnt):
                        js[h, ll] = 0.0
                        jf[h, ll] = 1.0
                        if uj[h, ll] > no_jump:
                            js[h, ll], nj = _jump_sum(
                                code, uj[h, ll], 4 * q + h, np.uint64(path0 + i0 + ll), cum[ll], prm, k0, k1, s2
                            )
                            jf[h, ll] = math.exp(js[h, ll])
                            cum[ll] += nj
            for h in range(m):
                j = 4 * q + h
                for w in range(n_w):
                    wj = weights[w, j]
                    for ll in range(_LANES):
                        acc[w, ll] += wj * (x[ll] - x0)
                if scheme == Scheme.EXACT:
                    for ll in range(_LANES):
                        x[ll] = x[ll] * math.exp(exact_drift + sig * dw[h, ll] + js[h, ll])
                else:
                    for ll in range(_LANES):
                        xl = x[ll]
                        d = dw[h, ll]
                        xn = xl + mu_c * xl * dt + sig * xl * d
                        if milstein:
                            xn = xn + 0.5 * sig * sig * xl * (d * d - dt)
                        x[ll] = xn * jf[h, ll]
        for w in range(n_w):
            for ll in range(cnt):
                out[w, i0 + ll] = acc[w, ll]


def path_functionals(code, scheme, prm, n_steps, weights, n_paths, k0, k1, stream, path0) -> np.ndarray:
    """``F[w, i] = sum_k weights[w, k] (X_{i, k} - x0)``, shape ``(n_w, n_paths)`` (validated inputs)."""
    out = np.empty((weights.shape[0], n_paths))
    _functionals_kernel(code, scheme, prm, n_steps, np.uint64(k0), np.uint64(k1), stream, path0, weights, out)
    return out
