"""kernels/hjb/api.py on every CPU path.  The linear-ODE solver (1) against scipy.linalg.expm, a
closed form and a 50-digit Taylor sum whose solutions span hundreds of orders of magnitude, exact
special cases and its own semigroup property.  The finite-difference HJB (2) against the exact linear
solution in 1-D and, with correlation and drift in 2-D and 3-D, against scipy's DOP853 on the same ODE
system written out independently here; separability with zero correlation; batches against per-set
calls; the Riccati solver (3) against a generic ODE integrator; and validation."""

import math
from decimal import Decimal, localcontext

import numpy as np
import pytest
import scipy.linalg as sl
from scipy.integrate import solve_ivp
from scipy.special import gammaln, logsumexp

from quantforge.errors import InvalidParameters, MatrixError, NumericalInstability
from quantforge.kernels.hjb import (
    ExponentialSide,
    log_v_gaps,
    solve_hjb_grid,
    solve_linear_hjb,
    solve_quadratic_riccati,
)

CPU = ["numpy", "numba"]


def _dense(diag, lower, upper):
    return np.diag(diag) - np.diag(lower[1:], -1) - np.diag(upper[:-1], 1)


@pytest.mark.parametrize("backend", CPU)
def test_matches_scipy_expm_on_nonuniform_grid(backend, random_system):
    rng = np.random.default_rng(1)
    diag, lower, upper, log_vt = random_system(rng, 5, 15)
    taus = np.array([0.0, 0.01, 0.02, 0.05, 0.3, 0.55, 0.8, 2.0])
    log_v = solve_linear_hjb(diag, lower, upper, log_vt, taus, backend=backend)
    for b in range(5):
        m = _dense(diag[b], lower[b], upper[b])
        for j, tau in enumerate(taus):
            ref = sl.expm(-m * tau) @ np.exp(log_vt[b])
            np.testing.assert_allclose(np.exp(log_v[b, j]), ref, rtol=1e-11)


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
    log_v = solve_linear_hjb(
        np.full((1, n), lam), np.full((1, n), lam), np.zeros((1, n)), (-beta * q**2.0)[None], taus, backend=backend
    )[0]
    ref = np.empty_like(log_v)
    for j, tau in enumerate(taus):
        for i in range(n):
            k = np.arange(i + 1)
            terms = k * np.log(lam * tau) - gammaln(k + 1) if tau > 0 else np.where(k == 0, 0.0, -np.inf)
            ref[j, i] = -lam * tau + logsumexp(terms - beta * (i - k) ** 2.0)
    assert ref.max() - ref.min() > 150
    np.testing.assert_allclose(log_v, ref, rtol=0, atol=1e-12)


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
            term = [
                (-d[i] * term[i] + (lo[i] * term[i - 1] if i else 0) + (up[i] * term[i + 1] if i < len(d) - 1 else 0))
                * t
                / m
                for i in range(len(d))
            ]
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
    diag, lower, upper, lvt = (
        kappa * phi * q**2,
        np.full(q.size, 2.0 / math.e),
        np.full(q.size, 1.5 / math.e),
        -alpha * kappa * q**2,
    )
    for tau in (0.01, 0.1):
        ref = _decimal_taylor(diag, lower, upper, lvt, tau)
        log_v = solve_linear_hjb(diag[None], lower[None], upper[None], lvt[None], np.array([tau]), backend=backend)[
            0, 0
        ]
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
    with pytest.raises(NumericalInstability, match="ln v is not finite"):
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
    args = {
        "diag": np.ones((1, 3)),
        "lower": np.ones((1, 3)),
        "upper": np.ones((1, 3)),
        "log_v_terminal": np.zeros((1, 3)),
        "taus": np.array([0.0, 1.0]),
    }
    for key, value in change.items():
        args[key] = np.full((1, 3), value) if np.ndim(value) == 0 else value
    with pytest.raises(InvalidParameters, match=match):
        solve_linear_hjb(
            args["diag"], args["lower"], args["upper"], args["log_v_terminal"], args["taus"], backend="numpy"
        )


def test_unknown_backend_is_refused():
    with pytest.raises(InvalidParameters, match="backend must be one of .*'fortran'"):
        solve_linear_hjb(
            np.ones((1, 3)), np.ones((1, 3)), np.ones((1, 3)), np.zeros((1, 3)), np.array([1.0]), backend="fortran"
        )


# GLFT in theta form on the Avellaneda–Stoikov market: H(p) = (A/k) C e^{-kp}, C = (1+g/k)^-(1+k/g).
G, S, A, K = 0.1, 2.0, 140.0, 1.5
C = (1 + G / K) ** (-(1 + K / G))
SIDE = ExponentialSide(A * C / K, K)


def test_fd_matches_exact_linear_solution_in_1d():
    q = np.arange(-10, 11, dtype=float)
    taus = np.linspace(0.0, 1.0, 6)
    theta = solve_hjb_grid(
        taus,
        lower_bounds=(-10,),
        upper_bounds=(10,),
        bid_sides=(SIDE,),
        ask_sides=(SIDE,),
        drift=np.array([0.2]),
        penalty=np.array([[G * S * S]]),
        terminal_penalty=np.array([[0.01]]),
    )
    diag = (K * (0.5 * G * S * S * q**2 - 0.2 * q))[None]
    eta = np.full_like(diag, A * C)
    log_v = solve_linear_hjb(diag, eta, eta, (-K * 0.01 * q**2)[None], taus, backend="numpy")[0]
    exact = log_v / K
    # theta = ln(v) / k exactly (no additive constant): both start from theta(0) = -0.01 q^2.
    np.testing.assert_allclose(theta, exact, atol=1e-8)


def test_fd_time_step_convergence_is_fourth_order():
    q = np.arange(-6, 7, dtype=float)
    diag = (K * 0.5 * G * S * S * q**2)[None]
    eta = np.full_like(diag, A * C)
    exact = solve_linear_hjb(diag, eta, eta, np.zeros_like(diag), np.array([0.5]), backend="numpy")[0, 0] / K
    errs = []
    for n in (800, 1600):
        th = solve_hjb_grid(
            np.array([0.5]),
            lower_bounds=(-6,),
            upper_bounds=(6,),
            bid_sides=(SIDE,),
            ask_sides=(SIDE,),
            drift=np.zeros(1),
            penalty=np.array([[G * S * S]]),
            terminal_penalty=np.zeros((1, 1)),
            steps_per_unit=n,
        )
        errs.append(np.abs(th[0] - exact).max())
    order = math.log2(errs[0] / errs[1])
    assert 3.5 < order < 4.5, (errs, order)


def test_zero_correlation_separates_into_one_dimensional_problems():
    taus = np.array([0.5])
    kw = dict(bid_sides=(SIDE, SIDE), ask_sides=(SIDE, SIDE), drift=np.zeros(2), terminal_penalty=np.zeros((2, 2)))
    th2 = solve_hjb_grid(taus, lower_bounds=(-5, -4), upper_bounds=(5, 4), penalty=np.diag([0.4, 0.9]), **kw)
    th_a = solve_hjb_grid(
        taus,
        lower_bounds=(-5,),
        upper_bounds=(5,),
        bid_sides=(SIDE,),
        ask_sides=(SIDE,),
        drift=np.zeros(1),
        penalty=np.array([[0.4]]),
        terminal_penalty=np.zeros((1, 1)),
    )
    th_b = solve_hjb_grid(
        taus,
        lower_bounds=(-4,),
        upper_bounds=(4,),
        bid_sides=(SIDE,),
        ask_sides=(SIDE,),
        drift=np.zeros(1),
        penalty=np.array([[0.9]]),
        terminal_penalty=np.zeros((1, 1)),
    )
    np.testing.assert_allclose(th2[0], th_a[0][:, None] + th_b[0][None, :], atol=1e-9)


def _graph_rhs(lows, highs, bid, ask, mu, gam):
    """RHS of the grid HJB on the flattened grid, built from neighbour index lists (an independent
    construction of eq. (2) of kernels/hjb/api.py); bid/ask: per axis (scale, decay)."""
    shape = tuple(h - lo + 1 for lo, h in zip(lows, highs))
    pts = np.array(list(np.ndindex(*shape)))
    q = pts + np.array(lows)
    index = {tuple(p): i for i, p in enumerate(pts)}
    running = q @ mu - 0.5 * np.einsum("pi,ij,pj->p", q, gam, q)
    links = []
    for axis in range(len(shape)):
        step = np.eye(len(shape), dtype=int)[axis]
        up = np.array([index.get(tuple(p + step), -1) for p in pts])
        dn = np.array([index.get(tuple(p - step), -1) for p in pts])
        links.append((up, dn, bid[axis], ask[axis]))

    def rhs(_, th):
        out = running.copy()
        for up, dn, (bs, bk), (as_, ak) in links:
            has_up, has_dn = up >= 0, dn >= 0
            out[has_up] += bs * np.exp(-bk * (th[has_up] - th[up[has_up]]))
            out[has_dn] += as_ * np.exp(-ak * (th[has_dn] - th[dn[has_dn]]))
        return out

    return rhs, q, shape


@pytest.mark.parametrize(
    "lows, highs, mu, corr",
    [
        ((-4, -3), (4, 3), np.array([0.3, -0.2]), np.array([[1.0, 0.6], [0.6, 1.0]])),
        (
            (-2, -2, -2),
            (2, 2, 2),
            np.array([0.2, 0.0, -0.1]),
            np.array([[1.0, 0.5, -0.3], [0.5, 1.0, 0.2], [-0.3, 0.2, 1.0]]),
        ),
    ],
)
def test_fd_with_correlation_and_drift_matches_dop853(lows, highs, mu, corr):
    d = len(lows)
    sig = np.array([2.0, 1.5, 1.0])[:d]
    gam = G * sig[:, None] * corr * sig[None, :]
    term = 0.02 * np.eye(d) + 0.005 * (np.ones((d, d)) - np.eye(d))
    decays = np.array([1.5, 2.0, 1.2])[:d]
    bid = [(A * (1 + G / k) ** (-(1 + k / G)) / k * f, k) for k, f in zip(decays, (1.0, 0.8, 1.2))]
    ask = [(A * (1 + G / k) ** (-(1 + k / G)) / k * f, k) for k, f in zip(decays, (0.9, 1.1, 1.0))]
    taus = np.array([0.0, 0.2, 1.0])
    # 4000 RK4 steps per unit: its error is then ~1e-10 (1.5e-8 at the default 1000, falling 16x per halving)
    theta = solve_hjb_grid(
        taus,
        lower_bounds=lows,
        upper_bounds=highs,
        bid_sides=[ExponentialSide(*b) for b in bid],
        ask_sides=[ExponentialSide(*a) for a in ask],
        drift=mu,
        penalty=gam,
        terminal_penalty=term,
        steps_per_unit=4000,
    )
    rhs, q, shape = _graph_rhs(lows, highs, bid, ask, mu, gam)
    sol = solve_ivp(
        rhs, (0.0, 1.0), -np.einsum("pi,ij,pj->p", q, term, q), t_eval=taus, method="DOP853", rtol=1e-13, atol=1e-13
    )
    assert sol.success
    ref = sol.y.T.reshape((taus.size,) + shape)
    assert np.ptp(ref[-1]) > 1.0  # the value varies across the grid: a real test of the coupling
    np.testing.assert_allclose(theta, ref, rtol=0, atol=1e-9)


def test_grid_batch_equals_per_set_calls():
    # A batch over drift, penalty and one side's scale; the other parameters are shared.
    drifts = np.array([[0.0, 0.0], [0.3, -0.1], [-0.2, 0.4]])
    pens = np.array([[[0.4, 0.1], [0.1, 0.3]], [[0.4, -0.2], [-0.2, 0.5]], [[0.2, 0.0], [0.0, 0.2]]])
    scales = np.array([30.0, 35.0, 40.0])
    kw = dict(lower_bounds=(-3, -2), upper_bounds=(3, 2), terminal_penalty=0.01 * np.eye(2))
    taus = np.array([0.1, 0.6])
    batch = solve_hjb_grid(
        taus, bid_sides=(ExponentialSide(scales, 1.5), SIDE), ask_sides=(SIDE, SIDE), drift=drifts, penalty=pens, **kw
    )
    assert batch.shape == (3, 2, 7, 5)
    for i in range(3):
        one = solve_hjb_grid(
            taus,
            bid_sides=(ExponentialSide(scales[i], 1.5), SIDE),
            ask_sides=(SIDE, SIDE),
            drift=drifts[i],
            penalty=pens[i],
            **kw,
        )
        np.testing.assert_allclose(batch[i], one, rtol=0, atol=1e-10)
    with pytest.raises(InvalidParameters, match="batch"):
        solve_hjb_grid(
            taus,
            bid_sides=(ExponentialSide(scales[:2], 1.5), SIDE),
            ask_sides=(SIDE, SIDE),
            drift=drifts,
            penalty=pens,
            **kw,
        )


def test_riccati_batch_equals_per_set_calls():
    curv = np.array([[50.0, 80.0], [30.0, 60.0], [70.0, 40.0]])
    pens = np.array([[[0.4, 0.1], [0.1, 0.3]], [[0.4, -0.2], [-0.2, 0.5]], [[0.2, 0.0], [0.0, 0.2]]])
    taus = np.array([0.0, 0.3, 2.0])
    a, b = solve_quadratic_riccati(
        taus, curvature=curv, penalty=pens, drift=np.array([0.1, -0.2]), terminal_penalty=0.01 * np.eye(2)
    )
    assert a.shape == (3, 3, 2, 2) and b.shape == (3, 3, 2)
    for i in range(3):
        a1, b1 = solve_quadratic_riccati(
            taus, curvature=curv[i], penalty=pens[i], drift=np.array([0.1, -0.2]), terminal_penalty=0.01 * np.eye(2)
        )
        np.testing.assert_allclose(a[i], a1, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(b[i], b1, rtol=1e-13, atol=1e-15)


def test_riccati_matches_generic_ode_integration():
    d = np.array([50.0, 80.0, 30.0])
    corr = np.array([[1.0, 0.5, -0.2], [0.5, 1.0, 0.3], [-0.2, 0.3, 1.0]])
    gam = 0.1 * np.outer([2.0, 1.0, 3.0], [2.0, 1.0, 3.0]) * corr
    mu = np.array([0.1, -0.2, 0.05])
    p0 = 0.01 * np.eye(3)
    taus = np.array([0.0, 0.1, 0.7, 2.0])
    a, b = solve_quadratic_riccati(taus, curvature=d, penalty=gam, drift=mu, terminal_penalty=p0)

    def rhs(_, y):
        am = y[:9].reshape(3, 3)
        bv = y[9:]
        da = 0.5 * gam - 4 * am @ np.diag(d) @ am
        db = -mu - 4 * am @ np.diag(d) @ bv
        return np.concatenate([da.ravel(), db])

    sol = solve_ivp(
        rhs, (0.0, 2.0), np.concatenate([p0.ravel(), np.zeros(3)]), t_eval=taus, rtol=1e-11, atol=1e-13, method="DOP853"
    )
    np.testing.assert_allclose(a.reshape(4, 9), sol.y[:9].T, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(b, sol.y[9:].T, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize(
    "change, exc, match",
    [
        ({"penalty": np.array([[1.0, 2.0], [0.0, 1.0]])}, MatrixError, "penalty .* must be symmetric"),
        ({"penalty": np.array([[1.0, 2.0], [2.0, 1.0]])}, MatrixError, "penalty must be positive semi-definite"),
        ({"lower_bounds": (3, -3)}, InvalidParameters, r"lower_bounds\[0\] must be < upper_bounds\[0\]"),
        ({"lower_bounds": (-1, -1, -1, -1), "upper_bounds": (1, 1, 1, 1)}, InvalidParameters, "4 lower bounds"),
        ({"drift": np.array([np.nan, 0.0])}, InvalidParameters, "drift must be finite"),
    ],
)
def test_grid_validation(change, exc, match):
    kw = (
        dict(
            lower_bounds=(-3, -3),
            upper_bounds=(3, 3),
            bid_sides=(SIDE, SIDE),
            ask_sides=(SIDE, SIDE),
            drift=np.zeros(2),
            penalty=np.eye(2),
            terminal_penalty=np.zeros((2, 2)),
        )
        | change
    )
    with pytest.raises(exc, match=match):
        solve_hjb_grid(np.array([1.0]), **kw)


def test_riccati_validation():
    with pytest.raises(InvalidParameters, match="curvature"):
        solve_quadratic_riccati(
            np.array([1.0]), curvature=[-1.0], penalty=[[1.0]], drift=[0.0], terminal_penalty=[[0.0]]
        )
    with pytest.raises(MatrixError, match="penalty must be positive semi-definite"):
        solve_quadratic_riccati(
            np.array([1.0]),
            curvature=[1.0, 1.0],
            penalty=[[1.0, 2.0], [2.0, 1.0]],
            drift=[0.0, 0.0],
            terminal_penalty=np.zeros((2, 2)),
        )


def test_stiff_grid_hjb_is_handed_to_the_implicit_scheme_without_changing_the_quotes(monkeypatch):
    """The implicit scheme that takes over stiff equations (large rates) agrees with RK4 where both
    run: forced from the first step, Cartea-Jaimungal's kappa+ != kappa- depths match the RK4 ones to
    1e-9, for one set and for a batch."""
    import quantforge.kernels.hjb.api as api
    from quantforge.models.cartea_jaimungal import CJParams, cj_exact_depths

    params = CJParams(
        kappa_plus=[15.0, 10.0],
        kappa_minus=[20.0, 12.0],
        lambda_plus=[50.0, 2.0],
        lambda_minus=[40.0, 1.5],
        phi=[0.01, 0.02],
        alpha=0.05,
        mu=[0.0, 0.1],
    )
    taus = np.array([0.0, 0.3, 1.0])
    rk4 = cj_exact_depths(params, taus, -6, 6, backend="numpy")
    monkeypatch.setattr(api, "_STIFF_RK4_STEPS", -(10**9))  # no explicit step at all
    implicit = cj_exact_depths(params, taus, -6, 6, backend="numpy")
    for a, b in zip(rk4, implicit):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-9)


def test_the_propagator_plan_is_found_in_logarithmic_time_and_unchanged():
    """The series order r* is found by doubling and bisection: the same plans as counting from 0 (the
    old rule, copied here) on norms from 1e-8 to 3e4, and a plan at all for a norm of 1e15."""
    from quantforge.kernels.hjb.core import MAX_TERMS, SERIES_TOL, propagator_plan

    def counted(theta, n):
        log_tol = math.log(SERIES_TOL / 2.0)
        x, r = 3.0 * theta, 0
        while not (r + 2 > x and (r + 1) * math.log(x) - math.lgamma(r + 2.0) - math.log(1.0 - x / (r + 2)) < log_tol):
            r += 1
        p = n - 1 + r
        if p <= MAX_TERMS:
            return 0, p
        a = 1
        while True:
            lr = math.log(p) - a * math.log(2.0)
            for k in range(1, MAX_TERMS + 1):
                if a * math.log(2.0) + (k + 1) * lr - math.lgamma(k + 2.0) < log_tol:
                    return a, k
            a += 1

    rng = np.random.default_rng(0)
    for theta in np.concatenate([10.0 ** rng.uniform(-8, 4.5, 400), [1 / 3, 2 / 3, 1.0, 3e4]]):
        for n in (1, 5, 41):
            assert propagator_plan(float(theta), n) == counted(float(theta), n), (theta, n)
    a, k = propagator_plan(1e15, 7)
    assert 40 < a < 60 and 1 <= k <= MAX_TERMS


def test_rates_times_horizon_beyond_the_solvers_range_are_refused():
    with pytest.raises(InvalidParameters, match="beyond 1e15"):
        solve_linear_hjb([[0.0, 0.0]], [[0.0, 1e300]], [[1e300, 0.0]], np.zeros((1, 2)), np.array([0.0, 1.0]))
    with pytest.raises(InvalidParameters, match="steps_per_unit=1000000.0 over taus.* asks for 1e\\+06 RK4 steps"):
        solve_hjb_grid(
            np.array([1.0]),
            lower_bounds=(-1,),
            upper_bounds=(1,),
            bid_sides=(SIDE,),
            ask_sides=(SIDE,),
            drift=np.zeros(1),
            penalty=np.zeros((1, 1)),
            terminal_penalty=np.zeros((1, 1)),
            steps_per_unit=1e6,
        )


def test_a_horizon_of_any_length_reaches_the_stationary_riccati_solution():
    """An interval of more than 10 000 restarts stops at the stationary solution (1e300 hung)."""
    a_long, b_long = solve_quadratic_riccati(
        np.array([1e3, 1e300]), curvature=[50.0], penalty=[[0.4]], drift=[0.1], terminal_penalty=[[0.0]]
    )
    np.testing.assert_allclose(a_long[1], a_long[0], rtol=1e-12)
    np.testing.assert_allclose(b_long[1], b_long[0], rtol=1e-9, atol=1e-15)
