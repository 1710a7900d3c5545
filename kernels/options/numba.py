"""The numba fast path of the options kernels: the scalar core of :mod:`.core` compiled, in a
parallel loop over the flattened, broadcast inputs."""

from __future__ import annotations

import math

import numba
import numpy as np

from ..jit import jit
from .core import IV_HIGH, IV_LOW, IV_START_MAX, IV_START_MIN, SIGMA_RESOLUTION, TINY, Greek, black_scholes_scalar

__all__ = ["black_scholes", "implied_vol"]

_black_scholes_one = jit(black_scholes_scalar, inline=True)
# numba indexes a tuple only with plain int constants, not IntEnum members
_PRICE = int(Greek.PRICE)
_VEGA = int(Greek.VEGA)


@jit(parallel=True)
def _black_scholes_kernel(s, k, t, r, q, sigma, call, out):
    for i in numba.prange(s.shape[0]):
        g = _black_scholes_one(s[i], k[i], t[i], r[i], q[i], sigma[i], call[i])
        for j in range(out.shape[0]):
            out[j, i] = g[j]


@jit(parallel=True)
def _implied_vol_kernel(target, s, k, t, r, q, call, tol, max_iter, out, converged):
    for i in numba.prange(s.shape[0]):
        sig = min(max(math.sqrt(2.0 * math.pi / t[i]) * target[i] / s[i], IV_START_MIN), IV_START_MAX)
        lo = IV_LOW
        hi = IV_HIGH
        done = False
        n = 0
        while n < max_iter and not done:
            g = _black_scholes_one(s[i], k[i], t[i], r[i], q[i], sig, call[i])
            price = g[_PRICE]
            diff = price - target[i]
            if abs(diff) <= tol * target[i]:
                done = True
                break
            if diff < 0:
                lo = sig
            elif diff > 0:
                hi = sig
            vega = g[_VEGA]
            newton = sig - (math.log(max(price, TINY)) - math.log(target[i])) * price / vega if vega > 0 else lo
            new = newton if (vega > 0 and lo < newton < hi) else 0.5 * (lo + hi)
            done = abs(new - sig) <= SIGMA_RESOLUTION * sig
            sig = new
            n += 1
        out[i] = sig
        converged[i] = done


def black_scholes(s, k, t, r, q, sigma, call, greeks: bool) -> np.ndarray:
    """``(6, n)`` price and Greeks (rows in the order of :class:`~.core.Greek`), or ``(1, n)`` prices."""
    out = np.empty((len(Greek), s.size), dtype=np.float64)
    _black_scholes_kernel(s, k, t, r, q, sigma, call, out)
    return out if greeks else out[:1]


def implied_vol(target, s, k, t, r, q, call, tol: float, max_iter: int) -> tuple[np.ndarray, bool]:
    """``(sigma, pending)`` as :func:`quantforge.kernels.options.reference.implied_vol`."""
    out = np.empty_like(target)
    converged = np.empty(target.shape, dtype=np.bool_)
    _implied_vol_kernel(target, s, k, t, r, q, call, tol, max_iter, out, converged)
    return out, bool(not converged.all())
