"""Fractional Brownian motion and the rough Bergomi model, batched over paths.

:mod:`.api` holds the public functions (validation, the Philox draw layout, dispatch), :mod:`.core`
the covariances and kernels computed on the host, :mod:`.reference` the paths on any array namespace.
"""

from .api import (
    FGN_METHODS,
    RBERGOMI_METHODS,
    RoughBergomiPaths,
    RoughVolatilitySolver,
    fbm,
    fgn,
    fgn_autocovariance,
    implied_vol_smile,
    rough_bergomi,
    volterra_covariance,
)

__all__ = [
    "fgn_autocovariance",
    "fgn",
    "fbm",
    "volterra_covariance",
    "rough_bergomi",
    "RoughBergomiPaths",
    "RoughVolatilitySolver",
    "implied_vol_smile",
    "FGN_METHODS",
    "RBERGOMI_METHODS",
]
