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
