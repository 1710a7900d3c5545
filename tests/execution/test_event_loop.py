"""execution/event_loop.py on hand-built event sequences with hand-computed outcomes: an own resting
child keeps its price-time priority against the feed's executions and trade prints, actions arrive after
their latency, a catch-up IOC takes liquidity the feed then finds missing, the horizon end crosses the
rest, the kill switch drops what is in flight, and the loop resumes after growing its logs with the
same results."""

from __future__ import annotations

import numpy as np

from quantforge.engine.book import ORD_SIZE, book_find, new_book_state
from quantforge.engine.types import EV_ADD, EV_EXECUTE, EV_TRADE, EVENT
from quantforge.execution import ScheduleExecutor, SyntheticMarket, Tactics, twap_schedule
from quantforge.execution.event_loop import run_execution
from quantforge.execution.executors import executor_config
from quantforge.execution.layouts import BIN_WORDS, CHILD, OWN_FILL, ChildKind, Fate, Halt, Reason, S, new_state

T0 = 34_200 * 10**9
FIRST = 1 << 40
SEC = 10**9


def _events(*rows):
    """EVENT records from (seconds after T0, kind, order_id, side, price_ticks, size_lots) rows."""
    ev = np.zeros(len(rows), EVENT)
    for i, (t, kind, oid, side, px, q) in enumerate(rows):
        ev[i]["ts_ns"], ev[i]["kind"], ev[i]["order_id"] = T0 + int(round(t * SEC)), kind, oid
        ev[i]["side"], ev[i]["price_ticks"], ev[i]["size_lots"] = side, px, q
    return ev


def _filler(t, oid):
    return (t, EV_ADD, oid, -1, 150, 1)  # an ask far away: an event that changes nothing near the touch


def _run(events, executor, start_s, children=64, fills=512):
    cfg = executor_config(
        executor,
        start_ns=T0 + int(start_s * SEC),
        decision_ns=T0 + int(start_s * SEC),
        first_oid=FIRST,
        fill_a=1.0,
        fill_k=1.0,
    )
    sched = np.round(executor.times_s * 1e9).astype(np.int64)
    plan_cum = executor.targets()
    si, sf, pend = new_state()
    ch = np.zeros(children, CHILD)
    fl = np.zeros(fills, OWN_FILL)
    bins = np.zeros((executor.n_slices + 1, BIN_WORDS), np.int64)
    status = np.zeros(events.shape[0], np.int64)
    bk = new_book_state(capacity=1 << 12, window=1 << 12)
    i, grown = 0, 0
    while i < events.shape[0]:
        i, code = run_execution(
            bk, events, i, events.shape[0], cfg, sched, plan_cum, si, sf, pend, ch, fl, bins, status
        )
        if code:
            grown += 1
            if si[S.N_CHILDREN] + 8 > ch.shape[0]:
                ch = np.concatenate([ch, np.zeros(ch.shape[0], CHILD)])
            if si[S.N_FILLS] + 512 > fl.shape[0]:
                fl = np.concatenate([fl, np.zeros(fl.shape[0], OWN_FILL)])
    assert si[S.ACCOUNTING_BREAKS] == 0
    return si, ch[: si[S.N_CHILDREN]], fl[: si[S.N_FILLS]], bk, grown


FIXED = Tactics(depth="fixed", depth_ticks=0, latency_s=0.001, fill_a=1.0, fill_k=1.0, finish=False)


def test_an_own_child_has_priority_over_orders_that_joined_after_it():
    ev = _events(
        (0.0, EV_ADD, 1, 1, 100, 5),
        (0.1, EV_ADD, 2, -1, 101, 5),
        _filler(1.0, 50),
        (2.0, EV_ADD, 3, 1, 100, 4),  # joins 100 behind the own child (which arrived at 1.001 s)
        (3.0, EV_EXECUTE, 1, 0, 0, 5),  # order 1 was ahead of the own child: it is executed
        (4.0, EV_EXECUTE, 3, 0, 0, 2),  # order 3 is behind: the own child takes these 2 lots
        (5.0, EV_EXECUTE, 3, 0, 0, 4),  # 1 more for the own child, 3 for order 3
        _filler(6.0, 51),
    )
    si, ch, fl, bk, _ = _run(ev, ScheduleExecutor(twap_schedule(3, 100.0, 1), FIXED), 1.0)
    assert ch.size == 1 and ch[0]["fate"] == Fate.FILLED and ch[0]["price_ticks"] == 100
    assert ch[0]["ts_arrived"] - ch[0]["ts_sent"] == 10**6  # 1 ms of latency, delivered at its due time
    assert [(int(f["ts_ns"] - T0) // SEC, int(f["size_lots"]), int(f["price_ticks"])) for f in fl] == [
        (4, 2, 100),
        (5, 1, 100),
    ]
    assert bk.ords[book_find(bk, 3), ORD_SIZE] == 1  # order 3 kept what the own child took from the execution
    assert si[S.HALT] == Halt.COMPLETE and si[S.FILLED] == 3 and si[S.WORKING] == 0
    assert si[S.MKT_VOL] == 5 + 2 + 1 + 3  # the feed's executions; the own lots are part of them


def test_trade_prints_fill_through_the_price_and_after_the_queue():
    ev = _events(
        (0.0, EV_ADD, 1, 1, 100, 5),
        (0.1, EV_ADD, 2, -1, 101, 5),
        _filler(1.0, 50),
        (2.0, EV_TRADE, 0, 1, 100, 7),  # 5 lots ahead of the own child: it gets 2
        (3.0, EV_TRADE, 0, 1, 99, 1),  # a print below the own bid went through it: 1 more
        _filler(4.0, 51),
    )
    si, ch, fl, _, _ = _run(ev, ScheduleExecutor(twap_schedule(4, 100.0, 1), FIXED), 1.0)
    assert list(fl["size_lots"]) == [2, 1] and list(fl["liquidity"]) == [0, 0]
    assert ch[0]["fate"] == Fate.LIVE and si[S.WORKING] == 1 and si[S.FILLED] == 3
    assert si[S.MKT_VOL] == 8  # the prints' volume, counted once


def test_catch_up_crosses_the_deficit_and_the_horizon_end_the_rest():
    deep = Tactics(depth="fixed", depth_ticks=5, latency_s=0.001, fill_a=1.0, fill_k=1.0, finish=True)
    ev = _events(
        (0.0, EV_ADD, 1, 1, 100, 5),
        (0.1, EV_ADD, 2, -1, 101, 3),
        (0.2, EV_ADD, 4, -1, 102, 5),
        _filler(1.0, 50),  # start: a resting child of 2 lots at 95 (never reached)
        _filler(2.5, 51),  # slice 2: 2 lots behind, an IOC at 102 takes 2 of order 2's 3 lots
        (3.0, EV_EXECUTE, 2, 0, 0, 3),  # the feed executes 3 lots of order 2: only 1 is left
        _filler(4.0, 52),
        _filler(5.0, 53),
    )  # horizon end (3 s): cancel at 3.001, IOC for the rest
    si, ch, fl, _, _ = _run(ev, ScheduleExecutor(twap_schedule(4, 2.0, 2), deep), 1.0)
    assert [(int(c["kind"]), int(c["reason"]), int(c["fate"])) for c in ch] == [
        (ChildKind.LIMIT, Reason.SLICE, Fate.CANCELLED),
        (ChildKind.IOC, Reason.CATCH_UP, Fate.FILLED),
        (ChildKind.IOC, Reason.FINISH, Fate.FILLED),
    ]
    assert ch[0]["price_ticks"] == 95 and ch[1]["price_ticks"] == 102
    assert [(int(f["price_ticks"]), int(f["size_lots"]), int(f["liquidity"])) for f in fl] == [
        (101, 2, 1),
        (101, 1, 1),
        (102, 1, 1),
    ]
    assert si[S.BOOK_REFUSED] == 1 and si[S.HALT] == Halt.COMPLETE and si[S.FILLED] == 4


def test_the_kill_switch_drops_what_is_in_flight():
    slow = Tactics(depth="fixed", latency_s=0.5, fill_a=1.0, fill_k=1.0, kill_after_s=0.2, finish=False)
    ev = _events(
        (0.0, EV_ADD, 1, 1, 100, 5),
        (0.1, EV_ADD, 2, -1, 101, 5),
        _filler(1.0, 50),
        _filler(1.3, 51),
        (2.0, EV_ADD, 3, -1, 99, 9),
    )  # a marketable sell after the kill: nothing of ours to hit
    si, ch, fl, bk, _ = _run(ev, ScheduleExecutor(twap_schedule(4, 100.0, 1), slow), 1.0)
    assert ch.size == 1 and ch[0]["fate"] == Fate.KILLED and ch[0]["ts_arrived"] == 0
    assert si[S.HALT] == Halt.KILL_TIME and si[S.HALT_NS] == T0 + 13 * SEC // 10
    assert fl.size == 0 and si[S.WORKING] == 0 and book_find(bk, FIRST) < 0


def test_the_loop_resumes_after_growing_its_logs_with_the_same_results():
    market = SyntheticMarket(n_events=20_000, session_s=2_000.0, seed=11)
    ev = market.events()
    ex = ScheduleExecutor(twap_schedule(300, 900.0, 9), Tactics(fill_a=5.0, fill_k=1.0, min_replace_s=0.2))
    start = (int(ev["ts_ns"][1000]) - T0) / SEC
    big = _run(ev, ex, start)
    small = _run(ev, ex, start, children=5, fills=300)
    assert small[4] > 0 and big[4] == 0  # the small logs were grown on the way
    np.testing.assert_array_equal(small[1], big[1])
    np.testing.assert_array_equal(small[2], big[2])
    np.testing.assert_array_equal(small[0], big[0])
    assert big[1].size > 5
