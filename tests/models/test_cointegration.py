"""models/cointegration.py and models/arbitrage_scanner.py on simulated pairs with known hedge
ratio and mean reversion; the test's size on independent random walks."""

import math

import numpy as np
import pytest

from quantforge.errors import InvalidParameters
from quantforge.models.arbitrage_scanner import scan_pairs
from quantforge.models.cointegration import engle_granger, half_life


def _pair(rng, n=2000, beta=1.5, phi=0.9):
    x = 100 + np.cumsum(rng.standard_normal(n))
    u = np.zeros(n)
    e = rng.standard_normal(n) * 0.5
    for t in range(1, n):
        u[t] = phi * u[t - 1] + e[t]
    return 2.0 + beta * x + u, x


def test_engle_granger_finds_the_pair_hedge_ratio_and_half_life():
    y, x = _pair(np.random.default_rng(31))
    res = engle_granger(y, x)
    assert res.cointegrated and res.p_value < 1e-3
    assert abs(res.hedge_ratio - 1.5) < 0.01  # OLS is super-consistent under cointegration
    assert res.half_life == pytest.approx(-math.log(2) / math.log(0.9), rel=0.2)
    assert res.adf_statistic < res.critical_values["1%"]
    assert "cointegrated" in res.summary()


@pytest.mark.parametrize("trend", ["n", "c", "ct", "ctt"])
def test_regression_matches_statsmodels_for_every_trend(trend):
    # y carries a linear time trend, so the hedge ratio depends on whether the regression has one.
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tsa.stattools import adfuller
    from statsmodels.tsa.tsatools import add_trend

    rng = np.random.default_rng(35)
    y, x = _pair(rng, n=600)
    y = y + 0.02 * np.arange(600)
    res = engle_granger(y, x, trend=trend)
    design = x[:, None] if trend == "n" else add_trend(x[:, None], trend=trend, prepend=False)
    ols = OLS(y, design).fit()
    assert res.trend == trend
    assert res.hedge_ratio == pytest.approx(ols.params[0], rel=1e-10)
    assert res.hedge_ratio_stderr == pytest.approx(ols.bse[0], rel=1e-8)
    np.testing.assert_allclose(res.trend_coefficients, ols.params[1:], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(res.spread, ols.resid, rtol=1e-9, atol=1e-9)
    assert res.intercept == (pytest.approx(ols.params[1]) if trend != "n" else 0.0)
    # coint's ADF statistic is the one of these residuals (regression without deterministic terms)
    assert res.adf_statistic == pytest.approx(adfuller(res.spread, regression="n", autolag="aic", result_object=False)[0], rel=1e-8)
    if trend == "n":
        assert all(np.isnan(v) for v in res.critical_values.values())


def test_engle_granger_size_on_independent_random_walks():
    rng = np.random.default_rng(32)
    n_pairs = 200
    rejects = sum(engle_granger(np.cumsum(rng.standard_normal(500)), np.cumsum(rng.standard_normal(500))).cointegrated for _ in range(n_pairs))
    se = math.sqrt(0.05 * 0.95 / n_pairs)
    assert abs(rejects / n_pairs - 0.05) < 3 * se, rejects


def test_half_life_of_random_walk_is_infinite_or_long():
    rw = np.cumsum(np.random.default_rng(33).standard_normal(3000))
    assert half_life(rw) > 50


def test_scanner_keeps_the_true_pair_and_signals_a_stretched_spread():
    rng = np.random.default_rng(34)
    y, x = _pair(rng, n=1500)
    y[-1] += 4.0  # stretch the spread today: z ~ +3.5
    noise = 100 + np.cumsum(rng.standard_normal((1500, 2)), axis=0)
    prices = np.column_stack([x, noise[:, 0], y, noise[:, 1]])
    signals = scan_pairs(prices)
    assert [(s.y, s.x) for s in signals] == [(0, 2)]
    sig = signals[0]
    assert sig.action == "long spread" and sig.z_score < -2  # y is column 2, regressed as x: spread sign flips
    assert abs(abs(sig.hedge_ratio) - 1 / 1.5) < 0.01


def test_bad_inputs():
    with pytest.raises(InvalidParameters):
        engle_granger(np.ones(10), np.arange(10.0))
    with pytest.raises(InvalidParameters):
        engle_granger(np.arange(50.0), np.ones(50))
    with pytest.raises(InvalidParameters, match="trend"):
        engle_granger(np.arange(50.0), np.arange(50.0) ** 1.5, trend="linear")
    with pytest.raises(InvalidParameters):
        scan_pairs(np.ones((100, 1)))
