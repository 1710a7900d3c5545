"""Shared data of the estimation tests."""

import numpy as np
import pytest


def _pair(rng, n=2000, beta=1.5, phi=0.9):
    """A cointegrated pair: x a random walk, y = 2 + beta x + u with u an AR(1) of coefficient phi."""
    x = 100 + np.cumsum(rng.standard_normal(n))
    u = np.zeros(n)
    e = rng.standard_normal(n) * 0.5
    for t in range(1, n):
        u[t] = phi * u[t - 1] + e[t]
    return 2.0 + beta * x + u, x


@pytest.fixture
def cointegrated_pair():
    """``make(rng, n=2000, beta=1.5, phi=0.9) -> (y, x)``, see :func:`_pair`."""
    return _pair
