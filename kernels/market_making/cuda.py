"""The cuda fast path of the market-making simulator (cupy backend): one thread per path, the device
function compiled from :func:`.core.path_scalar` with ``philox10`` and ``u01`` rebound to the device
versions of :mod:`quantforge.kernels.rng.cuda`, so the draws (made in the kernel, no pre-generated
arrays) and the paths are those of every other backend.  Under numba's CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``) the same kernel runs on the CPU, which is how the test suite checks it.
Importing this module imports numba.cuda."""

from __future__ import annotations

import numpy as np
from numba import cuda

from ..jit import compile_for_cuda
from ..rng.cuda import philox10_dev, u01_dev
from .core import path_scalar

__all__ = ["simulate"]

_THREADS = 128
_path_dev = compile_for_cuda(path_scalar, name="path_dev", philox10=philox10_dev, u01=u01_dev)


@cuda.jit
def _kernel(
    bid,
    ask,
    q_min,
    q0,
    s0,
    s_step,
    A,
    k,
    dt,
    path0,
    k0,
    k1,
    stream,
    s_out,
    q_out,
    cash_out,
    nb_out,
    na_out,
    sp_out,
    ns_out,
):
    i = cuda.grid(1)
    if i < s_out.shape[0]:
        _path_dev(
            i,
            bid,
            ask,
            q_min,
            q0,
            s0,
            s_step,
            A,
            k,
            dt,
            path0,
            np.uint64(k0),
            np.uint64(k1),
            stream,
            s_out,
            q_out,
            cash_out,
            nb_out,
            na_out,
            sp_out,
            ns_out,
        )


def simulate(bid, ask, q_min, q0, s0, s_step, A, k, dt, n_paths, path0, k0, k1, stream) -> tuple[np.ndarray, ...]:
    """The terminal state (s, q, cash, bid fills, ask fills, spread sum, two-sided steps), on the host."""
    outs = [
        cuda.device_array(n_paths, dtype=dtype)
        for dtype in (np.float64, np.int64, np.float64, np.int64, np.int64, np.float64, np.int64)
    ]
    _kernel[(n_paths + _THREADS - 1) // _THREADS, _THREADS](
        cuda.to_device(bid), cuda.to_device(ask), q_min, q0, s0, s_step, A, k, dt, path0, k0, k1, stream, *outs
    )
    return tuple(o.copy_to_host() for o in outs)
