"""The CPU hot path: record dtypes, tick/lot conversion and (in later modules) the Numba-compiled
order book, rings, seqlock tables, surface lookup and event loop.

This package imports numpy and numba only; it never imports jax or cupy and never starts a GPU context.
"""

from .types import BUY, FILL, MARKET_STATE, ORDER, POSITION, QUOTE, SELL, Instrument

__all__ = ["BUY", "SELL", "MARKET_STATE", "ORDER", "FILL", "POSITION", "QUOTE", "Instrument"]
