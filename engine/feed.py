"""NASDAQ TotalView-ITCH 5.0: a Numba decoder for the messages a book needs, and an encoder for
synthetic streams (``engine/synthetic.py`` makes them).

Messages are framed as in NASDAQ's binary files: a 2-byte big-endian length, then the message
(1-byte type, 2-byte stock locate, 2-byte tracking number, 6-byte timestamp in ns since midnight,
then the body; integers big-endian, prices as 4-byte integers in units of 1e-4 dollars).  The subset
decoded into ``EVENT`` records is A and F (add), E (executed), C (executed with price), X (partial
cancel), D (delete), U (replace) and P (non-cross trade).  Shares are taken as lots and a price must
be a multiple of ``price_divisor`` (1e-4 dollar units per tick, 100 for a one-cent tick).  A message
of another type, of the wrong length for its type (an empty frame too), with a price off the tick
grid or a bad side is counted under its reason in ``counters`` and skipped, so ``messages = decoded +
unknown_type + bad_length + off_grid_price + bad_side``; a truncated tail stops the decoder, which
reports how many bytes it consumed so the caller can resume when more arrive.  Order ids and match
numbers are read as int64 (two's complement), so ids of 2^63 and above arrive negative and the book
refuses them (``BAD_ID``); an ``F`` message's attribution is kept in the event's ``mpid``.

References
----------
NASDAQ (2020), *Nasdaq TotalView-ITCH 5.0 specification*, sections 1.3 (data types), 4.3 (add order),
4.4 (modify order), 4.5 (trade messages).
"""

from __future__ import annotations

import numpy as np
from numba.extending import overload

from ..errors import InvalidParameters, check_int, check_memory
from ..kernels.jit import engine_jit
from .types import EV_ADD, EV_CANCEL, EV_EXECUTE, EV_REDUCE, EV_REPLACE, EV_TRADE, EVENT, check_records

__all__ = ["decode_itch", "encode_itch", "FeedDecoder", "COUNTERS", "MESSAGE_LENGTH"]

COUNTERS = ("messages", "decoded", "unknown_type", "bad_length", "off_grid_price", "bad_side", "truncated")
"""Names of the decoder's counters, in index order."""
_C_MSG, _C_OK, _C_UNKNOWN, _C_LEN, _C_GRID, _C_SIDE, _C_TRUNC = range(7)

MESSAGE_LENGTH = {"A": 36, "F": 40, "E": 31, "C": 36, "X": 23, "D": 19, "U": 35, "P": 44}
"""Message lengths (bytes, without the 2-byte frame) of the decoded types."""

_A, _F, _E, _C, _X, _D, _U, _P = (ord(c) for c in "AFECXDUP")


@engine_jit
def _be(buf, at, n):
    v = np.int64(0)
    for i in range(n):
        v = (v << 8) | np.int64(buf[at + i])
    return v


@engine_jit
def _put(buf, at, n, v):
    for i in range(n):
        buf[at + n - 1 - i] = np.uint8((v >> (8 * i)) & 0xFF)


@engine_jit
def _expected_length(t):
    if t == _A:
        return 36
    if t == _F:
        return 40
    if t == _E:
        return 31
    if t == _C:
        return 36
    if t == _X:
        return 23
    if t == _D:
        return 19
    if t == _U:
        return 35
    if t == _P:
        return 44
    return -1


def decode_itch(
    buf: np.ndarray, start: int, out: np.ndarray, n_out: int, price_divisor: int, counters: np.ndarray
) -> tuple[int, int]:
    """Decode framed messages from ``buf[start:]`` into ``out[n_out:]``.

    Returns ``(bytes_position, n_out)``: where decoding stopped (end of data, a truncated message, or
    ``out`` full) and the number of events now in ``out``.  ``counters`` (int64, ``len(COUNTERS)``)
    accumulates the reasons.

    From Python every argument is checked before the compiled decoder, which has no bounds checks,
    runs: ``buf`` a 1-D uint8 array, ``0 <= start <= len(buf)``, ``out`` a writable 1-D ``EVENT``
    array, ``0 <= n_out <= len(out)``, ``price_divisor`` an integer in ``1..2**32 - 1`` and
    ``counters`` a writable int64 array of at least ``len(COUNTERS)`` words (``TypeError`` for a wrong
    type or dtype, ``InvalidParameters`` for a wrong value).  Compiled callers get the decoder itself.
    """
    if not isinstance(buf, np.ndarray) or buf.dtype != np.uint8 or buf.ndim != 1:
        raise TypeError(
            f"buf must be a 1-D uint8 array (np.frombuffer(data, np.uint8)), got {type(buf).__name__} "
            f"{getattr(buf, 'dtype', '')}"
        )
    start = check_int("start", start, minimum=0, maximum=buf.shape[0])
    check_records("out", out, EVENT, "EVENT")
    if not out.flags.writeable:
        raise InvalidParameters("out must be writable")
    n_out = check_int("n_out", n_out, minimum=0, maximum=out.shape[0])
    price_divisor = check_int("price_divisor", price_divisor, minimum=1, maximum=2**32 - 1)
    if (
        not isinstance(counters, np.ndarray)
        or counters.dtype != np.int64
        or counters.ndim != 1
        or not counters.flags.writeable
    ):
        raise TypeError(
            f"counters must be a writable 1-D int64 array, got {type(counters).__name__} "
            f"{getattr(counters, 'dtype', '')}"
        )
    if counters.shape[0] < len(COUNTERS):
        raise InvalidParameters(f"counters must hold len(COUNTERS) = {len(COUNTERS)} words, got {counters.shape[0]}")
    return _decode(buf, start, out, n_out, price_divisor, counters)


@overload(decode_itch)
def _decode_itch_compiled(buf, start, out, n_out, price_divisor, counters):
    return lambda buf, start, out, n_out, price_divisor, counters: _decode(
        buf, start, out, n_out, price_divisor, counters
    )


@engine_jit
def _decode(buf, start, out, n_out, price_divisor, counters):
    pos = start
    n = buf.shape[0]
    cap = out.shape[0]
    while pos < n and n_out < cap:
        if n - pos < 2:
            counters[_C_TRUNC] += 1
            break
        length = (np.int64(buf[pos]) << 8) | np.int64(buf[pos + 1])
        if length == 0:  # an empty frame: a message of the wrong length
            counters[_C_MSG] += 1
            counters[_C_LEN] += 1
            pos += 2
            continue
        if pos + 2 + length > n:
            counters[_C_TRUNC] += 1
            break
        m = pos + 2
        pos = m + length
        counters[_C_MSG] += 1
        t = buf[m]
        want = _expected_length(t)
        if want < 0:
            counters[_C_UNKNOWN] += 1
            continue
        if length != want:
            counters[_C_LEN] += 1
            continue
        e = out[n_out]
        e.instrument_id = _be(buf, m + 1, 2)
        e.ts_ns = _be(buf, m + 5, 6)
        e.order_id = _be(buf, m + 11, 8)
        e.new_order_id = 0
        e.side = 0
        e.price_ticks = 0
        e.match_id = 0
        e.size_lots = 0
        e.mpid = 0
        price4 = np.int64(0)
        if t == _A or t == _F or t == _P:
            sd = buf[m + 19]
            if sd == 66:  # 'B'
                e.side = 1
            elif sd == 83:  # 'S'
                e.side = -1
            else:
                counters[_C_SIDE] += 1
                continue
            e.size_lots = _be(buf, m + 20, 4)
            price4 = _be(buf, m + 32, 4)
            if t == _P:
                e.kind = EV_TRADE
                e.match_id = _be(buf, m + 36, 8)
            else:
                e.kind = EV_ADD
                if t == _F:
                    e.mpid = np.int32(_be(buf, m + 36, 4))
        elif t == _E or t == _C:
            e.kind = EV_EXECUTE
            e.size_lots = _be(buf, m + 19, 4)
            e.match_id = _be(buf, m + 23, 8)
            if t == _C:
                price4 = _be(buf, m + 32, 4)
        elif t == _X:
            e.kind = EV_REDUCE
            e.size_lots = _be(buf, m + 19, 4)
        elif t == _D:
            e.kind = EV_CANCEL
        else:
            e.kind = EV_REPLACE
            e.new_order_id = _be(buf, m + 19, 8)
            e.size_lots = _be(buf, m + 27, 4)
            price4 = _be(buf, m + 31, 4)
        if price4 % price_divisor != 0:
            counters[_C_GRID] += 1
            continue
        e.price_ticks = price4 // price_divisor
        counters[_C_OK] += 1
        n_out += 1
    return pos, n_out


@engine_jit
def _message_length(k, price, mpid):
    if k == EV_ADD:
        return 40 if mpid != 0 else 36
    if k == EV_CANCEL:
        return 19
    if k == EV_REDUCE:
        return 23
    if k == EV_EXECUTE:
        return 36 if price > 0 else 31
    if k == EV_REPLACE:
        return 35
    if k == EV_TRADE:
        return 44
    return -1


@engine_jit
def _encode(events, price_divisor, stock, out):
    pos = 0
    for i in range(events.shape[0]):
        e = events[i]
        k = e.kind
        length = _message_length(k, e.price_ticks, e.mpid)
        _put(out, pos, 2, length)
        m = pos + 2
        _put(out, m + 1, 2, e.instrument_id)
        _put(out, m + 3, 2, i & 0xFFFF)
        _put(out, m + 5, 6, e.ts_ns)
        _put(out, m + 11, 8, e.order_id)
        price4 = e.price_ticks * price_divisor
        if k == EV_ADD or k == EV_TRADE:
            out[m] = _P if k == EV_TRADE else (_F if e.mpid != 0 else _A)
            out[m + 19] = 66 if e.side > 0 else 83
            _put(out, m + 20, 4, e.size_lots)
            for j in range(8):
                out[m + 24 + j] = stock[j]
            _put(out, m + 32, 4, price4)
            if k == EV_TRADE:
                _put(out, m + 36, 8, e.match_id)
            elif e.mpid != 0:
                _put(out, m + 36, 4, e.mpid)
        elif k == EV_EXECUTE:
            out[m] = _C if e.price_ticks > 0 else _E
            _put(out, m + 19, 4, e.size_lots)
            _put(out, m + 23, 8, e.match_id)
            if e.price_ticks > 0:
                out[m + 31] = 89  # 'Y': printable
                _put(out, m + 32, 4, price4)
        elif k == EV_REDUCE:
            out[m] = _X
            _put(out, m + 19, 4, e.size_lots)
        elif k == EV_CANCEL:
            out[m] = _D
        else:
            out[m] = _U
            _put(out, m + 19, 8, e.new_order_id)
            _put(out, m + 27, 4, e.size_lots)
            _put(out, m + 31, 4, price4)
        pos = m + length
    return pos


def encode_itch(events: np.ndarray, price_divisor: int = 100, symbol: str = "QFSYNTH") -> np.ndarray:
    """Encode ``EVENT`` records (kinds ADD, CANCEL, REDUCE, EXECUTE, REPLACE, TRADE) as framed ITCH 5.0
    messages; returns the bytes as a uint8 array.  An add with an ``mpid`` becomes an ``F`` message, an
    execution with a price a ``C``."""
    check_records("events", events, EVENT, "EVENT")
    price_divisor = check_int("price_divisor", price_divisor, minimum=1, maximum=2**32 - 1)
    kinds = events["kind"]
    ok = np.isin(kinds, [EV_ADD, EV_CANCEL, EV_REDUCE, EV_EXECUTE, EV_REPLACE, EV_TRADE])
    if not ok.all():
        i = int(np.argmin(ok))
        raise InvalidParameters(
            f"events[{i}].kind = {int(kinds[i])} has no ITCH message (only add, cancel, reduce, execute, replace, trade)"
        )
    if not isinstance(symbol, str):
        raise TypeError(f"symbol must be a str, got {type(symbol).__name__}")
    if len(symbol) > 8 or not symbol.isascii():
        raise InvalidParameters(f"symbol must be at most 8 ASCII characters, got {symbol!r}")
    # ITCH's fields are unsigned: a negative value would be written as its two's complement and decode
    # as another number, so every field is checked against its width (a price in 1e-4 units, bounded
    # before the multiplication so that it cannot wrap around)
    fields = (
        ("price_ticks", 4, price_divisor),
        ("size_lots", 4, 1),
        ("order_id", 8, 1),
        ("new_order_id", 8, 1),
        ("match_id", 8, 1),
        ("ts_ns", 6, 1),
        ("instrument_id", 2, 1),
    )
    for field, width, unit in fields:
        v = events[field]
        bad = (v < 0) | (v > min(2 ** (8 * width) - 1, 2**63 - 1) // unit)
        if bad.any():
            i = int(np.argmax(bad))
            why = " (price_ticks * price_divisor must be < 2**32)" if unit > 1 else ""
            raise InvalidParameters(
                f"events[{i}].{field} = {int(v[i])} does not fit ITCH's unsigned {width}-byte field{why}"
            )
    stock = np.frombuffer(symbol.ljust(8).encode(), np.uint8)
    price_px = np.where(kinds == EV_EXECUTE, events["price_ticks"] > 0, False)
    attributed = (kinds == EV_ADD) & (events["mpid"] != 0)
    lengths = np.select(
        [
            attributed,
            kinds == EV_ADD,
            kinds == EV_CANCEL,
            kinds == EV_REDUCE,
            price_px,
            kinds == EV_EXECUTE,
            kinds == EV_REPLACE,
        ],
        [40, 36, 19, 23, 36, 31, 35],
        44,
    )
    out = np.zeros(int(lengths.sum()) + 2 * events.shape[0], np.uint8)
    _encode(events, price_divisor, stock, out)
    return out


class FeedDecoder:
    """Incremental decoder: feed it byte chunks, get ``EVENT`` arrays; keeps an incomplete tail for the
    next chunk and the reason counters (:attr:`counters`, a dict)."""

    def __init__(self, price_divisor: int = 100, max_events: int = 1 << 16):
        self.price_divisor = check_int("price_divisor", price_divisor, minimum=1, maximum=2**32 - 1)
        max_events = check_int("max_events", max_events, minimum=1)
        check_memory("max_events", max_events, float(max_events) * EVENT.itemsize, "the decoded events buffer")
        self._out = np.zeros(max_events, EVENT)
        self._counts = np.zeros(len(COUNTERS), np.int64)
        self._tail = np.zeros(0, np.uint8)

    def decode(self, chunk: bytes | bytearray | memoryview | np.ndarray) -> np.ndarray:
        """Decode ``chunk`` (bytes, bytearray, memoryview or a 1-D uint8 array) after any tail kept from
        the last call."""
        if isinstance(chunk, np.ndarray):
            if chunk.dtype != np.uint8 or chunk.ndim != 1:
                raise TypeError(
                    f"chunk must be bytes or a 1-D uint8 array, got an array of {chunk.dtype} with shape "
                    f"{chunk.shape} (other dtypes would be truncated to bytes)"
                )
            data = chunk
        elif isinstance(chunk, (bytes, bytearray, memoryview)):
            data = np.frombuffer(bytes(chunk), np.uint8)
        else:
            raise TypeError(f"chunk must be bytes or a 1-D uint8 array, got {type(chunk).__name__}")
        buf = np.concatenate([self._tail, data]) if self._tail.size else data
        parts = []
        pos = 0
        while True:
            trunc = self._counts[_C_TRUNC]
            pos, n = decode_itch(buf, pos, self._out, 0, self.price_divisor, self._counts)
            parts.append(self._out[:n].copy())
            if n < self._out.shape[0]:
                break
        if pos < buf.shape[0]:
            self._counts[_C_TRUNC] = trunc  # an incomplete tail is kept, not yet counted as truncated
        self._tail = buf[pos:].copy()
        return np.concatenate(parts, dtype=EVENT)  # without dtype numpy drops the record padding

    def finish(self) -> int:
        """End of stream: count a leftover incomplete message as truncated; returns its byte count."""
        left = int(self._tail.size)
        if left:
            self._counts[_C_TRUNC] += 1
            self._tail = np.zeros(0, np.uint8)
        return left

    @property
    def counters(self) -> dict[str, int]:
        return dict(zip(COUNTERS, self._counts.tolist()))
