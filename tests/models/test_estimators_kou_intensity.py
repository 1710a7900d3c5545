"""models/kou_mle.py and models/fill_intensity.py recover known parameters from simulated data
within a stated number of their own standard errors (fixed seeds)."""

import numpy as np
import pytest

from quantforge.errors import ConvergenceFailure, InvalidParameters
from quantforge.models.fill_intensity import calibrate_from_fills, calibrate_from_trade_depths
from quantforge.models.kou_mle import fit_kou


def _simulate_kou(rng, n, dt, m, sigma, lam, p, eta_up, eta_down):
    x = m * dt + sigma * np.sqrt(dt) * rng.standard_normal(n)
    counts = rng.poisson(lam * dt, n)
    for i in np.flatnonzero(counts):
        for _ in range(counts[i]):
            x[i] += rng.exponential(1 / eta_up) if rng.random() < p else -rng.exponential(1 / eta_down)
    return x


def test_kou_mle_recovers_parameters():
    truth = dict(m=0.05, sigma=0.2, lam=20.0, p=0.4, eta_up=50.0, eta_down=30.0)
    dt = 1 / 1000
    x = _simulate_kou(np.random.default_rng(11), 40000, dt, **truth)
    fit = fit_kou(x, dt)
    for name, value in truth.items():
        est, se = getattr(fit, name), fit.stderr[name]
        assert abs(est - value) < 4 * se, (name, est, value, se)
    assert fit.stderr["sigma"] < 0.01 and "Kou" in fit.summary()


def test_kou_mle_refuses_an_optimiser_that_did_not_converge_and_its_result_is_read_only():
    truth = dict(m=0.05, sigma=0.2, lam=20.0, p=0.4, eta_up=50.0, eta_down=30.0)
    x = _simulate_kou(np.random.default_rng(14), 5000, 1 / 1000, **truth)
    with pytest.raises(ConvergenceFailure, match="did not converge after"):
        fit_kou(x, 1 / 1000, max_iter=2)
    fit = fit_kou(x, 1 / 1000)
    with pytest.raises(TypeError):
        fit.stderr["sigma"] = 0.0
    with pytest.raises(TypeError):
        fit_kou(x, 1 / 1000, max_iter=2.5)


def test_kou_mle_needs_jumps_on_both_sides():
    with pytest.raises(InvalidParameters):
        fit_kou(np.random.default_rng(0).standard_normal(1000) * 0.01, 1.0)


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
    with pytest.raises(InvalidParameters):
        calibrate_from_fills([1.0, 1.0], [3, 2], [1.0, 1.0])
    with pytest.raises(InvalidParameters):
        calibrate_from_fills([1.0, 2.0], [3, 2], [1.0, 0.0])
    with pytest.raises(InvalidParameters):
        calibrate_from_trade_depths([-1.0] * 20, 1.0)
