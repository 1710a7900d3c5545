"""execution/executors.py: the tactics and executors refuse bad values by name, and their EXEC_CONFIG
record carries every setting in the loop's units (ns, ticks, lots)."""

from __future__ import annotations

import numpy as np
import pytest

from quantforge.errors import InvalidParameters
from quantforge.execution import AdaptiveExecutor, POVExecutor, ScheduleExecutor, Tactics, twap_schedule
from quantforge.execution.executors import executor_config
from quantforge.execution.layouts import NO_LIMIT, Algo, Depth


def test_the_record_carries_the_settings_in_the_loops_units():
    t = Tactics(
        latency_s=0.002,
        depth="fixed",
        depth_ticks=3,
        fill_a=2.0,
        fill_k=0.5,
        max_child_lots=7,
        participation_cap=0.2,
        limit_ticks=10_050,
        kill_after_s=30.0,
        kill_band_ticks=25,
        finish=False,
        min_replace_s=0.25,
        reprice_margin=0.3,
    )
    ex = ScheduleExecutor(twap_schedule(40, 120.0, 4, side="sell"), t)
    c = executor_config(ex, start_ns=10**12, decision_ns=10**12 - 5, first_oid=1 << 40, fill_a=9.0, fill_k=9.0)[0]
    assert c["algo"] == Algo.SCHEDULE and c["side"] == -1 and c["parent_lots"] == 40
    assert c["end_ns"] == 10**12 + 120 * 10**9 and c["decision_ns"] == 10**12 - 5 and c["latency_ns"] == 2_000_000
    assert c["depth_mode"] == Depth.FIXED and c["depth_ticks"] == 3 and (c["fill_a"], c["fill_k"]) == (2.0, 0.5)
    assert c["max_child_lots"] == 7 and c["participation_cap"] == 0.2 and c["limit_ticks"] == 10_050
    assert c["kill_ns"] == 10**12 + 30 * 10**9 and c["kill_band_ticks"] == 25 and c["finish"] == 0
    assert c["min_replace_ns"] == 250_000_000 and c["reprice_margin"] == 0.3
    d = executor_config(
        AdaptiveExecutor("buy", 10, 60.0, urgency=3.0, aim=0.7),
        start_ns=0,
        decision_ns=0,
        first_oid=0,
        fill_a=9.0,
        fill_k=4.0,
    )[0]
    assert (
        d["algo"] == Algo.ADAPTIVE
        and (d["urgency"], d["aim"]) == (3.0, 0.7)
        and (d["fill_a"], d["fill_k"]) == (9.0, 4.0)
    )
    assert d["limit_ticks"] == d["kill_ns"] == d["kill_band_ticks"] == NO_LIMIT and d["max_child_lots"] == 10
    p = executor_config(
        POVExecutor("sell", 10, 60.0, 0.1, lookahead_s=5.0),
        start_ns=0,
        decision_ns=0,
        first_oid=0,
        fill_a=1.0,
        fill_k=1.0,
    )[0]
    assert p["algo"] == Algo.POV and p["pov_rate"] == 0.1 and p["lookahead_ns"] == 5 * 10**9


def test_executor_views():
    ex = ScheduleExecutor(twap_schedule(10, 60.0, 4))
    assert (ex.algo, ex.side, ex.quantity_lots, ex.horizon_s, ex.n_slices) == ("twap", 1, 10, 60.0, 4)
    np.testing.assert_array_equal(ex.targets(), [0, 3, 6, 8, 10])
    pov = POVExecutor("buy", 10, 60.0, 0.1, n_slices=3)
    assert pov.algo == "pov" and pov.side == 1 and not pov.targets().any() and pov.times_s[-1] == 60.0
    assert AdaptiveExecutor(-1, 10, 60.0, 6).algo == "adaptive"


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: Tactics(latency_s=-1.0), r"latency_s must be >= 0, got -1\.0"),
        (lambda: Tactics(depth="deep"), r"depth must be one of 'fill_model', 'fixed'; got 'deep'"),
        (lambda: Tactics(fill_a=1.0), r"give both fill_a and fill_k"),
        (lambda: Tactics(fill_a=float("nan"), fill_k=1.0), r"fill_a must be finite, got nan"),
        (lambda: Tactics(participation_cap=0.0), r"participation_cap must lie in \(0\.0, 1\.0\], got 0\.0"),
        (lambda: Tactics(limit_ticks=0), r"limit_ticks must be >= 1, got 0"),
        (lambda: Tactics(max_child_lots=0), r"max_child_lots must be >= 1, got 0"),
        (lambda: POVExecutor("buy", 10, 60.0, 1.0), r"rate must lie in \(0\.0, 1\.0\), got 1\.0"),
        (lambda: POVExecutor("buy", -10, 60.0, 0.1), r"quantity_lots must be >= 1, got -10"),
        (lambda: AdaptiveExecutor("buy", 10, 0.0), r"horizon_s must be > 0, got 0\.0"),
        (lambda: AdaptiveExecutor("buy", 10, 60.0, urgency=-1.0), r"urgency must be >= 0, got -1\.0"),
        (lambda: AdaptiveExecutor("hold", 10, 60.0), r"side must be 'buy', 'sell', \+1 or -1; got 'hold'"),
    ],
)
def test_bad_input_is_refused_by_name(call, match):
    with pytest.raises(InvalidParameters, match=match):
        call()


def test_type_mistakes_are_type_errors():
    with pytest.raises(TypeError, match="schedule must be a Schedule, got list"):
        ScheduleExecutor([1, 2, 3])
    with pytest.raises(TypeError, match="tactics must be a Tactics, got dict"):
        POVExecutor("buy", 10, 60.0, 0.1, tactics={})
    with pytest.raises(TypeError, match="finish must be a bool, got int"):
        Tactics(finish=1)
    with pytest.raises(TypeError, match="executor must be a ScheduleExecutor, POVExecutor or AdaptiveExecutor"):
        executor_config(object(), start_ns=0, decision_ns=0, first_oid=0, fill_a=1.0, fill_k=1.0)
