"""Execution schedules and executors (TWAP, VWAP, implementation shortfall), impact models and TCA.

The package is part of the layout but exports nothing yet: no execution algorithm is implemented.
"""

__all__: list[str] = []
