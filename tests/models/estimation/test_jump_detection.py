"""models/estimation/jump_detection.py on simulated paths with planted jumps: false-positive rates
within binomial error of alpha, power and location."""

import numpy as np
import pytest

from quantforge.errors import InvalidParameters
from quantforge.models.estimation.jump_detection import bns_jump_test, lee_mykland_jumps

P, N, SD = 1000, 500, 0.02
ALPHA = 0.05
BINOMIAL_SE = np.sqrt(ALPHA * (1 - ALPHA) / P)


@pytest.fixture(scope="module")
def paths():
    rng = np.random.default_rng(20241125)
    clean = rng.standard_normal((P, N)) * SD
    loc = rng.integers(0, N, P)
    sign = np.where(rng.random(P) < 0.5, 1.0, -1.0)
    return clean, loc, sign


def test_lee_mykland_false_positive_rate_is_alpha(paths):
    clean, _, _ = paths
    rate = lee_mykland_jumps(clean, alpha=ALPHA).jumps.any(axis=1).mean()
    assert abs(rate - ALPHA) < 3 * BINOMIAL_SE, rate


@pytest.mark.parametrize("size, power", [(6.0, 0.95), (8.0, 0.99)])
def test_lee_mykland_power_and_location(paths, size, power):
    clean, loc, sign = paths
    r = clean.copy()
    r[np.arange(P), loc] += size * SD * sign
    res = lee_mykland_jumps(r, alpha=ALPHA)
    found = res.jumps[np.arange(P), loc]
    assert found.mean() >= power, found.mean()
    others = res.jumps.sum(axis=1) - found
    assert (others > 0).mean() < ALPHA + 3 * BINOMIAL_SE


def test_bns_size_and_power(paths):
    clean, loc, sign = paths
    assert abs(bns_jump_test(clean, alpha=ALPHA).reject.mean() - ALPHA) < 3 * BINOMIAL_SE
    powers = []
    for size in (8.0, 16.0):
        r = clean.copy()
        r[np.arange(P), loc] += size * SD * sign
        powers.append(bns_jump_test(r, alpha=ALPHA).reject.mean())
    # measured: ~0.70 for one 8-sd jump among 500 returns, ~1 for 16 sd
    assert powers[0] > 0.6 and powers[1] > 0.99, powers


def test_bad_inputs():
    with pytest.raises(InvalidParameters, match="returns needs at least 20 observations"):
        lee_mykland_jumps(np.ones(10))
    with pytest.raises(InvalidParameters, match="returns are identically zero in a window"):
        bns_jump_test(np.zeros(100))
    with pytest.raises(InvalidParameters, match=r"alpha must lie in \(0.0, 1.0\), got 1.5"):
        lee_mykland_jumps(np.random.default_rng(0).standard_normal(100), alpha=1.5)
