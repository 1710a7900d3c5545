"""models/estimation/quadratic_variation.py on simulated paths with known volatility and a planted
jump: realised volatility within its standard error, bipower variation blind to the jump."""

import numpy as np
import pytest

from quantforge.errors import InvalidParameters
from quantforge.models.estimation.quadratic_variation import (
    bipower_variation,
    realized_variance,
    realized_volatility,
    returns_from_prices,
)


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


def test_bad_inputs():
    with pytest.raises(InvalidParameters, match="prices must be > 0 for log returns"):
        returns_from_prices([1.0, -1.0, 2.0])
    with pytest.raises(InvalidParameters, match="dt must be > 0"):
        realized_volatility(np.ones(5), dt=0.0)
