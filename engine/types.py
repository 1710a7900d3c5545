"""Hot-path records and the one place where prices and sizes become integers.

The engine speaks integers: prices in ticks (int64), sizes in lots (int64), times in nanoseconds
(int64).  Floats appear only at the model boundary, converted here with the instrument's tick and
lot size.  Records are numpy structured dtypes with ``align=True``; those stored in arrays are padded
to 64 bytes (one cache line), so a record never straddles two lines and Numba reads fields in place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameters, check_positive

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
    ],
)
"""One market-data or order-entry event (an ITCH message decoded, or an operation on a book).

``kind`` is one of the ``EV_*`` codes; the fields a kind uses:

=============  ==============================================================  ============
kind           meaning                                                         ITCH 5.0
=============  ==============================================================  ============
EV_ADD         new limit order ``order_id``, ``side``, ``price_ticks``, size   A, F
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
        check_positive("tick_size", self.tick_size)
        check_positive("lot_size", self.lot_size)

    def _to_grid(self, name: str, value, unit: float, strict: bool, off_grid: str):
        v = np.asarray(value, dtype=np.float64)
        if not np.all(np.isfinite(v)):
            raise InvalidParameters(f"{name} must be finite, got {value!r}")
        t = v / unit
        r = np.rint(t)
        if strict and np.any(np.abs(t - r) > 1e-9 * np.maximum(1.0, np.abs(t))):
            raise InvalidParameters(f"{name} {value!r} {off_grid}")
        out = r.astype(np.int64)
        return out if out.ndim else np.int64(out)

    def price_to_ticks(self, price, *, strict: bool = False):
        """Price (currency) → int64 ticks, rounded to the nearest tick.

        With ``strict=True`` a price more than 1e-9 ticks off the grid raises ``InvalidParameters``.
        """
        return self._to_grid("price", price, self.tick_size, strict,
                             f"is not on the tick grid of {self.symbol} (tick {self.tick_size})")

    def ticks_to_price(self, ticks):
        """int64 ticks → price (float64)."""
        return np.asarray(ticks, dtype=np.int64) * self.tick_size

    def size_to_lots(self, size, *, strict: bool = False):
        """Size (units) → int64 lots, rounded to the nearest lot (``strict`` as for prices)."""
        return self._to_grid("size", size, self.lot_size, strict,
                             f"is not a whole number of lots of {self.symbol} (lot {self.lot_size})")

    def lots_to_size(self, lots):
        """int64 lots → size (float64)."""
        return np.asarray(lots, dtype=np.int64) * self.lot_size
