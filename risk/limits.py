"""Risk limits, the actions their breaches trigger, the breach log, and the engine's pre-trade gate.

A :class:`Limit` bounds one measure — a position (lots, per instrument), the gross notional, the
concentration (largest share of gross exposure), the loss (negative P&L), the drawdown or the
delta-normal VaR (currency) — and names the action a breach triggers: ``warn`` (logged),
``reduce_only`` (new risk refused, reducing orders allowed) or ``halt`` (everything stops: the
engine's kill switch).  The compiled risk monitor (:mod:`.monitor`) reads limits as ``LIMIT`` records
and writes ``BREACH`` records, both aligned structured dtypes like the engine's.

The engine never imports this package: :func:`engine_limits` turns the limits that apply to one
instrument into the numbers its pre-trade gate takes (``max_position_lots``, ``loss_limit``), and the
monitor trips the engine's kill switch through the loop state's ``killed`` word.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..engine.loop import make_config
from ..engine.types import Instrument
from ..errors import RiskError, check_choice
from ..kernels.var.models import risk_array

__all__ = [
    "Action",
    "LimitKind",
    "ACTIONS",
    "LIMIT_KINDS",
    "LIMIT",
    "BREACH",
    "Limit",
    "limit_records",
    "engine_limits",
    "breach_table",
]

ACTIONS: tuple[str, ...] = ("none", "warn", "reduce_only", "halt")
LIMIT_KINDS: tuple[str, ...] = ("position", "notional", "concentration", "loss", "drawdown", "var")


class Action(enum.IntEnum):
    """What a breach triggers, in increasing severity (index in :data:`ACTIONS`)."""

    NONE = 0
    WARN = 1
    REDUCE_ONLY = 2
    HALT = 3


class LimitKind(enum.IntEnum):
    """The measure a limit bounds (index in :data:`LIMIT_KINDS`)."""

    POSITION = 0  # |position| of one instrument, lots
    NOTIONAL = 1  # gross exposure sum |e_i|, currency
    CONCENTRATION = 2  # max |e_i| / sum |e_j|
    LOSS = 3  # -(realised + unrealised P&L), currency
    DRAWDOWN = 4  # peak P&L - P&L, currency
    VAR = 5  # delta-normal VaR, currency


LIMIT = np.dtype([("kind", "i8"), ("instrument", "i8"), ("threshold", "f8"), ("action", "i8")], align=True)
"""One limit as the compiled monitor reads it: a :class:`LimitKind`, the instrument (position limits;
-1 otherwise), the threshold and an :class:`Action`."""

BREACH = np.dtype(
    [
        ("ts_ns", "i8"),
        ("limit", "i8"),
        ("kind", "i8"),
        ("instrument", "i8"),
        ("value", "f8"),
        ("threshold", "f8"),
        ("action", "i8"),
        ("pad", "i8"),
    ],
    align=True,
)
"""One breach (64 bytes): when (ns), which limit (index in the records), its kind, instrument, the
measured value, the threshold and the action taken.  A limit logs when it goes from within to beyond."""


@dataclass(frozen=True)
class Limit:
    """A bound on one risk measure and the action its breach triggers.

    Parameters
    ----------
    kind : {"position", "notional", "concentration", "loss", "drawdown", "var"}
    threshold : float
        Lots for ``position``; a share in (0, 1] for ``concentration``; currency otherwise; > 0.
    action : {"warn", "reduce_only", "halt"}, default "warn"
    instrument : int, default -1
        The instrument of a ``position`` limit (-1: every instrument); ignored by the others.

    Examples
    --------
    >>> from quantforge.risk import Limit
    >>> Limit("loss", 50_000.0, "halt")
    Limit(kind='loss', threshold=50000.0, action='halt', instrument=-1)
    """

    kind: str
    threshold: float
    action: str = "warn"
    instrument: int = -1

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, LIMIT_KINDS)
        check_choice("action", self.action, ACTIONS[1:])
        t = float(risk_array("threshold", self.threshold))
        if t <= 0.0 or (self.kind == "concentration" and t > 1.0):
            raise RiskError(
                f"threshold of a {self.kind} limit must be {'in (0, 1]' if self.kind == 'concentration' else '> 0'}"
                f", got {t!r}"
            )
        if not isinstance(self.instrument, (int, np.integer)) or self.instrument < -1:
            raise RiskError(f"instrument must be an index >= 0, or -1 for every instrument; got {self.instrument!r}")
        object.__setattr__(self, "threshold", t)


def limit_records(limits: Sequence[Limit], n_instruments: int) -> np.ndarray:
    """The ``LIMIT`` records of ``limits``; a position limit for every instrument becomes one record each."""
    if not all(isinstance(x, Limit) for x in limits):
        raise TypeError("limits must be a sequence of Limit")
    rows = []
    for lim in limits:
        kind, action = LIMIT_KINDS.index(lim.kind), ACTIONS.index(lim.action)
        if lim.kind == "position":
            if lim.instrument >= n_instruments:
                raise RiskError(f"position limit on instrument {lim.instrument}, but there are {n_instruments}")
            targets = range(n_instruments) if lim.instrument == -1 else (lim.instrument,)
            rows += [(kind, i, lim.threshold, action) for i in targets]
        else:
            rows.append((kind, -1, lim.threshold, action))
    return np.array(rows, dtype=LIMIT)


def engine_limits(
    limits: Sequence[Limit], instrument: Instrument, instrument_id: int = 0
) -> dict[str, float | int | None]:
    """The engine pre-trade gate's settings for one instrument, read from the risk limits.

    ``max_position_lots`` is the tightest position limit on the instrument whose action stops new
    risk (``reduce_only`` or ``halt``: the gate refuses orders that would pass it); ``loss_limit`` is
    the tightest ``halt`` loss limit in currency (the engine trips its kill switch when its
    mark-to-mid P&L falls below minus it); ``None`` where no such limit exists.  Pass them to
    :func:`quantforge.engine.day.run_trading_day` or ``engine.loop.make_config``.

    Examples
    --------
    >>> from quantforge.engine.types import Instrument
    >>> from quantforge.risk import Limit, engine_limits
    >>> engine_limits([Limit("position", 40, "reduce_only"), Limit("loss", 1e4, "halt"), Limit("position", 10)],
    ...               Instrument("XYZ", 0.01, 100))
    {'max_position_lots': 40, 'loss_limit': 10000.0}
    """
    if not isinstance(instrument, Instrument):
        raise TypeError(f"instrument must be an engine.types.Instrument, got {type(instrument).__name__}")
    stops = [
        x
        for x in limits
        if x.kind == "position" and x.action in ("reduce_only", "halt") and x.instrument in (-1, instrument_id)
    ]
    halts = [x for x in limits if x.kind == "loss" and x.action == "halt"]
    return {
        "max_position_lots": int(min(x.threshold for x in stops)) if stops else None,
        "loss_limit": float(min(x.threshold for x in halts)) if halts else None,
    }


_UNBOUNDED_LOTS = 2**62  # no position limit: beyond any position an int64 book can reach
_UNBOUNDED_LOSS = 1e300  # no loss limit (the engine's day uses the same sentinel)


def engine_config(
    limits: Sequence[Limit],
    instrument: Instrument,
    *,
    horizon_end_ns: int,
    max_order_lots: int,
    band_ticks: int,
    instrument_id: int = 0,
    **loop_options: bool | int,
) -> np.ndarray:
    """The engine loop's ``LOOP_CONFIG`` record with its pre-trade gate read from the risk limits.

    The position bound and the kill switch's loss limit are :func:`engine_limits`'s (the loss
    converted from currency to the engine's tick·lots once, with the instrument's tick and lot
    sizes); the other arguments go to :func:`quantforge.engine.loop.make_config` as they are.

    Examples
    --------
    >>> from quantforge.engine.types import Instrument
    >>> from quantforge.risk import Limit, engine_config
    >>> cfg = engine_config([Limit("position", 5, "reduce_only"), Limit("loss", 250.0, "halt")],
    ...                     Instrument("XYZ", 0.01, 100), horizon_end_ns=10**12, max_order_lots=2, band_ticks=50)
    >>> int(cfg["max_position_lots"][0]), float(cfg["loss_limit"][0])  # 250 / (0.01 x 100) tick-lots
    (5, 250.0)
    """
    gate = engine_limits(limits, instrument, instrument_id)
    lots = _UNBOUNDED_LOTS if gate["max_position_lots"] is None else gate["max_position_lots"]
    loss = _UNBOUNDED_LOSS if gate["loss_limit"] is None else instrument.value_to_tick_lots(gate["loss_limit"])
    return make_config(
        tick_size=instrument.tick_size,
        horizon_end_ns=horizon_end_ns,
        max_position_lots=lots,
        max_order_lots=max_order_lots,
        band_ticks=band_ticks,
        loss_limit=loss,
        **loop_options,
    )


def breach_table(breaches: np.ndarray) -> list[dict]:
    """``BREACH`` records as dicts with the kind and action spelled out, for reports."""
    return [
        {
            "ts_ns": int(b["ts_ns"]),
            "limit": int(b["limit"]),
            "kind": LIMIT_KINDS[int(b["kind"])],
            "instrument": int(b["instrument"]),
            "value": float(b["value"]),
            "threshold": float(b["threshold"]),
            "action": ACTIONS[int(b["action"])],
        }
        for b in breaches
    ]
