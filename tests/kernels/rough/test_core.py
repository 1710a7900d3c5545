"""kernels/rough/core.py: the fGn autocovariance's limits, the Volterra covariance against quadrature
and its Brownian limit at H = 1/2."""

import math

import numpy as np
import pytest
from scipy import integrate

from quantforge.kernels.rough.core import fgn_autocovariance, volterra_covariance


def test_autocovariance_limits():
    # H = 1/2 is white noise; sum of gamma over |k| < n is n^{2H} (the variance of B_n)
    np.testing.assert_allclose(fgn_autocovariance(0.5, 5), [1, 0, 0, 0, 0], atol=1e-15)
    g = fgn_autocovariance(0.2, 50)
    n = 50
    var_bn = n * g[0] + 2 * sum((n - k) * g[k] for k in range(1, n))
    assert var_bn == pytest.approx(n**0.4, rel=1e-12)


def test_volterra_covariance_against_quadrature():
    h = 0.15
    a = h - 0.5
    times = np.array([0.3, 0.7, 1.0])
    cov = volterra_covariance(h, times)
    for i, s in enumerate(times):
        for j, t in enumerate(times):
            lo, hi = min(s, t), max(s, t)
            f = lambda u: 2 * h * (hi - u) ** a * (lo - u) ** a  # noqa: E731
            want = integrate.quad(f, 0.0, lo, limit=200)[0]
            assert cov[i, j] == pytest.approx(want, rel=1e-6)
            want_yw = math.sqrt(2 * h) * integrate.quad(lambda u: (t - u) ** a, 0.0, min(s, t))[0]
            assert cov[j, 3 + i] == pytest.approx(want_yw, rel=1e-6)
    assert cov[2, 2] == pytest.approx(1.0 ** (2 * h), rel=1e-12)  # Var Y_t = t^{2H}


def test_volterra_covariance_at_one_half_is_brownian():
    t = np.array([0.25, 0.5, 1.0])
    m = np.minimum.outer(t, t)
    np.testing.assert_allclose(volterra_covariance(0.5, t), np.block([[m, m], [m, m]]), rtol=1e-14)
