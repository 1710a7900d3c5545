"""models/estimation/jump_clustering.py: the Hawkes likelihood against a direct evaluation, branching-ratio
recovery and power on simulated Hawkes jumps, and the null distribution of the Monte Carlo p-value
on Poisson jumps (uniform, so its size is right at every level)."""

import math

import numpy as np
import pytest
from scipy.stats import chi2

from quantforge.errors import InvalidParameters
from quantforge.models.estimation.jump_clustering import hawkes_log_likelihood, jump_clustering_test


def _hawkes(rng, mu, alpha, beta, horizon):
    """Ogata thinning: the intensity only decays between events, so its value now bounds it until the next event."""
    t, out, excite = 0.0, [], 0.0
    while True:
        bound = mu + excite
        w = rng.exponential(1 / bound)
        t += w
        if t > horizon:
            return np.array(out)
        excite *= math.exp(-beta * w)
        if rng.random() * bound <= mu + excite:
            out.append(t)
            excite += alpha * beta


def test_log_likelihood_matches_direct_sum():
    times = np.array([0.3, 1.0, 1.1, 2.5, 4.0])
    mu, alpha, beta, horizon = 0.7, 0.4, 1.3, 5.0
    lam = [mu + alpha * beta * sum(math.exp(-beta * (t - s)) for s in times if s < t) for t in times]
    comp = mu * horizon + alpha * sum(1 - math.exp(-beta * (horizon - s)) for s in times)
    assert hawkes_log_likelihood(times, horizon, mu, alpha, beta) == pytest.approx(
        sum(map(math.log, lam)) - comp, rel=1e-12
    )


def test_clustered_jumps_are_detected_and_branching_ratio_recovered():
    rng = np.random.default_rng(41)
    fits = [jump_clustering_test(_hawkes(rng, 0.5, 0.5, 2.0, 400.0), 400.0) for _ in range(10)]
    assert all(f.clustered for f in fits)
    ratios = np.array([f.branching_ratio for f in fits])
    # 10 fits of ~400 events each: the mean branching ratio has a standard error of ~0.02
    assert abs(ratios.mean() - 0.5) < 0.08, ratios


def test_monte_carlo_p_value_is_uniform_on_poisson_jumps():
    # Under the null the tie-broken Monte Carlo p-value with B = 19 is uniform on {1..20}/20.  All 40
    # p-values enter a chi-square test of uniformity over four bins of five values (10 expected per
    # bin) at the 0.1% level: a test that never rejects (p in the last bin) gives chi2 = 120.
    rng = np.random.default_rng(42)
    n_sets, level = 40, 0.1
    p = np.array(
        [
            jump_clustering_test(np.sort(rng.uniform(0, 50, 25)), 50.0, n_bootstrap=19, seed=7, stream=i).p_value
            for i in range(n_sets)
        ]
    )
    ranks = np.rint(p * 20).astype(int)
    np.testing.assert_allclose(p * 20, ranks, atol=1e-9)
    counts = np.bincount((ranks - 1) // 5, minlength=4)
    stat = float(((counts - n_sets / 4) ** 2 / (n_sets / 4)).sum())
    assert stat < chi2.ppf(0.999, 3), counts
    rate = (p <= level).mean()  # P(p <= 0.1) = 0.1 exactly under the null
    assert abs(rate - level) < 3 * math.sqrt(level * (1 - level) / n_sets), rate


def test_bad_inputs():
    with pytest.raises(InvalidParameters, match="times needs at least 10 events, got 5"):
        jump_clustering_test(np.arange(5.0), 10.0)
    with pytest.raises(InvalidParameters, match=r"times must lie in \[0, horizon = 10.0\]"):
        jump_clustering_test(np.linspace(0, 20, 30), 10.0)
