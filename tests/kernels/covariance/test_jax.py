"""kernels/covariance/jax.py: the ``lax.scan`` EWMA equals the reference."""

import numpy as np
import pytest

pytest.importorskip("jax")

from quantforge.kernels.covariance.jax import ewma  # noqa: E402
from quantforge.kernels.covariance.reference import ewma_xp  # noqa: E402


@pytest.mark.parametrize("options", [(False, False, True), (True, True, False)])
def test_jax_ewma_equals_the_reference(options):
    adjust, demean, bias = options
    x = np.random.default_rng(2).standard_normal((2, 30, 6))
    for path in (False, True):
        got = np.asarray(ewma(x, 0.06, adjust, demean, bias, path))
        np.testing.assert_allclose(got, ewma_xp(np, x, 0.06, adjust, demean, bias, path), rtol=1e-12, atol=1e-15)
