"""The random tridiagonal systems that the tests of the linear HJB solver share."""

import numpy as np
import pytest


def _random_system(rng, n_sets, n):
    q = np.arange(n) - n // 2
    diag = rng.uniform(0.05, 1.0, (n_sets, 1)) * q**2 + rng.normal(size=(n_sets, 1)) * q
    lower = rng.uniform(0.5, 3.0, (n_sets, n))
    upper = rng.uniform(0.5, 3.0, (n_sets, n))
    log_vt = -rng.uniform(0.0, 0.2, (n_sets, 1)) * q**2
    return diag, lower, upper, log_vt


@pytest.fixture
def random_system():
    """``random_system(rng, n_sets, n) -> (diag, lower, upper, log_v_terminal)``: GLFT-like systems
    with a random quadratic-plus-linear diagonal, random rates and a quadratic terminal penalty."""
    return _random_system
