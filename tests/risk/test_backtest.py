"""risk/backtest.py: Kupiec's and Christoffersen's statistics against their formulas evaluated here on
hand-made exception sequences (scipy.stats.chi2 for the p-values), the Basel zones, and forecasts that
never look ahead."""

import math

import numpy as np
import pytest
from scipy.stats import chi2

from quantforge.errors import RiskError
from quantforge.risk import backtest_var, christoffersen, kupiec_pof, rolling_var, traffic_light


def _lik(k, n, p):
    """Bernoulli log-likelihood of k successes in n at rate p, with 0 log 0 = 0."""
    return (k * math.log(p) if k else 0.0) + ((n - k) * math.log(1 - p) if n - k else 0.0)


@pytest.mark.parametrize(
    "seq",
    [
        [0] * 240 + [1] * 10,
        [1, 0, 0, 1, 1, 0, 0, 0, 1, 0] * 30,
        [0] * 100 + [1, 1, 1] + [0] * 97,
        [0] * 250,
    ],
)
def test_kupiec_and_christoffersen_match_their_formulas(seq):
    e = np.array(seq, dtype=bool)
    p = 0.01
    n, x = e.size, int(e.sum())
    lr_pof = -2 * (_lik(x, n, p) - _lik(x, n, x / n))
    lr, pval = kupiec_pof(e, p)
    assert lr == pytest.approx(lr_pof, abs=1e-10) and pval == pytest.approx(chi2.sf(lr_pof, 1), abs=1e-12)
    pairs = list(zip(seq[:-1], seq[1:]))
    n00, n01, n10, n11 = (pairs.count(t) for t in ((0, 0), (0, 1), (1, 0), (1, 1)))
    pi01 = n01 / (n00 + n01) if n00 + n01 else 0.0
    pi11 = n11 / (n10 + n11) if n10 + n11 else 0.0
    pi = (n01 + n11) / len(pairs)
    lr_ind = -2 * (_lik(n01 + n11, len(pairs), pi) - _lik(n01, n00 + n01, pi01) - _lik(n11, n10 + n11, pi11))
    got = christoffersen(e, p)
    assert got["lr_ind"] == pytest.approx(lr_ind, abs=1e-10)
    assert got["p_ind"] == pytest.approx(chi2.sf(lr_ind, 1), abs=1e-12)
    assert got["lr_cc"] == pytest.approx(lr_pof + lr_ind, abs=1e-10)
    assert got["p_cc"] == pytest.approx(chi2.sf(lr_pof + lr_ind, 2), abs=1e-12)


def test_clustered_exceptions_fail_independence_but_not_the_rate():
    spread = np.zeros(1000, bool)
    spread[::100] = True
    clustered = np.zeros(1000, bool)
    clustered[500:510] = True
    assert kupiec_pof(spread, 0.01)[1] == kupiec_pof(clustered, 0.01)[1] == pytest.approx(1.0)
    assert christoffersen(clustered, 0.01)["p_ind"] < 1e-6 < christoffersen(spread, 0.01)["p_ind"]


def test_traffic_light_and_backtest_verdict():
    assert [traffic_light(k) for k in (0, 4, 5, 9, 10, 250)] == ["green", "green", "yellow", "yellow", "red", "red"]
    r = np.full(500, 0.001)
    r[[10, 20, 30, 300, 310, 320, 330, 340, 350]] = -0.05
    b = backtest_var(r, np.full(500, 0.02), 0.99, method="flat")
    assert b.n_exceptions == 9 and b.zone == "yellow" and b.zone_counts == {"green": 1, "yellow": 1, "red": 0}
    assert "9 exceptions in 500 days" in b.summary()
    with pytest.raises(RiskError, match=r"confidence must lie in \(0, 1\), got 1.5"):
        backtest_var(r, np.full(500, 0.02), 1.5)
    with pytest.raises(RiskError, match="returns and var must have one equal length"):
        backtest_var(r, np.full(499, 0.02))
    with pytest.raises(RiskError, match=r"returns must be finite everywhere; returns\[\(3,\)\] = nan"):
        backtest_var(np.where(np.arange(500) == 3, np.nan, r), np.full(500, 0.02))


@pytest.mark.parametrize("method", ["historical", "parametric", "cornish_fisher"])
def test_rolling_forecasts_never_look_ahead(method):
    r = np.random.default_rng(1).standard_t(4, 400) * 0.01
    base = rolling_var(r, method, window=100)
    changed = r.copy()
    changed[250:] *= 5.0
    moved = rolling_var(changed, method, window=100)
    np.testing.assert_array_equal(base[: 250 - 100 + 1], moved[: 250 - 100 + 1])  # forecasts up to day 250
    assert not np.array_equal(base[200:], moved[200:])


def test_rolling_historical_var_is_the_window_quantile():
    r = np.random.default_rng(2).standard_normal(300)
    got = rolling_var(r, "historical", 0.95, window=100)
    for i in (0, 57, 199):
        losses = np.sort(-r[i : i + 100])
        assert got[i] == losses[math.ceil(95) - 1]
