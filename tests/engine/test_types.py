"""Record dtypes are cache-line sized and aligned; tick/lot conversion is exact and validated."""

import numpy as np
import pytest
from numba import njit

from quantforge.engine import types as T
from quantforge.errors import InvalidParameters


@pytest.mark.parametrize("dt", [T.MARKET_STATE, T.ORDER, T.FILL, T.POSITION, T.QUOTE])
def test_records_are_64_byte_multiples_with_aligned_fields(dt):
    assert dt.itemsize % 64 == 0 and dt.isalignedstruct
    for name in dt.names:
        fdt, offset = dt.fields[name][:2]
        assert offset % fdt.alignment == 0, name
        if fdt.kind in "iuf" and name.endswith(("_ns", "_ticks", "_lots")):
            assert fdt == np.int64, name  # the engine speaks int64 ticks, lots and nanoseconds


def test_numba_reads_and_writes_records_in_place():
    @njit
    def total_notional(orders):
        s = 0
        for i in range(orders.shape[0]):
            s += orders[i].price_ticks * orders[i].size_lots * orders[i].side
            orders[i].filled_lots = orders[i].size_lots
        return s

    o = np.zeros(3, dtype=T.ORDER)
    o["price_ticks"] = [100, 101, 102]
    o["size_lots"] = [1, 2, 3]
    o["side"] = [T.BUY, T.SELL, T.BUY]
    assert total_notional(o) == 100 - 202 + 306
    np.testing.assert_array_equal(o["filled_lots"], [1, 2, 3])


def test_tick_and_lot_conversion():
    inst = T.Instrument("ES", tick_size=0.25, lot_size=1.0)
    assert inst.price_to_ticks(4512.75) == 18051
    assert inst.ticks_to_price(18051) == 4512.75
    np.testing.assert_array_equal(inst.price_to_ticks([0.25, 0.5, 100.0]), [1, 2, 400])
    # float noise from arithmetic rounds to the nearest tick
    assert inst.price_to_ticks(0.1 + 0.2 + 4512.45) == 18051
    fx = T.Instrument("EURUSD", tick_size=1e-5, lot_size=1000.0)
    assert fx.price_to_ticks(1.08345) == 108345
    assert fx.size_to_lots(25_000) == 25 and fx.lots_to_size(25) == 25_000.0


def test_conversion_refuses_bad_input():
    inst = T.Instrument("ES", tick_size=0.25)
    with pytest.raises(InvalidParameters, match="not on the tick grid"):
        inst.price_to_ticks(4512.3, strict=True)
    with pytest.raises(InvalidParameters, match="price must be finite"):
        inst.price_to_ticks(float("nan"))
    with pytest.raises(InvalidParameters, match="whole number of lots"):
        T.Instrument("X", tick_size=0.01, lot_size=100).size_to_lots(150, strict=True)
    with pytest.raises(InvalidParameters, match="tick_size must be > 0"):
        T.Instrument("X", tick_size=0.0)
    with pytest.raises(InvalidParameters, match="lot_size must be finite"):
        T.Instrument("X", tick_size=0.01, lot_size=float("inf"))


def test_conversion_refuses_what_an_int64_cannot_hold():
    inst = T.Instrument("ES", tick_size=0.25, lot_size=10.0)
    with pytest.raises(InvalidParameters, match="price 1e[+]30 is outside the int64 range"):
        inst.price_to_ticks(1e30)
    with pytest.raises(InvalidParameters, match="outside the int64 range"):
        inst.price_to_ticks(2.0**61)  # 2^63 ticks: one past the largest int64
    assert inst.price_to_ticks(2.0**60) == 2**62
    with pytest.raises(InvalidParameters, match="size .* outside the int64 range"):
        inst.size_to_lots([1.0, -1e300])
    for bad in (1.7, [1, 2.5], True, "3"):
        with pytest.raises(TypeError, match="ticks must be integers"):
            inst.ticks_to_price(bad)
    for bad in (2**63, [0, 2**70], np.uint64(2**63)):
        with pytest.raises(InvalidParameters, match="ticks .* outside the int64 range"):
            inst.ticks_to_price(bad)
    assert inst.ticks_to_price(np.int64(2**62)) == 2.0**60
    np.testing.assert_array_equal(inst.ticks_to_price(np.array([-4, 8], np.int32)), [-1.0, 2.0])
    with pytest.raises(TypeError, match="lots must be integers"):
        inst.lots_to_size(0.5)


def test_cash_and_quote_conversions():
    """tick·lots ↔ currency, and depths (price units) → passive quote prices in ticks, checked
    against exact rational arithmetic (fractions)."""
    from fractions import Fraction

    inst = T.Instrument("FUT", tick_size=0.125, lot_size=50.0)
    assert inst.tick_lots_to_value(-8 * 3) == -24 * 0.125 * 50.0
    assert inst.value_to_tick_lots(6.25) == 1.0
    with pytest.raises(InvalidParameters, match="finite"):
        inst.value_to_tick_lots(float("nan"))
    jit_b, jit_a = njit(T.bid_ticks), njit(T.ask_ticks)
    rng = np.random.default_rng(3)
    for _ in range(500):
        mid2 = int(rng.integers(2, 20_000))  # the mid in half ticks
        depth = float(rng.integers(0, 64)) / 16.0  # price units, exact in binary
        d = T.depth_ticks(depth, 0.125)
        exact_b = Fraction(mid2, 2) - Fraction(depth) / Fraction(0.125)
        exact_a = Fraction(mid2, 2) + Fraction(depth) / Fraction(0.125)
        assert T.bid_ticks(mid2 / 2, d) == jit_b(mid2 / 2, d) == exact_b.__floor__()
        assert T.ask_ticks(mid2 / 2, d) == jit_a(mid2 / 2, d) == exact_a.__ceil__()
    assert T.depth_ticks(np.inf, 0.25) == np.inf
