"""The scalar core of Philox4x32-10: constants and per-draw functions, written once in plain Python.

The CPU fast path compiles these with :func:`quantforge.kernels.jit.jit`; the GPU fast path compiles
the same source with :func:`quantforge.kernels.jit.compile_for_cuda`, rebinding ``philox10`` and
``u01`` (which :func:`poisson_scalar` calls by global name) to their device versions.  Other kernel
families' scalar cores call :data:`philox10`, :data:`u01` and :data:`box_muller` the same way.

Words travel as uint64 holding 32-bit values, so ``mulhilo`` is one exact 64-bit product.
"""

from __future__ import annotations

import enum
import math

import numpy as np

from ..jit import jit

__all__ = [
    "PHILOX_M0",
    "PHILOX_M1",
    "PHILOX_W0",
    "PHILOX_W1",
    "MAX_U32",
    "TWO_M53",
    "TWO_PI",
    "POISSON_INVERSION_MAX",
    "POISSON_MAX_ATTEMPTS",
    "LAM_MAX",
    "DrawKind",
    "philox_rounds_scalar",
    "philox10_scalar",
    "u01_scalar",
    "box_muller_scalar",
    "poisson_scalar",
    "philox_rounds",
    "philox10",
    "u01",
    "box_muller",
    "poisson_one",
]

PHILOX_M0 = 0xD2511F53
PHILOX_M1 = 0xCD9E8D57
PHILOX_W0 = 0x9E3779B9
PHILOX_W1 = 0xBB67AE85
MAX_U32 = 0xFFFFFFFF
TWO_M53 = 2.0**-53
TWO_PI = 2.0 * math.pi
POISSON_INVERSION_MAX = 10.0  # inversion below, PTRS rejection from here on
POISSON_MAX_ATTEMPTS = 64  # PTRS attempts before giving up (probability < 1e-60)
LAM_MAX = 1.0e9


class DrawKind(enum.IntEnum):
    """Codes of the distributions the fill kernels produce (Numba and numba.cuda read IntEnum members)."""

    UNIFORM = 0
    NORMAL = 1
    EXPONENTIAL = 2


# numba sees module globals as typed constants: keep every word constant a uint64 so that no
# mixed signed/unsigned arithmetic (which numba types as float64) creeps into the rounds.
_M0 = np.uint64(PHILOX_M0)
_M1 = np.uint64(PHILOX_M1)
_W0 = np.uint64(PHILOX_W0)
_W1 = np.uint64(PHILOX_W1)
_MASK = np.uint64(MAX_U32)
_S32 = np.uint64(32)
_S26 = np.uint64(26)
_S6 = np.uint64(6)
_ONE = np.uint64(1)
_TWO = np.uint64(2)


def philox_rounds_scalar(c0, c1, c2, c3, k0, k1, rounds):
    """``rounds`` Philox4x32 rounds of the counter ``(c0..c3)`` under the key ``(k0, k1)``."""
    for r in range(rounds):
        if r > 0:
            k0 = (k0 + _W0) & _MASK
            k1 = (k1 + _W1) & _MASK
        p0 = _M0 * c0
        p1 = _M1 * c2
        n0 = (p1 >> _S32) ^ c1 ^ k0
        n2 = (p0 >> _S32) ^ c3 ^ k1
        c0 = n0
        c1 = p1 & _MASK
        c2 = n2
        c3 = p0 & _MASK
    return c0, c1, c2, c3


def philox10_scalar(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 (``philox_rounds`` is resolved from the globals of the compiling target)."""
    return philox_rounds(c0, c1, c2, c3, k0, k1, 10)


def u01_scalar(w_hi, w_lo):
    """The uniform ``(2m + 1) 2^-53`` of 52 bits of two words: exact, strictly inside (0, 1)."""
    m = ((w_hi >> _S6) << _S26) | (w_lo >> _S6)
    return np.float64(m * _TWO + _ONE) * TWO_M53


def box_muller_scalar(u1, u2):
    """The Box–Muller pair (r cos θ, r sin θ) of two uniforms in (0, 1)."""
    r = math.sqrt(-2.0 * math.log(u1))
    t = TWO_PI * u2
    return r * math.cos(t), r * math.sin(t)


def poisson_scalar(lam, block, path, stream, k0, k1):
    """One Poisson(lam) variate addressed by (block, path, stream); -1 if PTRS ran out of attempts.

    ``philox10`` and ``u01`` are resolved from the globals when a target compiles this function:
    the CPU versions below, the device versions in :mod:`.cuda`.
    """
    if lam <= 0.0:
        return 0
    if lam < POISSON_INVERSION_MAX:
        w0, w1, w2, w3 = philox10(block, np.uint64(0), path, stream, k0, k1)
        u = u01(w0, w1)
        k = 0
        p = math.exp(-lam)
        cdf = p
        while u > cdf and k < 1000:
            k += 1
            p *= lam / k
            cdf += p
            if p == 0.0:
                break
        return k
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    for attempt in range(POISSON_MAX_ATTEMPTS):
        w0, w1, w2, w3 = philox10(block, np.uint64(attempt), path, stream, k0, k1)
        U = u01(w0, w1) - 0.5
        V = u01(w2, w3)
        us = 0.5 - abs(U)
        k = math.floor((2.0 * a / us + b) * U + lam + 0.43)
        if us >= 0.07 and V <= vr:
            return np.int64(k)
        if k < 0.0 or (us < 0.013 and V > us):
            continue
        if math.log(V) + math.log(inv_alpha) - math.log(a / (us * us) + b) <= -lam + k * loglam - math.lgamma(k + 1.0):
            return np.int64(k)
    return -1


# CPU builds of the scalar core, for every numba kernel of the package.
philox_rounds = jit(inline=True)(philox_rounds_scalar)
philox10 = jit(inline=True)(philox10_scalar)
u01 = jit(inline=True)(u01_scalar)
box_muller = jit(inline=True)(box_muller_scalar)
poisson_one = jit(poisson_scalar)
