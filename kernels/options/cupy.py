"""The cupy fast path of the options kernels: the reference on CuPy arrays with
``cupyx.scipy.special.erfc``, the function the array API lacks."""

from __future__ import annotations

import cupy
import cupyx.scipy.special as css

from . import reference

__all__ = ["black_scholes", "implied_vol"]


def black_scholes(s, k, t, r, q, sigma, call, greeks: bool) -> cupy.ndarray:
    """``(6, n)`` price and Greeks, or ``(1, n)`` prices, on the device."""
    args = (cupy.asarray(a) for a in (s, k, t, r, q, sigma, call))
    return cupy.stack(reference.black_scholes(*args, greeks=greeks, xp=cupy, erfc=css.erfc))


def implied_vol(target, s, k, t, r, q, call, tol: float, max_iter: int) -> tuple[cupy.ndarray, bool]:
    """``(sigma, pending)`` as :func:`quantforge.kernels.options.reference.implied_vol`."""
    args = (cupy.asarray(a) for a in (target, s, k, t, r, q, call))
    sigma, pending = reference.implied_vol(*args, tol, max_iter, xp=cupy, erfc=css.erfc)
    return sigma, bool(pending)
