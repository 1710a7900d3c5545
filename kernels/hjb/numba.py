"""The numba fast path of :func:`quantforge.kernels.hjb.solve_linear_hjb`: the scheme of
:mod:`quantforge.kernels.hjb.reference`, arranged so that most of the work is matrix-matrix products.

On a run of ``L`` equal steps ``s`` the states are ``v_r = P^r v_0`` with ``P = exp(N s)`` (up to the
scalar ``e^{-cs}``, see :mod:`quantforge.kernels.hjb.reference`).  Stepping costs ``L`` matrix-vector products,
which stream ``P`` from cache once each.  Here the powers ``P, P^2, P^4, ..., P^(2^J)`` (``J = 3``) are
formed by squaring, the states at multiples of ``2^J`` by a chain of ``L / 2^J`` matrix-vector products,
and then, level by level (``l = J-1, ..., 0``), every state at an odd multiple of ``2^l`` is ``P^(2^l)``
times an already known state ``2^l`` steps earlier: one blocked matrix-matrix product per level over
all those states at once.  The flop count is that of stepping plus ``J`` squarings, but it runs at the
speed of a register-blocked matrix product.

Every product has non-negative operands, so each entry is a sum of non-negative terms whose relative
rounding error is bounded by the number of terms times the unit roundoff, whatever the order of
summation: the componentwise accuracy of the scheme does not depend on how the products are
blocked, which is why ``fastmath`` (reassociation, vectorisation) is safe in these loops.

Scale.  Every stored matrix and state ``x`` stands for ``x 2^-500 e^f`` with its logarithmic scale
``f`` carried separately; it is rescaled to a largest entry of ``S = 2^500`` and entries below
``2^-500`` are set to zero.  Products of two stored entries then lie in ``[2^-1000, 2^1000]`` or are
exactly zero, so no product underflows into the subnormal range, whose arithmetic is about a hundred times slower on x86 and would otherwise be
hit by the products of the tiny far-off-diagonal entries of the propagators with the tiny components
of the states.  An entry dropped this way is ``2^-1000`` (about ``1e-301``) below the largest of its
matrix or state; it can change no component above about ``1e-285`` of the largest by a rounding unit.

The sub-step propagator is the Taylor polynomial of a tridiagonal ``N`` (term ``m`` has bandwidth
``m``, so each term costs ``O(n m)``) with degree and number of squarings from
:func:`quantforge.kernels.hjb.core.propagator_plan`, which bounds the relative error of every entry, not only of the norm.  No
BLAS is called: OpenBLAS's own threads, started from inside a parallel numba region, compete with
numba's.  Matrices are zero-padded to a multiple of 4 for the 4x4 blocked products.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ...errors import NumericalInstability
from ..jit import jit
from ..vecmath import log_vec
from .core import propagator_plan

__all__ = ["solve_linear", "solve_numba"]

_S = 2.0**500  # largest entry of every stored matrix and state (module docstring, "Scale")
_INV_S = 2.0**-500
_INV_S2 = 2.0**-1000
_LN2 = math.log(2.0)
_FLOOR = 2.0**-500  # stored entries below this are zero
_NORMAL = 2.0**-1022
_TAYLOR_FLOOR = 1e-290  # Taylor entries below this are zero: <= 1e-290 of the largest entry (>= 1), like _FLOOR
_LEVELS = 3  # powers P .. P^8
_BLOCK = 1024  # states of a run held at once (about 0.9 MB per thread for 101 inventories)

_plan = jit(
    propagator_plan, error_model="numpy"
)  # the same rule compiled for the kernels; the reference calls the plain one


@jit(fastmath=True, error_model="numpy")
def _apply_rows(src, s0, s_step, n_rows, mat, dst, d0, d_step):
    """``dst[d0 + d_step i] = mat @ src[s0 + s_step i]`` for ``i < n_rows``; ``mat`` is square with a
    side that is a multiple of 4.  Four source rows and four matrix rows per block (16 accumulators)."""
    npad = mat.shape[0]
    i = 0
    while i + 4 <= n_rows:
        r0 = s0 + s_step * i
        r1 = r0 + s_step
        r2 = r1 + s_step
        r3 = r2 + s_step
        o0 = d0 + d_step * i
        for j in range(0, npad, 4):
            s00 = 0.0
            s01 = 0.0
            s02 = 0.0
            s03 = 0.0  # noqa: E702
            s10 = 0.0
            s11 = 0.0
            s12 = 0.0
            s13 = 0.0  # noqa: E702
            s20 = 0.0
            s21 = 0.0
            s22 = 0.0
            s23 = 0.0  # noqa: E702
            s30 = 0.0
            s31 = 0.0
            s32 = 0.0
            s33 = 0.0  # noqa: E702
            for k in range(npad):
                a0 = src[r0, k]
                a1 = src[r1, k]
                a2 = src[r2, k]
                a3 = src[r3, k]  # noqa: E702
                b0 = mat[j, k]
                b1 = mat[j + 1, k]
                b2 = mat[j + 2, k]
                b3 = mat[j + 3, k]  # noqa: E702
                s00 += a0 * b0
                s01 += a0 * b1
                s02 += a0 * b2
                s03 += a0 * b3  # noqa: E702
                s10 += a1 * b0
                s11 += a1 * b1
                s12 += a1 * b2
                s13 += a1 * b3  # noqa: E702
                s20 += a2 * b0
                s21 += a2 * b1
                s22 += a2 * b2
                s23 += a2 * b3  # noqa: E702
                s30 += a3 * b0
                s31 += a3 * b1
                s32 += a3 * b2
                s33 += a3 * b3  # noqa: E702
            o = o0
            dst[o, j] = s00
            dst[o, j + 1] = s01
            dst[o, j + 2] = s02
            dst[o, j + 3] = s03  # noqa: E702
            o += d_step
            dst[o, j] = s10
            dst[o, j + 1] = s11
            dst[o, j + 2] = s12
            dst[o, j + 3] = s13  # noqa: E702
            o += d_step
            dst[o, j] = s20
            dst[o, j + 1] = s21
            dst[o, j + 2] = s22
            dst[o, j + 3] = s23  # noqa: E702
            o += d_step
            dst[o, j] = s30
            dst[o, j + 1] = s31
            dst[o, j + 2] = s32
            dst[o, j + 3] = s33  # noqa: E702
        i += 4
    while i < n_rows:
        r = s0 + s_step * i
        o = d0 + d_step * i
        for j in range(0, npad, 4):
            s0_ = 0.0
            s1_ = 0.0
            s2_ = 0.0
            s3_ = 0.0  # noqa: E702
            for k in range(npad):
                x = src[r, k]
                s0_ += mat[j, k] * x
                s1_ += mat[j + 1, k] * x
                s2_ += mat[j + 2, k] * x
                s3_ += mat[j + 3, k] * x  # noqa: E702
            dst[o, j] = s0_
            dst[o, j + 1] = s1_
            dst[o, j + 2] = s2_
            dst[o, j + 3] = s3_  # noqa: E702
        i += 1


@jit(error_model="numpy")
def _log_scaled(top, shift):
    """``ln(top 2^-shift)`` (``shift`` 0 or 1000), scaling exactly by the power of 2 where that stays normal."""
    x = top * _INV_S2 if shift == 1000 else top
    if x >= _NORMAL:
        return math.log(x)
    return math.log(top) - shift * _LN2


@jit(error_model="numpy")
def _rescale(a, r0, n_rows, n, shift):
    """Rescale rows ``r0 .. r0 + n_rows - 1`` of ``a`` together to a largest entry ``S``, zero the
    entries below ``_FLOOR``; return ``ln(top 2^-shift)`` for the largest entry ``top`` before (``nan`` if
    it is not positive and finite).  ``shift`` is 1000 for a product of two stored operands (each
    carries ``2^-500``), 0 for a matrix of plain values."""
    top = 0.0
    for r in range(r0, r0 + n_rows):
        for i in range(n):
            top = max(top, a[r, i])
    if not (top > 0.0 and top < np.inf):
        return np.nan
    f = _S / top
    for r in range(r0, r0 + n_rows):
        for i in range(n):
            x = a[r, i] * f
            a[r, i] = x if x >= _FLOOR else 0.0
    return _log_scaled(top, shift)


@jit(error_model="numpy")
def _square(a, out, tr):
    """``out = a @ a`` rescaled (:func:`_rescale`); returns the log of the factor removed."""
    npad = a.shape[0]
    for i in range(npad):
        for k in range(npad):
            tr[k, i] = a[i, k]
    _apply_rows(a, 0, 1, npad, tr, out, 0, 1)
    return _rescale(out, 0, npad, npad, 1000)


@jit(fastmath=True, error_model="numpy")
def _taylor(ndiag, lo, up, h, n_terms, n, s, t):
    """``T_K(N h)`` (``K = n_terms``) by Horner's rule, ``S <- I + (N h / m) S`` for ``m = K .. 1``;
    returns whichever of ``s``, ``t`` holds it.  After ``j`` steps ``S`` has bandwidth ``j``.

    Entries below ``_TAYLOR_FLOOR`` are set to zero (the result's largest entry is at least 1, so that
    is the same relative cut as ``_FLOOR``), so that no subnormal number enters the recursion."""
    s[:, :] = 0.0
    t[:, :] = 0.0
    for i in range(n):
        s[i, i] = 1.0
    band = 0
    for m in range(n_terms, 0, -1):
        band += 1
        r = h / m
        for i in range(n):
            a_d = ndiag[i] * r
            a_l = lo[i] * r if i > 0 else 0.0
            a_u = up[i] * r if i < n - 1 else 0.0
            il = i - 1 if i > 0 else i
            iu = i + 1 if i < n - 1 else i
            for k in range(max(0, i - band), min(n, i + band + 1)):
                x = a_d * s[i, k] + a_l * s[il, k] + a_u * s[iu, k]
                t[i, k] = x if x > _TAYLOR_FLOOR else 0.0
            t[i, i] += 1.0
        s, t = t, s
    return s


@jit(error_model="numpy")
def _propagator(ndiag, lo, up, norm, step, n, out, w1, w2):
    """``exp(N step) = e^f F`` with ``F`` (into ``out``) rescaled (:func:`_rescale`); returns ``f``."""
    n_sq, n_terms = _plan(norm * step, n)
    out[:, :] = _taylor(ndiag, lo, up, step / 2.0**n_sq, n_terms, n, w1, w2)
    f = _rescale(out, 0, out.shape[0], n, 0)
    for _ in range(n_sq):
        w1[:, :] = out
        f = 2.0 * f + _square(w1, out, w2)
    return f


@jit(error_model="numpy")
def _write_logs(buf, lg, r0, n_rows, n, out, j0):
    """``out[j0 + r - r0] = ln(buf[r] 2^-500) + lg[r]`` for ``r = r0 .. r0 + n_rows - 1``; stored
    entries are zero or at least ``2^-500``, so the scaled ones are normal numbers for the vectorised log."""
    for r in range(r0, r0 + n_rows):
        lo = buf[r, 0]
        for i in range(n):
            lo = min(lo, buf[r, i])
        base = lg[r]
        jj = j0 + r - r0
        if lo > 0.0:
            for i in range(n):
                out[jj, i] = log_vec(buf[r, i] * _INV_S) + base
        else:
            for i in range(n):
                x = buf[r, i]
                out[jj, i] = log_vec(x * _INV_S) + base if x > 0.0 else -np.inf


@jit(error_model="numpy")
def _run_block(pw, lpw, levels, c_step, n_steps, buf, lg, n):
    """States ``1..n_steps`` of a run from ``buf[0]`` (scale ``lg[0]``); False if one left the finite range."""
    top = 1 << levels
    n_chain = n_steps // top
    for a in range(1, n_chain + 1):
        _apply_rows(buf, (a - 1) * top, 1, 1, pw[levels], buf, a * top, 1)
        g = _rescale(buf, a * top, 1, n, 1000)
        if g != g:
            return False
        lg[a * top] = lg[(a - 1) * top] + g + lpw[levels] - c_step * top
    for lev in range(levels - 1, -1, -1):
        half = 1 << lev
        if n_steps < half:
            continue
        n_rows = (n_steps - half) // (2 * half) + 1
        _apply_rows(buf, 0, 2 * half, n_rows, pw[lev], buf, half, 2 * half)
        for i in range(n_rows):
            r = half + 2 * half * i
            g = _rescale(buf, r, 1, n, 1000)
            if g != g:
                return False
            lg[r] = lg[r - half] + g + lpw[lev] - c_step * half
    return True


@jit(parallel=True, error_model="numpy")
def solve_numba(d, lo, up, lvt, taus, out, status, n_chunks):
    """Fill ``out[b, j, :] = ln v(taus[j])`` for every set ``b``; ``status[b] = 1`` if set ``b`` left the finite range.

    Arguments are those of :func:`solve_linear`; the sets are split into ``n_chunks`` consecutive
    chunks, one workspace each."""
    n_sets, n = d.shape
    n_t = taus.size
    npad = (n + 3) // 4 * 4
    for ch in numba.prange(n_chunks):
        pw = np.zeros((_LEVELS + 1, npad, npad))
        lpw = np.zeros(_LEVELS + 1)
        w1 = np.zeros((npad, npad))
        w2 = np.zeros((npad, npad))
        buf = np.zeros((_BLOCK + 1, npad))
        lg = np.zeros(_BLOCK + 1)
        ndiag = np.empty(n)
        for b in range(ch * n_sets // n_chunks, (ch + 1) * n_sets // n_chunks):
            c = d[b, 0]
            top = lvt[b, 0]
            for i in range(n):
                c = max(c, d[b, i])
                top = max(top, lvt[b, i])
            norm = 0.0
            for i in range(n):
                ndiag[i] = c - d[b, i]
                norm = max(norm, ndiag[i] + lo[b, i] + up[b, i])
            buf[0, :] = 0.0
            for i in range(n):
                e = lvt[b, i] - top
                x = math.exp(e) * _S if e > -700.0 else math.exp(e + 500.0 * _LN2)
                buf[0, i] = x if x >= _FLOOR else 0.0
            lg[0] = top
            j = 0
            prev = 0.0
            while j < n_t and status[b] == 0:
                step = taus[j] - prev
                if step <= 0.0:  # only taus[0] == 0 can give a zero step
                    _write_logs(buf, lg, 0, 1, n, out[b], j)
                    j += 1
                    continue
                run = 1
                while j + run < n_t and abs((taus[j + run] - taus[j + run - 1]) - step) <= 1e-12 * step:
                    run += 1
                levels = 0
                while levels < _LEVELS and (2 << levels) <= min(run, _BLOCK):
                    levels += 1
                lpw[0] = _propagator(ndiag, lo[b], up[b], norm, step, n, pw[0], w1, w2)
                for lev in range(1, levels + 1):
                    lpw[lev] = 2.0 * lpw[lev - 1] + _square(pw[lev - 1], pw[lev], w1)
                done = 0
                while done < run:
                    n_steps = min(_BLOCK, run - done)
                    if not _run_block(pw, lpw, levels, c * step, n_steps, buf, lg, n):
                        status[b] = 1
                        break
                    _write_logs(buf, lg, 1, n_steps, n, out[b], j + done)
                    buf[0, :] = buf[n_steps, :]
                    lg[0] = lg[n_steps]
                    done += n_steps
                prev = taus[j + run - 1]
                j += run


def solve_linear(d: np.ndarray, lo: np.ndarray, up: np.ndarray, lvt: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """``ln v`` of :func:`quantforge.kernels.hjb.reference.solve_linear` (same arguments, validated:
    contiguous float64, ``lo[:, 0]`` and ``up[:, -1]`` zero), parallel over parameter sets.

    Raises
    ------
    NumericalInstability
        Naming the first parameter set whose solution left the positive finite range.
    """
    out = np.empty((d.shape[0], taus.size, d.shape[1]))
    status = np.zeros(d.shape[0], np.int64)
    # several chunks per thread so that sets of unequal cost (different propagator plans) balance
    solve_numba(d, lo, up, lvt, taus, out, status, min(d.shape[0], 8 * numba.get_num_threads()))
    if status.any():
        bad = int(np.argmax(status))
        raise NumericalInstability(f"the linear HJB solution of parameter set {bad} left the positive finite range")
    return out
