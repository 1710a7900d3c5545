"""risk/positions.py against an independent average-cost ledger written here in float currency."""

import numpy as np
import pytest

from quantforge.engine.types import FILL, Instrument
from quantforge.errors import RiskError
from quantforge.risk import PositionBook


def _fills(n, n_inst, seed):
    rng = np.random.default_rng(seed)
    f = np.zeros(n, FILL)
    f["instrument_id"] = rng.integers(0, n_inst, n)
    f["side"] = rng.choice([-1, 1], n)
    f["price_ticks"] = rng.integers(9_900, 10_100, n)
    f["size_lots"] = rng.integers(1, 8, n)
    return f


def _ledger(fills, tick, lot, n_inst):
    """Average-cost accounting in currency, one fill at a time (the textbook rules)."""
    pos, avg, realised = np.zeros(n_inst), np.zeros(n_inst), np.zeros(n_inst)
    for f in fills:
        i, q, px = (
            f["instrument_id"],
            f["side"] * f["size_lots"] * lot[f["instrument_id"]],
            f["price_ticks"] * tick[f["instrument_id"]],
        )
        if pos[i] == 0 or np.sign(pos[i]) == np.sign(q):
            avg[i] = (avg[i] * pos[i] + px * q) / (pos[i] + q)
            pos[i] += q
        else:
            closed = min(abs(q), abs(pos[i]))
            realised[i] += closed * (px - avg[i]) * np.sign(pos[i])
            pos[i] += q
            if abs(q) > closed:
                avg[i] = px
            elif pos[i] == 0:
                avg[i] = 0.0
    return pos, avg, realised


def test_book_matches_the_average_cost_ledger():
    inst = [Instrument("A", 0.01, 100), Instrument("B", 0.5, 1), Instrument("C", 0.001, 1000)]
    tick, lot = np.array([0.01, 0.5, 0.001]), np.array([100.0, 1.0, 1000.0])
    fills = _fills(400, 3, 1)
    book = PositionBook(inst)
    book.apply_fills(fills[:150])
    book.apply_fills(fills[150:])
    marks = np.array([10_050, 9_990, 10_000])
    book.mark(marks)
    pos, avg, realised = _ledger(fills, tick, lot, 3)
    np.testing.assert_allclose(book.positions, pos)
    np.testing.assert_allclose(book.realised_pnl, realised, rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(book.unrealised_pnl, pos * (marks * tick - avg), rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(book.total_pnl, book.realised_pnl + book.unrealised_pnl, rtol=1e-12, atol=1e-8)
    np.testing.assert_allclose(book.exposures, pos * marks * tick)
    flat = book.position_lots == 0
    np.testing.assert_allclose(book.average_cost[~flat], avg[~flat], rtol=1e-12)


def test_bad_fills_are_refused():
    book = PositionBook([Instrument("A", 0.01)])
    with pytest.raises(TypeError, match="FILL records"):
        book.apply_fills(np.zeros(3))
    fills = _fills(3, 1, 2)
    fills["instrument_id"][2] = 5
    with pytest.raises(RiskError, match=r"fills\[2\] has instrument_id 5"):
        book.apply_fills(fills)
    with pytest.raises(RiskError, match="mark_ticks must be 1 integers"):
        book.mark([100.5])
