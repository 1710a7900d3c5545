"""Batched simulation of a market maker quoting from a depth table (Avellaneda & Stoikov 2008, section 4).

:mod:`.api` holds the public function (validation, dispatch, the fast-path registrations),
:mod:`.core` the per-path core and draw layout, :mod:`.reference` the reference, and :mod:`.numba`,
:mod:`.jax`, :mod:`.cuda` the fast paths.
"""

from .api import MarketMakingPaths, simulate_market_making

__all__ = ["MarketMakingPaths", "simulate_market_making"]
