"""The numba fast path of the market-making simulator: :func:`.core.path_scalar` compiled with the
CPU Philox core, one path per iteration of a parallel loop."""

from __future__ import annotations

import numba
import numpy as np

from ..jit import jit
from .core import path_scalar

__all__ = ["simulate"]

_path_cpu = jit(path_scalar, inline=True)


@jit(parallel=True)
def _simulate_kernel(
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
    for i in numba.prange(s_out.shape[0]):
        _path_cpu(
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
        )


def simulate(bid, ask, q_min, q0, s0, s_step, A, k, dt, n_paths, path0, k0, k1, stream) -> tuple[np.ndarray, ...]:
    """The terminal state (s, q, cash, bid fills, ask fills, spread sum, two-sided steps) of every path."""
    outs = tuple(
        np.empty(n_paths, dtype)
        for dtype in (np.float64, np.int64, np.float64, np.int64, np.int64, np.float64, np.int64)
    )
    _simulate_kernel(bid, ask, q_min, q0, s0, s_step, A, k, dt, path0, np.uint64(k0), np.uint64(k1), stream, *outs)
    return outs
