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

from ..errors import check_int
from ..kernels.jit import engine_jit
from .atomics import borrowed, prefetch_row
from .idmap import map_delete, map_find, map_home, map_insert, new_map
from .types import EV_ADD, EV_CANCEL, EV_EXECUTE, EV_MARKET, EV_MODIFY, EV_REDUCE, EV_REPLACE, EV_TRADE, FILL, MAKER, TAKER

__all__ = [
    "OK", "UNKNOWN_ID", "DUPLICATE_ID", "BAD_SIZE", "BAD_PRICE", "OUT_OF_RANGE", "POOL_FULL", "BAD_SIDE",
    "BAD_ID", "BAD_KIND", "REASONS", "REJECT_NAMES", "NO_PRICE", "BookState", "new_book_state",
    "book_add", "book_market", "book_cancel", "book_reduce", "book_execute", "book_modify", "book_replace",
    "book_apply_event", "book_apply_events", "book_find", "borrow_book", "book_queue_ahead", "book_level_qty", "book_depth",
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

REJECT_NAMES = ("unknown_id", "duplicate_id", "bad_size", "bad_price", "out_of_range", "pool_full", "bad_side",
                "bad_id", "bad_kind")
"""Short name of each rejection reason: ``REJECT_NAMES[code - 1]`` for the codes 1..9 (counter names)."""

NO_PRICE = -1
"""Best bid/ask when that side is empty."""

_EMPTY = -1
# Header words.
_BASE, _WIN, _BEST_BID, _BEST_ASK, _FREE, _NORD, _MATCH, _NFILL, _MASK, _NLEV_BID, _NLEV_ASK, _CAP = range(12)
_HDR = 16
_AHEAD = 16  # events between the prefetch of an id's map entry and its use in book_apply_events

BookState = namedtuple("BookState", ["hdr", "lv", "ords", "mp", "fills"])
BookState.__doc__ = """Arrays of one book; create with :func:`new_book_state`, pass to the ``book_*`` functions.

``lv[s, i, f]`` is field ``f`` (head slot, tail slot, lots, orders) of level ``base + i`` on side ``s``
(0 bids, 1 asks); ``ords[slot, f]`` is field ``f`` (id, price, lots, side, next, prev, ts, padding)
of the order pool, one 64-byte row per order; ``mp[i]`` is a (key, slot) entry of the id map;
``fills`` the FILL records written since the last drain (``hdr[7]`` of them; records past the
buffer's end are counted there but not stored, so a compiled caller drains before that can happen:
one operation writes at most two records per live order, plus one).  Few arrays keep the
argument lists of compiled calls short, and rows keep each order and level on one cache line."""

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
    mp = new_map(capacity)
    hdr = np.zeros(_HDR, np.int64)
    hdr[_WIN], hdr[_BEST_BID], hdr[_BEST_ASK], hdr[_MASK], hdr[_CAP] = window, NO_PRICE, NO_PRICE, mp.shape[0] - 1, capacity
    lv = np.zeros((2, window, 4), np.int64)
    lv[:, :, :2] = _EMPTY
    ords = np.zeros((capacity, 8), np.int64)
    ords[:, 0] = _EMPTY
    ords[:, 4] = np.arange(1, capacity + 1)
    ords[-1, 4] = _EMPTY
    ords[:, 5] = _EMPTY
    return BookState(hdr, lv, ords, mp, np.zeros(fill_capacity, FILL))


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
    base = bk.hdr[_BASE]
    return (base <= price < base + bk.hdr[_WIN]) or _recentre(bk, price)


@engine_jit
def _recentre(bk, price):
    """Shift the window to hold ``price`` if every live level still fits (the rare path of ``_fits``)."""
    base = bk.hdr[_BASE]
    w = bk.hdr[_WIN]
    lo = price
    hi = price
    if bk.hdr[_NLEV_BID] + bk.hdr[_NLEV_ASK] > 0:
        for i in range(w):
            if bk.lv[0, i, 3] > 0 or bk.lv[1, i, 3] > 0:
                lo = min(lo, base + i)
                break
        for i in range(w - 1, -1, -1):
            if bk.lv[0, i, 3] > 0 or bk.lv[1, i, 3] > 0:
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
    bk.hdr[_BASE] = new_base
    return True


@engine_jit(inline=True)
def _move_level(bk, s, dst, src, w):
    if 0 <= src < w:
        bk.lv[s, dst, 0] = bk.lv[s, src, 0]
        bk.lv[s, dst, 1] = bk.lv[s, src, 1]
        bk.lv[s, dst, 2] = bk.lv[s, src, 2]
        bk.lv[s, dst, 3] = bk.lv[s, src, 3]
    else:
        bk.lv[s, dst, 0] = _EMPTY
        bk.lv[s, dst, 1] = _EMPTY
        bk.lv[s, dst, 2] = 0
        bk.lv[s, dst, 3] = 0


# ------------------------------------------------------------------------------------- level lists
@engine_jit(inline=True)
def _side_index(side):
    """0 for BUY (+1), 1 for SELL (-1), without a branch."""
    return (1 - side) >> 1


@engine_jit(inline=True)
def _rest(bk, oid, side, price, qty, ts):
    slot = bk.hdr[_FREE]
    bk.hdr[_FREE] = bk.ords[slot, 4]
    bk.hdr[_NORD] += 1
    bk.ords[slot, 0] = oid
    bk.ords[slot, 1] = price
    bk.ords[slot, 2] = qty
    bk.ords[slot, 3] = side
    bk.ords[slot, 6] = ts
    map_insert(bk.mp, bk.hdr[_MASK], oid, slot)
    s = _side_index(side)
    li = price - bk.hdr[_BASE]
    tail = bk.lv[s, li, 1]
    bk.ords[slot, 5] = tail
    bk.ords[slot, 4] = _EMPTY
    if tail == _EMPTY:
        bk.lv[s, li, 0] = slot
        bk.hdr[_NLEV_BID + s] += 1
        best = bk.hdr[_BEST_BID + s]
        if best == NO_PRICE or side * (price - best) > 0:  # side-free test: the side is random
            bk.hdr[_BEST_BID + s] = price
    else:
        bk.ords[tail, 4] = slot
    bk.lv[s, li, 1] = slot
    bk.lv[s, li, 2] += qty
    bk.lv[s, li, 3] += 1


@engine_jit(inline=True)
def _remove(bk, slot):
    """Unlink the order in ``slot`` from its level, the id map and the pool."""
    s = _side_index(bk.ords[slot, 3])
    price = bk.ords[slot, 1]
    base = bk.hdr[_BASE]
    li = price - base
    prv = bk.ords[slot, 5]
    nxt = bk.ords[slot, 4]
    if prv == _EMPTY:
        bk.lv[s, li, 0] = nxt
    else:
        bk.ords[prv, 4] = nxt
    if nxt == _EMPTY:
        bk.lv[s, li, 1] = prv
    else:
        bk.ords[nxt, 5] = prv
    bk.lv[s, li, 2] -= bk.ords[slot, 2]
    bk.lv[s, li, 3] -= 1
    if bk.lv[s, li, 3] == 0:
        bk.hdr[_NLEV_BID + s] -= 1
        if price == bk.hdr[_BEST_BID + s]:
            best = NO_PRICE
            if bk.hdr[_NLEV_BID + s] > 0:
                step = 2 * s - 1  # the next bid is below the old best, the next ask above it
                w = bk.hdr[_WIN]
                i = li + step
                while 0 <= i < w:
                    if bk.lv[s, i, 3] > 0:
                        best = base + i
                        break
                    i += step
            bk.hdr[_BEST_BID + s] = best
    map_delete(bk.mp, bk.hdr[_MASK], bk.ords[slot, 0])
    bk.ords[slot, 0] = _EMPTY
    bk.ords[slot, 4] = bk.hdr[_FREE]
    bk.hdr[_FREE] = slot
    bk.hdr[_NORD] -= 1


@engine_jit(inline=True)
def _emit(bk, ts, oid, match_id, side, liquidity, price, qty):
    n = bk.hdr[_NFILL]
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
    bk.hdr[_NFILL] = n + 1


@engine_jit(inline=True)
def _match(bk, oid, side, limit, qty, ts):
    """Match ``qty`` of an incoming order against the other side up to ``limit`` (-1: no limit);
    returns the size left."""
    rem = qty
    o = 1 if side > 0 else 0
    while rem > 0:
        bp = bk.hdr[_BEST_BID + o]
        if bp == NO_PRICE or (limit >= 0 and side * (bp - limit) > 0):
            break
        slot = bk.lv[o, bp - bk.hdr[_BASE], 0]
        while rem > 0 and slot != _EMPTY:
            q = min(rem, bk.ords[slot, 2])
            mid = bk.hdr[_MATCH]
            bk.hdr[_MATCH] = mid + 1
            _emit(bk, ts, bk.ords[slot, 0], mid, bk.ords[slot, 3], MAKER, bp, q)
            _emit(bk, ts, oid, mid, side, TAKER, bp, q)
            rem -= q
            bk.ords[slot, 2] -= q
            bk.lv[o, bp - bk.hdr[_BASE], 2] -= q
            nxt = bk.ords[slot, 4]
            if bk.ords[slot, 2] == 0:
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
    if map_find(bk.mp, bk.hdr[_MASK], oid) >= 0:
        return DUPLICATE_ID
    if bk.hdr[_FREE] == _EMPTY:
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
    if map_find(bk.mp, bk.hdr[_MASK], oid) >= 0:
        return DUPLICATE_ID
    _match(bk, oid, side, -1, qty, ts)
    return OK


@engine_jit(inline=True)
def _take(bk, slot, qty):
    """Take ``qty`` lots (0 < qty <= what is left) off the order in ``slot``; it leaves the book at zero."""
    if qty == bk.ords[slot, 2]:
        _remove(bk, slot)
    else:
        bk.ords[slot, 2] -= qty
        bk.lv[_side_index(bk.ords[slot, 3]), bk.ords[slot, 1] - bk.hdr[_BASE], 2] -= qty


@engine_jit(inline=True)
def _on_resting(bk, kind, oid, qty, price, ts):
    """EV_CANCEL, EV_REDUCE or EV_EXECUTE of resting order ``oid``: one code path for the three, so
    the compiled dispatch holds one copy of the id lookup and of the unlinking."""
    slot = map_find(bk.mp, bk.hdr[_MASK], oid) if oid >= 0 else -1
    if slot < 0:
        return UNKNOWN_ID
    if kind == EV_CANCEL:
        qty = bk.ords[slot, 2]
    elif qty <= 0 or qty > bk.ords[slot, 2]:
        return BAD_SIZE
    if kind == EV_EXECUTE:
        mid = bk.hdr[_MATCH]
        bk.hdr[_MATCH] = mid + 1
        _emit(bk, ts, oid, mid, bk.ords[slot, 3], MAKER, price if price > 0 else bk.ords[slot, 1], qty)
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
    slot = map_find(bk.mp, bk.hdr[_MASK], oid) if oid >= 0 else -1
    if slot < 0:
        return UNKNOWN_ID
    if qty <= 0:
        return BAD_SIZE
    if price <= 0:
        return BAD_PRICE
    old = bk.ords[slot, 2]
    if price == bk.ords[slot, 1] and qty <= old:
        if qty < old:
            _take(bk, slot, old - qty)
        return OK
    if not _fits(bk, price):
        return OUT_OF_RANGE
    side = bk.ords[slot, 3]
    _remove(bk, slot)
    return _add_call(bk, oid, side, price, qty, ts)


@engine_jit
def book_replace(bk, oid, new_oid, price, qty, ts):
    """Cancel ``oid`` and enter ``new_oid`` on the same side at ``price``, ``qty`` (ITCH ``U``)."""
    return _replace(borrow_book(bk), oid, new_oid, price, qty, ts)


@engine_jit
def _replace(bk, oid, new_oid, price, qty, ts):
    slot = map_find(bk.mp, bk.hdr[_MASK], oid) if oid >= 0 else -1
    if slot < 0:
        return UNKNOWN_ID
    if new_oid < 0:
        return BAD_ID
    if new_oid != oid and map_find(bk.mp, bk.hdr[_MASK], new_oid) >= 0:
        return DUPLICATE_ID
    if qty <= 0:
        return BAD_SIZE
    if price <= 0:
        return BAD_PRICE
    if not _fits(bk, price):
        return OUT_OF_RANGE
    side = bk.ords[slot, 3]
    _remove(bk, slot)
    return _add_call(bk, new_oid, side, price, qty, ts)


@engine_jit
def book_apply_event(bk, ev):
    """Apply one ``EVENT`` record; ``EV_TRADE`` leaves the book unchanged.  Returns a status code."""
    return _apply_one(borrow_book(bk), ev)


@engine_jit(inline=True)
def _apply_one(bk, ev):
    # Inlined into the batch loops (a call would pass every array of the state as separate
    # arguments); the rare kinds stay calls, which keeps the inlined copy small to compile.
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
def book_apply_events(bk, events, start, status):
    """Apply ``events[start:]`` writing each status; stops early (returns the index reached) when the
    fill buffer could overflow, so the caller drains fills and calls again."""
    return _apply_events(borrow_book(bk), events, start, events.shape[0], status)


@engine_jit
def _apply_events(bk, events, start, stop, status):
    """``book_apply_events`` on ``events[start:stop]`` (the one compiled copy of the dispatch that
    compiled callers of single events share; each inlined copy costs seconds of compilation)."""
    room = bk.fills.shape[0]
    mask = bk.hdr[_MASK]
    for i in range(start, stop):
        if bk.hdr[_NFILL] + 2 * bk.hdr[_NORD] + 2 > room:
            return i
        if i + _AHEAD < stop:
            prefetch_row(bk.mp, map_home(events[i + _AHEAD].order_id, mask))
        if i + _AHEAD // 2 < stop:
            prefetch_row(bk.ords, bk.mp[map_home(events[i + _AHEAD // 2].order_id, mask), 1])
        status[i] = _apply_one(bk, events[i])
    return stop


@engine_jit(inline=True)
def book_find(bk, oid):
    """Pool slot of live order ``oid``, or -1."""
    return map_find(bk.mp, bk.hdr[_MASK], oid) if oid >= 0 else -1


@engine_jit
def book_queue_ahead(bk, oid):
    """Lots resting ahead of ``oid`` at its level (its queue position), or -1 for an unknown id."""
    slot = map_find(bk.mp, bk.hdr[_MASK], oid) if oid >= 0 else -1
    if slot < 0:
        return -1
    ahead = 0
    p = bk.ords[slot, 5]
    while p != _EMPTY:
        ahead += bk.ords[p, 2]
        p = bk.ords[p, 5]
    return ahead


@engine_jit(inline=True)
def book_level_qty(bk, side, price):
    """Total lots resting at ``price`` on ``side`` (0 outside the window)."""
    li = price - bk.hdr[_BASE]
    if li < 0 or li >= bk.hdr[_WIN]:
        return 0
    return bk.lv[_side_index(side), li, 2]


@engine_jit
def book_depth(bk, side, px, qty):
    """L2 snapshot: the best ``len(px)`` non-empty levels of ``side`` into ``px``, ``qty``; returns the
    number written."""
    s = _side_index(side)
    best = bk.hdr[_BEST_BID + s]
    if best == NO_PRICE:
        return 0
    base = bk.hdr[_BASE]
    n = 0
    i = best - base
    step = -1 if s == 0 else 1
    w = bk.hdr[_WIN]
    while 0 <= i < w and n < px.shape[0]:
        if bk.lv[s, i, 3] > 0:
            px[n] = base + i
            qty[n] = bk.lv[s, i, 2]
            n += 1
        i += step
    return n
