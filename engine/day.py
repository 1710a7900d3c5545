"""One simulated trading day through the whole CPU hot path: synthetic L3 order flow, ITCH 5.0
encoding and decoding, an SPSC shared-memory ring, the L3 book, the quote-surface lookup, the risk
gate, own orders and queue-position fills.

The market is :func:`~quantforge.engine.synthetic.synthetic_events` (reproducible for a seed), encoded with
:func:`~quantforge.engine.feed.encode_itch` and decoded chunk by chunk with
:class:`~quantforge.engine.feed.FeedDecoder`; the decoded records pass through a
:class:`~quantforge.engine.ring.SpscRing` (producer and consumer alternate in this process, batch
by batch, or a separate feed process with ``producer_process=True``), and
:func:`~quantforge.engine.loop.run_loop_ring` reads them in place from the ring's memory, so the
consumer's steady state copies and allocates nothing per batch (its action and fill counters are
reset between batches; own fill records are copied out only with ``keep_fills``).  The surface's
time axis is stretched so that its horizon ``t_grid[-1]`` is the end of the session: a surface
computed in any time unit (a day of 1.0, or seconds) quotes over the whole session,
``time_to_horizon = t_grid[-1] * (end - now) / session``.  Prices are ticks inside the engine and price units (``tick_size``) in the report,
converted by an :class:`~quantforge.engine.types.Instrument`; cash is ``-sum(side * size * price)``
over own fills and the PnL is marked to the last two-sided mid.

References
----------
Avellaneda, M. and Stoikov, S. (2008), "High-frequency trading in a limit order book", Quant. Finance
8(3) (quoting from depths around the mid).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from typing import Any

import numpy as np

from .._typing import ArrayLike
from ..errors import (
    ExecutionError,
    InvalidParameters,
    check_array,
    check_in_range,
    check_int,
    check_memory,
    check_positive,
)
from .book import REJECT_NAMES, new_book_state
from .feed import COUNTERS, FeedDecoder, encode_itch
from .loop import (
    QUEUE_RISK_AVERSE,
    STATE_FIELDS,
    cycles_per_ns,
    latency_percentiles,
    make_config,
    new_loop_state,
    run_loop_ring,
)
from .ring import RingTimeout, SpscRing
from .shm import SharedBlock
from .surface import make_surface_table
from .synthetic import synthetic_events
from .types import EVENT, Instrument

__all__ = ["run_trading_day", "run_trading_day_on", "feed_process", "DAY_START_NS"]

DAY_START_NS = 34_200 * 10**9
"""Session start: 09:30:00 in ns since midnight (ITCH timestamps)."""

_F = {name: i for i, name in enumerate(STATE_FIELDS)}
_FIRST_OID = 1 << 40
_NO_LIMIT = 1e300
# ITCH timestamps are 6-byte nanoseconds since midnight: the session must end before 2^48 ns
_MAX_SESSION_S = (2**48 - 1 - DAY_START_NS) / 1e9
# memory per market event: its EVENT record, its ITCH message (at most 46 bytes) and the generator's scratch
_BYTES_PER_EVENT = EVENT.itemsize + 46 + 24


def run_trading_day(
    bid_depth: ArrayLike,
    ask_depth: ArrayLike,
    t_grid: ArrayLike,
    q_min: int,
    *,
    tick_size: float,
    seed: int = 0,
    n_events: int = 1_000_000,
    bid_size_lots: ArrayLike | None = None,
    ask_size_lots: ArrayLike | None = None,
    session_s: float = 23_400.0,
    max_position_lots: int | None = None,
    max_order_lots: int | None = None,
    band_ticks: int = 1_000,
    loss_limit: float | None = None,
    linear: bool = True,
    queue_model: int = QUEUE_RISK_AVERSE,
    move_prob: float = 0.002,
    mid_ticks: int = 10_000,
    price_divisor: int = 100,
    ring_capacity: int = 1 << 13,
    chunk_bytes: int = 1 << 18,
    producer_process: bool = False,
    keep_fills: bool = False,
) -> dict:
    """Simulate one trading day of ``n_events`` market events against a quote surface.

    Parameters
    ----------
    bid_depth, ask_depth : float64 arrays (n_t, n_q)
        Depths from the mid (price units) over time to horizon × inventory; ``+inf`` = not quoted
        (``QuoteSurface.bid_depth`` / ``ask_depth`` of a surface without a regime axis).
    t_grid : float64 array (n_t,)
        Strictly increasing times to the horizon (``QuoteSurface.time_to_horizon_s``); ``t_grid[-1]``
        is mapped to the whole session.
    q_min : int
        Inventory (lots) of column 0.
    tick_size : float
        Price of one tick (price units, > 0); depths are divided by it.
    seed : int
        Seed of the synthetic order flow; equal seeds give equal days (timings aside).
    n_events : int
        Market events in the day.
    bid_size_lots, ask_size_lots : int64 arrays (n_t, n_q), optional
        Quote sizes (default one lot).
    session_s : float
        Length of the session (s); events are spread evenly over it on average.
    max_position_lots, max_order_lots : int, optional
        Risk limits; default the surface's inventory bound ``max(|q_min|, |q_max|)`` and its largest size.
    band_ticks : int
        Largest distance of a quote from the mid (ticks).
    loss_limit : float, optional
        Kill switch: loss (price units, marked to mid) at which everything is cancelled; default none.
    linear : bool
        Interpolate the surface linearly in time (else nearest grid time).
    queue_model : int
        ``loop.QUEUE_RISK_AVERSE`` (default) or ``loop.QUEUE_NONE``.
    move_prob : float
        Probability per event of a one-tick step of the market's fair price (a random walk the book
        follows; 0 keeps the price around its start), see ``synthetic.synthetic_events``.
    mid_ticks, price_divisor : int
        Starting mid (ticks) and ITCH price units (1e-4) per tick.
    ring_capacity, chunk_bytes : int
        Ring size (records, a power of two) and the ITCH bytes decoded per chunk.
    producer_process : bool
        Decode the feed in a separate (spawned) process that pushes into the ring while this one runs
        the loop, as in production; by default producer and consumer alternate in this process.  The
        results are the same; only the timings differ (the spawn costs about a second).
    keep_fills : bool
        Also return the own ``FILL`` records under ``"fill_records"`` (a numpy array, not JSON-able).

    Returns
    -------
    dict
        JSON-able: ``events`` (processed by the loop), ``feed`` (decoder counters), ``book_rejects``
        (market events the book refused, by reason; ``book_rejected`` their total), ``orders`` (sent:
        new + replacing), the actions ``new``, ``replaced``, ``cancelled``, ``orders_filled``,
        ``live_orders``, ``fills``, ``filled_lots``, ``final_inventory`` (lots), ``cash``, ``pnl`` and
        ``last_mid`` (price units), ``kill_switch``, ``rejected`` (risk-gate counts), ``latency_ns`` (``p50``, ``p99``, ``p99.9`` per event),
        ``updates_per_s`` (events per second of loop time), ``loop_s``, ``wall_s`` and the settings.

    Examples
    --------
    Flat 0.5-price depths (a quarter tick at ``tick_size=2``: quotes join the touch), inventory ±3:

    >>> import numpy as np
    >>> depth = np.full((2, 7), 0.5)
    >>> day = run_trading_day(depth, depth, [0.0, 1.0], -3, tick_size=2.0, seed=7, n_events=20_000)
    >>> day["events"], day["feed"]["decoded"], day["fills"] > 0, abs(day["final_inventory"]) <= 3
    (20000, 20000, True, True)
    """
    t = check_array("t_grid", t_grid, dtype=np.float64, ndim=1, cast=True)
    tick_size = check_positive("tick_size", tick_size)
    session_s = check_in_range("session_s", session_s, 0.0, _MAX_SESSION_S, low_open=True)
    n_events = check_int("n_events", n_events, minimum=1)
    check_memory("n_events", n_events, n_events * _BYTES_PER_EVENT, "the day's market events and their ITCH bytes")
    for name, flag in (("linear", linear), ("producer_process", producer_process), ("keep_fills", keep_fills)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be a bool, got {type(flag).__name__} {flag!r}")
    mid_ticks = check_int("mid_ticks", mid_ticks, minimum=200)
    price_divisor = check_int("price_divisor", price_divisor, minimum=1)
    if 2 * mid_ticks * price_divisor >= 2**32:  # the market wanders; ITCH prices are 4-byte 1e-4 units
        raise InvalidParameters(
            f"mid_ticks * price_divisor must stay well below 2**32 (ITCH's price field), got "
            f"mid_ticks={mid_ticks}, price_divisor={price_divisor}"
        )
    if t.size < 1 or not np.all(np.isfinite(t)) or t[-1] <= 0:
        raise InvalidParameters(f"t_grid must be finite with a positive horizon t_grid[-1], got {t!r}")
    scale = session_s / float(t[-1])
    tab = make_surface_table(bid_depth, ask_depth, t * scale, q_min, bid_size_lots, ask_size_lots)
    # Own quotes must not cross each other: with bid depth + ask depth <= 0 the bid would sit at or above
    # the ask (one side alone may quote through the mid, as Avellaneda-Stoikov's do at large inventory;
    # the loop keeps it behind the touch).
    with np.errstate(invalid="ignore"):
        crossed = np.isfinite(tab.bid_depth) & np.isfinite(tab.ask_depth) & (tab.bid_depth + tab.ask_depth <= 0)
    if crossed.any():
        i, j = (int(x) for x in np.argwhere(crossed)[0])
        raise InvalidParameters(
            f"bid_depth + ask_depth must be > 0 (own quotes must not cross or lock); at t_grid[{i}], inventory "
            f"{int(q_min) + j}: bid_depth = {tab.bid_depth[i, j]!r}, ask_depth = {tab.ask_depth[i, j]!r}"
        )
    n_q = tab.bid_depth.shape[1]
    q_bound = max(abs(int(q_min)), abs(int(q_min) + n_q - 1))
    if max_position_lots is None:
        max_position_lots = q_bound
    if max_order_lots is None:
        max_order_lots = max(1, int(tab.bid_size.max()), int(tab.ask_size.max()))
    inst = Instrument("synthetic", tick_size)
    loss = _NO_LIMIT if loss_limit is None else inst.value_to_tick_lots(check_positive("loss_limit", loss_limit))
    ring_capacity = check_int("ring_capacity", ring_capacity, minimum=2)
    chunk_bytes = check_int("chunk_bytes", chunk_bytes, minimum=64)
    session_ns = int(round(session_s * 1e9))
    cfg = make_config(
        tick_size=tick_size,
        horizon_end_ns=DAY_START_NS + session_ns,
        max_position_lots=max_position_lots,
        max_order_lots=max_order_lots,
        band_ticks=band_ticks,
        loss_limit=loss,
        linear=linear,
        queue_model=queue_model,
        first_order_id=_FIRST_OID,
    )

    ring = SpscRing.create(EVENT, ring_capacity)
    bk = new_book_state(capacity=1 << 13, window=1 << 14)
    st = new_loop_state(cfg, max_actions=4 * ring_capacity + 16, max_fills=8 * ring_capacity + 16)
    s = st.s
    fills = []
    totals = {"fills": 0, "loop_ns": 0}

    def step() -> int:
        """Run the loop on what the ring holds (one poll); drain the action and fill counters after
        a batch."""
        t0 = time.perf_counter_ns()
        k = run_loop_ring(bk, ring.hdr, ring.data, tab, cfg, st, ring_capacity, 1)
        if k:
            totals["loop_ns"] += time.perf_counter_ns() - t0
            nf = int(s[_F["n_fills"]])
            if keep_fills:
                if nf > st.fills.shape[0]:
                    raise InvalidParameters("own fills overflowed the per-batch buffer: lower ring_capacity")
                fills.append(st.fills[:nf].copy())
            totals["fills"] += nf
            s[_F["n_actions"]] = 0
            s[_F["n_fills"]] = 0
        return k

    try:
        # Compile (or load from cache) the loop before anything is timed: an empty ring returns at once.
        step()
        t_wall = time.perf_counter()
        market = synthetic_events(
            n_events,
            seed=seed,
            mid_ticks=mid_ticks,
            start_ns=DAY_START_NS,
            mean_gap_ns=max(1, session_ns // n_events),
            move_prob=move_prob,
        )
        itch = encode_itch(market, price_divisor=price_divisor)
        del market
        if producer_process:
            counters = _consume_from_feed_process(ring, itch, price_divisor, chunk_bytes, step)
        else:
            decoder = FeedDecoder(price_divisor=price_divisor, max_events=ring_capacity)
            for lo in range(0, itch.shape[0], chunk_bytes):
                decoded = decoder.decode(itch[lo : lo + chunk_bytes])
                for b in range(0, decoded.shape[0], ring_capacity):
                    ring.send(decoded[b : b + ring_capacity])
                    while len(ring):
                        step()
            decoder.finish()
            counters = decoder.counters
        wall_s = time.perf_counter() - t_wall
    finally:
        ring.close()

    v = {name: int(s[i]) for name, i in _F.items()}
    pct = latency_percentiles(st.hist, cycles_per_ns(0.02))
    live = int(v["bid_px"] >= 0) + int(v["ask_px"] >= 0)
    loop_ns = totals["loop_ns"]
    book_rejects = {name: v[f"book_{name}"] for name in REJECT_NAMES}
    out = {
        "events": v["events"],
        "feed": counters,
        "book_rejects": book_rejects,
        "book_rejected": sum(book_rejects.values()),
        "orders": v["next_oid"] - _FIRST_OID,
        "new": v["n_new"],
        "replaced": v["n_replaced"],
        "cancelled": v["n_cancelled"],
        "orders_filled": v["orders_filled"],
        "live_orders": live,
        "fills": totals["fills"],
        "filled_lots": v["volume"],
        "final_inventory": v["position"],
        "cash": float(inst.tick_lots_to_value(v["cash"])),
        "pnl": float(inst.tick_lots_to_value(2 * v["cash"] + v["position"] * v["last_mid2"])) / 2,
        "last_mid": float(inst.ticks_to_price(v["last_mid2"])) / 2,
        "kill_switch": bool(v["killed"]),
        "rejected": {"order_size": v["rej_size"], "position": v["rej_position"], "price_band": v["rej_band"]},
        "quotes_skipped": v["quotes_skipped"],
        "latency_ns": {k: float(pct[k]) for k in ("p50", "p99", "p99.9")},
        "latency_overflow_fraction": float(pct.get("overflow_fraction", 0.0)),
        "updates_per_s": v["events"] / (loop_ns * 1e-9) if loop_ns > 0 else float("nan"),
        "loop_s": loop_ns * 1e-9,
        "wall_s": wall_s,
        "session_s": session_s,
        "time_scale": scale,
        "seed": int(seed),
        "tick_size": tick_size,
        "limits": {
            "max_position_lots": int(max_position_lots),
            "max_order_lots": int(max_order_lots),
            "band_ticks": int(band_ticks),
            "loss_limit": None if loss_limit is None else float(loss_limit),
        },
    }
    if keep_fills:
        out["fill_records"] = np.concatenate(fills, dtype=st.fills.dtype) if fills else np.zeros(0, st.fills.dtype)
    return out


def run_trading_day_on(surface: Any, **kwargs: Any) -> dict:
    """:func:`run_trading_day` on any object with a quote surface's attributes (``bid_depth``,
    ``ask_depth``, ``time_to_horizon_s``, ``q_min`` and optionally ``bid_size_lots``,
    ``ask_size_lots``), e.g. a ``models.surface.QuoteSurface`` without a regime axis."""
    try:
        bd, ad, t, q_min = surface.bid_depth, surface.ask_depth, surface.time_to_horizon_s, surface.q_min
    except AttributeError as exc:
        raise InvalidParameters(f"surface must have bid_depth, ask_depth, time_to_horizon_s and q_min: {exc}") from None
    if np.ndim(bd) != 2:
        raise InvalidParameters(f"surface must have no regime axis (2-D depths), got shape {np.shape(bd)}")
    return run_trading_day(
        bd,
        ad,
        t,
        q_min,
        bid_size_lots=getattr(surface, "bid_size_lots", None),
        ask_size_lots=getattr(surface, "ask_size_lots", None),
        **kwargs,
    )


_N_COUNTERS = len(COUNTERS)


def feed_process(
    ring_name: str, bytes_name: str, n_bytes: int, price_divisor: int, chunk_bytes: int, timeout_s: float = 60.0
) -> None:
    """Feed-process driver: decode the ITCH bytes held in shared block ``bytes_name`` (after
    ``len(COUNTERS)`` int64 words that receive the decoder's counters at the end) chunk by chunk and
    push the events into ring ``ring_name``, then mark the ring done."""
    ring = SpscRing.attach(ring_name, EVENT)
    block = SharedBlock(bytes_name)
    try:
        counters = np.ndarray((_N_COUNTERS,), np.int64, buffer=block.buf)
        itch = np.ndarray((n_bytes,), np.uint8, buffer=block.buf, offset=8 * _N_COUNTERS)
        decoder = FeedDecoder(price_divisor=price_divisor, max_events=ring.capacity)
        for lo in range(0, n_bytes, chunk_bytes):
            ring.send(decoder.decode(itch[lo : lo + chunk_bytes]), timeout_s=timeout_s)
        decoder.finish()
        counters[:] = [decoder.counters[c] for c in COUNTERS]
        ring.mark_writer_done()
        del counters, itch
    finally:
        ring.close()
        block.close()


def _consume_from_feed_process(ring, itch, price_divisor, chunk_bytes, step, timeout_s=60.0) -> dict:
    """Run the feed in a spawned process and ``step()`` the loop on the ring until the feed is done."""
    block = SharedBlock(None, 8 * _N_COUNTERS + max(1, itch.shape[0]), create=True)
    proc = None
    try:
        np.ndarray((itch.shape[0],), np.uint8, buffer=block.buf, offset=8 * _N_COUNTERS)[:] = itch
        proc = mp.get_context("spawn").Process(
            target=feed_process, args=(ring.name, block.name, itch.shape[0], price_divisor, chunk_bytes, timeout_s)
        )
        proc.start()
        last = time.monotonic()
        while True:
            if step():
                last = time.monotonic()
                continue
            if ring.writer_done and len(ring) == 0:
                break
            if not proc.is_alive() and len(ring) == 0 and not ring.writer_done:
                # e.g. a script without the ``if __name__ == "__main__":`` guard
                raise ExecutionError(
                    f"the feed process died (exit code {proc.exitcode}) before the end of "
                    "the feed; a script that spawns it needs the __main__ guard"
                )
            if time.monotonic() - last > timeout_s:
                raise RingTimeout(f"ring {ring.name!r}: no record from the feed process for {timeout_s:.0f} s")
            os.sched_yield()
        proc.join(timeout_s)
        if proc.exitcode != 0:
            raise ExecutionError(f"the feed process failed (exit code {proc.exitcode})")
        counters = np.ndarray((_N_COUNTERS,), np.int64, buffer=block.buf)
        out = dict(zip(COUNTERS, counters.tolist()))
        del counters
        return out
    finally:
        if proc is not None and proc.is_alive():
            proc.kill()
            proc.join(10)
        block.close()
