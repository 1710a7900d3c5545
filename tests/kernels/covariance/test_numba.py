"""kernels/covariance/numba.py: the parallel EWMA recursion equals the reference, for every convention,
batch member and row block (sizes that do not divide the block)."""

import numpy as np
import pytest

from quantforge.kernels.covariance.numba import ewma
from quantforge.kernels.covariance.reference import ewma_xp


@pytest.mark.parametrize("n", [1, 7, 19])
@pytest.mark.parametrize("options", [(False, False, True), (True, True, False), (False, True, True)])
def test_numba_ewma_equals_the_reference(n, options):
    adjust, demean, bias = options
    x = np.random.default_rng(n).standard_normal((3, 40, n))
    for path in (False, True):
        got = ewma(x, 0.06, adjust, demean, bias, path)
        want = ewma_xp(np, x, 0.06, adjust, demean, bias, path)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
