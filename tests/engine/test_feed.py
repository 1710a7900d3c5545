"""engine/feed.py: ITCH 5.0 messages built independently with struct.pack from the specification's
layouts decode to the right events; encode→decode round trips; malformed input is counted and
skipped; chunked decoding equals one-shot decoding; fuzzed bytes decode exactly as an independent
struct-based decoder says, never a crash."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from quantforge.engine.feed import MESSAGE_LENGTH, FeedDecoder, encode_itch
from quantforge.engine.synthetic import synthetic_events
from quantforge.engine.types import EV_ADD, EV_CANCEL, EV_EXECUTE, EV_MARKET, EV_REDUCE, EV_REPLACE, EV_TRADE, EVENT
from quantforge.errors import InvalidParameters


def header(t: str, locate: int, ts: int) -> bytes:
    return t.encode() + struct.pack(">HH", locate, 7) + ts.to_bytes(6, "big")


def frame(msg: bytes) -> bytes:
    return struct.pack(">H", len(msg)) + msg


SPEC_MESSAGES = [
    frame(header("A", 3, 34_200_000_000_123) + struct.pack(">QcI8sI", 11, b"B", 300, b"AAPL    ", 1_502_300)),
    frame(
        header("F", 3, 34_200_000_000_200) + struct.pack(">QcI8sI4s", 12, b"S", 100, b"AAPL    ", 1_502_500, b"MPID")
    ),
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
    return list(
        zip(
            *(
                ev[k].tolist()
                for k in ("kind", "order_id", "new_order_id", "side", "price_ticks", "size_lots", "match_id")
            )
        )
    )


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
    assert (c["unknown_type"], c["bad_length"], c["off_grid_price"], c["bad_side"], c["truncated"], c["decoded"]) == (
        1,
        2,
        1,
        1,
        1,
        1,
    )


def test_round_trip_and_chunking():
    ev = synthetic_events(30_000, seed=4)
    raw = encode_itch(ev, price_divisor=100)
    whole = FeedDecoder(max_events=4096).decode(raw)
    for k in ("kind", "order_id", "new_order_id", "price_ticks", "size_lots", "ts_ns", "side", "match_id", "mpid"):
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


# ----------------------------------------------------------------------------------------- fuzzing
def reference_decode(data: bytes, price_divisor: int):
    """An independent decoder written from the specification's layouts with ``struct``: the counters
    and the events (as tuples) the engine's decoder must produce, and the bytes of an incomplete tail."""
    counts = dict.fromkeys(
        ("messages", "decoded", "unknown_type", "bad_length", "off_grid_price", "bad_side", "truncated"), 0
    )
    events = []
    at = 0
    while len(data) - at >= 2:
        length = struct.unpack_from(">H", data, at)[0]
        if at + 2 + length > len(data):
            break
        msg = data[at + 2 : at + 2 + length]
        at += 2 + length
        counts["messages"] += 1
        t = chr(msg[0]) if msg else ""
        if t and t not in MESSAGE_LENGTH:
            counts["unknown_type"] += 1
            continue
        if not t or length != MESSAGE_LENGTH[t]:
            counts["bad_length"] += 1
            continue
        locate = struct.unpack_from(">H", msg, 1)[0]
        ts = int.from_bytes(msg[5:11], "big")
        oid = struct.unpack_from(">q", msg, 11)[0]
        new = side = price4 = size = match = mpid = 0
        if t in "AFP":
            if msg[19:20] not in (b"B", b"S"):
                counts["bad_side"] += 1
                continue
            side = 1 if msg[19:20] == b"B" else -1
            size, price4 = struct.unpack_from(">I", msg, 20)[0], struct.unpack_from(">I", msg, 32)[0]
            kind = EV_TRADE if t == "P" else EV_ADD
            match = struct.unpack_from(">q", msg, 36)[0] if t == "P" else 0
            mpid = struct.unpack_from(">i", msg, 36)[0] if t == "F" else 0
        elif t in "EC":
            kind = EV_EXECUTE
            size, match = struct.unpack_from(">Iq", msg, 19)
            price4 = struct.unpack_from(">I", msg, 32)[0] if t == "C" else 0
        elif t == "X":
            kind, size = EV_REDUCE, struct.unpack_from(">I", msg, 19)[0]
        elif t == "D":
            kind = EV_CANCEL
        else:
            kind = EV_REPLACE
            new, size, price4 = struct.unpack_from(">qII", msg, 19)
        if price4 % price_divisor:
            counts["off_grid_price"] += 1
            continue
        counts["decoded"] += 1
        events.append((kind, oid, new, side, price4 // price_divisor, size, match, ts, locate, mpid))
    tail = len(data) - at
    counts["truncated"] = int(tail > 0)
    return counts, events, tail


def engine_decode(data: bytes, cuts):
    d = FeedDecoder(price_divisor=100, max_events=777)
    parts = [d.decode(data[a:b]) for a, b in zip([0, *cuts], [*cuts, len(data)])]
    tail = d.finish()
    ev = np.concatenate(parts, dtype=EVENT)
    cols = (
        "kind",
        "order_id",
        "new_order_id",
        "side",
        "price_ticks",
        "size_lots",
        "match_id",
        "ts_ns",
        "instrument_id",
        "mpid",
    )
    return d.counters, list(zip(*(ev[c].tolist() for c in cols))), tail


def _mutations(seed):
    """A valid stream with random damage: flipped bytes (lengths, types, sides, prices), inserted and
    deleted runs, a cut tail; and plain random bytes."""
    rng = np.random.default_rng(seed)
    raw = bytearray(encode_itch(synthetic_events(3000, seed=seed)).tobytes())
    for at in rng.integers(0, len(raw), len(raw) // 200):
        raw[at] = int(rng.integers(0, 256))
    for _ in range(20):
        at = int(rng.integers(0, len(raw)))
        if rng.random() < 0.5:
            raw[at:at] = rng.integers(0, 256, int(rng.integers(1, 40))).astype(np.uint8).tobytes()
        else:
            del raw[at : at + int(rng.integers(1, 40))]
    yield bytes(raw[: len(raw) - int(rng.integers(0, 30))])
    yield rng.integers(0, 256, int(rng.integers(1, 20_000))).astype(np.uint8).tobytes()
    letters = np.frombuffer(b"AFECXDUPSR", np.uint8)  # random frames of plausible types and lengths
    frames = b"".join(
        struct.pack(">H", n)
        + bytes([int(rng.choice(letters))])
        + rng.integers(0, 256, max(n - 1, 0)).astype(np.uint8).tobytes()
        for n in rng.choice([0, 1, 19, 23, 31, 35, 36, 40, 44, 50], 2000)
    )
    yield frames


@pytest.mark.parametrize("seed", range(6))
def test_fuzzed_input_is_decoded_or_counted_never_a_crash(seed):
    rng = np.random.default_rng(100 + seed)
    for data in _mutations(seed):
        want_counts, want_events, want_tail = reference_decode(data, 100)
        cuts = sorted(rng.integers(0, len(data) + 1, 25).tolist())
        counts, events, tail = engine_decode(data, cuts)
        assert counts == want_counts and tail == want_tail
        assert events == want_events
        reasons = ("decoded", "unknown_type", "bad_length", "off_grid_price", "bad_side")
        assert counts["messages"] == sum(counts[r] for r in reasons)  # every message accounted for
