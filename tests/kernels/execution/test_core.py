"""kernels/execution/core.py: the plain-Python scalar core (the source both compiled paths build) against
the closed forms of Almgren & Chriss (2000) written out here, and its edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from quantforge.kernels.execution import liquidation_parameters
from quantforge.kernels.execution.core import (
    BIG_KAPPA_T,
    Prm,
    frontier_scalar,
    kappa_scalar,
    moments_scalar,
    sums_scalar,
    trajectory_scalar,
)

N = 8


def _prm(drift=0.0):
    return liquidation_parameters(1e5, 2.0, N, 0.7, 1e-6, 4e-5, 0.01, drift)


@pytest.mark.parametrize("lam", [1e-9, 1e-6, 1e-4, 1e-2])
def test_kappa_solves_the_discrete_relation(lam):
    prm = _prm()
    tau, eta_t = prm[Prm.TAU], prm[Prm.ETA_TILDE]
    kappa = kappa_scalar(lam, prm)
    # AC (2000): 2 (cosh(kappa tau) - 1) / tau^2 = lambda sigma^2 / eta~, the relation itself
    assert 2 * (math.cosh(kappa * tau) - 1) / tau**2 == pytest.approx(lam * prm[Prm.SIGMA] ** 2 / eta_t, rel=1e-12)
    assert kappa == pytest.approx(math.acosh(1 + lam * prm[Prm.SIGMA] ** 2 * tau**2 / (2 * eta_t)) / tau, rel=1e-7)


@pytest.mark.parametrize("lam", [0.0, 1e-7, 1e-4, 1.0])
def test_trajectory_is_the_sinh_ratio(lam):
    prm = _prm()
    row = np.empty(N + 1)
    kappa = kappa_scalar(lam, prm)
    trajectory_scalar(lam, kappa, prm, N, row)
    t = np.arange(N + 1) * prm[Prm.TAU]
    T = prm[Prm.HORIZON]
    want = (T - t) / T if kappa == 0 else np.sinh(kappa * (T - t)) / np.sinh(kappa * T)
    np.testing.assert_allclose(row, prm[Prm.QUANTITY] * want, rtol=1e-12, atol=1e-7)
    assert row[0] == prm[Prm.QUANTITY] and row[-1] == 0.0


def test_trajectory_beyond_the_overflow_of_sinh():
    prm = _prm()
    lam = 1e60  # kappa tau grows like log(lambda): kappa T far above 700, the exponential form
    kappa = kappa_scalar(lam, prm)
    assert kappa * prm[Prm.HORIZON] > BIG_KAPPA_T
    row = np.empty(N + 1)
    trajectory_scalar(lam, kappa, prm, N, row)
    t = np.arange(N + 1) * prm[Prm.TAU]
    np.testing.assert_allclose(row, prm[Prm.QUANTITY] * np.exp(-kappa * t) * (t < prm[Prm.HORIZON]), rtol=1e-12)


@pytest.mark.parametrize("lam", [0.0, 1e-12, 1e-6, 1e-3])
def test_drift_term_solves_the_first_order_conditions(lam):
    """With drift a, the optimum of E + lambda V satisfies (x_{j-1} - 2x_j + x_{j+1}) / tau^2 =
    (lambda sigma^2 / eta~) x_j - a / (2 eta~) at j = 1 .. N-1 (the Euler-Lagrange equations of AC)."""
    a = 3e-3
    prm = _prm(drift=a)
    row = np.empty(N + 1)
    trajectory_scalar(lam, kappa_scalar(lam, prm), prm, N, row)
    tau, eta_t, sig = prm[Prm.TAU], prm[Prm.ETA_TILDE], prm[Prm.SIGMA]
    lhs = (row[:-2] - 2 * row[1:-1] + row[2:]) / tau**2
    rhs = lam * sig**2 / eta_t * row[1:-1] - a / (2 * eta_t)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-8, atol=1e-8 * abs(a / (2 * eta_t)))
    assert row[0] == prm[Prm.QUANTITY] and row[-1] == 0.0


def test_moments_are_the_sums_of_the_paper():
    prm = _prm(drift=1e-3)
    rng = np.random.default_rng(1)
    row = np.concatenate([[prm[Prm.QUANTITY]], np.sort(rng.uniform(0, 1e5, N - 1))[::-1], [0.0]])
    e, v = moments_scalar(row, prm, N)
    n = -np.diff(row)
    tau = prm[Prm.TAU]
    want_e = (
        0.5 * prm[Prm.GAMMA] * row[0] ** 2
        + prm[Prm.EPSILON] * np.abs(n).sum()
        + (prm[Prm.ETA] - 0.5 * prm[Prm.GAMMA] * tau) / tau * (n**2).sum()
        - 1e-3 * tau * row[1:].sum()
    )
    assert e == pytest.approx(want_e, rel=1e-13)
    assert v == pytest.approx(prm[Prm.SIGMA] ** 2 * tau * (row[1:] ** 2).sum(), rel=1e-13)


@pytest.mark.parametrize("lam", [0.0, 1e-9, 1e-5, 1.0, 1e60])
def test_sums_on_the_fly_are_the_sums_of_the_trajectory(lam):
    prm = _prm()
    row = np.empty(N + 1)
    kappa = kappa_scalar(lam, prm)
    trajectory_scalar(lam, kappa, prm, N, row)
    e, v = sums_scalar(kappa, prm, N)
    want_e, want_v = moments_scalar(row, prm, N)
    assert e == pytest.approx(want_e, rel=1e-13) and v == pytest.approx(want_v, rel=1e-12, abs=1e-300)


def test_frontier_point_combines_them():
    row = np.full(N + 1, np.nan)
    kappa, e, v = frontier_scalar(1e-5, _prm(), N, row, False)  # no drift, no row wanted: summed on the fly
    assert kappa == kappa_scalar(1e-5, _prm()) and (e, v) == sums_scalar(kappa, _prm(), N) and np.isnan(row).all()
    prm = _prm(drift=1e-3)
    kappa, e, v = frontier_scalar(1e-5, prm, N, row, False)  # a drift needs the row
    assert (e, v) == moments_scalar(row, prm, N) and row[0] == prm[Prm.QUANTITY]
