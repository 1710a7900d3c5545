"""The reference Philox stream, written once against an array namespace ``xp`` (array API standard).

Every function takes the namespace first and uses only the standard's operations (``xp.astype``,
``xp.reshape``, ``xp.stack``, integer and bitwise arithmetic on uint64), so the same code runs on
numpy, on cupy, on jax.numpy (under float64/uint64, see ``Backend.x64``) and under
``array_api_strict`` in the tests.  It draws exactly the numbers of the scalar core (:mod:`.core`).
"""

from __future__ import annotations

from typing import Any

from ..backend import to_host
from .core import (
    MAX_U32,
    PHILOX_M0,
    PHILOX_M1,
    PHILOX_W0,
    PHILOX_W1,
    POISSON_INVERSION_MAX,
    POISSON_MAX_ATTEMPTS,
    TWO_M53,
    TWO_PI,
    DrawKind,
)

__all__ = ["philox_xp", "u01_xp", "block_words_xp", "pairs_xp", "poisson_xp"]


def philox_xp(xp: Any, c0, c1, c2, c3, k0, k1, rounds: int):
    """Philox4x32-R of uint64 arrays holding 32-bit words (counter ``c0..c3``, key ``k0, k1``)."""
    mask = MAX_U32
    for r in range(rounds):
        if r > 0:
            k0 = (k0 + PHILOX_W0) & mask
            k1 = (k1 + PHILOX_W1) & mask
        p0 = c0 * PHILOX_M0
        p1 = c2 * PHILOX_M1
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & mask, (p0 >> 32) ^ c3 ^ k1, p0 & mask
    return c0, c1, c2, c3


def u01_xp(xp: Any, w_hi, w_lo):
    """Uniforms ``(2m + 1) 2^-53`` from two word arrays, as in :func:`.core.u01_scalar`."""
    m = ((w_hi >> 6) << 26) | (w_lo >> 6)
    return xp.astype(m * 2 + 1, xp.float64) * TWO_M53


def block_words_xp(
    xp: Any, n_paths: int, n_blocks: int, path0: int, block0: int, sub: int, stream: int, k0: int, k1: int
):
    """Words of blocks [block0, block0 + n_blocks) of paths [path0, path0 + n_paths): 4 arrays (P, B).

    The offsets, stream and key are Python ints or uint64 scalars of the namespace (jax traces them).
    """
    u64 = xp.uint64
    p = xp.reshape(xp.arange(n_paths, dtype=u64) + path0, (n_paths, 1))
    b = xp.reshape(xp.arange(n_blocks, dtype=u64) + block0, (1, n_blocks))
    zero = xp.zeros((n_paths, n_blocks), dtype=u64)
    c0 = zero + b
    c2 = zero + p
    c1 = zero + sub
    c3 = zero + stream
    key0 = xp.asarray(k0, dtype=u64)
    key1 = xp.asarray(k1, dtype=u64)
    return philox_xp(xp, c0, c1, c2, c3, key0, key1, 10)


def pairs_xp(
    xp: Any, kind: int, n_paths: int, n_draws: int, path0: int, block0: int, parity: int, stream: int, k0: int, k1: int
):
    """Draws ``[2 block0 + parity, ... + n_draws)`` of a :class:`.core.DrawKind`, shape (n_paths, n_draws)."""
    n_blocks = (parity + n_draws + 1) // 2
    w0, w1, w2, w3 = block_words_xp(xp, n_paths, n_blocks, path0, block0, 0, stream, k0, k1)
    ua = u01_xp(xp, w0, w1)
    ub = u01_xp(xp, w2, w3)
    if kind == DrawKind.NORMAL:
        r = xp.sqrt(-2.0 * xp.log(ua))
        t = TWO_PI * ub
        ua, ub = r * xp.cos(t), r * xp.sin(t)
    elif kind == DrawKind.EXPONENTIAL:
        ua, ub = -xp.log(ua), -xp.log(ub)
    both = xp.reshape(xp.stack([ua, ub], axis=-1), (n_paths, 2 * n_blocks))
    return both[:, parity : parity + n_draws]


def poisson_xp(xp: Any, lam, n_paths: int, n_draws: int, path0: int, d0: int, stream: int, k0: int, k1: int):
    """Vectorised inversion (lam < 10) and PTRS (lam >= 10), the same draws as the scalar core.

    ``lam`` is an (n_paths, n_draws) float64 array of the namespace; returns int64 counts, -1 where
    PTRS ran out of attempts.  ``lgamma`` of the rejection test is evaluated on the host (scipy).
    """
    from scipy.special import gammaln

    f64, i64 = xp.float64, xp.int64
    w0, w1, _, _ = block_words_xp(xp, n_paths, n_draws, path0, d0, 0, stream, k0, k1)
    u = u01_xp(xp, w0, w1)
    small = lam < POISSON_INVERSION_MAX
    zero = xp.zeros_like(lam)
    lam_s = xp.where(small, lam, zero)
    k = xp.zeros((n_paths, n_draws), dtype=i64)
    p = xp.exp(-lam_s)
    cdf = p
    active = small & (lam > 0) & (u > cdf)
    step = 0
    while bool(xp.any(active)) and step < 1000:
        step += 1
        k = k + xp.astype(active, i64)
        p = xp.where(active, p * lam_s / step, p)
        cdf = xp.where(active, cdf + p, cdf)
        active = active & (u > cdf) & (p != 0.0)
    big = ~small
    if bool(xp.any(big)):
        lam_b = xp.where(big, lam, zero + POISSON_INVERSION_MAX)
        slam = xp.sqrt(lam_b)
        loglam = xp.log(lam_b)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2.0)
        pending = big
        kb = xp.full((n_paths, n_draws), -1, dtype=i64)
        for attempt in range(POISSON_MAX_ATTEMPTS):
            if not bool(xp.any(pending)):
                break
            v0, v1, v2, v3 = block_words_xp(xp, n_paths, n_draws, path0, d0, attempt, stream, k0, k1)
            U = u01_xp(xp, v0, v1) - 0.5
            V = u01_xp(xp, v2, v3)
            us = 0.5 - xp.abs(U)
            kf = xp.floor((2.0 * a / us + b) * U + lam_b + 0.43)
            quick = (us >= 0.07) & (V <= vr)
            reject = (kf < 0.0) | ((us < 0.013) & (V > us))
            kpos = xp.where(kf < 0.0, zero, kf)
            lg = xp.asarray(gammaln(to_host(kpos + 1.0)), dtype=f64)
            slow = xp.log(V) + xp.log(inv_alpha) - xp.log(a / (us * us) + b) <= -lam_b + kpos * loglam - lg
            accept = pending & (quick | (~reject & slow))
            kb = xp.where(accept, xp.astype(kf, i64), kb)
            pending = pending & ~accept
        k = xp.where(big, kb, k)
    return k
