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

Layout of the family: :mod:`.core` holds the per-path core in plain Python and the draw layout,
:mod:`.reference` the reference (all paths stepped together, array API), and the fast paths
:mod:`.numba` (the core compiled, parallel over paths), :mod:`.jax` (the reference's step traced in
a ``fori_loop``) and :mod:`.cuda` (the core compiled for the GPU, cupy backend) are registered here
and imported on first use.

The depth table must keep every reachable inventory on its grid: a path moves at most one lot per
step, so either the grid spans ``q0 +- n_steps`` or its edge columns stop the outward side (an
infinite bid depth at ``q_max``, an infinite ask depth at ``q_min``), as inventory-bounded models do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...errors import (
    InvalidParameters,
    NumericalInstability,
    check_array,
    check_int,
    check_memory,
    check_nonnegative,
    check_positive,
)
from ..backend import fast_path, get_backend, register_fast_path
from ..rng import Philox
from . import reference

__all__ = ["MarketMakingPaths", "simulate_market_making"]

SIMULATE = "market_making.simulate"

register_fast_path(SIMULATE, "numba", f"{__package__}.numba:simulate")
register_fast_path(SIMULATE, "jax", f"{__package__}.jax:simulate")
register_fast_path(SIMULATE, "cupy", f"{__package__}.cuda:simulate")


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
    bid = np.ascontiguousarray(check_array("bid_depth", bid_depth, dtype=np.float64, cast=True))
    ask = np.ascontiguousarray(check_array("ask_depth", ask_depth, dtype=np.float64, cast=True))
    if bid.ndim != 2 or bid.shape != ask.shape or bid.shape[0] < 1 or bid.shape[1] < 1:
        raise InvalidParameters(
            f"bid_depth and ask_depth must be 2-D of one shape (n_steps, n_q); got {bid.shape} and {ask.shape}"
        )
    for name, a in (("bid_depth", bid), ("ask_depth", ask)):
        if np.isnan(a).any() or np.isneginf(a).any():
            raise InvalidParameters(f"{name} must hold finite depths or +inf (no quote); found NaN or -inf")
    with np.errstate(invalid="ignore"):
        crossed = np.isfinite(bid) & np.isfinite(ask) & (bid + ask <= 0)
    if crossed.any():
        i, j = (int(x) for x in np.argwhere(crossed)[0])
        raise InvalidParameters(
            f"bid_depth + ask_depth must be > 0 where both sides quote (a crossed quote trades "
            f"with itself); at step {i}, column {j}: {bid[i, j]!r} + {ask[i, j]!r}"
        )
    if not isinstance(record_path, (bool, np.bool_)):
        raise TypeError(f"record_path must be a bool, got {type(record_path).__name__}")
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
    # per path: the state and the outputs (about a dozen words) and the draws of a step
    check_memory("n_paths", n_paths, 8.0 * 32 * n_paths, f"{n_paths} market-making paths")
    path_offset = check_int("path_offset", path_offset, minimum=0)
    gen = Philox(seed, stream)  # validates seed and stream
    if path_offset + n_paths > 2**32:
        raise InvalidParameters("path_offset + n_paths must be <= 2**32")
    s_step = sigma * math.sqrt(dt)
    be = get_backend(backend, kernel=SIMULATE)
    k0, k1 = gen.key
    impl = fast_path(SIMULATE, be)
    args = (q_min, q0, s0, s_step, A, k, dt, n_paths, path_offset, k0, k1, stream)
    with be.x64():
        if impl is not None:
            state = impl(bid, ask, *args)
        else:
            state = reference.simulate(be.asarray(bid), be.asarray(ask), *args, xp=be.xp)
        s, q, cash, nb, na, sp, ns = (be.to_host(x) for x in state)

    record = None
    if record_path:
        rows: list = []
        reference.simulate(
            bid, ask, q_min, q0, s0, s_step, A, k, dt, 1, path_offset, k0, k1, stream, xp=np, record=rows
        )
        record = np.array(rows)
    profit = cash + q * s
    if not np.all(np.isfinite(profit)):
        raise NumericalInstability("market-making simulation produced non-finite profit")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_spread = np.where(ns > 0, sp / np.maximum(ns, 1), np.nan)
    return MarketMakingPaths(
        profit=profit,
        cash=cash,
        final_mid=s,
        final_q=q,
        bid_fills=nb,
        ask_fills=na,
        mean_spread=mean_spread,
        record=record,
    )
