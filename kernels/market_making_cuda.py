"""The market-making simulator of :mod:`market_making` as a numba.cuda kernel: one thread per path,
Philox drawn in the kernel from the same counters as every other backend (no pre-generated arrays)."""

from __future__ import annotations

import math

import numpy as np
from numba import cuda

from .rng_cuda import philox10_dev, u01_dev

__all__ = ["simulate"]


@cuda.jit
def _kernel(bid, ask, q_min, q0, s0, s_step, A, k, dt, path0, k0, k1, stream, s_out, q_out, cash_out, nb_out, na_out, sp_out, ns_out):
    i = cuda.grid(1)
    if i >= s_out.shape[0]:
        return
    p = np.uint64(path0 + i)
    st = np.uint64(stream)
    kk0 = np.uint64(k0)
    kk1 = np.uint64(k1)
    s = s0
    q = q0
    cash = 0.0
    nb = 0
    na = 0
    sp = 0.0
    ns = 0
    for j in range(bid.shape[0]):
        w0, w1, w2, w3 = philox10_dev(np.uint64(2 * j), np.uint64(0), p, st, kk0, kk1)
        v0, v1, v2, v3 = philox10_dev(np.uint64(2 * j + 1), np.uint64(0), p, st, kk0, kk1)
        u_mid = u01_dev(w0, w1)
        u_bid = u01_dev(w2, w3)
        u_ask = u01_dev(v0, v1)
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


def simulate(bid, ask, q_min, q0, s0, s_step, A, k, dt, n_paths, path0, k0, k1, stream):
    """Run the kernel; returns host arrays (s, q, cash, bid fills, ask fills, spread sum, two-sided steps)."""
    outs = [
        cuda.device_array(n_paths, dtype=np.float64),
        cuda.device_array(n_paths, dtype=np.int64),
        cuda.device_array(n_paths, dtype=np.float64),
        cuda.device_array(n_paths, dtype=np.int64),
        cuda.device_array(n_paths, dtype=np.int64),
        cuda.device_array(n_paths, dtype=np.float64),
        cuda.device_array(n_paths, dtype=np.int64),
    ]
    threads = 128
    _kernel[(n_paths + threads - 1) // threads, threads](
        cuda.to_device(bid), cuda.to_device(ask), q_min, q0, s0, s_step, A, k, dt, path0, k0, k1, stream, *outs
    )
    return tuple(o.copy_to_host() for o in outs)
