"""kernels/hjb.py: the batched linear-ODE solver against scipy.linalg.expm, a closed form and a
50-digit Taylor sum whose solutions span hundreds of orders of magnitude, exact special cases and its
own semigroup property; numba against the numpy reference."""

import math
from decimal import Decimal, localcontext

import numpy as np
import pytest
import scipy.linalg as sl
from scipy.special import gammaln, logsumexp

from quantforge.errors import InvalidParameters, NumericalInstability
from quantforge.kernels.hjb import _numpy_propagator, log_v_gaps, solve_linear_hjb

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


GRIDS = {
    "uniform": np.linspace(0.0, 3.0, 40),
    "uniform, longer than a block of the numba path": np.linspace(0.0, 3.0, 2500),
    "runs and irregular points": np.concatenate([np.linspace(0.1, 1.0, 10), [1.05, 1.3, 1.31, 1.9], np.linspace(2.0, 4.0, 41)]),
    "one point": np.array([0.7]),
}


@pytest.mark.parametrize("n", [1, 2, 5, 31])
@pytest.mark.parametrize("grid", list(GRIDS))
def test_numba_equals_numpy_reference(n, grid):
    rng = np.random.default_rng(2)
    diag, lower, upper, log_vt = _random_system(rng, 7, n)
    a = solve_linear_hjb(diag, lower, upper, log_vt, GRIDS[grid], backend="numpy")
    b = solve_linear_hjb(diag, lower, upper, log_vt, GRIDS[grid], backend="numba")
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("backend", CPU)
def test_far_transport_matches_the_poisson_closed_form(backend):
    # Pure birth chain dv_q/dtau = -lam v_q + lam v_{q-1} (v_0 has no lower neighbour):
    # v_q(tau) = e^{-lam tau} sum_{k <= q} (lam tau)^k / k! v_{q-k}(0).  With ln v(0) = -beta q^2
    # the top components at tau = 0.1 (lam tau = 2) are fed from ~30 states below, a 30-hop term:
    # a propagator whose Taylor series is cut by its norm alone has no such entries and gets them
    # wrong by up to a factor e^2.
    lam, n, beta = 20.0, 60, 0.05
    q = np.arange(n)
    taus = np.array([0.0, 0.1, 0.7, 1.3, 2.0])
    log_v = solve_linear_hjb(np.full((1, n), lam), np.full((1, n), lam), np.zeros((1, n)), (-beta * q**2.0)[None], taus,
                             backend=backend)[0]
    ref = np.empty_like(log_v)
    for j, tau in enumerate(taus):
        for i in range(n):
            k = np.arange(i + 1)
            terms = k * np.log(lam * tau) - gammaln(k + 1) if tau > 0 else np.where(k == 0, 0.0, -np.inf)
            ref[j, i] = -lam * tau + logsumexp(terms - beta * (i - k) ** 2.0)
    assert ref.max() - ref.min() > 150
    np.testing.assert_allclose(log_v, ref, rtol=0, atol=1e-12)


def test_every_propagator_entry_is_relatively_accurate():
    # exp(N s) for a non-negative tridiagonal N (n = 30, ||N s|| = 3.6): its entries span ~1e-40..1e1.
    # Reference: the Taylor series summed entry by entry in 40-digit arithmetic (all terms >= 0).
    n, s = 30, 0.3
    rng = np.random.default_rng(4)
    nd, lo, up = rng.uniform(0.0, 4.0, n), rng.uniform(1.0, 4.0, n), rng.uniform(1.0, 4.0, n)
    lo[0], up[-1] = 0.0, 0.0
    norm = float((nd + lo + up).max())
    prop, log_factor = _numpy_propagator(nd[None], lo[None], up[None], np.array([norm]), s, np.eye(n)[None])
    got = prop[0] * math.exp(log_factor[0])
    with localcontext() as ctx:
        ctx.prec = 40
        a = [[Decimal(0)] * n for _ in range(n)]
        for i in range(n):
            a[i][i] = Decimal(float(nd[i])) * Decimal(s)
            if i:
                a[i][i - 1] = Decimal(float(lo[i])) * Decimal(s)
            if i < n - 1:
                a[i][i + 1] = Decimal(float(up[i])) * Decimal(s)
        term = [[Decimal(int(i == k)) for k in range(n)] for i in range(n)]
        total = [row[:] for row in term]
        for m in range(1, 200):
            term = [[sum(a[i][j] * term[j][k] for j in range(max(0, i - 1), min(n, i + 2))) / m for k in range(n)] for i in range(n)]
            total = [[x + y for x, y in zip(r1, r2)] for r1, r2 in zip(total, term)]
            if m > n + 20 and max(max(r) for r in term) < Decimal(10) ** -60:
                break
        ref = np.array([[float(x) for x in row] for row in total])
    assert ref.min() < 1e-30 * ref.max()
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=0)


def _decimal_taylor(diag, lower, upper, log_v0, tau, digits=50):
    """ln(exp(-M tau) v0) by the plain Taylor series of the definition in ``digits``-digit arithmetic."""
    with localcontext() as ctx:
        ctx.prec = digits
        d, lo, up = ([Decimal(float(x)) for x in a] for a in (diag, lower, upper))
        t = Decimal(float(tau))
        term = [Decimal(float(x)).exp() for x in log_v0]
        total = list(term)
        tol = Decimal(10) ** (5 - digits)
        for m in range(1, 10_000):
            term = [(-d[i] * term[i] + (lo[i] * term[i - 1] if i else 0) + (up[i] * term[i + 1] if i < len(d) - 1 else 0)) * t / m
                    for i in range(len(d))]
            total = [a + b for a, b in zip(total, term)]
            if m > 20 and max(abs(x) for x in term) <= tol * min(total):
                break
        return np.array([float(x.ln()) for x in total])


@pytest.mark.parametrize("backend", CPU)
def test_terminal_penalty_case_matches_a_50_digit_taylor_sum(backend):
    # Cartea–Jaimungal (CJP ch. 10) on -50..50 with alpha kappa = 0.75: ln v(0) spans 1875, so all
    # but the middle components of v(0) underflow, and at tau = 0.01 those near the bounds are fed
    # through many fills from the middle (ln v there ~ -290).  Quotes are differences of ln v.
    q = np.arange(-50, 51, dtype=float)
    kappa, phi, alpha = 15.0, 0.01, 0.05
    diag, lower, upper, lvt = kappa * phi * q**2, np.full(q.size, 2.0 / math.e), np.full(q.size, 1.5 / math.e), -alpha * kappa * q**2
    for tau in (0.01, 0.1):
        ref = _decimal_taylor(diag, lower, upper, lvt, tau)
        log_v = solve_linear_hjb(diag[None], lower[None], upper[None], lvt[None], np.array([tau]), backend=backend)[0, 0]
        assert ref.max() - ref.min() > 200
        np.testing.assert_allclose(log_v, ref, rtol=0, atol=1e-11)
        np.testing.assert_allclose(np.diff(log_v), np.diff(ref), rtol=0, atol=1e-12)


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
