"""Record layouts of the compiled execution loop: codes, the state words, the executor record, the logs.

Everything the loop of :mod:`quantforge.execution.event_loop` keeps lives in arrays laid out here, so
a session can be resumed and Python reads the results by name.  IntEnum members and plain int
globals are frozen into the compiled code as constants (a named index costs what a literal does).
"""

from __future__ import annotations

import enum

import numpy as np

from ..engine.book import NO_PRICE

__all__ = [
    "Algo",
    "Depth",
    "ChildKind",
    "Fate",
    "Reason",
    "Halt",
    "S",
    "F",
    "EXEC_CONFIG",
    "NO_LIMIT",
    "CHILD",
    "OWN_FILL",
    "BIN_WORDS",
    "PENDING_SLOTS",
    "PENDING_WORDS",
    "ACT_NEW",
    "ACT_IOC",
    "ACT_CANCEL",
    "ACT_REPLACE",
    "ACT_REDUCE",
    "new_state",
]


class Algo(enum.IntEnum):
    """Where the executor's targets come from."""

    SCHEDULE = 0  # a fixed schedule (TWAP, VWAP, Almgren–Chriss)
    POV = 1  # a participation rate of the realised volume
    ADAPTIVE = 2  # Almgren–Chriss re-solved at every slice start


class Depth(enum.IntEnum):
    """How the resting child is priced."""

    FIXED = 0  # ``depth_ticks`` behind the near touch (0: join it)
    FILL_MODEL = 1  # the best expected saving under the intensity A e^{-k delta}


class ChildKind(enum.IntEnum):
    LIMIT = 0
    IOC = 1


class Fate(enum.IntEnum):
    """What became of a child order (``CHILD.fate``)."""

    IN_FLIGHT = 0  # sent, not yet at the book
    LIVE = 1  # resting in the book
    FILLED = 2
    CANCELLED = 3  # cancelled (ahead of schedule, a better price, the horizon end, a limit pause)
    REPLACED = 4  # cancelled by a cancel/replace; its successor is the next LIMIT child
    EXPIRED = 5  # an IOC's unfilled remainder
    KILLED = 6  # cancelled, or dropped in flight, by the kill switch
    REJECTED = 7  # refused by the book


class Reason(enum.IntEnum):
    """Why a child was sent (``CHILD.reason``)."""

    SLICE = 0  # the resting child of the current slice
    CATCH_UP = 1  # an IOC for a deficit against the schedule
    FINISH = 2  # an IOC for the rest at the horizon end


class Halt(enum.IntEnum):
    """Why the executor stopped (``S.HALT``)."""

    RUNNING = 0
    COMPLETE = 1  # the parent is filled
    HORIZON = 2  # the horizon (and the finishing grace) ended with lots left
    KILL_TIME = 3  # the operator's kill switch
    ADVERSE_MOVE = 4  # the mid moved more than kill_band_ticks against the order


class S(enum.IntEnum):
    """Words of the int64 state ``si``."""

    FILLED = 0  # lots filled
    WORKING = 1  # open lots of live and in-flight children
    N_CHILDREN = 2
    N_FILLS = 3
    PASSIVE = 4  # child index of the resting child, -1 none
    PASSIVE_LAST_NS = 5  # when its price was last reviewed
    IOC_OPEN = 6  # open lots of IOCs in flight
    PEND_HEAD = 7
    PEND_COUNT = 8
    HALT = 9
    HALT_NS = 10
    STARTED = 11
    DECISION_MID2 = 12  # twice the mid (ticks) when the order was decided
    ARRIVAL_MID2 = 13  # ... when the first child reached the book
    LAST_MID2 = 14
    END_MID2 = 15  # ... when the executor stopped (values the unfilled lots)
    BEST_BID = 16
    BEST_ASK = 17
    MKT_VOL = 18  # market volume since the start (ours included), lots
    VWAP_PQ = 19  # market price x volume over the order's interval, tick-lots
    EVENTS = 20
    BOOK_REFUSED = 21
    ACCOUNTING_BREAKS = 22
    SLICE = 23  # current slice
    NEXT_BIN = 24
    LAST_SAMPLE_NS = 25
    SAMPLE_MID2 = 26
    SAMPLE_VOL = 27
    LIMIT_PAUSES = 28
    LIMIT_PAUSED = 29
    PEND_FULL = 30  # actions not sent because the in-flight queue was full
    LAST_TS = 31
    DONE_TARGET = 32
    NEXT_TARGET = 33
    ALL_VOL = 34  # market volume since the first event (for the volume rate)
    WAKE_NS = 35  # the decision runs again by this time even if nothing it reads changes
    SEEN_BID = 36  # what the last decision saw: the touch, filled and working lots, the market volume,
    SEEN_ASK = 37  # the in-flight queue and the last statistics sample; a change of any of them also
    SEEN_FILLED = 38  # runs the decision
    SEEN_WORKING = 39
    SEEN_VOL = 40
    SEEN_PEND = 41
    SEEN_SAMPLE = 42
    DECISIONS = 43  # decision steps run
    SIZE = 44


class F(enum.IntEnum):
    """Words of the float64 state ``sf``."""

    VAR_RATE = 0  # EWMA of squared mid changes per second (ticks^2 / s)
    SPREAD = 1  # EWMA of the spread (ticks)
    DEPTH = 2  # EWMA of the lots at the two touches (mean of the sides)
    VOL_RATE = 3  # EWMA of the market volume per second (lots / s)
    TWAP_ACC = 4  # integral of the mid (ticks x s) over the order's interval
    TWAP_T = 5  # its length (s)
    LAMBDA = 6  # adaptive: the risk aversion set at the start (1 / (tick x lot))
    KAPPA = 7  # adaptive: the urgency of the last plan (1 / s)
    SIZE = 8


EXEC_CONFIG = np.dtype(
    [
        ("algo", "i8"),
        ("side", "i8"),
        ("parent_lots", "i8"),
        ("start_ns", "i8"),
        ("end_ns", "i8"),
        ("decision_ns", "i8"),
        ("latency_ns", "i8"),
        ("first_oid", "i8"),
        ("depth_mode", "i8"),
        ("depth_ticks", "i8"),
        ("max_depth_ticks", "i8"),
        ("fill_a", "f8"),
        ("fill_k", "f8"),
        ("catchup_lots", "i8"),
        ("ahead_lots", "i8"),
        ("cross_ticks", "i8"),
        ("max_child_lots", "i8"),
        ("participation_cap", "f8"),
        ("pov_rate", "f8"),
        ("limit_ticks", "i8"),
        ("kill_ns", "i8"),
        ("kill_band_ticks", "i8"),
        ("finish", "i8"),
        ("finish_grace_ns", "i8"),
        ("min_replace_ns", "i8"),
        ("urgency", "f8"),
        ("aim", "f8"),
        ("halflife_ns", "i8"),
        ("sample_ns", "i8"),
        ("lookahead_ns", "i8"),
        ("reprice_margin", "f8"),
    ],
    align=True,
)
"""Executor parameters (one record; built and validated by :mod:`quantforge.execution.executors`).

Times in ns (event timestamps), prices in ticks, sizes in lots; ``fill_a`` per second, ``fill_k`` per
tick; ``limit_ticks``, ``kill_ns`` and ``kill_band_ticks`` are :data:`NO_LIMIT` when unset."""

NO_LIMIT = -1
"""Unset ``limit_ticks``, ``kill_ns`` or ``kill_band_ticks``."""

CHILD = np.dtype(
    [
        ("oid", "i8"),
        ("ts_sent", "i8"),
        ("ts_arrived", "i8"),
        ("ts_done", "i8"),
        ("price_ticks", "i8"),
        ("size_lots", "i8"),
        ("filled_lots", "i8"),
        ("kind", "i1"),
        ("fate", "i1"),
        ("reason", "i1"),
        ("side", "i1"),
        ("slice", "i4"),
    ],
    align=True,
)
"""One child order: id, when it was sent, reached the book and ended (0 while open), price, size,
lots filled, :class:`ChildKind`, :class:`Fate`, :class:`Reason`, side and the slice it belongs to."""

OWN_FILL = np.dtype(
    [
        ("ts_ns", "i8"),
        ("child", "i8"),
        ("price_ticks", "i8"),
        ("size_lots", "i8"),
        ("mid2_before", "i8"),
        ("spread_before", "i8"),
        ("liquidity", "i1"),
    ],
    align=True,
)
"""One own fill: time, child index, price, size, twice the mid and the spread (ticks) just before the
event that caused it, and MAKER (resting child) or TAKER (IOC)."""

BIN_WORDS = 4
"""``bins[b]``: target (lots) at boundary ``b`` of the slice grid, lots filled, market volume since the
start, twice the mid; written as the loop passes each boundary."""

PENDING_SLOTS = 64
PENDING_WORDS = 7  # due_ns, action, child, oid, price, size, predecessor child (replace)
ACT_NEW, ACT_IOC, ACT_CANCEL, ACT_REPLACE, ACT_REDUCE = 1, 2, 3, 4, 5


def new_state() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fresh ``(si, sf, pending)`` state arrays of an executor."""
    si = np.zeros(S.SIZE, np.int64)
    si[S.PASSIVE] = -1
    for k in (S.BEST_BID, S.BEST_ASK, S.DECISION_MID2, S.ARRIVAL_MID2, S.LAST_MID2, S.END_MID2, S.SAMPLE_MID2):
        si[k] = NO_PRICE
    si[S.LAST_SAMPLE_NS] = -1
    return si, np.zeros(F.SIZE), np.zeros((PENDING_SLOTS, PENDING_WORDS), np.int64)
