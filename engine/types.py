"""Hot-path records and the one place where prices and sizes become integers.

The engine speaks integers: prices in ticks (int64), sizes in lots (int64), times in nanoseconds
(int64).  Floats appear only at the model boundary, converted here with the instrument's tick and
lot size: :class:`Instrument` for Python code (validated, refusing values an int64 cannot hold), and
:func:`depth_ticks`, :func:`bid_ticks` and :func:`ask_ticks`, plain functions that compiled code jits
(``engine/loop.py``), for the quotes the event loop derives from a surface's float depths.  Records
are numpy structured dtypes with ``align=True``; those stored in arrays are padded to 64 bytes (one
cache line), so a record never straddles two lines and Numba reads fields in place.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from .._typing import ArrayLike, Float64Array, Int64Array
from ..errors import InvalidParameters, check_finite, check_int, check_positive

__all__ = [
    "BUY",
    "SELL",
    "LIMIT",
    "MARKET",
    "MAKER",
    "TAKER",
    "MARKET_STATE",
    "ORDER",
    "FILL",
    "POSITION",
    "QUOTE",
    "EVENT",
    "EV_ADD",
    "EV_CANCEL",
    "EV_REDUCE",
    "EV_EXECUTE",
    "EV_REPLACE",
    "EV_TRADE",
    "EV_MARKET",
    "EV_MODIFY",
    "Instrument",
    "check_int64",
    "check_records",
    "depth_ticks",
    "bid_ticks",
    "ask_ticks",
]

# Sides are signs, so that signed quantity = side * size.
BUY = np.int8(1)
SELL = np.int8(-1)
# Order kinds.
LIMIT = np.int8(0)
MARKET = np.int8(1)
# Liquidity flag of a fill.
MAKER = np.int8(0)
TAKER = np.int8(1)

CACHE_LINE = 64


def _record(name: str, fields: list[tuple[str, str]]) -> np.dtype:
    """An aligned record padded to a multiple of 64 bytes."""
    base = np.dtype(fields, align=True)
    size = -(-base.itemsize // CACHE_LINE) * CACHE_LINE
    dt = np.dtype(
        {
            "names": list(base.names),
            "formats": [base.fields[n][0] for n in base.names],
            "offsets": [base.fields[n][1] for n in base.names],
            "itemsize": size,
        },
        align=True,
    )
    assert dt.itemsize % CACHE_LINE == 0, name
    return dt


MARKET_STATE = _record(
    "MarketState",
    [
        ("ts_ns", "i8"),
        ("instrument_id", "i4"),
        ("flags", "i4"),
        ("bid_ticks", "i8"),
        ("ask_ticks", "i8"),
        ("bid_size_lots", "i8"),
        ("ask_size_lots", "i8"),
        ("last_ticks", "i8"),
        ("last_size_lots", "i8"),
    ],
)
"""Top of book and last trade of one instrument at ``ts_ns``."""

ORDER = _record(
    "Order",
    [
        ("ts_ns", "i8"),
        ("order_id", "i8"),
        ("instrument_id", "i4"),
        ("side", "i1"),
        ("kind", "i1"),
        ("status", "i1"),
        ("flags", "i1"),
        ("price_ticks", "i8"),
        ("size_lots", "i8"),
        ("filled_lots", "i8"),
        ("client_tag", "i8"),
    ],
)
"""An order: ``side`` is BUY (+1) or SELL (-1), ``kind`` LIMIT or MARKET."""

FILL = _record(
    "Fill",
    [
        ("ts_ns", "i8"),
        ("order_id", "i8"),
        ("match_id", "i8"),
        ("instrument_id", "i4"),
        ("side", "i1"),
        ("liquidity", "i1"),
        ("price_ticks", "i8"),
        ("size_lots", "i8"),
    ],
)
"""One execution of ``size_lots`` at ``price_ticks`` against the order ``order_id``."""

POSITION = _record(
    "Position",
    [
        ("instrument_id", "i4"),
        ("position_lots", "i8"),
        ("cash_tick_lots", "i8"),
        ("volume_lots", "i8"),
        ("n_fills", "i8"),
        ("last_update_ns", "i8"),
    ],
)
"""Inventory and cash of one instrument; cash in tick·lots (price_ticks × size_lots, signed)."""

QUOTE = _record(
    "Quote",
    [
        ("ts_ns", "i8"),
        ("instrument_id", "i4"),
        ("flags", "i4"),
        ("bid_ticks", "i8"),
        ("ask_ticks", "i8"),
        ("bid_size_lots", "i8"),
        ("ask_size_lots", "i8"),
        ("version", "i8"),
    ],
)
"""Own two-sided quote; ``flags`` bit 0 = bid live, bit 1 = ask live."""


EVENT = _record(
    "Event",
    [
        ("ts_ns", "i8"),
        ("order_id", "i8"),
        ("new_order_id", "i8"),
        ("price_ticks", "i8"),
        ("size_lots", "i8"),
        ("match_id", "i8"),
        ("instrument_id", "i4"),
        ("kind", "i1"),
        ("side", "i1"),
        ("mpid", "i4"),
    ],
)
"""One market-data or order-entry event (an ITCH message decoded, or an operation on a book).

``kind`` is one of the ``EV_*`` codes; ``mpid`` is the attribution of an add (ITCH ``F``: the
market participant's 4-letter id as a big-endian int32; 0 for an anonymous ``A``).  The fields a kind uses:

=============  ==============================================================  ============
kind           meaning                                                         ITCH 5.0
=============  ==============================================================  ============
EV_ADD         new limit order ``order_id``, ``side``, ``price_ticks``, size   A, F
               (one priced through the opposite touch matches in the book)
EV_CANCEL      delete order ``order_id``                                        D
EV_REDUCE      cancel ``size_lots`` of order ``order_id``                       X
EV_EXECUTE     execute ``size_lots`` of resting ``order_id`` (``price_ticks``   E, C
               > 0: printed at that price, else at the order's price)
EV_REPLACE     replace ``order_id`` by ``new_order_id`` at price, size          U
EV_TRADE       a trade print against a hidden order (does not change the book)  P
EV_MARKET      market order ``order_id`` for ``size_lots`` (remainder dropped)  (order entry)
EV_MODIFY      change ``order_id`` to price, size (keeps priority only when the  (order entry)
               price is unchanged and the size does not grow)
=============  ==============================================================  ============
"""

EV_ADD, EV_CANCEL, EV_REDUCE, EV_EXECUTE, EV_REPLACE, EV_TRADE, EV_MARKET, EV_MODIFY = (np.int8(k) for k in range(1, 9))


_INT64_LIMIT = 2.0**63  # |ticks| below this fit an int64 exactly when they come from a float


def depth_ticks(depth: float, tick_size: float) -> float:
    """A depth from the mid (price units) as a number of ticks, fractional (it is rounded when it
    becomes a price, by :func:`bid_ticks` / :func:`ask_ticks`); ``+inf`` stays ``+inf``."""
    return depth / tick_size


def bid_ticks(mid_ticks: int, depth_in_ticks: float) -> int:
    """The bid price (int64 ticks) ``depth_in_ticks`` below ``mid_ticks``, rounded down: a bid is never
    closer to the mid than its depth asks for."""
    return np.int64(np.floor(mid_ticks - depth_in_ticks))


def ask_ticks(mid_ticks: int, depth_in_ticks: float) -> int:
    """The ask price (int64 ticks) ``depth_in_ticks`` above ``mid_ticks``, rounded up."""
    return np.int64(np.ceil(mid_ticks + depth_in_ticks))


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def check_int64(name: str, value, *, minimum: int = INT64_MIN) -> int:
    """``value`` as a Python int after checking it is an integer (a float, even a whole one, is a type
    mistake: ticks, lots, ids and nanoseconds are never fractional) that an int64 holds."""
    return check_int(name, value, minimum=minimum, maximum=INT64_MAX)


def check_records(name: str, value, dtype: np.dtype, record: str, *, ndim: int = 1) -> np.ndarray:
    """``value`` after checking it is a numpy array of the record ``dtype`` (called ``record`` in the
    message, e.g. ``"EVENT"``) with ``ndim`` axes, so that compiled code reads the fields it expects."""
    if not isinstance(value, np.ndarray) or value.dtype != dtype:
        got = (
            "another record dtype"
            if isinstance(value, np.ndarray) and value.dtype.names
            else (f"dtype {value.dtype}" if isinstance(value, np.ndarray) else type(value).__name__)
        )
        raise TypeError(f"{name} must be a numpy array of engine.types.{record} records, got {got}")
    if value.ndim != ndim:
        raise InvalidParameters(f"{name} must be {ndim}-dimensional, got shape {value.shape}")
    return value


def _as_int64(name: str, value):
    """``value`` (an integer or an array of integers) as int64; floats and bools are type mistakes,
    integers an int64 cannot hold are refused."""
    a = np.asarray(value)
    if a.dtype == object:  # Python integers beyond 64 bits
        items = a.ravel().tolist()
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in items):
            raise TypeError(f"{name} must be integers, got {value!r}")
        if any(not -(2**63) <= v < 2**63 for v in items):
            raise InvalidParameters(f"{name} {value!r} is outside the int64 range")
        a = np.array(items, dtype=np.int64).reshape(a.shape)
    elif a.dtype.kind not in "iu":
        raise TypeError(f"{name} must be integers (int64), got {a.dtype} {value!r}")
    elif a.dtype.kind == "u" and a.size and int(a.max()) >= 2**63:
        raise InvalidParameters(f"{name} {value!r} is outside the int64 range")
    out = a.astype(np.int64)
    return out if out.ndim else np.int64(out)


def _as_float64(name: str, value) -> np.ndarray:
    """``value`` (a real number or an array of them) as float64; strings, bytes, bools and objects
    are type mistakes, not numbers to parse."""
    a = np.asarray(value)
    if a.dtype == object:  # Python integers beyond 64 bits, or a mixture
        items = a.ravel().tolist()
        if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in items):
            raise TypeError(f"{name} must be a real number or an array of them, got {value!r}")
        # an integer beyond the float range is kept as an infinity of its sign: the range check refuses it
        return np.array(
            [float(v) if abs(v) < 2**1023 else math.copysign(math.inf, v) for v in items], dtype=np.float64
        ).reshape(a.shape)
    if a.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a real number or an array of them, got {a.dtype} {value!r}")
    return a.astype(np.float64)


@dataclass(frozen=True)
class Instrument:
    """Tick and lot size of an instrument: the conversion between model floats and engine integers.

    Parameters
    ----------
    symbol : str
    tick_size : float
        Price increment (currency per unit), > 0.
    lot_size : float, default 1
        Size increment (units per lot), > 0.
    """

    symbol: str
    tick_size: float
    lot_size: float = 1.0

    def __post_init__(self):
        if not isinstance(self.symbol, str):
            raise TypeError(f"symbol must be a str, got {type(self.symbol).__name__} {self.symbol!r}")
        check_positive("tick_size", self.tick_size)
        check_positive("lot_size", self.lot_size)

    def _to_grid(self, name: str, value, unit: float, strict: bool, off_grid: str):
        if not isinstance(strict, (bool, np.bool_)):
            raise TypeError(f"strict must be a bool, got {type(strict).__name__} {strict!r}")
        v = _as_float64(name, value)
        if np.any(np.isnan(v)):
            raise InvalidParameters(f"{name} must be finite, got {value!r}")
        with np.errstate(over="ignore", invalid="ignore"):
            t = v / unit
            r = np.rint(t)
        if not np.all(np.abs(r) < _INT64_LIMIT):
            raise InvalidParameters(
                f"{name} {value!r} is outside the int64 range of {self.symbol}'s grid "
                f"(|{name} / {unit}| must be below 2^63)"
            )
        # prices and sizes are magnitudes here (a side or a sign says buy or sell): a negative one is a
        # mistake that would decode as another number downstream (ITCH fields are unsigned)
        if np.any(v < 0):
            raise InvalidParameters(f"{name} must be >= 0, got {value!r}")
        if strict and np.any(np.abs(t - r) > 1e-9 * np.maximum(1.0, np.abs(t))):
            raise InvalidParameters(f"{name} {value!r} {off_grid}")
        out = r.astype(np.int64)
        return out if out.ndim else np.int64(out)

    def price_to_ticks(self, price: ArrayLike, *, strict: bool = False) -> Int64Array | np.int64:
        """Price (currency) → int64 ticks, rounded to the nearest tick.

        With ``strict=True`` a price more than 1e-9 ticks off the grid raises ``InvalidParameters``.
        """
        return self._to_grid(
            "price", price, self.tick_size, strict, f"is not on the tick grid of {self.symbol} (tick {self.tick_size})"
        )

    def ticks_to_price(self, ticks: ArrayLike) -> Float64Array | np.float64:
        """Integer ticks → price (float64); non-integer or out-of-range ticks are refused."""
        return _as_int64("ticks", ticks) * self.tick_size

    def size_to_lots(self, size: ArrayLike, *, strict: bool = False) -> Int64Array | np.int64:
        """Size (units) → int64 lots, rounded to the nearest lot (``strict`` as for prices)."""
        return self._to_grid(
            "size", size, self.lot_size, strict, f"is not a whole number of lots of {self.symbol} (lot {self.lot_size})"
        )

    def lots_to_size(self, lots: ArrayLike) -> Float64Array | np.float64:
        """Integer lots → size (float64); non-integer or out-of-range lots are refused."""
        return _as_int64("lots", lots) * self.lot_size

    def tick_lots_to_value(self, tick_lots: ArrayLike) -> Float64Array | np.float64:
        """An amount in tick·lots (price_ticks × size_lots, the engine's cash unit) → currency."""
        return _as_int64("tick_lots", tick_lots) * (self.tick_size * self.lot_size)

    def value_to_tick_lots(self, value: float) -> float:
        """A currency amount (a loss limit, say) → tick·lots, unrounded (a threshold, not a price)."""
        return check_finite("value", value) / (self.tick_size * self.lot_size)
