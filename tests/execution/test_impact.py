"""execution/impact.py: the expected cost of any trade list against the price process stepped by hand
(Almgren & Chriss 2000, eqs. 2-3 with the noise switched off), and the variance of the straight line
against the paper's closed form."""

from __future__ import annotations

import numpy as np
import pytest

from quantforge.errors import InvalidParameters
from quantforge.execution import LinearImpact, cost_variance
from quantforge.execution.impact import holdings_from_trades


def _cost_by_stepping(trades, imp, tau, s0=50.0):
    """Buy n_k at S~_k = S_{k-1} + eps + eta n_k / tau, then S_k = S_{k-1} + gamma n_k: the paper's
    dynamics without noise (a buyer's impact raises the price), minus the arrival value."""
    s, paid = s0, 0.0
    for n in trades:
        paid += n * (s + np.sign(n) * imp.epsilon + imp.eta * n / tau)
        s += imp.gamma * n
    return paid - sum(trades) * s0


@pytest.mark.parametrize("trades", [[2e5] * 5, [5e5, 2e5, 2e5, 1e5, 0.0], [1.0, 3.0, 0.0, 7.0]])
def test_expected_cost_is_the_stepped_price_process(trades):
    imp = LinearImpact(gamma=2.5e-7, eta=2.5e-6, epsilon=0.0625)
    assert imp.expected_cost(trades, 1.0) == pytest.approx(_cost_by_stepping(trades, imp, 1.0), rel=1e-12)


def test_variance_of_the_straight_line_is_the_papers():
    # AC (2000): the linear trajectory has V = sigma^2 X^2 T (1 - 1/N)(1 - 1/(2N)) / 3
    X, T, N, sigma = 1e6, 5.0, 5, 0.95
    v = cost_variance([X / N] * N, sigma, T / N)
    assert v == pytest.approx(sigma**2 * X**2 * T * (1 - 1 / N) * (1 - 1 / (2 * N)) / 3, rel=1e-12)


def test_holdings_and_impact_functions():
    np.testing.assert_array_equal(holdings_from_trades([1.0, 2.0, 3.0]), [6.0, 5.0, 3.0, 0.0])
    imp = LinearImpact(gamma=0.1, eta=0.01, epsilon=0.5)
    np.testing.assert_allclose(imp.temporary([100.0, -100.0, 0.0]), [1.5, -1.5, 0.0])
    np.testing.assert_allclose(imp.permanent(10.0), 1.0)
    assert imp.eta_tilde(0.1) == pytest.approx(0.01 - 0.005)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: LinearImpact(gamma=-1.0, eta=1.0), r"gamma must be >= 0, got -1\.0"),
        (lambda: LinearImpact(gamma=0.0, eta=0.0), r"eta must be > 0, got 0\.0"),
        (lambda: LinearImpact(gamma=1.0, eta=0.1).eta_tilde(1.0), r"eta - gamma \* tau / 2 must be > 0"),
        (lambda: LinearImpact(0.0, 1.0).expected_cost([1.0, np.nan], 1.0), r"trades must be finite everywhere"),
        (lambda: cost_variance([1.0], -0.1, 1.0), r"sigma must be >= 0, got -0\.1"),
    ],
)
def test_bad_input_is_refused_by_name(call, match):
    with pytest.raises(InvalidParameters, match=match):
        call()
