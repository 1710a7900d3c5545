"""The children's lifecycle in the compiled loop: the child log, ``working`` lots, own fills and the
latency queue of actions on their way to the book.

``working`` counts the open lots of children that are live or in flight; a child leaves it when it
fills, ends (:func:`end_child`) or is cut.  Actions wait in a FIFO ring (:data:`PENDING_SLOTS` rows of
``due_ns, action, child, oid, price, size, predecessor``) until their latency has elapsed; with one
latency for every action, due times never decrease along the ring.
"""

from __future__ import annotations

from ..engine.book import HDR_N_FILLS, book_cancel
from ..engine.types import MAKER, TAKER
from ..kernels.jit import engine_jit
from .layouts import ACT_CANCEL, ChildKind, Fate, Halt, S

__all__ = [
    "new_child",
    "end_child",
    "child_of",
    "drain",
    "push",
    "pop",
    "send",
    "cancel_now",
    "pending_for",
    "queue_cancel",
    "halt",
]


@engine_jit(inline=True)
def new_child(ch, si, ts, kind, reason, side, price, size, slc, oid):
    c = si[S.N_CHILDREN]
    r = ch[c]
    r.oid = oid
    r.ts_sent = ts
    r.ts_arrived = 0
    r.ts_done = 0
    r.price_ticks = price
    r.size_lots = size
    r.filled_lots = 0
    r.kind = kind
    r.fate = Fate.IN_FLIGHT
    r.reason = reason
    r.side = side
    r.slice = slc
    si[S.N_CHILDREN] = c + 1
    return c


@engine_jit(inline=True)
def end_child(ch, si, c, fate, ts):
    """Close child ``c`` with ``fate``; its open lots leave ``working`` (and the open IOC lots)."""
    r = ch[c]
    open_lots = r.size_lots - r.filled_lots
    si[S.WORKING] -= open_lots
    if r.kind == ChildKind.IOC:
        si[S.IOC_OPEN] -= open_lots
    r.fate = fate
    r.ts_done = ts
    if si[S.PASSIVE] == c:
        si[S.PASSIVE] = -1


@engine_jit(inline=True)
def child_of(cfg, oid):
    """Child index of own order id ``oid`` (ids are ``first_oid + child index``)."""
    return oid - cfg.first_oid


@engine_jit(inline=True)
def drain(bk, cfg, si, ch, fl, ts, mid2, spread):
    """Book fills since the last drain: own fills into the log, market volume into the counters."""
    n = min(bk.hdr[HDR_N_FILLS], bk.fills.shape[0])
    counting = si[S.STARTED] != 0 and si[S.HALT] == Halt.RUNNING
    for k in range(n):
        f = bk.fills[k]
        if f.liquidity == MAKER:  # one maker record per match: the market's volume
            si[S.ALL_VOL] += f.size_lots
            if counting:
                si[S.MKT_VOL] += f.size_lots
                si[S.VWAP_PQ] += f.price_ticks * f.size_lots
        if f.order_id >= cfg.first_oid:
            c = child_of(cfg, f.order_id)
            r = ch[c]
            j = si[S.N_FILLS]
            o = fl[j]
            o.ts_ns = ts
            o.child = c
            o.price_ticks = f.price_ticks
            o.size_lots = f.size_lots
            o.mid2_before = mid2
            o.spread_before = spread
            o.liquidity = MAKER if r.kind == ChildKind.LIMIT else TAKER
            si[S.N_FILLS] = j + 1
            r.filled_lots += f.size_lots
            si[S.FILLED] += f.size_lots
            si[S.WORKING] -= f.size_lots
            if r.kind == ChildKind.IOC:
                si[S.IOC_OPEN] -= f.size_lots
            if r.filled_lots == r.size_lots:
                r.fate = Fate.FILLED
                r.ts_done = ts
                if si[S.PASSIVE] == c:
                    si[S.PASSIVE] = -1
    bk.hdr[HDR_N_FILLS] = 0


@engine_jit(inline=True)
def push(pend, si, due, act, c, oid, price, size, prev):
    """Queue an action; False when the queue is full (the caller then sends nothing)."""
    n = si[S.PEND_COUNT]
    if n == pend.shape[0]:
        si[S.PEND_FULL] += 1
        return False
    row = (si[S.PEND_HEAD] + n) % pend.shape[0]
    pend[row, 0] = due
    pend[row, 1] = act
    pend[row, 2] = c
    pend[row, 3] = oid
    pend[row, 4] = price
    pend[row, 5] = size
    pend[row, 6] = prev
    si[S.PEND_COUNT] = n + 1
    return True


@engine_jit(inline=True)
def pop(pend, si):
    head = si[S.PEND_HEAD]
    si[S.PEND_HEAD] = (head + 1) % pend.shape[0]
    si[S.PEND_COUNT] -= 1
    return head


@engine_jit(inline=True)
def send(ch, si, pend, cfg, ts, act, kind, reason, price, size, slc, prev):
    """Create a child and queue its action; -1 when the queue is full.  A replacement (``prev`` >= 0)
    joins ``working`` only at delivery (see :func:`_deliver`)."""
    if si[S.PEND_COUNT] == pend.shape[0]:
        si[S.PEND_FULL] += 1
        return -1
    c = si[S.N_CHILDREN]
    oid = cfg.first_oid + c
    new_child(ch, si, ts, kind, reason, cfg.side, price, size, slc, oid)
    if prev < 0:
        si[S.WORKING] += size
    if kind == ChildKind.IOC:
        si[S.IOC_OPEN] += size
    push(pend, si, ts + cfg.latency_ns, act, c, oid, price, size, prev)
    return c


@engine_jit(inline=True)
def cancel_now(bk, ch, si, c, fate, ts):
    """Cancel child ``c`` at once (the kill switch: an exchange-side mass cancel, no latency)."""
    if ch[c].fate == Fate.LIVE:
        book_cancel(bk, ch[c].oid)
        end_child(ch, si, c, fate, ts)


@engine_jit(inline=True)
def pending_for(pend, si, c):
    """True when an action on child ``c`` (or replacing it) is still in flight."""
    for j in range(si[S.PEND_COUNT]):
        row = (si[S.PEND_HEAD] + j) % pend.shape[0]
        if pend[row, 2] == c or pend[row, 6] == c:
            return True
    return False


@engine_jit(inline=True)
def queue_cancel(pend, si, cfg, ch, c, ts):
    push(pend, si, ts + cfg.latency_ns, ACT_CANCEL, c, ch[c].oid, 0, 0, -1)


@engine_jit(inline=True)
def halt(si, why, ts):
    si[S.HALT] = why
    si[S.HALT_NS] = ts
    si[S.END_MID2] = si[S.LAST_MID2]
