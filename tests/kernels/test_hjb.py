"""kernels/hjb.py: the batched linear-ODE solver against scipy.linalg.expm, exact special cases and
its own semigroup property; numba against the numpy reference."""

import numpy as np
import pytest
import scipy.linalg as sl

from quantforge.errors import InvalidParameters, NumericalInstability
from quantforge.kernels.hjb import log_v_gaps, solve_linear_hjb

CPU = ["numpy", "numba"]


def _random_system(rng, n_sets, n):
    q = np.arange(n) - n // 2
    diag = rng.uniform(0.05, 1.0, (n_sets, 1)) * q**2 + rng.normal(size=(n_sets, 1)) * q
    lower = rng.uniform(0.5, 3.0, (n_sets, n))
    upper = rng.uniform(0.5, 3.0, (n_sets, n))
    log_vt = -rng.uniform(0.0, 0.2, (n_sets, 1)) * q**2
    return diag, lower, upper, log_vt


def _dense(diag, lower, upper):
    return np.diag(diag) - np.diag(lower[1:], -1) - np.diag(upper[:-1], 1)


@pytest.mark.parametrize("backend", CPU)
def test_matches_scipy_expm_on_nonuniform_grid(backend):
    rng = np.random.default_rng(1)
    diag, lower, upper, log_vt = _random_system(rng, 5, 15)
    taus = np.array([0.0, 0.01, 0.02, 0.05, 0.3, 0.55, 0.8, 2.0])
    log_v = solve_linear_hjb(diag, lower, upper, log_vt, taus, backend=backend)
    for b in range(5):
        m = _dense(diag[b], lower[b], upper[b])
        for j, tau in enumerate(taus):
            ref = sl.expm(-m * tau) @ np.exp(log_vt[b])
            np.testing.assert_allclose(np.exp(log_v[b, j]), ref, rtol=1e-11)


def test_numba_equals_numpy_reference():
    rng = np.random.default_rng(2)
    diag, lower, upper, log_vt = _random_system(rng, 7, 31)
    taus = np.linspace(0.0, 3.0, 40)
    a = solve_linear_hjb(diag, lower, upper, log_vt, taus, backend="numpy")
    b = solve_linear_hjb(diag, lower, upper, log_vt, taus, backend="numba")
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("backend", CPU)
def test_diagonal_system_keeps_relative_accuracy_of_tiny_components(backend):
    # v_q(tau) = exp(-d_q tau) v_q(0) spans e^-500..1: a dense expm holds the small components only
    # to ~1e-16 of the largest; the non-negative scheme keeps each to its own relative accuracy.
    q = np.arange(-50, 51, dtype=float)
    diag = (0.2 * q**2)[None]
    zeros = np.zeros_like(diag)
    taus = np.linspace(0.0, 1.0, 11)
    log_v = solve_linear_hjb(diag, zeros, zeros, zeros, taus, backend=backend)
    np.testing.assert_allclose(log_v[0], -taus[:, None] * diag, rtol=1e-13, atol=1e-12)


@pytest.mark.parametrize("backend", CPU)
def test_semigroup_keeps_small_components_accurate(backend):
    # GLFT matrix with gamma = 1, Q = 50: v spans ~e^-110..e^68.  Solving to 1.0 in one step and
    # in 200 steps uses different propagators; agreement of every component (also at the bounds,
    # where v is ~e^-178 of its maximum) checks the componentwise accuracy.
    q = np.arange(-50, 51, dtype=float)
    gamma, sigma, a, k = 1.0, 2.0, 140.0, 1.5
    diag = (k * gamma * sigma**2 / 2 * q**2)[None]
    eta = np.full_like(diag, a * (1 + gamma / k) ** (-(1 + k / gamma)))
    zeros = np.zeros_like(diag)
    one = solve_linear_hjb(diag, eta, eta, zeros, np.array([1.0]), backend=backend)[0, -1]
    many = solve_linear_hjb(diag, eta, eta, zeros, np.linspace(0.005, 1.0, 200), backend=backend)[0, -1]
    assert one.max() - one.min() > 170
    np.testing.assert_allclose(one, many, rtol=1e-11, atol=1e-9)


def test_log_v_gaps_marks_the_bounds():
    down, up = log_v_gaps(np.array([[0.0, 1.0, 3.0]]))
    np.testing.assert_array_equal(down, [[-1.0, -2.0, np.inf]])
    np.testing.assert_array_equal(up, [[np.inf, 1.0, 2.0]])
    with pytest.raises(NumericalInstability):
        log_v_gaps(np.array([[0.0, -np.inf, 1.0]]))


@pytest.mark.parametrize(
    "change, match",
    [
        ({"lower": -1.0}, "rates"),
        ({"diag": np.nan}, "diag"),
        ({"taus": np.array([0.0, 0.5, 0.4])}, "taus"),
        ({"taus": np.array([-1.0])}, "taus"),
        ({"upper": np.ones((2, 5))}, "upper"),
    ],
)
def test_bad_input_is_refused(change, match):
    args = {"diag": np.ones((1, 3)), "lower": np.ones((1, 3)), "upper": np.ones((1, 3)), "log_v_terminal": np.zeros((1, 3)), "taus": np.array([0.0, 1.0])}
    for key, value in change.items():
        args[key] = np.full((1, 3), value) if np.ndim(value) == 0 else value
    with pytest.raises(InvalidParameters, match=match):
        solve_linear_hjb(args["diag"], args["lower"], args["upper"], args["log_v_terminal"], args["taus"], backend="numpy")


def test_unknown_backend_is_refused():
    with pytest.raises(InvalidParameters):
        solve_linear_hjb(np.ones((1, 3)), np.ones((1, 3)), np.ones((1, 3)), np.zeros((1, 3)), np.array([1.0]), backend="fortran")
