"""kernels/covariance/reference.py: every estimator runs unchanged under array_api_strict and gives the
numbers it gives on numpy."""

import array_api_strict as xps
import numpy as np
import pytest

from quantforge.kernels.covariance.core import Target
from quantforge.kernels.covariance.reference import (
    correlation_xp,
    ewma_xp,
    higham_xp,
    ledoit_wolf_xp,
    newton_xp,
    sample_covariance_xp,
)


def _returns():
    rng = np.random.default_rng(11)
    mix = rng.standard_normal((5, 5))
    return (rng.standard_normal((2, 40, 5)) @ mix) * 0.01


def _close(strict, ref, rtol=1e-12):
    np.testing.assert_allclose(np.asarray(strict), ref, rtol=rtol, atol=1e-15)


def test_sample_covariance_and_correlation_under_array_api_strict():
    x = _returns()
    cov = sample_covariance_xp(np, x, 1)
    _close(sample_covariance_xp(xps, xps.asarray(x), 1), cov)
    _close(correlation_xp(xps, xps.asarray(cov)), correlation_xp(np, cov))
    np.testing.assert_allclose(cov[0], np.cov(x[0], rowvar=False), rtol=1e-13)


@pytest.mark.parametrize("target", list(Target))
def test_ledoit_wolf_under_array_api_strict(target):
    x = _returns()
    cov, shrink = ledoit_wolf_xp(np, x, target)
    cov_s, shrink_s = ledoit_wolf_xp(xps, xps.asarray(x), target)
    _close(cov_s, cov)
    _close(shrink_s, shrink)


def test_ewma_under_array_api_strict():
    x = _returns()
    for demean in (False, True):
        _close(
            ewma_xp(xps, xps.asarray(x), 0.06, False, demean, True, True),
            ewma_xp(np, x, 0.06, False, demean, True, True),
        )


def test_nearest_correlation_methods_under_array_api_strict():
    a = np.array([[1.0, 0.9, 0.7], [0.9, 1.0, -0.4], [0.7, -0.4, 1.0]])
    y, k, ok = higham_xp(np, a[None], np.ones((1, 3)), 1e-10, 1000)
    y_s, k_s, ok_s = higham_xp(xps, xps.asarray(a[None]), xps.asarray(np.ones((1, 3))), 1e-10, 1000)
    assert ok and ok_s and k == k_s
    _close(y_s, y, rtol=1e-10)
    x, _, ok = newton_xp(np, a, np.ones(3), 1e-12, 50)
    x_s, _, ok_s = newton_xp(xps, xps.asarray(a), xps.asarray(np.ones(3)), 1e-12, 50)
    assert ok and ok_s
    _close(x_s, x, rtol=1e-10)
