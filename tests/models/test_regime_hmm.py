"""models/regime_hmm.py on a simulated two-state chain with known parameters."""

import numpy as np
import pytest

from quantforge.errors import InvalidParameters
from quantforge.models.regime_hmm import fit_two_state_hmm


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


def test_hmm_log_likelihood_beats_one_gaussian():
    rng = np.random.default_rng(22)
    x, _ = _simulate(rng, 3000, np.array([[0.99, 0.01], [0.02, 0.98]]), np.zeros(2), np.array([1.0, 3.0]))
    fit = fit_two_state_hmm(x)
    one = -0.5 * x.size * (np.log(2 * np.pi * x.var()) + 1)
    assert fit.log_likelihood > one + 50


def test_hmm_bad_input():
    with pytest.raises(InvalidParameters):
        fit_two_state_hmm(np.ones(10))
    with pytest.raises(InvalidParameters):
        fit_two_state_hmm(np.full(100, np.nan))
