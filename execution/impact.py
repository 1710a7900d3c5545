"""The linear market-impact model of Almgren & Chriss (2000) and the cost of any trade list under it.

Trading ``n_k`` shares in interval ``k`` of length ``tau`` moves the price permanently by
``gamma n_k`` (the permanent impact ``g(v) = gamma v`` at rate ``v = n_k / tau``, AC eq. 2) and pays
a temporary concession ``h(v) = epsilon sgn(v) + eta v`` on that interval's shares (AC eq. 3).  For a
buy program of ``X`` shares (sells mirror it) executed at ``S~_k = S_{k-1} + gamma (X - x_{k-1}) +
h(n_k / tau)``, where ``S`` is the price the market would have had without us and ``x_k`` the shares
still to trade, the implementation shortfall against ``S_0`` is

    C = sum_k n_k (S_{k-1} - S_0) + gamma X^2 / 2 + epsilon sum |n_k| + (eta~ / tau) sum n_k^2,

with ``eta~ = eta - gamma tau / 2`` (AC eqs. 5 and 6, from ``sum_k x_k n_k = X^2 / 2 - sum n_k^2 / 2``).
Its first term is the market's; the rest, :meth:`LinearImpact.expected_cost`, is fixed by the trade
list.  With ``S`` a martingale of variance ``sigma^2`` per time unit, ``V[C] = sigma^2 tau sum_k x_k^2``
(:func:`cost_variance`).

References
----------
Almgren, R. & Chriss, N. (2000). Optimal execution of portfolio transactions. J. Risk 3(2):5–39.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._typing import ArrayLike, Float64Array
from ..errors import InvalidParameters, check_all_finite, check_array, check_nonnegative, check_positive

__all__ = ["LinearImpact", "cost_variance", "holdings_from_trades"]


def _trades(trades: ArrayLike) -> Float64Array:
    n = check_all_finite("trades", check_array("trades", trades, dtype=np.float64, cast=True))
    if n.ndim != 1 or n.size < 1:
        raise InvalidParameters(f"trades must be a non-empty 1-D array (shares per interval), got shape {n.shape}")
    return n


def holdings_from_trades(trades: ArrayLike) -> Float64Array:
    """The shares still to trade at each boundary, ``x_k = sum_{i > k} n_i`` (``x_0 = X``, ``x_N = 0``)."""
    n = _trades(trades)
    return np.concatenate([np.cumsum(n[::-1])[::-1], [0.0]])


@dataclass(frozen=True)
class LinearImpact:
    """Linear permanent and temporary impact (Almgren & Chriss 2000, eqs. 2–3).

    Parameters
    ----------
    gamma : float
        Permanent impact: price move per share traded (price per share), >= 0.
    eta : float
        Temporary impact: price concession per unit trading rate (price x time per share), > 0.
    epsilon : float
        Fixed cost per share (price): half the spread plus fees, >= 0.

    Examples
    --------
    >>> imp = LinearImpact(gamma=2.5e-7, eta=2.5e-6, epsilon=0.0625)
    >>> round(imp.expected_cost([2e5] * 5, tau=1.0))  # the paper's straight line over 5 days
    662500
    """

    gamma: float
    eta: float
    epsilon: float = 0.0

    def __post_init__(self):
        check_nonnegative("gamma", self.gamma)
        check_positive("eta", self.eta)
        check_nonnegative("epsilon", self.epsilon)

    def eta_tilde(self, tau: float) -> float:
        """``eta - gamma tau / 2``, the temporary impact net of the permanent impact's own interval; > 0 required.

        Raises
        ------
        InvalidParameters
            If it is not > 0 (the interval ``tau`` is too long for these coefficients).
        """
        tau = check_positive("tau", tau)
        eta_t = self.eta - 0.5 * self.gamma * tau
        if eta_t <= 0:
            raise InvalidParameters(
                f"eta - gamma * tau / 2 must be > 0, got eta={self.eta!r}, gamma={self.gamma!r}, "
                f"tau={tau!r}: use shorter intervals"
            )
        return eta_t

    def temporary(self, rate: ArrayLike) -> Float64Array:
        """``h(v) = epsilon sgn(v) + eta v``: the price concession at trading rate ``v`` (shares per time unit)."""
        v = np.asarray(rate, dtype=np.float64)
        return self.epsilon * np.sign(v) + self.eta * v

    def permanent(self, rate: ArrayLike) -> Float64Array:
        """``g(v) = gamma v``: the permanent price move per time unit at trading rate ``v``."""
        return self.gamma * np.asarray(rate, dtype=np.float64)

    def expected_cost(self, trades: ArrayLike, tau: float) -> float:
        """``gamma X^2 / 2 + epsilon sum |n_k| + (eta~ / tau) sum n_k^2`` (price x shares) for ``n_k = trades``.

        The expected implementation shortfall of the trade list when the unaffected price is a
        martingale; ``X = sum n_k``.
        """
        n = _trades(trades)
        eta_t = self.eta_tilde(tau)
        x = math.fsum(n.tolist())
        return (
            0.5 * self.gamma * x * x
            + self.epsilon * math.fsum(np.abs(n).tolist())
            + eta_t / tau * math.fsum((n * n).tolist())
        )


def cost_variance(trades: ArrayLike, sigma: float, tau: float) -> float:
    """``sigma^2 tau sum_{k >= 1} x_k^2``: the variance of the cost of a trade list under arithmetic
    Brownian prices of volatility ``sigma`` (price per square-root time unit), AC eq. 5."""
    sigma = check_nonnegative("sigma", sigma)
    tau = check_positive("tau", tau)
    x = holdings_from_trades(trades)[1:]
    return sigma * sigma * tau * math.fsum((x * x).tolist())
