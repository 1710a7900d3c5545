"""engine/synthetic.py: the synthetic stream is a reproducible, valid L3 stream with every ITCH message
kind and marketable flow (it agrees with the plain-Python reference book and never crosses), and with a
moving fair price the book follows it."""

from __future__ import annotations

import numpy as np
import pytest
from reference_book import ReferenceBook

from quantforge.engine import book as B
from quantforge.engine.feed import encode_itch
from quantforge.engine.orderbook import OrderBook
from quantforge.engine.synthetic import synthetic_events
from quantforge.engine.types import EV_ADD, EV_CANCEL, EV_EXECUTE, EV_REDUCE, EV_REPLACE, EV_TRADE
from quantforge.errors import InvalidParameters


def test_synthetic_stream_is_a_valid_book_stream():
    """Every event applies cleanly to the plain-Python reference book, which ends in the same state as
    the compiled one; executions hit the head of a best level; marketable adds match (the only makers
    besides executions) and the book is never crossed after an event; every ITCH kind occurs."""
    ev = synthetic_events(20_000, seed=9, max_live=500)
    assert np.all(np.diff(ev["ts_ns"]) > 0)
    assert np.array_equal(ev, synthetic_events(20_000, seed=9, max_live=500))
    book = OrderBook(1024, 1 << 12)
    ref = ReferenceBook(1024, 1 << 12)
    status, fills = book.apply(ev)
    assert (status == B.OK).all()
    marketable = 0
    for e in ev:
        k, oid = int(e["kind"]), int(e["order_id"])
        if k == EV_ADD:
            side, px = int(e["side"]), int(e["price_ticks"])
            opposite = ref.best(-side)
            crosses = opposite != B.NO_PRICE and (px >= opposite if side > 0 else px <= opposite)
            n_fills = len(ref.fills)
            assert ref.add(oid, side, px, int(e["size_lots"])) == B.OK
            assert (len(ref.fills) > n_fills) == crosses
            marketable += crosses
        elif k == EV_CANCEL:
            assert ref.cancel(oid) == B.OK
        elif k == EV_REDUCE:
            assert ref.reduce(oid, int(e["size_lots"])) == B.OK
        elif k == EV_EXECUTE:
            assert oid in ref.orders and ref.queue_ahead(oid) == 0  # executions hit the head of a level
            assert ref.orders[oid][1] == ref.best(ref.orders[oid][0])  # ... at the best price
            assert int(e["price_ticks"]) in (0, ref.orders[oid][1])  # C messages print at that price
            assert ref.execute(oid, int(e["size_lots"]), int(e["price_ticks"])) == B.OK
        elif k == EV_REPLACE:
            assert ref.replace(oid, int(e["new_order_id"]), int(e["price_ticks"]), int(e["size_lots"])) == B.OK
        elif k == EV_TRADE:
            side = int(e["side"])
            assert int(e["price_ticks"]) == ref.best(side) or ref.best(side) == B.NO_PRICE  # at the touch
        assert ref.best(1) == B.NO_PRICE or ref.best(-1) == B.NO_PRICE or ref.best(1) < ref.best(-1)
    assert book.orders() == {k: tuple(v) for k, v in ref.orders.items()}
    cols = ("order_id", "match_id", "side", "liquidity", "price_ticks", "size_lots")
    assert list(zip(*(fills[c].tolist() for c in cols))) == ref.fills
    kinds = ev["kind"]
    counts = {
        "A": np.count_nonzero((kinds == EV_ADD) & (ev["mpid"] == 0)),
        "F": np.count_nonzero((kinds == EV_ADD) & (ev["mpid"] != 0)),
        "E": np.count_nonzero((kinds == EV_EXECUTE) & (ev["price_ticks"] == 0)),
        "C": np.count_nonzero((kinds == EV_EXECUTE) & (ev["price_ticks"] > 0)),
        "X": np.count_nonzero(kinds == EV_REDUCE),
        "D": np.count_nonzero(kinds == EV_CANCEL),
        "U": np.count_nonzero(kinds == EV_REPLACE),
        "P": np.count_nonzero(kinds == EV_TRADE),
        "marketable": marketable,
    }
    # Near the documented mix (per mille of 20,000): 5 binomial standard deviations either side.
    mix = {"F": 440 / 8, "C": 90 / 4, "X": 80, "U": 15, "P": 15, "marketable": 20}
    for key, per_mille in mix.items():
        p = per_mille / 1000
        assert abs(counts[key] - 20_000 * p) < 5 * np.sqrt(20_000 * p * (1 - p)), (key, counts)
    assert all(counts[c] > 0 for c in "AFECXDUP"), counts
    raw = encode_itch(ev)
    types = []
    at = 0
    while at < raw.size:
        types.append(chr(raw[at + 2]))
        at += 2 + (int(raw[at]) << 8 | int(raw[at + 1]))
    assert {t: types.count(t) for t in "AFECXDUP"} == {t: counts[t] for t in "AFECXDUP"}


def test_synthetic_stream_with_a_moving_fair_price():
    """With move_prob > 0 the book follows a random-walk fair price: still a valid, never-crossed stream,
    and the mid travels much further than in the default stream."""

    def mids(ev):
        book = OrderBook(1 << 13, 1 << 14)
        out = []
        for i in range(0, ev.shape[0], 2000):
            status, _ = book.apply(ev[i : i + 2000])
            assert (status == B.OK).all() and book.best_bid < book.best_ask
            out.append((book.best_bid + book.best_ask) / 2)
        return np.array(out)

    still = mids(synthetic_events(100_000, seed=2))
    moving = mids(synthetic_events(100_000, seed=2, move_prob=0.01))
    assert np.ptp(moving) > 20 and np.ptp(moving) > 3 * np.ptp(still)
    with pytest.raises(InvalidParameters, match="move_prob"):
        synthetic_events(10, move_prob=-0.1)


def test_synthetic_stream_on_hawkes_arrivals():
    """Arrival times from a simulated 2-D Hawkes process (passed in: the engine imports no kernel family)
    stamp the same event stream."""
    from quantforge.kernels.hawkes import ExponentialKernel, HawkesProcess, simulate

    proc = HawkesProcess([50.0, 50.0], ExponentialKernel([[0.3, 0.2], [0.2, 0.3]], 200.0))
    rec = simulate(proc, 5.0, seed=1).to_records(start_ns=34_200 * 10**9)
    n = min(rec.size, 2000)
    plain = synthetic_events(n, seed=3)
    stamped = synthetic_events(n, seed=3, arrivals_ns=rec["ts_ns"][:n])
    np.testing.assert_array_equal(stamped["ts_ns"], rec["ts_ns"][:n])
    for field in plain.dtype.names:
        if field != "ts_ns":
            np.testing.assert_array_equal(stamped[field], plain[field])
    with pytest.raises(InvalidParameters, match="arrivals_ns must be sorted"):
        synthetic_events(3, arrivals_ns=np.array([3, 2, 1]))
    with pytest.raises(InvalidParameters, match="arrivals_ns must be an integer array"):
        synthetic_events(3, arrivals_ns=np.array([1.0, 2.0, 3.0]))
