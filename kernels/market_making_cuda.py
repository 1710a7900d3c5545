"""The market-making simulator of :mod:`market_making` as a numba.cuda kernel: one thread per path, the
device function compiled from the same per-path source (``market_making._path_scalar``) with the
Philox helpers rebound to :mod:`rng_cuda`'s, so the draws (in kernel, no pre-generated arrays) and the
paths are those of every other backend."""

from __future__ import annotations

import types

import numpy as np
from numba import cuda

from . import market_making as _mm
from . import rng_cuda

__all__ = ["simulate"]

_path_dev = cuda.jit(device=True)(types.FunctionType(
    _mm._path_scalar.__code__, {**vars(_mm), "philox10": rng_cuda.philox10_dev, "u01": rng_cuda.u01_dev}, "_path_dev"))


@cuda.jit
def _kernel(bid, ask, q_min, q0, s0, s_step, A, k, dt, path0, k0, k1, stream, s_out, q_out, cash_out, nb_out, na_out, sp_out, ns_out):
    i = cuda.grid(1)
    if i < s_out.shape[0]:
        _path_dev(i, bid, ask, q_min, q0, s0, s_step, A, k, dt, path0, np.uint64(k0), np.uint64(k1), stream,
                  s_out, q_out, cash_out, nb_out, na_out, sp_out, ns_out)


def simulate(bid, ask, q_min, q0, s0, s_step, A, k, dt, n_paths, path0, k0, k1, stream):
    """Run the kernel; returns host arrays (s, q, cash, bid fills, ask fills, spread sum, two-sided steps)."""
    outs = [
        cuda.device_array(n_paths, dtype=np.float64),
        cuda.device_array(n_paths, dtype=np.int64),
        cuda.device_array(n_paths, dtype=np.float64),
        cuda.device_array(n_paths, dtype=np.int64),
        cuda.device_array(n_paths, dtype=np.int64),
        cuda.device_array(n_paths, dtype=np.float64),
        cuda.device_array(n_paths, dtype=np.int64),
    ]
    threads = 128
    _kernel[(n_paths + threads - 1) // threads, threads](
        cuda.to_device(bid), cuda.to_device(ask), q_min, q0, s0, s_step, A, k, dt, path0, k0, k1, stream, *outs
    )
    return tuple(o.copy_to_host() for o in outs)
