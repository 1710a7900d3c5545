"""execution/almgren_chriss.py against Almgren & Chriss (2000), with the paper's formulas written out here:
the discrete kappa, the trajectory x_k = X sinh(kappa (T - t_k)) / sinh(kappa T), the closed forms of E
and V of the optimal strategy, the lambda -> 0 limit, and the paper's numerical example (X = 10^6,
S0 = 50, T = 5 days, N = 5, sigma = 0.95, epsilon = 0.0625, gamma = 2.5e-7, eta = 2.5e-6); every
expected number is computed here from the formulas, not taken from the code."""

from __future__ import annotations

import math

import numpy as np
import pytest

from quantforge.errors import InvalidParameters
from quantforge.execution import (
    AlmgrenChriss,
    LinearImpact,
    ac_schedule,
    efficient_frontier,
    optimal_trajectory,
    urgency_to_lambda,
)

# the paper's example (time unit: one day)
X, T, N, SIGMA, EPS, GAMMA, ETA = 1e6, 5.0, 5, 0.95, 0.0625, 2.5e-7, 2.5e-6
TAU = T / N
ETA_T = ETA - 0.5 * GAMMA * TAU
AC = AlmgrenChriss(sigma=SIGMA, impact=LinearImpact(gamma=GAMMA, eta=ETA, epsilon=EPS))


def _kappa(lam):
    """2 (cosh(kappa tau) - 1) / tau^2 = lambda sigma^2 / eta~, solved for kappa."""
    return math.acosh(1 + lam * SIGMA**2 * TAU**2 / (2 * ETA_T)) / TAU


def _expected_cost(kappa):
    """AC (2000), E of the optimal strategy: gamma X^2 / 2 + epsilon X + eta~ X^2 tanh(kappa tau / 2)
    (tau sinh(2 kappa T) + 2 T sinh(kappa tau)) / (2 tau^2 sinh^2(kappa T))."""
    return (
        0.5 * GAMMA * X**2
        + EPS * X
        + ETA_T
        * X**2
        * math.tanh(0.5 * kappa * TAU)
        * (TAU * math.sinh(2 * kappa * T) + 2 * T * math.sinh(kappa * TAU))
        / (2 * TAU**2 * math.sinh(kappa * T) ** 2)
    )


def _variance(kappa):
    """AC (2000), V of the optimal strategy: sigma^2 X^2 / 2 (tau sinh(kappa T) cosh(kappa (T - tau))
    - T sinh(kappa tau)) / (sinh^2(kappa T) sinh(kappa tau))."""
    return (
        0.5
        * SIGMA**2
        * X**2
        * (TAU * math.sinh(kappa * T) * math.cosh(kappa * (T - TAU)) - T * math.sinh(kappa * TAU))
        / (math.sinh(kappa * T) ** 2 * math.sinh(kappa * TAU))
    )


@pytest.mark.parametrize("lam", [1e-8, 1e-7, 1e-6, 2e-6, 1e-5, 1e-4])
def test_the_papers_example_against_its_closed_forms(lam):
    sol = optimal_trajectory(AC, X, T, N, lam=lam, side="sell")
    kappa = _kappa(lam)
    assert sol.kappa == pytest.approx(kappa, rel=1e-10)
    t = np.arange(N + 1) * TAU
    np.testing.assert_allclose(sol.holdings, X * np.sinh(kappa * (T - t)) / np.sinh(kappa * T), rtol=1e-10, atol=1e-6)
    assert sol.expected_cost == pytest.approx(_expected_cost(kappa), rel=1e-11)
    assert sol.variance == pytest.approx(_variance(kappa), rel=1e-11)
    assert sol.half_life == pytest.approx(1 / kappa, rel=1e-10)
    assert sol.utility == pytest.approx(sol.expected_cost + lam * sol.variance)


def test_the_papers_lambda_of_one_millionth():
    # lambda = 1e-6: kappa tau = acosh(1 + 1e-6 * 0.95^2 / (2 * 2.375e-6)) = acosh(1.19) per day
    sol = optimal_trajectory(AC, X, T, N, lam=1e-6)
    assert sol.kappa == pytest.approx(math.acosh(1.19), rel=1e-12)
    assert sol.half_life == pytest.approx(1 / math.acosh(1.19), rel=1e-12)  # about 1.65 days
    assert 0.6 < sol.kappa < 0.61


def test_lambda_zero_is_the_straight_line():
    sol = optimal_trajectory(AC, X, T, N, lam=0.0)
    np.testing.assert_allclose(sol.trades, np.full(N, X / N), rtol=1e-14)
    assert sol.kappa == 0.0 and math.isinf(sol.half_life)
    # the paper's limit: E = gamma X^2 / 2 + epsilon X + eta~ X^2 / T
    assert sol.expected_cost == pytest.approx(0.5 * GAMMA * X**2 + EPS * X + ETA_T * X**2 / T, rel=1e-13)
    assert sol.variance == pytest.approx(SIGMA**2 * X**2 * T * (1 - 1 / N) * (1 - 1 / (2 * N)) / 3, rel=1e-12)
    tiny = optimal_trajectory(AC, X, T, N, lam=1e-15)
    assert tiny.expected_cost == pytest.approx(sol.expected_cost, rel=1e-9)


def test_buy_and_sell_are_mirrors_and_drift_works_against_the_buyer():
    sell = optimal_trajectory(AC, X, T, N, lam=1e-6, side="sell")
    buy = optimal_trajectory(AC, X, T, N, lam=1e-6, side="buy")
    np.testing.assert_array_equal(sell.holdings, buy.holdings)
    up = AlmgrenChriss(sigma=SIGMA, impact=AC.impact, drift=0.05)  # the price is expected to rise
    b, s = optimal_trajectory(up, X, T, N, lam=1e-6, side="buy"), optimal_trajectory(up, X, T, N, lam=1e-6, side="sell")
    assert np.all(b.holdings[1:-1] < buy.holdings[1:-1]) and np.all(s.holdings[1:-1] > sell.holdings[1:-1])
    # xbar = alpha / (2 lambda sigma^2) held back by the seller (AC's trajectory with drift), written out
    kappa, xbar = _kappa(1e-6), 0.05 / (2 * 1e-6 * SIGMA**2)
    t = np.arange(N + 1) * TAU
    want = X * np.sinh(kappa * (T - t)) / np.sinh(kappa * T) + xbar * (
        1 - (np.sinh(kappa * (T - t)) + np.sinh(kappa * t)) / np.sinh(kappa * T)
    )
    np.testing.assert_allclose(s.holdings, want, rtol=1e-10)


def test_the_frontier_is_efficient():
    lams = np.logspace(-8, -4, 41)
    f = efficient_frontier(AC, X, T, N, lams, backend="numpy", return_trajectories=True)
    assert np.all(np.diff(f.expected_cost) > 0) and np.all(np.diff(f.variance) < 0)
    for lam, e, v in zip(lams[::10], f.expected_cost[::10], f.variance[::10]):
        kappa = _kappa(lam)
        assert e == pytest.approx(_expected_cost(kappa), rel=1e-11) and v == pytest.approx(_variance(kappa), rel=1e-11)
    # each point minimises E + lambda V among the frontier's trajectories
    for i, lam in enumerate(lams):
        u = f.expected_cost + lam * f.variance
        assert u[i] <= u.min() * (1 + 1e-12)
    assert "efficient frontier, 41 points" in f.summary()


@pytest.mark.parametrize("urgency", [0.0, 0.5, 3.0, 12.0])
def test_urgency_is_kappa_times_the_horizon(urgency):
    lam = urgency_to_lambda(AC, urgency, T, N)
    assert optimal_trajectory(AC, X, T, N, lam=lam).kappa * T == pytest.approx(urgency, rel=1e-12, abs=1e-15)
    assert optimal_trajectory(AC, X, T, N, urgency=urgency).lam == pytest.approx(lam)


def test_the_schedule_rounds_the_optimal_trades_to_lots():
    ac = AlmgrenChriss(sigma=0.02, impact=LinearImpact(gamma=1e-6, eta=1e-3, epsilon=0.005))
    s = ac_schedule(1000, 600.0, 5, ac, urgency=2.0, side="sell")
    exact = optimal_trajectory(ac, 1000.0, 600.0, 5, urgency=2.0).trades
    assert int(s.child_lots.sum()) == 1000 and np.all(np.abs(s.child_lots - exact) < 1) and s.side == -1
    assert np.all(np.diff(s.child_lots) <= 0)  # front-loaded
    np.testing.assert_array_equal(ac_schedule(1000, 600.0, 5, ac, urgency=0.0).child_lots, [200] * 5)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: optimal_trajectory(AC, X, T, N, lam=-1e-6), r"lam must be >= 0, got -1e-06"),
        (lambda: optimal_trajectory(AC, X, T, N), r"give exactly one of lam \(risk aversion\) and urgency"),
        (lambda: optimal_trajectory(AC, X, T, N, lam=1e-6, urgency=1.0), r"give exactly one of lam"),
        (lambda: optimal_trajectory(AC, -5.0, T, N, lam=1e-6), r"quantity must be > 0, got -5\.0"),
        (lambda: optimal_trajectory(AC, X, 0.0, N, lam=1e-6), r"horizon must be > 0, got 0\.0"),
        (lambda: optimal_trajectory(AC, X, T, N, urgency=-1.0), r"urgency must be >= 0, got -1\.0"),
        (lambda: AlmgrenChriss(sigma=float("nan"), impact=AC.impact), r"sigma must be finite, got nan"),
        (lambda: efficient_frontier(AC, X, T, N, [1e-6, -1.0]), r"lambdas must be >= 0"),
        (
            lambda: ac_schedule(100, 5.0, 5, AlmgrenChriss(SIGMA, AC.impact, drift=50.0), lam=1e-8, side="sell"),
            r"drift=50\.0 makes the optimal trajectory trade both ways",
        ),
    ],
)
def test_bad_input_is_refused_by_name(call, match):
    with pytest.raises(InvalidParameters, match=match):
        call()


def test_impact_must_be_a_linear_impact():
    with pytest.raises(TypeError, match="impact must be a LinearImpact, got dict"):
        AlmgrenChriss(sigma=1.0, impact={"gamma": 1.0})
