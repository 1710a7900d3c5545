"""models/realized_volatility.py and models/jump_detection.py on simulated paths with known volatility
and planted jumps: consistency of RV/BV, false-positive rates within binomial error of alpha, and power."""

import numpy as np
import pytest

from quantforge.errors import InvalidParameters
from quantforge.models.jump_detection import bns_jump_test, lee_mykland_jumps
from quantforge.models.realized_volatility import (
    bipower_variation,
    realized_variance,
    realized_volatility,
    returns_from_prices,
)

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


def test_realized_volatility_recovers_sigma_within_standard_errors():
    rng = np.random.default_rng(3)
    sigma, dt, n = 0.3, 1 / 23400, 23400
    logp = np.log(100.0) + np.cumsum(rng.standard_normal(n) * sigma * np.sqrt(dt))
    r = returns_from_prices(np.exp(np.concatenate([[np.log(100.0)], logp])))
    est = realized_volatility(r, dt)
    # RV/T has standard error sigma^2 sqrt(2/n); the volatility sigma/sqrt(2n)
    assert abs(est - sigma) < 4 * sigma / np.sqrt(2 * n)
    assert abs(realized_volatility(r, dt, robust=True) - sigma) < 4 * sigma * 1.3 / np.sqrt(2 * n)


def test_bipower_ignores_a_jump_that_realized_variance_counts():
    rng = np.random.default_rng(4)
    r = rng.standard_normal(20000) * 0.01
    r[777] += 0.5
    rv, bv = realized_variance(r), bipower_variation(r)
    # RV - BV = J^2 up to the diffusive noise sqrt(0.61/n) RV ~ 0.011 and the jump's leak into BV,
    # (pi/2) |J| (|r_776| + |r_778|) ~ 0.013: allow 0.05 around J^2 = 0.25.
    assert rv - bv == pytest.approx(0.25, abs=0.05)
    assert bv == pytest.approx(20000 * 1e-4, rel=0.05)


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
    with pytest.raises(InvalidParameters):
        lee_mykland_jumps(np.ones(10))
    with pytest.raises(InvalidParameters):
        bns_jump_test(np.zeros(100))
    with pytest.raises(InvalidParameters):
        returns_from_prices([1.0, -1.0, 2.0])
    with pytest.raises(InvalidParameters):
        realized_volatility(np.ones(5), dt=0.0)
    with pytest.raises(InvalidParameters):
        lee_mykland_jumps(np.random.default_rng(0).standard_normal(100), alpha=1.5)
