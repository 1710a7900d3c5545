"""Transaction-cost analysis: implementation shortfall and its parts, slippage against benchmarks, and
how the order traded, per parent order and aggregated.

Implementation shortfall (Perold 1988) compares the order with a paper portfolio that traded all
``X`` shares at the decision price ``P_d``.  With ``s = +1`` for a buy and ``-1`` for a sell, fills
``q_i`` at ``P_i`` (``Q = sum q_i``, ``U = X - Q`` unfilled), the mid ``M_i`` just before each fill,
the arrival mid ``P_0`` (when the first child reached the market) and the mid ``P_end`` when the order
stopped,

    IS          = s (sum_i q_i P_i + U P_end - X P_d) + fees
    delay       = s X (P_0 - P_d)                 the wait between decision and arrival
    timing      = s sum_i q_i (M_i - P_0)         the market's drift while the order worked
    impact      = s sum_i q_i (P_i - M_i)         paid over the mid at each fill (spread, depth walked;
                                                   negative when resting orders earned the spread)
    opportunity = s U (P_end - P_0)               the move on the shares never traded

and ``IS = delay + timing + impact + opportunity + fees`` exactly (the tests check it to 1e-12 of the
order's value).  Delay and opportunity follow Perold; the split of his execution cost into the
market's timing and the order's own impact is Kissell's (2013, ch. 3).  Costs are in currency
(positive: a cost) and in basis points of the decision value ``X P_d``.

Slippage of the average fill price against the arrival mid, the interval VWAP and the interval TWAP
of the mid (bps, positive: worse than the benchmark), participation (filled over the market's volume
in the interval), fill rate, the share filled passively, and spread capture
``sum_i q_i s (M_i - P_i) / sum_i q_i spread_i / 2`` (+1: every fill earned the half spread at the
touch, -1: every fill paid it).

References
----------
Perold, A. F. (1988). The implementation shortfall: paper versus reality. J. Portfolio Mgmt 14(3):4–9.
Kissell, R. (2013). The Science of Algorithmic Trading and Portfolio Management. Academic Press, ch. 3.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._typing import ArrayLike, BoolArray, Float64Array
from ..errors import InvalidParameters, check_all_finite, check_array, check_nonnegative, check_positive
from .frames import to_frame
from .schedules import check_side

__all__ = ["ExecutionRecord", "TCAReport", "transaction_costs", "TCA_TABLE", "COMPONENTS"]

COMPONENTS = ("delay", "timing", "impact", "opportunity", "fees")
"""The parts of implementation shortfall, in the order they add up to it."""

TCA_TABLE = np.dtype(
    [
        ("order", "U32"),
        ("side", "i1"),
        ("quantity", "f8"),
        ("filled", "f8"),
        ("fill_rate", "f8"),
        ("avg_price", "f8"),
        ("decision_price", "f8"),
        ("arrival_price", "f8"),
        ("end_price", "f8"),
        ("shortfall", "f8"),
        *((c, "f8") for c in COMPONENTS),
        ("shortfall_bps", "f8"),
        *((f"{c}_bps", "f8") for c in COMPONENTS),
        ("slippage_arrival_bps", "f8"),
        ("slippage_vwap_bps", "f8"),
        ("slippage_twap_bps", "f8"),
        ("participation", "f8"),
        ("maker_share", "f8"),
        ("spread_capture", "f8"),
        ("duration_s", "f8"),
    ]
)
"""One row per parent order and a last row ``ALL`` aggregating them (currency sums, bps of the summed
decision values, volume-weighted ratios)."""


def _vector(name: str, value: ArrayLike, n: int | None) -> Float64Array:
    a = check_all_finite(name, check_array(name, value, dtype=np.float64, cast=True))
    if a.ndim != 1 or (n is not None and a.size != n):
        raise InvalidParameters(
            f"{name} must be a 1-D array{'' if n is None else f' of {n} fills'}, got shape {a.shape}"
        )
    return a


@dataclass(frozen=True)
class ExecutionRecord:
    """What TCA needs about one parent order: the order, its fills and the market around it.

    Parameters
    ----------
    side : {"buy", "sell", +1, -1}
    quantity : float
        Shares of the parent, > 0.
    decision_price, arrival_price, end_price : float
        Mid when the order was decided, when its first child reached the market, and when it stopped.
    fill_price, fill_qty, fill_mid, fill_spread : float arrays (n,)
        Each fill's price and shares (> 0), and the mid and quoted spread just before it.
    fill_maker : bool array (n,)
        True for fills of resting (passive) orders.
    interval_vwap, interval_twap : float
        The market's VWAP and the time-weighted mid over the order's interval (NaN: unknown).
    market_volume : float
        Shares the market traded in the interval, the order's own included (>= 0).
    duration_s : float
        Length of the interval (s).
    fees : float
        Commissions and fees (currency), >= 0.
    name : str
    fill_time_s : float array (n,), optional
        Seconds after the start of each fill (for the plot).
    schedule_times_s, schedule_cum : float arrays (m,), optional
        The schedule's target (cumulative shares) over time, and ``executed_cum`` the shares filled
        by the same times (for the plot).
    """

    side: int | str
    quantity: float
    decision_price: float
    arrival_price: float
    end_price: float
    fill_price: Float64Array
    fill_qty: Float64Array
    fill_mid: Float64Array
    fill_spread: Float64Array
    fill_maker: BoolArray
    interval_vwap: float = math.nan
    interval_twap: float = math.nan
    market_volume: float = 0.0
    duration_s: float = 0.0
    fees: float = 0.0
    name: str = "order"
    fill_time_s: Float64Array | None = None
    schedule_times_s: Float64Array | None = None
    schedule_cum: Float64Array | None = None
    executed_cum: Float64Array | None = None

    def __post_init__(self):
        object.__setattr__(self, "side", check_side(self.side))
        check_positive("quantity", self.quantity)
        for name in ("decision_price", "arrival_price", "end_price"):
            check_positive(name, getattr(self, name))
        price = _vector("fill_price", self.fill_price, None)
        n = price.size
        qty = _vector("fill_qty", self.fill_qty, n)
        if np.any(price <= 0) or np.any(qty <= 0):
            raise InvalidParameters("fill_price and fill_qty must be > 0 everywhere")
        if qty.sum() > self.quantity * (1 + 1e-12):
            raise InvalidParameters(f"the fills ({qty.sum():g} shares) exceed the parent quantity {self.quantity:g}")
        object.__setattr__(self, "fill_price", price)
        object.__setattr__(self, "fill_qty", qty)
        object.__setattr__(self, "fill_mid", _vector("fill_mid", self.fill_mid, n))
        object.__setattr__(self, "fill_spread", _vector("fill_spread", self.fill_spread, n))
        maker = np.asarray(self.fill_maker, dtype=bool)
        if maker.shape != (n,):
            raise InvalidParameters(f"fill_maker must have shape ({n},), got {maker.shape}")
        object.__setattr__(self, "fill_maker", maker)
        for name in ("interval_vwap", "interval_twap"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and (math.isnan(v) or v > 0)):
                raise InvalidParameters(f"{name} must be > 0 or NaN (unknown), got {v!r}")
        check_nonnegative("market_volume", self.market_volume)
        check_nonnegative("duration_s", self.duration_s)
        check_nonnegative("fees", self.fees)

    @property
    def filled(self) -> float:
        return math.fsum(self.fill_qty.tolist())

    @property
    def unfilled(self) -> float:
        return self.quantity - self.filled


def _fsum_dot(a: np.ndarray, b: np.ndarray) -> float:
    return math.fsum((a * b).tolist())


def _row(r: ExecutionRecord) -> dict[str, float]:
    """The table's numbers for one order (module notes)."""
    s = r.side
    q = r.fill_qty
    x, filled, unfilled = r.quantity, r.filled, r.unfilled
    p_d, p_0, p_end = r.decision_price, r.arrival_price, r.end_price
    paid = _fsum_dot(q, r.fill_price)
    out = {
        "delay": s * x * (p_0 - p_d),
        "timing": s * math.fsum((q * (r.fill_mid - p_0)).tolist()),
        "impact": s * math.fsum((q * (r.fill_price - r.fill_mid)).tolist()),
        "opportunity": s * unfilled * (p_end - p_0),
        "fees": r.fees,
        # computed on its own from the definition, not as the sum of the parts
        "shortfall": s * math.fsum([paid, unfilled * p_end, -x * p_d]) + r.fees,
    }
    out = {k: v + 0.0 for k, v in out.items()}  # a sell's zero is -0.0: print it as 0.00
    avg = paid / filled if filled > 0 else math.nan
    value = x * p_d
    out.update({f"{c}_bps": 1e4 * out[c] / value for c in COMPONENTS})
    out["shortfall_bps"] = 1e4 * out["shortfall"] / value
    out["avg_price"] = avg
    out["slippage_arrival_bps"] = 1e4 * s * (avg - p_0) / p_0
    out["slippage_vwap_bps"] = 1e4 * s * (avg - r.interval_vwap) / r.interval_vwap
    out["slippage_twap_bps"] = 1e4 * s * (avg - r.interval_twap) / r.interval_twap
    out["participation"] = filled / r.market_volume if r.market_volume > 0 else math.nan
    out["maker_share"] = _fsum_dot(q, r.fill_maker.astype(np.float64)) / filled if filled > 0 else math.nan
    half = _fsum_dot(q, 0.5 * r.fill_spread)
    out["spread_capture"] = s * _fsum_dot(q, r.fill_mid - r.fill_price) / half if half > 0 else math.nan
    return out


@dataclass(frozen=True)
class TCAReport:
    """TCA of one or more parent orders: the :data:`TCA_TABLE` rows and the records behind them."""

    records: tuple[ExecutionRecord, ...]
    table: np.ndarray

    def to_frame(self) -> Any:
        """:attr:`table` as a pandas DataFrame indexed by order (needs the ``tca`` extra)."""
        return to_frame(self.table, index="order")

    def summary(self) -> str:
        """A text table: shortfall and its parts (bps), slippages (bps), fill rate, participation, capture."""
        head = (
            f"{'order':<14}{'side':>5}{'filled':>12}{'IS bps':>9}{'delay':>8}{'timing':>8}{'impact':>8}"
            f"{'opport':>8}{'fees':>7}{'vs arr':>8}{'vs VWAP':>8}{'vs TWAP':>8}{'fill%':>7}{'part%':>7}"
            f"{'maker%':>7}{'capture':>8}"
        )
        lines = [head]
        for t in self.table:
            side = "buy" if t["side"] > 0 else ("sell" if t["side"] < 0 else "")
            lines.append(
                f"{t['order']:<14}{side:>5}{t['filled']:>12.6g}{t['shortfall_bps']:>9.2f}{t['delay_bps']:>8.2f}"
                f"{t['timing_bps']:>8.2f}{t['impact_bps']:>8.2f}{t['opportunity_bps']:>8.2f}{t['fees_bps']:>7.2f}"
                f"{t['slippage_arrival_bps']:>8.2f}{t['slippage_vwap_bps']:>8.2f}{t['slippage_twap_bps']:>8.2f}"
                f"{100 * t['fill_rate']:>7.1f}{100 * t['participation']:>7.1f}{100 * t['maker_share']:>7.1f}"
                f"{t['spread_capture']:>8.2f}"
            )
        return "\n".join(lines)

    def plot(self, path: str | Path, *, order: int = 0) -> Path:
        """Write a PNG: the schedule against what was executed (order ``order``) and the cost parts in bps.

        matplotlib is imported here, with the file-only Agg backend.
        """
        from .plots import plot_tca

        return plot_tca(self, path, order=order)


def transaction_costs(records: ExecutionRecord | Sequence[ExecutionRecord]) -> TCAReport:
    """Transaction-cost analysis of one or more parent orders (module notes for the definitions).

    Parameters
    ----------
    records : ExecutionRecord or sequence of them

    Returns
    -------
    TCAReport
        One row per order and the aggregate ``ALL`` row.

    Examples
    --------
    A buy of 100 shares decided at 10.00, arriving at 10.01, half filled at 10.03 (mid 10.02), the
    rest left when the mid reached 10.05:

    >>> r = ExecutionRecord("buy", 100, 10.00, 10.01, 10.05, [10.03], [50], [10.02], [0.02], [False])
    >>> t = transaction_costs(r).table[0]
    >>> [round(float(t[c]), 6) for c in ("shortfall", "delay", "timing", "impact", "opportunity")]
    [4.0, 1.0, 0.5, 0.5, 2.0]
    """
    recs = (records,) if isinstance(records, ExecutionRecord) else tuple(records)
    if not recs or not all(isinstance(r, ExecutionRecord) for r in recs):
        raise InvalidParameters("records must be an ExecutionRecord or a non-empty sequence of them")
    table = np.zeros(len(recs) + 1, TCA_TABLE)
    for i, r in enumerate(recs):
        row = table[i]
        row["order"], row["side"], row["quantity"], row["filled"] = r.name, r.side, r.quantity, r.filled
        row["fill_rate"] = r.filled / r.quantity
        row["decision_price"], row["arrival_price"], row["end_price"] = r.decision_price, r.arrival_price, r.end_price
        row["duration_s"] = r.duration_s
        for k, v in _row(r).items():
            row[k] = v
    agg = table[-1]
    agg["order"] = "ALL"
    agg["side"] = 0 if len({r.side for r in recs}) > 1 else recs[0].side
    rows = table[:-1]
    for c in ("quantity", "filled", "shortfall", *COMPONENTS):
        agg[c] = math.fsum(rows[c].tolist())
    value = math.fsum(r.quantity * r.decision_price for r in recs)
    agg["shortfall_bps"] = 1e4 * agg["shortfall"] / value
    for c in COMPONENTS:
        agg[f"{c}_bps"] = 1e4 * agg[c] / value
    agg["fill_rate"] = agg["filled"] / agg["quantity"]
    for c in ("decision_price", "arrival_price", "end_price", "avg_price"):
        agg[c] = math.nan  # prices of different orders do not add up
    filled = rows["filled"]
    done = filled > 0
    for c in ("slippage_arrival_bps", "slippage_vwap_bps", "slippage_twap_bps", "maker_share"):
        ok = done & np.isfinite(rows[c])
        agg[c] = float(np.average(rows[c][ok], weights=filled[ok])) if ok.any() else math.nan
    volume = math.fsum(r.market_volume for r in recs)
    agg["participation"] = agg["filled"] / volume if volume > 0 else math.nan
    half = math.fsum(_fsum_dot(r.fill_qty, 0.5 * r.fill_spread) for r in recs)
    captured = math.fsum(r.side * _fsum_dot(r.fill_qty, r.fill_mid - r.fill_price) for r in recs)
    agg["spread_capture"] = captured / half if half > 0 else math.nan
    agg["duration_s"] = max(r.duration_s for r in recs)
    return TCAReport(recs, table)
