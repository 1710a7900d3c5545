"""The VaR backtest report on real data: the S&P 500 daily series shipped with ``arch`` (offline).

Daily log-returns of the S&P 500 (adjusted close, 1999-01-04 to 2018-12-31) are forecast one day
ahead at 99% by historical, filtered historical (GARCH(1,1)), parametric (RiskMetrics EWMA normal)
and Cornish–Fisher VaR over a 500-day window, and each forecast series is backtested
(:mod:`quantforge.risk.backtest`).  The report is a JSON file, a Markdown table and a PNG of the
returns against each VaR with the exceptions marked.  ``quantforge risk --demo`` writes it.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np

from ..errors import HardwareError
from .backtest import FORECAST_METHODS, VarBacktest, backtest_var, rolling_var

__all__ = ["sp500_returns", "sp500_backtest_report"]

_LABELS = {
    "historical": "historical simulation",
    "filtered_historical": "filtered HS (GARCH(1,1))",
    "parametric": "parametric normal (EWMA 0.94)",
    "cornish_fisher": "Cornish-Fisher (EWMA 0.94)",
}


def sp500_returns() -> tuple[np.ndarray, np.ndarray]:
    """(dates as numpy datetime64[D], daily log-returns) of the S&P 500 adjusted close shipped with ``arch``.

    Raises
    ------
    HardwareError
        If ``arch`` is not installed (``pip install quantforge[risk]``).
    """
    try:
        data = importlib.import_module("arch.data.sp500").load()
    except ImportError as exc:
        raise HardwareError(
            f"arch is needed for the S&P 500 data but cannot be imported ({exc}); install quantforge[risk]"
        ) from None
    close = data["Adj Close"].to_numpy(dtype=np.float64)
    dates = data.index.to_numpy().astype("datetime64[D]")
    return dates[1:], np.diff(np.log(close))


def _table(results: list[VarBacktest]) -> str:
    lines = [
        "| method | days | exceptions | expected | Kupiec p | independence p | conditional coverage p | "
        "last 250 days | 250-day blocks (green/yellow/red) |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for b in results:
        z = b.zone_counts
        lines.append(
            f"| {_LABELS.get(b.method, b.method)} | {b.n_days} | {b.n_exceptions} | {b.expected:.1f} | "
            f"{b.kupiec_p:.3g} | {b.independence_p:.3g} | {b.coverage_p:.3g} | {b.zone} | "
            f"{z['green']}/{z['yellow']}/{z['red']} |"
        )
    return "\n".join(lines)


def _plot(path: Path, dates: np.ndarray, returns: np.ndarray, forecasts: dict, results: list[VarBacktest]) -> None:
    import matplotlib

    matplotlib.use("Agg")  # a file, never a window
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(results), 1, figsize=(11, 2.6 * len(results)), sharex=True)
    for ax, b in zip(np.atleast_1d(axes), results):
        ax.plot(dates, returns, lw=0.4, color="0.55", label="daily log-return")
        ax.plot(dates, -forecasts[b.method], lw=0.8, color="tab:blue", label="-VaR 99%")
        ax.scatter(
            dates[b.exceptions],
            returns[b.exceptions],
            s=9,
            color="tab:red",
            zorder=3,
            label=f"exceptions ({b.n_exceptions}; expected {b.expected:.0f})",
        )
        ax.set_title(
            f"{_LABELS.get(b.method, b.method)}: Kupiec p {b.kupiec_p:.3g}, Christoffersen cc p {b.coverage_p:.3g}",
            fontsize=9,
        )
        ax.legend(loc="lower left", fontsize=7, ncol=3)
        ax.set_ylabel("return")
    fig.suptitle("S&P 500, one-day 99% VaR backtests (arch's sp500 data)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def sp500_backtest_report(
    out: str | Path,
    *,
    window: int = 500,
    confidence: float = 0.99,
    methods: tuple[str, ...] = FORECAST_METHODS,
    backend: str | None = None,
) -> list[VarBacktest]:
    """Backtest one-day VaR on the S&P 500 and write ``out/report.json``, ``out/report.md``, ``out/var_backtest.png``.

    Parameters
    ----------
    out : path
        Output folder (created).
    window : int, default 500
        Rolling window of the forecasts (days).
    confidence : float, default 0.99
        The Basel traffic light is defined at 99%.
    methods : tuple of str
        Any of ``historical``, ``filtered_historical``, ``parametric``, ``cornish_fisher``.
    backend : str, optional
        Backend of the tail statistics and the EWMA recursion.

    Returns
    -------
    list of VarBacktest
        One per method, in order.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    dates, r = sp500_returns()
    forecasts = {m: rolling_var(r, m, confidence, window=window, backend=backend) for m in methods}
    days, realised = dates[window:], r[window:]
    results = [backtest_var(realised, forecasts[m], confidence, method=m) for m in methods]
    payload = {
        "data": "S&P 500 adjusted close, arch.data.sp500",
        "first_day": str(days[0]),
        "last_day": str(days[-1]),
        "window": window,
        "confidence": confidence,
        "results": [{k: v for k, v in vars(b).items() if k != "exceptions"} for b in results],
    }
    (out / "report.json").write_text(json.dumps(payload, indent=2) + "\n")
    (out / "report.md").write_text(
        f"# One-day {100 * confidence:g}% VaR backtests, S&P 500 {days[0]} to {days[-1]}\n\n"
        f"Rolling window {window} days; exceptions are days whose loss exceeds the "
        "forecast made the day before.\n\n" + _table(results) + "\n"
    )
    _plot(out / "var_backtest.png", days, realised, forecasts, results)
    return results
