"""The market-making event loop, compiled with Numba: market events in, own order actions and
simulated own fills out, with a pre-trade risk gate and a per-event latency histogram.

For each event the loop (1) applies the event to the L3 book, counting an event the book refuses
under its reason (``book_unknown_id``, ``book_pool_full``, ... in the state), (2) fills own resting
orders against the trades it carried (executions, incoming orders that matched, trade prints) with a
queue-position model, (3) fills own orders the market crossed, (4) reads the quote surface at the
current time to horizon and inventory, turns depths into prices ``bid = floor(mid - delta_b / tick)``,
``ask = ceil(mid + delta_a / tick)`` (the conversions of ``engine/types.py``; never crossing the
touch; a size of 0 or a depth of ``+inf`` means that side is not quoted), (5) passes each side through
the risk gate (order size, position limit, price band around the mid, loss limit; breaching the loss
limit trips a kill switch that cancels everything and stops quoting for good; a ``killed`` word set
from outside, by a risk monitor, cancels the own orders at the start of the next event) and (6) emits NEW /
REPLACE / CANCEL actions when the wanted quote differs from the live one.  Own orders are
simulated: they never enter the market book.  The default queue model is hftbacktest's risk-averse
one: an own order joins behind the whole level, the quantity ahead shrinks only by trades at its price
and is capped by the level's size when orders cancel, and the order fills by what trades beyond the
quantity ahead; a trade through its price fills it entirely.  ``QUEUE_NONE`` (fill on touch) is the optimistic bound.

Actions are ``ORDER`` records with ``status`` = the ``ACT_*`` code: NEW and REPLACE carry a fresh
order id, price and size (a REPLACE's ``client_tag`` is the id it replaces, whose remainder is
cancelled), CANCEL carries the cancelled id and its remaining size.  Cash is kept in tick·lots and
the loss limit compares the mark-to-mid PnL ``cash + position * mid`` with ``-loss_limit``.

Latency is measured with the cycle counter, read once per event: an event's latency is the interval
between the reads after the previous event and after its own steps (1)-(6), so it also holds the
previous event's histogram update (a few cycles, never an underestimate); it is recorded,
allocation-free, in a linear histogram of 4-cycle buckets; :func:`latency_percentiles` converts it to nanoseconds with a
measured cycle rate.  The loop keeps all its state in arrays (:class:`LoopState`), so a session can
feed it in batches and resume: :func:`run_loop` takes an ``EVENT`` array, :func:`run_loop_ring` reads
the records in place from an :class:`~quantforge.engine.ring.SpscRing`'s shared memory (one acquire
load of the producer's head, then the records in slot order, then one release store of the tail that
hands the slots back), so the consumer copies and allocates nothing per batch.

References
----------
Avellaneda, M. and Stoikov, S. (2008), "High-frequency trading in a limit order book", Quant. Finance
8(3) (quotes as depths around the mid).
hftbacktest documentation, "Order fill" and ``RiskAverseQueueModel`` (queue-position fills).
"""

from __future__ import annotations

import time
from collections import namedtuple
from collections.abc import Sequence

import numpy as np
from numba.extending import overload

from ..errors import InvalidParameters, check_in_range, check_int, check_memory, check_positive
from ..kernels.jit import engine_jit
from .atomics import borrowed, cycle_counter
from .book import (
    HDR_BEST_ASK,
    HDR_BEST_BID,
    HDR_N_FILLS,
    NO_PRICE,
    OK,
    REJECT_NAMES,
    BookState,
    book_apply_inline,
    book_level_qty,
    borrow_book,
    check_book_state,
)
from .ring import RING_CAPACITY, RING_HDR_WORDS, RING_ITEM_BYTES, ring_claim, ring_mask, ring_release
from .surface import SurfaceTable, borrow_surface, check_surface_table, surface_lookup_inline
from .types import EV_TRADE, EVENT, FILL, MAKER, ORDER, ask_ticks, bid_ticks, check_records, depth_ticks

__all__ = [
    "LOOP_CONFIG",
    "LoopState",
    "new_loop_state",
    "make_config",
    "run_loop",
    "run_loop_ring",
    "latency_percentiles",
    "cycles_per_ns",
    "QUEUE_RISK_AVERSE",
    "QUEUE_NONE",
    "ACT_NEW",
    "ACT_REPLACE",
    "ACT_CANCEL",
    "STATE_FIELDS",
    "N_BUCKETS",
]

QUEUE_RISK_AVERSE, QUEUE_NONE = 0, 1
ACT_NEW, ACT_REPLACE, ACT_CANCEL = 1, 2, 3
N_BUCKETS = 1 << 14
"""Histogram buckets of 4 cycles each; the last one collects everything longer."""

LOOP_CONFIG = np.dtype(
    [
        ("tick_size", "f8"),
        ("horizon_end_ns", "i8"),
        ("max_position_lots", "i8"),
        ("max_order_lots", "i8"),
        ("band_ticks", "i8"),
        ("loss_limit", "f8"),
        ("linear", "i8"),
        ("queue_model", "i8"),
        ("first_order_id", "i8"),
    ],
    align=True,
)
"""Loop parameters (one record): tick size (price units), horizon end (ns), risk limits (lots, ticks,
loss in tick·lots), time interpolation flag, queue model, first own order id."""

STATE_FIELDS = (
    "position",
    "cash",
    "bid_px",
    "bid_qty",
    "bid_ahead",
    "bid_oid",
    "ask_px",
    "ask_qty",
    "ask_ahead",
    "ask_oid",
    "next_oid",
    "killed",
    "n_fills",
    "n_actions",
    "volume",
    "events",
    "rej_size",
    "rej_position",
    "rej_band",
    "quotes_skipped",
    "last_mid2",
    "orders_filled",
    "n_new",
    "n_replaced",
    "n_cancelled",
    *(f"book_{name}" for name in REJECT_NAMES),
)
(
    _POS,
    _CASH,
    _BPX,
    _BQTY,
    _BAHEAD,
    _BOID,
    _APX,
    _AQTY,
    _AAHEAD,
    _AOID,
    _NEXT,
    _KILLED,
    _NFILL,
    _NACT,
    _VOL,
    _NEV,
    _RSIZE,
    _RPOS,
    _RBAND,
    _SKIP,
    _MID2,
    _NDONE,
    _NNEW,
    _NREP,
    _NCAN,
) = range(25)
_BOOK_REJ = 25  # s[_BOOK_REJ + code - 1] counts market events the book refused with status ``code``
# An own quote is four consecutive state words from _BPX (bid) or _APX (ask): these offsets.
_Q_PX, _Q_QTY, _Q_AHEAD, _Q_OID = range(4)

LoopState = namedtuple("LoopState", ["s", "actions", "fills", "hist"])
LoopState.__doc__ = """Loop state: ``s`` int64 words named by ``STATE_FIELDS`` (cash in tick·lots, ``last_mid2`` twice
the mid in ticks, ``orders_filled`` own orders filled completely; ``next_oid`` minus the first id is the
number of orders sent; ``n_new`` / ``n_replaced`` / ``n_cancelled`` count actions by kind and
``book_<reason>`` market events the book refused, by reason), the ``ORDER`` action and ``FILL``
own-fill buffers (counts in ``s``; entries past a buffer's end are counted, not stored, so a session
drains them between batches) and the latency histogram."""


def make_config(
    *,
    tick_size: float,
    horizon_end_ns: int,
    max_position_lots: int,
    max_order_lots: int,
    band_ticks: int,
    loss_limit: float,
    linear: bool = True,
    queue_model: int = QUEUE_RISK_AVERSE,
    first_order_id: int = 1 << 40,
) -> np.ndarray:
    """Validated ``LOOP_CONFIG`` record; ``loss_limit`` in tick·lots (> 0)."""
    cfg = np.zeros(1, LOOP_CONFIG)
    cfg["tick_size"] = check_positive("tick_size", tick_size)
    cfg["horizon_end_ns"] = check_int("horizon_end_ns", horizon_end_ns, minimum=-(2**63), maximum=2**63 - 1)
    # the limits are int64 words of the record
    cfg["max_position_lots"] = check_int("max_position_lots", max_position_lots, minimum=0, maximum=2**62)
    cfg["max_order_lots"] = check_int("max_order_lots", max_order_lots, minimum=1, maximum=2**62)
    cfg["band_ticks"] = check_int("band_ticks", band_ticks, minimum=0, maximum=2**62)
    cfg["loss_limit"] = check_positive("loss_limit", loss_limit)
    if not isinstance(linear, (bool, np.bool_)):
        raise TypeError(f"linear must be a bool, got {type(linear).__name__} {linear!r}")
    cfg["linear"] = bool(linear)
    if check_int("queue_model", queue_model) not in (QUEUE_RISK_AVERSE, QUEUE_NONE):
        raise InvalidParameters(f"queue_model must be QUEUE_RISK_AVERSE (0) or QUEUE_NONE (1), got {queue_model!r}")
    cfg["queue_model"] = queue_model
    cfg["first_order_id"] = check_int("first_order_id", first_order_id, minimum=0, maximum=2**62)
    return cfg


def check_config(cfg_arr: np.ndarray, name: str = "cfg_arr") -> np.ndarray:
    """``cfg_arr`` after checking that it is a one-record ``LOOP_CONFIG`` array holding what
    :func:`make_config` accepts (the compiled loop divides by the tick size and trusts the limits)."""
    check_records(name, cfg_arr, LOOP_CONFIG, "LOOP_CONFIG (make_config)")
    if cfg_arr.shape != (1,):
        raise InvalidParameters(f"{name} must hold one LOOP_CONFIG record, got shape {cfg_arr.shape}")
    c = cfg_arr[0]
    make_config(
        tick_size=float(c["tick_size"]),
        horizon_end_ns=int(c["horizon_end_ns"]),
        max_position_lots=int(c["max_position_lots"]),
        max_order_lots=int(c["max_order_lots"]),
        band_ticks=int(c["band_ticks"]),
        loss_limit=float(c["loss_limit"]),
        linear=bool(c["linear"]),
        queue_model=int(c["queue_model"]),
        first_order_id=int(c["first_order_id"]),
    )
    return cfg_arr


def check_loop_state(st: LoopState, name: str = "st") -> LoopState:
    """``st`` after checking that it is a :class:`LoopState` with the arrays the compiled loop writes."""
    if not isinstance(st, LoopState):
        raise TypeError(f"{name} must be a LoopState made by new_loop_state, got {type(st).__name__}")
    for field, want in (("s", len(STATE_FIELDS)), ("hist", None)):
        a = getattr(st, field)
        if not isinstance(a, np.ndarray) or a.dtype != np.int64 or a.ndim != 1 or not a.flags.writeable:
            raise TypeError(f"{name}.{field} must be a writable 1-D int64 array, got {type(a).__name__}")
        if (want is not None and a.shape[0] != want) or a.shape[0] < 1:
            raise InvalidParameters(f"{name}.{field} must have {want or 'at least 1'} words, got {a.shape[0]}")
    for field, dtype, record in (("actions", ORDER, "ORDER"), ("fills", FILL, "FILL")):
        a = check_records(f"{name}.{field}", getattr(st, field), dtype, record)
        if a.shape[0] < 1:
            raise InvalidParameters(f"{name}.{field} must hold at least one record")
    return st


def new_loop_state(cfg: np.ndarray, max_actions: int = 1 << 20, max_fills: int = 1 << 16) -> LoopState:
    """Fresh loop state for the configuration ``cfg`` (of :func:`make_config`): no position, no own
    order, action and own-fill buffers of ``max_actions`` and ``max_fills`` records."""
    check_config(cfg, "cfg")
    max_actions = check_int("max_actions", max_actions, minimum=1)
    max_fills = check_int("max_fills", max_fills, minimum=1)
    check_memory("max_actions", max_actions, float(max_actions) * ORDER.itemsize, "the action buffer")
    check_memory("max_fills", max_fills, float(max_fills) * FILL.itemsize, "the own-fill buffer")
    s = np.zeros(len(STATE_FIELDS), np.int64)
    s[_NEXT] = cfg["first_order_id"][0]
    s[_BPX] = s[_APX] = NO_PRICE  # no own order yet (price 0 would read as a live order)
    s[_BOID] = s[_AOID] = -1
    return LoopState(
        s,
        np.zeros(check_int("max_actions", max_actions, minimum=1), ORDER),
        np.zeros(check_int("max_fills", max_fills, minimum=1), FILL),
        np.zeros(N_BUCKETS, np.int64),
    )


_depth_ticks, _bid_ticks, _ask_ticks = (engine_jit(f, inline=True) for f in (depth_ticks, bid_ticks, ask_ticks))


@engine_jit(inline=True)
def _own(side):
    """Index of the own order's price word on ``side``; its size, queue ahead and id follow it."""
    return _BPX if side > 0 else _APX


@engine_jit(inline=True)
def _own_fill(st, ts, side, price, qty):
    s = st.s
    o = _own(side)
    s[_POS] += side * qty
    s[_CASH] -= side * qty * price
    s[_VOL] += qty
    n = s[_NFILL]
    if n < st.fills.shape[0]:
        f = st.fills[n]
        f.ts_ns = ts
        f.order_id = s[o + _Q_OID]
        f.match_id = n
        f.side = side
        f.liquidity = MAKER
        f.price_ticks = price
        f.size_lots = qty
    s[_NFILL] = n + 1
    s[o + _Q_QTY] -= qty
    if s[o + _Q_QTY] == 0:
        s[o + _Q_PX] = NO_PRICE
        s[_NDONE] += 1


@engine_jit(inline=True)
def _on_trade(st, cfg, ts, rest_side, price, qty):
    """A trade of ``qty`` at ``price`` against resting orders of ``rest_side``: fill the own order on
    that side if the queue ahead of it is used up or the trade went through its price."""
    s = st.s
    px = _own(rest_side)
    q = px + 1
    ahead = px + 2
    own = s[px]
    if own == NO_PRICE:
        return
    through = (rest_side > 0 and price < own) or (rest_side < 0 and price > own)
    if through:
        _own_fill(st, ts, rest_side, own, s[q])
    elif price == own:
        if cfg.queue_model == QUEUE_NONE:
            _own_fill(st, ts, rest_side, own, min(qty, s[q]))
            return
        s[ahead] -= qty
        if s[ahead] < 0:
            f = min(-s[ahead], s[q])
            s[ahead] = 0
            _own_fill(st, ts, rest_side, own, f)


@engine_jit(inline=True)
def _act(st, ts, code, oid, side, price, qty, prev_oid):
    s = st.s
    n = s[_NACT]
    if n < st.actions.shape[0]:
        a = st.actions[n]
        a.ts_ns = ts
        a.order_id = oid
        a.side = side
        a.kind = 0
        a.status = code
        a.price_ticks = price
        a.size_lots = qty
        a.filled_lots = 0
        a.client_tag = prev_oid
    s[_NACT] = n + 1
    s[_NNEW + code - ACT_NEW] += 1


@engine_jit(inline=True)
def _set_side(st, bk, ts, side, want_px, want_qty):
    """Bring the own order on ``side`` to (``want_px``, ``want_qty``); NO_PRICE cancels it."""
    s = st.s
    px = _own(side)
    q = px + 1
    ahead = px + 2
    oid = px + 3
    if s[px] == want_px and (want_px == NO_PRICE or s[q] == want_qty):
        return
    if want_px == NO_PRICE:
        _act(st, ts, ACT_CANCEL, s[oid], side, s[px], s[q], s[oid])
        s[px] = NO_PRICE
        s[q] = 0
        return
    live = s[px] != NO_PRICE
    prev = s[oid] if live else -1
    s[oid] = s[_NEXT]
    s[_NEXT] += 1
    _act(st, ts, ACT_REPLACE if live else ACT_NEW, s[oid], side, want_px, want_qty, prev)
    s[px] = want_px
    s[q] = want_qty
    s[ahead] = book_level_qty(bk, side, want_px)


@engine_jit(inline=True)
def _step(bk, ev, surf, cfg, st):
    s = st.s
    ts = ev.ts_ns
    if s[_KILLED] != 0 and (s[_BPX] != NO_PRICE or s[_APX] != NO_PRICE):
        # the kill word was set from outside the loop (a risk monitor's halt): the own orders go before
        # this event's trades can fill them
        _set_side(st, bk, ts, 1, NO_PRICE, 0)
        _set_side(st, bk, ts, -1, NO_PRICE, 0)
    # The surface is read before the book update: it depends only on time and inventory, so its chain
    # of float operations runs while the book's branches resolve.  An own fill in this event changes
    # the inventory, and then it is read again.
    pos0 = s[_POS]
    tau = (cfg.horizon_end_ns - ts) * 1e-9
    bd, ad, bsz, asz, _ = surface_lookup_inline(surf, tau, pos0, cfg.linear != 0)
    bdt = _depth_ticks(bd, cfg.tick_size)
    adt = _depth_ticks(ad, cfg.tick_size)
    if ev.kind == EV_TRADE:
        _on_trade(st, cfg, ts, ev.side, ev.price_ticks, ev.size_lots)
    code = book_apply_inline(bk, ev)
    if code != OK:  # a refused event changed nothing; it is counted under its reason
        s[_BOOK_REJ + code - 1] += 1
    # Executions and incoming orders that matched left maker fills in the book's buffer: each one is a
    # trade against resting orders of its side at its price.
    for k in range(min(bk.hdr[HDR_N_FILLS], bk.fills.shape[0])):
        f = bk.fills[k]
        if f.liquidity == MAKER:
            _on_trade(st, cfg, ts, f.side, f.price_ticks, f.size_lots)
    bk.hdr[HDR_N_FILLS] = 0
    bb = bk.hdr[HDR_BEST_BID]
    ba = bk.hdr[HDR_BEST_ASK]
    if s[_BPX] != NO_PRICE:
        if ba != NO_PRICE and ba <= s[_BPX]:
            _own_fill(st, ts, 1, s[_BPX], s[_BQTY])
        else:
            s[_BAHEAD] = min(s[_BAHEAD], book_level_qty(bk, 1, s[_BPX]))
    if s[_APX] != NO_PRICE:
        if bb != NO_PRICE and bb >= s[_APX]:
            _own_fill(st, ts, -1, s[_APX], s[_AQTY])
        else:
            s[_AAHEAD] = min(s[_AAHEAD], book_level_qty(bk, -1, s[_APX]))
    if s[_KILLED] != 0:
        return
    if bb == NO_PRICE or ba == NO_PRICE:
        s[_SKIP] += 1
        return
    mid2 = bb + ba
    s[_MID2] = mid2
    if 2.0 * s[_CASH] + s[_POS] * mid2 < -2.0 * cfg.loss_limit:  # mark-to-mid PnL below the limit
        s[_KILLED] = 1
        _set_side(st, bk, ts, 1, NO_PRICE, 0)
        _set_side(st, bk, ts, -1, NO_PRICE, 0)
        return
    if s[_POS] != pos0:
        bd, ad, bsz, asz, _ = surface_lookup_inline(surf, tau, s[_POS], cfg.linear != 0)
        bdt = _depth_ticks(bd, cfg.tick_size)
        adt = _depth_ticks(ad, cfg.tick_size)
    mid = 0.5 * mid2
    want_b = NO_PRICE
    want_a = NO_PRICE
    if bd != np.inf and bsz > 0:
        want_b = min(_bid_ticks(mid, bdt), ba - 1)
        if bsz > cfg.max_order_lots:
            s[_RSIZE] += 1
            want_b = NO_PRICE
        elif s[_POS] + bsz > cfg.max_position_lots:
            s[_RPOS] += 1
            want_b = NO_PRICE
        elif mid - want_b > cfg.band_ticks or want_b <= 0:
            s[_RBAND] += 1
            want_b = NO_PRICE
    if ad != np.inf and asz > 0:
        want_a = max(_ask_ticks(mid, adt), bb + 1)
        if asz > cfg.max_order_lots:
            s[_RSIZE] += 1
            want_a = NO_PRICE
        elif s[_POS] - asz < -cfg.max_position_lots:
            s[_RPOS] += 1
            want_a = NO_PRICE
        elif want_a - mid > cfg.band_ticks:
            s[_RBAND] += 1
            want_a = NO_PRICE
    _set_side(st, bk, ts, 1, want_b, bsz)
    _set_side(st, bk, ts, -1, want_a, asz)


def run_loop(bk: BookState, events: np.ndarray, surf: SurfaceTable, cfg_arr: np.ndarray, st: LoopState) -> int:
    """Process ``events`` (``EVENT`` records) through book, surface, risk gate and queue model.

    ``bk`` is a ``BookState``, ``surf`` a ``SurfaceTable``, ``cfg_arr`` a one-record ``LOOP_CONFIG``
    array and ``st`` a ``LoopState``; all state persists in them.  Returns the events processed.
    From Python each is checked first (the compiled loop has no bounds checks); compiled callers get
    the loop itself.
    """
    check_book_state(bk)
    check_records("events", events, EVENT, "EVENT")
    check_surface_table(surf, "surf")
    check_config(cfg_arr)
    check_loop_state(st)
    return _run_loop(bk, events, surf, cfg_arr, st)


@overload(run_loop)
def _run_loop_compiled(bk, events, surf, cfg_arr, st):
    return lambda bk, events, surf, cfg_arr, st: _run_loop(bk, events, surf, cfg_arr, st)


@engine_jit
def _run_loop(bk, events, surf, cfg_arr, st):
    ls = LoopState(borrowed(st.s), borrowed(st.actions), borrowed(st.fills), borrowed(st.hist))
    # int64 (not literal) start and mask: one compiled _run serves both entry points
    return _run(borrow_book(bk), events, np.int64(0), events.shape[0], np.int64(-1), borrow_surface(surf), cfg_arr, ls)


def run_loop_ring(
    bk: BookState,
    hdr: np.ndarray,
    data: np.ndarray,
    surf: SurfaceTable,
    cfg_arr: np.ndarray,
    st: LoopState,
    max_events: int,
    spin_limit: int,
) -> int:
    """:func:`run_loop` on up to ``max_events`` records read in place from a ring's memory
    (``ring.hdr``, ``ring.data`` of an ``SpscRing`` of ``EVENT``; this process is its consumer).

    Waits at most ``spin_limit`` empty polls for the first record; the processed records' slots are
    handed back to the producer when the batch is done.  Returns the events processed (0: none came).
    From Python the arguments are checked first (``hdr`` and ``data`` against each other: the slots
    are indexed through the header's capacity); compiled callers get the loop itself.
    """
    check_book_state(bk)
    if not isinstance(hdr, np.ndarray) or hdr.dtype != np.int64 or hdr.shape != (RING_HDR_WORDS,):
        raise TypeError(
            f"hdr must be a ring's int64 header (SpscRing.hdr, {RING_HDR_WORDS} words), got "
            f"{type(hdr).__name__} {getattr(hdr, 'dtype', '')} {getattr(hdr, 'shape', '')}"
        )
    check_records("data", data, EVENT, "EVENT")
    cap = int(hdr[RING_CAPACITY])
    if cap < 2 or cap & (cap - 1) or data.shape[0] != cap or hdr[RING_ITEM_BYTES] != EVENT.itemsize:
        raise InvalidParameters(
            f"data ({data.shape[0]} records) and hdr (capacity {cap}) are not one ring of EVENT "
            "records (SpscRing.create(EVENT, capacity))"
        )
    check_surface_table(surf, "surf")
    check_config(cfg_arr)
    check_loop_state(st)
    max_events = check_int("max_events", max_events, minimum=0, maximum=2**62)
    spin_limit = check_int("spin_limit", spin_limit, minimum=0, maximum=2**62)
    return _run_loop_ring(bk, hdr, data, surf, cfg_arr, st, max_events, spin_limit)


@overload(run_loop_ring)
def _run_loop_ring_compiled(bk, hdr, data, surf, cfg_arr, st, max_events, spin_limit):
    return lambda bk, hdr, data, surf, cfg_arr, st, max_events, spin_limit: _run_loop_ring(
        bk, hdr, data, surf, cfg_arr, st, max_events, spin_limit
    )


@engine_jit
def _run_loop_ring(bk, hdr, data, surf, cfg_arr, st, max_events, spin_limit):
    tail, k = ring_claim(hdr, max_events, spin_limit)
    if k > 0:
        ls = LoopState(borrowed(st.s), borrowed(st.actions), borrowed(st.fills), borrowed(st.hist))
        _run(borrow_book(bk), data, tail, k, ring_mask(hdr), borrow_surface(surf), cfg_arr, ls)
        ring_release(hdr, tail + k)
    return k


@engine_jit
def _run(bk, events, start, count, mask, surf, cfg_arr, st):
    """The loop proper on ``events[(start + i) & mask]`` for ``i < count`` (``mask`` -1 for an array,
    ``capacity - 1`` for a ring's slots); its state arrives as (borrowed) arguments, see
    ``atomics.borrowed``."""
    cfg = cfg_arr[0]
    nb = st.hist.shape[0]
    if count == 0:
        return 0
    # One counter read per event: event i's latency is the interval from the read before its step to
    # the read before the next one, so it also holds the previous histogram update (a few cycles, an
    # overestimate); a second read after each step would cost more than the rest of the loop here.
    c0 = cycle_counter()
    for i in range(count):
        _step(bk, events[(start + i) & mask], surf, cfg, st)
        c1 = cycle_counter()
        st.hist[min(max((c1 - c0) >> 2, 0), nb - 1)] += 1
        c0 = c1
    st.s[_NEV] += count
    return count


@engine_jit
def _cycles():
    return cycle_counter()


def cycles_per_ns(duration_s: float = 0.05) -> float:
    """Cycle-counter ticks per nanosecond, measured against ``time.perf_counter_ns`` over ``duration_s``
    (> 0, at most 10 s: the measurement spins a core for that long)."""
    duration_s = check_in_range("duration_s", duration_s, 0.0, 10.0, low_open=True)
    _cycles()
    t0, c0 = time.perf_counter_ns(), _cycles()
    while time.perf_counter_ns() - t0 < duration_s * 1e9:
        pass
    t1, c1 = time.perf_counter_ns(), _cycles()
    if c1 <= c0:
        raise InvalidParameters("the cycle counter does not advance on this CPU; latency histograms are unavailable")
    return (c1 - c0) / (t1 - t0)


def latency_percentiles(
    hist: np.ndarray, cycles_ns: float, qs: Sequence[float] = (50.0, 99.0, 99.9)
) -> dict[str, float]:
    """Percentiles (ns) of a loop latency histogram: the upper edge of the bucket holding each quantile,
    so a reported value is never below the true one by more than one bucket (4 cycles).  ``hist`` holds
    non-negative integer counts, ``cycles_ns`` > 0 and each of ``qs`` lies in (0, 100]."""
    if not isinstance(hist, np.ndarray) or hist.dtype.kind not in "iu" or hist.ndim != 1 or hist.size < 1:
        raise TypeError(
            f"hist must be a non-empty 1-D integer array (LoopState.hist), got {type(hist).__name__} "
            f"{getattr(hist, 'dtype', '')}"
        )
    if np.any(hist < 0):
        raise InvalidParameters(f"hist must hold counts >= 0; hist[{int(np.argmax(hist < 0))}] < 0")
    cycles_ns = check_positive("cycles_ns", cycles_ns)
    if isinstance(qs, (str, bytes)) or np.ndim(qs) != 1:
        raise TypeError(f"qs must be a sequence of percentiles, got {qs!r}")
    qs = [check_in_range("qs[i]", q, 0.0, 100.0, low_open=True) for q in qs]
    total = int(hist.sum())
    if total == 0:
        return {f"p{q:g}": float("nan") for q in qs}
    cum = np.cumsum(hist)
    out = {}
    for q in qs:
        b = int(np.searchsorted(cum, np.ceil(q / 100.0 * total)))
        out[f"p{q:g}"] = 4.0 * (b + 1) / cycles_ns
    out["overflow_fraction"] = float(hist[-1]) / total
    return out
