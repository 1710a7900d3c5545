"""The exact Hawkes simulation of :mod:`quantforge.kernels.hawkes` on NVIDIA GPUs (numba.cuda, cupy backend).

One thread simulates one path with :func:`.core.dz_path`, compiled for the device by
:func:`quantforge.kernels.jit.compile_for_cuda` with the device Philox (``philox10_dev``, ``u01_dev``):
the same statements and the same draws as the CPU paths, so a path is the same on every backend.
Each thread writes its events into its own row of a padded (paths x capacity) array and keeps its
decay-group state in a row of a scratch array (device code cannot allocate).  Under numba's CUDA
simulator (``NUMBA_ENABLE_CUDASIM=1``) the kernel runs on the CPU, which is how the tests check it.
Importing this module imports numba.cuda.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from ..jit import compile_for_cuda
from ..rng.cuda import deliver, philox10_dev, u01_dev
from .core import dz_path

__all__ = ["simulate_dz"]

_THREADS = 64  # paths differ in length, so small blocks keep the warps of a block close in work

_dz_dev = compile_for_cuda(dz_path, name="_dz_dev", philox10=philox10_dev, u01=u01_dev)


def _dz_kernel_source(
    path_ids, horizon, mu, mu_total, decays, gidx, jump, k0, k1, stream, state, times, marks, counts, status
):
    r = cuda.grid(1)
    if r < path_ids.shape[0]:
        n, st = _dz_dev(
            path_ids[r], horizon, mu, mu_total, decays, gidx, jump, k0, k1, stream, state[r], times[r], marks[r]
        )
        counts[r] = n
        status[r] = st


_dz_kernel = compile_for_cuda(_dz_kernel_source, name="_dz_kernel", device=False, _dz_dev=_dz_dev)


def simulate_dz(path_ids, horizon, mu, mu_total, decays, gidx, jump, k0, k1, stream, cap):
    """(times (P, cap), marks (P, cap), counts (P,), status (P,)) on the host; one thread per path."""
    n = path_ids.shape[0]
    times = cuda.device_array((n, cap), dtype=np.float64)
    marks = cuda.device_array((n, cap), dtype=np.int64)
    counts = cuda.device_array(n, dtype=np.int64)
    status = cuda.device_array(n, dtype=np.int64)
    state = cuda.device_array((n, decays.shape[0] * mu.shape[0]), dtype=np.float64)
    _dz_kernel[(n + _THREADS - 1) // _THREADS, _THREADS](
        cuda.to_device(path_ids.astype(np.uint64)),
        float(horizon),
        cuda.to_device(mu),
        float(mu_total),
        cuda.to_device(decays),
        cuda.to_device(gidx),
        cuda.to_device(jump),
        np.uint64(k0),
        np.uint64(k1),
        np.uint64(stream),
        state,
        times,
        marks,
        counts,
        status,
    )
    return tuple(deliver(a, True) for a in (times, marks, counts, status))
