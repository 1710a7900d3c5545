"""The GPU fast path of the options kernels (cupy backend): the reference on CuPy arrays with
``cupyx.scipy.special.erfc``, the function the array API lacks; CuPy's elementwise kernels are the
CUDA code here, there is no numba.cuda kernel."""

from __future__ import annotations

from ..backend import get_backend, require
from . import reference

__all__ = ["black_scholes", "implied_vol"]

# require names the extra to install where CuPy is missing (the cupy backend also resolves under
# numba's CUDA simulator, which this path does not run on)
cupy = require("cupy", purpose="the options kernels on backend 'cupy'")
css = require("cupyx.scipy.special", purpose="the options kernels on backend 'cupy'")
xp = get_backend("cupy").xp  # the array-API namespace over CuPy


def black_scholes(s, k, t, r, q, sigma, call, greeks: bool):
    """``(6, n)`` price and Greeks, or ``(1, n)`` prices, on the device."""
    args = (cupy.asarray(a) for a in (s, k, t, r, q, sigma, call))
    return xp.stack(reference.black_scholes(*args, greeks=greeks, xp=xp, erfc=css.erfc))


def implied_vol(target, s, k, t, r, q, call, tol: float, max_iter: int):
    """``(sigma, pending)`` as :func:`quantforge.kernels.options.reference.implied_vol`."""
    args = (cupy.asarray(a) for a in (target, s, k, t, r, q, call))
    sigma, pending = reference.implied_vol(*args, tol, max_iter, xp=xp, erfc=css.erfc)
    return sigma, bool(pending)
