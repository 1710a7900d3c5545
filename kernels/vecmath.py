"""Elementary functions that LLVM can vectorise inside numba loops: log, sincos and Box–Muller.

numba compiles ``math.log``, ``math.sin`` and ``math.cos`` to calls into the C library, and a loop that
calls a library function is not vectorised (numba's SVML path needs Intel's runtime, which quantforge
does not require).  The functions here are straight-line float arithmetic (bit manipulation, a
polynomial, selects), so a loop over a small block of paths that calls them becomes SIMD code.  They
are accurate to about 2 ulps, so normals built from them agree with the libm Box–Muller of
:mod:`quantforge.kernels.rng` to the last few ulps, as every backend does.

Notes
-----
``log x``: ``x = 2^e f`` with ``f`` in ``[sqrt(1/2), sqrt(2))``; ``ln f = 2 atanh(s)``,
``s = (f - 1) / (f + 1)``, ``|s| < 0.172``, by its Taylor series to ``s^23`` (truncation below
1e-19), and ``e ln 2`` in two parts (Cody & Waite 1980).  Inputs are positive normal numbers (the
uniforms of ``rng.u01`` are at least ``2^-53``).

``sin, cos t`` for ``t >= 0``: ``t = j pi/2 + y``, ``|y| <= pi/4``, with pi/2 in two parts, Taylor
polynomials to ``y^15`` and ``y^16`` (truncation below 1e-17), and the quadrant ``j mod 4`` applied
by selects.  Accurate for ``t`` up to a few hundred; Box–Muller needs ``t < 2 pi``.

References
----------
Cody, W. J. & Waite, W. (1980). Software Manual for the Elementary Functions. Prentice-Hall.
Box, G. E. P. & Muller, M. E. (1958). A note on the generation of random normal deviates. Ann. Math. Stat. 29(2).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

__all__ = ["log_vec", "sincos_vec", "sincos_xp", "box_muller_vec"]

_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_PIO2_HI = 1.57079632673412561417e00
_PIO2_LO = 6.07710050650619224932e-11
_TWO_OVER_PI = 2.0 / math.pi
_SQRT2 = math.sqrt(2.0)
_TWO_PI = 2.0 * math.pi
_MANTISSA = 0x000FFFFFFFFFFFFF
_ONE_BITS = 0x3FF0000000000000

_JIT = dict(cache=True, inline="always", error_model="numpy")


@intrinsic
def _f64_as_i64(typingctx, x):
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _i64_as_f64(typingctx, x):
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@njit(**_JIT)
def log_vec(x):
    """Natural logarithm of a positive normal float64, within about 2 ulps."""
    bits = _f64_as_i64(x)
    e = ((bits >> 52) & 0x7FF) - 1023
    f = _i64_as_f64((bits & _MANTISSA) | _ONE_BITS)
    big = f > _SQRT2
    f = f * 0.5 if big else f
    e = e + 1 if big else e
    s = (f - 1.0) / (f + 1.0)
    s2 = s * s
    p = 1.0 / 23.0
    p = p * s2 + 1.0 / 21.0
    p = p * s2 + 1.0 / 19.0
    p = p * s2 + 1.0 / 17.0
    p = p * s2 + 1.0 / 15.0
    p = p * s2 + 1.0 / 13.0
    p = p * s2 + 1.0 / 11.0
    p = p * s2 + 1.0 / 9.0
    p = p * s2 + 1.0 / 7.0
    p = p * s2 + 1.0 / 5.0
    p = p * s2 + 1.0 / 3.0
    fe = np.float64(e)
    return fe * _LN2_HI + (fe * _LN2_LO + (2.0 * s + 2.0 * s * s2 * p))


def _sincos_reduced_py(y):
    """``(sin y, cos y)`` for ``|y| <= pi/4`` by Taylor polynomials: plain arithmetic on numba scalars or arrays."""
    y2 = y * y
    s = -1.0 / 1307674368000.0
    s = s * y2 + 1.0 / 6227020800.0
    s = s * y2 - 1.0 / 39916800.0
    s = s * y2 + 1.0 / 362880.0
    s = s * y2 - 1.0 / 5040.0
    s = s * y2 + 1.0 / 120.0
    s = s * y2 - 1.0 / 6.0
    sn = y + y * y2 * s
    c = 1.0 / 20922789888000.0
    c = c * y2 - 1.0 / 87178291200.0
    c = c * y2 + 1.0 / 479001600.0
    c = c * y2 - 1.0 / 3628800.0
    c = c * y2 + 1.0 / 40320.0
    c = c * y2 - 1.0 / 720.0
    c = c * y2 + 1.0 / 24.0
    cs = 1.0 - 0.5 * y2 + y2 * y2 * c
    return sn, cs


_sincos_reduced = njit(**_JIT)(_sincos_reduced_py)


@njit(**_JIT)
def sincos_vec(t):
    """``(sin t, cos t)`` for ``0 <= t`` up to a few hundred, within about 2 ulps of the magnitude."""
    j = np.floor(t * _TWO_OVER_PI + 0.5)
    y = (t - j * _PIO2_HI) - j * _PIO2_LO
    sn, cs = _sincos_reduced(y)
    q = np.int64(j)
    swap = (q & 1) == 1
    sign_s = 1.0 - 2.0 * ((q >> 1) & 1)
    sign_c = 1.0 - 2.0 * (((q + 1) >> 1) & 1)
    return sign_s * (cs if swap else sn), sign_c * (sn if swap else cs)


def sincos_xp(xp, t):
    """:func:`sincos_vec` on arrays of an array namespace ``xp`` (numpy, jax.numpy): the same operations."""
    j = xp.floor(t * _TWO_OVER_PI + 0.5)
    y = (t - j * _PIO2_HI) - j * _PIO2_LO
    sn, cs = _sincos_reduced_py(y)
    q = j.astype(xp.int64)
    swap = (q & 1) == 1
    sign_s = 1.0 - 2.0 * ((q >> 1) & 1)
    sign_c = 1.0 - 2.0 * (((q + 1) >> 1) & 1)
    return sign_s * xp.where(swap, cs, sn), sign_c * xp.where(swap, sn, cs)


@njit(**_JIT)
def box_muller_vec(u1, u2):
    """The Box–Muller pair ``(r cos theta, r sin theta)``, ``r = sqrt(-2 ln u1)``, ``theta = 2 pi u2``."""
    r = math.sqrt(-2.0 * log_vec(u1))
    s, c = sincos_vec(_TWO_PI * u2)
    return r * c, r * s
