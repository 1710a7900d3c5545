"""execution/orders.py, called from Python on small arrays: the latency queue is a FIFO ring that refuses
to overflow, working lots follow children as they are sent, filled and ended, and a replacement joins
``working`` only when it reaches the book."""

from __future__ import annotations

import numpy as np

from quantforge.engine.book import HDR_N_FILLS, new_book_state
from quantforge.engine.types import MAKER, TAKER
from quantforge.execution import orders as O
from quantforge.execution.executors import ScheduleExecutor, executor_config
from quantforge.execution.layouts import ACT_NEW, CHILD, OWN_FILL, ChildKind, Fate, Reason, S, new_state
from quantforge.execution.schedules import twap_schedule

FIRST = 1 << 40


def _cfg(latency_s=0.5):
    from quantforge.execution import Tactics

    ex = ScheduleExecutor(twap_schedule(20, 10.0, 2), Tactics(latency_s=latency_s, fill_a=1.0, fill_k=1.0))
    return executor_config(ex, start_ns=0, decision_ns=0, first_oid=FIRST, fill_a=1.0, fill_k=1.0)[0]


def test_the_queue_is_a_fifo_ring_that_refuses_to_overflow():
    si, _, pend = new_state()
    pend = pend[:3]
    for k in range(3):
        assert O.push(pend, si, 100 + k, ACT_NEW, k, FIRST + k, 50, 1, -1)
    assert not O.push(pend, si, 999, ACT_NEW, 9, 9, 50, 1, -1) and si[S.PEND_FULL] == 1
    assert [pend[O.pop(pend, si), 0] for _ in range(2)] == [100, 101]
    assert O.push(pend, si, 103, ACT_NEW, 3, FIRST + 3, 50, 1, -1)  # wraps around
    assert [pend[O.pop(pend, si), 0] for _ in range(2)] == [102, 103] and si[S.PEND_COUNT] == 0


def test_working_lots_follow_the_children():
    cfg = _cfg()
    si, _, pend = new_state()
    ch = np.zeros(8, CHILD)
    a = O.send(ch, si, pend, cfg, 10, ACT_NEW, ChildKind.LIMIT, Reason.SLICE, 99, 7, 0, -1)
    b = O.send(ch, si, pend, cfg, 10, ACT_NEW, ChildKind.IOC, Reason.CATCH_UP, 101, 3, 0, -1)
    assert (a, b) == (0, 1) and si[S.WORKING] == 10 and si[S.IOC_OPEN] == 3
    assert ch[0]["oid"] == FIRST and ch[1]["oid"] == FIRST + 1 and pend[0, 0] == 10 + cfg["latency_ns"]
    assert O.pending_for(pend, si, 0) and not O.pending_for(pend, si, 5)
    # a replacement of child 0: created, queued, but not in working until it reaches the book
    c = O.send(ch, si, pend, cfg, 20, 4, ChildKind.LIMIT, Reason.SLICE, 98, 7, 0, 0)
    assert c == 2 and si[S.WORKING] == 10 and ch[2]["fate"] == Fate.IN_FLIGHT
    O.end_child(ch, si, 1, Fate.EXPIRED, 30)
    assert si[S.WORKING] == 7 and si[S.IOC_OPEN] == 0 and ch[1]["ts_done"] == 30


def test_drain_turns_book_fills_into_own_fills_and_market_volume():
    cfg = _cfg()
    si, _, _ = new_state()
    si[S.STARTED] = 1
    ch = np.zeros(4, CHILD)
    fl = np.zeros(8, OWN_FILL)
    O.new_child(ch, si, 0, ChildKind.LIMIT, Reason.SLICE, 1, 100, 5, 0, FIRST)
    si[S.WORKING] = 5
    si[S.PASSIVE] = 0
    bk = new_book_state(capacity=16, window=64)
    rows = [(FIRST, MAKER, 100, 2), (7, TAKER, 100, 2), (FIRST, MAKER, 100, 3), (8, MAKER, 101, 4)]
    for k, (oid, liq, px, q) in enumerate(rows):
        bk.fills[k]["order_id"], bk.fills[k]["liquidity"] = oid, liq
        bk.fills[k]["price_ticks"], bk.fills[k]["size_lots"] = px, q
    bk.hdr[HDR_N_FILLS] = len(rows)
    O.drain(bk, cfg, si, ch, fl, 42, 201, 1)
    assert si[S.FILLED] == 5 and si[S.WORKING] == 0 and si[S.N_FILLS] == 2 and si[S.PASSIVE] == -1
    assert ch[0]["fate"] == Fate.FILLED and ch[0]["ts_done"] == 42 and ch[0]["filled_lots"] == 5
    assert si[S.MKT_VOL] == 2 + 3 + 4 and si[S.VWAP_PQ] == 100 * 5 + 101 * 4  # one maker record per match
    assert list(fl["size_lots"][:2]) == [2, 3] and fl["mid2_before"][0] == 201 and bk.hdr[HDR_N_FILLS] == 0
