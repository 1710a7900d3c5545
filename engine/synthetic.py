"""A synthetic L3 market: a reproducible stream of order-book events that applies cleanly to an empty
book, for tests, benchmarks and the simulated trading day.

The generator keeps a scratch book (``engine/book.py``) and draws each event from its current state,
so a cancel, reduce, replace or execution names a live order and an execution hits the head of a
best level; passive orders never cross, marketable ones match in price-time priority.  Its random
draws are splitmix64 (Steele, Lea and Flood 2014), so equal seeds give equal streams on every
machine.  The event mix, and a fair price that the book can be made to follow, are described in
:func:`synthetic_events`; ``engine/feed.py`` encodes the stream as ITCH 5.0 messages.

References
----------
Steele, G., Lea, D. and Flood, C. (2014), "Fast splittable pseudorandom number generators", OOPSLA
(the splitmix64 finaliser).
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameters, check_in_range, check_int, check_memory
from ..kernels.jit import engine_jit
from .book import (
    HDR_BASE,
    HDR_BEST_ASK,
    HDR_BEST_BID,
    HDR_N_FILLS,
    LV_HEAD,
    ORD_ID,
    ORD_PRICE,
    ORD_SIDE,
    ORD_SIZE,
    book_apply_range,
    book_find,
    borrow_book,
    new_book_state,
)
from .types import EV_ADD, EV_CANCEL, EV_EXECUTE, EV_REDUCE, EV_REPLACE, EV_TRADE, EVENT

__all__ = ["synthetic_events"]


@engine_jit
def _splitmix(state):
    state[0] += np.uint64(0x9E3779B97F4A7C15)
    z = state[0]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@engine_jit
def _below(state, n):
    return np.int64(_splitmix(state) % np.uint64(n))


@engine_jit
def _generate(bk, out, seed, mid0, t0_ns, dt_ns, max_live, move_ppm):
    return _generate_into(borrow_book(bk), out, seed, mid0, t0_ns, dt_ns, max_live, move_ppm)


@engine_jit
def _drop(live, pos, n_live, oid):
    """Remove ``oid`` from the list of live ids (if there); returns the new count."""
    j = pos[oid]
    if j < 0:
        return n_live
    n_live -= 1
    live[j] = live[n_live]
    pos[live[j]] = j
    pos[oid] = -1
    return n_live


@engine_jit
def _passive(price, side, bb, ba):
    """``price`` moved off the opposite touch if it would cross it."""
    if side > 0 and ba > 0 and price >= ba:
        price = ba - 1
    if side < 0 and bb > 0 and price <= bb:
        price = bb + 1
    return max(price, 1)


@engine_jit
def _generate_into(bk, out, seed, mid0, t0_ns, dt_ns, max_live, move_ppm):
    # Event mix (per mille): passive add 440 (one in eight attributed, ITCH F), marketable add 20,
    # cancel 340, partial cancel 80, execution of the head of a best level 90 (one in four with a
    # price, ITCH C), trade print against hidden liquidity at the touch 15, replace 15.
    state = np.zeros(1, np.uint64)
    state[0] = np.uint64(seed)
    n = out.shape[0]
    live = np.empty(max_live, np.int64)
    pos = np.full(n + 2, -1, np.int64)
    status = np.empty(n, np.int64)
    n_live = 0
    next_id = 1
    mid = mid0
    fair = mid0
    match = 1
    hdr = bk.hdr
    for i in range(n):
        e = out[i]
        e.ts_ns = t0_ns + i * dt_ns + _below(state, dt_ns)
        e.instrument_id = 1
        e.new_order_id = 0
        e.match_id = 0
        e.price_ticks = 0
        e.side = 0
        e.mpid = 0
        bb = hdr[HDR_BEST_BID]
        ba = hdr[HDR_BEST_ASK]
        two_sided = bb > 0 and ba > 0
        if two_sided:
            mid = (bb + ba) // 2
        if move_ppm > 0 and _below(state, 1_000_000) < move_ppm:  # the fair price takes a step
            fair = max(fair + (1 if _below(state, 2) == 0 else -1), 100)
        # Takers trade towards the fair price: mostly against the side in its way.
        toward = 0
        if move_ppm > 0 and two_sided and 2 * fair != bb + ba:
            toward = 1 if 2 * fair > bb + ba else -1
        r = _below(state, 1000)
        if n_live < 20 or (r < 440 and n_live < max_live):
            side = 1 if _below(state, 2) == 0 else -1
            off = _below(state, 8) + (_below(state, 40) if _below(state, 8) == 0 else 0)
            if move_ppm > 0:
                price = fair - side * off
            else:
                if _below(state, 16) == 0:  # the mid wanders
                    mid += _below(state, 3) - 1
                price = mid - side * off
            e.kind = EV_ADD
            e.order_id = next_id
            e.side = side
            e.price_ticks = _passive(price, side, bb, ba)
            e.size_lots = 1 + _below(state, 10) * (1 + _below(state, 4))
            if _below(state, 8) == 0:  # attributed: "MM" and two letters
                e.mpid = np.int32((77 << 24) | (77 << 16) | ((65 + _below(state, 26)) << 8) | (65 + _below(state, 26)))
            next_id += 1
        elif r < 460 and two_sided and n_live < max_live:
            # A marketable limit order: priced up to two ticks through the opposite touch, it takes
            # what it reaches in price-time priority and rests any remainder.
            side = toward if (toward != 0 and _below(state, 10) < 9) else (1 if _below(state, 2) == 0 else -1)
            e.kind = EV_ADD
            e.order_id = next_id
            e.side = side
            e.price_ticks = (ba if side > 0 else bb) + side * _below(state, 3)
            e.size_lots = 1 + _below(state, 20)
            next_id += 1
        elif r < 880 or r >= 985:
            oid = live[_below(state, n_live)]
            slot = book_find(bk, oid)
            qty = bk.ords[slot, ORD_SIZE]
            e.order_id = oid
            if r >= 985:
                e.kind = EV_REPLACE
                e.new_order_id = next_id
                side = bk.ords[slot, ORD_SIDE]
                e.price_ticks = _passive(bk.ords[slot, ORD_PRICE] - side * (_below(state, 3) - 1), side, bb, ba)
                e.size_lots = 1 + _below(state, 20)
                next_id += 1
            elif r < 800 or qty == 1:
                e.kind = EV_CANCEL
            else:
                e.kind = EV_REDUCE
                e.size_lots = 1 + _below(state, qty - 1)
        else:
            side = 1 if _below(state, 2) == 0 else -1  # side of the resting order hit
            push = False
            if toward != 0:
                side = -toward
                push = _below(state, 10) < 9
                if not push:
                    side = -side
            best = bb if side > 0 else ba
            if best <= 0 or r >= 970:
                # A print against a hidden order resting at the touch of ``side`` (mid when empty).
                e.kind = EV_TRADE
                e.side = side
                e.price_ticks = best if best > 0 else mid
                e.size_lots = 1 + _below(state, 10)
                e.order_id = 0
                e.match_id = match
                match += 1
            else:
                slot = bk.lv[0 if side > 0 else 1, best - hdr[HDR_BASE], LV_HEAD]
                qty = bk.ords[slot, ORD_SIZE]
                e.kind = EV_EXECUTE
                e.order_id = bk.ords[slot, ORD_ID]
                e.size_lots = qty if push else min(qty, 1 + _below(state, 8))
                if _below(state, 4) == 0:
                    e.price_ticks = best  # ITCH C: executed with a (printable) price
                e.match_id = match
                match += 1
        book_apply_range(bk, out, i, i + 1, status)  # shares book_apply_events' compiled dispatch
        # Track the live ids: resting orders the event filled completely leave, an add that rests joins.
        for k in range(hdr[HDR_N_FILLS]):
            f = bk.fills[k]
            if f.liquidity == 0 and book_find(bk, f.order_id) < 0:
                n_live = _drop(live, pos, n_live, f.order_id)
        hdr[HDR_N_FILLS] = 0  # the scratch book's fills are not needed further
        if e.kind == EV_CANCEL:
            n_live = _drop(live, pos, n_live, e.order_id)
        elif e.kind == EV_REPLACE:
            j = pos[e.order_id]
            live[j] = e.new_order_id
            pos[e.new_order_id] = j
            pos[e.order_id] = -1
        elif e.kind == EV_ADD and book_find(bk, e.order_id) >= 0:
            live[n_live] = e.order_id
            pos[e.order_id] = n_live
            n_live += 1
    return next_id


def synthetic_events(
    n: int,
    seed: int = 0,
    mid_ticks: int = 10_000,
    start_ns: int = 34_200 * 10**9,
    mean_gap_ns: int = 20_000,
    max_live: int = 4096,
    move_prob: float = 0.0,
    arrivals_ns: np.ndarray | None = None,
) -> np.ndarray:
    """A reproducible stream of ``n`` valid L3 events that applies cleanly to an empty book.

    The mix (per mille): passive adds around a wandering mid 440 (one in eight attributed, ITCH
    ``F``), marketable adds 20 (priced up to two ticks through the opposite touch: they match in the
    book and rest any remainder, so the book sees trades in price-time priority), cancels 340,
    partial cancels 80, executions of the order at the head of a best level 90 (one in four with a
    price, ITCH ``C``), trade prints against hidden orders at the touch 15 (ITCH ``P``) and replaces
    15 (``U``).  Passive orders never cross, so the book never crosses after matching.

    With ``move_prob > 0`` a fair price takes a ±1 tick step with that probability per event (a random
    walk), new orders are placed around it, and nine takers in ten (executions, prints, marketable
    adds) trade towards it, executions taking whole orders from the side between the mid and the fair
    price, so the book follows it; ``move_prob = 0`` gives a market whose price only jitters around the
    start.

    Parameters
    ----------
    n : int
        Events.
    seed : int
        Stream seed (splitmix64); equal seeds give equal streams.
    mid_ticks : int
        Starting mid price (ticks).
    start_ns, mean_gap_ns : int
        First timestamp (ns since midnight; default 09:30) and mean gap between events (ns).
    max_live : int
        Cap on live orders.
    move_prob : float
        Probability per event of a fair-price step (0 to 1).
    arrivals_ns : int64 array (n,), optional
        The events' timestamps instead of the regular clock (sorted, ns since midnight): arrivals
        drawn elsewhere, for example the ``ts_ns`` of a simulated Hawkes process
        (``quantforge.kernels.hawkes.HawkesPaths.to_records``), which the caller passes in because
        the engine imports no kernel family.  The events themselves are the same stream.
    """
    n = check_int("n", n, minimum=1)
    # the records, and the generator's id table and status words (one each per event)
    check_memory("n", n, n * (EVENT.itemsize + 16), f"{n} events")
    seed = check_int("seed", seed, minimum=0, maximum=2**63 - 1)
    mid_ticks = check_int("mid_ticks", mid_ticks, minimum=200, maximum=2**62)
    start_ns = check_int("start_ns", start_ns, minimum=0, maximum=2**62)
    mean_gap_ns = check_int("mean_gap_ns", mean_gap_ns, minimum=1, maximum=2**62)
    if start_ns + (n + 1) * mean_gap_ns >= 2**63:  # the clock is int64 nanoseconds
        raise InvalidParameters(
            f"start_ns + n * mean_gap_ns must stay below 2**63 ns, got start_ns={start_ns}, n={n}, "
            f"mean_gap_ns={mean_gap_ns}"
        )
    max_live = check_int("max_live", max_live, minimum=32, maximum=1 << 24)
    out = np.zeros(n, EVENT)
    bk = new_book_state(capacity=max_live + 16, window=1 << 14)
    _generate(
        bk,
        out,
        seed,
        mid_ticks,
        start_ns,
        mean_gap_ns,
        max_live,
        int(round(check_in_range("move_prob", move_prob, 0.0, 1.0) * 1e6)),
    )
    if arrivals_ns is not None:
        ts = np.asarray(arrivals_ns)
        if ts.dtype.kind not in "iu" or ts.shape != (n,):
            raise InvalidParameters(f"arrivals_ns must be an integer array of shape ({n},), got {ts.dtype} {ts.shape}")
        if ts.size and (ts[0] < 0 or np.any(np.diff(ts) < 0)):
            raise InvalidParameters("arrivals_ns must be sorted and >= 0 (ns since midnight)")
        out["ts_ns"] = ts
    return out
