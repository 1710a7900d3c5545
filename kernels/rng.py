"""Philox4x32-10, the one random stream of quantforge, and the distributions built on it.

Philox4x32-R (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers: as easy as 1, 2, 3", SC'11)
is a counter-based generator: a 128-bit counter and a 64-bit key go through R rounds of
``(hi, lo) = mulhilo(M, c)`` mixing with a Weyl-sequence key schedule, and out come four 32-bit
words.  The output is a pure function of (counter, key): there is no state to carry, so any path,
step or chunk can be generated independently and in any order, on any backend, with the same result.

Addressing
----------
A stream is ``Philox(seed, stream)``.  The key is the 64-bit seed ``(seed & 0xFFFFFFFF, seed >> 32)``;
the counter of block ``b`` of path ``p`` is ``(b, sub, p, stream)``, where ``sub`` is 0 except for the
rejection attempts of the Poisson sampler.  Draws are laid out along a path:

* uniform ``d``     : block ``d // 2``, words (0, 1) if ``d`` is even, (2, 3) if odd;
* normal ``d``      : the Box–Muller pair of block ``d // 2``; cosine branch if even, sine if odd;
* exponential ``d`` : ``-log`` of uniform ``d``;
* Poisson ``d``     : block ``d`` (attempt ``a`` of the rejection sampler uses ``sub = a``).

The same (path, draw) of different distributions share words; use separate streams (or disjoint
draw ranges) for variates that must be independent.  Limits: paths, streams and blocks are 32-bit.

Uniforms take 52 random bits, ``m = (w_hi >> 6) << 26 | (w_lo >> 6)``, and return ``(2m + 1) 2^-53``:
exactly representable, strictly inside (0, 1), bit-identical on every backend.  Normals use
Box–Muller (``r = sqrt(-2 ln u1)``, ``theta = 2 pi u2``) and agree across backends to the last few ulps
(the libm of each backend differs).  Poisson counts use inversion for ``lam < 10`` and Hörmann's
PTRS transformed rejection (Insurance Math. Econom. 12, 1993) above.

Backends: ``numpy`` (the reference, written once against an array namespace and also run by ``jax``
under ``jax.enable_x64``), ``numba`` (parallel over paths, no allocation per draw) and ``cupy``
(a ``numba.cuda`` kernel sharing the scalar core below; see ``rng_cuda``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit, prange

from ..errors import InvalidParameters, NumericalError, check_array, check_int
from .backend import require, resolve_backend
from .vecmath import box_muller_vec

__all__ = ["philox4x32", "Philox", "PHILOX_M0", "PHILOX_M1", "PHILOX_W0", "PHILOX_W1"]

PHILOX_M0 = 0xD2511F53
PHILOX_M1 = 0xCD9E8D57
PHILOX_W0 = 0x9E3779B9
PHILOX_W1 = 0xBB67AE85
_MAX_U32 = 0xFFFFFFFF
_POISSON_INVERSION_MAX = 10.0
_POISSON_MAX_ATTEMPTS = 64
_LAM_MAX = 1.0e9

# numba sees module globals as typed constants: keep every word constant a uint64 so that no
# mixed signed/unsigned arithmetic (which numba types as float64) creeps into the rounds.
_M0 = np.uint64(PHILOX_M0)
_M1 = np.uint64(PHILOX_M1)
_W0 = np.uint64(PHILOX_W0)
_W1 = np.uint64(PHILOX_W1)
_MASK = np.uint64(_MAX_U32)
_S32 = np.uint64(32)
_S26 = np.uint64(26)
_S6 = np.uint64(6)
_ONE = np.uint64(1)
_TWO = np.uint64(2)
_TWO_M53 = 2.0**-53
_TWO_PI = 2.0 * math.pi


# ---------------------------------------------------------------------------------------------
# Scalar core: plain Python, compiled by numba for the CPU here and by numba.cuda in rng_cuda.
# Words travel as uint64 holding 32-bit values, so mulhilo is one exact 64-bit product.
# ---------------------------------------------------------------------------------------------
def _philox_rounds_scalar(c0, c1, c2, c3, k0, k1, rounds):
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


def _philox10_scalar(c0, c1, c2, c3, k0, k1):
    return _philox_rounds(c0, c1, c2, c3, k0, k1, 10)


def _u01_scalar(w_hi, w_lo):
    m = ((w_hi >> _S6) << _S26) | (w_lo >> _S6)
    return np.float64(m * _TWO + _ONE) * _TWO_M53


def _poisson_scalar(lam, block, path, stream, k0, k1):
    """One Poisson(lam) variate addressed by (block, path, stream); -1 if PTRS ran out of attempts.

    ``philox10`` and ``u01`` are resolved from the globals when a target compiles this function:
    the CPU versions below, the device versions in ``rng_cuda``.
    """
    if lam <= 0.0:
        return 0
    if lam < _POISSON_INVERSION_MAX:
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
    for attempt in range(_POISSON_MAX_ATTEMPTS):
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


_philox_rounds = njit(cache=True, inline="always")(_philox_rounds_scalar)
philox10 = njit(cache=True, inline="always")(_philox10_scalar)
u01 = njit(cache=True, inline="always")(_u01_scalar)
_poisson_one = njit(cache=True)(_poisson_scalar)


@njit(cache=True, inline="always")
def box_muller(u1, u2):
    """The Box–Muller pair (r cos θ, r sin θ) of two uniforms in (0, 1)."""
    r = math.sqrt(-2.0 * math.log(u1))
    t = _TWO_PI * u2
    return r * math.cos(t), r * math.sin(t)


# ---------------------------------------------------------------------------------------------
# numba fast paths: parallel over paths, writing straight into the preallocated output.
# ---------------------------------------------------------------------------------------------
@njit(cache=True, parallel=True)
def _words_numba(counters, k0, k1, rounds, out):
    n = counters.shape[0]
    for i in prange(n):
        c0, c1, c2, c3 = _philox_rounds(np.uint64(counters[i, 0]), np.uint64(counters[i, 1]),
                                        np.uint64(counters[i, 2]), np.uint64(counters[i, 3]),
                                        np.uint64(k0[i]), np.uint64(k1[i]), rounds)
        out[i, 0] = np.uint32(c0)
        out[i, 1] = np.uint32(c1)
        out[i, 2] = np.uint32(c2)
        out[i, 3] = np.uint32(c3)


@njit(cache=True, parallel=True)
def _fill_numba(kind, k0, k1, stream, path0, d0, out):
    """kind 0 = uniform, 1 = normal, 2 = exponential; out has shape (n_paths, n_draws)."""
    n_paths, n = out.shape
    s = np.uint64(stream)
    for i in prange(n_paths):
        p = np.uint64(path0 + i)
        j = 0
        d = d0
        while j < n:
            w0, w1, w2, w3 = philox10(np.uint64(d // 2), np.uint64(0), p, s, k0, k1)
            first = d % 2 == 0
            if kind == 1:
                z0, z1 = box_muller(u01(w0, w1), u01(w2, w3))
                if first:
                    out[i, j] = z0
                    if j + 1 < n:
                        out[i, j + 1] = z1
                    j += 2
                    d += 2
                else:
                    out[i, j] = z1
                    j += 1
                    d += 1
            else:
                ua = u01(w0, w1)
                ub = u01(w2, w3)
                if kind == 2:
                    ua = -math.log(ua)
                    ub = -math.log(ub)
                if first:
                    out[i, j] = ua
                    if j + 1 < n:
                        out[i, j + 1] = ub
                    j += 2
                    d += 2
                else:
                    out[i, j] = ub
                    j += 1
                    d += 1


_LANES = 16  # Philox blocks per SIMD batch in the normal fill
_PATHS_PER_TASK = 64  # paths per parallel task: the scratch arrays are allocated once per task


@njit(cache=True, parallel=True)
def _normals_numba(k0, k1, stream, path0, d0, out):
    """Normals into ``out`` (n_paths, n_draws): the Philox words and the Box–Muller pairs of 16
    consecutive blocks of a path are computed in branch-free loops over the blocks, which LLVM turns
    into SIMD code (with :func:`vecmath.box_muller_vec`), then scattered to draws ``2b, 2b + 1``."""
    n_paths, n = out.shape
    if n == 0:
        return
    s = np.uint64(stream)
    b0 = d0 // 2
    n_blocks = (d0 + n - 1) // 2 - b0 + 1
    for task in prange((n_paths + _PATHS_PER_TASK - 1) // _PATHS_PER_TASK):
        u1 = np.empty(_LANES)
        u2 = np.empty(_LANES)
        z = np.empty((2, _LANES))
        for i in range(task * _PATHS_PER_TASK, min(n_paths, (task + 1) * _PATHS_PER_TASK)):
            p = np.uint64(path0 + i)
            for g in range(0, n_blocks, _LANES):
                for ll in range(_LANES):
                    w0, w1, w2, w3 = philox10(np.uint64(b0 + g + ll), np.uint64(0), p, s, k0, k1)
                    u1[ll] = u01(w0, w1)
                    u2[ll] = u01(w2, w3)
                for ll in range(_LANES):
                    z[0, ll], z[1, ll] = box_muller_vec(u1[ll], u2[ll])
                for ll in range(min(_LANES, n_blocks - g)):
                    j = 2 * (b0 + g + ll) - d0  # column of draw 2b; draw 2b + 1 is the next one
                    if j >= 0:
                        out[i, j] = z[0, ll]
                    if j + 1 < n:
                        out[i, j + 1] = z[1, ll]


@njit(cache=True, parallel=True)
def _poisson_numba(lam, k0, k1, stream, path0, d0, out):
    n_paths, n = out.shape
    s = np.uint64(stream)
    for i in prange(n_paths):
        p = np.uint64(path0 + i)
        for j in range(n):
            out[i, j] = _poisson_one(lam[i, j], np.uint64(d0 + j), p, s, k0, k1)


# ---------------------------------------------------------------------------------------------
# Reference: one implementation against an array namespace ``xp`` (numpy, or jax.numpy under x64).
# ---------------------------------------------------------------------------------------------
def _philox_xp(xp, c0, c1, c2, c3, k0, k1, rounds):
    mask = _MAX_U32
    for r in range(rounds):
        if r > 0:
            k0 = (k0 + PHILOX_W0) & mask
            k1 = (k1 + PHILOX_W1) & mask
        p0 = c0 * PHILOX_M0
        p1 = c2 * PHILOX_M1
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & mask, (p0 >> 32) ^ c3 ^ k1, p0 & mask
    return c0, c1, c2, c3


def _u01_xp(xp, w_hi, w_lo):
    m = ((w_hi >> 6) << 26) | (w_lo >> 6)
    return (m * 2 + 1).astype(xp.float64) * _TWO_M53


def _block_words_xp(xp, n_paths, n_blocks, path0, block0, sub, stream, k0, k1):
    """Words of blocks [block0, block0 + n_blocks) of paths [path0, path0 + n_paths): 4 arrays (P, B)."""
    u64 = xp.uint64
    p = (xp.arange(n_paths, dtype=u64) + path0)[:, None]
    b = (xp.arange(n_blocks, dtype=u64) + block0)[None, :]
    zero = xp.zeros((n_paths, n_blocks), dtype=u64)
    c0 = zero + b
    c2 = zero + p
    c1 = zero + sub
    c3 = zero + stream
    return _philox_xp(xp, c0, c1, c2, c3, u64(k0), u64(k1), 10)


def _pairs_xp(xp, kind, n_paths, n_draws, path0, block0, parity, stream, k0, k1):
    n_blocks = (parity + n_draws + 1) // 2
    w0, w1, w2, w3 = _block_words_xp(xp, n_paths, n_blocks, path0, block0, 0, stream, k0, k1)
    ua = _u01_xp(xp, w0, w1)
    ub = _u01_xp(xp, w2, w3)
    if kind == 1:
        r = xp.sqrt(-2.0 * xp.log(ua))
        t = _TWO_PI * ub
        ua, ub = r * xp.cos(t), r * xp.sin(t)
    elif kind == 2:
        ua, ub = -xp.log(ua), -xp.log(ub)
    both = xp.stack([ua, ub], axis=-1).reshape(n_paths, 2 * n_blocks)
    return both[:, parity : parity + n_draws]


def _poisson_xp(xp, lam, n_paths, n_draws, path0, d0, stream, k0, k1):
    """Vectorised inversion (lam < 10) and PTRS (lam >= 10), same draws as the scalar core."""
    f64 = xp.float64
    lam = xp.broadcast_to(xp.asarray(lam, dtype=f64), (n_paths, n_draws))
    w0, w1, _, _ = _block_words_xp(xp, n_paths, n_draws, path0, d0, 0, stream, k0, k1)
    u = _u01_xp(xp, w0, w1)
    small = lam < _POISSON_INVERSION_MAX
    lam_s = xp.where(small, lam, 0.0)
    k = xp.zeros((n_paths, n_draws), dtype=xp.int64)
    p = xp.exp(-lam_s)
    cdf = p
    active = small & (lam > 0) & (u > cdf)
    step = 0
    while bool(xp.any(active)) and step < 1000:
        step += 1
        k = k + active.astype(xp.int64)
        p = xp.where(active, p * lam_s / step, p)
        cdf = xp.where(active, cdf + p, cdf)
        active = active & (u > cdf) & (p != 0.0)
    big = ~small
    if bool(xp.any(big)):
        lam_b = xp.where(big, lam, _POISSON_INVERSION_MAX)
        slam = xp.sqrt(lam_b)
        loglam = xp.log(lam_b)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2.0)
        pending = big
        kb = xp.full((n_paths, n_draws), -1, dtype=xp.int64)
        from scipy.special import gammaln  # lgamma on the host arrays of the reference

        for attempt in range(_POISSON_MAX_ATTEMPTS):
            if not bool(xp.any(pending)):
                break
            v0, v1, v2, v3 = _block_words_xp(xp, n_paths, n_draws, path0, d0, attempt, stream, k0, k1)
            U = _u01_xp(xp, v0, v1) - 0.5
            V = _u01_xp(xp, v2, v3)
            us = 0.5 - xp.abs(U)
            kf = xp.floor((2.0 * a / us + b) * U + lam_b + 0.43)
            quick = (us >= 0.07) & (V <= vr)
            reject = (kf < 0.0) | ((us < 0.013) & (V > us))
            kpos = xp.where(kf < 0.0, 0.0, kf)
            lg = xp.asarray(gammaln(np.asarray(kpos + 1.0)))
            slow = xp.log(V) + xp.log(inv_alpha) - xp.log(a / (us * us) + b) <= -lam_b + kpos * loglam - lg
            accept = pending & (quick | (~reject & slow))
            kb = xp.where(accept, kf.astype(xp.int64), kb)
            pending = pending & ~accept
        k = xp.where(big, kb, k)
    return k


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------
def _to_host(x: Any) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "copy_to_host"):  # numba.cuda device array (also under the CUDA simulator)
        return x.copy_to_host()
    if hasattr(x, "get"):  # cupy
        return x.get()
    return np.asarray(x)


def philox4x32(counter: np.ndarray, key: np.ndarray, rounds: int = 10, backend: str | None = None, *, to_host: bool = True):
    """Philox4x32-R block function: 32-bit words out for counters and keys in.

    Parameters
    ----------
    counter : uint32 array, shape (..., 4)
        Counters, word 0 first (Random123's ``ctr.v[0]``).
    key : uint32 array, shape (..., 2)
        Keys; broadcast against ``counter``'s leading dimensions.
    rounds : int, default 10
        Number of rounds, 1 to 16 (Philox4x32-10 is the standard, crush-resistant choice).
    backend : str, optional
        ``numpy``, ``numba``, ``jax``, ``cupy`` or ``auto``.

    Returns
    -------
    uint32 array of shape (broadcast leading dims..., 4)

    Raises
    ------
    TypeError
        If ``counter`` or ``key`` is not a uint32 numpy array (no silent casting).
    InvalidParameters
        For a wrong last dimension, incompatible leading shapes or ``rounds`` out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from quantforge.kernels.rng import philox4x32
    >>> [hex(w) for w in philox4x32(np.zeros(4, np.uint32), np.zeros(2, np.uint32), backend="numpy")]
    ['0x6627e8d5', '0xe169c58d', '0xbc57ac4c', '0x9b00dbd8']
    """
    counter = check_array("counter", counter, dtype=np.uint32, last_dim=4)
    key = check_array("key", key, dtype=np.uint32, last_dim=2)
    rounds = check_int("rounds", rounds, minimum=1, maximum=16)
    name = resolve_backend(backend)
    try:
        lead = np.broadcast_shapes(counter.shape[:-1], key.shape[:-1])
    except ValueError:
        raise InvalidParameters(
            f"counter shape {counter.shape} and key shape {key.shape} have incompatible leading dimensions"
        ) from None
    ctr = np.ascontiguousarray(np.broadcast_to(counter, lead + (4,))).reshape(-1, 4)
    k = np.ascontiguousarray(np.broadcast_to(key, lead + (2,))).reshape(-1, 2)
    if name == "numba":
        out = np.empty((ctr.shape[0], 4), dtype=np.uint32)
        _words_numba(ctr, np.ascontiguousarray(k[:, 0]), np.ascontiguousarray(k[:, 1]), rounds, out)
        return out.reshape(lead + (4,))
    if name == "cupy":
        from . import rng_cuda

        out = rng_cuda.philox_words(ctr, k, rounds, to_host=to_host)
        return out.reshape(lead + (4,))
    xp, ctx = _namespace(name)
    with ctx():
        c = [xp.asarray(ctr[:, i].astype(np.uint64)) for i in range(4)]
        k0 = xp.asarray(k[:, 0].astype(np.uint64))
        k1 = xp.asarray(k[:, 1].astype(np.uint64))
        words = _philox_xp(xp, *c, k0, k1, rounds)
        out = xp.stack(words, axis=-1).astype(xp.uint32)
    out = _to_host(out) if to_host else out
    return out.reshape(lead + (4,))


def _namespace(name: str):
    """(array namespace, context manager) for the xp-reference backends."""
    if name == "jax":
        jax = require("jax", purpose="backend 'jax'")
        import jax.numpy as jnp

        return jnp, functools.partial(jax.enable_x64, True)
    import contextlib

    return np, contextlib.nullcontext


@functools.lru_cache(maxsize=None)
def _jax_pairs(kind: int, n_paths: int, n_draws: int, parity: int):
    import jax
    import jax.numpy as jnp

    def f(path0, block0, stream, k0, k1):
        return _pairs_xp(jnp, kind, n_paths, n_draws, path0, block0, parity, stream, k0, k1)

    return jax.jit(f)


_KINDS = {"uniform": 0, "normal": 1, "exponential": 2}


@dataclass(frozen=True)
class Philox:
    """A Philox4x32-10 random stream keyed by ``(seed, stream)``; draws addressed by (path, draw).

    Parameters
    ----------
    seed : int
        0 <= seed < 2**64; the Philox key.
    stream : int, default 0
        0 <= stream < 2**32; the last counter word.  Different streams of one seed are independent.

    Notes
    -----
    Every method returns an array of shape ``(n_paths, n_draws)`` for paths
    ``[path_offset, path_offset + n_paths)`` and draws ``[draw_offset, draw_offset + n_draws)``.
    The values depend only on (seed, stream, path, draw): generating the paths in one call, in chunks,
    or on another backend or thread count gives the same numbers.

    Examples
    --------
    >>> from quantforge.kernels.rng import Philox
    >>> g = Philox(seed=7)
    >>> a = g.normals(4, 6, backend="numpy")
    >>> bool((a[:, 2:5] == g.normals(4, 3, draw_offset=2, backend="numpy")).all())
    True
    """

    seed: int
    stream: int = 0

    def __post_init__(self):
        check_int("seed", self.seed, minimum=0, maximum=2**64 - 1)
        check_int("stream", self.stream, minimum=0, maximum=_MAX_U32)

    @property
    def key(self) -> tuple[int, int]:
        """The two key words ``(seed & 0xFFFFFFFF, seed >> 32)``."""
        return int(self.seed) & _MAX_U32, (int(self.seed) >> 32) & _MAX_U32

    def _check(self, n_paths, n_draws, path_offset, draw_offset, draws_per_block):
        n_paths = check_int("n_paths", n_paths, minimum=0)
        n_draws = check_int("n_draws", n_draws, minimum=0)
        path_offset = check_int("path_offset", path_offset, minimum=0)
        draw_offset = check_int("draw_offset", draw_offset, minimum=0)
        if path_offset + n_paths > _MAX_U32 + 1:
            raise InvalidParameters(f"path_offset + n_paths must be <= 2**32, got {path_offset + n_paths}")
        if (draw_offset + n_draws) > (_MAX_U32 + 1) * draws_per_block:
            raise InvalidParameters(f"draw_offset + n_draws must be <= {(_MAX_U32 + 1) * draws_per_block}")
        return n_paths, n_draws, path_offset, draw_offset

    def _draw(self, kind, n_paths, n_draws, path_offset, draw_offset, backend, to_host):
        n_paths, n_draws, path_offset, draw_offset = self._check(n_paths, n_draws, path_offset, draw_offset, 2)
        name = resolve_backend(backend)
        k0, k1 = self.key
        code = _KINDS[kind]
        if name == "numba":
            out = np.empty((n_paths, n_draws), dtype=np.float64)
            if code == 1:
                _normals_numba(np.uint64(k0), np.uint64(k1), self.stream, path_offset, draw_offset, out)
            else:
                _fill_numba(code, np.uint64(k0), np.uint64(k1), self.stream, path_offset, draw_offset, out)
            return out
        if name == "cupy":
            from . import rng_cuda

            return rng_cuda.fill(code, k0, k1, self.stream, n_paths, n_draws, path_offset, draw_offset, to_host=to_host)
        parity, block0 = draw_offset % 2, draw_offset // 2
        if name == "jax":
            import jax

            with jax.enable_x64(True):
                u64 = np.uint64
                out = _jax_pairs(code, n_paths, n_draws, parity)(u64(path_offset), u64(block0), u64(self.stream), u64(k0), u64(k1))
                return _to_host(out) if to_host else out
        return _pairs_xp(np, code, n_paths, n_draws, path_offset, block0, parity, self.stream, k0, k1)

    def uniforms(self, n_paths: int, n_draws: int, *, path_offset: int = 0, draw_offset: int = 0,
                 backend: str | None = None, to_host: bool = True):
        """Uniform variates in the open interval (0, 1), float64, shape (n_paths, n_draws)."""
        return self._draw("uniform", n_paths, n_draws, path_offset, draw_offset, backend, to_host)

    def normals(self, n_paths: int, n_draws: int, *, path_offset: int = 0, draw_offset: int = 0,
                backend: str | None = None, to_host: bool = True):
        """Standard normal variates (Box–Muller), float64, shape (n_paths, n_draws)."""
        return self._draw("normal", n_paths, n_draws, path_offset, draw_offset, backend, to_host)

    def exponentials(self, n_paths: int, n_draws: int, *, path_offset: int = 0, draw_offset: int = 0,
                     backend: str | None = None, to_host: bool = True):
        """Exponential(1) variates ``-log(u)``, float64, shape (n_paths, n_draws)."""
        return self._draw("exponential", n_paths, n_draws, path_offset, draw_offset, backend, to_host)

    def poisson(self, lam, n_paths: int, n_draws: int, *, path_offset: int = 0, draw_offset: int = 0,
                backend: str | None = None, to_host: bool = True) -> np.ndarray:
        """Poisson(lam) counts, int64, shape (n_paths, n_draws).

        ``lam`` is a non-negative finite scalar or an array broadcastable to (n_paths, n_draws),
        at most 1e9.  Inversion below 10, PTRS transformed rejection from 10 on.
        """
        n_paths, n_draws, path_offset, draw_offset = self._check(n_paths, n_draws, path_offset, draw_offset, 1)
        lam_arr = check_array("lam", lam, dtype=np.float64, cast=True)
        if lam_arr.size and (not np.all(np.isfinite(lam_arr)) or lam_arr.min() < 0 or lam_arr.max() > _LAM_MAX):
            bad = lam_arr[~(np.isfinite(lam_arr) & (lam_arr >= 0) & (lam_arr <= _LAM_MAX))].ravel()[0]
            raise InvalidParameters(f"lam must be finite and in [0, {_LAM_MAX:g}], got {bad!r}")
        try:
            lam_b = np.ascontiguousarray(np.broadcast_to(lam_arr, (n_paths, n_draws)))
        except ValueError:
            raise InvalidParameters(f"lam of shape {lam_arr.shape} does not broadcast to ({n_paths}, {n_draws})") from None
        name = resolve_backend(backend)
        k0, k1 = self.key
        if name == "numba":
            out = np.empty((n_paths, n_draws), dtype=np.int64)
            _poisson_numba(lam_b, np.uint64(k0), np.uint64(k1), self.stream, path_offset, draw_offset, out)
        elif name == "cupy":
            from . import rng_cuda

            out = rng_cuda.poisson(lam_b, k0, k1, self.stream, path_offset, draw_offset, to_host=to_host)
        else:
            xp, ctx = _namespace(name)
            with ctx():
                out = _poisson_xp(xp, xp.asarray(lam_b), n_paths, n_draws, np.uint64(path_offset),
                                  np.uint64(draw_offset), np.uint64(self.stream), k0, k1)
                out = _to_host(out) if to_host else out
        if isinstance(out, np.ndarray) and out.size and out.min() < 0:
            raise NumericalError("Poisson sampler exhausted its rejection attempts (probability < 1e-60)")
        return out
