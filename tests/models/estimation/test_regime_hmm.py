"""models/estimation/regime_hmm.py on a simulated two-state chain with known parameters, and against statsmodels'
MarkovRegression (switching mean and variance) on the same data."""

import numpy as np
import pytest

from quantforge.errors import InvalidParameters
from quantforge.models.estimation.regime_hmm import fit_two_state_hmm


def _simulate(rng, n, trans, means, sds):
    s = np.empty(n, np.int64)
    s[0] = 0
    u = rng.random(n)
    for t in range(1, n):
        s[t] = s[t - 1] if u[t] < trans[s[t - 1], s[t - 1]] else 1 - s[t - 1]
    return means[s] + sds[s] * rng.standard_normal(n), s


def test_hmm_recovers_regimes():
    trans = np.array([[0.98, 0.02], [0.05, 0.95]])
    means, sds = np.array([0.05, -0.2]), np.array([0.5, 2.0])
    x, s = _simulate(np.random.default_rng(21), 6000, trans, means, sds)
    fit = fit_two_state_hmm(x)
    # ~4300 calm and ~1700 stressed returns: the sds have standard errors ~1-2%, the stay
    # probabilities ~0.003 and ~0.006; the tolerances are about 4 of those.
    np.testing.assert_allclose(fit.sds, sds, rtol=0.08)
    np.testing.assert_allclose(np.diag(fit.transition), np.diag(trans), atol=0.025)
    np.testing.assert_allclose(fit.means, means, atol=0.2)
    assert (fit.states == s).mean() > 0.93
    np.testing.assert_allclose(fit.stationary, [5 / 7, 2 / 7], atol=0.06)
    assert "HMM" in fit.summary()


def test_hmm_matches_statsmodels_markov_regression():
    # statsmodels maximises the same likelihood by quasi-Newton with the chain started from its
    # stationary distribution; this module's EM estimates the initial distribution too.  The MLEs
    # then agree to O(1/n) and this module's maximum is at least statsmodels' (a larger model).
    from statsmodels.tsa.regime_switching.markov_regression import MarkovRegression

    trans = np.array([[0.98, 0.02], [0.05, 0.95]])
    x, _ = _simulate(np.random.default_rng(23), 3000, trans, np.array([0.05, -0.2]), np.array([0.5, 2.0]))
    fit = fit_two_state_hmm(x)
    res = MarkovRegression(x, k_regimes=2, trend="c", switching_variance=True).fit(disp=False)
    p00, p10, c0, c1, v0, v1 = np.asarray(res.params)
    order = np.argsort([v0, v1])  # label the calm regime 0, as fit_two_state_hmm does
    sm_means, sm_sds = np.array([c0, c1])[order], np.sqrt(np.array([v0, v1]))[order]
    sm_trans = np.array([[p00, 1 - p00], [p10, 1 - p10]])[np.ix_(order, order)]
    np.testing.assert_allclose(fit.means, sm_means, atol=2e-3)
    np.testing.assert_allclose(fit.sds, sm_sds, rtol=2e-3)
    np.testing.assert_allclose(fit.transition, sm_trans, atol=2e-3)
    assert res.llf - 1e-6 <= fit.log_likelihood < res.llf + 1.0


def test_hmm_log_likelihood_beats_one_gaussian():
    rng = np.random.default_rng(22)
    x, _ = _simulate(rng, 3000, np.array([[0.99, 0.01], [0.02, 0.98]]), np.zeros(2), np.array([1.0, 3.0]))
    fit = fit_two_state_hmm(x)
    one = -0.5 * x.size * (np.log(2 * np.pi * x.var()) + 1)
    assert fit.log_likelihood > one + 50


def test_hmm_bad_input():
    with pytest.raises(InvalidParameters, match="returns needs at least 50 observations"):
        fit_two_state_hmm(np.ones(10))
    with pytest.raises(InvalidParameters, match="returns must be finite everywhere"):
        fit_two_state_hmm(np.full(100, np.nan))
