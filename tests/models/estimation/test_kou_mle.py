"""models/estimation/kou_mle.py recovers known parameters from simulated jump-diffusion increments
within four of its own standard errors (fixed seed)."""

import numpy as np
import pytest

from quantforge.errors import ConvergenceFailure, InvalidParameters
from quantforge.models.estimation.kou_mle import fit_kou


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
    with pytest.raises(TypeError, match="does not support item assignment"):
        fit.stderr["sigma"] = 0.0
    with pytest.raises(TypeError, match="max_iter must be an integer"):
        fit_kou(x, 1 / 1000, max_iter=2.5)


def test_kou_mle_needs_jumps_on_both_sides():
    with pytest.raises(InvalidParameters, match="increments beyond 4 standard deviations"):
        fit_kou(np.random.default_rng(0).standard_normal(1000) * 0.01, 1.0)
