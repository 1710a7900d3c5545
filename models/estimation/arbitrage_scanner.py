"""Statistical-arbitrage scanner: find cointegrated pairs among many price series and signal when
their spread is stretched.

Every pair ``(i, j)`` is tested by Engle–Granger (:func:`quantforge.models.estimation.cointegration.engle_granger`,
``y = series i``, ``x = series j``); the p-values of the ``m (m - 1) / 2`` tests are adjusted by Holm's
step-down procedure so that the chance of any false pair is at most ``level`` (Holm 1979).  For a
retained pair the spread ``u_t = y_t - alpha - beta x_t`` is standardised by its sample mean and
standard deviation, ``z = (u_T - mean u) / sd u``; ``|z| >= entry_z`` gives a signal: *short the spread*
(sell ``y``, buy ``beta`` of ``x``) when ``z > 0``, *long the spread* when ``z < 0``.  The expected
reversion time is the spread's half-life.

References
----------
E. Gatev, W. N. Goetzmann, K. G. Rouwenhorst (2006), "Pairs trading: performance of a relative-value
arbitrage rule", Rev. Financial Studies 19(3):797–827.
S. Holm (1979), "A simple sequentially rejective multiple test procedure", Scand. J. Statist. 6(2):65–70.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._typing import ArrayLike
from ...errors import InvalidParameters, check_all_finite, check_array, check_in_range, check_positive
from .cointegration import engle_granger

__all__ = ["PairSignal", "scan_pairs"]


@dataclass(frozen=True)
class PairSignal:
    """One cointegrated pair and its current signal."""

    y: int
    x: int
    hedge_ratio: float
    p_value: float
    adjusted_p_value: float
    z_score: float
    half_life: float
    action: str  # "short spread", "long spread" or "hold"

    def summary(self) -> str:
        return (
            f"pair ({self.y}, {self.x}): beta {self.hedge_ratio:.4g}, p {self.p_value:.2g} (Holm {self.adjusted_p_value:.2g}), "
            f"z {self.z_score:+.2f}, half-life {self.half_life:.3g} -> {self.action}"
        )


def scan_pairs(prices: ArrayLike, *, level: float = 0.05, entry_z: float = 2.0) -> list[PairSignal]:
    """Scan the columns of ``prices`` (shape (n_obs, m)) for cointegrated pairs; strongest first.

    Returns the pairs whose Holm-adjusted Engle–Granger p-value is below ``level``.
    """
    lvl = check_in_range("level", level, 0.0, 1.0, low_open=True, high_open=True)
    entry = check_positive("entry_z", entry_z)
    p = check_all_finite("prices", check_array("prices", prices, dtype=np.float64, cast=True))
    if p.ndim != 2 or p.shape[1] < 2:
        raise InvalidParameters(f"prices must have shape (n_obs, m >= 2), got {p.shape}")
    tests = []
    m = p.shape[1]
    for i in range(m):
        for j in range(i + 1, m):
            tests.append((i, j, engle_granger(p[:, i], p[:, j], level=lvl)))
    order = np.argsort([t[2].p_value for t in tests])
    n_tests = len(tests)
    adjusted = np.empty(n_tests)
    running = 0.0
    for rank, idx in enumerate(order):
        running = max(running, min(1.0, (n_tests - rank) * tests[idx][2].p_value))
        adjusted[idx] = running
    signals = []
    for idx in order:
        i, j, res = tests[idx]
        if adjusted[idx] >= lvl:
            continue
        u = res.spread
        z = float((u[-1] - u.mean()) / u.std(ddof=1))
        action = "hold" if abs(z) < entry else ("short spread" if z > 0 else "long spread")
        signals.append(PairSignal(i, j, res.hedge_ratio, res.p_value, float(adjusted[idx]), z, res.half_life, action))
    return signals
