"""The per-path core of the market-making simulator, written once in plain Python, and its draw layout.

:func:`path_scalar` calls ``philox10`` and ``u01`` by global name: here they are the CPU builds of
:mod:`quantforge.kernels.rng.core`, which the numba fast path compiles with it; the cuda fast path
rebinds them to the device versions with :func:`quantforge.kernels.jit.compile_for_cuda`.
"""

from __future__ import annotations

import enum
import math

import numpy as np

from ..rng.core import philox10, u01

__all__ = ["DRAWS_PER_STEP", "StepDraw", "path_scalar"]

DRAWS_PER_STEP = 4  # uniforms 4j .. 4j + 3 of a path belong to step j (4j + 3 is unused)


class StepDraw(enum.IntEnum):
    """Which uniform of a step decides what: draw ``4j + StepDraw.X`` of the path."""

    MID = 0
    BID = 1
    ASK = 2


def path_scalar(
    i,
    bid,
    ask,
    q_min,
    q0,
    s0,
    s_step,
    A,
    k,
    dt,
    path0,
    k0,
    k1,
    stream,
    s_out,
    q_out,
    cash_out,
    nb_out,
    na_out,
    sp_out,
    ns_out,
):
    """Simulate path ``i`` (Philox path ``path0 + i``) and write its terminal state at index ``i``.

    Uniform ``4j + d`` is word pair ``(2 (d % 2), 2 (d % 2) + 1)`` of Philox block ``2j + d // 2``:
    the mid and bid draws come from block ``2j``, the ask draw from block ``2j + 1``.
    """
    p = np.uint64(path0 + i)
    st = np.uint64(stream)
    s = s0
    q = q0
    cash = 0.0
    nb = 0
    na = 0
    sp = 0.0
    ns = 0
    for j in range(bid.shape[0]):
        w0, w1, w2, w3 = philox10(np.uint64(2 * j), np.uint64(0), p, st, k0, k1)
        v0, v1, v2, v3 = philox10(np.uint64(2 * j + 1), np.uint64(0), p, st, k0, k1)
        u_mid = u01(w0, w1)
        u_bid = u01(w2, w3)
        u_ask = u01(v0, v1)
        bd = bid[j, q - q_min]
        ad = ask[j, q - q_min]
        if math.isfinite(bd) and math.isfinite(ad):
            sp += bd + ad
            ns += 1
        hit_b = u_bid < A * math.exp(-k * bd) * dt
        hit_a = u_ask < A * math.exp(-k * ad) * dt
        if hit_b:
            cash -= s - bd
            q += 1
            nb += 1
        if hit_a:
            cash += s + ad
            q -= 1
            na += 1
        if u_mid < 0.5:
            s = s + s_step
        else:
            s = s - s_step
    s_out[i] = s
    q_out[i] = q
    cash_out[i] = cash
    nb_out[i] = nb
    na_out[i] = na
    sp_out[i] = sp
    ns_out[i] = ns
