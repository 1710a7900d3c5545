"""risk/monitor.py: the incremental P&L, drawdown and delta-normal VaR equal their direct computation after
random fills and marks; limits log each crossing once; a halt is final and sets the attached kill word in
the call that breaches it; the full measures run on a schedule."""

import numpy as np
import pytest

from quantforge.engine import book as B
from quantforge.engine import loop as L
from quantforge.engine.book import new_book_state
from quantforge.engine.surface import make_surface_table
from quantforge.engine.types import BUY, EV_ADD, EV_TRADE, EVENT, FILL, SELL, Instrument
from quantforge.errors import MatrixError, RiskError
from quantforge.risk import Limit, PositionBook, RiskMonitor, StressScenario, drawdown, engine_config

Z99 = 2.3263478740408408
INST = [Instrument("A", 0.01, 100), Instrument("B", 0.05, 10), Instrument("C", 0.25, 1)]


def _cov():
    vol = np.array([0.02, 0.015, 0.03])
    corr = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, -0.1], [0.2, -0.1, 1.0]])
    return corr * np.outer(vol, vol)


def _fill(ts, i, side, px, size):
    f = np.zeros(1, FILL)
    f[["ts_ns", "instrument_id", "side", "price_ticks", "size_lots"]] = (ts, i, side, px, size)
    return f


def test_incremental_state_equals_direct_computation():
    rng = np.random.default_rng(0)
    mon = RiskMonitor(INST, _cov())
    ref = PositionBook(INST)
    marks = np.array([10_000, 2_000, 400])
    mon.on_marks([0, 1, 2], marks, 0)
    ref.mark(marks)
    equity = [0.0]
    for t in range(1, 300):
        if t % 3:
            i = int(rng.integers(0, 3))
            f = _fill(t, i, rng.choice([-1, 1]), marks[i] + int(rng.integers(-5, 6)), int(rng.integers(1, 20)))
            mon.on_fills(f)
            ref.apply_fills(f)
        else:
            i = int(rng.integers(0, 3))
            marks[i] += int(rng.integers(-30, 31))
            mon.on_marks(i, marks[i], t)
            ref.mark(marks)
        equity.append(ref.total_pnl.sum())
        e = ref.exposures
        assert mon.pnl == pytest.approx(equity[-1], rel=1e-9, abs=1e-6)
        assert mon.var == pytest.approx(Z99 * np.sqrt(e @ _cov() @ e), rel=1e-9, abs=1e-6)
    dd, _ = drawdown(equity)
    assert mon.drawdown == pytest.approx(dd[-1], abs=1e-6)
    report = mon.recompute(300)
    assert report["delta_normal_var"] == pytest.approx(mon.var, rel=1e-12)
    assert sum(report["component_var"]) == pytest.approx(mon.var, rel=1e-12)


def test_limits_log_each_crossing_once_and_halt_trips_the_kill_word_at_once():
    limits = [
        Limit("position", 10, "reduce_only", instrument=0),
        Limit("loss", 1_000.0, "halt"),
        Limit("var", 50_000.0, "warn"),
    ]
    mon = RiskMonitor(INST, _cov(), limits)
    words = np.zeros(30, np.int64)
    mon.attach_kill_switch(words, 11)
    mon.on_marks([0, 1, 2], [10_000, 2_000, 400], 0)
    assert mon.on_fills(_fill(1, 0, 1, 10_000, 8)) == "none"
    assert mon.on_fills(_fill(2, 0, 1, 10_000, 4)) == "reduce_only"  # 12 lots > 10
    assert mon.on_fills(_fill(3, 0, 1, 10_000, 1)) == "reduce_only"  # still beyond: not logged again
    assert [b["kind"] for b in mon.breaches] == [0]
    assert mon.on_fills(_fill(4, 0, -1, 10_000, 5)) == "none"  # back within: the mode falls
    assert words[11] == 0
    assert mon.on_marks(0, 9_800, 5) == "halt"  # 8 lots x 200 ticks x 1.0 = 1600 lost > 1000
    assert words[11] == 1 and mon.breaches[-1]["ts_ns"] == 5
    assert mon.on_marks(0, 10_500, 6) == "halt"  # halt is final
    assert [int(b["kind"]) for b in mon.breaches] == [0, 3]


def test_scheduled_full_measures():
    hist = np.random.default_rng(1).standard_normal((250, 3)) * 0.01
    mon = RiskMonitor(
        INST,
        _cov(),
        recompute_every_s=1.0,
        history=hist,
        adv=[1e5, 1e4, 1e3],
        capital=1e6,
        scenarios=[StressScenario("down", [-0.1, -0.1, -0.1])],
    )
    mon.on_marks([0, 1, 2], [10_000, 2_000, 400], 0)
    mon.on_fills(_fill(1, 2, 1, 400, 50))
    first = mon.maybe_recompute(1)
    assert first is not None and first["historical_var"] > 0 and first["stress"][0][0] == "down"
    assert first["stress"][0][1] == pytest.approx(50 * 100.0 * (np.exp(-0.1) - 1))
    assert first["portfolio_days_to_liquidate"] == pytest.approx(50 / (0.1 * 1e3))
    assert mon.maybe_recompute(500_000_000) is None
    assert mon.maybe_recompute(1_000_000_001) is not None


def test_bad_arguments_are_refused():
    with pytest.raises(MatrixError, match="covariance is not positive semi-definite"):
        RiskMonitor(INST, -np.eye(3))
    with pytest.raises(RiskError, match=r"covariance must have shape \(3, 3\)"):
        RiskMonitor(INST, np.eye(2))
    with pytest.raises(RiskError, match=r"confidence must lie in \(0, 1\)"):
        RiskMonitor(INST, _cov(), confidence=1.0)
    mon = RiskMonitor(INST, _cov())
    with pytest.raises(RiskError, match="fills carry instrument_id 7..7"):
        mon.on_fills(_fill(1, 7, 1, 100, 1))


def test_a_monitor_halt_stops_the_engine_within_one_event():
    """The engine runs one event at a time; its fills and mid go to the monitor after each.  The fill that
    takes the position beyond the halt limit sets the loop's kill word in the monitor's call; at the next
    event the engine cancels its live quotes before the event's trade, which would have filled the ask."""
    tick, t0 = 0.25, 34_200 * 10**9
    inst = Instrument("XYZ", tick, 1.0)
    cfg = engine_config([], inst, horizon_end_ns=t0 + 10**12, max_order_lots=10, band_ticks=100, linear=False)
    t, q = np.array([0.0, 1e4]), np.arange(-5, 6)
    depth, size = np.full((2, q.size), 2 * tick), np.full((2, q.size), 2)
    tab = make_surface_table(depth, depth, t, -5, size, size)
    bk = new_book_state(1 << 12, 1 << 12)
    st = L.new_loop_state(cfg, max_actions=1 << 12, max_fills=1 << 12)
    f = {name: i for i, name in enumerate(L.STATE_FIELDS)}
    mon = RiskMonitor([inst], [[1e-4]], [Limit("position", 1, "halt")])
    mon.attach_kill_switch(st.s, f["killed"])
    rows = [
        (EV_ADD, 1, BUY, 98, 5),
        (EV_ADD, 2, SELL, 102, 5),  # mid 100: own quotes 2 @ 98 / 2 @ 102
        (EV_TRADE, 0, BUY, 97, 1),  # through the own bid: long 2 lots > 1, the monitor halts
        (EV_TRADE, 0, SELL, 103, 4),  # through the own ask, which would fill if it were still live
        (EV_ADD, 3, BUY, 99, 5),
    ]
    ev = np.zeros(len(rows), EVENT)
    for i, (kind, oid, side, px, qty) in enumerate(rows):
        for name, value in zip(
            ("ts_ns", "kind", "order_id", "side", "price_ticks", "size_lots"), (t0 + 1000 * i, kind, oid, side, px, qty)
        ):
            ev[name][i] = value
    seen = 0
    for i in range(ev.size):
        actions_before = int(st.s[f["n_actions"]])
        L.run_loop(bk, ev[i : i + 1], tab, cfg, st)
        n = int(st.s[f["n_fills"]])
        mon.on_fills(st.fills[seen:n])
        seen = n
        if st.s[f["last_mid2"]]:
            mon.on_marks(0, int(st.s[f["last_mid2"]]) // 2, int(ev[i]["ts_ns"]))
        if i == 2:
            assert mon.mode == "halt" and st.s[f["killed"]] == 1 and st.s[f["ask_px"]] == 102  # set, not yet seen
        if i == 3:
            acts = st.actions[actions_before : int(st.s[f["n_actions"]])]
            assert acts["status"].tolist() == [L.ACT_CANCEL] * len(acts) and len(acts) >= 1
            assert st.s[f["bid_px"]] == st.s[f["ask_px"]] == B.NO_PRICE
    assert int(st.s[f["n_fills"]]) == 1 and int(st.s[f["position"]]) == 2  # the ask was never filled
    assert mon.book.position_lots.tolist() == [2]
