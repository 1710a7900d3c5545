"""Risk: positions and P&L, risk measures, stress tests, limits, the real-time monitor and VaR backtests.

* :mod:`.positions` — :class:`PositionBook`: positions, cash, realised and unrealised P&L from engine
  fills (lots and ticks in, currency out, converted once per instrument).
* :mod:`.measures` — drawdown, gross/net leverage, concentration (largest share, HHI), days to
  liquidate at a participation of ADV.  VaR and ES are the kernels of :mod:`quantforge.kernels.var`
  (historical, filtered historical, parametric, Cornish–Fisher, Monte Carlo with full revaluation),
  re-exported here; covariances come from :mod:`quantforge.kernels.covariance`.
* :mod:`.stress` — historical scenarios replayed, hypothetical factor and volatility shocks,
  stressed covariances (volatilities scaled, correlations moved or overridden and repaired).
* :mod:`.limits` — limits on position, notional, concentration, loss, drawdown and VaR with their
  actions (warn, reduce-only, halt), the breach log, the engine pre-trade gate's settings.
* :mod:`.monitor` — :class:`RiskMonitor`: position, P&L, drawdown, delta-normal VaR and the limits
  updated per fill in compiled code (O(1) plus one O(n) column), full measures on a schedule; a halt
  trips an attached engine's kill switch.
* :mod:`.volatility`, :mod:`.backtest`, :mod:`.report` — GARCH(1,1) by ``arch``, rolling VaR
  forecasts with Kupiec, Christoffersen and Basel traffic-light backtests, and the S&P 500 report of
  ``quantforge risk --demo``.
"""

from ..kernels.var import (
    Instruments,
    RiskEstimate,
    empirical_var,
    filtered_historical_var,
    historical_var,
    monte_carlo_var,
    parametric_var,
    portfolio_pnl,
)
from .backtest import (
    FORECAST_METHODS,
    VarBacktest,
    backtest_var,
    christoffersen,
    kupiec_pof,
    rolling_var,
    traffic_light,
)
from .limits import (
    ACTIONS,
    BREACH,
    LIMIT,
    LIMIT_KINDS,
    Action,
    Limit,
    LimitKind,
    breach_table,
    engine_config,
    engine_limits,
    limit_records,
)
from .measures import concentration, days_to_liquidate, drawdown, leverage
from .monitor import RiskMonitor
from .positions import PositionBook
from .report import sp500_backtest_report, sp500_returns
from .stress import StressResult, StressScenario, historical_stress, hypothetical_stress, stressed_covariance
from .volatility import GarchFit, fit_garch, garch_filter, rolling_garch_volatility

__all__ = [
    "Instruments",
    "RiskEstimate",
    "empirical_var",
    "historical_var",
    "filtered_historical_var",
    "parametric_var",
    "monte_carlo_var",
    "portfolio_pnl",
    "PositionBook",
    "drawdown",
    "leverage",
    "concentration",
    "days_to_liquidate",
    "StressScenario",
    "StressResult",
    "hypothetical_stress",
    "historical_stress",
    "stressed_covariance",
    "Action",
    "LimitKind",
    "ACTIONS",
    "LIMIT_KINDS",
    "LIMIT",
    "BREACH",
    "Limit",
    "limit_records",
    "engine_limits",
    "engine_config",
    "breach_table",
    "RiskMonitor",
    "GarchFit",
    "fit_garch",
    "garch_filter",
    "rolling_garch_volatility",
    "FORECAST_METHODS",
    "VarBacktest",
    "backtest_var",
    "christoffersen",
    "kupiec_pof",
    "rolling_var",
    "traffic_light",
    "sp500_backtest_report",
    "sp500_returns",
]
