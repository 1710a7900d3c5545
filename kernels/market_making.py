"""Batched simulation of a market maker quoting from a depth table, as in section 4 of
Avellaneda & Stoikov (2008).

Each of ``n_paths`` independent paths runs ``n_steps`` steps of length ``dt``.  At step ``j`` the maker
with inventory ``q`` posts a bid at ``s - bid_depth[j, q - q_min]`` and an ask at
``s + ask_depth[j, q - q_min]`` (an infinite depth posts nothing).  During the step

* the bid is hit with probability ``A exp(-k delta_b) dt`` (buy one lot: ``q += 1``, cash -= bid),
* the ask is lifted with probability ``A exp(-k delta_a) dt`` (sell one lot: ``q -= 1``, cash += ask),
* the mid moves to ``s + sigma sqrt(dt)`` or ``s - sigma sqrt(dt)`` with probability 1/2 each,

all three decided from the quotes posted at the start of the step.  A probability above 1 (a quote
through the mid) means a certain fill.  Profit at the horizon is ``cash + q s_T``.

Random numbers: uniforms ``4j, 4j+1, 4j+2`` of path ``i`` in the Philox stream ``(seed, stream)``
decide the mid move, the bid fill and the ask fill of step ``j`` (``4j+3`` is unused), so every backend
and every chunking produces the same paths.

The depth table must keep every reachable inventory on its grid: a path moves at most one lot per
step, so either the grid spans ``q0 +- n_steps`` or its edge columns stop the outward side (an
infinite bid depth at ``q_max``, an infinite ask depth at ``q_min``), as inventory-bounded models do.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from ..errors import InvalidParameters, NumericalInstability, check_int, check_nonnegative, check_positive
from .backend import resolve_backend
from .rng import Philox, _pairs_xp, philox10, u01

__all__ = ["MarketMakingPaths", "simulate_market_making"]

_DRAWS_PER_STEP = 4


@dataclass(frozen=True)
class MarketMakingPaths:
    """Terminal state of every path, and the full trajectory of one recorded path.

    Attributes
    ----------
    profit, cash, final_mid : float64 arrays (n_paths,)
    final_q, bid_fills, ask_fills : int64 arrays (n_paths,)
    mean_spread : float64 array (n_paths,)
        Average quoted spread ``delta_b + delta_a`` over the steps where both sides were quoted
        (NaN for a path that never quoted both sides).
    record : float64 array (n_steps + 1, 5) or None
        For the recorded path: time, mid, bid, ask, inventory at each step (the last row holds the
        terminal mid and inventory with NaN quotes).
    """

    profit: np.ndarray
    cash: np.ndarray
    final_mid: np.ndarray
    final_q: np.ndarray
    bid_fills: np.ndarray
    ask_fills: np.ndarray
    mean_spread: np.ndarray
    record: np.ndarray | None

    def summary(self) -> dict:
        """Mean and standard deviation of profit and final inventory, and fill counts."""
        return {
            "profit_mean": float(self.profit.mean()),
            "profit_std": float(self.profit.std(ddof=1)) if self.profit.size > 1 else 0.0,
            "q_mean": float(self.final_q.mean()),
            "q_std": float(self.final_q.std(ddof=1)) if self.final_q.size > 1 else 0.0,
            "fills_per_path": float((self.bid_fills + self.ask_fills).mean()),
            "spread": float(np.nanmean(self.mean_spread)) if np.isfinite(self.mean_spread).any() else float("nan"),
        }


def _step_xp(xp, s, q, cash, nb, na, sp, ns, bid_d, ask_d, u, s_step, A, k, dt):
    """One step for all paths (reference semantics, array namespace ``xp``)."""
    two_sided = xp.isfinite(bid_d) & xp.isfinite(ask_d)
    sp = sp + xp.where(two_sided, bid_d + ask_d, 0.0)
    ns = ns + two_sided.astype(ns.dtype)
    pb = A * xp.exp(-k * bid_d) * dt
    pa = A * xp.exp(-k * ask_d) * dt
    hit_b = u[:, 1] < pb
    hit_a = u[:, 2] < pa
    bid_px = s - bid_d
    ask_px = s + ask_d
    cash = cash - xp.where(hit_b, bid_px, 0.0) + xp.where(hit_a, ask_px, 0.0)
    q = q + hit_b.astype(q.dtype) - hit_a.astype(q.dtype)
    nb = nb + hit_b.astype(nb.dtype)
    na = na + hit_a.astype(na.dtype)
    s = s + xp.where(u[:, 0] < 0.5, s_step, -s_step)
    return s, q, cash, nb, na, sp, ns


def _simulate_numpy(bid, ask, q_min, q0, s0, s_step, A, k, dt, n_paths, path0, seed, stream, rec):
    g = Philox(seed, stream)
    k0, k1 = g.key
    n_steps = bid.shape[0]
    s = np.full(n_paths, s0)
    q = np.full(n_paths, q0, dtype=np.int64)
    cash = np.zeros(n_paths)
    nb = np.zeros(n_paths, dtype=np.int64)
    na = np.zeros(n_paths, dtype=np.int64)
    sp = np.zeros(n_paths)
    ns = np.zeros(n_paths, dtype=np.int64)
    for j in range(n_steps):
        u = _pairs_xp(np, 0, n_paths, _DRAWS_PER_STEP, path0, 2 * j, 0, stream, k0, k1)
        col = q - q_min
        bd, ad = bid[j, col], ask[j, col]
        if rec is not None:
            rec[j] = (j * dt, s[0], s[0] - bd[0], s[0] + ad[0], q[0])
        s, q, cash, nb, na, sp, ns = _step_xp(np, s, q, cash, nb, na, sp, ns, bd, ad, u, s_step, A, k, dt)
    if rec is not None:
        rec[n_steps] = (n_steps * dt, s[0], np.nan, np.nan, q[0])
    return s, q, cash, nb, na, sp, ns


@njit(cache=True, parallel=True)
def _simulate_numba(bid, ask, q_min, q0, s0, s_step, A, k, dt, path0, k0, k1, stream, s_out, q_out, cash_out, nb_out, na_out, sp_out, ns_out):
    n_paths = s_out.shape[0]
    n_steps = bid.shape[0]
    st = np.uint64(stream)
    for i in prange(n_paths):
        p = np.uint64(path0 + i)
        s = s0
        q = q0
        cash = 0.0
        nb = 0
        na = 0
        sp = 0.0
        ns = 0
        for j in range(n_steps):
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
            s = s + s_step if u_mid < 0.5 else s - s_step
        s_out[i] = s
        q_out[i] = q
        cash_out[i] = cash
        nb_out[i] = nb
        na_out[i] = na
        sp_out[i] = sp
        ns_out[i] = ns


@functools.lru_cache(maxsize=None)
def _jax_simulator(n_paths: int, n_steps: int):
    import jax
    import jax.numpy as jnp

    def run(bid, ask, q_min, q0, s0, s_step, A, k, dt, path0, stream, k0, k1):
        def body(j, state):
            s, q, cash, nb, na, sp, ns = state
            u = _pairs_xp(jnp, 0, n_paths, _DRAWS_PER_STEP, path0, (2 * j).astype(jnp.uint64), 0, stream, k0, k1)
            col = q - q_min
            bd = bid[j, col]
            ad = ask[j, col]
            return _step_xp(jnp, s, q, cash, nb, na, sp, ns, bd, ad, u, s_step, A, k, dt)

        init = (
            jnp.full(n_paths, s0),
            jnp.full(n_paths, q0, dtype=jnp.int64),
            jnp.zeros(n_paths),
            jnp.zeros(n_paths, dtype=jnp.int64),
            jnp.zeros(n_paths, dtype=jnp.int64),
            jnp.zeros(n_paths),
            jnp.zeros(n_paths, dtype=jnp.int64),
        )
        return jax.lax.fori_loop(jnp.uint64(0), jnp.uint64(n_steps), body, init)

    return jax.jit(run)


def simulate_market_making(
    bid_depth: np.ndarray,
    ask_depth: np.ndarray,
    *,
    q_min: int,
    s0: float,
    sigma: float,
    A: float,
    k: float,
    dt: float,
    n_paths: int,
    seed: int,
    q0: int = 0,
    stream: int = 0,
    path_offset: int = 0,
    record_path: bool = False,
    backend: str | None = None,
) -> MarketMakingPaths:
    """Simulate ``n_paths`` market-making paths quoting from a depth table.

    Parameters
    ----------
    bid_depth, ask_depth : float64 arrays (n_steps, n_q)
        Depth from the mid (price units) posted at step ``j`` with inventory ``q_min + column``;
        ``+inf`` posts no quote on that side.
    q_min : int
        Inventory of column 0 (lots).
    s0 : float
        Initial mid price.
    sigma : float
        Mid volatility per sqrt(time unit), >= 0; each step moves the mid by ``+- sigma sqrt(dt)``.
    A, k : float
        Fill intensity ``A exp(-k delta)`` per time unit, A > 0, k > 0.
    dt : float
        Step length (time units), > 0.
    n_paths : int
        Number of independent paths, >= 1.
    seed, stream : int
        The Philox stream.
    q0 : int
        Initial inventory, within the table.
    path_offset : int
        Index of the first path in the stream (to simulate a chunk of a larger batch).
    record_path : bool
        Keep the trajectory of the first path (mid, quotes, inventory) in ``record``.
    backend : str, optional
        ``numpy`` (reference), ``numba``, ``jax``, ``cupy`` or ``auto``.

    Returns
    -------
    MarketMakingPaths

    Raises
    ------
    InvalidParameters
        Bad parameters, tables of different shapes, NaN or -inf depths, or a table on which an
        inventory could leave the grid.
    """
    bid = np.ascontiguousarray(bid_depth, dtype=np.float64)
    ask = np.ascontiguousarray(ask_depth, dtype=np.float64)
    if bid.ndim != 2 or bid.shape != ask.shape or bid.shape[0] < 1:
        raise InvalidParameters(f"bid_depth and ask_depth must be 2-D of one shape (n_steps, n_q); got {bid.shape} and {ask.shape}")
    for name, a in (("bid_depth", bid), ("ask_depth", ask)):
        if np.isnan(a).any() or np.isneginf(a).any():
            raise InvalidParameters(f"{name} must hold finite depths or +inf (no quote); found NaN or -inf")
    q_min = check_int("q_min", q_min)
    q0 = check_int("q0", q0)
    n_steps, n_q = bid.shape
    q_max = q_min + n_q - 1
    if not q_min <= q0 <= q_max:
        raise InvalidParameters(f"q0={q0} is outside the table's inventory range [{q_min}, {q_max}]")
    if q_max < q0 + n_steps and not np.isposinf(bid[:, -1]).all():
        raise InvalidParameters(
            f"inventory could rise above q_max={q_max}: extend the table to q0 + n_steps = {q0 + n_steps} "
            "or make the bid depth +inf at q_max"
        )
    if q_min > q0 - n_steps and not np.isposinf(ask[:, 0]).all():
        raise InvalidParameters(
            f"inventory could fall below q_min={q_min}: extend the table to q0 - n_steps = {q0 - n_steps} "
            "or make the ask depth +inf at q_min"
        )
    s0 = check_positive("s0", s0)
    sigma = check_nonnegative("sigma", sigma)
    A = check_positive("A", A)
    k = check_positive("k", k)
    dt = check_positive("dt", dt)
    n_paths = check_int("n_paths", n_paths, minimum=1)
    path_offset = check_int("path_offset", path_offset, minimum=0)
    gen = Philox(seed, stream)  # validates seed and stream
    if path_offset + n_paths > 2**32:
        raise InvalidParameters("path_offset + n_paths must be <= 2**32")
    s_step = sigma * math.sqrt(dt)
    name = resolve_backend(backend)
    k0, k1 = gen.key

    if name == "numba":
        s = np.empty(n_paths)
        q = np.empty(n_paths, np.int64)
        cash = np.empty(n_paths)
        nb = np.empty(n_paths, np.int64)
        na = np.empty(n_paths, np.int64)
        sp = np.empty(n_paths)
        ns = np.empty(n_paths, np.int64)
        _simulate_numba(bid, ask, q_min, q0, s0, s_step, A, k, dt, path_offset, np.uint64(k0), np.uint64(k1), stream, s, q, cash, nb, na, sp, ns)
    elif name == "jax":
        import jax

        with jax.enable_x64(True):
            u64 = np.uint64
            out = _jax_simulator(n_paths, n_steps)(
                bid, ask, q_min, q0, s0, s_step, A, k, dt, u64(path_offset), u64(stream), u64(k0), u64(k1)
            )
            s, q, cash, nb, na, sp, ns = (np.asarray(x) for x in out)
    elif name == "cupy":
        from . import market_making_cuda

        s, q, cash, nb, na, sp, ns = market_making_cuda.simulate(bid, ask, q_min, q0, s0, s_step, A, k, dt, n_paths, path_offset, k0, k1, stream)
    else:
        s, q, cash, nb, na, sp, ns = _simulate_numpy(bid, ask, q_min, q0, s0, s_step, A, k, dt, n_paths, path_offset, seed, stream, None)

    record = None
    if record_path:
        record = np.empty((n_steps + 1, 5))
        _simulate_numpy(bid, ask, q_min, q0, s0, s_step, A, k, dt, 1, path_offset, seed, stream, record)
    profit = cash + q * s
    if not np.all(np.isfinite(profit)):
        raise NumericalInstability("market-making simulation produced non-finite profit")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_spread = np.where(ns > 0, sp / np.maximum(ns, 1), np.nan)
    return MarketMakingPaths(
        profit=profit, cash=cash, final_mid=s, final_q=q, bid_fills=nb, ask_fills=na, mean_spread=mean_spread, record=record
    )
