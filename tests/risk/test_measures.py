"""risk/measures.py against direct computations."""

import numpy as np
import pytest

from quantforge.errors import RiskError
from quantforge.risk import concentration, days_to_liquidate, drawdown, leverage


def test_drawdown_matches_a_running_peak_loop():
    e = np.cumsum(np.random.default_rng(0).standard_normal((3, 200)), axis=1)
    dd, worst = drawdown(e)
    for b in range(3):
        peak, want = -np.inf, []
        for x in e[b]:
            peak = max(peak, x)
            want.append(peak - x)
        np.testing.assert_allclose(dd[b], want)
        assert worst[b] == max(want)


def test_leverage_concentration_liquidity():
    e = np.array([[400.0, -300.0, 300.0], [0.0, 0.0, 0.0]])
    gross, net = leverage(e, [1000.0, 10.0])
    np.testing.assert_allclose(gross, [1.0, 0.0])
    np.testing.assert_allclose(net, [0.4, 0.0])
    share, hhi = concentration(e)
    np.testing.assert_allclose(share, [0.4, 0.0])
    np.testing.assert_allclose(hhi, [0.4**2 + 0.3**2 + 0.3**2, 0.0])
    assert concentration(np.ones(8))[1] == pytest.approx(1 / 8)
    per, worst = days_to_liquidate([[1000.0, -500.0]], [2000.0, 100.0], 0.25)
    np.testing.assert_allclose(per, [[2.0, 20.0]])
    assert worst[0] == 20.0


def test_bad_inputs_are_refused_by_name():
    with pytest.raises(RiskError, match=r"exposures must be >= 0 \(long_only=True\); exposures\[\(1,\)\] = -1.0"):
        concentration([2.0, -1.0], long_only=True)
    with pytest.raises(RiskError, match="capital must be > 0"):
        leverage([1.0], 0.0)
    with pytest.raises(RiskError, match=r"participation must lie in \(0, 1\]"):
        days_to_liquidate([1.0], [1.0], 1.5)
    with pytest.raises(RiskError, match=r"adv must have one entry per position"):
        days_to_liquidate([1.0, 2.0], [1.0])
    with pytest.raises(RiskError, match=r"equity must be finite everywhere; equity\[\(1,\)\] = nan"):
        drawdown([1.0, np.nan])
