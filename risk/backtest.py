"""VaR backtests: rolling one-day VaR forecasts and the coverage tests that judge them.

A VaR model at confidence ``alpha`` is right when the exceptions (days whose loss exceeds the
forecast) come at the rate ``p = 1 - alpha`` and independently of each other.  Kupiec's (1995)
proportion-of-failures test checks the rate: with ``x`` exceptions in ``n`` days,
``LR_pof = -2 ln[(1-p)^(n-x) p^x] + 2 ln[(1-x/n)^(n-x) (x/n)^x] ~ chi2(1)``.  Christoffersen's (1998)
independence test checks the clustering through the first-order Markov transition counts ``n_ij``
(a day in state ``i`` followed by one in state ``j``, 1 = exception): with ``pi_01 = n01 / (n00 + n01)``,
``pi_11 = n11 / (n10 + n11)`` and ``pi = (n01 + n11) / sum n_ij``, ``LR_ind = -2 ln[(1-pi)^(n00+n10)
pi^(n01+n11)] + 2 ln[(1-pi_01)^n00 pi_01^n01 (1-pi_11)^n10 pi_11^n11] ~ chi2(1)`` (eq. 9), and the
conditional-coverage statistic ``LR_cc = LR_pof + LR_ind ~ chi2(2)`` (eq. 11).  The Basel traffic light
(BCBS 1996) classifies the exceptions of the last 250 days at 99%: green 0-4, yellow 5-9, red 10+.

Forecasts (``rolling_var``), each made with the data before its day only: historical simulation
over a rolling window; filtered historical simulation (standardised residuals of a GARCH(1,1)
refitted on a schedule, rescaled by the forecast volatility); parametric normal with the RiskMetrics
EWMA volatility (``lambda = 0.94``); Cornish–Fisher on the same volatility with the rolling window's
skewness and kurtosis of the EWMA-standardised returns.

References
----------
Kupiec, P. (1995). Techniques for verifying the accuracy of risk measurement models. J. Derivatives 3(2).
Christoffersen, P. (1998). Evaluating interval forecasts. Int. Econ. Rev. 39(4):841-862.
Basel Committee on Banking Supervision (1996). Supervisory framework for the use of backtesting in
conjunction with the internal models approach to market risk capital requirements.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .._typing import ArrayLike, BoolArray, Float64Array
from ..errors import RiskError, check_choice, check_int
from ..kernels.covariance import ewma_covariance
from ..kernels.var import empirical_var, parametric_var
from ..kernels.var.models import risk_array
from .volatility import rolling_garch_volatility

__all__ = [
    "kupiec_pof",
    "christoffersen",
    "traffic_light",
    "VarBacktest",
    "backtest_var",
    "rolling_var",
    "FORECAST_METHODS",
]

FORECAST_METHODS: tuple[str, ...] = ("historical", "filtered_historical", "parametric", "cornish_fisher")
BASEL_DAYS = 250
_ZONES = (("green", 4), ("yellow", 9), ("red", BASEL_DAYS))


def _xlogy(x: float, y: float) -> float:
    """``x ln y`` with ``0 ln 0 = 0`` (the likelihoods' convention)."""
    return 0.0 if x == 0 else x * math.log(y)


def _exceptions(name: str, value: ArrayLike) -> BoolArray:
    e = np.asarray(value)
    if e.ndim != 1 or e.size < 2 or not (e.dtype == np.bool_ or np.isin(e, (0, 1)).all()):
        raise RiskError(f"{name} must be a 1-d sequence of 0/1 (or bool) of length >= 2, got {e!r:.80}")
    return e.astype(bool)


def kupiec_pof(exceptions: ArrayLike, p: float) -> tuple[float, float]:
    """Kupiec's (1995) proportion-of-failures likelihood ratio and its chi2(1) p-value.

    Parameters
    ----------
    exceptions : array_like of bool (n,)
        True on the days whose loss exceeded VaR.
    p : float in (0, 1)
        The exception probability ``1 - alpha`` under the model.

    Examples
    --------
    >>> from quantforge.risk import kupiec_pof
    >>> lr, pval = kupiec_pof([True] * 5 + [False] * 245, 0.01)
    >>> round(lr, 3), round(pval, 4)
    (1.957, 0.1619)
    """
    e = _exceptions("exceptions", exceptions)
    p = float(risk_array("p", p))
    if not 0.0 < p < 1.0:
        raise RiskError(f"p must lie in (0, 1), got {p!r}")
    n, x = e.size, int(e.sum())
    rate = x / n
    lr = -2.0 * (_xlogy(n - x, 1.0 - p) + _xlogy(x, p)) + 2.0 * (_xlogy(n - x, 1.0 - rate) + _xlogy(x, rate))
    lr = max(lr, 0.0)
    return lr, float(stats.chi2.sf(lr, 1))


def christoffersen(exceptions: ArrayLike, p: float) -> dict[str, float]:
    """Christoffersen's (1998) independence and conditional-coverage likelihood ratios with p-values.

    Returns
    -------
    dict
        ``lr_ind``, ``p_ind`` (chi2(1)), ``lr_cc``, ``p_cc`` (chi2(2)) and the transition counts
        ``n00, n01, n10, n11``.
    """
    e = _exceptions("exceptions", exceptions).astype(np.int64)
    prev, cur = e[:-1], e[1:]
    n = {f"n{i}{j}": int(np.sum((prev == i) & (cur == j))) for i in (0, 1) for j in (0, 1)}
    n00, n01, n10, n11 = n["n00"], n["n01"], n["n10"], n["n11"]
    pi01 = n01 / (n00 + n01) if n00 + n01 else 0.0
    pi11 = n11 / (n10 + n11) if n10 + n11 else 0.0
    pi = (n01 + n11) / (n00 + n01 + n10 + n11)
    restricted = _xlogy(n00 + n10, 1.0 - pi) + _xlogy(n01 + n11, pi)
    unrestricted = _xlogy(n00, 1.0 - pi01) + _xlogy(n01, pi01) + _xlogy(n10, 1.0 - pi11) + _xlogy(n11, pi11)
    lr_ind = max(-2.0 * (restricted - unrestricted), 0.0)
    lr_cc = kupiec_pof(e.astype(bool), p)[0] + lr_ind
    return {
        "lr_ind": lr_ind,
        "p_ind": float(stats.chi2.sf(lr_ind, 1)),
        "lr_cc": lr_cc,
        "p_cc": float(stats.chi2.sf(lr_cc, 2)),
        **{k: float(v) for k, v in n.items()},
    }


def traffic_light(n_exceptions: int) -> str:
    """The Basel zone of a count of 99% VaR exceptions in 250 days: ``green`` (0-4), ``yellow`` (5-9), ``red`` (10+).

    Examples
    --------
    >>> from quantforge.risk import traffic_light
    >>> [traffic_light(k) for k in (4, 5, 9, 10)]
    ['green', 'yellow', 'yellow', 'red']
    """
    k = check_int("n_exceptions", n_exceptions, minimum=0, maximum=BASEL_DAYS)
    return next(zone for zone, top in _ZONES if k <= top)


@dataclass(frozen=True)
class VarBacktest:
    """The verdict on a series of VaR forecasts.

    Attributes
    ----------
    method : str
    confidence : float
    n_days, n_exceptions : int
    expected : float
        ``n_days (1 - confidence)``.
    kupiec_lr, kupiec_p, independence_lr, independence_p, coverage_lr, coverage_p : float
    zone : str
        Basel traffic light of the last 250 days (99% VaR).
    zone_counts : dict
        Zones of the consecutive 250-day blocks of the sample (from its start).
    exceptions : bool array (n_days,)
    """

    method: str
    confidence: float
    n_days: int
    n_exceptions: int
    expected: float
    kupiec_lr: float
    kupiec_p: float
    independence_lr: float
    independence_p: float
    coverage_lr: float
    coverage_p: float
    zone: str
    zone_counts: dict
    exceptions: BoolArray

    def summary(self) -> str:
        """One line: exceptions against expectation, the three p-values and the traffic light."""
        return (
            f"{self.method}: {self.n_exceptions} exceptions in {self.n_days} days (expected {self.expected:.1f}); "
            f"Kupiec p {self.kupiec_p:.3g}, independence p {self.independence_p:.3g}, conditional coverage p "
            f"{self.coverage_p:.3g}; last 250 days {self.zone}; 250-day blocks {self.zone_counts}"
        )


def backtest_var(returns: ArrayLike, var: ArrayLike, confidence: float = 0.99, *, method: str = "") -> VarBacktest:
    """Backtest VaR forecasts against realised returns: exceptions, Kupiec, Christoffersen, traffic light.

    Parameters
    ----------
    returns : array_like (n,)
        Realised returns (or P&L) of the days the forecasts are for.
    var : array_like (n,)
        VaR forecasts of those days (positive losses, in the units of ``returns``).
    confidence : float in (0, 1), default 0.99
    method : str
        A label for the report.

    Raises
    ------
    RiskError
        NaN inputs, shapes that differ, confidence outside (0, 1).
    """
    r = risk_array("returns", returns).reshape(-1)
    v = risk_array("var", var).reshape(-1)
    if r.shape != v.shape or r.size < 2:
        raise RiskError(f"returns and var must have one equal length >= 2, got {r.shape} and {v.shape}")
    c = float(risk_array("confidence", confidence))
    if not 0.0 < c < 1.0:
        raise RiskError(f"confidence must lie in (0, 1), got {c!r}")
    exc = -r > v
    lr_pof, p_pof = kupiec_pof(exc, 1.0 - c)
    ind = christoffersen(exc, 1.0 - c)
    blocks = [int(exc[i : i + BASEL_DAYS].sum()) for i in range(0, exc.size - BASEL_DAYS + 1, BASEL_DAYS)]
    counts = {zone: sum(traffic_light(b) == zone for b in blocks) for zone, _ in _ZONES}
    last = int(exc[-BASEL_DAYS:].sum()) if exc.size >= BASEL_DAYS else int(exc.sum())
    return VarBacktest(
        method,
        c,
        int(r.size),
        int(exc.sum()),
        r.size * (1.0 - c),
        lr_pof,
        p_pof,
        ind["lr_ind"],
        ind["p_ind"],
        ind["lr_cc"],
        ind["p_cc"],
        traffic_light(min(last, BASEL_DAYS)),
        counts,
        exc,
    )


def rolling_var(
    returns: ArrayLike,
    method: str,
    confidence: float = 0.99,
    *,
    window: int = 500,
    lam: float = 0.94,
    refit_every: int = 250,
    backend: str | None = None,
) -> Float64Array:
    """One-day VaR forecasts (positive losses in return units) for days ``window .. T - 1``.

    ``out[i]`` is the forecast for day ``window + i`` made from ``returns[: window + i]`` only.

    Parameters
    ----------
    returns : array_like (T,)
        Daily log-returns, oldest first.
    method : {"historical", "filtered_historical", "parametric", "cornish_fisher"}
        See the module docstring.
    confidence : float in (0, 1), default 0.99
    window : int, default 500
        Rolling window of historical scenarios (and of the moments for Cornish–Fisher); the first
        GARCH fit uses it as well.
    lam : float, default 0.94
        RiskMetrics decay of the EWMA volatility.
    refit_every : int, default 250
        GARCH refitting interval (filtered historical simulation).
    backend : str, optional
        Backend of the tail statistics (``numba`` selects in parallel over the windows).

    Returns
    -------
    float64 (T - window,)
    """
    method = check_choice("method", method, FORECAST_METHODS)
    r = risk_array("returns", returns).reshape(-1)
    window = check_int("window", window, minimum=20, maximum=r.size - 1)
    c = float(risk_array("confidence", confidence))
    if not 0.0 < c < 1.0:
        raise RiskError(f"confidence must lie in (0, 1), got {c!r}")
    n_out = r.size - window
    if method == "historical":
        windows = np.lib.stride_tricks.sliding_window_view(r, window)[:n_out]
        return empirical_var(windows, c, backend=backend).var[:, 0]
    if method == "filtered_historical":
        sigma, forecast = rolling_garch_volatility(r, first=window, refit_every=refit_every)
        z = np.lib.stride_tricks.sliding_window_view(r / sigma, window)[:n_out]
        scenarios = z * forecast[window - 1 : window - 1 + n_out, None]
        return empirical_var(scenarios, c, backend=backend).var[:, 0]
    # EWMA variance after day t-1, the forecast for day t: RiskMetrics' recursion on the returns so far
    ewma = ewma_covariance(r[:-1, None], lam, path=True, backend=backend)[:, 0, 0]
    vol = np.sqrt(ewma[window - 1 :])
    if method == "parametric":
        return parametric_var(vol[:, None], [[1.0]], c).var[:, 0]
    std = r[1:] / np.sqrt(ewma)  # day t over the forecast made the day before
    moments = np.lib.stride_tricks.sliding_window_view(std, window - 1)[:n_out]
    skew = stats.skew(moments, axis=1)
    kurt = stats.kurtosis(moments, axis=1)
    return parametric_var(vol[:, None], [[1.0]], c, skewness=skew, excess_kurtosis=kurt).var[:, 0]
