"""The executor's decision step, compiled: targets, the catch-up IOC, the resting child, limits, the kill switch.

See :mod:`quantforge.execution.event_loop` for the rules; this module holds the functions the loop
calls after each market event once the order has started.
"""

from __future__ import annotations

import math

import numpy as np

from ..engine.book import NO_PRICE, book_level_qty, book_queue_ahead
from ..kernels.jit import engine_jit
from .layouts import (
    ACT_IOC,
    ACT_NEW,
    ACT_REDUCE,
    ACT_REPLACE,
    NO_LIMIT,
    Algo,
    ChildKind,
    Depth,
    F,
    Fate,
    Halt,
    Reason,
    S,
)
from .orders import cancel_now, end_child, halt, pending_for, pop, push, queue_cancel, send

__all__ = ["remaining_fraction", "plan", "pov_targets", "passive_price", "decide", "kill", "needs_decision", "seen"]


@engine_jit(inline=True)
def remaining_fraction(kappa, t_left, t_total):
    """``sinh(kappa t_left) / sinh(kappa t_total)`` (the Almgren–Chriss holdings ratio), overflow-free."""
    if t_total <= 0.0:
        return 0.0
    if kappa * t_total < 1e-8:
        return t_left / t_total
    return (
        math.exp(-kappa * (t_total - t_left)) * math.expm1(-2.0 * kappa * t_left) / math.expm1(-2.0 * kappa * t_total)
    )


@engine_jit(inline=True)
def _eta_hat(cfg, sf, slice_s):
    """Temporary impact (ticks x s per lot) from the touch depth: crossing ``n`` lots within a slice walks
    about ``n / D`` levels, an average concession of ``n / (2 D)`` ticks, so ``eta = slice / (2 D)``."""
    return slice_s / (2.0 * max(sf[F.DEPTH], 1.0))


@engine_jit(inline=True)
def plan(cfg, si, sf, sched_ns, plan_cum, k, ts):
    """Targets at the start of slice ``k``: ``done`` (by now) and ``next`` (by its end), from ``plan_cum``.

    The adaptive executor writes ``plan_cum[k + 1]`` here: from what should be done by now (the lots a
    catch-up brings it to), the lots left follow the Almgren–Chriss holdings ratio
    ``sinh(kappa (T - t_{k+1})) / sinh(kappa (T - t))`` with ``kappa`` re-solved from the current estimates.
    """
    n = sched_ns.shape[0] - 1
    if cfg.algo == Algo.ADAPTIVE:
        base = max(si[S.FILLED] + si[S.IOC_OPEN], plan_cum[k])
        left = cfg.parent_lots - base
        t_total = (cfg.end_ns - ts) * 1e-9
        t_next = (cfg.start_ns + sched_ns[k + 1] - ts) * 1e-9
        var = sf[F.VAR_RATE]
        eta = _eta_hat(cfg, sf, (sched_ns[k + 1] - sched_ns[k]) * 1e-9)
        if sf[F.LAMBDA] == 0.0 and var > 0.0:
            u = cfg.urgency / ((cfg.end_ns - cfg.start_ns) * 1e-9)  # kappa = urgency / T with the first estimates
            sf[F.LAMBDA] = eta * u * u / var
        arrival = si[S.ARRIVAL_MID2] if si[S.ARRIVAL_MID2] != NO_PRICE else si[S.DECISION_MID2]
        elapsed = (ts - cfg.start_ns) * 1e-9
        z = 0.0  # the gain since arrival in standard deviations: positive in the money
        if var > 0.0 and elapsed > 0.0:
            z = min(3.0, max(-3.0, 0.5 * cfg.side * (arrival - si[S.LAST_MID2]) / math.sqrt(var * elapsed)))
        if var > 0.0:
            kappa = math.sqrt(sf[F.LAMBDA] * math.exp(cfg.aim * z) * var / eta)
        else:
            kappa = cfg.urgency / ((cfg.end_ns - cfg.start_ns) * 1e-9)
        sf[F.KAPPA] = kappa
        frac = 1.0 if k + 1 == n else 1.0 - remaining_fraction(kappa, t_total - t_next, t_total)
        plan_cum[k + 1] = base + min(left, np.int64(math.floor(left * frac + 0.5)))
    return plan_cum[k], plan_cum[k + 1]


@engine_jit(inline=True)
def pov_targets(cfg, si, sf, lookahead_s):
    """POV: ``rate / (1 - rate)`` of the others' volume so far (done) and of what is expected to
    trade over the next ``lookahead_s`` seconds too (next: the resting child's share)."""
    g = cfg.pov_rate / (1.0 - cfg.pov_rate)
    others = si[S.MKT_VOL] - si[S.FILLED]
    done = min(cfg.parent_lots, np.int64(g * others))
    nxt = min(cfg.parent_lots, np.int64(g * (others + sf[F.VOL_RATE] * lookahead_s)))
    return done, max(nxt, done)


@engine_jit(inline=True)
def _cap(cfg, si, sf, horizon_s):
    """Lots the participation cap allows on top of what is filled and in flight, counting the others'
    volume expected over ``horizon_s`` seconds."""
    if cfg.participation_cap >= 1.0:
        return cfg.parent_lots
    g = cfg.participation_cap / (1.0 - cfg.participation_cap)
    others = si[S.MKT_VOL] - si[S.FILLED] + sf[F.VOL_RATE] * horizon_s
    return max(0, np.int64(g * others) - si[S.FILLED] - si[S.IOC_OPEN])


@engine_jit(inline=True)
def passive_price(bk, cfg, si, ch, dt_s, size):
    """The resting child's price: fixed depth behind the near touch, or the fill model's best saving.

    The fill model: market orders trade ``A e^{-k delta}`` lots per second at depth ``delta`` (ticks
    from the mid) or beyond, and a child of ``size`` lots fills once they have traded the ``a`` lots
    ahead of it, so it fills within ``dt`` with probability about ``1 - exp(-A e^{-k delta} dt / (a +
    size))``; each price saves ``|far touch - p|`` over crossing when it fills.  ``a`` is the depth at
    and inside the price (a new child joins behind it), or the own child's actual place in its queue
    at its own price, which keeps a well-placed child where it is.
    """
    side = cfg.side
    bb = si[S.BEST_BID]
    ba = si[S.BEST_ASK]
    near = bb if side > 0 else ba
    far = ba if side > 0 else bb
    if cfg.depth_mode == Depth.FIXED:
        px = near - side * cfg.depth_ticks
    else:
        mid = 0.5 * (bb + ba)
        pc = si[S.PASSIVE]
        own_px = NO_PRICE
        own_ahead = 0
        own_open = 0
        if pc >= 0 and ch[pc].fate == Fate.LIVE:
            own_px = ch[pc].price_ticks
            own_ahead = book_queue_ahead(bk, ch[pc].oid)
            own_open = ch[pc].size_lots - ch[pc].filled_lots
        best = -1.0
        own_gain = -1.0
        px = near
        ahead = 0
        d0 = 1 - (ba - bb)
        # the volume rate at each deeper tick is the last one times e^{-k}: one exp for the whole search
        rate = cfg.fill_a * math.exp(-cfg.fill_k * side * (mid - (near - side * d0)))
        step = math.exp(-cfg.fill_k)
        # from one tick inside the far touch to max_depth_ticks behind the near one
        for d in range(d0, cfg.max_depth_ticks + 1):
            p = near - side * d
            level = book_level_qty(bk, side, p)
            if p == own_px:
                level -= own_open
                a = ahead + own_ahead
            else:
                a = ahead + level
            gain = side * (far - p) * -math.expm1(-rate * dt_s / (a + size))
            if p == own_px:
                own_gain = gain
            if gain > best:
                best = gain
                px = p
            ahead += level
            rate *= step
        # a live child moves only for a clearly better price: a replacement loses its place in the queue
        if own_gain >= 0.0 and best <= own_gain * (1.0 + cfg.reprice_margin):
            px = own_px
    if cfg.limit_ticks != NO_LIMIT and side * (px - cfg.limit_ticks) > 0:
        px = cfg.limit_ticks
    return max(px, 1)


@engine_jit
def kill(bk, cfg, si, ch, pend, ts, why):
    """Cancel every working child now, drop what is in flight, stop."""
    c = si[S.PASSIVE]
    if c >= 0:
        cancel_now(bk, ch, si, c, Fate.KILLED, ts)
    while si[S.PEND_COUNT] > 0:
        row = pop(pend, si)
        act = pend[row, 1]
        c = pend[row, 2]
        if act == ACT_NEW or act == ACT_IOC:
            end_child(ch, si, c, Fate.KILLED, ts)
        elif act == ACT_REPLACE:  # not counted in working yet: its live predecessor is
            cancel_now(bk, ch, si, pend[row, 6], Fate.KILLED, ts)
            ch[c].fate = Fate.KILLED
            ch[c].ts_done = ts
    si[S.PASSIVE] = -1
    halt(si, why, ts)


@engine_jit
def decide(bk, cfg, si, sf, ch, pend, sched_ns, plan_cum, ts):
    """The executor's decision step at ``ts`` (module notes)."""
    side = cfg.side
    bb = si[S.BEST_BID]
    ba = si[S.BEST_ASK]
    mid2 = si[S.LAST_MID2]
    if cfg.kill_ns != NO_LIMIT and ts >= cfg.kill_ns:
        kill(bk, cfg, si, ch, pend, ts, Halt.KILL_TIME)
        return
    arrival = si[S.ARRIVAL_MID2]
    if (
        cfg.kill_band_ticks != NO_LIMIT
        and arrival != NO_PRICE
        and mid2 != NO_PRICE
        and side * (mid2 - arrival) > 2 * cfg.kill_band_ticks
    ):
        kill(bk, cfg, si, ch, pend, ts, Halt.ADVERSE_MOVE)
        return
    if si[S.FILLED] == cfg.parent_lots:
        halt(si, Halt.COMPLETE, ts)
        return
    n = sched_ns.shape[0] - 1
    finishing = ts >= cfg.end_ns
    pc = si[S.PASSIVE]
    if finishing:
        if pc >= 0 and ch[pc].fate == Fate.LIVE and not pending_for(pend, si, pc):
            queue_cancel(pend, si, cfg, ch, pc, ts)
        if cfg.finish == 0 or ts >= cfg.end_ns + cfg.finish_grace_ns:
            if si[S.WORKING] == 0:
                halt(si, Halt.HORIZON, ts)
            return
    if bb == NO_PRICE or ba == NO_PRICE:
        return
    # the slice grid: plan each slice once, when the loop enters it
    k = si[S.SLICE]
    while k + 1 < n and ts >= cfg.start_ns + sched_ns[k + 1]:
        k += 1
    if k != si[S.SLICE] or si[S.NEXT_TARGET] < 0:
        si[S.SLICE] = k
        done, nxt = plan(cfg, si, sf, sched_ns, plan_cum, k, ts)
        si[S.DONE_TARGET] = done
        si[S.NEXT_TARGET] = nxt
    slice_end = cfg.start_ns + sched_ns[k + 1]
    dt_s = max(slice_end - ts, 0) * 1e-9
    done = si[S.DONE_TARGET]
    nxt = si[S.NEXT_TARGET]
    if cfg.algo == Algo.POV:
        done, nxt = pov_targets(cfg, si, sf, cfg.lookahead_ns * 1e-9)
    if finishing:
        done = cfg.parent_lots
        nxt = cfg.parent_lots
    # the price limit: no order beyond it, and nothing resting while the far touch is past it
    far = ba if side > 0 else bb
    paused = cfg.limit_ticks != NO_LIMIT and side * (far - cfg.limit_ticks) > 0
    if paused:
        if si[S.LIMIT_PAUSED] == 0:
            si[S.LIMIT_PAUSES] += 1
            si[S.LIMIT_PAUSED] = 1
        if pc >= 0 and ch[pc].fate == Fate.LIVE and not pending_for(pend, si, pc):
            queue_cancel(pend, si, cfg, ch, pc, ts)
        return
    si[S.LIMIT_PAUSED] = 0
    available = cfg.parent_lots - si[S.FILLED] - si[S.WORKING]
    # behind: cross the deficit
    deficit = done - si[S.FILLED] - si[S.IOC_OPEN]
    if (deficit > cfg.catchup_lots or (finishing and deficit > 0)) and si[S.IOC_OPEN] == 0:
        q = min(deficit, available, cfg.max_child_lots, _cap(cfg, si, sf, 0.0))
        if q > 0:
            px = far + side * cfg.cross_ticks
            if cfg.limit_ticks != NO_LIMIT and side * (px - cfg.limit_ticks) > 0:
                px = cfg.limit_ticks
            send(
                ch,
                si,
                pend,
                cfg,
                ts,
                ACT_IOC,
                ChildKind.IOC,
                Reason.FINISH if finishing else Reason.CATCH_UP,
                max(px, 1),
                q,
                k,
                -1,
            )
            available -= q
        elif pc >= 0 and ch[pc].fate == Fate.LIVE and available < deficit and not pending_for(pend, si, pc):
            queue_cancel(pend, si, cfg, ch, pc, ts)  # free the resting lots for the catch-up
            return
    if finishing:
        return
    # the resting child for the rest of the slice
    want = min(nxt - si[S.FILLED] - si[S.IOC_OPEN], cfg.max_child_lots, _cap(cfg, si, sf, dt_s))
    pc = si[S.PASSIVE]
    if pc >= 0 and pending_for(pend, si, pc):
        return  # one action at a time per resting child
    if pc < 0:
        if want > 0 and available > 0:
            px = passive_price(bk, cfg, si, ch, dt_s, min(want, available))
            c = send(ch, si, pend, cfg, ts, ACT_NEW, ChildKind.LIMIT, Reason.SLICE, px, min(want, available), k, -1)
            if c >= 0:
                si[S.PASSIVE] = c
                si[S.PASSIVE_LAST_NS] = ts
        return
    open_lots = ch[pc].size_lots - ch[pc].filled_lots
    if want <= 0:
        queue_cancel(pend, si, cfg, ch, pc, ts)
        return
    if want > open_lots + cfg.ahead_lots and available > 0:
        queue_cancel(pend, si, cfg, ch, pc, ts)  # more is wanted: re-post the whole slice after the cancel
        return
    if want < open_lots - cfg.ahead_lots:
        push(pend, si, ts + cfg.latency_ns, ACT_REDUCE, pc, ch[pc].oid, 0, want, -1)
        return
    if ts - si[S.PASSIVE_LAST_NS] >= cfg.min_replace_ns:
        si[S.PASSIVE_LAST_NS] = ts
        px = passive_price(bk, cfg, si, ch, dt_s, open_lots)
        if px != ch[pc].price_ticks:
            c = send(ch, si, pend, cfg, ts, ACT_REPLACE, ChildKind.LIMIT, Reason.SLICE, px, open_lots, k, pc)
            if c >= 0:
                si[S.PASSIVE] = c
                si[S.PASSIVE_LAST_NS] = ts


@engine_jit(inline=True)
def needs_decision(cfg, si, ts):
    """True when the decision step could act differently from last time: something it reads changed
    (the touch, filled or working lots, the in-flight queue, a statistics sample, and the market volume
    for POV and a participation cap), or its wake-up time came (the next slice, the resting child's
    price review, the kill time, the horizon end, the end of the finishing grace)."""
    if ts >= si[S.WAKE_NS]:
        return True
    if si[S.BEST_BID] != si[S.SEEN_BID] or si[S.BEST_ASK] != si[S.SEEN_ASK] or si[S.FILLED] != si[S.SEEN_FILLED]:
        return True
    if si[S.WORKING] != si[S.SEEN_WORKING] or si[S.PEND_COUNT] != si[S.SEEN_PEND]:
        return True
    if si[S.LAST_SAMPLE_NS] != si[S.SEEN_SAMPLE]:
        return True
    return (cfg.algo == Algo.POV or cfg.participation_cap < 1.0) and si[S.MKT_VOL] != si[S.SEEN_VOL]


@engine_jit(inline=True)
def seen(cfg, si, sched_ns, ts):
    """Record what a decision at ``ts`` saw and when the next one is due at the latest."""
    si[S.SEEN_BID] = si[S.BEST_BID]
    si[S.SEEN_ASK] = si[S.BEST_ASK]
    si[S.SEEN_FILLED] = si[S.FILLED]
    si[S.SEEN_WORKING] = si[S.WORKING]
    si[S.SEEN_PEND] = si[S.PEND_COUNT]
    si[S.SEEN_SAMPLE] = si[S.LAST_SAMPLE_NS]
    si[S.SEEN_VOL] = si[S.MKT_VOL]
    k = si[S.SLICE]
    wake = cfg.end_ns if ts < cfg.end_ns else cfg.end_ns + cfg.finish_grace_ns
    if k + 1 < sched_ns.shape[0] - 1:
        wake = min(wake, cfg.start_ns + sched_ns[k + 1])
    if si[S.PASSIVE] >= 0:
        wake = min(wake, si[S.PASSIVE_LAST_NS] + cfg.min_replace_ns)
    if cfg.kill_ns != NO_LIMIT:
        wake = min(wake, cfg.kill_ns)
    si[S.WAKE_NS] = max(wake, ts + 1)
