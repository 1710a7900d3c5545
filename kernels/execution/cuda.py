"""The cuda fast path of :mod:`quantforge.kernels.execution` (cupy backend): one thread per point of
the frontier, the device function compiled from :func:`.core.frontier_scalar` with ``kappa``,
``trajectory``, ``moments`` and ``sums`` (and the helpers they call) rebound to device builds of the
same source, so the GPU computes what the CPU does to the last ulps of the device libm.  A thread that
needs its trajectory (returned, or with a drift) writes it into its row of a device array (the kernel
has no scratch memory of its own).
Under numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) the kernel runs on the CPU, which is how the
test suite checks it.  Importing this module imports numba.cuda."""

from __future__ import annotations

import numpy as np
from numba import cuda

from ..jit import compile_for_cuda
from ..rng.cuda import deliver
from .core import (
    bump_scalar,
    frontier_scalar,
    kappa_scalar,
    moments_scalar,
    ratio_far_scalar,
    sums_scalar,
    trajectory_scalar,
)

__all__ = ["frontier"]

_THREADS = 128
_ratio_far_dev = compile_for_cuda(ratio_far_scalar, name="ratio_far_dev")
_bump_dev = compile_for_cuda(bump_scalar, name="bump_dev")
_trajectory_dev = compile_for_cuda(trajectory_scalar, name="trajectory_dev", ratio_far=_ratio_far_dev, bump=_bump_dev)
_point_dev = compile_for_cuda(
    frontier_scalar,
    name="frontier_dev",
    kappa=compile_for_cuda(kappa_scalar),
    trajectory=_trajectory_dev,
    moments=compile_for_cuda(moments_scalar),
    sums=compile_for_cuda(sums_scalar, name="sums_dev", ratio_far=_ratio_far_dev),
)


@cuda.jit
def _kernel(lams, prm, n_steps, rows, keep, kappa_out, e_out, v_out):
    i = cuda.grid(1)
    if i < lams.shape[0]:
        kappa_out[i], e_out[i], v_out[i] = _point_dev(lams[i], prm, n_steps, rows[i], keep)


def frontier(lams, prm, n_steps, return_rows, *, to_host=True) -> tuple:
    """(kappa, E, V, holdings or None) of every ``lambda``; CuPy arrays with ``to_host=False`` on a GPU."""
    n = lams.shape[0]
    rows = cuda.device_array((n, n_steps + 1), dtype=np.float64)
    out = [cuda.device_array(n, dtype=np.float64) for _ in range(3)]
    _kernel[(n + _THREADS - 1) // _THREADS, _THREADS](
        cuda.to_device(lams), cuda.to_device(prm), n_steps, rows, return_rows, *out
    )
    return (*(deliver(a, to_host) for a in out), deliver(rows, to_host) if return_rows else None)
