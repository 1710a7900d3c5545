"""A price-time priority limit order book (L3: every order) compiled with Numba.

Prices are int64 ticks and sizes int64 lots.  Price levels live in arrays over a window of ``window``
ticks that re-centres (one O(window) shift) when a price falls outside it and all live orders still fit;
each level is a FIFO kept as an intrusive doubly linked list through a preallocated order pool, and an
open-addressing hash map (``engine/idmap.py``) maps order ids to pool slots, so add, cancel, reduce
and execute are O(1) and nothing is allocated on the hot path.  Incoming limit orders
that cross are matched against the opposite side at the resting orders' prices in price-time priority
(marketable limits rest their remainder, market orders drop it); every match writes two ``FILL``
records (maker and taker) with a shared ``match_id``.  The batch entry point prefetches the id-map
entry and pool row of events a few places ahead, which hides most L2 latency of large books.

Every operation returns a status code (``OK`` or a reason from :data:`REASONS`); a rejected operation
changes nothing.  This module holds the compiled kernels: compiled callers use the ``book_*``
functions on a :class:`BookState` and drain its fill buffer themselves (``book_apply_events`` stops
before the buffer could overflow).  Python callers use the facade in ``engine/orderbook.py``
(``OrderBook``), which raises ``OrderRejected``, never loses a fill, and runs a whole ``EVENT`` array
in one call with ``OrderBook.apply`` (one Python→Numba call costs ~200 ns, more than an operation).

References
----------
Harris, L. (2003), *Trading and Exchanges*, ch. 6 (order-precedence rules).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba.extending import overload

from .._typing import Int64Array
from ..errors import InvalidParameters, check_int, check_memory
from ..kernels.jit import engine_jit
from .atomics import borrowed, prefetch_row
from .idmap import MAP_VALUE, map_delete, map_find, map_home, map_insert, new_map
from .types import (
    EV_ADD,
    EV_CANCEL,
    EV_EXECUTE,
    EV_MARKET,
    EV_MODIFY,
    EV_REDUCE,
    EV_REPLACE,
    EV_TRADE,
    EVENT,
    FILL,
    MAKER,
    TAKER,
    check_int64,
    check_records,
)

__all__ = [
    "OK",
    "UNKNOWN_ID",
    "DUPLICATE_ID",
    "BAD_SIZE",
    "BAD_PRICE",
    "OUT_OF_RANGE",
    "POOL_FULL",
    "BAD_SIDE",
    "BAD_ID",
    "BAD_KIND",
    "REASONS",
    "REJECT_NAMES",
    "NO_PRICE",
    "NO_SLOT",
    "BookState",
    "new_book_state",
    "HDR_BASE",
    "HDR_WINDOW",
    "HDR_BEST_BID",
    "HDR_BEST_ASK",
    "HDR_FREE",
    "HDR_N_ORDERS",
    "HDR_NEXT_MATCH",
    "HDR_N_FILLS",
    "HDR_MASK",
    "HDR_N_LEVELS_BID",
    "HDR_N_LEVELS_ASK",
    "HDR_CAPACITY",
    "HDR_WORDS",
    "LV_HEAD",
    "LV_TAIL",
    "LV_SIZE",
    "LV_COUNT",
    "LV_WORDS",
    "ORD_ID",
    "ORD_PRICE",
    "ORD_SIZE",
    "ORD_SIDE",
    "ORD_NEXT",
    "ORD_PREV",
    "ORD_TS",
    "ORD_WORDS",
    "book_add",
    "book_market",
    "book_cancel",
    "book_reduce",
    "book_execute",
    "book_modify",
    "book_replace",
    "book_apply_event",
    "book_apply_events",
    "book_apply_range",
    "book_apply_inline",
    "book_find",
    "borrow_book",
    "book_queue_ahead",
    "book_level_qty",
    "book_depth",
    "side_index",
    "check_book_state",
]

OK, UNKNOWN_ID, DUPLICATE_ID, BAD_SIZE, BAD_PRICE, OUT_OF_RANGE, POOL_FULL, BAD_SIDE, BAD_ID, BAD_KIND = range(10)
REASONS = {
    OK: "ok",
    UNKNOWN_ID: "unknown order id",
    DUPLICATE_ID: "order id already live",
    BAD_SIZE: "size must be > 0 (and not above the order's remaining size)",
    BAD_PRICE: "price must be > 0 ticks",
    OUT_OF_RANGE: "price too far from the live orders: they would not fit in the book's price window",
    POOL_FULL: "order pool full",
    BAD_SIDE: "side must be BUY (+1) or SELL (-1)",
    BAD_ID: "order id must be >= 0",
    BAD_KIND: "unknown event kind",
}
"""Status code → message."""

REJECT_NAMES = (
    "unknown_id",
    "duplicate_id",
    "bad_size",
    "bad_price",
    "out_of_range",
    "pool_full",
    "bad_side",
    "bad_id",
    "bad_kind",
)
"""Short name of each rejection reason: ``REJECT_NAMES[code - 1]`` for the codes 1..9 (counter names)."""

NO_PRICE = -1
"""Best bid/ask when that side is empty."""

NO_SLOT = -1
"""Null link of the order pool (a level's head or tail, an order's next or previous) and the id of a free pool row."""

# Layouts of the arrays of a :class:`BookState`, named for the code that reads them.  They are plain int
# globals, which Numba freezes into the compiled code as constants: a named index costs what a literal does.
# The two sides' words are adjacent, bids first, so ``HDR_BEST_BID + side_index(side)`` is that side's.
HDR_BASE = 0  #: ``hdr`` word: price (ticks) of level index 0 of the price window
HDR_WINDOW = 1  #: width of the price window (ticks)
HDR_BEST_BID = 2  #: best bid (ticks), ``NO_PRICE`` when there is none
HDR_BEST_ASK = 3  #: best ask (ticks), ``NO_PRICE`` when there is none
HDR_FREE = 4  #: first slot of the pool's free list (``NO_SLOT``: the pool is full)
HDR_N_ORDERS = 5  #: live orders
HDR_NEXT_MATCH = 6  #: ``match_id`` of the next match
HDR_N_FILLS = 7  #: ``FILL`` records written since the last drain (those past the buffer's end are lost)
HDR_MASK = 8  #: the id map's row mask (rows - 1)
HDR_N_LEVELS_BID = 9  #: non-empty bid levels
HDR_N_LEVELS_ASK = 10  #: non-empty ask levels
HDR_CAPACITY = 11  #: pool slots: the most live orders
HDR_WORDS = 16  #: length of ``hdr``

LV_HEAD = 0  #: ``lv[side, i]`` word: slot of the level's first order in time priority (``NO_SLOT``: empty)
LV_TAIL = 1  #: slot of the level's last order (``NO_SLOT``: empty)
LV_SIZE = 2  #: lots resting at the level
LV_COUNT = 3  #: orders resting at the level
LV_WORDS = 4  #: words per level

ORD_ID = 0  #: ``ords[slot]`` word: order id (``NO_SLOT`` in a free row)
ORD_PRICE = 1  #: price (ticks)
ORD_SIZE = 2  #: lots left
ORD_SIDE = 3  #: BUY (+1) or SELL (-1)
ORD_NEXT = 4  #: next slot of the level's FIFO, or of the free list (``NO_SLOT`` at the end)
ORD_PREV = 5  #: previous slot of the level's FIFO (``NO_SLOT`` at its head)
ORD_TS = 6  #: time the order rested (ns)
ORD_WORDS = 8  #: words per order: one 64-byte cache line (the last word is padding)

_AHEAD = 16  # events between the prefetch of an id's map entry and its use in book_apply_events

BookState = namedtuple("BookState", ["hdr", "lv", "ords", "mp", "fills"])
BookState.__doc__ = """Arrays of one book; create with :func:`new_book_state`, pass to the ``book_*`` functions.

``hdr`` holds the ``HDR_*`` words; ``lv[s, i]`` is level ``base + i`` on side ``s`` (0 bids, 1 asks,
:func:`side_index`), words ``LV_*``; ``ords[slot]`` is one order of the pool, words ``ORD_*``, one
64-byte row per order; ``mp[i]`` is a (key, slot) entry of the id map; ``fills`` the FILL records
written since the last drain (``hdr[HDR_N_FILLS]`` of them; records past the buffer's end are counted
there but not stored, so a compiled caller drains before that can happen: one operation writes at
most two records per live order, plus one).  Few arrays keep the argument lists of compiled calls
short, and rows keep each order and level on one cache line."""

# Leaf helpers are compiled with ``engine_jit(inline=True)``, inlined in Numba IR: a call would pass
# every array of the state as separate arguments.


def new_book_state(capacity: int = 1 << 16, window: int = 1 << 14, fill_capacity: int | None = None) -> BookState:
    """Allocate a book for up to ``capacity`` live orders over a price window of ``window`` ticks.

    ``fill_capacity`` (default ``2 * capacity + 16``) bounds the fills buffered between drains; it must
    be at least that, so one operation (at most two records per resting order) always fits.
    """
    capacity = check_int("capacity", capacity, minimum=1)
    window = check_int("window", window, minimum=2)
    need = 2 * capacity + 16
    fill_capacity = need if fill_capacity is None else check_int("fill_capacity", fill_capacity, minimum=need)
    # pool rows and map rows per order, two levels per tick of the window, one record per buffered fill
    check_memory(
        "capacity", capacity, capacity * (8 * ORD_WORDS + 64) + fill_capacity * FILL.itemsize, "the order pool"
    )
    check_memory("window", window, window * 2 * LV_WORDS * 8, "the price levels")
    mp = new_map(capacity)
    hdr = np.zeros(HDR_WORDS, np.int64)
    hdr[HDR_WINDOW], hdr[HDR_BEST_BID], hdr[HDR_BEST_ASK] = window, NO_PRICE, NO_PRICE
    hdr[HDR_MASK], hdr[HDR_CAPACITY] = mp.shape[0] - 1, capacity
    lv = np.zeros((2, window, LV_WORDS), np.int64)
    lv[:, :, LV_HEAD] = lv[:, :, LV_TAIL] = NO_SLOT
    ords = np.zeros((capacity, ORD_WORDS), np.int64)
    ords[:, ORD_ID] = NO_SLOT
    ords[:, ORD_NEXT] = np.arange(1, capacity + 1)
    ords[-1, ORD_NEXT] = NO_SLOT
    ords[:, ORD_PREV] = NO_SLOT
    return BookState(hdr, lv, ords, mp, np.zeros(fill_capacity, FILL))


def check_book_state(bk: BookState, name: str = "bk") -> BookState:
    """``bk`` after checking that it is a :class:`BookState` whose arrays have the dtypes, shapes and
    layout the compiled functions index without bounds checks (O(1): the header's sizes against the
    arrays', not the book's contents)."""
    if not isinstance(bk, BookState):
        raise TypeError(f"{name} must be a BookState made by new_book_state, got {type(bk).__name__}")
    for field in ("hdr", "lv", "ords", "mp"):
        a = getattr(bk, field)
        if not isinstance(a, np.ndarray) or a.dtype != np.int64 or not a.flags.c_contiguous or not a.flags.writeable:
            raise TypeError(
                f"{name}.{field} must be a writable, C-contiguous int64 array, got {type(a).__name__} "
                f"{getattr(a, 'dtype', '')}"
            )
    check_records(f"{name}.fills", bk.fills, FILL, "FILL")
    hdr = bk.hdr
    if hdr.shape != (HDR_WORDS,):
        raise InvalidParameters(f"{name}.hdr must have shape ({HDR_WORDS},), got {hdr.shape}")
    capacity, window, mask = int(hdr[HDR_CAPACITY]), int(hdr[HDR_WINDOW]), int(hdr[HDR_MASK])
    expect = {"lv": (2, window, LV_WORDS), "ords": (capacity, ORD_WORDS), "mp": (mask + 1, 2)}
    for field, shape in expect.items():
        if getattr(bk, field).shape != shape:
            raise InvalidParameters(
                f"{name}.{field} has shape {getattr(bk, field).shape}, its header says {shape}: "
                "the state is not one new_book_state made"
            )
    if bk.fills.shape[0] < 2 * capacity + 16:
        raise InvalidParameters(
            f"{name}.fills holds {bk.fills.shape[0]} records, fewer than 2 * capacity + 16 = {2 * capacity + 16}"
        )
    return bk


def borrow_book(bk):
    """The same book with borrowed (not reference-counted) arrays, for hot loops; compiled code only.

    The view is valid while the caller holds ``bk``: a compiled entry point passes it straight to a
    compiled worker (``return _work(borrow_book(bk), ...)``) and never returns or stores it, so the
    view dies with the call (see ``atomics.borrowed``).  Called from Python it raises ``TypeError``.
    """
    raise TypeError("borrow_book() is for compiled code only: its arrays must not outlive the compiled call")


@overload(borrow_book, inline="always")
def _borrow_book(bk):
    def impl(bk):
        return BookState(borrowed(bk.hdr), borrowed(bk.lv), borrowed(bk.ords), borrowed(bk.mp), borrowed(bk.fills))

    return impl


# -------------------------------------------------------------------------------------- price window
@engine_jit(inline=True)
def _fits(bk, price):
    """True if ``price`` is inside the window, re-centring it first when every live level still fits."""
    base = bk.hdr[HDR_BASE]
    return (base <= price < base + bk.hdr[HDR_WINDOW]) or _recentre(bk, price)


@engine_jit
def _recentre(bk, price):
    """Shift the window to hold ``price`` if every live level still fits (the rare path of ``_fits``)."""
    base = bk.hdr[HDR_BASE]
    w = bk.hdr[HDR_WINDOW]
    lo = price
    hi = price
    if bk.hdr[HDR_N_LEVELS_BID] + bk.hdr[HDR_N_LEVELS_ASK] > 0:
        for i in range(w):
            if bk.lv[0, i, LV_COUNT] > 0 or bk.lv[1, i, LV_COUNT] > 0:
                lo = min(lo, base + i)
                break
        for i in range(w - 1, -1, -1):
            if bk.lv[0, i, LV_COUNT] > 0 or bk.lv[1, i, LV_COUNT] > 0:
                hi = max(hi, base + i)
                break
    if hi - lo >= w:
        return False
    new_base = lo - (w - 1 - (hi - lo)) // 2
    d = new_base - base
    for s in range(2):
        if d > 0:
            for i in range(w):
                _move_level(bk, s, i, i + d, w)
        else:
            for i in range(w - 1, -1, -1):
                _move_level(bk, s, i, i + d, w)
    bk.hdr[HDR_BASE] = new_base
    return True


@engine_jit(inline=True)
def _move_level(bk, s, dst, src, w):
    if 0 <= src < w:
        bk.lv[s, dst, LV_HEAD] = bk.lv[s, src, LV_HEAD]
        bk.lv[s, dst, LV_TAIL] = bk.lv[s, src, LV_TAIL]
        bk.lv[s, dst, LV_SIZE] = bk.lv[s, src, LV_SIZE]
        bk.lv[s, dst, LV_COUNT] = bk.lv[s, src, LV_COUNT]
    else:
        bk.lv[s, dst, LV_HEAD] = NO_SLOT
        bk.lv[s, dst, LV_TAIL] = NO_SLOT
        bk.lv[s, dst, LV_SIZE] = 0
        bk.lv[s, dst, LV_COUNT] = 0


# ------------------------------------------------------------------------------------- level lists
@engine_jit(inline=True)
def side_index(side):
    """0 for BUY (+1), 1 for SELL (-1), without a branch."""
    return (1 - side) >> 1


@engine_jit(inline=True)
def _rest(bk, oid, side, price, qty, ts):
    slot = bk.hdr[HDR_FREE]
    bk.hdr[HDR_FREE] = bk.ords[slot, ORD_NEXT]
    bk.hdr[HDR_N_ORDERS] += 1
    bk.ords[slot, ORD_ID] = oid
    bk.ords[slot, ORD_PRICE] = price
    bk.ords[slot, ORD_SIZE] = qty
    bk.ords[slot, ORD_SIDE] = side
    bk.ords[slot, ORD_TS] = ts
    map_insert(bk.mp, bk.hdr[HDR_MASK], oid, slot)
    s = side_index(side)
    li = price - bk.hdr[HDR_BASE]
    tail = bk.lv[s, li, LV_TAIL]
    bk.ords[slot, ORD_PREV] = tail
    bk.ords[slot, ORD_NEXT] = NO_SLOT
    if tail == NO_SLOT:
        bk.lv[s, li, LV_HEAD] = slot
        bk.hdr[HDR_N_LEVELS_BID + s] += 1
        best = bk.hdr[HDR_BEST_BID + s]
        if best == NO_PRICE or side * (price - best) > 0:  # side-free test: the side is random
            bk.hdr[HDR_BEST_BID + s] = price
    else:
        bk.ords[tail, ORD_NEXT] = slot
    bk.lv[s, li, LV_TAIL] = slot
    bk.lv[s, li, LV_SIZE] += qty
    bk.lv[s, li, LV_COUNT] += 1


@engine_jit(inline=True)
def _remove(bk, slot):
    """Unlink the order in ``slot`` from its level, the id map and the pool."""
    s = side_index(bk.ords[slot, ORD_SIDE])
    price = bk.ords[slot, ORD_PRICE]
    base = bk.hdr[HDR_BASE]
    li = price - base
    prv = bk.ords[slot, ORD_PREV]
    nxt = bk.ords[slot, ORD_NEXT]
    if prv == NO_SLOT:
        bk.lv[s, li, LV_HEAD] = nxt
    else:
        bk.ords[prv, ORD_NEXT] = nxt
    if nxt == NO_SLOT:
        bk.lv[s, li, LV_TAIL] = prv
    else:
        bk.ords[nxt, ORD_PREV] = prv
    bk.lv[s, li, LV_SIZE] -= bk.ords[slot, ORD_SIZE]
    bk.lv[s, li, LV_COUNT] -= 1
    if bk.lv[s, li, LV_COUNT] == 0:
        bk.hdr[HDR_N_LEVELS_BID + s] -= 1
        if price == bk.hdr[HDR_BEST_BID + s]:
            best = NO_PRICE
            if bk.hdr[HDR_N_LEVELS_BID + s] > 0:
                step = 2 * s - 1  # the next bid is below the old best, the next ask above it
                w = bk.hdr[HDR_WINDOW]
                i = li + step
                while 0 <= i < w:
                    if bk.lv[s, i, LV_COUNT] > 0:
                        best = base + i
                        break
                    i += step
            bk.hdr[HDR_BEST_BID + s] = best
    map_delete(bk.mp, bk.hdr[HDR_MASK], bk.ords[slot, ORD_ID])
    bk.ords[slot, ORD_ID] = NO_SLOT
    bk.ords[slot, ORD_NEXT] = bk.hdr[HDR_FREE]
    bk.hdr[HDR_FREE] = slot
    bk.hdr[HDR_N_ORDERS] -= 1


@engine_jit(inline=True)
def _emit(bk, ts, oid, match_id, side, liquidity, price, qty):
    n = bk.hdr[HDR_N_FILLS]
    if n < bk.fills.shape[0]:
        f = bk.fills[n]
        f.ts_ns = ts
        f.order_id = oid
        f.match_id = match_id
        f.instrument_id = 0
        f.side = side
        f.liquidity = liquidity
        f.price_ticks = price
        f.size_lots = qty
    bk.hdr[HDR_N_FILLS] = n + 1


@engine_jit(inline=True)
def _match(bk, oid, side, limit, qty, ts):
    """Match ``qty`` of an incoming order against the other side up to ``limit`` (-1: no limit);
    returns the size left."""
    rem = qty
    o = 1 if side > 0 else 0
    while rem > 0:
        bp = bk.hdr[HDR_BEST_BID + o]
        if bp == NO_PRICE or (limit >= 0 and side * (bp - limit) > 0):
            break
        slot = bk.lv[o, bp - bk.hdr[HDR_BASE], LV_HEAD]
        while rem > 0 and slot != NO_SLOT:
            q = min(rem, bk.ords[slot, ORD_SIZE])
            mid = bk.hdr[HDR_NEXT_MATCH]
            bk.hdr[HDR_NEXT_MATCH] = mid + 1
            _emit(bk, ts, bk.ords[slot, ORD_ID], mid, bk.ords[slot, ORD_SIDE], MAKER, bp, q)
            _emit(bk, ts, oid, mid, side, TAKER, bp, q)
            rem -= q
            bk.ords[slot, ORD_SIZE] -= q
            bk.lv[o, bp - bk.hdr[HDR_BASE], LV_SIZE] -= q
            nxt = bk.ords[slot, ORD_NEXT]
            if bk.ords[slot, ORD_SIZE] == 0:
                _remove(bk, slot)
            slot = nxt
    return rem


# ------------------------------------------------------------------------------------ operations
@engine_jit(inline=True)
def _add(bk, oid, side, price, qty, ts):
    if side != 1 and side != -1:
        return BAD_SIDE
    if oid < 0:
        return BAD_ID
    if qty <= 0:
        return BAD_SIZE
    if price <= 0:
        return BAD_PRICE
    if map_find(bk.mp, bk.hdr[HDR_MASK], oid) >= 0:
        return DUPLICATE_ID
    if bk.hdr[HDR_FREE] == NO_SLOT:
        return POOL_FULL
    if not _fits(bk, price):
        return OUT_OF_RANGE
    rem = _match(bk, oid, side, price, qty, ts)
    if rem > 0:
        _rest(bk, oid, side, price, rem, ts)
    return OK


@engine_jit
def _add_call(bk, oid, side, price, qty, ts):
    return _add(bk, oid, side, price, qty, ts)


# The public operations called from Python are wrappers that borrow the state and call one compiled
# worker, so the worker is compiled once, for borrowed arrays, whoever calls it.
@engine_jit
def book_add(bk, oid, side, price, qty, ts):
    """Limit order: match what crosses, rest the remainder.  Returns a status code."""
    return _add_call(borrow_book(bk), oid, side, price, qty, ts)


@engine_jit
def book_market(bk, oid, side, qty, ts):
    """Market order: match up to ``qty`` at any price; the unfilled remainder is dropped."""
    return _market(borrow_book(bk), oid, side, qty, ts)


@engine_jit
def _market(bk, oid, side, qty, ts):
    if side != 1 and side != -1:
        return BAD_SIDE
    if oid < 0:
        return BAD_ID
    if qty <= 0:
        return BAD_SIZE
    if map_find(bk.mp, bk.hdr[HDR_MASK], oid) >= 0:
        return DUPLICATE_ID
    _match(bk, oid, side, -1, qty, ts)
    return OK


@engine_jit(inline=True)
def _take(bk, slot, qty):
    """Take ``qty`` lots (0 < qty <= what is left) off the order in ``slot``; it leaves the book at zero."""
    if qty == bk.ords[slot, ORD_SIZE]:
        _remove(bk, slot)
    else:
        bk.ords[slot, ORD_SIZE] -= qty
        bk.lv[side_index(bk.ords[slot, ORD_SIDE]), bk.ords[slot, ORD_PRICE] - bk.hdr[HDR_BASE], LV_SIZE] -= qty


@engine_jit(inline=True)
def _on_resting(bk, kind, oid, qty, price, ts):
    """EV_CANCEL, EV_REDUCE or EV_EXECUTE of resting order ``oid``: one code path for the three, so
    the compiled dispatch holds one copy of the id lookup and of the unlinking."""
    slot = map_find(bk.mp, bk.hdr[HDR_MASK], oid) if oid >= 0 else -1
    if slot < 0:
        return UNKNOWN_ID
    if kind == EV_CANCEL:
        qty = bk.ords[slot, ORD_SIZE]
    elif qty <= 0 or qty > bk.ords[slot, ORD_SIZE]:
        return BAD_SIZE
    if kind == EV_EXECUTE:
        mid = bk.hdr[HDR_NEXT_MATCH]
        bk.hdr[HDR_NEXT_MATCH] = mid + 1
        _emit(bk, ts, oid, mid, bk.ords[slot, ORD_SIDE], MAKER, price if price > 0 else bk.ords[slot, ORD_PRICE], qty)
    _take(bk, slot, qty)
    return OK


@engine_jit
def _on_resting_call(bk, kind, oid, qty, price, ts):
    return _on_resting(bk, kind, oid, qty, price, ts)


@engine_jit
def book_cancel(bk, oid):
    """Delete a resting order."""
    return _on_resting_call(borrow_book(bk), EV_CANCEL, oid, 0, 0, 0)


@engine_jit
def book_reduce(bk, oid, qty):
    """Cancel ``qty`` lots of a resting order, keeping its priority (removes it at zero)."""
    return _on_resting_call(borrow_book(bk), EV_REDUCE, oid, qty, 0, 0)


@engine_jit
def book_execute(bk, oid, qty, price, ts):
    """Execute ``qty`` lots of a resting order (a maker fill at ``price`` if > 0, else its own price)."""
    return _on_resting_call(borrow_book(bk), EV_EXECUTE, oid, qty, price, ts)


@engine_jit
def book_modify(bk, oid, price, qty, ts):
    """Change price and size; priority is kept only if the price is unchanged and the size does not
    grow, otherwise the order is cancelled and re-entered (and may match)."""
    return _modify(borrow_book(bk), oid, price, qty, ts)


@engine_jit
def _modify(bk, oid, price, qty, ts):
    slot = map_find(bk.mp, bk.hdr[HDR_MASK], oid) if oid >= 0 else -1
    if slot < 0:
        return UNKNOWN_ID
    if qty <= 0:
        return BAD_SIZE
    if price <= 0:
        return BAD_PRICE
    old = bk.ords[slot, ORD_SIZE]
    if price == bk.ords[slot, ORD_PRICE] and qty <= old:
        if qty < old:
            _take(bk, slot, old - qty)
        return OK
    if not _fits(bk, price):
        return OUT_OF_RANGE
    side = bk.ords[slot, ORD_SIDE]
    _remove(bk, slot)
    return _add_call(bk, oid, side, price, qty, ts)


@engine_jit
def book_replace(bk, oid, new_oid, price, qty, ts):
    """Cancel ``oid`` and enter ``new_oid`` on the same side at ``price``, ``qty`` (ITCH ``U``)."""
    return _replace(borrow_book(bk), oid, new_oid, price, qty, ts)


@engine_jit
def _replace(bk, oid, new_oid, price, qty, ts):
    slot = map_find(bk.mp, bk.hdr[HDR_MASK], oid) if oid >= 0 else -1
    if slot < 0:
        return UNKNOWN_ID
    if new_oid < 0:
        return BAD_ID
    if new_oid != oid and map_find(bk.mp, bk.hdr[HDR_MASK], new_oid) >= 0:
        return DUPLICATE_ID
    if qty <= 0:
        return BAD_SIZE
    if price <= 0:
        return BAD_PRICE
    if not _fits(bk, price):
        return OUT_OF_RANGE
    side = bk.ords[slot, ORD_SIDE]
    _remove(bk, slot)
    return _add_call(bk, new_oid, side, price, qty, ts)


@engine_jit
def _apply_event(bk, ev):
    return book_apply_inline(borrow_book(bk), ev)


def book_apply_event(bk: BookState, ev: np.void) -> int:
    """Apply one ``EVENT`` record; ``EV_TRADE`` leaves the book unchanged.  Returns a status code.

    From Python the book and the record are checked first (``TypeError`` for anything else); compiled
    callers get the kernel itself.
    """
    check_book_state(bk)
    if not isinstance(ev, np.void) or ev.dtype != EVENT:
        raise TypeError(f"ev must be one engine.types.EVENT record (events[i]), got {type(ev).__name__}")
    return _apply_event(bk, ev)


@overload(book_apply_event)
def _book_apply_event_compiled(bk, ev):
    return lambda bk, ev: _apply_event(bk, ev)


@engine_jit(inline=True)
def book_apply_inline(bk, ev):
    """:func:`book_apply_event` on a borrowed book (:func:`borrow_book`), inlined into the compiled
    caller's loop.  Returns a status code."""
    # Inlined because a call would pass every array of the state as separate arguments; the rare
    # kinds stay calls, which keeps the inlined copy small to compile.
    k = ev.kind
    if k == EV_ADD:
        return _add(bk, ev.order_id, ev.side, ev.price_ticks, ev.size_lots, ev.ts_ns)
    if k == EV_CANCEL or k == EV_REDUCE or k == EV_EXECUTE:
        return _on_resting(bk, k, ev.order_id, ev.size_lots, ev.price_ticks, ev.ts_ns)
    if k == EV_REPLACE:
        return _replace(bk, ev.order_id, ev.new_order_id, ev.price_ticks, ev.size_lots, ev.ts_ns)
    if k == EV_MARKET:
        return _market(bk, ev.order_id, ev.side, ev.size_lots, ev.ts_ns)
    if k == EV_MODIFY:
        return _modify(bk, ev.order_id, ev.price_ticks, ev.size_lots, ev.ts_ns)
    if k == EV_TRADE:
        return OK
    return BAD_KIND


@engine_jit
def _apply_events(bk, events, start, status):
    return book_apply_range(borrow_book(bk), events, start, events.shape[0], status)


def book_apply_events(bk: BookState, events: np.ndarray, start: int, status: Int64Array) -> int:
    """Apply ``events[start:]`` writing each status; stops early (returns the index reached) when the
    fill buffer could overflow, so the caller drains fills and calls again.

    From Python the arguments are checked before compiled code runs without bounds checks:
    ``events`` a 1-D ``EVENT`` array, ``0 <= start <= len(events)``, ``status`` a writable int64
    array at least as long as ``events``.  Compiled callers get the kernel itself.
    """
    check_book_state(bk)
    check_records("events", events, EVENT, "EVENT")
    start = check_int("start", start, minimum=0, maximum=events.shape[0])
    if not isinstance(status, np.ndarray) or status.dtype != np.int64 or status.ndim != 1 or not status.flags.writeable:
        raise TypeError(
            f"status must be a writable 1-D int64 array, got {type(status).__name__} {getattr(status, 'dtype', '')}"
        )
    if status.shape[0] < events.shape[0]:
        raise InvalidParameters(f"status must hold one entry per event ({events.shape[0]}), got {status.shape[0]}")
    return _apply_events(bk, events, start, status)


@overload(book_apply_events)
def _book_apply_events_compiled(bk, events, start, status):
    return lambda bk, events, start, status: _apply_events(bk, events, start, status)


@engine_jit
def book_apply_range(bk, events, start, stop, status):
    """:func:`book_apply_events` on ``events[start:stop]`` of a borrowed book, for compiled callers.

    It is the one compiled copy of the dispatch that compiled callers of single events share: each
    inlined copy costs seconds of compilation."""
    room = bk.fills.shape[0]
    mask = bk.hdr[HDR_MASK]
    for i in range(start, stop):
        if bk.hdr[HDR_N_FILLS] + 2 * bk.hdr[HDR_N_ORDERS] + 2 > room:
            return i
        if i + _AHEAD < stop:
            prefetch_row(bk.mp, map_home(events[i + _AHEAD].order_id, mask))
        if i + _AHEAD // 2 < stop:
            prefetch_row(bk.ords, bk.mp[map_home(events[i + _AHEAD // 2].order_id, mask), MAP_VALUE])
        status[i] = book_apply_inline(bk, events[i])
    return stop


@engine_jit(inline=True)
def book_find(bk, oid):
    """Pool slot of live order ``oid``, or -1."""
    return map_find(bk.mp, bk.hdr[HDR_MASK], oid) if oid >= 0 else -1


def book_queue_ahead(bk: BookState, oid: int) -> int:
    """Lots resting ahead of ``oid`` at its level (its queue position), or -1 for an unknown id.

    From Python ``oid`` must be an integer an int64 holds; compiled callers get the kernel itself.
    """
    check_book_state(bk)
    return _queue_ahead(bk, check_int64("oid", oid))


@overload(book_queue_ahead)
def _book_queue_ahead_compiled(bk, oid):
    return lambda bk, oid: _queue_ahead(bk, oid)


@engine_jit
def _queue_ahead(bk, oid):
    slot = map_find(bk.mp, bk.hdr[HDR_MASK], oid) if oid >= 0 else -1
    if slot < 0:
        return -1
    ahead = 0
    p = bk.ords[slot, ORD_PREV]
    while p != NO_SLOT:
        ahead += bk.ords[p, ORD_SIZE]
        p = bk.ords[p, ORD_PREV]
    return ahead


@engine_jit(inline=True)
def book_level_qty(bk, side, price):
    """Total lots resting at ``price`` on ``side`` (0 outside the window)."""
    li = price - bk.hdr[HDR_BASE]
    if li < 0 or li >= bk.hdr[HDR_WINDOW]:
        return 0
    return bk.lv[side_index(side), li, LV_SIZE]


def book_depth(bk: BookState, side: int, px: Int64Array, qty: Int64Array) -> int:
    """L2 snapshot: the best ``len(px)`` non-empty levels of ``side`` into ``px``, ``qty``; returns the
    number written.

    From Python ``side`` must be BUY (+1) or SELL (-1) and ``px``, ``qty`` writable 1-D int64 arrays
    of one length; compiled callers get the kernel itself.
    """
    check_book_state(bk)
    side = check_int("side", side)
    if side not in (1, -1):
        raise InvalidParameters(f"side must be BUY (+1) or SELL (-1), got {side}")
    for name, a in (("px", px), ("qty", qty)):
        if not isinstance(a, np.ndarray) or a.dtype != np.int64 or a.ndim != 1 or not a.flags.writeable:
            raise TypeError(
                f"{name} must be a writable 1-D int64 array, got {type(a).__name__} {getattr(a, 'dtype', '')}"
            )
    if qty.shape[0] < px.shape[0]:
        raise InvalidParameters(f"qty must be at least as long as px ({px.shape[0]}), got {qty.shape[0]}")
    return _depth(bk, side, px, qty)


@overload(book_depth)
def _book_depth_compiled(bk, side, px, qty):
    return lambda bk, side, px, qty: _depth(bk, side, px, qty)


@engine_jit
def _depth(bk, side, px, qty):
    s = side_index(side)
    best = bk.hdr[HDR_BEST_BID + s]
    if best == NO_PRICE:
        return 0
    base = bk.hdr[HDR_BASE]
    n = 0
    i = best - base
    step = -1 if s == 0 else 1
    w = bk.hdr[HDR_WINDOW]
    while 0 <= i < w and n < px.shape[0]:
        if bk.lv[s, i, LV_COUNT] > 0:
            px[n] = base + i
            qty[n] = bk.lv[s, i, LV_SIZE]
            n += 1
        i += step
    return n
