"""kernels/var/api.py against independent references: the delta-normal formula sqrt(w' Sigma w) z, the
lognormal closed forms of a linear position's VaR and ES (within stated Monte Carlo standard errors),
a full sort of historical P&L, the calibration of the standard errors over seeds; invariance to the
backend and the chunk size; Euler allocations that add up; named errors."""

import math

import numpy as np
import pytest
from scipy import stats

from quantforge.errors import MatrixError, RiskError
from quantforge.kernels.var import (
    Instruments,
    empirical_var,
    filtered_historical_var,
    historical_var,
    monte_carlo_var,
    parametric_var,
    portfolio_pnl,
)

N_SE = 4  # a fixed seed's estimate lies within 4 standard errors of the truth (a 6e-5 two-sided event)


def test_parametric_two_asset_var_is_sqrt_w_sigma_w_times_z():
    w = np.array([[1e6, -4e5], [2e5, 3e5]])
    sigma = np.array([[0.02**2, 0.3 * 0.02 * 0.015], [0.3 * 0.02 * 0.015, 0.015**2]])
    est = parametric_var(w, sigma, (0.95, 0.99))
    for p in range(2):
        sd = math.sqrt(w[p] @ sigma @ w[p])
        np.testing.assert_allclose(est.var[p], sd * stats.norm.ppf([0.95, 0.99]), rtol=1e-12)
        np.testing.assert_allclose(
            est.es[p], sd * stats.norm.pdf(stats.norm.ppf([0.95, 0.99])) / [0.05, 0.01], rtol=1e-12
        )
    np.testing.assert_allclose(est.component_var.sum(axis=-1), est.var, rtol=1e-12)
    np.testing.assert_allclose(est.component_es.sum(axis=-1), est.es, rtol=1e-12)
    # marginal VaR is the derivative: a finite difference of the closed form
    h = 1.0
    bumped = parametric_var(w[0] + [h, 0.0], sigma, 0.99).var[0]
    assert (bumped - est.var[0, 1]) / h == pytest.approx(est.marginal_var[0, 1, 0], rel=1e-5)


def test_cornish_fisher_reduces_to_normal_and_fattens_the_tail():
    sigma = np.array([[1e-4]])
    normal = parametric_var([1e6], sigma, 0.99)
    cf0 = parametric_var([1e6], sigma, 0.99, skewness=0.0, excess_kurtosis=0.0)
    cf = parametric_var([1e6], sigma, 0.99, skewness=-0.5, excess_kurtosis=3.0)
    np.testing.assert_allclose(cf0.var, normal.var, rtol=1e-14)
    assert cf.method == "cornish_fisher" and cf.var[0] > normal.var[0] and cf.es[0] > cf.var[0]


def _lognormal_tail(spot, mu, sd, alpha):
    """VaR and ES of the loss S (1 - e^r), r ~ N(mu, sd^2): closed forms."""
    q = mu + sd * stats.norm.ppf(1 - alpha)  # the return quantile behind the loss quantile
    var = spot * (1 - math.exp(q))
    tail_mean_growth = math.exp(mu + sd * sd / 2) * stats.norm.cdf((q - mu - sd * sd) / sd) / (1 - alpha)
    return var, spot * (1 - tail_mean_growth)


def test_monte_carlo_linear_position_matches_the_lognormal_closed_forms(backend):
    sd, mu = 0.03, 0.001
    est = monte_carlo_var(
        Instruments([80.0]),
        [[10.0]],
        [[sd * sd]],
        (0.95, 0.99),
        mean=[mu],
        n_scenarios=100_000,
        seed=7,
        backend=backend,
    )
    for j, a in enumerate((0.95, 0.99)):
        var, es = _lognormal_tail(800.0, mu, sd, a)
        assert abs(est.var[0, j] - var) < N_SE * est.var_se[0, j]
        assert abs(est.es[0, j] - es) < N_SE * est.es_se[0, j]


def test_standard_errors_are_calibrated_over_seeds():
    """The spread of VaR and ES over 40 seeds matches the reported standard errors (normal P&L)."""
    pnl = np.stack([stats.norm.rvs(size=20_000, random_state=s) for s in range(40)])
    est = empirical_var(pnl, 0.99, backend="numpy")
    for name in ("var", "es"):
        spread = est.__getattribute__(name)[:, 0].std(ddof=1)
        reported = np.mean(getattr(est, f"{name}_se")[:, 0])
        assert 0.6 < spread / reported < 1.6, (name, spread, reported)
    truth_var, truth_es = stats.norm.ppf(0.99), stats.norm.pdf(stats.norm.ppf(0.99)) / 0.01
    assert abs(est.var[:, 0].mean() - truth_var) < 3 * est.var_se[:, 0].mean() / math.sqrt(40)
    assert abs(est.es[:, 0].mean() - truth_es) < 3 * est.es_se[:, 0].mean() / math.sqrt(40)


def _book():
    rng = np.random.default_rng(0)
    spots = rng.uniform(30, 150, 4)
    return Instruments(
        spots,
        factor=[0, 1, 2, 3, 0, 2],
        option=[False] * 4 + [True, True],
        strike=[0, 0, 0, 0, spots[0], spots[2] * 0.9],
        expiry=[0, 0, 0, 0, 0.5, 0.25],
        vol=[0, 0, 0, 0, 0.3, 0.25],
        rate=0.01,
        call=[True] * 5 + [False],
        multiplier=[1, 1, 1, 1, 10, 10],
    )


def _cov(n=4):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((n, n))
    c = np.corrcoef(a @ a.T + n * np.eye(n))
    vol = rng.uniform(0.01, 0.02, n)
    return c * np.outer(vol, vol)


def test_monte_carlo_depends_on_the_seed_only(backend):
    q = np.array([[5.0, -3.0, 2.0, 1.0, 4.0, -6.0], [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]])
    ref = monte_carlo_var(
        _book(), q, _cov(), (0.9, 0.99), n_scenarios=5000, seed=3, horizon_years=1 / 252, backend="numpy"
    )
    got = monte_carlo_var(
        _book(), q, _cov(), (0.9, 0.99), n_scenarios=5000, seed=3, horizon_years=1 / 252, chunk=777, backend=backend
    )
    np.testing.assert_allclose(got.var, ref.var, rtol=1e-10)
    np.testing.assert_allclose(got.es, ref.es, rtol=1e-10)


def test_historical_var_is_the_order_statistic_of_revalued_history(backend):
    rng = np.random.default_rng(5)
    returns = rng.standard_t(5, (500, 4)) * 0.01
    q = np.array([5.0, -3.0, 2.0, 1.0, 4.0, -6.0])
    est = historical_var(_book(), q, returns, (0.95, 0.99), components=True, backend=backend)
    pnl = portfolio_pnl(_book(), q, returns, backend="numpy")
    losses = np.sort(-pnl)
    for j, a in enumerate((0.95, 0.99)):
        assert est.var[j] == pytest.approx(losses[math.ceil(500 * a) - 1], rel=1e-12)
    np.testing.assert_allclose(est.component_es.sum(axis=-1), est.es, rtol=1e-10)
    np.testing.assert_allclose(est.component_var.sum(axis=-1), est.var, rtol=1e-10)
    np.testing.assert_allclose(est.component_var, q * est.marginal_var, rtol=1e-12)


def test_filtered_historical_simulation_rescales_each_day():
    rng = np.random.default_rng(6)
    r = rng.standard_normal((300, 4)) * 0.01
    vol = rng.uniform(0.005, 0.02, (300, 4))
    fc = np.array([0.01, 0.02, 0.015, 0.01])
    q = np.array([1.0, 2.0, 3.0, 4.0, 0.0, 0.0])
    fhs = filtered_historical_var(_book(), q, r, vol, fc, 0.99)
    hs = historical_var(_book(), q, r * fc / vol, 0.99)
    np.testing.assert_allclose(fhs.var, hs.var, rtol=1e-14)
    assert fhs.method == "filtered_historical"


def test_monte_carlo_components_add_up():
    q = np.array([5.0, -3.0, 2.0, 1.0, 4.0, -6.0])
    est = monte_carlo_var(_book(), q, _cov(), 0.99, n_scenarios=20_000, components=True, seed=2, backend="numba")
    np.testing.assert_allclose(est.component_es.sum(axis=-1), est.es, rtol=1e-10)
    np.testing.assert_allclose(est.component_var.sum(axis=-1), est.var, rtol=1e-10)


def test_bad_inputs_are_refused_with_the_parameter_named():
    book = _book()
    q = np.ones(6)
    returns = np.zeros((10, 4))
    with pytest.raises(RiskError, match=r"confidence must lie in \(0, 1\), got 1.0"):
        historical_var(book, q, returns, (0.95, 1.0))
    with pytest.raises(RiskError, match=r"factor_returns must be finite everywhere; factor_returns\[\(3, 1\)\] = nan"):
        returns_nan = returns.copy()
        returns_nan[3, 1] = np.nan
        historical_var(book, q, returns_nan)
    with pytest.raises(RiskError, match=r"factor_returns must have shape \(n_scenarios, 4\)"):
        historical_var(book, q, np.zeros((10, 3)))
    with pytest.raises(RiskError, match=r"positions must have shape \(6,\)"):
        historical_var(book, np.ones(5), returns)
    with pytest.raises(RiskError, match=r"positions must be >= 0 \(long_only=True\); positions\[\(1,\)\] = -2.0"):
        historical_var(book, [1.0, -2.0, 0, 0, 0, 0], returns, long_only=True)
    with pytest.raises(MatrixError, match="covariance is not positive semi-definite"):
        monte_carlo_var(book, q, -np.eye(4), n_scenarios=100)
    with pytest.raises(MatrixError, match="covariance is not positive semi-definite"):
        parametric_var(np.ones(2), [[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(RiskError, match=r"covariance must have shape \(2, 2\)"):
        parametric_var(np.ones(2), np.eye(3))
    with pytest.raises(RiskError, match="horizon_years must be shorter than every option's expiry"):
        monte_carlo_var(book, q, _cov(), horizon_years=1.0, n_scenarios=100)
    with pytest.raises(RiskError, match="skewness and excess_kurtosis go together"):
        parametric_var(np.ones(1), np.eye(1), skewness=0.1)
