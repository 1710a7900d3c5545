"""Estimators: what the quoting models take as input, fitted from market data.

Realised and bipower variation (:mod:`.quadratic_variation`), jump tests (:mod:`.jump_detection`),
Kou jump-diffusion MLE (:mod:`.kou_mle`), two-state regimes (:mod:`.regime_hmm`), Hawkes clustering
of jump times (:mod:`.jump_clustering`), Engle–Granger cointegration (:mod:`.cointegration`) and the
pairs scan built on it (:mod:`.arbitrage_scanner`), and the fill intensity ``A exp(-k delta)``
(:mod:`.fill_intensity`).  Fitted outputs are immutable results objects with ``summary()``.

Names are imported on first use (PEP 562): importing one estimator does not import scipy.stats,
statsmodels or the numba-compiled likelihoods of the others.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> submodule
_EXPORTS = {
    "returns_from_prices": "quadratic_variation",
    "realized_variance": "quadratic_variation",
    "bipower_variation": "quadratic_variation",
    "realized_volatility": "quadratic_variation",
    "BNSJumpTest": "jump_detection",
    "bns_jump_test": "jump_detection",
    "LeeMyklandResult": "jump_detection",
    "lee_mykland_jumps": "jump_detection",
    "KouFit": "kou_mle",
    "fit_kou": "kou_mle",
    "RegimeFit": "regime_hmm",
    "fit_two_state_hmm": "regime_hmm",
    "ClusteringTest": "jump_clustering",
    "hawkes_log_likelihood": "jump_clustering",
    "jump_clustering_test": "jump_clustering",
    "CointegrationResult": "cointegration",
    "engle_granger": "cointegration",
    "half_life": "cointegration",
    "PairSignal": "arbitrage_scanner",
    "scan_pairs": "arbitrage_scanner",
    "IntensityFit": "fill_intensity",
    "calibrate_from_fills": "fill_intensity",
    "calibrate_from_trade_depths": "fill_intensity",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
