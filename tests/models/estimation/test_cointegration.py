"""models/estimation/cointegration.py on simulated pairs with known hedge ratio and mean reversion:
the regression against statsmodels' OLS, the ADF statistic against the residual regression computed
here with numpy least squares, and the test's size on independent random walks."""

import math

import numpy as np
import pytest

from quantforge.errors import InvalidParameters
from quantforge.models.estimation.cointegration import engle_granger, half_life


def adf_by_hand(u):
    """The augmented Dickey–Fuller t statistic of ``u`` without deterministic terms (the Engle–Granger
    second step) and its lag, by numpy least squares: du_t = rho u_{t-1} + sum_{i<=p} phi_i du_{t-i} + e_t,
    p chosen by AIC = m (ln 2 pi + ln(RSS/m) + 1) + 2 (p + 1) over p = 0..ceil(12 (n/100)^(1/4)) on the
    sample that every p can use, then the regression refitted on all the rows that lag p allows (the
    convention of MacKinnon's tables as statsmodels applies them)."""
    n = u.size
    du = np.diff(u)
    maxlag = min(n // 2 - 1, int(math.ceil(12.0 * (n / 100.0) ** 0.25)))

    def regression(p, first):
        rows = np.arange(first, n - 1)  # du[t] = u[t + 1] - u[t] explained by u[t] and du[t - 1], ..., du[t - p]
        return np.column_stack([u[rows]] + [du[rows - i] for i in range(1, p + 1)]), du[rows]

    def fit(x, y):
        coef = np.linalg.lstsq(x, y, rcond=None)[0]
        resid = y - x @ coef
        return coef, float(resid @ resid)

    aic = []
    for p in range(maxlag + 1):
        x, y = regression(p, maxlag)
        rss = fit(x, y)[1]
        aic.append(y.size * (math.log(2 * math.pi) + math.log(rss / y.size) + 1) + 2 * (p + 1))
    p = int(np.argmin(aic))
    x, y = regression(p, p)
    coef, rss = fit(x, y)
    se = math.sqrt(rss / (y.size - x.shape[1]) * np.linalg.inv(x.T @ x)[0, 0])
    return coef[0] / se, p


def test_engle_granger_finds_the_pair_hedge_ratio_and_half_life(cointegrated_pair):
    y, x = cointegrated_pair(np.random.default_rng(31))
    res = engle_granger(y, x)
    assert res.cointegrated and res.p_value < 1e-3
    assert abs(res.hedge_ratio - 1.5) < 0.01  # OLS is super-consistent under cointegration
    assert res.half_life == pytest.approx(-math.log(2) / math.log(0.9), rel=0.2)
    assert res.adf_statistic < res.critical_values["1%"]
    assert "cointegrated" in res.summary()


@pytest.mark.parametrize("trend", ["n", "c", "ct", "ctt"])
def test_regression_matches_statsmodels_for_every_trend(trend, cointegrated_pair):
    # y carries a linear time trend, so the hedge ratio depends on whether the regression has one.
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tsa.stattools import adfuller
    from statsmodels.tsa.tsatools import add_trend

    rng = np.random.default_rng(35)
    y, x = cointegrated_pair(rng, n=600)
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
    assert res.adf_statistic == pytest.approx(
        adfuller(res.spread, regression="n", autolag="aic", result_object=False)[0], rel=1e-8
    )
    if trend == "n":
        assert all(np.isnan(v) for v in res.critical_values.values())


@pytest.mark.parametrize("trend", ["n", "c", "ct", "ctt"])
def test_adf_statistic_is_the_residual_regression_computed_by_hand(trend, cointegrated_pair):
    # The same pair as above (AIC picks p = 0 there) and a spread with AR(2) dynamics, where the
    # lagged differences matter (AIC picks p >= 1): the statistic agrees to 1e-9 relative.
    rng = np.random.default_rng(35)
    y, x = cointegrated_pair(rng, n=600)
    res = engle_granger(y + 0.02 * np.arange(600), x, trend=trend)
    stat, _ = adf_by_hand(res.spread)
    assert res.adf_statistic == pytest.approx(stat, rel=1e-9)
    rng = np.random.default_rng(7)
    x = 100 + np.cumsum(rng.standard_normal(800))
    u = np.zeros(800)
    e = rng.standard_normal(800) * 0.5
    for t in range(2, 800):
        u[t] = 1.2 * u[t - 1] - 0.3 * u[t - 2] + e[t]
    res = engle_granger(2.0 + 1.5 * x + u, x, trend=trend)
    stat, lag = adf_by_hand(res.spread)
    assert lag >= 1 and res.adf_statistic == pytest.approx(stat, rel=1e-9)


def test_engle_granger_size_on_independent_random_walks():
    rng = np.random.default_rng(32)
    n_pairs = 200
    rejects = sum(
        engle_granger(np.cumsum(rng.standard_normal(500)), np.cumsum(rng.standard_normal(500))).cointegrated
        for _ in range(n_pairs)
    )
    se = math.sqrt(0.05 * 0.95 / n_pairs)
    assert abs(rejects / n_pairs - 0.05) < 3 * se, rejects


def test_half_life_of_random_walk_is_infinite_or_long():
    rw = np.cumsum(np.random.default_rng(33).standard_normal(3000))
    assert half_life(rw) > 50


def test_bad_inputs():
    with pytest.raises(InvalidParameters, match="y and x must have one length of at least 30"):
        engle_granger(np.ones(10), np.arange(10.0))
    with pytest.raises(InvalidParameters, match="x is constant"):
        engle_granger(np.arange(50.0), np.ones(50))
    with pytest.raises(InvalidParameters, match="trend must be one of"):
        engle_granger(np.arange(50.0), np.arange(50.0) ** 1.5, trend="linear")
    with pytest.raises(InvalidParameters, match="spread needs at least 10 observations"):
        half_life(np.ones(5))
