"""The numba fast paths of the Philox stream: parallel over paths, writing into preallocated outputs.

Registered by :mod:`quantforge.kernels.rng` for the ``numba`` backend; compiled from the scalar core.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from ..jit import jit
from ..vecmath import box_muller_vec
from .core import DrawKind, box_muller, philox10, philox_rounds, poisson_one, u01

__all__ = ["words", "draws", "poisson"]

_LANES = 16  # Philox blocks per SIMD batch in the normal fill
_PATHS_PER_TASK = 64  # paths per parallel task: the scratch arrays are allocated once per task


@jit(parallel=True)
def _words_kernel(counters, k0, k1, rounds, out):
    n = counters.shape[0]
    for i in prange(n):
        c0, c1, c2, c3 = philox_rounds(
            np.uint64(counters[i, 0]),
            np.uint64(counters[i, 1]),
            np.uint64(counters[i, 2]),
            np.uint64(counters[i, 3]),
            np.uint64(k0[i]),
            np.uint64(k1[i]),
            rounds,
        )
        out[i, 0] = np.uint32(c0)
        out[i, 1] = np.uint32(c1)
        out[i, 2] = np.uint32(c2)
        out[i, 3] = np.uint32(c3)


@jit(parallel=True)
def _fill_kernel(kind, k0, k1, stream, path0, d0, out):
    """Uniform, normal or exponential draws (a :class:`DrawKind`); out has shape (n_paths, n_draws)."""
    n_paths, n = out.shape
    s = np.uint64(stream)
    for i in prange(n_paths):
        p = np.uint64(path0 + i)
        j = 0
        d = d0
        while j < n:
            w0, w1, w2, w3 = philox10(np.uint64(d // 2), np.uint64(0), p, s, k0, k1)
            first = d % 2 == 0
            if kind == DrawKind.NORMAL:
                z0, z1 = box_muller(u01(w0, w1), u01(w2, w3))
                if first:
                    out[i, j] = z0
                    if j + 1 < n:
                        out[i, j + 1] = z1
                    j += 2
                    d += 2
                else:
                    out[i, j] = z1
                    j += 1
                    d += 1
            else:
                ua = u01(w0, w1)
                ub = u01(w2, w3)
                if kind == DrawKind.EXPONENTIAL:
                    ua = -math.log(ua)
                    ub = -math.log(ub)
                if first:
                    out[i, j] = ua
                    if j + 1 < n:
                        out[i, j + 1] = ub
                    j += 2
                    d += 2
                else:
                    out[i, j] = ub
                    j += 1
                    d += 1


@jit(parallel=True)
def _normals_kernel(k0, k1, stream, path0, d0, out):
    """Normals into ``out`` (n_paths, n_draws): the Philox words and the Box–Muller pairs of 16
    consecutive blocks of a path are computed in branch-free loops over the blocks, which LLVM turns
    into SIMD code (with :func:`vecmath.box_muller_vec`), then scattered to draws ``2b, 2b + 1``."""
    n_paths, n = out.shape
    if n == 0:
        return
    s = np.uint64(stream)
    b0 = d0 // 2
    n_blocks = (d0 + n - 1) // 2 - b0 + 1
    for task in prange((n_paths + _PATHS_PER_TASK - 1) // _PATHS_PER_TASK):
        u1 = np.empty(_LANES)
        u2 = np.empty(_LANES)
        z = np.empty((2, _LANES))
        for i in range(task * _PATHS_PER_TASK, min(n_paths, (task + 1) * _PATHS_PER_TASK)):
            p = np.uint64(path0 + i)
            for g in range(0, n_blocks, _LANES):
                for ll in range(_LANES):
                    w0, w1, w2, w3 = philox10(np.uint64(b0 + g + ll), np.uint64(0), p, s, k0, k1)
                    u1[ll] = u01(w0, w1)
                    u2[ll] = u01(w2, w3)
                for ll in range(_LANES):
                    z[0, ll], z[1, ll] = box_muller_vec(u1[ll], u2[ll])
                for ll in range(min(_LANES, n_blocks - g)):
                    j = 2 * (b0 + g + ll) - d0  # column of draw 2b; draw 2b + 1 is the next one
                    if j >= 0:
                        out[i, j] = z[0, ll]
                    if j + 1 < n:
                        out[i, j + 1] = z[1, ll]


@jit(parallel=True)
def _poisson_kernel(lam, k0, k1, stream, path0, d0, out):
    n_paths, n = out.shape
    s = np.uint64(stream)
    for i in prange(n_paths):
        p = np.uint64(path0 + i)
        for j in range(n):
            out[i, j] = poisson_one(lam[i, j], np.uint64(d0 + j), p, s, k0, k1)


def words(counters: np.ndarray, keys: np.ndarray, rounds: int, to_host: bool = True) -> np.ndarray:
    """Words for flat (n, 4) counters and (n, 2) keys (validated by the dispatcher)."""
    out = np.empty((counters.shape[0], 4), dtype=np.uint32)
    _words_kernel(counters, np.ascontiguousarray(keys[:, 0]), np.ascontiguousarray(keys[:, 1]), rounds, out)
    return out


def draws(
    kind: int, k0: int, k1: int, stream: int, n_paths: int, n_draws: int, path0: int, d0: int, to_host: bool = True
) -> np.ndarray:
    """Draws ``[d0, d0 + n_draws)`` of paths ``[path0, path0 + n_paths)`` of a :class:`DrawKind`."""
    out = np.empty((n_paths, n_draws), dtype=np.float64)
    if kind == DrawKind.NORMAL:
        _normals_kernel(np.uint64(k0), np.uint64(k1), stream, path0, d0, out)
    else:
        _fill_kernel(kind, np.uint64(k0), np.uint64(k1), stream, path0, d0, out)
    return out


def poisson(lam: np.ndarray, k0: int, k1: int, stream: int, path0: int, d0: int, to_host: bool = True) -> np.ndarray:
    """Poisson counts for a C-contiguous (n_paths, n_draws) array of intensities."""
    out = np.empty(lam.shape, dtype=np.int64)
    _poisson_kernel(lam, np.uint64(k0), np.uint64(k1), stream, path0, d0, out)
    return out
