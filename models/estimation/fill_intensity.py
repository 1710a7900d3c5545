"""Calibration of the exponential fill intensity ``lambda(delta) = A exp(-k delta)`` that the
Avellaneda–Stoikov, GLFT and Cartea–Jaimungal models assume.

Two data forms.  (a) Quotes posted at depths ``delta_j`` for exposure times ``tau_j`` that were filled
``n_j`` times: ``n_j ~ Poisson(A exp(-k delta_j) tau_j)``, a Poisson log-linear model whose maximum
likelihood estimate is found by Newton's method with the Fisher information for standard errors.
(b) Depths reached by ``N`` market orders over a duration ``T`` (Avellaneda & Stoikov 2008, §2.3): the
rate of orders reaching depth ``delta`` or beyond is ``A exp(-k delta)``, so the depths are
``Exp(k)`` and their count ``Poisson(A T)``: ``k_hat = N / sum delta_i``, ``A_hat = N / T`` (exact MLE),
and the log-linear fit of the empirical exceedance rate against depth (the practitioners' recipe)
is returned alongside for comparison.

References
----------
M. Avellaneda, S. Stoikov (2008), "High-frequency trading in a limit order book", Quant. Finance 8(3).
O. Guéant (2016), "The Financial Mathematics of Market Liquidity", CRC Press, ch. 10 (calibration).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..._typing import ArrayLike
from ...errors import ConvergenceFailure, InvalidParameters, check_all_finite, check_array, check_int, check_positive

__all__ = ["IntensityFit", "calibrate_from_fills", "calibrate_from_trade_depths"]


@dataclass(frozen=True)
class IntensityFit:
    """``A`` (per unit time), ``k`` (per price unit), their standard errors and the method used."""

    A: float
    k: float
    A_stderr: float
    k_stderr: float
    method: str
    loglinear_A: float | None = None
    loglinear_k: float | None = None

    def summary(self) -> str:
        text = f"fill intensity A exp(-k delta) [{self.method}]: A = {self.A:.6g} (se {self.A_stderr:.3g}), k = {self.k:.6g} (se {self.k_stderr:.3g})"
        if self.loglinear_k is not None:
            text += f"; log-linear fit A = {self.loglinear_A:.6g}, k = {self.loglinear_k:.6g}"
        return text


def calibrate_from_fills(
    depths: ArrayLike, fill_counts: ArrayLike, exposure: ArrayLike, *, max_iter: int = 100
) -> IntensityFit:
    """Poisson MLE of ``(A, k)`` from fills of quotes at known depths and exposure times.

    Parameters
    ----------
    depths : float array (n,)
        Quote depths (price units), at least two distinct values.
    fill_counts : int array (n,)
        Fills observed at each depth (>= 0).
    exposure : float array (n,)
        Time each quote was exposed (> 0, unit of the rate ``A``).
    """
    max_iter = check_int("max_iter", max_iter, minimum=1, maximum=100_000)
    d = check_all_finite("depths", check_array("depths", depths, dtype=np.float64, cast=True)).ravel()
    n = check_all_finite("fill_counts", check_array("fill_counts", fill_counts, dtype=np.float64, cast=True)).ravel()
    t = check_all_finite("exposure", check_array("exposure", exposure, dtype=np.float64, cast=True)).ravel()
    if not (d.size == n.size == t.size) or np.unique(d).size < 2:
        raise InvalidParameters(
            "depths, fill_counts and exposure must have one length with at least two distinct depths"
        )
    if np.any(n < 0) or np.any(t <= 0) or n.sum() == 0:
        raise InvalidParameters("fill_counts must be >= 0 (not all zero) and exposure > 0")
    design = np.column_stack([np.ones_like(d), -d])
    beta = np.array([math.log(n.sum() / t.sum()), 1.0 / max(np.mean(d), 1e-12)])
    for _ in range(max_iter):
        mu = t * np.exp(design @ beta)
        grad = design.T @ (n - mu)
        info = design.T @ (design * mu[:, None])
        delta = np.linalg.solve(info, grad)
        beta = beta + delta
        if np.max(np.abs(delta)) < 1e-12 * (1 + np.max(np.abs(beta))):
            break
    else:
        raise ConvergenceFailure(f"Poisson intensity fit did not converge in {max_iter} Newton steps")
    mu = t * np.exp(design @ beta)
    cov = np.linalg.inv(design.T @ (design * mu[:, None]))
    a = math.exp(beta[0])
    return IntensityFit(a, float(beta[1]), a * math.sqrt(cov[0, 0]), math.sqrt(cov[1, 1]), "poisson-mle")


def calibrate_from_trade_depths(trade_depths: ArrayLike, duration: float, *, n_grid: int = 20) -> IntensityFit:
    """MLE of ``(A, k)`` from the depths reached by market orders over ``duration``, plus the log-linear fit.

    The log-linear fit regresses ``ln(#{delta_i >= g} / duration)`` on ``g`` over ``n_grid`` depths
    up to the 95th percentile of the observed depths.
    """
    x = check_all_finite("trade_depths", check_array("trade_depths", trade_depths, dtype=np.float64, cast=True)).ravel()
    dur = check_positive("duration", duration)
    n_grid = check_int("n_grid", n_grid, minimum=2, maximum=100_000)
    if x.size < 10:
        raise InvalidParameters(f"trade_depths needs at least 10 depths, got {x.size}")
    if np.any(x < 0):
        i = int(np.argmax(x < 0))
        raise InvalidParameters(f"trade_depths must be >= 0 everywhere; trade_depths[{i}] = {float(x[i])!r}")
    count = x.size
    k = count / x.sum()
    a = count / dur
    grid = np.linspace(0.0, np.quantile(x, 0.95), n_grid)
    rate = np.array([(x >= g).sum() for g in grid]) / dur
    slope, intercept = np.polyfit(grid, np.log(rate), 1)
    return IntensityFit(
        a, k, a / math.sqrt(count), k / math.sqrt(count), "exponential-mle", math.exp(intercept), -slope
    )
