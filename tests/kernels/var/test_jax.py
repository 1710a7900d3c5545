"""kernels/var/jax.py: the jitted revaluation equals the reference."""

import numpy as np
import pytest
from scipy import special

pytest.importorskip("jax")

from quantforge.kernels.var import Instruments  # noqa: E402
from quantforge.kernels.var.jax import revalue  # noqa: E402
from quantforge.kernels.var.reference import revalue_xp  # noqa: E402


def test_jax_revalue_equals_the_reference():
    book = Instruments(
        [100.0, 30.0],
        factor=[0, 1, 0],
        option=[False, True, True],
        strike=[0, 32.0, 90.0],
        expiry=[0, 0.5, 1.0],
        vol=[0, 0.4, 0.2],
        call=[True, False, True],
    )
    r = np.random.default_rng(4).standard_normal((50, 2)) * 0.04
    want = revalue_xp(np, special.erfc, book.table, book.spots, r, 0.02)
    np.testing.assert_allclose(np.asarray(revalue(book.table, book.spots, r, 0.02)), want, rtol=1e-12, atol=1e-13)
