"""One parent order, end to end: an algorithm by name, a synthetic day sized to the order, the
simulation through the engine's book, its TCA, and the files that record it (``quantforge execute``).

The day is laid out around the order: ``n_events`` synthetic L3 events over a session long enough for
a warm-up (the first 5% of the events, at least 2,000), the horizon and the finishing grace.  The
slices are about two minutes long (between 5 and 60 of them).  ``ac`` is the Almgren–Chriss schedule
of the given urgency ``kappa T``: without drift its trajectory ``sinh(kappa (T - t)) / sinh(kappa T)``
depends on ``kappa T`` alone, so the market's volatility and impact need not be estimated first;
``adaptive`` starts from the same urgency and re-plans with what it measures.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..errors import check_choice, check_in_range, check_int, check_nonnegative, check_positive
from .almgren_chriss import AlmgrenChriss, ac_schedule
from .executors import AdaptiveExecutor, Executor, POVExecutor, ScheduleExecutor, Tactics
from .impact import LinearImpact
from .schedules import check_side, twap_schedule, vwap_schedule
from .simulation import ExecutionResult, SyntheticMarket, simulate_execution

__all__ = ["ALGOS", "build_executor", "market_for", "run_parent_order", "write_report"]

ALGOS = ("twap", "vwap", "pov", "ac", "adaptive")
"""The algorithms by name."""

# kappa T of an urgency, whatever the volatility and impact: any valid parameters give the same schedule
_SHAPE_ONLY = AlmgrenChriss(sigma=1.0, impact=LinearImpact(gamma=0.0, eta=1.0))


def _slices(horizon_s: float) -> int:
    return int(min(60, max(5, round(horizon_s / 120.0))))


def build_executor(
    algo: str,
    side: str | int,
    quantity_lots: int,
    horizon_s: float,
    *,
    urgency: float = 1.0,
    rate: float = 0.1,
    tactics: Tactics | None = None,
) -> Executor:
    """The executor of algorithm ``algo`` (:data:`ALGOS`) for one parent order.

    ``urgency`` (``kappa T``) drives ``ac`` and ``adaptive``; ``rate`` is the participation of ``pov``.

    Examples
    --------
    >>> build_executor("ac", "sell", 1000, 1200.0, urgency=2.0).schedule.child_lots[:3].tolist()
    [189, 156, 130]
    """
    algo = check_choice("algo", algo, ALGOS)
    side = check_side(side)
    q = check_int("quantity_lots", quantity_lots, minimum=1)
    horizon_s = check_positive("horizon_s", horizon_s)
    urgency = check_nonnegative("urgency", urgency)
    rate = check_in_range("rate", rate, 0.0, 1.0, low_open=True, high_open=True)
    t = Tactics() if tactics is None else tactics
    n = _slices(horizon_s)
    if algo == "twap":
        return ScheduleExecutor(twap_schedule(q, horizon_s, n, side=side), t)
    if algo == "vwap":
        # the horizon is placed at the session's open: the U-shaped profile's heavy start
        return ScheduleExecutor(vwap_schedule(q, horizon_s, n, session_s=max(23_400.0, horizon_s), side=side), t)
    if algo == "ac":
        return ScheduleExecutor(ac_schedule(q, horizon_s, n, _SHAPE_ONLY, urgency=urgency, side=side), t)
    if algo == "pov":
        return POVExecutor(side, q, horizon_s, rate, n_slices=n, tactics=t)
    return AdaptiveExecutor(side, q, horizon_s, n, urgency=urgency, tactics=t)


def market_for(executor: Executor, n_events: int, seed: int) -> SyntheticMarket:
    """A synthetic day of ``n_events`` events (>= 5,000) laid out around ``executor``'s order (module notes)."""
    n_events = check_int("n_events", n_events, minimum=5_000)
    grace = executor.tactics.finish_grace_s if executor.tactics.finish else 0.0
    warm = max(2_000, n_events // 20)
    # the order starts after the warm-up's share of the session and needs the horizon, the grace and a margin
    session_s = (executor.horizon_s + grace + 1.0) / (1.0 - warm / n_events) * 1.05
    return SyntheticMarket(n_events=n_events, session_s=session_s, seed=seed, warmup_events=warm)


def run_parent_order(
    algo: str,
    side: str | int,
    quantity_lots: int,
    horizon_s: float,
    *,
    urgency: float = 1.0,
    rate: float = 0.1,
    n_events: int = 200_000,
    seed: int = 0,
    tactics: Tactics | None = None,
) -> ExecutionResult:
    """Build the executor and its day, simulate the order through the engine, and check its accounting.

    Raises
    ------
    InvalidParameters
        For a bad name or value (naming it).
    ExecutionError
        If a lot is unaccounted for (never expected; the loop checks it at every event).
    """
    ex = build_executor(algo, side, quantity_lots, horizon_s, urgency=urgency, rate=rate, tactics=tactics)
    res = simulate_execution(ex, market_for(ex, n_events, seed))
    res.check_accounting()
    return res


def _plain(value):
    """A JSON value: numpy scalars as Python numbers, NaN as None."""
    v = value.item() if isinstance(value, np.generic) else value
    return None if isinstance(v, float) and not math.isfinite(v) else v


def write_report(result: ExecutionResult, out: str | Path) -> dict[str, Path]:
    """Write ``tca.json`` (the TCA row, the order, the day, the counters), ``children.csv`` (every child
    with its fate) and ``tca.png`` into folder ``out``; returns their paths by name."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report = result.tca()
    ex, m = result.executor, result.market
    row = {name: _plain(report.table[0][name]) for name in report.table.dtype.names}
    payload = {
        "order": {
            "algo": ex.algo,
            "side": "buy" if ex.side > 0 else "sell",
            "quantity_lots": ex.quantity_lots,
            "horizon_s": ex.horizon_s,
            "n_slices": ex.n_slices,
        },
        "market": {
            "n_events": m.n_events,
            "session_s": m.session_s,
            "seed": m.seed,
            "tick_size": m.tick_size,
            "lot_size": m.lot_size,
            "warmup_events": m.warmup_events,
        },
        "fill_model": {"a_lots_per_s": result.fill_model[0], "k_per_tick": result.fill_model[1]},
        "result": {
            "filled_lots": result.filled_lots,
            "working_lots": result.working_lots,
            "remaining_lots": result.remaining_lots,
            "halt": result.halt,
            "children": result.fates(),
            "fills": int(result.fills.size),
            "events_per_s": _plain(result.events_per_s),
        },
        "tca": row,
        "counters": {k: _plain(v) for k, v in result.state.items()},
    }
    paths = {"json": out / "tca.json", "children": out / "children.csv", "png": out / "tca.png"}
    paths["json"].write_text(json.dumps(payload, indent=2, allow_nan=False) + "\n")
    c = result.children
    names = c.dtype.names
    lines = [",".join(names)] + [",".join(str(int(r[n])) for n in names) for r in c]
    paths["children"].write_text("\n".join(lines) + "\n")
    report.plot(paths["png"])
    return paths
