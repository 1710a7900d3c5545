"""The SDE path kernel of :mod:`quantforge.kernels.sde` on NVIDIA GPUs (numba.cuda, cupy backend).

One thread simulates one path: the device functions are compiled from the Python source of the
per-path and jump cores of :mod:`sde_numba` (``_path_scalar``, ``_jump_scalar``) with the Philox helpers
rebound to their device versions
from :mod:`rng_cuda`, so the GPU draws the same normals, jump counts and jump sizes, in kernel and
with no pre-generated arrays, and returns the same paths as the CPU backends to the last few ulps.
Under numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) the same kernel runs on the CPU, which is
how the test suite checks it.  Importing this module imports numba.cuda.
"""

from __future__ import annotations

import types

import numpy as np
from numba import cuda

from . import rng_cuda
from . import sde_numba as _sde

__all__ = ["simulate"]

_DEVICE_GLOBALS = {**vars(_sde), "philox10": rng_cuda.philox10_dev, "u01": rng_cuda.u01_dev,
                   "box_muller": rng_cuda.box_muller_dev, "_poisson_one": rng_cuda.poisson_dev}
_jump_dev = cuda.jit(device=True)(types.FunctionType(_sde._jump_scalar.__code__, _DEVICE_GLOBALS, "_jump_dev"))
_path_dev = cuda.jit(device=True)(
    types.FunctionType(_sde._path_scalar.__code__, {**_DEVICE_GLOBALS, "_jump_sum": _jump_dev}, "_path_dev")
)


@cuda.jit
def _simulate_kernel(code, scheme, correction, prm, n_steps, k0, k1, stream, path0, dw_in, use_dw, store,
                     paths_out, terminal, maximum, minimum, average, jumps):
    i = cuda.grid(1)
    if i < terminal.shape[0]:
        _path_dev(i, code, scheme, correction, prm, n_steps, k0, k1, stream, path0, dw_in, use_dw, store,
                  paths_out, terminal, maximum, minimum, average, jumps)


def simulate(code, scheme, correction, prm, n_steps, n_paths, k0, k1, stream, path0, dw_in, store):
    """Launch one thread per path; returns host arrays in the order of ``sde.SimulationResult``."""
    out = [cuda.device_array(n_paths, dtype=np.float64) for _ in range(4)]
    jumps = cuda.device_array(n_paths, dtype=np.int64)
    paths = cuda.device_array((n_paths, n_steps + 1) if store else (1, 1), dtype=np.float64)
    dw = cuda.to_device(np.zeros((1, 1)))
    threads = 128
    _simulate_kernel[(n_paths + threads - 1) // threads, threads](
        code, scheme, correction, cuda.to_device(prm), n_steps, np.uint64(k0), np.uint64(k1), stream, path0, dw,
        False, store, paths, *out, jumps)
    host = [a.copy_to_host() for a in out]
    return (*host, jumps.copy_to_host(), paths.copy_to_host() if store else None)
