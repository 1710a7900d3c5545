"""Black–Scholes–Merton European options: vectorised prices, Greeks and implied volatility.

:mod:`.api` holds the public functions (validation, dispatch, the fast-path registrations),
:mod:`.reference` the reference implementation, :mod:`.core` the constants and the scalar formula,
and :mod:`.numba`, :mod:`.jax`, :mod:`.cuda` the fast paths, imported on first use.
"""

from .api import GREEKS, bs_greeks, bs_price, implied_vol

__all__ = ["bs_price", "bs_greeks", "implied_vol", "GREEKS"]
