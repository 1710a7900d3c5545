"""engine/feed.py: ITCH 5.0 messages built independently with struct.pack from the specification's
layouts decode to the right events; encode→decode round trips; malformed input is counted and
skipped; chunked decoding equals one-shot decoding; the synthetic stream is a valid L3 stream
(agrees with the plain-Python reference book, never crosses)."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from reference_book import ReferenceBook

from quantforge.engine import book as B
from quantforge.engine.orderbook import OrderBook
from quantforge.engine.feed import FeedDecoder, encode_itch, synthetic_events
from quantforge.engine.types import EV_ADD, EV_CANCEL, EV_EXECUTE, EV_MARKET, EV_REDUCE, EV_REPLACE, EV_TRADE, EVENT
from quantforge.errors import InvalidParameters


def header(t: str, locate: int, ts: int) -> bytes:
    return t.encode() + struct.pack(">HH", locate, 7) + ts.to_bytes(6, "big")


def frame(msg: bytes) -> bytes:
    return struct.pack(">H", len(msg)) + msg


SPEC_MESSAGES = [
    frame(header("A", 3, 34_200_000_000_123) + struct.pack(">QcI8sI", 11, b"B", 300, b"AAPL    ", 1_502_300)),
    frame(header("F", 3, 34_200_000_000_200) + struct.pack(">QcI8sI4s", 12, b"S", 100, b"AAPL    ", 1_502_500, b"MPID")),
    frame(header("E", 3, 34_200_000_000_300) + struct.pack(">QIQ", 11, 50, 999)),
    frame(header("C", 3, 34_200_000_000_400) + struct.pack(">QIQcI", 12, 20, 1000, b"Y", 1_502_400)),
    frame(header("X", 3, 34_200_000_000_500) + struct.pack(">QI", 11, 25)),
    frame(header("U", 3, 34_200_000_000_600) + struct.pack(">QQII", 12, 13, 70, 1_502_600)),
    frame(header("D", 3, 34_200_000_000_700) + struct.pack(">Q", 13)),
    frame(header("P", 3, 34_200_000_000_800) + struct.pack(">QcI8sIQ", 0, b"S", 40, b"AAPL    ", 1_502_300, 1001)),
]
EXPECTED = [  # kind, order_id, new_order_id, side, price_ticks, size_lots, match_id
    (EV_ADD, 11, 0, 1, 15023, 300, 0),
    (EV_ADD, 12, 0, -1, 15025, 100, 0),
    (EV_EXECUTE, 11, 0, 0, 0, 50, 999),
    (EV_EXECUTE, 12, 0, 0, 15024, 20, 1000),
    (EV_REDUCE, 11, 0, 0, 0, 25, 0),
    (EV_REPLACE, 12, 13, 0, 15026, 70, 0),
    (EV_CANCEL, 13, 0, 0, 0, 0, 0),
    (EV_TRADE, 0, 0, -1, 15023, 40, 1001),
]


def as_tuples(ev):
    return list(zip(*(ev[k].tolist() for k in ("kind", "order_id", "new_order_id", "side", "price_ticks", "size_lots", "match_id"))))


def test_spec_messages_decode():
    assert [len(m) - 2 for m in SPEC_MESSAGES] == [36, 40, 31, 36, 23, 35, 19, 44]
    d = FeedDecoder(price_divisor=100)
    ev = d.decode(b"".join(SPEC_MESSAGES))
    assert as_tuples(ev) == EXPECTED
    assert ev["ts_ns"].tolist() == [34_200_000_000_000 + k for k in (123, 200, 300, 400, 500, 600, 700, 800)]
    assert (ev["instrument_id"] == 3).all()
    assert d.counters["decoded"] == 8 and d.counters["messages"] == 8


def test_malformed_input_is_counted_and_skipped():
    system = frame(header("S", 0, 1) + b"O")  # a valid ITCH message outside the subset
    bad_len = frame(header("D", 3, 5) + struct.pack(">Q", 1) + b"\x00")
    off_grid = frame(header("A", 3, 9) + struct.pack(">QcI8sI", 20, b"B", 1, b"AAPL    ", 1_502_345))
    bad_side = frame(header("A", 3, 9) + struct.pack(">QcI8sI", 21, b"Q", 1, b"AAPL    ", 1_502_300))
    data = system + SPEC_MESSAGES[0] + bad_len + off_grid + bad_side + b"\x00\x00" + SPEC_MESSAGES[6][:-3]
    d = FeedDecoder()
    ev = d.decode(data)
    assert as_tuples(ev) == EXPECTED[:1]
    assert d.finish() == len(SPEC_MESSAGES[6]) - 3
    c = d.counters
    assert (c["unknown_type"], c["bad_length"], c["off_grid_price"], c["bad_side"], c["truncated"], c["decoded"]) == (1, 2, 1, 1, 1, 1)


def test_round_trip_and_chunking():
    ev = synthetic_events(30_000, seed=4)
    raw = encode_itch(ev, price_divisor=100)
    whole = FeedDecoder(max_events=4096).decode(raw)
    for k in ("kind", "order_id", "new_order_id", "price_ticks", "size_lots", "ts_ns", "side", "match_id"):
        np.testing.assert_array_equal(whole[k], ev[k], err_msg=k)
    d = FeedDecoder(max_events=1000)
    cuts = np.sort(np.random.default_rng(0).integers(0, raw.size, 50))
    parts = [d.decode(c) for c in np.split(raw, cuts)]
    assert d.finish() == 0 and d.counters["truncated"] == 0
    np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_encoder_refuses_what_itch_cannot_carry():
    ev = np.zeros(2, EVENT)
    ev["kind"] = [EV_ADD, EV_MARKET]
    with pytest.raises(InvalidParameters, match="no ITCH message"):
        encode_itch(ev)
    with pytest.raises(TypeError):
        encode_itch(np.zeros(3))
    with pytest.raises(InvalidParameters, match="symbol"):
        encode_itch(ev[:1], symbol="TOOLONGNAME")


def test_synthetic_stream_is_a_valid_book_stream():
    ev = synthetic_events(20_000, seed=9, max_live=500)
    assert np.all(np.diff(ev["ts_ns"]) > 0)
    assert np.array_equal(ev, synthetic_events(20_000, seed=9, max_live=500))
    book = OrderBook(1024, 1 << 12)
    ref = ReferenceBook(1024, 1 << 12)
    status, _ = book.apply(ev)
    assert (status == B.OK).all()
    for e in ev:
        k, oid = int(e["kind"]), int(e["order_id"])
        if k == EV_ADD:
            assert ref.add(oid, int(e["side"]), int(e["price_ticks"]), int(e["size_lots"])) == B.OK
            assert ref.best(1) == B.NO_PRICE or ref.best(-1) == B.NO_PRICE or ref.best(1) < ref.best(-1)
        elif k == EV_CANCEL:
            assert ref.cancel(oid) == B.OK
        elif k == EV_REDUCE:
            assert ref.reduce(oid, int(e["size_lots"])) == B.OK
        elif k == EV_EXECUTE:
            assert oid in ref.orders and ref.queue_ahead(oid) == 0  # executions hit the head of a level
            assert ref.orders[oid][1] == ref.best(ref.orders[oid][0])  # ... at the best price
            assert ref.execute(oid, int(e["size_lots"])) == B.OK
        elif k == EV_REPLACE:
            assert ref.replace(oid, int(e["new_order_id"]), int(e["price_ticks"]), int(e["size_lots"])) == B.OK
    assert book.orders() == {k: tuple(v) for k, v in ref.orders.items()}


def test_synthetic_stream_with_a_moving_fair_price():
    """With move_prob > 0 the book follows a random-walk fair price: still a valid, never-crossed stream,
    and the mid travels much further than in the default stream."""
    def mids(ev):
        book = OrderBook(1 << 13, 1 << 14)
        out = []
        for i in range(0, ev.shape[0], 2000):
            status, _ = book.apply(ev[i:i + 2000])
            assert (status == B.OK).all() and book.best_bid < book.best_ask
            out.append((book.best_bid + book.best_ask) / 2)
        return np.array(out)

    still = mids(synthetic_events(100_000, seed=2))
    moving = mids(synthetic_events(100_000, seed=2, move_prob=0.01))
    assert np.ptp(moving) > 20 and np.ptp(moving) > 3 * np.ptp(still)
    with pytest.raises(InvalidParameters, match="move_prob"):
        synthetic_events(10, move_prob=-0.1)
