"""kernels/execution (the public API): every backend against the reference, the frontier against the
quadratic program it solves (numpy's linear solver as the oracle), the functionals against sums over
kernels.sde paths, and named errors."""

from __future__ import annotations

import numpy as np
import pytest

from quantforge.errors import InvalidParameters
from quantforge.kernels.execution import liquidation_frontier, liquidation_parameters, path_functionals
from quantforge.kernels.sde import GBM, ItoProcess, Kou, Merton, simulate

N = 12
LAMS = np.array([0.0, 1e-10, 1e-8, 3e-7, 1e-6, 1e-5, 1e-3, 10.0])


def _prm(drift=0.0):
    return liquidation_parameters(1e6, 5.0, N, 0.95, 2.5e-7, 2.5e-6, 0.0625, drift)


def _optimum(prm_args, lam, drift):
    """The minimiser of E + lambda V over x_1 .. x_{N-1} (x_0 = X, x_N = 0), from its normal equations:
    (2 eta~ / tau) (2 x_j - x_{j-1} - x_{j+1}) + 2 lambda sigma^2 tau x_j = drift tau, solved densely."""
    X, T, n, sigma, gamma, eta = prm_args
    tau = T / n
    eta_t = eta - 0.5 * gamma * tau
    a = np.zeros((n - 1, n - 1))
    b = np.full(n - 1, drift * tau)
    for j in range(n - 1):
        a[j, j] = 4 * eta_t / tau + 2 * lam * sigma**2 * tau
        if j > 0:
            a[j, j - 1] = -2 * eta_t / tau
        if j < n - 2:
            a[j, j + 1] = -2 * eta_t / tau
    b[0] += 2 * eta_t / tau * X
    return np.concatenate([[X], np.linalg.solve(a, b), [0.0]])


@pytest.mark.parametrize("drift", [0.0, 0.01, -0.02])
def test_frontier_trajectories_minimise_the_quadratic_program(drift):
    f = liquidation_frontier(LAMS, _prm(drift), N, return_trajectories=True, backend="numpy")
    for lam, row in zip(LAMS, f.trajectories):
        want = _optimum((1e6, 5.0, N, 0.95, 2.5e-7, 2.5e-6), lam, drift)
        np.testing.assert_allclose(row, want, rtol=1e-9, atol=1e-6)


@pytest.mark.parametrize("drift", [0.0, 0.01])
def test_every_backend_gives_the_reference_frontier(backend, drift):
    ref = liquidation_frontier(LAMS, _prm(drift), N, return_trajectories=True, backend="numpy")
    got = liquidation_frontier(LAMS, _prm(drift), N, return_trajectories=True, backend=backend)
    np.testing.assert_allclose(got.kappa, ref.kappa, rtol=1e-13, atol=0)
    np.testing.assert_allclose(got.expected_cost, ref.expected_cost, rtol=1e-12)
    np.testing.assert_allclose(got.variance, ref.variance, rtol=1e-11)
    np.testing.assert_allclose(got.trajectories, ref.trajectories, rtol=1e-11, atol=1e-6)
    assert liquidation_frontier(LAMS, _prm(drift), N, backend=backend).trajectories is None


def test_the_frontier_trades_cost_for_risk():
    f = liquidation_frontier(np.logspace(-9, -4, 50), _prm(), N, backend="numba")
    assert np.all(np.diff(f.expected_cost) > 0) and np.all(np.diff(f.variance) < 0)
    assert np.all(np.diff(f.kappa) > 0)


MODELS = {
    "gbm": GBM(mu=0.0, sigma=0.25),
    "merton": Merton(mu=0.02, sigma=0.2, lam=8.0, jump_mean=-0.03, jump_vol=0.04),
    "kou": Kou(mu=0.0, sigma=0.2, lam=8.0, p_up=0.4, eta_up=20.0, eta_down=15.0),
}


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("scheme", ["exact", "euler"])
def test_functionals_are_weighted_sums_of_the_sde_paths(backend, name, scheme):
    model = MODELS[name]
    w = np.random.default_rng(4).normal(size=(4, 21))
    paths = simulate(
        model, 50.0, 0.5, 21, 37, scheme=scheme, seed=6, stream=3, return_paths=True, backend="numpy"
    ).paths
    want = w @ (paths[:, :21] - 50.0).T
    got = path_functionals(model, 50.0, 0.5, 21, w, 37, scheme=scheme, seed=6, stream=3, backend=backend)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())


def test_functionals_of_a_chunk_are_those_of_the_whole():
    w = np.ones((2, 9))
    whole = path_functionals(MODELS["merton"], 20.0, 1.0, 9, w, 50, seed=1, backend="numba")
    part = path_functionals(MODELS["merton"], 20.0, 1.0, 9, w, 20, seed=1, path_offset=30, backend="numba")
    np.testing.assert_array_equal(part, whole[:, 30:])


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: liquidation_parameters(-1.0, 5.0, 5, 0.95, 0.0, 1e-6), r"quantity must be > 0, got -1\.0"),
        (lambda: liquidation_parameters(1e6, 0.0, 5, 0.95, 0.0, 1e-6), r"horizon must be > 0, got 0\.0"),
        (lambda: liquidation_parameters(1e6, 5.0, 5, float("nan"), 0.0, 1e-6), r"sigma must be finite, got nan"),
        (lambda: liquidation_parameters(1e6, 5.0, 1, 0.95, 1.0, 0.1), r"eta - gamma \* tau / 2 must be > 0"),
        (lambda: liquidation_frontier([1e-6, -1.0], _prm(), N), r"lambdas must be >= 0.*lambdas\[1\] = -1\.0"),
        (
            lambda: liquidation_frontier([np.nan], _prm(), N),
            r"lambdas must be finite everywhere; lambdas\[\(0,\)\] = nan",
        ),
        (
            lambda: liquidation_frontier([1e-6], _prm(), N + 1),
            r"prm must come from liquidation_parameters\(\.\.\., n_steps=13",
        ),
        (
            lambda: path_functionals(GBM(0.0, 0.2), 10.0, 1.0, 4, np.ones((2, 3)), 5),
            r"weights must have shape \(n_w, n_steps\) = \(n_w, 4\), got \(2, 3\)",
        ),
        (
            lambda: path_functionals(GBM(0.0, 0.2), 10.0, 1.0, 4, np.full((1, 4), np.nan), 5),
            r"weights must be finite everywhere",
        ),
        (lambda: path_functionals(GBM(0.0, 0.2), -1.0, 1.0, 4, np.ones((1, 4)), 5), r"x0 must be > 0, got -1\.0"),
        (
            lambda: path_functionals(GBM(0.0, 0.2), 1.0, 1.0, 4, np.ones((1, 4)), 5, scheme="rk4"),
            r"scheme must be one of 'euler', 'milstein', 'exact'; got 'rk4'",
        ),
    ],
)
def test_bad_input_is_refused_by_name(call, match):
    with pytest.raises(InvalidParameters, match=match):
        call()


def test_an_ito_process_is_a_type_error():
    ito = ItoProcess(lambda t, x: 0 * x, lambda t, x: 0 * x + 1)
    with pytest.raises(TypeError, match="model must be GBM, Merton or Kou"):
        path_functionals(ito, 1.0, 1.0, 4, np.ones((1, 4)), 5)
