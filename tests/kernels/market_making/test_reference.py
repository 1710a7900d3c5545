"""kernels/market_making/reference.py: the reference runs unchanged under array_api_strict and gives
the numbers it gives on numpy."""

import array_api_strict as xps
import numpy as np

from quantforge.kernels.market_making.reference import simulate
from quantforge.kernels.rng import Philox


def test_reference_runs_under_array_api_strict():
    rng = np.random.default_rng(6)
    bid = rng.uniform(0.1, 1.0, (10, 21))
    ask = rng.uniform(0.1, 1.0, (10, 21))
    ask[::3, 11] = np.inf
    k0, k1 = Philox(3, 1).key
    args = (-10, 0, 100.0, 0.3, 140.0, 1.5, 0.05, 7, 2, k0, k1, 1)
    want = simulate(bid, ask, *args, xp=np)
    got = simulate(xps.asarray(bid), xps.asarray(ask), *args, xp=xps)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(np.asarray(g), w)
