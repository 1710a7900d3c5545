"""Calibration of the executors' fill model from a market's own events.

The executors price a resting child assuming market orders trade ``A e^{-k delta}`` lots per second
at depth ``delta`` (ticks from the mid) or beyond.  :func:`calibrate_fill_model` replays a stream of
L3 events through an engine book and records, for every execution and trade print, how far from
the mid (just before the event) it traded and how many lots; the depths and the stream's duration go
to :func:`quantforge.models.estimation.fill_intensity.calibrate_from_trade_depths` (Avellaneda &
Stoikov 2008, section 2.3: the depths are ``Exp(k)``, their count ``Poisson(lambda T)``), and the
count rate times the mean size of a trade is the volume rate ``A``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.book import HDR_BEST_ASK, HDR_BEST_BID, HDR_N_FILLS, NO_PRICE, book_apply_range, new_book_state
from ..engine.types import EV_TRADE, EVENT, MAKER
from ..errors import InvalidParameters, check_array
from ..kernels.jit import engine_jit
from ..models.estimation.fill_intensity import IntensityFit, calibrate_from_trade_depths

__all__ = ["FillModel", "trade_depths", "calibrate_fill_model"]


@dataclass(frozen=True)
class FillModel:
    """``A`` (lots per second at the mid's depth) and ``k`` (per tick) of the volume rate ``A e^{-k delta}``.

    ``intensity`` is the fit of the trades' count rate and depth law behind them.
    """

    a_lots_per_s: float
    k_per_tick: float
    intensity: IntensityFit

    def summary(self) -> str:
        return (
            f"fill model: {self.a_lots_per_s:.4g} lots/s x exp(-{self.k_per_tick:.4g} delta) "
            f"({self.intensity.summary()})"
        )


@engine_jit
def _depths(bk, events, depth_out, size_out):
    """Apply ``events``; write the depth (ticks from the mid before the event) and size of each trade."""
    status = np.empty(events.shape[0], np.int64)
    n = 0
    for i in range(events.shape[0]):
        bb = bk.hdr[HDR_BEST_BID]
        ba = bk.hdr[HDR_BEST_ASK]
        two_sided = bb != NO_PRICE and ba != NO_PRICE
        mid = 0.5 * (bb + ba)
        ev = events[i]
        if ev.kind == EV_TRADE and two_sided and n < depth_out.shape[0]:
            depth_out[n] = abs(ev.price_ticks - mid)
            size_out[n] = ev.size_lots
            n += 1
        book_apply_range(bk, events, i, i + 1, status)
        for k in range(min(bk.hdr[HDR_N_FILLS], bk.fills.shape[0])):
            f = bk.fills[k]
            if f.liquidity == MAKER and two_sided and n < depth_out.shape[0]:
                depth_out[n] = abs(f.price_ticks - mid)
                size_out[n] = f.size_lots
                n += 1
        bk.hdr[HDR_N_FILLS] = 0
    return n


def trade_depths(events: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(depths, sizes)``: ticks from the mid and lots of every execution and trade print of an
    ``EVENT`` stream that applies to an empty book (e.g. :func:`quantforge.engine.synthetic.synthetic_events`)."""
    ev = check_array("events", events, dtype=EVENT, ndim=1)
    bk = new_book_state(capacity=1 << 14, window=1 << 14)
    depths = np.empty(4 * ev.shape[0] + 16)
    sizes = np.empty(depths.shape[0], np.int64)
    n = _depths(bk, ev, depths, sizes)
    return depths[:n].copy(), sizes[:n].copy()


def calibrate_fill_model(events: np.ndarray) -> FillModel:
    """The fill model ``A e^{-k delta}`` (lots per second, per tick) of an event stream.

    Raises
    ------
    InvalidParameters
        When the stream has fewer than 10 trades or no duration.

    Examples
    --------
    >>> from quantforge.engine.synthetic import synthetic_events
    >>> fm = calibrate_fill_model(synthetic_events(20_000, seed=1, mean_gap_ns=10_000_000))
    >>> bool(fm.a_lots_per_s > 0 and fm.k_per_tick > 0)
    True
    """
    depths, sizes = trade_depths(events)
    duration_s = (int(events["ts_ns"][-1]) - int(events["ts_ns"][0])) * 1e-9
    if duration_s <= 0:
        raise InvalidParameters("events must span some time to calibrate a rate, got one timestamp")
    fit = calibrate_from_trade_depths(depths, duration_s)
    return FillModel(fit.A * float(sizes.mean()), fit.k, fit)
