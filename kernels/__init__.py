"""Batched array kernels: backends, the Philox random stream and the numerical workhorses.

This package knows nothing of orders, strategies or risk; it turns arrays into arrays on the
numpy (reference), numba, jax or cupy backend.  Each kernel family is a subpackage
(``rng``, ``sde``, ``rough``, ``options``, ``hjb``, ``market_making``, ``hawkes``, ``covariance``, ``var``)
holding one reference
implementation, a core of shared scalar code and parameter layouts, and one module per fast path;
:mod:`.backend` resolves backend names and holds the fast-path registry, :mod:`.jit` the compile
options.  Names are imported on first use, so ``import quantforge.kernels`` is cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BACKENDS": "backend",
    "available_backends": "backend",
    "resolve_backend": "backend",
    "get_backend": "backend",
    "Philox": "rng",
    "philox4x32": "rng",
    "bs_price": "options",
    "bs_greeks": "options",
    "implied_vol": "options",
    "GBM": "sde",
    "Merton": "sde",
    "Kou": "sde",
    "ItoProcess": "sde",
    "SimulationResult": "sde",
    "MonteCarloPrice": "sde",
    "simulate": "sde",
    "european_price": "sde",
    "solve_step": "sde",
    "solve_path": "sde",
    "fgn": "rough",
    "fbm": "rough",
    "rough_bergomi": "rough",
    "RoughVolatilitySolver": "rough",
    "solve_linear_hjb": "hjb",
    "log_v_gaps": "hjb",
    "ExponentialSide": "hjb",
    "solve_hjb_grid": "hjb",
    "solve_quadratic_riccati": "hjb",
    "simulate_market_making": "market_making",
    "MarketMakingPaths": "market_making",
    "HawkesProcess": "hawkes",
    "ExponentialKernel": "hawkes",
    "SumExponentialKernel": "hawkes",
    "PowerLawKernel": "hawkes",
    "HawkesPaths": "hawkes",
    "sample_covariance": "covariance",
    "sample_correlation": "covariance",
    "ewma_covariance": "covariance",
    "ledoit_wolf": "covariance",
    "nearest_correlation": "covariance",
    "cholesky": "covariance",
    "Instruments": "var",
    "RiskEstimate": "var",
    "portfolio_pnl": "var",
    "historical_var": "var",
    "filtered_historical_var": "var",
    "parametric_var": "var",
    "monte_carlo_var": "var",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
