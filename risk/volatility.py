"""Conditional volatility for filtered historical simulation: GARCH(1,1) fitted by the ``arch`` package.

The GARCH(1,1) model (Bollerslev 1986, eq. 5) of a return series is ``r_t = mu + e_t``,
``e_t = sigma_t z_t`` with ``z_t`` i.i.d. N(0, 1) and ``sigma_t^2 = omega + alpha e_{t-1}^2 + beta
sigma_{t-1}^2``.  The parameters are maximum-likelihood estimates from ``arch`` (imported on first
use; ``pip install quantforge[risk]``); the filter that turns parameters into volatilities, and the
one-step forecast ``sigma_{T+1}^2 = omega + alpha e_T^2 + beta sigma_T^2``, are written out here so
that a backtest can refit on a schedule and filter out of sample without look-ahead.

References
----------
Bollerslev, T. (1986). Generalized autoregressive conditional heteroskedasticity. J. Econometrics 31(3).
Sheppard, K. et al. arch: autoregressive conditional heteroskedasticity models in Python.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import numpy as np

from .._typing import ArrayLike, Float64Array
from ..errors import HardwareError, RiskError, check_int
from ..kernels.var.models import risk_array

__all__ = ["GarchFit", "fit_garch", "garch_filter", "rolling_garch_volatility"]

_SCALE = 100.0  # arch's optimiser is tuned for percent returns; parameters are converted back


def _arch_model():
    try:
        return importlib.import_module("arch").arch_model
    except ImportError as exc:
        raise HardwareError(
            f"arch is needed for GARCH volatilities but cannot be imported ({exc}); install quantforge[risk]"
        ) from None


@dataclass(frozen=True)
class GarchFit:
    """A GARCH(1,1) fit: parameters in return units (not percent), the filtered volatilities and the forecast.

    Attributes
    ----------
    mu, omega, alpha, beta : float
        Mean return per period, constant (return^2 per period), ARCH and GARCH coefficients.
    volatility : float64 (T,)
        ``sigma_t``, the conditional volatility of each observation (return units per period).
    forecast : float
        ``sigma_{T+1}``, the one-step-ahead volatility forecast.
    """

    mu: float
    omega: float
    alpha: float
    beta: float
    volatility: Float64Array
    forecast: float

    @property
    def persistence(self) -> float:
        """``alpha + beta`` (< 1 for a stationary variance)."""
        return self.alpha + self.beta

    def summary(self) -> str:
        """The parameters, the persistence and the unconditional volatility."""
        uncond = np.sqrt(self.omega / (1.0 - self.persistence)) if self.persistence < 1.0 else float("inf")
        return (
            f"GARCH(1,1): mu {self.mu:.4g}, omega {self.omega:.4g}, alpha {self.alpha:.4f}, beta {self.beta:.4f} "
            f"(persistence {self.persistence:.4f}, unconditional vol {uncond:.4g}); forecast vol {self.forecast:.4g}"
        )


def _returns(returns: ArrayLike, min_obs: int = 2) -> np.ndarray:
    r = risk_array("returns", returns).reshape(-1)
    if r.size < min_obs:
        raise RiskError(f"returns needs at least {min_obs} observations, got {r.size}")
    return r


def garch_filter(
    returns: ArrayLike, mu: float, omega: float, alpha: float, beta: float, initial_variance: float | None = None
) -> tuple[Float64Array, float]:
    """Conditional volatilities ``sigma_t`` (T,) of ``returns`` under fixed GARCH(1,1) parameters, and ``sigma_{T+1}``.

    The recursion starts from ``initial_variance`` (default the sample variance of the residuals, as
    ``arch`` backcasts; a backtest passes the variance carried from the previous block).
    """
    r = _returns(returns, 1)
    e = r - mu
    var = np.empty(r.size + 1)
    var[0] = float(np.mean(e * e)) if initial_variance is None else initial_variance
    for t in range(r.size):
        var[t + 1] = omega + alpha * e[t] * e[t] + beta * var[t]
    return np.sqrt(var[:-1]), float(np.sqrt(var[-1]))


def fit_garch(returns: ArrayLike) -> GarchFit:
    """Maximum-likelihood GARCH(1,1) with a constant mean and normal innovations, by ``arch``.

    Parameters
    ----------
    returns : array_like (T,)
        Returns per period (log-returns, not percent), T >= 100.

    Returns
    -------
    GarchFit

    Raises
    ------
    RiskError
        NaN returns or fewer than 100 observations.
    HardwareError
        If ``arch`` is not installed (the message names the extra).
    """
    r = _returns(returns, 100)
    res = _arch_model()(r * _SCALE, mean="Constant", vol="GARCH", p=1, q=1, dist="normal").fit(disp="off")
    p = res.params
    mu, omega = float(p["mu"]) / _SCALE, float(p["omega"]) / _SCALE**2
    alpha, beta = float(p["alpha[1]"]), float(p["beta[1]"])
    vol = np.asarray(res.conditional_volatility, dtype=np.float64) / _SCALE
    e_last = r[-1] - mu
    forecast = float(np.sqrt(omega + alpha * e_last * e_last + beta * vol[-1] ** 2))
    return GarchFit(mu, omega, alpha, beta, vol, forecast)


def rolling_garch_volatility(
    returns: ArrayLike, *, first: int, refit_every: int = 250
) -> tuple[Float64Array, Float64Array]:
    """Out-of-sample GARCH(1,1) volatilities for a backtest: no observation is filtered with parameters
    estimated on its future.

    The parameters are refitted every ``refit_every`` observations on all data before the block
    (an expanding window, starting with ``returns[:first]``) and the filter runs through the block
    with them, carrying the variance across blocks.

    Returns
    -------
    sigma : float64 (T,)
        ``sigma_t`` for every ``t`` (in-sample for ``t < first``).
    forecast : float64 (T,)
        ``sigma_{t+1}``, the forecast made at the close of day ``t`` from data up to ``t``.
    """
    r = _returns(returns, 100)
    first = check_int("first", first, minimum=100, maximum=r.size)
    refit_every = check_int("refit_every", refit_every, minimum=1)
    fit = fit_garch(r[:first])
    sigma = np.empty(r.size)
    forecast = np.empty(r.size)
    sigma[:first] = fit.volatility
    var_next = fit.forecast**2
    forecast[first - 1] = fit.forecast
    e0 = r[:first] - fit.mu
    forecast[: first - 1] = np.sqrt(fit.omega + fit.alpha * e0[:-1] ** 2 + fit.beta * fit.volatility[:-1] ** 2)
    for start in range(first, r.size, refit_every):
        if start > first:
            fit = fit_garch(r[:start])
        block = r[start : start + refit_every]
        vol, last = garch_filter(block, fit.mu, fit.omega, fit.alpha, fit.beta, initial_variance=var_next)
        sigma[start : start + block.size] = vol
        forecast[start : start + block.size - 1] = vol[1:]
        forecast[start + block.size - 1] = last
        var_next = last * last
    return sigma, forecast
