"""The numba (CPU) fast path of the EWMA covariance: the O(n^2)-per-observation recursion in parallel.

The weights and rank-one vectors come from the plain-Python :func:`.core.ewma_coefficients`, compiled
here; the update ``S_t = a_t S_{t-1} + c_t v_t v_t'`` then runs over blocks of rows, each block a
parallel task that keeps its rows of ``S`` (upper triangle only) in a small scratch array through all
observations, so ``S`` never leaves the cache and each task reads the vectors once.  A task takes a
block and its mirror block (rows from the top and the bottom of the triangle), so the tasks carry
equal work.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ..jit import jit
from .core import ewma_coefficients

__all__ = ["ewma"]

_coefficients = jit(ewma_coefficients)
_ROWS = 8  # rows of S per block: 8 x n doubles of scratch per task


@jit(inline=True)
def _block(v, a, c, f, i0, i1, path, out, s):
    """Rows ``[i0, i1)`` of one series' recursion; writes both triangles of the output."""
    n_obs, n = v.shape
    s[:, :] = 0.0
    for t in range(n_obs):
        at = a[t]
        ct = c[t]
        for i in range(i0, i1):
            ci = ct * v[t, i]
            row = s[i - i0]
            for j in range(i, n):
                row[j] = at * row[j] + ci * v[t, j]
        if path:
            ft = f[t]
            for i in range(i0, i1):
                for j in range(i, n):
                    out[t, i, j] = ft * s[i - i0, j]
                    out[t, j, i] = ft * s[i - i0, j]
    if not path:
        ft = f[n_obs - 1]
        for i in range(i0, i1):
            for j in range(i, n):
                out[0, i, j] = ft * s[i - i0, j]
                out[0, j, i] = ft * s[i - i0, j]


@jit(parallel=True, error_model="numpy")
def _ewma_kernel(x, alpha, adjust, demean, bias, path, out):
    n_batch, n_obs, n = x.shape
    v = np.empty_like(x)
    a = np.empty((n_batch, n_obs))
    c = np.empty((n_batch, n_obs))
    f = np.empty((n_batch, n_obs))
    for b in prange(n_batch):
        _coefficients(x[b], alpha, adjust, demean, bias, v[b], a[b], c[b], f[b])
    n_blocks = (n + _ROWS - 1) // _ROWS
    half = (n_blocks + 1) // 2
    for task in prange(n_batch * half):
        b = task // half
        k = task % half
        s = np.empty((_ROWS, n))
        _block(v[b], a[b], c[b], f[b], k * _ROWS, min(n, (k + 1) * _ROWS), path, out[b], s)
        m = n_blocks - 1 - k
        if m != k:
            _block(v[b], a[b], c[b], f[b], m * _ROWS, min(n, (m + 1) * _ROWS), path, out[b], s)


def ewma(x: np.ndarray, alpha: float, adjust: bool, demean: bool, bias: bool, path: bool) -> np.ndarray:
    """(B, n, n), or (B, T, n, n) with ``path``, for validated float64 returns ``x`` (B, T, n)."""
    n_batch, n_obs, n = x.shape
    out = np.empty((n_batch, n_obs if path else 1, n, n))
    _ewma_kernel(np.ascontiguousarray(x), float(alpha), bool(adjust), bool(demean), bool(bias), bool(path), out)
    return out if path else out[:, 0]
