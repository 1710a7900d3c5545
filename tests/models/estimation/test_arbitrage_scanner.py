"""models/estimation/arbitrage_scanner.py: the true pair among random walks, its hedge ratio and the
signal of a stretched spread."""

import numpy as np
import pytest

from quantforge.errors import InvalidParameters
from quantforge.models.estimation.arbitrage_scanner import scan_pairs


def test_scanner_keeps_the_true_pair_and_signals_a_stretched_spread(cointegrated_pair):
    rng = np.random.default_rng(34)
    y, x = cointegrated_pair(rng, n=1500)
    y[-1] += 4.0  # stretch the spread today: z ~ +3.5
    noise = 100 + np.cumsum(rng.standard_normal((1500, 2)), axis=0)
    prices = np.column_stack([x, noise[:, 0], y, noise[:, 1]])
    signals = scan_pairs(prices)
    assert [(s.y, s.x) for s in signals] == [(0, 2)]
    sig = signals[0]
    assert sig.action == "long spread" and sig.z_score < -2  # y is column 2, regressed as x: spread sign flips
    assert abs(abs(sig.hedge_ratio) - 1 / 1.5) < 0.01


def test_bad_inputs():
    with pytest.raises(InvalidParameters, match=r"prices must have shape \(n_obs, m >= 2\)"):
        scan_pairs(np.ones((100, 1)))
    with pytest.raises(InvalidParameters, match="entry_z must be > 0"):
        scan_pairs(np.ones((100, 2)), entry_z=0.0)
