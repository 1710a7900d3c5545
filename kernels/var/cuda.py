"""The GPU fast path of the var revaluation (cupy backend): the reference on CuPy arrays with
``cupyx.scipy.special.erfc``, the function the array API lacks; CuPy's elementwise kernels are the
CUDA code here (as in the options family), fused per chunk of scenarios."""

from __future__ import annotations

import numpy as np

from ..backend import get_backend, require
from .reference import revalue_xp

__all__ = ["revalue"]

# require names the extra to install where CuPy is missing (the cupy backend also resolves under
# numba's CUDA simulator, which this path does not run on)
cupy = require("cupy", purpose="the var kernels on backend 'cupy'")
css = require("cupyx.scipy.special", purpose="the var kernels on backend 'cupy'")
xp = get_backend("cupy").xp


def revalue(table: np.ndarray, spots, returns, horizon: float, vol_shift=None):
    """P&L per unit of position (m, n_instr) on the device; see :func:`.reference.revalue_xp`."""
    shift = None if vol_shift is None else cupy.asarray(vol_shift)
    return revalue_xp(xp, css.erfc, table, cupy.asarray(spots), cupy.asarray(returns), horizon, shift)
