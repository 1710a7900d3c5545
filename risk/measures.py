"""Risk measures of a book besides VaR: drawdown, leverage, concentration and liquidity.

All functions take currency exposures (signed market values, ``(..., n)`` batched over leading axes)
or an equity curve and return arrays; VaR and ES are :mod:`quantforge.kernels.var`'s.

* drawdown: ``D_t = max_{s <= t} E_s - E_t`` of an equity curve (currency), and its maximum;
* leverage: gross ``sum |e_i| / capital`` and net ``sum e_i / capital``;
* concentration: the largest share ``max |e_i| / sum |e_j|`` and the Herfindahl–Hirschman index
  ``HHI = sum (|e_i| / sum |e_j|)^2`` (1/n for equal weights, 1 for one position; Hirschman 1945);
* liquidity: days to liquidate ``|q_i| / (participation x ADV_i)`` at a participation rate of the
  average daily volume (the portfolio's is its slowest position's).
"""

from __future__ import annotations

import numpy as np

from .._typing import ArrayLike, Float64Array
from ..errors import RiskError
from ..kernels.var.models import risk_array

__all__ = ["drawdown", "leverage", "concentration", "days_to_liquidate"]


def drawdown(equity: ArrayLike) -> tuple[Float64Array, Float64Array]:
    """Running drawdown ``max_{s<=t} E_s - E_t`` (..., T) of equity curves and its maximum (...), currency.

    Examples
    --------
    >>> from quantforge.risk import drawdown
    >>> dd, worst = drawdown([100.0, 120.0, 90.0, 130.0, 110.0])
    >>> dd.tolist(), float(worst)
    ([0.0, 0.0, 30.0, 0.0, 20.0], 30.0)
    """
    e = risk_array("equity", equity)
    if e.ndim < 1 or e.shape[-1] < 1:
        raise RiskError(f"equity must have shape (..., T) with T >= 1, got shape {e.shape}")
    dd = np.maximum.accumulate(e, axis=-1) - e
    return dd, dd.max(axis=-1)


def _exposures(exposures: ArrayLike) -> np.ndarray:
    e = risk_array("exposures", exposures)
    if e.ndim < 1 or e.shape[-1] < 1:
        raise RiskError(f"exposures must have shape (..., n) with n >= 1, got shape {e.shape}")
    return e


def leverage(exposures: ArrayLike, capital: ArrayLike) -> tuple[Float64Array, Float64Array]:
    """(gross, net) leverage: ``sum |e| / capital`` and ``sum e / capital``, shape (...).

    Raises
    ------
    RiskError
        NaN exposures, or capital that is not > 0.

    Examples
    --------
    >>> from quantforge.risk import leverage
    >>> [float(x) for x in leverage([300.0, -100.0], 200.0)]
    [2.0, 1.0]
    """
    e = _exposures(exposures)
    c = risk_array("capital", capital)
    if np.any(c <= 0.0):
        raise RiskError(f"capital must be > 0, got {c.tolist()!r}")
    return np.abs(e).sum(axis=-1) / c, e.sum(axis=-1) / c


def concentration(exposures: ArrayLike, *, long_only: bool = False) -> tuple[Float64Array, Float64Array]:
    """(largest share, Herfindahl–Hirschman index) of the absolute exposures, shape (...).

    A flat book (no exposure) has share and HHI 0.  ``long_only=True`` refuses a short position
    (a long-only mandate, where shares of net value are meant).

    Examples
    --------
    >>> from quantforge.risk import concentration
    >>> [round(float(x), 4) for x in concentration([50.0, 30.0, -20.0])]
    [0.5, 0.38]
    """
    e = _exposures(exposures)
    if long_only and np.any(e < 0.0):
        idx = tuple(int(i) for i in np.argwhere(e < 0.0)[0])
        raise RiskError(f"exposures must be >= 0 (long_only=True); exposures[{idx}] = {e[idx].item()!r}")
    a = np.abs(e)
    total = a.sum(axis=-1, keepdims=True)
    share = np.divide(a, total, out=np.zeros_like(a), where=total > 0.0)
    return share.max(axis=-1), (share * share).sum(axis=-1)


def days_to_liquidate(
    positions: ArrayLike, adv: ArrayLike, participation: float = 0.1
) -> tuple[Float64Array, Float64Array]:
    """Days to unwind each position trading ``participation`` of its average daily volume, and the
    portfolio's (the slowest position's): ``|q_i| / (participation x ADV_i)``.

    Parameters
    ----------
    positions : array_like (..., n)
        Positions in units (shares, contracts).
    adv : array_like (n,)
        Average daily volume in the same units, > 0.
    participation : float in (0, 1], default 0.1
        Share of the daily volume the unwind may take.

    Examples
    --------
    >>> from quantforge.risk import days_to_liquidate
    >>> per, worst = days_to_liquidate([50_000.0, -2_000.0], [100_000.0, 10_000.0], 0.2)
    >>> per.tolist(), float(worst)
    ([2.5, 1.0], 2.5)
    """
    q = risk_array("positions", positions)
    v = risk_array("adv", adv)
    if q.ndim < 1 or v.shape != q.shape[-1:]:
        raise RiskError(f"adv must have one entry per position ({q.shape[-1:]}), got shape {v.shape}")
    if np.any(v <= 0.0):
        raise RiskError(f"adv must be > 0, got {v.tolist()!r}")
    p = float(risk_array("participation", participation))
    if not 0.0 < p <= 1.0:
        raise RiskError(f"participation must lie in (0, 1], got {p!r}")
    days = np.abs(q) / (p * v)
    return days, days.max(axis=-1)
