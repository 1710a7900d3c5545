"""The risk monitor: position, P&L, drawdown, delta-normal VaR and limits updated per fill in compiled
code, and the full measures recomputed on a schedule outside the hot path.

Per fill (or mark) the compiled loop does O(1) work plus one O(n) column update: it books the fill
(:func:`quantforge.risk.positions.apply_fill`), moves the equity by ``q (mark - price)`` and the
instrument's exposure ``e_i = position x mark`` by ``d``, and keeps the delta-normal variance
``e' Sigma e`` current without a quadratic form: with ``s = Sigma e`` maintained,
``e' Sigma e += 2 d s_i + d^2 Sigma_ii`` and ``s += d Sigma[:, i]``.  So VaR ``z_alpha sqrt(e' Sigma e)``
(the model-building approach, Hull ch. 14), the gross and net exposure, the peak equity and the
drawdown are always current, and each limit (:mod:`.limits`) is checked after every update: a
limit that goes beyond its threshold writes one ``BREACH`` record and raises the monitor's mode to
its action; ``halt`` is final and, when the monitor is attached to an engine loop state, sets the
loop's ``killed`` word in the same call, so the engine stops quoting at its next event.

:meth:`RiskMonitor.recompute` (called on a schedule by :meth:`RiskMonitor.maybe_recompute`) resyncs
the incremental sums exactly and adds what does not fit the hot path: ES and component VaR,
historical VaR over a return history, concentration, leverage, liquidity and stress scenarios.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import ndtri

from .._typing import ArrayLike, Float64Array
from ..engine.types import FILL, Instrument
from ..errors import RiskError
from ..kernels.covariance import check_psd
from ..kernels.jit import jit
from ..kernels.var import Instruments, historical_var, parametric_var
from ..kernels.var.models import risk_array
from .limits import ACTIONS, BREACH, Action, Limit, LimitKind, breach_table, limit_records
from .measures import concentration, days_to_liquidate, leverage
from .positions import PositionBook, apply_fill
from .stress import StressScenario, hypothetical_stress

__all__ = ["Mon", "RiskMonitor"]


class Mon(enum.IntEnum):
    """Words of the monitor's float64 state vector."""

    EQUITY = 0  # realised + unrealised P&L, currency
    PEAK = 1
    DRAWDOWN = 2
    GROSS = 3  # sum |e_i|
    NET = 4  # sum e_i
    QUAD = 5  # e' Sigma e
    Z = 6  # the normal quantile of the VaR confidence
    MODE = 7  # an Action
    N_BREACH = 8  # breaches so far (records past the log's end are counted, not stored)
    N_FILLS = 9
    LAST_TS = 10
    SIZE = 11


_apply_fill = jit(apply_fill, inline=True)
_POSITION, _NOTIONAL, _CONCENTRATION, _LOSS, _DRAWDOWN, _VAR = (int(k) for k in LimitKind)
_HALT = int(Action.HALT)


@jit(inline=True, nogil=True)
def _expose(i, pos, mark, tv, expo, sig_e, cov, w):
    """Move exposure ``i`` to ``pos x mark`` and update ``Sigma e``, ``e' Sigma e``, gross and net."""
    new = pos[i] * mark[i] * tv[i]
    d = new - expo[i]
    if d != 0.0:
        w[Mon.QUAD] += 2.0 * d * sig_e[i] + d * d * cov[i, i]
        for j in range(sig_e.shape[0]):
            sig_e[j] += d * cov[j, i]
        w[Mon.GROSS] += abs(new) - abs(expo[i])
        w[Mon.NET] += d
        expo[i] = new
    if w[Mon.EQUITY] > w[Mon.PEAK]:
        w[Mon.PEAK] = w[Mon.EQUITY]
    w[Mon.DRAWDOWN] = w[Mon.PEAK] - w[Mon.EQUITY]


@jit(inline=True, nogil=True)
def _check(ts, pos, expo, w, limits, flags, breaches, kill, kill_word):
    """Check every limit; log those that just went beyond; set the mode (``halt`` is final) and the kill word."""
    mode = 0
    for k in range(limits.shape[0]):
        lim = limits[k]
        kind = lim.kind
        if kind == _POSITION:
            value = abs(pos[lim.instrument]) * 1.0
        elif kind == _NOTIONAL:
            value = w[Mon.GROSS]
        elif kind == _CONCENTRATION:
            top = 0.0
            for j in range(expo.shape[0]):
                top = max(top, abs(expo[j]))
            value = top / w[Mon.GROSS] if w[Mon.GROSS] > 0.0 else 0.0
        elif kind == _LOSS:
            value = -w[Mon.EQUITY]
        elif kind == _DRAWDOWN:
            value = w[Mon.DRAWDOWN]
        else:
            value = w[Mon.Z] * np.sqrt(max(w[Mon.QUAD], 0.0))
        if value > lim.threshold:
            if flags[k] == 0:
                n = int(w[Mon.N_BREACH])
                if n < breaches.shape[0]:
                    b = breaches[n]
                    b.ts_ns = ts
                    b.limit = k
                    b.kind = kind
                    b.instrument = lim.instrument
                    b.value = value
                    b.threshold = lim.threshold
                    b.action = lim.action
                w[Mon.N_BREACH] = n + 1
            flags[k] = 1
            mode = max(mode, lim.action)
        else:
            flags[k] = 0
    if w[Mon.MODE] == _HALT:
        mode = _HALT
    w[Mon.MODE] = mode
    if mode == _HALT and kill_word >= 0:
        kill[kill_word] = 1
    return mode


@jit(nogil=True)
def _on_fills(fills, pos, cash, cost, mark, tv, expo, sig_e, cov, w, limits, flags, breaches, kill, kill_word):
    mode = int(w[Mon.MODE])
    for k in range(fills.shape[0]):
        f = fills[k]
        i = f.instrument_id
        if mark[i] == 0:
            mark[i] = f.price_ticks  # an instrument traded before it was marked is marked at its first fill
        w[Mon.EQUITY] += f.side * f.size_lots * (mark[i] - f.price_ticks) * tv[i]
        _apply_fill(pos, cash, cost, i, f.side, f.price_ticks, f.size_lots)
        _expose(i, pos, mark, tv, expo, sig_e, cov, w)
        w[Mon.N_FILLS] += 1
        w[Mon.LAST_TS] = f.ts_ns
        mode = _check(f.ts_ns, pos, expo, w, limits, flags, breaches, kill, kill_word)
    return mode


@jit(nogil=True)
def _on_marks(ids, marks, ts, pos, mark, tv, expo, sig_e, cov, w, limits, flags, breaches, kill, kill_word):
    mode = int(w[Mon.MODE])
    for k in range(ids.shape[0]):
        i = ids[k]
        w[Mon.EQUITY] += pos[i] * (marks[k] - mark[i]) * tv[i]
        mark[i] = marks[k]
        _expose(i, pos, mark, tv, expo, sig_e, cov, w)
        w[Mon.LAST_TS] = ts
        mode = _check(ts, pos, expo, w, limits, flags, breaches, kill, kill_word)
    return mode


class RiskMonitor:
    """Real-time risk of a book of instruments, fed with engine fills and marks.

    Parameters
    ----------
    instruments : sequence of engine.types.Instrument
        Instrument ``k`` is the one with ``instrument_id == k``; each is its own risk factor.
    covariance : array_like (n, n)
        Covariance of the instruments' returns over the VaR horizon (e.g. a daily EWMA or Ledoit–Wolf
        estimate from :mod:`quantforge.kernels.covariance`); must be PSD.
    limits : sequence of Limit
    confidence : float in (0, 1), default 0.99
        Confidence of the delta-normal VaR (and of the VaR limit).
    recompute_every_s : float, default 60
        Interval of :meth:`maybe_recompute` in seconds of event time.
    max_breaches : int, default 4096
        Capacity of the breach log.
    history : array_like (T, n), optional
        Daily returns of the instruments for the scheduled historical VaR.
    adv : array_like (n,), optional
        Average daily volume (units) for the liquidity measure.
    capital : float, optional
        Capital for the leverage measure (currency).
    scenarios : sequence of StressScenario, optional
        Hypothetical shocks recomputed on the schedule.
    """

    def __init__(
        self,
        instruments: Sequence[Instrument],
        covariance: ArrayLike,
        limits: Sequence[Limit] = (),
        *,
        confidence: float = 0.99,
        recompute_every_s: float = 60.0,
        max_breaches: int = 4096,
        history: ArrayLike | None = None,
        adv: ArrayLike | None = None,
        capital: float | None = None,
        scenarios: Sequence[StressScenario] = (),
    ) -> None:
        self.book = PositionBook(instruments)
        n = len(self.book.instruments)
        cov = check_psd("covariance", risk_array("covariance", covariance))
        if cov.shape != (n, n):
            raise RiskError(f"covariance must have shape ({n}, {n}) for {n} instruments, got shape {cov.shape}")
        c = float(risk_array("confidence", confidence))
        if not 0.0 < c < 1.0:
            raise RiskError(f"confidence must lie in (0, 1), got {c!r}")
        self.covariance, self.confidence = np.ascontiguousarray(cov), c
        self.limits = tuple(limits)
        self.limit_records = limit_records(self.limits, n)
        self.recompute_every_ns = int(float(risk_array("recompute_every_s", recompute_every_s)) * 1e9)
        self.history = None if history is None else risk_array("history", history)
        if self.history is not None and (self.history.ndim != 2 or self.history.shape[1] != n):
            raise RiskError(f"history must have shape (T, {n}), got shape {self.history.shape}")
        self.adv, self.capital, self.scenarios = adv, capital, tuple(scenarios)
        self._flags = np.zeros(len(self.limit_records), np.int64)
        self._breaches = np.zeros(max(1, int(max_breaches)), BREACH)
        self._expo = np.zeros(n)
        self._sig_e = np.zeros(n)
        self._w = np.zeros(Mon.SIZE)
        self._w[Mon.Z] = float(ndtri(c))
        self._kill = np.zeros(1, np.int64)
        self._kill_word = -1
        self._last_recompute_ns: int | None = None

    def attach_kill_switch(self, words: np.ndarray, index: int) -> None:
        """Set ``words[index] = 1`` whenever the monitor is halted: pass an engine loop state's ``s`` and
        ``STATE_FIELDS.index("killed")`` (the engine then cancels its quotes and stops at its next event)."""
        if not isinstance(words, np.ndarray) or words.dtype != np.int64 or not 0 <= index < words.size:
            raise TypeError("words must be an int64 numpy array and index a position in it")
        self._kill, self._kill_word = words, int(index)
        if self.mode == "halt":
            words[index] = 1

    def _args(self) -> tuple[Any, ...]:
        b = self.book
        return (
            b.value_per_tick_lot,
            self._expo,
            self._sig_e,
            self.covariance,
            self._w,
            self.limit_records,
            self._flags,
            self._breaches,
            self._kill,
            self._kill_word,
        )

    def on_fills(self, fills: np.ndarray) -> str:
        """Book ``engine.types.FILL`` records, update every measure and check the limits after each; returns the mode."""
        if not isinstance(fills, np.ndarray) or fills.dtype != FILL:
            raise TypeError("fills must be a numpy array of engine.types.FILL records")
        ids = fills["instrument_id"]
        if ids.size and (ids.min() < 0 or ids.max() >= len(self.book.instruments)):
            raise RiskError(
                f"fills carry instrument_id {int(ids.min())}..{int(ids.max())}, outside the monitor's "
                f"0..{len(self.book.instruments) - 1}"
            )
        b = self.book
        tv, *rest = self._args()
        mode = _on_fills(fills, b.position_lots, b.cash_tick_lots, b.open_cost_tick_lots, b.mark_ticks, tv, *rest)
        return ACTIONS[mode]

    def on_marks(self, instrument_ids: ArrayLike, mark_ticks: ArrayLike, ts_ns: int) -> str:
        """Re-mark instruments (int64 ticks) at ``ts_ns``; returns the mode."""
        ids = np.atleast_1d(np.asarray(instrument_ids, dtype=np.int64))
        marks = np.atleast_1d(np.asarray(mark_ticks, dtype=np.int64))
        if ids.shape != marks.shape or (ids.size and (ids.min() < 0 or ids.max() >= len(self.book.instruments))):
            raise RiskError("instrument_ids and mark_ticks must be equal-length, with ids of the monitor's instruments")
        b = self.book
        tv, *rest = self._args()
        mode = _on_marks(ids, marks, np.int64(ts_ns), b.position_lots, b.mark_ticks, tv, *rest)
        return ACTIONS[mode]

    @property
    def mode(self) -> str:
        """``none``, ``warn``, ``reduce_only`` or ``halt``: the most severe action of the limits now beyond."""
        return ACTIONS[int(self._w[Mon.MODE])]

    @property
    def pnl(self) -> float:
        """Realised plus unrealised P&L (currency)."""
        return float(self._w[Mon.EQUITY])

    @property
    def drawdown(self) -> float:
        """Peak P&L minus P&L (currency)."""
        return float(self._w[Mon.DRAWDOWN])

    @property
    def var(self) -> float:
        """Delta-normal VaR ``z sqrt(e' Sigma e)`` of the current exposures (currency)."""
        return float(self._w[Mon.Z] * np.sqrt(max(self._w[Mon.QUAD], 0.0)))

    @property
    def exposures(self) -> Float64Array:
        """Signed market values (currency), as maintained per fill."""
        return self._expo.copy()

    @property
    def breaches(self) -> np.ndarray:
        """The ``BREACH`` records logged so far (at most the log's capacity)."""
        return self._breaches[: min(int(self._w[Mon.N_BREACH]), self._breaches.size)].copy()

    def recompute(self, ts_ns: int | None = None) -> dict[str, Any]:
        """Resync the incremental sums exactly and compute the full measures (outside the hot path)."""
        b = self.book
        self._expo[:] = b.exposures
        self._sig_e[:] = self.covariance @ self._expo
        w = self._w
        w[Mon.QUAD] = float(self._expo @ self._sig_e)
        w[Mon.GROSS], w[Mon.NET] = float(np.abs(self._expo).sum()), float(self._expo.sum())
        w[Mon.EQUITY] = float(b.total_pnl.sum())
        w[Mon.PEAK] = max(w[Mon.PEAK], w[Mon.EQUITY])
        w[Mon.DRAWDOWN] = w[Mon.PEAK] - w[Mon.EQUITY]
        dn = parametric_var(self._expo, self.covariance, self.confidence)
        share, hhi = concentration(self._expo)
        report: dict[str, Any] = {
            "ts_ns": ts_ns,
            "mode": self.mode,
            "pnl": self.pnl,
            "realised_pnl": float(b.realised_pnl.sum()),
            "unrealised_pnl": float(b.unrealised_pnl.sum()),
            "drawdown": self.drawdown,
            "gross": float(w[Mon.GROSS]),
            "net": float(w[Mon.NET]),
            "delta_normal_var": float(dn.var[0]),
            "delta_normal_es": float(dn.es[0]),
            "component_var": dn.component_var[0].tolist(),
            "largest_share": float(share),
            "hhi": float(hhi),
            "breaches": breach_table(self.breaches),
        }
        if self.capital is not None:
            report["gross_leverage"], report["net_leverage"] = (float(x) for x in leverage(self._expo, self.capital))
        if self.adv is not None:
            days, worst = days_to_liquidate(b.positions, self.adv)
            report["days_to_liquidate"], report["portfolio_days_to_liquidate"] = days.tolist(), float(worst)
        marks = b.mark_ticks * b.tick_size
        if np.all(marks > 0.0):
            book = Instruments(marks)
            if self.history is not None:
                hs = historical_var(book, b.positions, self.history, (self.confidence,))
                report["historical_var"], report["historical_es"] = float(hs.var[0]), float(hs.es[0])
            if self.scenarios:
                report["stress"] = hypothetical_stress(book, b.positions, self.scenarios).worst(len(self.scenarios))[0]
        self._last_recompute_ns = ts_ns
        return report

    def maybe_recompute(self, ts_ns: int) -> dict[str, Any] | None:
        """:meth:`recompute` when ``recompute_every_s`` has passed since the last one (event time), else None."""
        last = self._last_recompute_ns
        if last is not None and ts_ns - last < self.recompute_every_ns:
            return None
        return self.recompute(ts_ns)
