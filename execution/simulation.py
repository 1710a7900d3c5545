"""A parent order worked by an executor through the engine's L3 book on the synthetic market.

:func:`simulate_execution` builds a day of synthetic L3 events (``engine.synthetic``), lets the book
fill during a warm-up, calibrates the fill-probability model on the warm-up (unless the tactics fix
it), starts the order at the first event after the warm-up and runs the compiled loop of
:mod:`quantforge.execution.event_loop` over the rest of the day.  The :class:`ExecutionResult` holds
every child order with its fate, every own fill, the target and the executed lots at each slice
boundary and the loop's counters, checks the accounting, and turns itself into an
:class:`~quantforge.execution.ExecutionRecord` for transaction-cost analysis.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ..engine.book import new_book_state
from ..engine.synthetic import synthetic_events
from ..engine.types import EVENT, Instrument
from ..errors import ExecutionError, InvalidParameters, check_in_range, check_int, check_nonnegative, check_positive
from .calibration import calibrate_fill_model
from .event_loop import run_execution
from .executors import Executor, executor_config
from .layouts import BIN_WORDS, CHILD, OWN_FILL, F, Fate, Halt, S, new_state
from .tca import ExecutionRecord, TCAReport, transaction_costs

__all__ = ["SyntheticMarket", "ExecutionResult", "simulate_execution", "FIRST_OID"]

FIRST_OID = 1 << 40
"""Own order ids are ``FIRST_OID + child index``; the synthetic market's ids stay far below."""

_DAY_START_NS = 34_200 * 10**9  # 09:30:00 in ns since midnight (ITCH timestamps)


@dataclass(frozen=True)
class SyntheticMarket:
    """A day of the engine's synthetic L3 market (:func:`quantforge.engine.synthetic.synthetic_events`).

    Parameters
    ----------
    n_events : int
        Events in the day, spread evenly (on average) over ``session_s``.
    session_s : float
        Length of the day (s).
    seed : int
        Seed of the order flow.
    mid_ticks : int
        Starting mid (ticks).
    tick_size, lot_size : float
        Currency per tick and shares per lot (for TCA in currency).
    move_prob : float
        Probability per event of a one-tick step of the fair price the book follows.
    warmup_events : int
        Events before the order starts (the book fills up, the estimators warm up, the fill model
        is calibrated on them).
    """

    n_events: int = 200_000
    session_s: float = 23_400.0
    seed: int = 0
    mid_ticks: int = 10_000
    tick_size: float = 0.01
    lot_size: float = 100.0
    move_prob: float = 0.002
    warmup_events: int = 5_000

    def __post_init__(self):
        check_int("n_events", self.n_events, minimum=100)
        check_positive("session_s", self.session_s)
        check_int("seed", self.seed, minimum=0)
        check_int("mid_ticks", self.mid_ticks, minimum=200)
        Instrument("synthetic", self.tick_size, self.lot_size)
        check_in_range("move_prob", self.move_prob, 0.0, 1.0)
        check_int("warmup_events", self.warmup_events, minimum=50)
        if self.warmup_events >= self.n_events:
            raise InvalidParameters(f"warmup_events must be < n_events = {self.n_events}, got {self.warmup_events}")

    @property
    def instrument(self) -> Instrument:
        return Instrument("synthetic", self.tick_size, self.lot_size)

    def events(self) -> np.ndarray:
        """The day's ``EVENT`` records (the same for the same parameters)."""
        gap = max(1, int(self.session_s * 1e9) // self.n_events)
        return synthetic_events(
            self.n_events,
            seed=self.seed,
            mid_ticks=self.mid_ticks,
            start_ns=_DAY_START_NS,
            mean_gap_ns=gap,
            move_prob=self.move_prob,
        )


@dataclass(frozen=True)
class ExecutionResult:
    """One simulated parent order: its children, fills, targets and the loop's counters.

    Attributes
    ----------
    executor : Executor
    market : SyntheticMarket
    children : CHILD array
        Every child order with its fate (:class:`~quantforge.execution.layouts.Fate`).
    fills : OWN_FILL array
        Every own fill.
    bins : int64 array (n_slices + 1, 4)
        At each slice boundary: target lots, filled lots, market volume since the start, twice the mid.
    state : dict
        The loop's counters by name (:class:`~quantforge.execution.layouts.S`, ``F``).
    start_ns, end_ns : int
        When the order started and when its horizon ended.
    fill_model : tuple of float
        ``(A, k)`` the executor priced with.
    loop_s : float
        Wall time of the compiled loop (s).
    """

    executor: Executor
    market: SyntheticMarket
    children: np.ndarray
    fills: np.ndarray
    bins: np.ndarray
    state: dict
    start_ns: int
    end_ns: int
    fill_model: tuple[float, float]
    loop_s: float

    @property
    def parent_lots(self) -> int:
        return int(self.executor.quantity_lots)

    @property
    def filled_lots(self) -> int:
        return int(self.state["filled"])

    @property
    def working_lots(self) -> int:
        """Open lots of children still live or in flight when the events ran out."""
        return int(self.state["working"])

    @property
    def remaining_lots(self) -> int:
        """Lots never sent (or sent and given back): ``parent - filled - working``."""
        return self.parent_lots - self.filled_lots - self.working_lots

    @property
    def halt(self) -> str:
        """Why the executor stopped: running, complete, horizon, kill_time or adverse_move."""
        return Halt(self.state["halt"]).name.lower()

    @property
    def events_per_s(self) -> float:
        return self.state["events"] / self.loop_s if self.loop_s > 0 else math.nan

    def fates(self) -> dict[str, int]:
        """Children by fate."""
        return {f.name.lower(): int(np.count_nonzero(self.children["fate"] == f)) for f in Fate}

    def check_accounting(self) -> None:
        """Raise ``ExecutionError`` unless every lot is accounted for: the loop saw no breach of
        ``filled + working <= parent``, the fills sum to ``filled``, each child's fills sum to its
        ``filled_lots``, and ``working`` equals the open lots of the children still live or in flight."""
        c, f = self.children, self.fills
        problems = []
        if self.state["accounting_breaks"]:
            problems.append(f"{self.state['accounting_breaks']} events broke filled + working <= parent")
        if int(f["size_lots"].sum()) != self.filled_lots:
            problems.append(f"fills sum to {int(f['size_lots'].sum())}, filled is {self.filled_lots}")
        per_child = np.bincount(f["child"], weights=f["size_lots"], minlength=c.size).astype(np.int64)
        if not np.array_equal(per_child, c["filled_lots"]):
            problems.append("the fills of some child differ from its filled_lots")
        open_children = np.isin(c["fate"], (Fate.LIVE, Fate.IN_FLIGHT))
        open_lots = int((c["size_lots"] - c["filled_lots"])[open_children].sum())
        if open_lots != self.working_lots:
            problems.append(f"open children hold {open_lots} lots, working is {self.working_lots}")
        if np.any(c["filled_lots"] > c["size_lots"]):
            problems.append("a child filled more than its size")
        if self.filled_lots + self.working_lots + self.remaining_lots != self.parent_lots or self.remaining_lots < 0:
            problems.append("filled + working + remaining != parent")
        if problems:
            raise ExecutionError("accounting: " + "; ".join(problems))

    @cached_property
    def record(self) -> ExecutionRecord:
        """The order as TCA sees it, in currency and shares."""
        tick, lot = self.market.tick_size, self.market.lot_size
        st = self.state
        decision = 0.5 * st["decision_mid2"] * tick
        arrival = 0.5 * st["arrival_mid2"] * tick if st["arrival_mid2"] > 0 else decision
        stopped = st["halt"] != Halt.RUNNING
        end = 0.5 * (st["end_mid2"] if stopped else st["last_mid2"]) * tick
        f = self.fills
        vol = st["mkt_vol"]
        twap_t = st["twap_t"]
        halt_ns = st["halt_ns"] if stopped else self.end_ns
        times = np.asarray(self.executor.times_s, dtype=np.float64)
        return ExecutionRecord(
            self.executor.side,
            self.parent_lots * lot,
            decision,
            arrival,
            end,
            f["price_ticks"] * tick,
            f["size_lots"] * lot,
            0.5 * f["mid2_before"] * tick,
            f["spread_before"] * tick,
            f["liquidity"] == 0,
            interval_vwap=st["vwap_pq"] / vol * tick if vol > 0 else math.nan,
            interval_twap=st["twap_acc"] / twap_t * tick if twap_t > 0 else math.nan,
            market_volume=vol * lot,
            duration_s=max(0.0, (halt_ns - self.start_ns) * 1e-9),
            name=self.executor.algo,
            fill_time_s=(f["ts_ns"] - self.start_ns) * 1e-9,
            schedule_times_s=times,
            schedule_cum=self.bins[:, 0] * lot,
            executed_cum=self.bins[:, 1] * lot,
        )

    def tca(self) -> TCAReport:
        """Transaction-cost analysis of this order."""
        return transaction_costs(self.record)

    def summary(self) -> str:
        fates = ", ".join(f"{k} {v}" for k, v in self.fates().items() if v)
        side = "buy" if self.executor.side > 0 else "sell"
        return (
            f"{self.executor.algo} {side} {self.parent_lots} lots over {self.executor.horizon_s:g} s: "
            f"filled {self.filled_lots}, working {self.working_lots}, remaining {self.remaining_lots} "
            f"({self.halt}); {self.children.size} children ({fates}); {self.fills.size} fills; "
            f"{self.state['events']} events at {self.events_per_s:,.0f} events/s"
        )

    def plot(self, path: str | Path) -> Path:
        """The TCA figure of this order (:meth:`TCAReport.plot`)."""
        return self.tca().plot(path)


def simulate_execution(
    executor: Executor,
    market: SyntheticMarket | None = None,
    *,
    decision_lead_s: float = 0.0,
    events: np.ndarray | None = None,
) -> ExecutionResult:
    """Work ``executor``'s parent order through the engine's book on a synthetic day.

    Parameters
    ----------
    executor : ScheduleExecutor, POVExecutor or AdaptiveExecutor
    market : SyntheticMarket, optional
        The day (default ``SyntheticMarket()``).
    decision_lead_s : float
        How long before the start the order was decided (s): the decision price is the mid then, and
        the delay cost measures the move since.
    events : EVENT array, optional
        The day's events, if already built (they must be ``market.events()``'s to match ``market``).

    Returns
    -------
    ExecutionResult

    Raises
    ------
    InvalidParameters
        When the horizon (with the finishing grace) does not fit in the day after the warm-up, or
        ``decision_lead_s`` reaches before the first event.

    Examples
    --------
    >>> from quantforge.execution import ScheduleExecutor, twap_schedule
    >>> m = SyntheticMarket(n_events=30_000, session_s=3_000.0, seed=3)
    >>> res = simulate_execution(ScheduleExecutor(twap_schedule(50, 600.0, 10)), m)
    >>> res.check_accounting(); res.filled_lots + res.working_lots + res.remaining_lots
    50
    """
    market = SyntheticMarket() if market is None else market
    if not isinstance(market, SyntheticMarket):
        raise TypeError(f"market must be a SyntheticMarket, got {type(market).__name__}")
    ev = market.events() if events is None else events
    if not isinstance(ev, np.ndarray) or ev.dtype != EVENT or ev.shape != (market.n_events,):
        raise InvalidParameters(f"events must be the market's EVENT array of {market.n_events} records")
    lead_ns = int(round(check_nonnegative("decision_lead_s", decision_lead_s) * 1e9))
    warm = market.warmup_events
    start_ns = int(ev["ts_ns"][warm])
    if start_ns - lead_ns < int(ev["ts_ns"][0]):
        raise InvalidParameters(
            f"decision_lead_s={decision_lead_s!r} reaches before the day's first event; "
            f"at most {(start_ns - int(ev['ts_ns'][0])) * 1e-9:.3f} s with this warm-up"
        )
    t = executor.tactics
    need_ns = int(round((executor.horizon_s + (t.finish_grace_s if t.finish else 0.0)) * 1e9))
    if start_ns + need_ns > int(ev["ts_ns"][-1]):
        room = (int(ev["ts_ns"][-1]) - start_ns) * 1e-9
        raise InvalidParameters(
            f"horizon_s={executor.horizon_s!r} (plus the finishing grace) does not fit in the "
            f"{room:.1f} s of the day left after the warm-up; use a longer session_s or a shorter horizon"
        )
    if t.fill_a is None:
        fm = calibrate_fill_model(ev[:warm])
        fill_a, fill_k = fm.a_lots_per_s, fm.k_per_tick
    else:
        fill_a, fill_k = t.fill_a, t.fill_k
    cfg = executor_config(
        executor, start_ns=start_ns, decision_ns=start_ns - lead_ns, first_oid=FIRST_OID, fill_a=fill_a, fill_k=fill_k
    )
    sched_ns = np.round(np.asarray(executor.times_s) * 1e9).astype(np.int64)
    plan_cum = executor.targets()
    si, sf, pend = new_state()
    children = np.zeros(1024, CHILD)
    fills = np.zeros(4096, OWN_FILL)
    bins = np.zeros((executor.n_slices + 1, BIN_WORDS), np.int64)
    status = np.zeros(ev.shape[0], np.int64)
    bk = new_book_state(capacity=1 << 14, window=1 << 14)
    i = 0
    t0 = time.perf_counter()
    while i < ev.shape[0]:
        i, code = run_execution(
            bk, ev, i, ev.shape[0], cfg, sched_ns, plan_cum, si, sf, pend, children, fills, bins, status
        )
        if code:  # a log could overflow: grow it and go on from the same event
            if si[S.N_CHILDREN] + 8 > children.shape[0]:
                children = np.concatenate([children, np.zeros(children.shape[0], CHILD)])
            if si[S.N_FILLS] + 512 > fills.shape[0]:
                fills = np.concatenate([fills, np.zeros(fills.shape[0], OWN_FILL)])
    loop_s = time.perf_counter() - t0
    state = {name.lower(): int(si[k]) for name, k in S.__members__.items() if name != "SIZE"}
    state.update({name.lower(): float(sf[k]) for name, k in F.__members__.items() if name != "SIZE"})
    return ExecutionResult(
        executor,
        market,
        children[: si[S.N_CHILDREN]].copy(),
        fills[: si[S.N_FILLS]].copy(),
        bins,
        state,
        start_ns,
        int(cfg["end_ns"][0]),
        (float(fill_a), float(fill_k)),
        loop_s,
    )
