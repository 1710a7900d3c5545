"""Positions and P&L from engine fills: integers in, currency out, converted once per instrument.

The engine reports fills in lots and ticks (``engine.types.FILL``).  Per instrument the book keeps
the position (lots), the cash (tick·lots, ``-sum side x size x price``, exact in int64) and the open
cost (tick·lots, the average cost of the open position times the position).  A fill that adds to the
position adds its cost; one that reduces it releases the average cost of the lots it closes (and one
that crosses zero opens the remainder at the fill price).  Then, at a mark price ``m`` (ticks):

    realised   = cash + open_cost           (closed trades, at average cost)
    unrealised = position x m - open_cost   (the open position against its average cost)
    total      = cash + position x m        (= realised + unrealised)

in tick·lots, converted to currency with each instrument's ``tick_size x lot_size``
(:class:`quantforge.engine.types.Instrument`) once, when read.  :func:`apply_fill` is plain Python,
compiled for the fill loop here and reused by the risk monitor's compiled loop.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._typing import ArrayLike, Float64Array, Int64Array
from ..engine.types import FILL, Instrument
from ..errors import RiskError
from ..kernels.jit import jit

__all__ = ["apply_fill", "PositionBook"]


def apply_fill(position, cash, open_cost, i, side, price_ticks, size_lots):
    """Book one fill of instrument ``i`` (``side`` +1 buy / -1 sell) into the state arrays, average-cost method."""
    q = side * size_lots
    p0 = position[i]
    cash[i] -= q * price_ticks
    if p0 == 0 or (p0 > 0) == (q > 0):
        open_cost[i] += q * price_ticks
    else:
        closed = min(abs(q), abs(p0))
        open_cost[i] -= open_cost[i] * closed / abs(p0)
        rest = abs(q) - closed
        if rest > 0:
            open_cost[i] = (rest if q > 0 else -rest) * price_ticks
    position[i] = p0 + q


_apply_fill = jit(apply_fill, inline=True)


@jit(nogil=True)
def _apply_fills(fills, position, cash, open_cost):
    """Book ``fills`` in order; returns the index of the first fill of an unknown instrument, or -1."""
    n = position.shape[0]
    for k in range(fills.shape[0]):
        f = fills[k]
        i = f.instrument_id
        if i < 0 or i >= n:
            return k
        _apply_fill(position, cash, open_cost, i, f.side, f.price_ticks, f.size_lots)
    return -1


class PositionBook:
    """Positions, cash and P&L of a set of instruments, updated by engine fills.

    Parameters
    ----------
    instruments : sequence of engine.types.Instrument
        Instrument ``k`` is the one whose fills carry ``instrument_id == k``.

    Examples
    --------
    >>> import numpy as np
    >>> from quantforge.engine.types import FILL, Instrument
    >>> from quantforge.risk import PositionBook
    >>> book = PositionBook([Instrument("XYZ", tick_size=0.01, lot_size=100)])
    >>> fills = np.zeros(2, FILL)
    >>> fills[["side", "price_ticks", "size_lots"]] = [(1, 10_000, 3), (-1, 10_050, 1)]
    >>> book.apply_fills(fills)
    >>> book.mark([10_020])
    >>> book.positions.tolist(), book.realised_pnl.tolist(), book.unrealised_pnl.tolist()
    ([200.0], [50.0], [40.0])
    """

    def __init__(self, instruments: Sequence[Instrument]) -> None:
        self.instruments = tuple(instruments)
        if not self.instruments or not all(isinstance(x, Instrument) for x in self.instruments):
            raise TypeError("instruments must be a non-empty sequence of engine.types.Instrument")
        n = len(self.instruments)
        self.tick_size = np.array([x.tick_size for x in self.instruments], dtype=np.float64)
        self.lot_size = np.array([x.lot_size for x in self.instruments], dtype=np.float64)
        self.value_per_tick_lot = self.tick_size * self.lot_size  # currency of one tick on one lot
        self.position_lots = np.zeros(n, np.int64)
        self.cash_tick_lots = np.zeros(n, np.int64)
        self.open_cost_tick_lots = np.zeros(n, np.float64)
        self.mark_ticks = np.zeros(n, np.int64)

    def apply_fills(self, fills: np.ndarray) -> None:
        """Book an array of ``engine.types.FILL`` records, in order.

        Raises
        ------
        TypeError
            If ``fills`` is not an array of FILL records.
        RiskError
            A fill whose ``instrument_id`` is not one of the book's (the earlier fills are booked).
        """
        if not isinstance(fills, np.ndarray) or fills.dtype != FILL:
            raise TypeError("fills must be a numpy array of engine.types.FILL records")
        bad = _apply_fills(fills, self.position_lots, self.cash_tick_lots, self.open_cost_tick_lots)
        if bad >= 0:
            raise RiskError(
                f"fills[{bad}] has instrument_id {int(fills[bad]['instrument_id'])}, not one of the "
                f"book's 0..{len(self.instruments) - 1}"
            )

    def mark(self, mark_ticks: ArrayLike) -> None:
        """Set the mark prices (int64 ticks, one per instrument)."""
        m = np.asarray(mark_ticks)
        if m.shape != self.mark_ticks.shape or m.dtype.kind not in "iu":
            raise RiskError(f"mark_ticks must be {len(self.instruments)} integers (ticks), got {m!r}")
        self.mark_ticks[:] = m

    @property
    def positions(self) -> Float64Array:
        """Positions in units (lots x lot size)."""
        return self.position_lots * self.lot_size

    @property
    def realised_pnl(self) -> Float64Array:
        """P&L of the closed trades (currency, per instrument)."""
        return (self.cash_tick_lots + self.open_cost_tick_lots) * self.value_per_tick_lot

    @property
    def unrealised_pnl(self) -> Float64Array:
        """P&L of the open positions at the marks (currency, per instrument)."""
        return (self.position_lots * self.mark_ticks - self.open_cost_tick_lots) * self.value_per_tick_lot

    @property
    def total_pnl(self) -> Float64Array:
        """``cash + position x mark`` (currency, per instrument)."""
        return (self.cash_tick_lots + self.position_lots * self.mark_ticks) * self.value_per_tick_lot

    @property
    def exposures(self) -> Float64Array:
        """Signed market value of each position at its mark (currency)."""
        return self.position_lots * self.mark_ticks * self.value_per_tick_lot

    @property
    def average_cost(self) -> Float64Array:
        """Average cost of each open position (currency per unit; NaN when flat)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return (
                np.where(self.position_lots != 0, self.open_cost_tick_lots / self.position_lots, np.nan)
                * self.tick_size
            )

    def state(self) -> dict[str, Int64Array | Float64Array]:
        """Copies of the integer state (lots, tick·lots, ticks) for records and tests."""
        return {
            "position_lots": self.position_lots.copy(),
            "cash_tick_lots": self.cash_tick_lots.copy(),
            "open_cost_tick_lots": self.open_cost_tick_lots.copy(),
            "mark_ticks": self.mark_ticks.copy(),
        }
