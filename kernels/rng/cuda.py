"""Philox4x32-10 on NVIDIA GPUs: numba.cuda device functions and kernels for the ``cupy`` backend.

The device functions are compiled from the same Python source as the CPU scalar core in
:mod:`.core` (``philox10_scalar``, ``u01_scalar``, ``box_muller_scalar``, ``poisson_scalar``) by
:func:`quantforge.kernels.jit.compile_for_cuda`, so the GPU words are bit-identical to the CPU ones by
construction and the uniforms too; normals differ only by the device libm's last ulps.  Other GPU
kernels (SDE paths, the market-making simulator) call ``philox10_dev``, ``u01_dev`` and
``box_muller_dev`` directly.

Launch results are CuPy arrays on a real GPU (``to_host=False`` keeps them there) and numba device
arrays under numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``), which is how the CPU test suite
runs these kernels.  Importing this module imports numba.cuda; it is the fast path that
:mod:`quantforge.kernels.rng` registers for the ``cupy`` backend, imported on first use.
"""

from __future__ import annotations

import math

import numpy as np
from numba import cuda

from ..jit import compile_for_cuda
from .core import DrawKind, box_muller_scalar, philox10_scalar, philox_rounds_scalar, poisson_scalar, u01_scalar

__all__ = ["philox10_dev", "u01_dev", "box_muller_dev", "poisson_dev", "deliver", "words", "draws", "poisson"]

_rounds_dev = compile_for_cuda(philox_rounds_scalar)
philox10_dev = compile_for_cuda(philox10_scalar, name="philox10_dev", philox_rounds=_rounds_dev)
u01_dev = compile_for_cuda(u01_scalar)
box_muller_dev = compile_for_cuda(box_muller_scalar)
poisson_dev = compile_for_cuda(poisson_scalar, name="poisson_dev", philox10=philox10_dev, u01=u01_dev)


@cuda.jit
def _words_kernel(counters, keys, rounds, out):
    i = cuda.grid(1)
    if i >= counters.shape[0]:
        return
    c0, c1, c2, c3 = _rounds_dev(
        np.uint64(counters[i, 0]),
        np.uint64(counters[i, 1]),
        np.uint64(counters[i, 2]),
        np.uint64(counters[i, 3]),
        np.uint64(keys[i, 0]),
        np.uint64(keys[i, 1]),
        rounds,
    )
    out[i, 0] = np.uint32(c0)
    out[i, 1] = np.uint32(c1)
    out[i, 2] = np.uint32(c2)
    out[i, 3] = np.uint32(c3)


@cuda.jit
def _fill_kernel(kind, k0, k1, stream, path0, d0, out):
    """One thread per (path, block): a block yields two outputs (uniform/exponential pair or a
    Box–Muller pair); the first block may start on its odd half."""
    b, i = cuda.grid(2)
    n_paths = out.shape[0]
    n = out.shape[1]
    if i >= n_paths:
        return
    first_block = d0 // 2
    block = first_block + b
    lo = 2 * block  # absolute draw index of the block's first half
    if lo >= d0 + n:
        return
    w0, w1, w2, w3 = philox10_dev(
        np.uint64(block), np.uint64(0), np.uint64(path0 + i), np.uint64(stream), np.uint64(k0), np.uint64(k1)
    )
    ua = u01_dev(w0, w1)
    ub = u01_dev(w2, w3)
    if kind == DrawKind.NORMAL:
        ua, ub = box_muller_dev(ua, ub)
    elif kind == DrawKind.EXPONENTIAL:
        ua = -math.log(ua)
        ub = -math.log(ub)
    ja = lo - d0
    if ja >= 0:
        out[i, ja] = ua
    if ja + 1 < n:
        out[i, ja + 1] = ub


@cuda.jit
def _poisson_kernel(lam, k0, k1, stream, path0, d0, out):
    j, i = cuda.grid(2)
    if i >= out.shape[0] or j >= out.shape[1]:
        return
    out[i, j] = poisson_dev(
        lam[i, j], np.uint64(d0 + j), np.uint64(path0 + i), np.uint64(stream), np.uint64(k0), np.uint64(k1)
    )


def deliver(dev, to_host: bool):
    """A kernel's output: on the host, or a CuPy array on the device (a numba device array under the simulator)."""
    if to_host:
        return dev.copy_to_host()
    try:
        import cupy

        return cupy.asarray(dev)
    except ImportError:
        return dev


def words(counters: np.ndarray, keys: np.ndarray, rounds: int, to_host: bool = False):
    """Words for flat (n, 4) counters and (n, 2) keys (validated by the dispatcher)."""
    n = counters.shape[0]
    out = cuda.device_array((n, 4), dtype=np.uint32)
    if n:
        threads = 256
        _words_kernel[(n + threads - 1) // threads, threads](
            cuda.to_device(counters), cuda.to_device(keys), rounds, out
        )
    return deliver(out, to_host)


def draws(
    kind: int, k0: int, k1: int, stream: int, n_paths: int, n_draws: int, path0: int, d0: int, to_host: bool = False
):
    """Draws of a :class:`.core.DrawKind`, shape (n_paths, n_draws)."""
    out = cuda.device_array((n_paths, n_draws), dtype=np.float64)
    n_blocks = (d0 % 2 + n_draws + 1) // 2
    if n_paths and n_draws:
        tx, ty = 64, 4
        grid = ((n_blocks + tx - 1) // tx, (n_paths + ty - 1) // ty)
        _fill_kernel[grid, (tx, ty)](kind, k0, k1, stream, path0, d0, out)
    return deliver(out, to_host)


def poisson(lam: np.ndarray, k0: int, k1: int, stream: int, path0: int, d0: int, to_host: bool = False):
    """Poisson counts for a (n_paths, n_draws) array of intensities."""
    n_paths, n_draws = lam.shape
    out = cuda.device_array((n_paths, n_draws), dtype=np.int64)
    if n_paths and n_draws:
        tx, ty = 64, 4
        grid = ((n_draws + tx - 1) // tx, (n_paths + ty - 1) // ty)
        _poisson_kernel[grid, (tx, ty)](cuda.to_device(lam), k0, k1, stream, path0, d0, out)
    return deliver(out, to_host)
