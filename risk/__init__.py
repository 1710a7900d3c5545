"""Positions and PnL, risk measures, stress tests, limits and the risk monitor.

The package is part of the layout but exports nothing yet: the pre-trade risk gate and kill switch of
the trading loop live in :mod:`quantforge.engine.loop`; portfolio risk measures are not implemented.
"""

__all__: list[str] = []
