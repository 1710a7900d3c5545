"""models/estimation/fill_intensity.py recovers the intensity A exp(-k delta) from simulated fills and
from simulated trade depths within four of its own standard errors (fixed seeds)."""

import numpy as np
import pytest

from quantforge.errors import InvalidParameters
from quantforge.models.estimation.fill_intensity import calibrate_from_fills, calibrate_from_trade_depths


def test_poisson_fill_fit_recovers_a_and_k():
    rng = np.random.default_rng(12)
    a, k = 140.0, 1.5
    depths = np.repeat(np.linspace(0.1, 3.0, 30), 20)
    exposure = rng.uniform(0.5, 2.0, depths.size)
    fills = rng.poisson(a * np.exp(-k * depths) * exposure)
    fit = calibrate_from_fills(depths, fills, exposure)
    assert abs(fit.A - a) < 4 * fit.A_stderr and abs(fit.k - k) < 4 * fit.k_stderr
    assert fit.k_stderr < 0.05


def test_trade_depth_fit_recovers_a_and_k_and_loglinear_agrees():
    rng = np.random.default_rng(13)
    a, k, duration = 140.0, 1.5, 50.0
    depths = rng.exponential(1 / k, rng.poisson(a * duration))
    fit = calibrate_from_trade_depths(depths, duration)
    assert abs(fit.A - a) < 4 * fit.A_stderr and abs(fit.k - k) < 4 * fit.k_stderr
    assert fit.loglinear_k == pytest.approx(k, rel=0.1) and fit.loglinear_A == pytest.approx(a, rel=0.1)


def test_intensity_bad_inputs():
    with pytest.raises(InvalidParameters, match="at least two distinct depths"):
        calibrate_from_fills([1.0, 1.0], [3, 2], [1.0, 1.0])
    with pytest.raises(InvalidParameters, match=r"fill_counts must be >= 0 \(not all zero\) and exposure > 0"):
        calibrate_from_fills([1.0, 2.0], [3, 2], [1.0, 0.0])
    with pytest.raises(InvalidParameters, match=r"trade_depths must be >= 0 everywhere; trade_depths\[0\] = -1.0"):
        calibrate_from_trade_depths([-1.0] * 20, 1.0)
    with pytest.raises(InvalidParameters, match="trade_depths needs at least 10 depths, got 5"):
        calibrate_from_trade_depths([1.0] * 5, 1.0)
