"""The shared core of the SDE family: codes, the parameter-vector layout and the jump core.

Every backend receives a model as a float64 vector laid out by :class:`Prm` plus the integer codes
:class:`ModelCode` and :class:`Scheme`; the kernels read the fields by name.  :func:`jump_scalar` and
:func:`count_uniform` are plain Python, compiled for the CPU in :mod:`.numba` and for the GPU in
:mod:`.cuda` (with ``philox10``, ``u01`` and ``box_muller`` rebound to the device versions).
"""

from __future__ import annotations

import enum
import math

import numpy as np

from ..rng.core import box_muller, philox10, u01

__all__ = [
    "SCHEMES",
    "Scheme",
    "ModelCode",
    "Prm",
    "CHUNK",
    "MAX_LAM_DT",
    "MAX_JUMPS",
    "TWO_M32",
    "jump_scalar",
    "count_uniform",
]

SCHEMES: tuple[str, ...] = ("euler", "milstein", "exact")
CHUNK = 64  # steps of random numbers the reference draws at once (memory n_paths x CHUNK)
MAX_LAM_DT = 10.0  # jump counts use Poisson inversion, exact and identical on every backend, below this
MAX_JUMPS = 1000  # the inversion's cap on the jumps of one step (reached with probability < 1e-300)
TWO_M32 = 2.0**-32


class Scheme(enum.IntEnum):
    """Index of a scheme in :data:`SCHEMES`."""

    EULER = 0
    MILSTEIN = 1
    EXACT = 2


class ModelCode(enum.IntEnum):
    """Which model a parameter vector describes."""

    GBM = 0
    MERTON = 1
    KOU = 2
    ITO = 3


class Prm(enum.IntEnum):
    """Fields of the parameter vector (float64, length :attr:`SIZE`) every SDE kernel reads.

    ``JUMP_A, JUMP_B, JUMP_C`` are Merton's (jump_mean, jump_vol, unused) or Kou's
    (p_up, eta_up, eta_down); ``EXACT_DRIFT`` is ``(mu_c - sigma^2/2) dt`` and ``NO_JUMP`` is
    ``e^{-lam dt}``, the probability of a step without a jump.
    """

    MU_C = 0  # the compensated drift mu - lam kappa
    SIGMA = 1
    LAM_DT = 2
    JUMP_A = 3
    JUMP_B = 4
    JUMP_C = 5
    X0 = 6
    DT = 7
    SQRT_DT = 8
    EXACT_DRIFT = 9
    NO_JUMP = 10
    SIZE = 11


def jump_scalar(code, u, j, p, cum, prm, k0, k1, s2):
    """(J_j, n_j): the sum of the log-jumps of step ``j`` of path ``p`` and their number.

    ``u`` is the step's jump-count uniform; the count is its Poisson(lam dt) inversion.
    """
    lam_dt = prm[Prm.LAM_DT]
    nj = 0
    q = prm[Prm.NO_JUMP]
    cdf = q
    while u > cdf and nj < MAX_JUMPS:
        nj += 1
        q *= lam_dt / nj
        cdf += q
        if q == 0.0:
            break
    jsum = 0.0
    if code == ModelCode.MERTON:
        if nj > 0:
            w0, w1, w2, w3 = philox10(np.uint64(j // 2), np.uint64(0), p, s2, k0, k1)
            y0, y1 = box_muller(u01(w0, w1), u01(w2, w3))
            zj = y0 if j % 2 == 0 else y1
            jsum = nj * prm[Prm.JUMP_A] + prm[Prm.JUMP_B] * math.sqrt(nj) * zj
    else:
        p_up = prm[Prm.JUMP_A]
        for kk in range(nj):
            d = cum + kk
            w0, w1, w2, w3 = philox10(np.uint64(d // 2), np.uint64(0), p, s2, k0, k1)
            uk = u01(w0, w1) if d % 2 == 0 else u01(w2, w3)
            if uk < p_up:
                jsum += -math.log(uk / p_up) / prm[Prm.JUMP_B]
            else:
                jsum += math.log((uk - p_up) / (1.0 - p_up)) / prm[Prm.JUMP_C]
    return jsum, nj


def count_uniform(w):
    """The jump-count uniform ``(w + 1/2) 2^-32`` of one 32-bit Philox word (exact in float64)."""
    return (np.float64(w) + 0.5) * TWO_M32
