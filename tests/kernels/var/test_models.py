"""kernels/var/models.py: the instrument universe validates, values and delta-maps itself with the package's
Black–Scholes; the estimate summarises itself."""

import numpy as np
import pytest

from quantforge.errors import RiskError
from quantforge.kernels.options import bs_greeks
from quantforge.kernels.var import Instruments, RiskEstimate


def test_values_and_delta_exposures():
    book = Instruments(
        [100.0, 50.0],
        factor=[0, 1, 0],
        option=[False, False, True],
        multiplier=[1.0, 1.0, 100.0],
        strike=110.0,
        expiry=0.25,
        vol=0.3,
        rate=0.02,
        call=False,
    )
    g = bs_greeks(100.0, 110.0, 0.25, 0.02, 0.3, 0.0, False, backend="numpy")
    np.testing.assert_allclose(book.values(), [100.0, 50.0, 100.0 * g["price"]], rtol=1e-14)
    exp = book.delta_exposures([[2.0, -1.0, 3.0]])
    np.testing.assert_allclose(exp, [[2.0 * 100.0 + 3.0 * 100.0 * g["delta"] * 100.0, -50.0]], rtol=1e-13)
    assert book.table.shape == (3, 10) and not book.table.flags.writeable


def test_bad_instruments_are_refused_by_name():
    with pytest.raises(RiskError, match="spots must be a non-empty vector of prices > 0"):
        Instruments([100.0, -1.0])
    with pytest.raises(RiskError, match=r"factor must be a vector of indices in 0..0"):
        Instruments([100.0], factor=[0, 1])
    with pytest.raises(RiskError, match="strike must be > 0 on options; instrument 1 has strike = 0.0"):
        Instruments([100.0], factor=[0, 0], option=[False, True], expiry=1.0, vol=0.2)
    with pytest.raises(RiskError, match=r"vol must be finite everywhere; vol\[\(\)\] = nan"):
        Instruments([100.0], vol=np.nan)
    with pytest.raises(RiskError, match="multiplier must be a scalar or have one entry per instrument"):
        Instruments([100.0, 20.0], multiplier=[1.0, 2.0, 3.0])
    with pytest.raises(RiskError, match=r"positions must have shape \(\.\.\., 1\)"):
        Instruments([100.0]).delta_exposures([1.0, 2.0])


def test_summary_lists_every_level():
    est = RiskEstimate(
        "monte_carlo",
        np.array([0.95, 0.99]),
        np.array([1.0, 2.0]),
        np.array([1.5, 2.5]),
        np.array([0.1, 0.2]),
        np.array([0.1, 0.3]),
        1000,
    )
    text = est.summary()
    assert "1000 scenarios" in text and "99%: VaR 2 (s.e. 0.2), ES 2.5 (s.e. 0.3)" in text
