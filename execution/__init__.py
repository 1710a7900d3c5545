"""Execution schedules and executors (TWAP, VWAP, implementation shortfall), impact models and TCA."""
