"""Realised variance and bipower variation: model-free estimates of a price path's quadratic variation
and of its continuous part, from high-frequency returns.

For returns ``r_i`` over intervals of length ``dt`` on ``[0, T]``, ``RV = sum r_i^2`` converges to the
quadratic variation ``int sigma^2 dt + sum J^2`` and the bipower variation
``BV = (pi/2) n/(n-1) sum |r_i| |r_{i-1}|`` to the integrated variance ``int sigma^2 dt`` alone
(Barndorff-Nielsen & Shephard 2004, eqs. (1.2)–(1.3)); with constant ``sigma``, ``RV/T`` estimates
``sigma^2`` with standard error ``sigma^2 sqrt(2/n)``.

References
----------
O. E. Barndorff-Nielsen, N. Shephard (2004), "Power and bipower variation with stochastic volatility
and jumps", J. Financial Econometrics 2(1):1–37.
"""

from __future__ import annotations

import math

import numpy as np

from ..._typing import ArrayLike
from ...errors import InvalidParameters, check_all_finite, check_array, check_positive

__all__ = ["returns_from_prices", "realized_variance", "bipower_variation", "realized_volatility"]


def returns_from_prices(prices: ArrayLike, *, log: bool = True) -> np.ndarray:
    """Returns along the last axis: log returns (``log=True``, prices > 0) or price differences."""
    p = check_all_finite("prices", check_array("prices", prices, dtype=np.float64, cast=True))
    if p.ndim < 1 or p.shape[-1] < 3:
        raise InvalidParameters(f"prices needs at least 3 observations along the last axis, got shape {p.shape}")
    if not isinstance(log, (bool, np.bool_)):
        raise TypeError(f"log must be a bool, got {type(log).__name__}")
    if log:
        if np.any(p <= 0):
            raise InvalidParameters("prices must be > 0 for log returns (pass log=False for price differences)")
        return np.diff(np.log(p), axis=-1)
    return np.diff(p, axis=-1)


def _returns(returns):
    r = check_all_finite("returns", check_array("returns", returns, dtype=np.float64, cast=True))
    if r.ndim < 1 or r.shape[-1] < 2:
        raise InvalidParameters(f"returns needs at least 2 observations along the last axis, got shape {r.shape}")
    return r


def realized_variance(returns: ArrayLike) -> np.ndarray:
    """``sum r_i^2`` along the last axis."""
    r = _returns(returns)
    return np.sum(r * r, axis=-1)


def bipower_variation(returns: ArrayLike) -> np.ndarray:
    """``(pi/2) n/(n-1) sum_{i>=2} |r_i| |r_{i-1}|`` along the last axis (robust to finitely many jumps)."""
    r = np.abs(_returns(returns))
    n = r.shape[-1]
    return (math.pi / 2.0) * n / (n - 1) * np.sum(r[..., 1:] * r[..., :-1], axis=-1)


def realized_volatility(returns: ArrayLike, dt: float, *, robust: bool = False) -> np.ndarray:
    """Volatility per square-root unit time: ``sqrt(RV / (n dt))``, or ``sqrt(BV / (n dt))`` with ``robust=True``.

    Parameters
    ----------
    returns : float array (..., n)
        Returns over intervals of ``dt``.
    dt : float
        Interval length in the time unit of the answer (e.g. seconds, or years for annualised volatility).
    """
    step = check_positive("dt", dt)
    if not isinstance(robust, (bool, np.bool_)):
        raise TypeError(f"robust must be a bool, got {type(robust).__name__}")
    r = _returns(returns)
    total = bipower_variation(r) if robust else realized_variance(r)
    return np.sqrt(total / (r.shape[-1] * step))
