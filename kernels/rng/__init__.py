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

Layout of the family: :mod:`.core` holds the constants and the scalar core (plain Python),
:mod:`.reference` the one reference implementation (array API: numpy, cupy, jax.numpy), and the fast
paths — :mod:`.numba` (parallel over paths, no allocation per draw), :mod:`.jax` (the reference traced
once per shape) and :mod:`.cuda` (``numba.cuda`` kernels compiled from the scalar core, for the
``cupy`` backend) — are registered below and imported on first use.  A backend without a fast path
for a kernel runs the reference on its namespace.
"""

from .api import PHILOX_M0, PHILOX_M1, PHILOX_W0, PHILOX_W1, DrawKind, Philox, philox4x32

__all__ = ["philox4x32", "Philox", "DrawKind", "PHILOX_M0", "PHILOX_M1", "PHILOX_W0", "PHILOX_W1"]
