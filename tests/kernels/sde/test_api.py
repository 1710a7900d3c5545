"""kernels/sde (the public API): cross-backend identity, QuantLib and Haug prices, convergence orders, jump laws, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import QuantLib as ql
from numba import njit
from scipy import stats

from quantforge.errors import InvalidParameters, NumericalInstability
from quantforge.kernels import backend as bk
from quantforge.kernels.rng import Philox, philox4x32
from quantforge.kernels.sde import (
    GBM,
    SCHEMES,
    ItoProcess,
    Kou,
    Merton,
    european_price,
    simulate,
    solve_path,
    solve_step,
)

MODELS = {
    "gbm": GBM(mu=0.05, sigma=0.3),
    "merton": Merton(mu=0.05, sigma=0.2, lam=4.0, jump_mean=-0.1, jump_vol=0.15),
    "kou": Kou(mu=0.05, sigma=0.2, lam=4.0, p_up=0.4, eta_up=8.0, eta_down=5.0),
}
FIELDS = ("terminal", "maximum", "minimum", "average", "paths")


# --- one stream, every backend ----------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_backends_give_the_reference_paths(backend, name, scheme):
    kw = dict(scheme=scheme, seed=11, stream=3, return_paths=True)
    ref = simulate(MODELS[name], 100.0, 1.0, 33, 64, backend="numpy", **kw)
    got = simulate(MODELS[name], 100.0, 1.0, 33, 64, backend=backend, **kw)
    for f in FIELDS:  # same numbers up to the libms' last ulps, accumulated over 33 steps
        np.testing.assert_allclose(getattr(got, f), getattr(ref, f), rtol=1e-13, atol=0)
    np.testing.assert_array_equal(got.jump_count, ref.jump_count)
    assert ref.paths[:, -1].tolist() == ref.terminal.tolist()


def test_chunks_of_paths_give_the_same_paths(backend):
    whole = simulate(MODELS["kou"], 100.0, 1.0, 20, 40, seed=2, backend=backend)
    part = simulate(MODELS["kou"], 100.0, 1.0, 20, 15, seed=2, path_offset=25, backend=backend)
    np.testing.assert_array_equal(part.terminal, whole.terminal[25:])
    np.testing.assert_array_equal(part.jump_count, whole.jump_count[25:])


def _jump_counts(seed, stream, lam_dt, n_paths, n_steps, path_offset=0):
    """The documented jump-count layout rebuilt from raw Philox words: step j of path p inverts
    u = (w + 1/2) 2^-32, w word j % 4 of counter (j // 4, 0, p, stream), through scipy's Poisson ppf."""
    j = np.arange(n_steps)
    ctr = np.zeros((n_paths, n_steps, 4), dtype=np.uint32)
    ctr[..., 0] = j // 4
    ctr[..., 2] = np.arange(path_offset, path_offset + n_paths)[:, None]
    ctr[..., 3] = stream
    key = np.array([seed & 0xFFFFFFFF, seed >> 32], dtype=np.uint32)
    words = philox4x32(ctr, key, backend="numpy")
    w = np.take_along_axis(words, np.broadcast_to((j % 4)[None, :, None], (n_paths, n_steps, 1)), axis=2)[..., 0]
    return stats.poisson.ppf((w + 0.5) / 2.0**32, lam_dt).astype(np.int64)


def test_draw_layout_is_the_documented_one():
    model, n_paths, n_steps, dt = MODELS["merton"], 50, 18, 0.25 / 18
    res = simulate(model, 100.0, 0.25, n_steps, n_paths, seed=9, stream=6, return_paths=True, backend="numba")
    counts = _jump_counts(9, 7, model.lam * dt, n_paths, n_steps)
    assert counts.sum() > 20  # enough jumps for the layout to be exercised
    np.testing.assert_array_equal(res.jump_count, counts.sum(axis=1))
    z = Philox(9, 6).normals(n_paths, n_steps, backend="numpy")
    zj = Philox(9, 8).normals(n_paths, n_steps, backend="numpy")
    jsum = np.where(counts > 0, counts * model.jump_mean + model.jump_vol * np.sqrt(counts) * zj, 0.0)
    log_steps = (model.mu - model.lam * model.kappa - 0.5 * model.sigma**2) * dt + model.sigma * np.sqrt(dt) * z + jsum
    exact = simulate(model, 100.0, 0.25, n_steps, n_paths, scheme="exact", seed=9, stream=6, backend="numba")
    np.testing.assert_allclose(exact.terminal, 100.0 * np.exp(log_steps.sum(axis=1)), rtol=1e-12)
    # injected increments equal to the stream's own normals reproduce the run
    inj = simulate(
        model, 100.0, 0.25, n_steps, n_paths, seed=9, stream=6, increments=z * math.sqrt(dt), backend="numba"
    )
    np.testing.assert_allclose(inj.terminal, res.terminal, rtol=1e-14)


def test_streamed_summaries_match_the_full_paths():
    res = simulate(MODELS["kou"], 100.0, 1.0, 40, 30, seed=4, return_paths=True, backend="numba")
    np.testing.assert_array_equal(res.maximum, res.paths.max(axis=1))
    np.testing.assert_array_equal(res.minimum, res.paths.min(axis=1))
    np.testing.assert_allclose(res.average, res.paths[:, 1:].mean(axis=1), rtol=1e-14)


# --- prices against QuantLib and Haug ------------------------------------------------------------
def _flat(today, rate):
    return ql.YieldTermStructureHandle(ql.FlatForward(today, rate, ql.Actual365Fixed()))


def test_gbm_call_matches_quantlib_analytic():
    today = ql.Date(15, 1, 2024)
    ql.Settings.instance().evaluationDate = today
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(100.0)),
        _flat(today, 0.0),
        _flat(today, 0.05),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), 0.2, ql.Actual365Fixed())),
    )
    opt = ql.VanillaOption(ql.PlainVanillaPayoff(ql.Option.Call, 100.0), ql.EuropeanExercise(today + 365))
    opt.setPricingEngine(ql.AnalyticEuropeanEngine(process))
    want = opt.NPV()
    assert want == pytest.approx(10.450583572, abs=1e-8)  # REFERENCES.md
    for scheme, n_steps in (("exact", 1), ("euler", 50), ("milstein", 50)):
        est = european_price(
            GBM(0.05, 0.2), 100.0, 100.0, 1.0, 0.05, n_steps, 100_000, scheme=scheme, seed=1, backend="numba"
        )
        assert abs(est.price - want) < 3 * est.stderr, (scheme, est.summary(), want)


def test_merton_call_matches_quantlib_bates_with_frozen_variance():
    today = ql.Date(15, 1, 2024)
    ql.Settings.instance().evaluationDate = today
    sigma, lam, nu, delta = 0.2, 1.0, -0.1, 0.15
    process = ql.BatesProcess(
        _flat(today, 0.05),
        _flat(today, 0.0),
        ql.QuoteHandle(ql.SimpleQuote(100.0)),
        sigma**2,
        1.0,
        sigma**2,
        1e-4,
        0.0,
        lam,
        nu,
        delta,
    )
    opt = ql.VanillaOption(ql.PlainVanillaPayoff(ql.Option.Call, 100.0), ql.EuropeanExercise(today + 365))
    opt.setPricingEngine(ql.BatesEngine(ql.BatesModel(process)))
    want = opt.NPV()
    assert want == pytest.approx(12.76128858, abs=1e-6)  # REFERENCES.md
    model = Merton(mu=0.05, sigma=sigma, lam=lam, jump_mean=nu, jump_vol=delta)
    for scheme, n_steps in (("exact", 1), ("euler", 50)):
        est = european_price(model, 100.0, 100.0, 1.0, 0.05, n_steps, 100_000, scheme=scheme, seed=2, backend="numba")
        assert abs(est.price - want) < 3 * est.stderr, (scheme, est.summary(), want)


def _merton_series_call(s, k, t, r, sigma, lam, nu, delta, n_terms=80):
    """Merton (1976, eq. 19): the sum over n jumps of Poisson(lam' t) weights times Black–Scholes calls
    with sigma_n^2 = sigma^2 + n delta^2 / t and r_n = r - lam kappa + n ln(1 + kappa) / t, lam' = lam (1 + kappa)."""
    kappa = math.expm1(nu + 0.5 * delta**2)
    total = 0.0
    for n in range(n_terms):
        vol = math.sqrt(sigma**2 + n * delta**2 / t)
        rate = r - lam * kappa + n * math.log1p(kappa) / t
        d1 = (math.log(s / k) + (rate + 0.5 * vol**2) * t) / (vol * math.sqrt(t))
        bs = s * stats.norm.cdf(d1) - k * math.exp(-rate * t) * stats.norm.cdf(d1 - vol * math.sqrt(t))
        total += stats.poisson.pmf(n, lam * (1 + kappa) * t) * bs
    return total


def test_merton_series_agrees_with_quantlib():
    assert _merton_series_call(100.0, 100.0, 1.0, 0.05, 0.2, 1.0, -0.1, 0.15) == pytest.approx(12.76128858, abs=1e-6)


def test_merton_call_matches_haug_example():
    # Haug, The Complete Guide to Option Pricing Formulas (2nd ed.), Merton (1976) example: 5.88 (two decimals);
    # the series is the oracle, Haug's table checks the series
    vol, lam, gamma = 0.25, 1.0, 0.25
    jump_vol = vol * math.sqrt(gamma / lam)
    sigma, nu = vol * math.sqrt(1 - gamma), -0.5 * jump_vol**2
    want = _merton_series_call(100.0, 100.0, 0.25, 0.08, sigma, lam, nu, jump_vol)
    assert round(want, 2) == 5.88
    model = Merton(mu=0.08, sigma=sigma, lam=lam, jump_mean=nu, jump_vol=jump_vol)
    for scheme, n_steps in (("exact", 1), ("exact", 16)):
        est = european_price(model, 100.0, 100.0, 0.25, 0.08, n_steps, 200_000, scheme=scheme, seed=3, backend="numba")
        assert abs(est.price - want) < 3 * est.stderr, (est.summary(), want)


# --- convergence orders ----------------------------------------------------------------------------
def _order(dts, errors):
    return np.polyfit(np.log(dts), np.log(errors), 1)[0]


@pytest.mark.parametrize("scheme, lo, hi", [("euler", 0.4, 0.6), ("milstein", 0.9, 1.1)])
def test_strong_order_against_the_exact_solution(scheme, lo, hi):
    mu, sigma, T, n_fine, n_paths = 0.1, 0.5, 1.0, 512, 4000
    dw_fine = Philox(21).normals(n_paths, n_fine, backend="numba") * math.sqrt(T / n_fine)
    exact = np.exp((mu - 0.5 * sigma**2) * T + sigma * dw_fine.sum(axis=1))
    dts, errs = [], []
    for n in (8, 16, 32, 64, 128):
        dw = dw_fine.reshape(n_paths, n, n_fine // n).sum(axis=2)
        res = simulate(GBM(mu, sigma), 1.0, T, n, n_paths, scheme=scheme, increments=dw, backend="numba")
        dts.append(T / n)
        errs.append(np.mean(np.abs(res.terminal - exact)))
    assert lo < _order(dts, errs) < hi, (scheme, errs)


def test_milstein_without_correction_is_euler(backend):
    a = simulate(GBM(0.1, 0.5), 1.0, 1.0, 16, 100, scheme="milstein", correction=False, seed=1, backend=backend)
    b = simulate(GBM(0.1, 0.5), 1.0, 1.0, 16, 100, scheme="euler", seed=1, backend=backend)
    np.testing.assert_array_equal(a.terminal, b.terminal)


@pytest.mark.parametrize("scheme, power", [("euler", 1), ("milstein", 2)])
def test_weak_order(scheme, power):
    # Weak error E[f(X^h_T)] - E[f(X_T)], estimated with common random numbers (mean of f(X^h_T) minus f of
    # the exact solution driven by the same increments) so that the Monte Carlo noise mostly cancels
    # (its standard error is below 2.1% of the error at every dt here).  Milstein's step adds a term of
    # mean zero, so its mean equals Euler's: f(x) = x^2 is what tells the two apart.
    mu, sigma, T, n_fine, n_paths = 0.5, 0.3, 1.0, 128, 50_000
    dw_fine = Philox(5).normals(n_paths, n_fine, backend="numba") * math.sqrt(T / n_fine)
    exact = np.exp((mu - 0.5 * sigma**2) * T + sigma * dw_fine.sum(axis=1))
    dts, errs = [], []
    for n in (8, 16, 32, 64):
        dw = dw_fine.reshape(n_paths, n, n_fine // n).sum(axis=2)
        res = simulate(GBM(mu, sigma), 1.0, T, n, n_paths, scheme=scheme, increments=dw, backend="numba")
        diff = res.terminal**power - exact**power
        assert diff.std() / math.sqrt(n_paths) < 0.03 * abs(diff.mean())
        dts.append(T / n)
        errs.append(abs(np.mean(diff)))
    assert 0.9 < _order(dts, errs) < 1.1, errs


# --- jump laws --------------------------------------------------------------------------------------
def test_kou_log_return_moments():
    model = Kou(mu=0.03, sigma=0.25, lam=5.0, p_up=0.3, eta_up=12.0, eta_down=6.0)
    T, n = 1.0, 400_000
    res = simulate(model, 1.0, T, 8, n, scheme="exact", seed=8, backend="numba")
    y = np.log(res.terminal)
    p, e1, e2 = model.p_up, model.eta_up, model.eta_down
    ey = p / e1 - (1 - p) / e2
    ey2 = 2 * p / e1**2 + 2 * (1 - p) / e2**2
    mean = (model.mu - model.lam * model.kappa - 0.5 * model.sigma**2) * T + model.lam * T * ey
    var = model.sigma**2 * T + model.lam * T * ey2
    assert abs(y.mean() - mean) < 3 * math.sqrt(var / n)
    m4 = np.mean((y - y.mean()) ** 4)
    assert abs(y.var() - var) < 3 * math.sqrt((m4 - var**2) / n)
    # the compensator makes X a martingale with drift mu
    assert abs(res.terminal.mean() - math.exp(model.mu * T)) < 3 * res.terminal.std() / math.sqrt(n)


def test_jump_counts_are_poisson():
    model = Merton(mu=0.0, sigma=0.1, lam=3.0, jump_mean=0.0, jump_vol=0.1)
    n = 50_000
    counts = simulate(model, 1.0, 2.0, 100, n, seed=12, backend="numba").jump_count
    lam_t = model.lam * 2.0
    k = np.arange(0, 15)
    observed = np.array([np.sum(counts == i) for i in k[:-1]] + [np.sum(counts >= k[-1])])
    expected = n * np.append(stats.poisson.pmf(k[:-1], lam_t), stats.poisson.sf(k[-2], lam_t))
    assert stats.chisquare(observed, expected).pvalue > 1e-3
    assert abs(counts.mean() - lam_t) < 3 * math.sqrt(lam_t / n)


# --- general Itô processes ------------------------------------------------------------------------
@njit(cache=True)
def _gbm_drift(t, x):
    return 0.1 * x


@njit(cache=True)
def _gbm_vol(t, x):
    return 0.5 * x


@njit(cache=True)
def _gbm_vol_dx(t, x):
    return 0.5 + 0.0 * x


def test_ito_process_reproduces_gbm(backend):
    ito = ItoProcess(_gbm_drift, _gbm_vol, _gbm_vol_dx)
    for scheme in ("euler", "milstein"):
        a = simulate(ito, 1.0, 1.0, 20, 50, scheme=scheme, seed=3, backend=backend)
        b = simulate(GBM(0.1, 0.5), 1.0, 1.0, 20, 50, scheme=scheme, seed=3, backend="numpy")
        np.testing.assert_allclose(a.terminal, b.terminal, rtol=1e-13)


def test_ornstein_uhlenbeck_euler_mean_and_variance():
    theta, m, s, dt, n_steps, n = 2.0, 1.5, 0.3, 0.05, 40, 100_000
    ou = ItoProcess(lambda t, x: theta * (m - x), lambda t, x: s + 0.0 * x)
    x = simulate(ou, 0.0, dt * n_steps, n_steps, n, seed=4, backend="numpy").terminal
    a = 1 - theta * dt  # Euler's recursion X_{n+1} = a X_n + theta m dt + s dW: AR(1) moments
    mean = m + (0.0 - m) * a**n_steps
    var = s**2 * dt * (1 - a ** (2 * n_steps)) / (1 - a**2)
    assert abs(x.mean() - mean) < 3 * math.sqrt(var / n)
    assert abs(x.var() - var) < 3 * var * math.sqrt(2 / n)


def test_auto_runs_what_the_gpu_kernel_does_not_take_on_the_cpu(monkeypatch):
    # a machine where auto picks the GPU: an ItoProcess or injected increments run on a CPU backend instead
    monkeypatch.setattr(bk, "available_backends", lambda: ("numpy", "numba", "jax", "cupy"))
    assert bk.resolve_backend(None) == "cupy"
    assert bk.resolve_backend(None, kernel="sde.simulate") == "cupy"
    assert bk.resolve_backend(None, kernel="sde.simulate_float32") == "cupy"
    assert bk.resolve_backend(None, kernel="sde.simulate_ito") == "numba"  # numba.njit callables
    assert bk.resolve_backend(None, kernel="sde.simulate_ito_arrays") == "numpy"  # array callables
    assert bk.resolve_backend(None, kernel="sde.simulate_increments") == "numba"
    ref = simulate(GBM(0.1, 0.5), 1.0, 1.0, 20, 50, seed=3, backend="numba")
    compiled = simulate(ItoProcess(_gbm_drift, _gbm_vol, _gbm_vol_dx), 1.0, 1.0, 20, 50, seed=3)
    plain = simulate(ItoProcess(lambda t, x: 0.1 * x, lambda t, x: 0.5 * x), 1.0, 1.0, 20, 50, seed=3, backend="auto")
    dw = Philox(3).normals(50, 20, backend="numpy") * math.sqrt(1.0 / 20)
    injected = simulate(GBM(0.1, 0.5), 1.0, 1.0, 20, 50, increments=dw)
    for res in (compiled, plain, injected):
        np.testing.assert_allclose(res.terminal, ref.terminal, rtol=1e-13)
    with pytest.raises(InvalidParameters, match="increments are not supported on backend 'cupy'"):
        simulate(GBM(0.1, 0.5), 1.0, 1.0, 20, 50, increments=dw, backend="cupy")
    with pytest.raises(InvalidParameters, match="backend 'cupy' simulates GBM, Merton and Kou"):
        simulate(ItoProcess(_gbm_drift, _gbm_vol), 1.0, 1.0, 20, 50, backend="cupy")


def test_numba_refuses_array_callables():
    ou = ItoProcess(lambda t, x: -x, lambda t, x: 1.0 + 0.0 * x)
    with pytest.raises(TypeError, match="numba.njit function"):
        simulate(ou, 0.0, 1.0, 4, 4, backend="numba")


# --- errors -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: GBM(0.05, -0.2), "sigma must be >= 0"),
        (lambda: GBM(float("nan"), 0.2), "mu must be finite"),
        (lambda: Merton(0.05, 0.2, lam=-1.0), "lam must be >= 0"),
        (lambda: Merton(0.05, 0.2, lam=1.0, jump_vol=-0.1), "jump_vol must be >= 0"),
        (lambda: Kou(0.05, 0.2, lam=1.0, eta_up=1.0), "eta_up must lie in"),
        (lambda: Kou(0.05, 0.2, lam=1.0, p_up=1.5), "p_up must lie in"),
    ],
)
def test_bad_model_parameters(make, match):
    with pytest.raises(InvalidParameters, match=match):
        make()


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"horizon": 0.0}, InvalidParameters, "horizon must be > 0"),
        ({"horizon": float("inf")}, InvalidParameters, "horizon must be finite"),
        ({"n_steps": 0}, InvalidParameters, "n_steps must be >= 1"),
        ({"n_paths": 0}, InvalidParameters, "n_paths must be >= 1"),
        ({"n_steps": 2.5}, TypeError, "n_steps must be an integer"),
        ({"scheme": "runge-kutta"}, InvalidParameters, "scheme must be one of"),
        ({"x0": -1.0}, InvalidParameters, "x0 must be > 0"),
        ({"model": Merton(0.0, 0.2, lam=100.0), "n_steps": 5}, InvalidParameters, "lam \\* dt must be < 10"),
        ({"model": Merton(0.0, 0.2, lam=1.0), "stream": 2**32 - 2}, InvalidParameters, "stream must be <="),
        ({"increments": np.zeros((3, 4))}, InvalidParameters, "increments must have shape"),
        ({"increments": np.zeros((4, 4), dtype=np.float32)}, TypeError, "increments must have dtype float64"),
        ({"backend": "fortran"}, InvalidParameters, "backend must be one of"),
        ({"dtype": np.float32, "backend": "numba"}, InvalidParameters, "float32 is a precision of the GPU kernel"),
        ({"dtype": np.int32}, InvalidParameters, "dtype must be numpy.float64 or numpy.float32, got int32"),
        ({"dtype": "nonsense"}, TypeError, "dtype must be numpy.float64 or numpy.float32"),
        ({"model": "gbm"}, TypeError, "model must be GBM"),
        ({"model": ItoProcess(_gbm_drift, _gbm_vol), "scheme": "exact"}, InvalidParameters, "'exact' exists for GBM"),
        ({"model": ItoProcess(_gbm_drift, _gbm_vol), "scheme": "milstein"}, InvalidParameters, "needs diffusion_dx"),
    ],
)
def test_bad_simulation_arguments(kwargs, exc, match):
    args = {"model": GBM(0.05, 0.2), "x0": 1.0, "horizon": 1.0, "n_steps": 4, "n_paths": 4, "backend": "numpy"} | kwargs
    with pytest.raises(exc, match=match):
        simulate(
            args.pop("model"), args.pop("x0"), args.pop("horizon"), args.pop("n_steps"), args.pop("n_paths"), **args
        )


@pytest.mark.parametrize("scheme", ["euler", "exact"])
def test_gbm_overflow_raises_numerical_instability(backend, scheme):
    with pytest.raises(NumericalInstability, match="terminal value of path 0 is (inf|nan)"):
        simulate(GBM(mu=50.0, sigma=0.2), 1e306, 1.0, 4, 8, scheme=scheme, backend=backend)


def test_an_overflowing_average_raises_numerical_instability(backend):
    # every value of the path is 1e308, finite; their sum over the four steps is not
    with pytest.raises(NumericalInstability, match="average of path 0 is inf"):
        simulate(GBM(mu=0.0, sigma=0.0), 1e308, 1.0, 4, 3, backend=backend)


def test_explosion_raises_numerical_instability(backend):
    boom = ItoProcess(njit(lambda t, x: x * x * x), njit(lambda t, x: 0.0 * x))
    with pytest.raises(NumericalInstability, match="reduce dt"):
        simulate(boom, 10.0, 10.0, 50, 4, backend=backend)


# --- the one-path API ---------------------------------------------------------------------------
@pytest.mark.parametrize("scheme", SCHEMES)
def test_solve_path_is_one_row_of_the_batch_and_solve_step_rebuilds_it(scheme):
    model, n_steps, horizon = MODELS["merton"], 24, 0.5
    dt = horizon / n_steps
    batch = simulate(
        model, 100.0, horizon, n_steps, 10, scheme=scheme, seed=5, stream=2, return_paths=True, backend="numba"
    )
    one = solve_path(model, 100.0, horizon, n_steps, scheme=scheme, seed=5, stream=2, path=7, backend="numba")
    np.testing.assert_array_equal(one, batch.paths[7])
    # stepping by hand with the stream's documented draws (Philox(seed, stream): dW; stream + 1: counts;
    # stream + 2: the jump normals) gives the same path
    z = Philox(5, 2).normals(1, n_steps, path_offset=7, backend="numpy")[0]
    n = _jump_counts(5, 3, model.lam * dt, 1, n_steps, path_offset=7)[0]
    zj = Philox(5, 4).normals(1, n_steps, path_offset=7, backend="numpy")[0]
    x, t = 100.0, 0.0
    for j in range(n_steps):
        jump = n[j] * model.jump_mean + model.jump_vol * math.sqrt(n[j]) * zj[j] if n[j] else 0.0
        x = float(solve_step(model, x, t, dt, z[j] * math.sqrt(dt), scheme=scheme, jump=jump))
        t += dt
        assert x == pytest.approx(one[j + 1], rel=1e-13)


def test_solve_step_is_the_textbook_step():
    gbm, x, dt, dw = GBM(mu=0.07, sigma=0.3), 50.0, 0.01, 0.05
    assert float(solve_step(gbm, x, 0.0, dt, dw)) == pytest.approx(x + 0.07 * x * dt + 0.3 * x * dw, rel=1e-15)
    milstein = x + 0.07 * x * dt + 0.3 * x * dw + 0.5 * 0.3**2 * x * (dw**2 - dt)
    assert float(solve_step(gbm, x, 0.0, dt, dw, scheme="milstein")) == pytest.approx(milstein, rel=1e-15)
    exact = x * math.exp((0.07 - 0.045) * dt + 0.3 * dw)
    assert float(solve_step(gbm, x, 0.0, dt, dw, scheme="exact")) == pytest.approx(exact, rel=1e-15)
    xs = solve_step(gbm, np.full(3, x), 0.0, dt, np.array([dw, 0.0, -dw]))
    assert xs.shape == (3,)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(dt=0.0), "dt"),
        (dict(dw=float("nan")), "dw"),
        (dict(x=float("inf")), "x must be finite"),
        (dict(scheme="heun"), "scheme"),
        (dict(jump=0.1), "jump must be 0 for GBM"),
    ],
)
def test_solve_step_bad_input(kwargs, match):
    args = dict(x=100.0, t=0.0, dt=0.01, dw=0.1) | kwargs
    with pytest.raises(InvalidParameters, match=match):
        solve_step(GBM(mu=0.0, sigma=0.2), **args)
