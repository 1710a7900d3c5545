"""The compiled execution loop: a parent order worked by child orders in the engine's L3 book.

Market events (``engine.types.EVENT``) drive the loop; for each one it (1) delivers the own actions
whose latency has elapsed (new limit orders, IOC orders, cancels, cancel/replaces and size reductions
reach the book in the order they were sent), (2) applies the event to the book, giving own resting
orders their place in price-time priority (below), (3) drains the book's fills into own fills and
market volume, (4) updates the market statistics the executor reads (mid, spread, depth at the touch,
realised variance and volume rates, the interval VWAP and TWAP), and (5) runs the executor's
decision step.  Own orders live in the book itself: they show in its depth, keep their queue
position, and own IOC orders take liquidity from it (whose market events then find less to act on:
the book refuses those, counted in ``book_refused``).

Fills of own resting orders.  Incoming marketable orders match them in the book.  A market execution
of order ``X`` (ITCH ``E``/``C``) names a market order, so it is given to an own order of the same side
first when that order has priority over ``X`` (a better price, or the same price and ahead of ``X`` in
its level's FIFO): the own order fills ``min(q, size)`` and ``X`` the rest of the ``q`` lots, so the
traded volume stays the feed's.  A trade print against hidden liquidity (ITCH ``P``) fills an own order
priced through it, and one at its price by what the print leaves after the displayed lots ahead.

The decision step (one parent order; at most one resting child and one IOC in flight):

* the cumulative *target* at the current slice's start (``done``) and end (``next``): from the
  schedule (TWAP, VWAP, Almgren–Chriss), from the realised volume (POV: ``rate / (1 - rate)`` of the
  others' volume), or re-planned at each slice start (adaptive: Almgren–Chriss re-solved for the
  lots left over the time left, with ``kappa^2 = lambda sigma^2 / eta`` from the realised volatility
  and ``eta`` from the depth at the touch, ``lambda`` fixed at the start from the urgency and scaled by
  ``exp(aim z)`` with ``z`` the standardised gain since arrival: aggressive in the money, after Almgren
  & Lorenz 2007);
* behind (``done - filled`` above the tolerance) it sends an IOC for the deficit, priced up to
  ``cross_ticks`` through the far touch;
* it rests one limit order for ``next - filled`` at a fixed depth behind the near touch, or at the
  price with the best expected saving over crossing under the fill model: market orders trade
  ``A e^{-k delta}`` lots per second at depth ``delta`` or beyond, and the child fills once they have
  traded what rests ahead of it (:func:`_passive_price`); ahead of the target it reduces the child
  (keeping its priority), for a better price it cancels and replaces it;
* every size is capped by the lots available (``parent - filled - working``), the largest child, and
  the participation cap; every price by the price limit.  While the far touch is beyond the limit
  the resting child is cancelled and nothing is sent (``limit_pauses``);
* the kill switch (an operator time, or an adverse move of the mid from arrival) cancels every
  working child at once, drops what is still in flight (fate KILLED) and stops; at the horizon end
  the resting child is cancelled and, with ``finish``, the rest is crossed by IOCs for up to
  ``finish_grace_ns``; then the loop reports what is left.

Accounting: ``filled + working + remaining = parent`` with ``working`` the open lots of children that
are live or in flight; the loop checks ``filled + working <= parent`` and ``working >= 0`` after every
event and counts breaches in ``accounting_breaks`` (the tests require 0).  Sizes never grow in
flight: a replace carries at most the old child's size and is cut at delivery to what is left of it.

Every child is one row of the ``CHILD`` log with its fate; own fills are ``OWN_FILL`` rows.  The loop
is resumable: it returns before an event when a log could overflow, the caller grows it and calls
again from that event, so the results do not depend on the buffers' sizes.
"""

from __future__ import annotations

import math

from ..engine.atomics import borrowed
from ..engine.book import (
    HDR_BEST_ASK,
    HDR_BEST_BID,
    NO_PRICE,
    NO_SLOT,
    OK,
    ORD_NEXT,
    ORD_PRICE,
    ORD_SIDE,
    ORD_SIZE,
    ORD_TS,
    book_add,
    book_apply_range,
    book_cancel,
    book_execute,
    book_find,
    book_level_qty,
    book_queue_ahead,
    book_reduce,
    borrow_book,
)
from ..engine.types import EV_EXECUTE, EV_TRADE
from ..kernels.jit import engine_jit
from .decision import decide, needs_decision, pov_targets, seen
from .layouts import ACT_CANCEL, ACT_IOC, ACT_REDUCE, ACT_REPLACE, Algo, F, Fate, Halt, S
from .orders import drain, end_child, pop

__all__ = ["run_execution"]

_ROOM_CHILDREN = 4  # children one event can create (an IOC, a resting child, a replacement)
_ROOM_FILLS = 256  # own fills one event can cause (an IOC walks at most cross_ticks + 1 levels)
_NEED_ROOM = -1


@engine_jit(inline=True)
def _arrive(si, ch, c, ts):
    """Child ``c`` reached the book at ``ts``: the order's arrival price is the mid when the first did."""
    ch[c].ts_arrived = ts
    if si[S.ARRIVAL_MID2] == NO_PRICE:
        si[S.ARRIVAL_MID2] = si[S.LAST_MID2]


@engine_jit
def _deliver(bk, cfg, si, ch, fl, pend, row, mid2, spread):
    """Apply one due action to the book (its fills drained at once).

    A replacement's lots are not counted in ``working`` while it is in flight (its predecessor's open
    lots, still in the book, stand for them); at delivery the predecessor is cancelled and the
    replacement, cut to what the predecessor had left, takes its place.
    """
    due = pend[row, 0]
    act = pend[row, 1]
    c = pend[row, 2]
    oid = pend[row, 3]
    price = pend[row, 4]
    size = pend[row, 5]
    if act == ACT_CANCEL:
        if ch[c].fate == Fate.LIVE and book_cancel(bk, oid) == OK:
            end_child(ch, si, c, Fate.CANCELLED, due)
        return
    if act == ACT_REDUCE:  # ``size`` is the size wanted: cut to it, keeping the queue position
        slot = book_find(bk, oid)
        if ch[c].fate == Fate.LIVE and slot >= 0:
            cut = bk.ords[slot, ORD_SIZE] - size
            if size <= 0:
                book_cancel(bk, oid)
                end_child(ch, si, c, Fate.CANCELLED, due)
            elif cut > 0 and book_reduce(bk, oid, cut) == OK:
                ch[c].size_lots -= cut
                si[S.WORKING] -= cut
        return
    if act == ACT_REPLACE:
        prev = pend[row, 6]
        slot = book_find(bk, ch[prev].oid)
        left = bk.ords[slot, ORD_SIZE] if (slot >= 0 and ch[prev].fate == Fate.LIVE) else 0
        if left > 0:
            book_cancel(bk, ch[prev].oid)
            end_child(ch, si, prev, Fate.REPLACED, due)
        size = min(size, left)
        ch[c].size_lots = size
        ch[c].ts_arrived = due
        if size == 0:  # the predecessor filled (or was cancelled) in flight: nothing to replace
            ch[c].fate = Fate.CANCELLED
            ch[c].ts_done = due
            if si[S.PASSIVE] == c:
                si[S.PASSIVE] = -1
            return
        si[S.WORKING] += size
    _arrive(si, ch, c, due)
    status = book_add(bk, oid, cfg.side, price, size, due)
    drain(bk, cfg, si, ch, fl, due, mid2, spread)
    if status != OK:
        end_child(ch, si, c, Fate.REJECTED, due)
    elif ch[c].fate != Fate.FILLED:
        if act == ACT_IOC:
            book_cancel(bk, oid)
            end_child(ch, si, c, Fate.EXPIRED, due)
        else:
            ch[c].fate = Fate.LIVE


# ------------------------------------------------------------------------- own orders' priority
@engine_jit(inline=True)
def _ahead_of(bk, slot_own, slot_other):
    """True when the own order in ``slot_own`` precedes ``slot_other`` (same side) in price-time priority."""
    side = bk.ords[slot_own, ORD_SIDE]
    p_own = bk.ords[slot_own, ORD_PRICE]
    p_other = bk.ords[slot_other, ORD_PRICE]
    if side * (p_own - p_other) > 0:
        return True
    if p_own != p_other:
        return False
    # A level's FIFO is in the order its orders rested (``ORD_TS``; a size reduction keeps the time, a
    # re-entry takes a new one), so the times decide in O(1); only a tie needs the walk along the FIFO.
    t_own = bk.ords[slot_own, ORD_TS]
    t_other = bk.ords[slot_other, ORD_TS]
    if t_own != t_other:
        return t_own < t_other
    s = bk.ords[slot_own, ORD_NEXT]
    while s != NO_SLOT:
        if s == slot_other:
            return True
        s = bk.ords[s, ORD_NEXT]
    return False


@engine_jit(inline=True)
def _own_resting(bk, cfg, si, ch):
    """Pool slot of the resting own child, or -1."""
    c = si[S.PASSIVE]
    if c < 0 or ch[c].fate != Fate.LIVE:
        return -1
    return book_find(bk, ch[c].oid)


@engine_jit
def _market_event(bk, cfg, si, ch, fl, events, i, status, mid2, spread):
    """Apply market event ``i``, giving the own resting child its priority (module notes)."""
    ev = events[i]
    ts = ev.ts_ns
    slot_own = _own_resting(bk, cfg, si, ch)
    if ev.kind == EV_EXECUTE and slot_own >= 0:
        slot_x = book_find(bk, ev.order_id)
        if (
            slot_x >= 0
            and bk.ords[slot_x, ORD_SIDE] == bk.ords[slot_own, ORD_SIDE]
            and ev.size_lots <= bk.ords[slot_x, ORD_SIZE]
            and _ahead_of(bk, slot_own, slot_x)
        ):
            own_oid = ch[si[S.PASSIVE]].oid
            own_px = bk.ords[slot_own, ORD_PRICE]
            f = min(ev.size_lots, bk.ords[slot_own, ORD_SIZE])
            book_execute(bk, own_oid, f, own_px, ts)
            if ev.size_lots > f:
                book_execute(bk, ev.order_id, ev.size_lots - f, ev.price_ticks, ts)
            drain(bk, cfg, si, ch, fl, ts, mid2, spread)
            return
    if ev.kind == EV_TRADE:
        f = 0
        if slot_own >= 0 and bk.ords[slot_own, ORD_SIDE] == ev.side:
            own_px = bk.ords[slot_own, ORD_PRICE]
            size = bk.ords[slot_own, ORD_SIZE]
            if ev.side * (own_px - ev.price_ticks) > 0:
                f = min(ev.size_lots, size)
            elif own_px == ev.price_ticks:
                ahead = book_queue_ahead(bk, ch[si[S.PASSIVE]].oid)
                f = max(0, min(size, ev.size_lots - ahead))
            if f > 0:
                book_execute(bk, ch[si[S.PASSIVE]].oid, f, own_px, ts)
                drain(bk, cfg, si, ch, fl, ts, mid2, spread)
        # the print's volume; the lots it gave the own order were counted as its fill's maker record
        si[S.ALL_VOL] += ev.size_lots - f
        if si[S.STARTED] != 0 and si[S.HALT] == Halt.RUNNING:
            si[S.MKT_VOL] += ev.size_lots - f
            si[S.VWAP_PQ] += ev.price_ticks * (ev.size_lots - f)
    if book_apply_range(bk, events, i, i + 1, status) == i + 1 and status[i] != OK:
        si[S.BOOK_REFUSED] += 1
    drain(bk, cfg, si, ch, fl, ts, mid2, spread)


# ---------------------------------------------------------------------------------- market statistics
@engine_jit(inline=True)
def _sample(bk, cfg, si, sf, ts):
    """Every ``sample_ns``: update the EWMAs of variance rate, spread, touch depth and volume rate."""
    last = si[S.LAST_SAMPLE_NS]
    bb = si[S.BEST_BID]
    ba = si[S.BEST_ASK]
    if bb == NO_PRICE or ba == NO_PRICE:
        return
    mid2 = bb + ba
    if last < 0:
        si[S.LAST_SAMPLE_NS] = ts
        si[S.SAMPLE_MID2] = mid2
        si[S.SAMPLE_VOL] = si[S.ALL_VOL]
        sf[F.SPREAD] = ba - bb
        sf[F.DEPTH] = 0.5 * (book_level_qty(bk, 1, bb) + book_level_qty(bk, -1, ba))
        return
    if ts - last < cfg.sample_ns:
        return
    dt = (ts - last) * 1e-9
    w = -math.expm1(-(ts - last) * math.log(2.0) / cfg.halflife_ns)
    r = 0.5 * (mid2 - si[S.SAMPLE_MID2])
    sf[F.VAR_RATE] += w * (r * r / dt - sf[F.VAR_RATE])
    sf[F.SPREAD] += w * ((ba - bb) - sf[F.SPREAD])
    sf[F.DEPTH] += w * (0.5 * (book_level_qty(bk, 1, bb) + book_level_qty(bk, -1, ba)) - sf[F.DEPTH])
    sf[F.VOL_RATE] += w * ((si[S.ALL_VOL] - si[S.SAMPLE_VOL]) / dt - sf[F.VOL_RATE])
    si[S.LAST_SAMPLE_NS] = ts
    si[S.SAMPLE_MID2] = mid2
    si[S.SAMPLE_VOL] = si[S.ALL_VOL]


# ---------------------------------------------------------------------------------------- the loop
@engine_jit(inline=True)
def _touch(bk, si):
    """Read the touch after a change of the book."""
    bb = bk.hdr[HDR_BEST_BID]
    ba = bk.hdr[HDR_BEST_ASK]
    si[S.BEST_BID] = bb
    si[S.BEST_ASK] = ba
    if bb != NO_PRICE and ba != NO_PRICE:
        si[S.LAST_MID2] = bb + ba


@engine_jit
def _run(bk, events, start, stop, cfg_arr, sched_ns, plan_cum, si, sf, pend, ch, fl, bins, status):
    cfg = cfg_arr[0]
    n_bins = bins.shape[0]
    for i in range(start, stop):
        if si[S.N_CHILDREN] + _ROOM_CHILDREN > ch.shape[0] or si[S.N_FILLS] + _ROOM_FILLS > fl.shape[0]:
            return i, _NEED_ROOM
        ts = events[i].ts_ns
        running = si[S.HALT] == Halt.RUNNING
        if running and si[S.STARTED] != 0 and si[S.LAST_TS] > 0 and si[S.LAST_MID2] != NO_PRICE:
            dt = (min(ts, cfg.end_ns) - max(si[S.LAST_TS], cfg.start_ns)) * 1e-9
            if dt > 0:
                sf[F.TWAP_ACC] += 0.5 * si[S.LAST_MID2] * dt
                sf[F.TWAP_T] += dt
        mid2 = si[S.LAST_MID2]
        spread = si[S.BEST_ASK] - si[S.BEST_BID] if si[S.BEST_BID] != NO_PRICE else 0
        while si[S.PEND_COUNT] > 0 and pend[si[S.PEND_HEAD], 0] <= ts:
            row = pop(pend, si)
            _deliver(bk, cfg, si, ch, fl, pend, row, mid2, spread)
            _touch(bk, si)
            mid2 = si[S.LAST_MID2]
            spread = si[S.BEST_ASK] - si[S.BEST_BID] if si[S.BEST_BID] != NO_PRICE else 0
        _market_event(bk, cfg, si, ch, fl, events, i, status, mid2, spread)
        _touch(bk, si)
        si[S.EVENTS] += 1
        si[S.LAST_TS] = ts
        _sample(bk, cfg, si, sf, ts)
        if si[S.DECISION_MID2] == NO_PRICE and ts >= cfg.decision_ns and si[S.LAST_MID2] != NO_PRICE:
            si[S.DECISION_MID2] = si[S.LAST_MID2]
        if si[S.STARTED] == 0 and ts >= cfg.start_ns and si[S.LAST_MID2] != NO_PRICE:
            si[S.STARTED] = 1
            si[S.NEXT_TARGET] = -1
            if si[S.DECISION_MID2] == NO_PRICE:
                si[S.DECISION_MID2] = si[S.LAST_MID2]
        if si[S.STARTED] != 0:
            while si[S.NEXT_BIN] < n_bins and (si[S.NEXT_BIN] == 0 or ts >= cfg.start_ns + sched_ns[si[S.NEXT_BIN]]):
                b = si[S.NEXT_BIN]
                bins[b, 0] = plan_cum[b] if cfg.algo != Algo.POV else pov_targets(cfg, si, sf, 0.0)[0]
                bins[b, 1] = si[S.FILLED]
                bins[b, 2] = si[S.MKT_VOL]
                bins[b, 3] = si[S.LAST_MID2]
                si[S.NEXT_BIN] = b + 1
            if si[S.HALT] == Halt.RUNNING and needs_decision(cfg, si, ts):
                decide(bk, cfg, si, sf, ch, pend, sched_ns, plan_cum, ts)
                seen(cfg, si, sched_ns, ts)
                si[S.DECISIONS] += 1
        if si[S.FILLED] + si[S.WORKING] > cfg.parent_lots or si[S.WORKING] < 0 or si[S.IOC_OPEN] < 0:
            si[S.ACCOUNTING_BREAKS] += 1
    return stop, 0


@engine_jit
def run_execution(bk, events, start, stop, cfg_arr, sched_ns, plan_cum, si, sf, pend, ch, fl, bins, status):
    """Run the executor over ``events[start:stop]``; returns ``(index reached, code)``.

    ``code`` 0: done; -1: the child log or the fill log could overflow before event ``index``: grow
    them and call again from ``index``.  All state persists in the arrays (see :func:`new_state`).
    """
    return _run(
        borrow_book(bk),
        borrowed(events),
        start,
        stop,
        borrowed(cfg_arr),
        borrowed(sched_ns),
        borrowed(plan_cum),
        borrowed(si),
        borrowed(sf),
        borrowed(pend),
        borrowed(ch),
        borrowed(fl),
        borrowed(bins),
        borrowed(status),
    )
