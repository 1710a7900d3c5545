"""Executors: how a parent order becomes child orders on a live book.

An executor is a specification (these frozen dataclasses) that the compiled loop of
:mod:`quantforge.execution.event_loop` carries out event by event inside the engine's L3 book
(:func:`quantforge.execution.simulate_execution`):

* :class:`ScheduleExecutor` works a fixed :class:`~quantforge.execution.Schedule` (TWAP, VWAP,
  Almgren–Chriss): each slice's lots rest as one limit order, what a slice missed is crossed at the
  next slice's start;
* :class:`POVExecutor` keeps its fills at a rate of the market's realised volume;
* :class:`AdaptiveExecutor` re-solves Almgren–Chriss at every slice start for the lots and time left,
  with the volatility, spread and depth it has measured, and trades faster when the order is in the
  money (Almgren & Lorenz 2007).

:class:`Tactics` holds what they share: latency, how the resting child is priced (a fixed depth, or
the fill-probability model ``A e^{-k delta}``), tolerances, the largest child, the participation cap,
the price limit and the kill switch.

References
----------
Almgren, R. & Lorenz, J. (2007). Adaptive arrival price. Algorithmic Trading III, Institutional
Investor Journals, 59–66.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._typing import Int64Array
from ..errors import InvalidParameters, check_choice, check_in_range, check_int, check_nonnegative, check_positive
from .layouts import EXEC_CONFIG, NO_LIMIT, Algo, Depth
from .schedules import Schedule, check_side

__all__ = [
    "Tactics",
    "ScheduleExecutor",
    "POVExecutor",
    "AdaptiveExecutor",
    "Executor",
    "executor_config",
    "DEPTH_MODES",
]

DEPTH_MODES = ("fill_model", "fixed")


def _ns(seconds: float) -> int:
    return int(round(seconds * 1e9))


@dataclass(frozen=True)
class Tactics:
    """Order placement shared by every executor (ticks, lots and seconds).

    Parameters
    ----------
    latency_s : float
        Time for an action (new, cancel, replace) to reach the book (s, >= 0).
    depth : {"fill_model", "fixed"}
        Price of the resting child: the best expected saving over crossing when market orders trade
        ``A e^{-k delta}`` lots per second at depth ``delta`` or beyond and the child fills once the
        lots ahead of it have traded (``fill_a``, ``fill_k``), or ``depth_ticks`` behind the near touch.
    depth_ticks : int
        Fixed depth (ticks behind the near touch; 0 joins it).
    max_depth_ticks : int
        Deepest price the fill model considers (ticks behind the near touch).
    fill_a, fill_k : float, optional
        ``A`` (lots per second traded at the mid's depth) and ``k`` (per tick); None: calibrated on the
        market before the order starts (:func:`quantforge.execution.calibrate_fill_model`).
    catchup_lots, ahead_lots : int
        Tolerances: a deficit above ``catchup_lots`` is crossed, a resting child more than
        ``ahead_lots`` above its target is reduced.
    cross_ticks : int
        How far through the far touch an IOC may price (ticks; 0: the touch only).
    max_child_lots : int, optional
        Largest child order (lots).
    participation_cap : float
        Largest share of the market's volume the order may take (0 < cap <= 1; 1: no cap).
    limit_ticks : int, optional
        Price limit (buy: highest, sell: lowest price in ticks).
    kill_after_s : float, optional
        The operator's kill switch, seconds after the start.
    kill_band_ticks : int, optional
        Kill when the mid moves this many ticks against the order from its arrival.
    finish : bool
        Cross what is left at the horizon end (for up to ``finish_grace_s``); False leaves it unfilled.
    min_replace_s : float
        Least time between two reviews of the resting child's price (s).
    reprice_margin : float
        The fill model moves a live child only to a price whose expected saving beats its own by this
        fraction (>= 0): a replacement goes to the back of its new queue.
    halflife_s, sample_s : float
        Half-life of the market estimators and their sampling interval (s).
    """

    latency_s: float = 0.001
    depth: str = "fill_model"
    depth_ticks: int = 0
    max_depth_ticks: int = 5
    fill_a: float | None = None
    fill_k: float | None = None
    catchup_lots: int = 0
    ahead_lots: int = 0
    cross_ticks: int = 1
    max_child_lots: int | None = None
    participation_cap: float = 1.0
    limit_ticks: int | None = None
    kill_after_s: float | None = None
    kill_band_ticks: int | None = None
    finish: bool = True
    finish_grace_s: float = 60.0
    min_replace_s: float = 2.0
    reprice_margin: float = 0.1
    halflife_s: float = 60.0
    sample_s: float = 1.0

    def __post_init__(self):
        check_nonnegative("latency_s", self.latency_s)
        check_choice("depth", self.depth, DEPTH_MODES)
        check_int("depth_ticks", self.depth_ticks, minimum=0)
        check_int("max_depth_ticks", self.max_depth_ticks, minimum=0)
        if (self.fill_a is None) != (self.fill_k is None):
            raise InvalidParameters("give both fill_a and fill_k (the fill intensity A e^{-k delta}) or neither")
        if self.fill_a is not None:
            check_positive("fill_a", self.fill_a)
            check_positive("fill_k", self.fill_k)
        check_int("catchup_lots", self.catchup_lots, minimum=0)
        check_int("ahead_lots", self.ahead_lots, minimum=0)
        check_int("cross_ticks", self.cross_ticks, minimum=0)
        if self.max_child_lots is not None:
            check_int("max_child_lots", self.max_child_lots, minimum=1)
        check_in_range("participation_cap", self.participation_cap, 0.0, 1.0, low_open=True)
        if self.limit_ticks is not None:
            check_int("limit_ticks", self.limit_ticks, minimum=1)
        if self.kill_after_s is not None:
            check_nonnegative("kill_after_s", self.kill_after_s)
        if self.kill_band_ticks is not None:
            check_int("kill_band_ticks", self.kill_band_ticks, minimum=0)
        if not isinstance(self.finish, (bool, np.bool_)):
            raise TypeError(f"finish must be a bool, got {type(self.finish).__name__}")
        check_nonnegative("finish_grace_s", self.finish_grace_s)
        check_nonnegative("min_replace_s", self.min_replace_s)
        check_nonnegative("reprice_margin", self.reprice_margin)
        check_positive("halflife_s", self.halflife_s)
        check_positive("sample_s", self.sample_s)


def _order(side, quantity_lots, horizon_s, n_slices) -> None:
    check_side(side)
    check_int("quantity_lots", quantity_lots, minimum=1)
    check_positive("horizon_s", horizon_s)
    check_int("n_slices", n_slices, minimum=1)


def _tactics(tactics) -> None:
    if not isinstance(tactics, Tactics):
        raise TypeError(f"tactics must be a Tactics, got {type(tactics).__name__}")


@dataclass(frozen=True)
class ScheduleExecutor:
    """Works a fixed schedule (TWAP, VWAP or Almgren–Chriss).

    Examples
    --------
    >>> from quantforge.execution import twap_schedule
    >>> ex = ScheduleExecutor(twap_schedule(100, 60.0, 6, side="sell"))
    >>> ex.algo, ex.side, ex.n_slices
    ('twap', -1, 6)
    """

    schedule: Schedule
    tactics: Tactics = Tactics()

    def __post_init__(self):
        if not isinstance(self.schedule, Schedule):
            raise TypeError(f"schedule must be a Schedule, got {type(self.schedule).__name__}")
        _tactics(self.tactics)

    @property
    def algo(self) -> str:
        return self.schedule.algo

    @property
    def side(self) -> int:
        return self.schedule.side

    @property
    def quantity_lots(self) -> int:
        return self.schedule.quantity_lots

    @property
    def horizon_s(self) -> float:
        return self.schedule.horizon_s

    @property
    def n_slices(self) -> int:
        return self.schedule.n_slices

    @property
    def times_s(self) -> np.ndarray:
        return self.schedule.times_s

    def targets(self) -> Int64Array:
        """Cumulative target (lots) at each slice boundary."""
        return self.schedule.cumulative_lots.astype(np.int64)


@dataclass(frozen=True)
class POVExecutor:
    """Participates at ``rate`` of the market's realised volume (``0 < rate < 1``), up to the parent.

    The fills are kept at ``rate / (1 - rate)`` of the others' volume: a deficit is crossed, and the
    resting child holds the lots the rate allows on the volume expected over the next
    ``lookahead_s`` seconds.  ``n_slices`` sets the grid of the report.
    """

    side: int | str
    quantity_lots: int
    horizon_s: float
    rate: float
    n_slices: int = 30
    lookahead_s: float = 10.0
    tactics: Tactics = Tactics()

    def __post_init__(self):
        object.__setattr__(self, "side", check_side(self.side))
        _order(self.side, self.quantity_lots, self.horizon_s, self.n_slices)
        check_in_range("rate", self.rate, 0.0, 1.0, low_open=True, high_open=True)
        check_positive("lookahead_s", self.lookahead_s)
        _tactics(self.tactics)

    @property
    def algo(self) -> str:
        return "pov"

    @property
    def times_s(self) -> np.ndarray:
        return np.linspace(0.0, self.horizon_s, self.n_slices + 1)

    def targets(self) -> Int64Array:
        """The loop computes POV targets from the volume as it trades; none are fixed in advance."""
        return np.zeros(self.n_slices + 1, np.int64)


@dataclass(frozen=True)
class AdaptiveExecutor:
    """Re-solves Almgren–Chriss at each slice start (``urgency = kappa T`` at the start, ``aim`` >= 0 the
    strength of "aggressive in the money": ``lambda`` is scaled by ``exp(aim z)``, ``z`` the gain since
    arrival in standard deviations, clipped to [-3, 3])."""

    side: int | str
    quantity_lots: int
    horizon_s: float
    n_slices: int = 30
    urgency: float = 1.0
    aim: float = 0.5
    tactics: Tactics = Tactics()

    def __post_init__(self):
        object.__setattr__(self, "side", check_side(self.side))
        _order(self.side, self.quantity_lots, self.horizon_s, self.n_slices)
        check_nonnegative("urgency", self.urgency)
        check_nonnegative("aim", self.aim)
        _tactics(self.tactics)

    @property
    def algo(self) -> str:
        return "adaptive"

    @property
    def times_s(self) -> np.ndarray:
        return np.linspace(0.0, self.horizon_s, self.n_slices + 1)

    def targets(self) -> Int64Array:
        """Zeros: the loop writes each slice's target when it plans the slice."""
        return np.zeros(self.n_slices + 1, np.int64)


Executor = ScheduleExecutor | POVExecutor | AdaptiveExecutor

_ALGO = {ScheduleExecutor: Algo.SCHEDULE, POVExecutor: Algo.POV, AdaptiveExecutor: Algo.ADAPTIVE}


def executor_config(
    executor: Executor, *, start_ns: int, decision_ns: int, first_oid: int, fill_a: float, fill_k: float
) -> np.ndarray:
    """The one-record ``EXEC_CONFIG`` array of an executor started at ``start_ns``.

    ``fill_a`` (per second) and ``fill_k`` (per tick) are used when the tactics do not set them.
    """
    if type(executor) not in _ALGO:
        raise TypeError(
            f"executor must be a ScheduleExecutor, POVExecutor or AdaptiveExecutor, got {type(executor).__name__}"
        )
    t = executor.tactics
    cfg = np.zeros(1, EXEC_CONFIG)
    c = cfg[0]
    c["algo"] = _ALGO[type(executor)]
    c["side"] = executor.side
    c["parent_lots"] = executor.quantity_lots
    c["start_ns"] = check_int("start_ns", start_ns, minimum=0)
    c["end_ns"] = start_ns + _ns(executor.horizon_s)
    c["decision_ns"] = check_int("decision_ns", decision_ns, minimum=0)
    c["latency_ns"] = _ns(t.latency_s)
    c["first_oid"] = check_int("first_oid", first_oid, minimum=0)
    c["depth_mode"] = Depth.FILL_MODEL if t.depth == "fill_model" else Depth.FIXED
    c["depth_ticks"] = t.depth_ticks
    c["max_depth_ticks"] = t.max_depth_ticks
    c["fill_a"] = check_positive("fill_a", t.fill_a if t.fill_a is not None else fill_a)
    c["fill_k"] = check_positive("fill_k", t.fill_k if t.fill_k is not None else fill_k)
    c["catchup_lots"] = t.catchup_lots
    c["ahead_lots"] = t.ahead_lots
    c["cross_ticks"] = t.cross_ticks
    c["max_child_lots"] = executor.quantity_lots if t.max_child_lots is None else t.max_child_lots
    c["participation_cap"] = t.participation_cap
    c["pov_rate"] = executor.rate if isinstance(executor, POVExecutor) else 0.0
    c["limit_ticks"] = NO_LIMIT if t.limit_ticks is None else t.limit_ticks
    c["kill_ns"] = NO_LIMIT if t.kill_after_s is None else start_ns + _ns(t.kill_after_s)
    c["kill_band_ticks"] = NO_LIMIT if t.kill_band_ticks is None else t.kill_band_ticks
    c["finish"] = int(t.finish)
    c["finish_grace_ns"] = _ns(t.finish_grace_s)
    c["min_replace_ns"] = _ns(t.min_replace_s)
    c["reprice_margin"] = t.reprice_margin
    c["urgency"] = executor.urgency if isinstance(executor, AdaptiveExecutor) else 0.0
    c["aim"] = executor.aim if isinstance(executor, AdaptiveExecutor) else 0.0
    c["halflife_ns"] = max(1, _ns(t.halflife_s))
    c["sample_ns"] = max(1, _ns(t.sample_s))
    c["lookahead_ns"] = _ns(executor.lookahead_s) if isinstance(executor, POVExecutor) else 0
    return cfg
