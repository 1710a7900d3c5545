"""Optimal execution: schedules, impact, Almgren–Chriss, executors in the engine's book, cost Monte Carlo, TCA.

Schedules (parent order -> whole-lot children over time, summing exactly to the parent by the
largest-remainder rule): :func:`twap_schedule`, :func:`vwap_schedule` (from a volume profile fitted
by :func:`fit_volume_profile`, or the U-shaped :func:`u_shaped_profile`), :func:`pov_schedule`
(a participation rate of a volume series, capped) and :func:`ac_schedule` (Almgren–Chriss
implementation shortfall, with a risk aversion or an urgency).

Almgren & Chriss (2000): :class:`AlmgrenChriss` (volatility, :class:`LinearImpact`, drift),
:func:`optimal_trajectory` (``x_k = X sinh(kappa (T - t_k)) / sinh(kappa T)`` with drift, the
discrete ``kappa``, expected cost, variance, half-life ``1 / kappa``), :func:`efficient_frontier`
(many risk aversions at once on any backend) and :func:`urgency_to_lambda`.

Executors (:class:`ScheduleExecutor`, :class:`POVExecutor`, :class:`AdaptiveExecutor`, sharing
:class:`Tactics`) run in a compiled loop that drives the engine's L3 book on the synthetic market
(:func:`simulate_execution`, :class:`SyntheticMarket`): resting children priced by the fill model
``A e^{-k delta}`` (:func:`calibrate_fill_model`), IOCs when behind, cancel/replace when ahead or
re-priced, latency, queue position, partial fills, participation and price limits, a kill switch,
and every lot accounted for (:class:`ExecutionResult`).

:func:`simulate_costs` draws the implementation shortfall of many schedules on many price paths
(GBM, Merton or Kou of the sde family, plus the impact model); :func:`transaction_costs` splits the
shortfall of executed orders into delay, timing, impact and opportunity (Perold 1988) with
slippages against arrival, interval VWAP and TWAP, participation, fill rate and spread capture
(:class:`TCAReport`: a table, ``to_frame()`` with pandas, a PNG).  :func:`run_parent_order` runs one
order by algorithm name (``quantforge execute``) and :func:`write_report` records it.

Names are imported on first use (PEP 562), so importing the package compiles nothing.
"""

from importlib import import_module

_LAZY = {
    "schedules": ("Schedule", "round_to_lots", "twap_schedule", "vwap_schedule", "pov_schedule"),
    "volume_profile": ("u_shaped_profile", "fit_volume_profile"),
    "impact": ("LinearImpact", "cost_variance"),
    "almgren_chriss": (
        "AlmgrenChriss",
        "ACSolution",
        "EfficientFrontier",
        "optimal_trajectory",
        "efficient_frontier",
        "urgency_to_lambda",
        "ac_schedule",
    ),
    "monte_carlo": ("CostDistribution", "simulate_costs"),
    "tca": ("ExecutionRecord", "TCAReport", "transaction_costs"),
    "executors": ("Tactics", "ScheduleExecutor", "POVExecutor", "AdaptiveExecutor"),
    "calibration": ("FillModel", "calibrate_fill_model"),
    "simulation": ("SyntheticMarket", "ExecutionResult", "simulate_execution"),
    "parent_order": ("ALGOS", "build_executor", "run_parent_order", "write_report"),
}
_WHERE = {name: module for module, names in _LAZY.items() for name in names}

__all__ = list(_WHERE)


def __getattr__(name):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
