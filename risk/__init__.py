"""Positions and PnL, risk measures, stress tests, limits and the risk monitor."""
