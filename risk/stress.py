"""Stress tests: historical scenarios replayed, hypothetical shocks to factors and volatilities, and
stressed covariances (volatilities scaled, correlations pushed together or overridden).

A scenario is a vector of factor log-returns (and, for options, absolute volatility shifts) applied to
today's book and revalued in full (:func:`quantforge.kernels.var.portfolio_pnl`):

* historical: every ``window``-day period of a return history, its log-returns summed (so a crisis
  week is one scenario), replayed on the current positions;
* hypothetical: named :class:`StressScenario` shocks ("equities -20%, vols +15 points");
* covariance stress for VaR: volatilities multiplied, correlations moved toward one
  (``rho' = (1 - s) rho + s 11'``, a correlation matrix for every ``s`` in [0, 1] since it is a convex
  combination of two) or set pair by pair and repaired to the nearest correlation matrix
  (:func:`quantforge.kernels.covariance.nearest_correlation`, Qi & Sun 2006).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .._typing import ArrayLike, Float64Array
from ..errors import RiskError
from ..kernels.covariance import check_psd, is_psd, nearest_correlation
from ..kernels.var import Instruments, portfolio_pnl
from ..kernels.var.models import risk_array

__all__ = ["StressScenario", "StressResult", "hypothetical_stress", "historical_stress", "stressed_covariance"]


@dataclass(frozen=True)
class StressScenario:
    """A named hypothetical shock.

    Parameters
    ----------
    name : str
    factor_shocks : array_like (n_factors,)
        Log-returns of the factors (``log(1 - 0.2)`` for a 20% fall).
    vol_shifts : array_like (n_factors,), optional
        Absolute change of the volatility of options on each factor (0.15 = +15 vol points).
    """

    name: str
    factor_shocks: ArrayLike
    vol_shifts: ArrayLike | None = None


@dataclass(frozen=True)
class StressResult:
    """P&L of each portfolio under each scenario (currency), with the scenarios' names.

    Attributes
    ----------
    names : tuple of str (n_scenarios,)
    pnl : float64 (..., n_scenarios)
    """

    names: tuple[str, ...]
    pnl: Float64Array

    def worst(self, k: int = 5) -> list[list[tuple[str, float]]]:
        """The ``k`` worst scenarios of each portfolio, as (name, P&L), worst first."""
        pnl = self.pnl.reshape(-1, self.pnl.shape[-1])
        k = min(k, pnl.shape[1])
        order = np.argsort(pnl, axis=1)[:, :k]
        return [[(self.names[j], float(pnl[p, j])) for j in order[p]] for p in range(pnl.shape[0])]

    def summary(self) -> str:
        """The five worst scenarios of each portfolio (at most 10 portfolios)."""
        lines = [f"stress test, {len(self.names)} scenarios"]
        for p, rows in enumerate(self.worst(5)[:10]):
            lines.append(f"  [{p}] " + "; ".join(f"{name}: {pnl:,.2f}" for name, pnl in rows))
        return "\n".join(lines)


def hypothetical_stress(
    instruments: Instruments,
    positions: ArrayLike,
    scenarios: Sequence[StressScenario],
    *,
    horizon_years: float = 0.0,
    backend: str | None = None,
) -> StressResult:
    """P&L of the positions (n_instr,) or (n_port, n_instr) under each hypothetical scenario, full revaluation.

    Examples
    --------
    >>> import math
    >>> from quantforge.kernels.var import Instruments
    >>> from quantforge.risk import StressScenario, hypothetical_stress
    >>> crash = StressScenario("equities -20%", [math.log(0.8)])
    >>> hypothetical_stress(Instruments([100.0]), [10.0], [crash], backend="numpy").pnl.round(6).tolist()
    [-200.0]
    """
    if not scenarios or not all(isinstance(s, StressScenario) for s in scenarios):
        raise TypeError("scenarios must be a non-empty sequence of StressScenario")
    nf = instruments.n_factors
    shocks = np.stack([_vector(f"scenario {s.name!r} factor_shocks", s.factor_shocks, nf) for s in scenarios])
    vols = np.stack(
        [
            np.zeros(nf) if s.vol_shifts is None else _vector(f"scenario {s.name!r} vol_shifts", s.vol_shifts, nf)
            for s in scenarios
        ]
    )
    pnl = portfolio_pnl(
        instruments,
        positions,
        shocks,
        horizon_years=horizon_years,
        vol_shift=vols if np.any(vols) else None,
        backend=backend,
    )
    return StressResult(tuple(s.name for s in scenarios), pnl)


def _vector(name: str, value: ArrayLike, n: int) -> np.ndarray:
    v = risk_array(name, value).reshape(-1)
    if v.shape != (n,):
        raise RiskError(f"{name} must have one entry per factor ({n}), got shape {v.shape}")
    return v


def historical_stress(
    instruments: Instruments,
    positions: ArrayLike,
    factor_returns: ArrayLike,
    *,
    window: int = 1,
    labels: Sequence[str] | None = None,
    backend: str | None = None,
) -> StressResult:
    """Replay every ``window``-day period of a history of factor log-returns (T, n_factors) on today's book.

    Scenario ``t`` is the sum of the log-returns of days ``t .. t + window - 1``; ``labels`` (T,)
    names the days (dates), and a scenario takes its first day's label.
    """
    r = risk_array("factor_returns", factor_returns)
    if r.ndim != 2 or r.shape[1] != instruments.n_factors:
        raise RiskError(f"factor_returns must have shape (T, {instruments.n_factors}), got shape {r.shape}")
    if not isinstance(window, int) or not 1 <= window <= r.shape[0]:
        raise RiskError(f"window must be an integer in 1..{r.shape[0]}, got {window!r}")
    csum = np.vstack([np.zeros((1, r.shape[1])), np.cumsum(r, axis=0)])
    shocks = csum[window:] - csum[:-window]
    names = [str(i) for i in range(r.shape[0])] if labels is None else [str(x) for x in labels]
    if len(names) != r.shape[0]:
        raise RiskError(f"labels must name each of the {r.shape[0]} days, got {len(names)}")
    pnl = portfolio_pnl(instruments, positions, shocks, backend=backend)
    return StressResult(tuple(names[: shocks.shape[0]]), pnl)


def stressed_covariance(
    covariance: ArrayLike,
    *,
    vol_multiplier: ArrayLike = 1.0,
    correlation_shift: float = 0.0,
    correlation_overrides: Mapping[tuple[int, int], float] | None = None,
) -> Float64Array:
    """A covariance under stress: volatilities scaled, correlations moved toward one and/or set pair by pair.

    Parameters
    ----------
    covariance : array_like (n, n)
        PSD covariance of the factor returns.
    vol_multiplier : float or array (n,), default 1
        Factor by which each volatility is multiplied (> 0).
    correlation_shift : float in [0, 1], default 0
        ``s`` in ``rho' = (1 - s) rho + s`` (off the diagonal): 1 makes every pair perfectly correlated.
    correlation_overrides : mapping (i, j) -> rho, optional
        Correlations to impose after the shift; the result is repaired to the nearest correlation
        matrix when the overrides leave it indefinite (the overridden pairs are then close to,
        not exactly at, their values).

    Returns
    -------
    float64 (n, n), PSD.

    Raises
    ------
    MatrixError
        A covariance that is not PSD (named ``covariance``).
    RiskError
        Multipliers not > 0, a shift outside [0, 1], an override outside [-1, 1] or off the matrix.

    Examples
    --------
    >>> from quantforge.risk import stressed_covariance
    >>> stressed_covariance([[0.04, 0.0], [0.0, 0.01]], vol_multiplier=2.0, correlation_shift=0.5).round(12).tolist()
    [[0.16, 0.04], [0.04, 0.04]]
    """
    cov = check_psd("covariance", risk_array("covariance", covariance))
    if cov.ndim != 2:
        raise RiskError(f"covariance must be one (n, n) matrix, got shape {cov.shape}")
    n = cov.shape[0]
    vol = np.sqrt(np.diag(cov))
    mult = np.broadcast_to(risk_array("vol_multiplier", vol_multiplier), (n,))
    if np.any(mult <= 0.0):
        raise RiskError(f"vol_multiplier must be > 0, got {mult.tolist()!r}")
    s = float(risk_array("correlation_shift", correlation_shift))
    if not 0.0 <= s <= 1.0:
        raise RiskError(f"correlation_shift must lie in [0, 1], got {s!r}")
    safe = np.where(vol > 0.0, vol, 1.0)
    corr = cov / np.outer(safe, safe)
    np.fill_diagonal(corr, 1.0)
    corr = (1.0 - s) * corr + s
    for (i, j), rho in (correlation_overrides or {}).items():
        if not (0 <= i < n and 0 <= j < n and i != j):
            raise RiskError(f"correlation_overrides key ({i}, {j}) must name two different factors in 0..{n - 1}")
        rho = float(risk_array(f"correlation_overrides[({i}, {j})]", rho))
        if not -1.0 <= rho <= 1.0:
            raise RiskError(f"correlation_overrides[({i}, {j})] must lie in [-1, 1], got {rho!r}")
        corr[i, j] = corr[j, i] = rho
    if not is_psd(corr):
        corr = nearest_correlation(corr)
    v = vol * mult
    return corr * np.outer(v, v)
