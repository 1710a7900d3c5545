"""Almgren–Chriss (2000) optimal execution: the mean-variance optimal trajectory, its cost and risk,
the efficient frontier over risk aversion, and the implementation-shortfall schedule with an urgency.

A trader who must complete ``X`` shares over ``[0, T]`` in ``N`` intervals of ``tau = T / N``, with
linear permanent and temporary impact (:class:`quantforge.execution.LinearImpact`) and an arithmetic
Brownian price of volatility ``sigma`` and drift ``alpha``, minimises ``E[C] + lambda V[C]`` of the
implementation shortfall ``C``.  The optimum (AC section 3, with drift) holds

    x_j = X sinh(kappa (T - t_j)) / sinh(kappa T)
          + xbar (1 - [sinh(kappa (T - t_j)) + sinh(kappa t_j)] / sinh(kappa T)),

shares still to trade at ``t_j = j tau``, where ``2 (cosh(kappa tau) - 1) / tau^2 = lambda sigma^2 / eta~``
(the discrete-time ``kappa``; ``eta~ = eta - gamma tau / 2``), ``xbar = a / (2 lambda sigma^2)`` and
``a = alpha`` for a sell program, ``-alpha`` for a buy program (a drift that favours waiting holds
shares back).  Its half-life is ``1 / kappa``; ``lambda -> 0`` gives the straight line (TWAP) with
``E = gamma X^2 / 2 + epsilon X + eta~ X^2 / T``.  Expected cost and variance

    E = gamma X^2 / 2 + epsilon sum |n_k| + (eta~ / tau) sum n_k^2 - a tau sum_{k>=1} x_k,
    V = sigma^2 tau sum_{k>=1} x_k^2                                                   (AC eq. 5 with drift)

are summed from the trajectory; without drift they equal AC's closed forms (eqs. 20–21 of the
working paper; the tests write them out).  The urgency ``U = kappa T`` (dimensionless: 0 is TWAP,
5 completes 92% of the order by half-time) is mapped to the ``lambda`` that gives it exactly.

The batched mathematics (many ``lambda`` at once, every backend) is the kernel
:func:`quantforge.kernels.execution.liquidation_frontier`; this module holds the model's
parameters, the sides and the schedules.

References
----------
Almgren, R. & Chriss, N. (2000). Optimal execution of portfolio transactions. J. Risk 3(2):5–39.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._typing import ArrayLike, BackendName, Float64Array
from ..errors import InvalidParameters, check_finite, check_int, check_nonnegative, check_positive
from ..kernels.execution import liquidation_frontier, liquidation_parameters
from .impact import LinearImpact
from .schedules import Schedule, check_side, round_to_lots

__all__ = [
    "AlmgrenChriss",
    "ACSolution",
    "EfficientFrontier",
    "optimal_trajectory",
    "efficient_frontier",
    "urgency_to_lambda",
    "ac_schedule",
]


@dataclass(frozen=True)
class AlmgrenChriss:
    """Market and impact parameters of the Almgren–Chriss model, in one time unit of the caller's choice.

    Parameters
    ----------
    sigma : float
        Price volatility, price per square-root time unit (> 0).
    impact : LinearImpact
        Permanent (``gamma``) and temporary (``eta``, ``epsilon``) impact, in the same units.
    drift : float
        ``alpha``: expected price drift, price per time unit.

    Examples
    --------
    The paper's example (time unit: one day):

    >>> ac = AlmgrenChriss(sigma=0.95, impact=LinearImpact(gamma=2.5e-7, eta=2.5e-6, epsilon=0.0625))
    >>> sol = optimal_trajectory(ac, 1e6, 5.0, 5, lam=1e-6, side="sell")
    >>> round(sol.kappa, 4), round(sol.half_life, 3)
    (0.6071, 1.647)
    """

    sigma: float
    impact: LinearImpact
    drift: float = 0.0

    def __post_init__(self):
        check_positive("sigma", self.sigma)
        if not isinstance(self.impact, LinearImpact):
            raise TypeError(f"impact must be a LinearImpact, got {type(self.impact).__name__}")
        check_finite("drift", self.drift)

    def problem(self, quantity: float, horizon: float, n_steps: int, side: str | int) -> Float64Array:
        """The kernel's parameter vector (:func:`quantforge.kernels.execution.liquidation_parameters`) for one order."""
        s = check_side(side)
        imp = self.impact
        return liquidation_parameters(
            quantity, horizon, n_steps, self.sigma, imp.gamma, imp.eta, imp.epsilon, -s * self.drift
        )


@dataclass(frozen=True)
class ACSolution:
    """One optimal trajectory with its cost and risk.

    Attributes
    ----------
    side : int
        +1 buy, -1 sell.
    lam : float
        Risk aversion (per price unit).
    kappa : float
        Urgency (per time unit).
    times : float64 array (N + 1,)
        ``t_j = j tau``.
    holdings : float64 array (N + 1,)
        Shares still to trade, ``X .. 0``.
    expected_cost, variance : float
        ``E`` (price x shares) and ``V`` (its square) of the implementation shortfall.
    """

    side: int
    lam: float
    kappa: float
    times: Float64Array
    holdings: Float64Array
    expected_cost: float
    variance: float

    @property
    def trades(self) -> Float64Array:
        """Shares traded in each interval, ``n_k = x_{k-1} - x_k``."""
        return -np.diff(self.holdings)

    @property
    def half_life(self) -> float:
        """``1 / kappa`` (time units); infinite for the straight line."""
        return math.inf if self.kappa == 0 else 1.0 / self.kappa

    @property
    def utility(self) -> float:
        """``E + lambda V``, the objective the trajectory minimises."""
        return self.expected_cost + self.lam * self.variance

    def summary(self) -> str:
        side = "buy" if self.side > 0 else "sell"
        return (
            f"Almgren-Chriss {side} {self.holdings[0]:g} over {self.times[-1]:g} in {self.times.size - 1} "
            f"intervals: lambda = {self.lam:.4g}, kappa = {self.kappa:.4g}, half-life = {self.half_life:.4g}, "
            f"E = {self.expected_cost:.6g}, sd = {math.sqrt(self.variance):.6g}"
        )


@dataclass(frozen=True)
class EfficientFrontier:
    """The frontier ``(V(lambda), E(lambda))`` of optimal trajectories, one point per risk aversion.

    Attributes
    ----------
    lambdas, kappa, expected_cost, variance : float64 arrays (n,)
    trajectories : float64 array (n, N + 1) or None
    """

    lambdas: Float64Array
    kappa: Float64Array
    expected_cost: Float64Array
    variance: Float64Array
    trajectories: Float64Array | None

    def summary(self) -> str:
        i_lo, i_hi = int(np.argmin(self.lambdas)), int(np.argmax(self.lambdas))
        return (
            f"efficient frontier, {self.lambdas.size} points: lambda {self.lambdas[i_lo]:.3g} -> "
            f"E {self.expected_cost[i_lo]:.6g}, sd {math.sqrt(self.variance[i_lo]):.6g}; lambda "
            f"{self.lambdas[i_hi]:.3g} -> E {self.expected_cost[i_hi]:.6g}, sd {math.sqrt(self.variance[i_hi]):.6g}"
        )


def urgency_to_lambda(params: AlmgrenChriss, urgency: float, horizon: float, n_steps: int) -> float:
    """The risk aversion whose optimal trajectory has ``kappa T = urgency``.

    ``lambda = eta~ kappa~^2 / sigma^2`` with ``kappa~^2 = 2 (cosh(kappa tau) - 1) / tau^2`` and
    ``kappa = urgency / T``; urgency 0 is the straight line (TWAP).

    Examples
    --------
    >>> ac = AlmgrenChriss(sigma=0.95, impact=LinearImpact(gamma=2.5e-7, eta=2.5e-6))
    >>> lam = urgency_to_lambda(ac, 3.0, 5.0, 5)
    >>> round(optimal_trajectory(ac, 1e6, 5.0, 5, lam=lam).kappa * 5.0, 12)
    3.0
    """
    u = check_nonnegative("urgency", urgency)
    horizon = check_positive("horizon", horizon)
    n_steps = check_int("n_steps", n_steps, minimum=1)
    tau = horizon / n_steps
    kt2 = 4.0 * math.sinh(0.5 * u / n_steps) ** 2 / (tau * tau)  # 2 (cosh(kappa tau) - 1) / tau^2, no cancellation
    return params.impact.eta_tilde(tau) * kt2 / (params.sigma * params.sigma)


def _lambda(params: AlmgrenChriss, lam: float | None, urgency: float | None, horizon: float, n_steps: int) -> float:
    if (lam is None) == (urgency is None):
        raise InvalidParameters("give exactly one of lam (risk aversion) and urgency (kappa T)")
    if lam is not None:
        return check_nonnegative("lam", lam)
    return urgency_to_lambda(params, urgency, horizon, n_steps)


def optimal_trajectory(
    params: AlmgrenChriss,
    quantity: float,
    horizon: float,
    n_steps: int,
    *,
    lam: float | None = None,
    urgency: float | None = None,
    side: str | int = "sell",
) -> ACSolution:
    """The optimal trajectory of one order for a risk aversion ``lam`` (or an ``urgency = kappa T``).

    Parameters
    ----------
    params : AlmgrenChriss
    quantity : float
        Shares to trade, ``X > 0``.
    horizon : float
        ``T > 0`` in the parameters' time unit.
    n_steps : int
        Intervals ``N >= 1``.
    lam, urgency : float
        Exactly one: risk aversion ``lambda >= 0`` (per price unit) or urgency ``kappa T >= 0``.
    side : {"buy", "sell"}

    Returns
    -------
    ACSolution

    Raises
    ------
    InvalidParameters
        For bad values (naming them), both or neither of ``lam`` and ``urgency``, or ``eta~ <= 0``.
    """
    lam = _lambda(params, lam, urgency, horizon, n_steps)
    s = check_side(side)
    prm = params.problem(quantity, horizon, n_steps, s)
    f = liquidation_frontier(np.array([lam]), prm, n_steps, return_trajectories=True, backend="numpy")
    return ACSolution(
        s,
        lam,
        float(f.kappa[0]),
        np.linspace(0.0, float(horizon), n_steps + 1),
        f.trajectories[0],
        float(f.expected_cost[0]),
        float(f.variance[0]),
    )


def efficient_frontier(
    params: AlmgrenChriss,
    quantity: float,
    horizon: float,
    n_steps: int,
    lambdas: ArrayLike,
    *,
    side: str | int = "sell",
    return_trajectories: bool = False,
    backend: BackendName = None,
) -> EfficientFrontier:
    """``E`` and ``V`` of the optimal trajectory for every risk aversion in ``lambdas``, batched on ``backend``.

    Examples
    --------
    >>> ac = AlmgrenChriss(sigma=0.95, impact=LinearImpact(gamma=2.5e-7, eta=2.5e-6, epsilon=0.0625))
    >>> f = efficient_frontier(ac, 1e6, 5.0, 5, np.logspace(-8, -5, 4), backend="numpy")
    >>> bool(np.all(np.diff(f.expected_cost) > 0) and np.all(np.diff(f.variance) < 0))
    True
    """
    prm = params.problem(quantity, horizon, n_steps, side)
    f = liquidation_frontier(lambdas, prm, n_steps, return_trajectories=return_trajectories, backend=backend)
    return EfficientFrontier(f.lambdas, f.kappa, f.expected_cost, f.variance, f.trajectories)


def ac_schedule(
    quantity_lots: int,
    horizon_s: float,
    n_slices: int,
    params: AlmgrenChriss,
    *,
    lam: float | None = None,
    urgency: float | None = None,
    side: str | int = "buy",
) -> Schedule:
    """The implementation-shortfall schedule: the optimal trajectory's trades, rounded to whole lots.

    ``params`` are per second and per lot here (the schedule's units).  Give ``lam`` or ``urgency``
    (``kappa T``; 0 is TWAP).  The trades are rounded by :func:`round_to_lots`, so they sum to the parent.

    Raises
    ------
    InvalidParameters
        Also when the drift makes the optimum trade both ways (a schedule is one-sided).

    Examples
    --------
    >>> ac = AlmgrenChriss(sigma=0.02, impact=LinearImpact(gamma=1e-6, eta=1e-3, epsilon=0.005))
    >>> ac_schedule(1000, 600.0, 5, ac, urgency=2.0).child_lots.tolist()
    [345, 239, 171, 132, 113]
    """
    q = check_int("quantity_lots", quantity_lots, minimum=1)
    n_slices = check_int("n_slices", n_slices, minimum=1)
    sol = optimal_trajectory(params, float(q), horizon_s, n_slices, lam=lam, urgency=urgency, side=side)
    trades = sol.trades
    if np.any(trades < 0):
        raise InvalidParameters(
            f"drift={params.drift!r} makes the optimal trajectory trade both ways "
            f"(min trade {float(trades.min()):.6g} lots); lower the drift or raise lam/urgency"
        )
    return Schedule("ac", sol.side, q, sol.times, round_to_lots(trades, q))
