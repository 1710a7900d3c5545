"""execution/tca.py: the parts of implementation shortfall add up to the total to 1e-12 of the order's
value (hypothesis over random orders and fills), a hand-worked order (Perold 1988's definitions),
the benchmarks, the aggregate row, and named errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quantforge.errors import InvalidParameters
from quantforge.execution import ExecutionRecord, transaction_costs
from quantforge.execution.tca import COMPONENTS


@st.composite
def records(draw):
    n = draw(st.integers(0, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    side = draw(st.sampled_from(["buy", "sell"]))
    p0 = draw(st.floats(1.0, 5_000.0))
    qty = rng.uniform(1, 1_000, n)
    quantity = float(qty.sum()) * draw(st.floats(1.0, 3.0)) + 1.0
    mid = p0 * np.exp(rng.normal(0, 0.01, n))
    spread = mid * rng.uniform(1e-4, 1e-2, n)
    price = mid + rng.uniform(-1, 1, n) * spread
    return ExecutionRecord(
        side,
        quantity,
        p0 * (1 + rng.normal(0, 0.01)),
        p0,
        p0 * (1 + rng.normal(0, 0.02)),
        price,
        qty,
        mid,
        spread,
        rng.random(n) < 0.5,
        interval_vwap=p0,
        interval_twap=p0,
        market_volume=10 * quantity,
        duration_s=60.0,
        fees=float(rng.uniform(0, 10)),
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(records(), min_size=1, max_size=4))
def test_the_parts_add_up_to_the_shortfall(recs):
    table = transaction_costs(recs).table
    for row, r in zip(table[:-1], recs):
        value = r.quantity * r.decision_price
        parts = math.fsum(float(row[c]) for c in COMPONENTS)
        assert abs(parts - row["shortfall"]) <= 1e-12 * value
        bps = math.fsum(float(row[f"{c}_bps"]) for c in COMPONENTS)
        assert abs(bps - row["shortfall_bps"]) <= 1e-8
    agg = table[-1]
    assert abs(math.fsum(float(agg[c]) for c in COMPONENTS) - agg["shortfall"]) <= 1e-12 * sum(
        r.quantity * r.decision_price for r in recs
    )


def test_a_worked_sell_order():
    # sell 1000 decided at 20.00; arrives at 19.98; fills 400 @ 19.99 (mid 19.985, spread 0.01, passive)
    # and 300 @ 19.96 (mid 19.97, spread 0.02, aggressive); 300 left when the mid is 19.90; fees 3
    r = ExecutionRecord(
        "sell",
        1000,
        20.00,
        19.98,
        19.90,
        [19.99, 19.96],
        [400, 300],
        [19.985, 19.97],
        [0.01, 0.02],
        [True, False],
        interval_vwap=19.97,
        interval_twap=19.975,
        market_volume=7000,
        duration_s=300.0,
        fees=3.0,
    )
    t = transaction_costs(r).table[0]
    s = -1
    want = {
        "delay": s * 1000 * (19.98 - 20.00),
        "timing": s * (400 * (19.985 - 19.98) + 300 * (19.97 - 19.98)),
        "impact": s * (400 * (19.99 - 19.985) + 300 * (19.96 - 19.97)),
        "opportunity": s * 300 * (19.90 - 19.98),
        "fees": 3.0,
        "shortfall": s * (400 * 19.99 + 300 * 19.96 + 300 * 19.90 - 1000 * 20.00) + 3.0,
    }
    for k, v in want.items():
        assert t[k] == pytest.approx(v, abs=1e-9), k
    avg = (400 * 19.99 + 300 * 19.96) / 700
    assert t["avg_price"] == pytest.approx(avg)
    assert t["slippage_arrival_bps"] == pytest.approx(1e4 * s * (avg - 19.98) / 19.98)
    assert t["slippage_vwap_bps"] == pytest.approx(1e4 * s * (avg - 19.97) / 19.97)
    assert t["slippage_twap_bps"] == pytest.approx(1e4 * s * (avg - 19.975) / 19.975)
    assert t["fill_rate"] == pytest.approx(0.7) and t["participation"] == pytest.approx(0.1)
    assert t["maker_share"] == pytest.approx(4 / 7)
    # capture: the passive fill earned its half spread (+1 x 400 x 0.005), the aggressive one paid its (-1 x 300 x 0.01)
    assert t["spread_capture"] == pytest.approx((400 * 0.005 - 300 * 0.01) / (400 * 0.005 + 300 * 0.01))
    assert t["shortfall_bps"] == pytest.approx(1e4 * want["shortfall"] / 20_000)


def test_aggregate_row():
    a = ExecutionRecord("buy", 100, 10.0, 10.0, 10.2, [10.1], [100], [10.05], [0.02], [False], market_volume=1000)
    b = ExecutionRecord("sell", 300, 20.0, 20.0, 19.0, [19.9], [100], [19.95], [0.02], [True], market_volume=1000)
    rep = transaction_costs([a, b])
    t = rep.table
    assert list(t["order"][-1:]) == ["ALL"] and t["side"][-1] == 0
    assert t["shortfall"][-1] == pytest.approx(t["shortfall"][0] + t["shortfall"][1])
    assert t["shortfall_bps"][-1] == pytest.approx(1e4 * t["shortfall"][-1] / (100 * 10 + 300 * 20))
    assert t["fill_rate"][-1] == pytest.approx(200 / 400) and t["participation"][-1] == pytest.approx(200 / 2000)
    assert "ALL" in rep.summary() and rep.summary().count("\n") == 3


def test_an_order_without_fills():
    r = ExecutionRecord("buy", 50, 10.0, 10.1, 10.3, [], [], [], [], [])
    t = transaction_costs(r).table[0]
    assert t["filled"] == 0 and math.isnan(t["avg_price"]) and math.isnan(t["spread_capture"])
    assert t["opportunity"] == pytest.approx(50 * 0.2) and t["shortfall"] == pytest.approx(50 * 0.3)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(decision_price=float("nan")), r"decision_price must be finite, got nan"),
        (dict(quantity=-1.0), r"quantity must be > 0, got -1\.0"),
        (dict(fill_price=[np.nan]), r"fill_price must be finite everywhere; fill_price\[\(0,\)\] = nan"),
        (dict(fill_qty=[500.0]), r"the fills \(500 shares\) exceed the parent quantity 100"),
        (dict(fill_mid=[1.0, 2.0]), r"fill_mid must be a 1-D array of 1 fills, got shape \(2,\)"),
        (dict(side="hold"), r"side must be 'buy', 'sell', \+1 or -1; got 'hold'"),
        (dict(interval_vwap=-3.0), r"interval_vwap must be > 0 or NaN"),
    ],
)
def test_bad_input_is_refused_by_name(kwargs, match):
    base = dict(
        side="buy",
        quantity=100.0,
        decision_price=10.0,
        arrival_price=10.0,
        end_price=10.0,
        fill_price=[10.0],
        fill_qty=[10.0],
        fill_mid=[10.0],
        fill_spread=[0.01],
        fill_maker=[True],
    )
    base.update(kwargs)
    with pytest.raises(InvalidParameters, match=match):
        ExecutionRecord(**base)


def test_records_must_be_records():
    with pytest.raises(InvalidParameters, match="records must be an ExecutionRecord or a non-empty sequence"):
        transaction_costs([])
