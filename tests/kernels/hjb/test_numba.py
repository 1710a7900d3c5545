"""kernels/hjb/numba.py: the compiled linear-HJB solver against the reference, on uniform grids (one
run, and one longer than a block of states), irregular grids and a single point."""

import numpy as np
import pytest

from quantforge.kernels.hjb import solve_linear_hjb

GRIDS = {
    "uniform": np.linspace(0.0, 3.0, 40),
    "uniform, longer than a block of the numba path": np.linspace(0.0, 3.0, 2500),
    "runs and irregular points": np.concatenate(
        [np.linspace(0.1, 1.0, 10), [1.05, 1.3, 1.31, 1.9], np.linspace(2.0, 4.0, 41)]
    ),
    "one point": np.array([0.7]),
}


@pytest.mark.parametrize("n", [1, 2, 5, 31])
@pytest.mark.parametrize("grid", list(GRIDS))
def test_numba_equals_numpy_reference(n, grid, random_system):
    rng = np.random.default_rng(2)
    diag, lower, upper, log_vt = random_system(rng, 7, n)
    a = solve_linear_hjb(diag, lower, upper, log_vt, GRIDS[grid], backend="numpy")
    b = solve_linear_hjb(diag, lower, upper, log_vt, GRIDS[grid], backend="numba")
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-10)
