"""kernels/market_making/core.py: the per-path core, run as plain Python (the source both compiled
fast paths are built from), against the reference that steps all paths together."""

import numpy as np

from quantforge.kernels.market_making.core import path_scalar
from quantforge.kernels.market_making.reference import simulate
from quantforge.kernels.rng import Philox


def test_plain_python_core_equals_the_reference():
    rng = np.random.default_rng(4)
    bid = rng.uniform(0.1, 1.0, (8, 17))
    ask = rng.uniform(0.1, 1.0, (8, 17))
    bid[3, 9] = np.inf
    k0, k1 = Philox(5, 2).key
    n = 6
    outs = [
        np.empty(n, dtype) for dtype in (np.float64, np.int64, np.float64, np.int64, np.int64, np.float64, np.int64)
    ]
    for i in range(n):
        path_scalar(i, bid, ask, -8, 0, 100.0, 0.3, 140.0, 1.5, 0.05, 4, np.uint64(k0), np.uint64(k1), 2, *outs)
    ref = simulate(bid, ask, -8, 0, 100.0, 0.3, 140.0, 1.5, 0.05, n, 4, k0, k1, 2, xp=np)
    for got, want in zip(outs, ref):
        np.testing.assert_allclose(got, want, rtol=1e-12)
