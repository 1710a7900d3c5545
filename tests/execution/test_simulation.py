"""execution/simulation.py end to end on a synthetic day: for every executor every lot is accounted for
(filled + working + remaining = parent at every event), no child overfills, every child's fate is
recorded, nothing trades after the kill switch, prices respect the limit, participation the cap, and
the TCA of the result adds up; the same seed gives the same day."""

from __future__ import annotations

import math

import numpy as np
import pytest

from quantforge.errors import InvalidParameters
from quantforge.execution import (
    AdaptiveExecutor,
    AlmgrenChriss,
    LinearImpact,
    POVExecutor,
    ScheduleExecutor,
    SyntheticMarket,
    Tactics,
    ac_schedule,
    simulate_execution,
    twap_schedule,
    vwap_schedule,
)
from quantforge.execution.layouts import Fate
from quantforge.execution.tca import COMPONENTS

MARKET = SyntheticMarket(n_events=60_000, session_s=6_000.0, seed=5, warmup_events=3_000)
EVENTS = MARKET.events()
AC = AlmgrenChriss(sigma=0.05, impact=LinearImpact(gamma=1e-5, eta=0.05, epsilon=0.005))


def _executors(tactics=None):
    tactics = Tactics() if tactics is None else tactics
    return {
        "twap": ScheduleExecutor(twap_schedule(400, 1_800.0, 12, side="buy"), tactics),
        "vwap": ScheduleExecutor(vwap_schedule(400, 1_800.0, 12, side="sell"), tactics),
        "ac": ScheduleExecutor(ac_schedule(400, 1_800.0, 12, AC, urgency=3.0, side="buy"), tactics),
        "pov": POVExecutor("sell", 400, 1_800.0, 0.05, n_slices=12, tactics=tactics),
        "adaptive": AdaptiveExecutor("buy", 400, 1_800.0, 12, urgency=2.0, aim=1.0, tactics=tactics),
    }


@pytest.fixture(scope="module")
def results():
    return {name: simulate_execution(ex, MARKET, events=EVENTS) for name, ex in _executors().items()}


@pytest.mark.parametrize("name", ["twap", "vwap", "ac", "pov", "adaptive"])
def test_every_lot_and_every_child_is_accounted_for(results, name):
    res = results[name]
    res.check_accounting()
    c = res.children
    assert res.state["accounting_breaks"] == 0 and res.state["pend_full"] == 0
    assert np.all(c["filled_lots"] <= c["size_lots"]) and res.filled_lots <= res.parent_lots
    assert set(np.unique(c["fate"])) <= set(Fate)
    ended = ~np.isin(c["fate"], (Fate.LIVE, Fate.IN_FLIGHT))
    assert np.all(c["ts_done"][ended] >= c["ts_sent"][ended]) and np.all(c["ts_done"][~ended] == 0)
    arrived = c["ts_arrived"] > 0
    assert np.all(c["ts_arrived"][arrived] - c["ts_sent"][arrived] >= 10**6)  # the 1 ms latency
    assert np.all(np.diff(res.fills["ts_ns"]) >= 0) and np.all(res.fills["ts_ns"] >= res.start_ns)
    side = res.executor.side
    assert np.all(c["side"] == side)
    assert res.halt == "complete" and res.filled_lots == 400  # a quiet synthetic day: every order finishes


@pytest.mark.parametrize("name", ["twap", "ac", "adaptive"])
def test_the_tca_of_a_result_adds_up(results, name):
    res = results[name]
    row = res.tca().table[0]
    value = row["quantity"] * row["decision_price"]
    assert abs(math.fsum(float(row[c]) for c in COMPONENTS) - row["shortfall"]) <= 1e-12 * value
    assert row["filled"] == res.filled_lots * MARKET.lot_size and row["fill_rate"] == 1.0
    assert (
        np.isfinite(row["slippage_vwap_bps"]) and np.isfinite(row["slippage_twap_bps"]) and 0 < row["participation"] < 1
    )
    assert res.record.schedule_cum[-1] == 400 * MARKET.lot_size


def test_pov_keeps_its_rate_and_schedules_keep_their_shape(results):
    pov = results["pov"].tca().table[0]
    assert 0.04 < pov["participation"] < 0.06
    bins = results["twap"].bins
    assert np.all(bins[1:, 1] >= bins[:-1, 0] - 40)  # each slice's target is met by the next (within a slice)
    ad = results["adaptive"].bins[:, 0]
    assert ad[-1] == 400 and np.all(np.diff(ad) >= 0)


def test_the_same_seed_gives_the_same_day(results):
    again = simulate_execution(_executors()["twap"], MARKET, events=EVENTS)
    np.testing.assert_array_equal(again.children, results["twap"].children)
    np.testing.assert_array_equal(again.fills, results["twap"].fills)


def test_nothing_trades_after_the_kill_switch():
    t = Tactics(kill_after_s=300.0)
    for name in ("twap", "pov", "adaptive"):
        res = simulate_execution(_executors(t)[name], MARKET, events=EVENTS)
        res.check_accounting()
        kill = res.start_ns + 300 * 10**9
        assert res.halt == "kill_time" and kill <= res.state["halt_ns"]
        assert np.all(res.fills["ts_ns"] <= res.state["halt_ns"])
        assert not np.isin(res.children["fate"], (Fate.LIVE, Fate.IN_FLIGHT)).any() and res.working_lots == 0
        assert res.remaining_lots == 400 - res.filled_lots > 0
        row = res.tca().table[0]
        assert row["fill_rate"] < 1 and row["opportunity"] != 0.0


def test_an_adverse_move_trips_the_kill_switch():
    res = simulate_execution(_executors(Tactics(kill_band_ticks=0))["twap"], MARKET, events=EVENTS)
    assert res.halt == "adverse_move" and res.working_lots == 0
    res.check_accounting()


def test_the_price_limit_and_the_participation_cap():
    mid0 = MARKET.mid_ticks
    limited = simulate_execution(_executors(Tactics(limit_ticks=mid0 - 2, finish=False))["twap"], MARKET, events=EVENTS)
    limited.check_accounting()
    assert np.all(limited.fills["price_ticks"] <= mid0 - 2) and np.all(limited.children["price_ticks"] <= mid0 - 2)
    capped = simulate_execution(_executors(Tactics(participation_cap=0.03))["ac"], MARKET, events=EVENTS)
    capped.check_accounting()
    row = capped.tca().table[0]
    assert row["participation"] <= 0.035


def test_without_finishing_the_rest_is_left_and_valued():
    ex = ScheduleExecutor(twap_schedule(400, 600.0, 6), Tactics(depth="fixed", depth_ticks=8, finish=False))
    res = simulate_execution(ex, MARKET, events=EVENTS, decision_lead_s=30.0)
    res.check_accounting()
    assert res.halt == "horizon" and res.remaining_lots > 0 and res.working_lots == 0  # 8 ticks deep: rarely reached
    row = res.tca().table[0]
    assert row["opportunity"] != 0.0 and row["fill_rate"] < 1
    assert (
        abs(math.fsum(float(row[c]) for c in COMPONENTS) - row["shortfall"])
        <= 1e-12 * row["quantity"] * row["decision_price"]
    )


def test_summary_fates_and_plot(results, tmp_path):
    res = results["vwap"]
    assert res.summary().startswith("vwap sell 400 lots over 1800 s: filled 400")
    assert sum(res.fates().values()) == res.children.size
    assert res.plot(tmp_path / "vwap.png").stat().st_size > 20_000


@pytest.mark.parametrize(
    "call,match",
    [
        (
            lambda: simulate_execution(ScheduleExecutor(twap_schedule(10, 9_000.0, 3)), MARKET, events=EVENTS),
            r"horizon_s=9000\.0 \(plus the finishing grace\) does not fit",
        ),
        (
            lambda: simulate_execution(
                ScheduleExecutor(twap_schedule(10, 60.0, 3)), MARKET, events=EVENTS, decision_lead_s=10_000.0
            ),
            r"decision_lead_s=10000\.0 reaches before the day's first event",
        ),
        (
            lambda: simulate_execution(ScheduleExecutor(twap_schedule(10, 60.0, 3)), MARKET, events=EVENTS[:10]),
            r"events must be the market's EVENT array of 60000 records",
        ),
        (lambda: SyntheticMarket(n_events=1000, warmup_events=1000), r"warmup_events must be < n_events = 1000"),
        (lambda: SyntheticMarket(tick_size=-0.01), r"tick_size must be > 0, got -0\.01"),
    ],
)
def test_bad_input_is_refused_by_name(call, match):
    with pytest.raises(InvalidParameters, match=match):
        call()
