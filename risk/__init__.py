"""Risk: value at risk and its backtests, GARCH volatility for filtered historical simulation.

The VaR/ES kernels themselves (historical, filtered historical, parametric, Cornish–Fisher, Monte
Carlo with full revaluation) live in :mod:`quantforge.kernels.var` and the covariance estimators in
:mod:`quantforge.kernels.covariance`; this package applies them: :mod:`.volatility` (GARCH(1,1)
by ``arch``), :mod:`.backtest` (rolling forecasts; Kupiec, Christoffersen, the Basel traffic
light) and :mod:`.report` (the S&P 500 backtest report of ``quantforge risk --demo``).
"""

from .backtest import (
    FORECAST_METHODS,
    VarBacktest,
    backtest_var,
    christoffersen,
    kupiec_pof,
    rolling_var,
    traffic_light,
)
from .report import sp500_backtest_report, sp500_returns
from .volatility import GarchFit, fit_garch, garch_filter, rolling_garch_volatility

__all__ = [
    "FORECAST_METHODS",
    "VarBacktest",
    "backtest_var",
    "christoffersen",
    "kupiec_pof",
    "rolling_var",
    "traffic_light",
    "sp500_backtest_report",
    "sp500_returns",
    "GarchFit",
    "fit_garch",
    "garch_filter",
    "rolling_garch_volatility",
]
