"""NASDAQ TotalView-ITCH 5.0: a Numba decoder for the messages a book needs, an encoder for synthetic
streams, and a synthetic order-flow generator.

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

from ..errors import InvalidParameters, check_in_range, check_int
from ..kernels.jit import engine_jit
from .book import (HDR_BASE, HDR_BEST_ASK, HDR_BEST_BID, HDR_N_FILLS, LV_HEAD, ORD_ID, ORD_PRICE, ORD_SIDE, ORD_SIZE,
                   book_apply_range, book_find, borrow_book, new_book_state)
from .types import EV_ADD, EV_CANCEL, EV_EXECUTE, EV_REDUCE, EV_REPLACE, EV_TRADE, EVENT

__all__ = ["decode_itch", "encode_itch", "synthetic_events", "FeedDecoder", "COUNTERS", "MESSAGE_LENGTH"]

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


@engine_jit
def decode_itch(buf, start, out, n_out, price_divisor, counters):
    """Decode framed messages from ``buf[start:]`` into ``out[n_out:]``.

    Returns ``(bytes_position, n_out)``: where decoding stopped (end of data, a truncated message, or
    ``out`` full) and the number of events now in ``out``.  ``counters`` (int64, ``len(COUNTERS)``)
    accumulates the reasons.
    """
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
    if not isinstance(events, np.ndarray) or events.dtype != EVENT:
        raise TypeError("events must be a numpy array of engine.types.EVENT")
    price_divisor = check_int("price_divisor", price_divisor, minimum=1)
    kinds = events["kind"]
    ok = np.isin(kinds, [EV_ADD, EV_CANCEL, EV_REDUCE, EV_EXECUTE, EV_REPLACE, EV_TRADE])
    if not ok.all():
        i = int(np.argmin(ok))
        raise InvalidParameters(f"events[{i}].kind = {int(kinds[i])} has no ITCH message (only add, cancel, reduce, execute, replace, trade)")
    if len(symbol) > 8 or not symbol.isascii():
        raise InvalidParameters(f"symbol must be at most 8 ASCII characters, got {symbol!r}")
    if (events["price_ticks"] * price_divisor >= 2**32).any() or (events["size_lots"] >= 2**32).any() or (events["size_lots"] < 0).any():
        raise InvalidParameters("prices (in 1e-4 units) and sizes must fit ITCH's unsigned 4-byte fields")
    stock = np.frombuffer(symbol.ljust(8).encode(), np.uint8)
    price_px = np.where(kinds == EV_EXECUTE, events["price_ticks"] > 0, False)
    attributed = (kinds == EV_ADD) & (events["mpid"] != 0)
    lengths = np.select([attributed, kinds == EV_ADD, kinds == EV_CANCEL, kinds == EV_REDUCE, price_px, kinds == EV_EXECUTE,
                         kinds == EV_REPLACE], [40, 36, 19, 23, 36, 31, 35], 44)
    out = np.zeros(int(lengths.sum()) + 2 * events.shape[0], np.uint8)
    _encode(events, price_divisor, stock, out)
    return out


class FeedDecoder:
    """Incremental decoder: feed it byte chunks, get ``EVENT`` arrays; keeps an incomplete tail for the
    next chunk and the reason counters (:attr:`counters`, a dict)."""

    def __init__(self, price_divisor: int = 100, max_events: int = 1 << 16):
        self.price_divisor = check_int("price_divisor", price_divisor, minimum=1)
        self._out = np.zeros(check_int("max_events", max_events, minimum=1), EVENT)
        self._counts = np.zeros(len(COUNTERS), np.int64)
        self._tail = np.zeros(0, np.uint8)

    def decode(self, chunk) -> np.ndarray:
        """Decode ``chunk`` (bytes or uint8 array) after any tail kept from the last call."""
        data = np.frombuffer(bytes(chunk), np.uint8) if not isinstance(chunk, np.ndarray) else chunk.astype(np.uint8, copy=False)
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


@engine_jit
def _splitmix(state):
    state[0] += np.uint64(0x9E3779B97F4A7C15)
    z = state[0]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@engine_jit
def _below(state, n):
    return np.int64(_splitmix(state) % np.uint64(n))


@engine_jit
def _generate(bk, out, seed, mid0, t0_ns, dt_ns, max_live, move_ppm):
    return _generate_into(borrow_book(bk), out, seed, mid0, t0_ns, dt_ns, max_live, move_ppm)


@engine_jit
def _drop(live, pos, n_live, oid):
    """Remove ``oid`` from the list of live ids (if there); returns the new count."""
    j = pos[oid]
    if j < 0:
        return n_live
    n_live -= 1
    live[j] = live[n_live]
    pos[live[j]] = j
    pos[oid] = -1
    return n_live


@engine_jit
def _passive(price, side, bb, ba):
    """``price`` moved off the opposite touch if it would cross it."""
    if side > 0 and ba > 0 and price >= ba:
        price = ba - 1
    if side < 0 and bb > 0 and price <= bb:
        price = bb + 1
    return max(price, 1)


@engine_jit
def _generate_into(bk, out, seed, mid0, t0_ns, dt_ns, max_live, move_ppm):
    # Event mix (per mille): passive add 440 (one in eight attributed, ITCH F), marketable add 20,
    # cancel 340, partial cancel 80, execution of the head of a best level 90 (one in four with a
    # price, ITCH C), trade print against hidden liquidity at the touch 15, replace 15.
    state = np.zeros(1, np.uint64)
    state[0] = np.uint64(seed)
    n = out.shape[0]
    live = np.empty(max_live, np.int64)
    pos = np.full(n + 2, -1, np.int64)
    status = np.empty(n, np.int64)
    n_live = 0
    next_id = 1
    mid = mid0
    fair = mid0
    match = 1
    hdr = bk.hdr
    for i in range(n):
        e = out[i]
        e.ts_ns = t0_ns + i * dt_ns + _below(state, dt_ns)
        e.instrument_id = 1
        e.new_order_id = 0
        e.match_id = 0
        e.price_ticks = 0
        e.side = 0
        e.mpid = 0
        bb = hdr[HDR_BEST_BID]
        ba = hdr[HDR_BEST_ASK]
        two_sided = bb > 0 and ba > 0
        if two_sided:
            mid = (bb + ba) // 2
        if move_ppm > 0 and _below(state, 1_000_000) < move_ppm:  # the fair price takes a step
            fair = max(fair + (1 if _below(state, 2) == 0 else -1), 100)
        # Takers trade towards the fair price: mostly against the side in its way.
        toward = 0
        if move_ppm > 0 and two_sided and 2 * fair != bb + ba:
            toward = 1 if 2 * fair > bb + ba else -1
        r = _below(state, 1000)
        if n_live < 20 or (r < 440 and n_live < max_live):
            side = 1 if _below(state, 2) == 0 else -1
            off = _below(state, 8) + (_below(state, 40) if _below(state, 8) == 0 else 0)
            if move_ppm > 0:
                price = fair - side * off
            else:
                if _below(state, 16) == 0:  # the mid wanders
                    mid += _below(state, 3) - 1
                price = mid - side * off
            e.kind = EV_ADD
            e.order_id = next_id
            e.side = side
            e.price_ticks = _passive(price, side, bb, ba)
            e.size_lots = 1 + _below(state, 10) * (1 + _below(state, 4))
            if _below(state, 8) == 0:  # attributed: "MM" and two letters
                e.mpid = np.int32((77 << 24) | (77 << 16) | ((65 + _below(state, 26)) << 8) | (65 + _below(state, 26)))
            next_id += 1
        elif r < 460 and two_sided and n_live < max_live:
            # A marketable limit order: priced up to two ticks through the opposite touch, it takes
            # what it reaches in price-time priority and rests any remainder.
            side = toward if (toward != 0 and _below(state, 10) < 9) else (1 if _below(state, 2) == 0 else -1)
            e.kind = EV_ADD
            e.order_id = next_id
            e.side = side
            e.price_ticks = (ba if side > 0 else bb) + side * _below(state, 3)
            e.size_lots = 1 + _below(state, 20)
            next_id += 1
        elif r < 880 or r >= 985:
            oid = live[_below(state, n_live)]
            slot = book_find(bk, oid)
            qty = bk.ords[slot, ORD_SIZE]
            e.order_id = oid
            if r >= 985:
                e.kind = EV_REPLACE
                e.new_order_id = next_id
                side = bk.ords[slot, ORD_SIDE]
                e.price_ticks = _passive(bk.ords[slot, ORD_PRICE] - side * (_below(state, 3) - 1), side, bb, ba)
                e.size_lots = 1 + _below(state, 20)
                next_id += 1
            elif r < 800 or qty == 1:
                e.kind = EV_CANCEL
            else:
                e.kind = EV_REDUCE
                e.size_lots = 1 + _below(state, qty - 1)
        else:
            side = 1 if _below(state, 2) == 0 else -1  # side of the resting order hit
            push = False
            if toward != 0:
                side = -toward
                push = _below(state, 10) < 9
                if not push:
                    side = -side
            best = bb if side > 0 else ba
            if best <= 0 or r >= 970:
                # A print against a hidden order resting at the touch of ``side`` (mid when empty).
                e.kind = EV_TRADE
                e.side = side
                e.price_ticks = best if best > 0 else mid
                e.size_lots = 1 + _below(state, 10)
                e.order_id = 0
                e.match_id = match
                match += 1
            else:
                slot = bk.lv[0 if side > 0 else 1, best - hdr[HDR_BASE], LV_HEAD]
                qty = bk.ords[slot, ORD_SIZE]
                e.kind = EV_EXECUTE
                e.order_id = bk.ords[slot, ORD_ID]
                e.size_lots = qty if push else min(qty, 1 + _below(state, 8))
                if _below(state, 4) == 0:
                    e.price_ticks = best  # ITCH C: executed with a (printable) price
                e.match_id = match
                match += 1
        book_apply_range(bk, out, i, i + 1, status)  # shares book_apply_events' compiled dispatch
        # Track the live ids: resting orders the event filled completely leave, an add that rests joins.
        for k in range(hdr[HDR_N_FILLS]):
            f = bk.fills[k]
            if f.liquidity == 0 and book_find(bk, f.order_id) < 0:
                n_live = _drop(live, pos, n_live, f.order_id)
        hdr[HDR_N_FILLS] = 0  # the scratch book's fills are not needed further
        if e.kind == EV_CANCEL:
            n_live = _drop(live, pos, n_live, e.order_id)
        elif e.kind == EV_REPLACE:
            j = pos[e.order_id]
            live[j] = e.new_order_id
            pos[e.new_order_id] = j
            pos[e.order_id] = -1
        elif e.kind == EV_ADD and book_find(bk, e.order_id) >= 0:
            live[n_live] = e.order_id
            pos[e.order_id] = n_live
            n_live += 1
    return next_id


def synthetic_events(n: int, seed: int = 0, mid_ticks: int = 10_000, start_ns: int = 34_200 * 10**9,
                     mean_gap_ns: int = 20_000, max_live: int = 4096, move_prob: float = 0.0) -> np.ndarray:
    """A reproducible stream of ``n`` valid L3 events that applies cleanly to an empty book.

    The mix (per mille): passive adds around a wandering mid 440 (one in eight attributed, ITCH
    ``F``), marketable adds 20 (priced up to two ticks through the opposite touch: they match in the
    book and rest any remainder, so the book sees trades in price-time priority), cancels 340,
    partial cancels 80, executions of the order at the head of a best level 90 (one in four with a
    price, ITCH ``C``), trade prints against hidden orders at the touch 15 (ITCH ``P``) and replaces
    15 (``U``).  Passive orders never cross, so the book never crosses after matching.

    With ``move_prob > 0`` a fair price takes a ±1 tick step with that probability per event (a random
    walk), new orders are placed around it, and nine takers in ten (executions, prints, marketable
    adds) trade towards it, executions taking whole orders from the side between the mid and the fair
    price, so the book follows it; ``move_prob = 0`` gives a market whose price only jitters around the
    start.

    Parameters
    ----------
    n : int
        Events.
    seed : int
        Stream seed (splitmix64); equal seeds give equal streams.
    mid_ticks : int
        Starting mid price (ticks).
    start_ns, mean_gap_ns : int
        First timestamp (ns since midnight; default 09:30) and mean gap between events (ns).
    max_live : int
        Cap on live orders.
    move_prob : float
        Probability per event of a fair-price step (0 to 1).
    """
    n = check_int("n", n, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    mid_ticks = check_int("mid_ticks", mid_ticks, minimum=200)
    out = np.zeros(n, EVENT)
    bk = new_book_state(capacity=max_live + 16, window=1 << 14)
    _generate(bk, out, seed, mid_ticks, check_int("start_ns", start_ns, minimum=0),
              check_int("mean_gap_ns", mean_gap_ns, minimum=1), check_int("max_live", max_live, minimum=32),
              int(round(check_in_range("move_prob", move_prob, 0.0, 1.0) * 1e6)))
    return out
