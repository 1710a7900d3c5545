"""Engle–Granger cointegration of two price series, the hedge ratio, and the spread's mean reversion.

Step 1 regresses ``y_t = beta x_t + d_t + u_t`` by OLS, with the deterministic part ``d_t`` chosen by
``trend`` as in statsmodels: none (``"n"``), a constant ``alpha`` (``"c"``, the default), plus a linear
trend ``alpha + delta_1 t`` (``"ct"``) or plus a quadratic one (``"ctt"``), ``t = 1..n`` (``beta`` is the
hedge ratio: short ``beta`` units of ``x`` per unit of ``y``); step 2 runs an augmented Dickey–Fuller test on the residuals ``u_t``
with the Engle–Granger (MacKinnon 2010) critical values, which account for ``beta`` being estimated
(Engle & Granger 1987, §4).  statsmodels' ``coint`` carries out both steps; this module adds the
hedge ratio with its standard error, the spread, and its Ornstein–Uhlenbeck half-life from the AR(1)
regression ``du_t = a + b u_{t-1} + e_t``, ``half_life = -ln 2 / ln(1 + b)`` steps.

References
----------
R. F. Engle, C. W. J. Granger (1987), "Co-integration and error correction: representation,
estimation, and testing", Econometrica 55(2):251–276.
J. G. MacKinnon (2010), "Critical values for cointegration tests", Queen's Economics Dept. WP 1227.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..._typing import ArrayLike
from ...errors import InvalidParameters, check_all_finite, check_array, check_choice, check_in_range
from ...kernels.backend import require

__all__ = ["CointegrationResult", "engle_granger", "half_life"]


@dataclass(frozen=True)
class CointegrationResult:
    """Engle–Granger result for the pair ``(y, x)``."""

    hedge_ratio: float
    hedge_ratio_stderr: float
    intercept: float  # alpha; 0.0 for trend "n"
    adf_statistic: float
    p_value: float
    critical_values: dict  # {"1%": ..., "5%": ..., "10%": ...}; nan for trend "n" (MacKinnon has none)
    cointegrated: bool  # p_value < the requested level
    half_life: float  # in observations; inf when the spread does not revert
    spread: np.ndarray  # u_t = y_t - hedge_ratio x_t - d_t
    trend: str = "c"
    trend_coefficients: tuple = ()  # coefficients of d_t in the order 1, t, t^2 (those that trend has)

    def summary(self) -> str:
        return (
            f"Engle–Granger: hedge ratio {self.hedge_ratio:.6g} (se {self.hedge_ratio_stderr:.3g}), ADF {self.adf_statistic:.3f}, "
            f"p = {self.p_value:.3g} -> {'cointegrated' if self.cointegrated else 'not cointegrated'}; half-life {self.half_life:.3g} obs"
        )


def half_life(spread: ArrayLike) -> float:
    """Half-life (observations) of an AR(1)/OU spread: ``-ln 2 / ln(1 + b)`` from ``du = a + b u_{-1}``; ``inf`` if ``b >= 0``."""
    u = check_all_finite("spread", check_array("spread", spread, dtype=np.float64, cast=True)).ravel()
    if u.size < 10:
        raise InvalidParameters(f"spread needs at least 10 observations, got {u.size}")
    lag = u[:-1]
    du = np.diff(u)
    design = np.column_stack([np.ones_like(lag), lag])
    coef, *_ = np.linalg.lstsq(design, du, rcond=None)
    b = float(coef[1])
    if b >= 0 or b <= -1:
        return math.inf if b >= 0 else 0.0
    return -math.log(2.0) / math.log1p(b)


def engle_granger(y: ArrayLike, x: ArrayLike, *, level: float = 0.05, trend: str = "c") -> CointegrationResult:
    """Engle–Granger two-step test of cointegration of ``y`` on ``x`` (prices, equal length).

    Parameters
    ----------
    y, x : float arrays (n,)
        The two price series, ``n >= 30``.
    level : float
        Test level for ``cointegrated``, in (0, 1).
    trend : {"c", "ct", "ctt", "n"}
        Deterministic terms of the cointegrating regression (module docstring), the same as
        statsmodels' ``coint``, which computes the ADF statistic on the same residuals.

    Raises
    ------
    InvalidParameters
        Mismatched or too short series, non-finite values, ``x`` constant, an unknown ``trend``.
    HardwareError
        If statsmodels is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = 100 + np.cumsum(rng.standard_normal(500))
    >>> res = engle_granger(1.5 * x + rng.standard_normal(500), x)
    >>> round(res.hedge_ratio, 1), res.cointegrated
    (1.5, True)
    """
    stattools = require("statsmodels.tsa.stattools", purpose="the Engle–Granger ADF test")
    a = check_in_range("level", level, 0.0, 1.0, low_open=True, high_open=True)
    kind = check_choice("trend", trend, ("c", "ct", "ctt", "n"))
    yy = check_all_finite("y", check_array("y", y, dtype=np.float64, cast=True)).ravel()
    xx = check_all_finite("x", check_array("x", x, dtype=np.float64, cast=True)).ravel()
    if yy.size != xx.size or yy.size < 30:
        raise InvalidParameters(f"y and x must have one length of at least 30, got {yy.size} and {xx.size}")
    if np.ptp(xx) == 0:
        raise InvalidParameters("x is constant: no hedge ratio can be estimated")
    t = np.arange(1.0, yy.size + 1.0)
    powers = {"n": 0, "c": 1, "ct": 2, "ctt": 3}[kind]
    design = np.column_stack([xx] + [t**j for j in range(powers)])
    coef, *_ = np.linalg.lstsq(design, yy, rcond=None)
    resid = yy - design @ coef
    sigma2 = resid @ resid / (yy.size - design.shape[1])
    cov = sigma2 * np.linalg.inv(design.T @ design)
    stat, p, crit = stattools.coint(yy, xx, trend=kind, autolag="aic")
    crit_map = {"1%": float(crit[0]), "5%": float(crit[1]), "10%": float(crit[2])}
    deterministic = tuple(float(c) for c in coef[1:])
    return CointegrationResult(
        float(coef[0]),
        float(math.sqrt(cov[0, 0])),
        deterministic[0] if powers else 0.0,
        float(stat),
        float(p),
        crit_map,
        bool(p < a),
        half_life(resid),
        resid,
        kind,
        deterministic,
    )
