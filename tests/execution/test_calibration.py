"""execution/calibration.py: trade depths against the plain-Python reference book replaying the same
events (tests/engine/reference_book.py), and the fill model as the exponential MLE of those depths
times the mean trade size."""

from __future__ import annotations

import numpy as np
import pytest
from reference_book import ReferenceBook

from quantforge.engine.synthetic import synthetic_events
from quantforge.engine.types import EV_ADD, EV_CANCEL, EV_EXECUTE, EV_REDUCE, EV_REPLACE, EV_TRADE
from quantforge.errors import InvalidParameters
from quantforge.execution import calibrate_fill_model
from quantforge.execution.calibration import trade_depths


def _reference_depths(events):
    book = ReferenceBook(capacity=1 << 14, window=1 << 14)
    depths, sizes = [], []
    for e in events:
        bb, ba = book.best(1), book.best(-1)
        two_sided = bb > 0 and ba > 0
        mid = 0.5 * (bb + ba)
        n0 = len(book.fills)
        k = int(e["kind"])
        if k == EV_TRADE and two_sided:
            depths.append(abs(int(e["price_ticks"]) - mid))
            sizes.append(int(e["size_lots"]))
        elif k == EV_ADD:
            book.add(int(e["order_id"]), int(e["side"]), int(e["price_ticks"]), int(e["size_lots"]))
        elif k == EV_CANCEL:
            book.cancel(int(e["order_id"]))
        elif k == EV_REDUCE:
            book.reduce(int(e["order_id"]), int(e["size_lots"]))
        elif k == EV_EXECUTE:
            book.execute(int(e["order_id"]), int(e["size_lots"]), int(e["price_ticks"]))
        elif k == EV_REPLACE:
            book.replace(int(e["order_id"]), int(e["new_order_id"]), int(e["price_ticks"]), int(e["size_lots"]))
        for _, _, _, liq, px, q in book.fills[n0:]:
            if liq == 0 and two_sided:
                depths.append(abs(px - mid))
                sizes.append(q)
    return np.array(depths), np.array(sizes)


def test_depths_are_those_of_the_reference_book():
    ev = synthetic_events(4_000, seed=2, move_prob=0.01)
    depths, sizes = trade_depths(ev)
    want_d, want_s = _reference_depths(ev)
    np.testing.assert_array_equal(depths, want_d)
    np.testing.assert_array_equal(sizes, want_s)
    assert depths.size > 100


def test_the_fill_model_is_the_exponential_mle_times_the_mean_size():
    ev = synthetic_events(20_000, seed=4, mean_gap_ns=50_000_000)
    fm = calibrate_fill_model(ev)
    depths, sizes = trade_depths(ev)
    duration = (int(ev["ts_ns"][-1]) - int(ev["ts_ns"][0])) * 1e-9
    assert fm.k_per_tick == pytest.approx(depths.size / depths.sum(), rel=1e-12)  # k = N / sum(delta)
    assert fm.a_lots_per_s == pytest.approx(depths.size / duration * sizes.mean(), rel=1e-12)
    assert "lots/s" in fm.summary()


def test_too_few_trades_are_refused():
    with pytest.raises(InvalidParameters, match="trade_depths needs at least 10 depths"):
        calibrate_fill_model(synthetic_events(30, seed=1))
