"""kernels/covariance/core.py: the plain-Python EWMA recursion (uncompiled) gives the reference's weights
and vectors, and its rank-one updates reproduce a direct weighted sum."""

import numpy as np
import pytest

from quantforge.kernels.covariance.core import ewma_coefficients
from quantforge.kernels.covariance.reference import ewma_vectors_xp, ewma_weights


def _coefficients(x, alpha, adjust, demean, bias):
    n_obs, n = x.shape
    v, a, c, f = np.empty((n_obs, n)), np.empty(n_obs), np.empty(n_obs), np.empty(n_obs)
    ewma_coefficients(x, alpha, adjust, demean, bias, v, a, c, f)
    return v, a, c, f


@pytest.mark.parametrize("adjust", [True, False])
@pytest.mark.parametrize("demean", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_core_equals_the_reference_weights_and_vectors(adjust, demean, bias):
    x = np.random.default_rng(3).standard_normal((30, 4))
    v, a, c, f = _coefficients(x, 0.1, adjust, demean, bias)
    a_ref, c_ref, f_ref = ewma_weights(30, 0.1, adjust, demean, bias)
    np.testing.assert_allclose(a, a_ref, rtol=1e-15)
    np.testing.assert_allclose(c, c_ref, rtol=1e-15)
    np.testing.assert_allclose(f[1:], f_ref[1:], rtol=1e-14)
    assert np.isnan(f[0]) == np.isnan(f_ref[0]) == (not bias)
    np.testing.assert_allclose(v, ewma_vectors_xp(np, x[None], a_ref, demean)[0], rtol=1e-13, atol=1e-15)


def test_zero_mean_adjusted_recursion_is_the_normalised_weighted_sum():
    """With adjust, S_T = sum_i w_i x x' / sum_i w_i, w_i = (1 - alpha)^(T - i): the definition, summed directly."""
    x = np.random.default_rng(4).standard_normal((25, 3))
    v, a, c, f = _coefficients(x, 0.2, True, False, True)
    s = np.zeros((3, 3))
    for t in range(25):
        s = a[t] * s + c[t] * np.outer(v[t], v[t])
    w = 0.8 ** np.arange(24, -1, -1)
    np.testing.assert_allclose(f[-1] * s, (x.T * w) @ x / w.sum(), rtol=1e-13)
