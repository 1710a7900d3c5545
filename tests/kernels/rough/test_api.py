"""kernels/rough/api.py: fGn covariance, H recovery, rough Bergomi martingales and smiles, backends, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from quantforge.errors import InvalidParameters, MatrixError, NumericalInstability
from quantforge.kernels.rough import (
    RoughVolatilitySolver,
    fbm,
    fgn,
    fgn_autocovariance,
    implied_vol_smile,
    rough_bergomi,
    volterra_covariance,
)


@pytest.mark.parametrize("method", ["davies-harte", "cholesky"])
@pytest.mark.parametrize("hurst", [0.1, 0.5, 0.8])
def test_fgn_covariance(method, hurst):
    n_steps, n_paths, horizon = 32, 40_000, 2.0
    x = fgn(hurst, n_steps, n_paths, horizon=horizon, method=method, seed=4, backend="numba")
    scale = (horizon / n_steps) ** (2 * hurst)
    want = scale * fgn_autocovariance(hurst, 4)
    for lag in range(4):
        prod = x[:, 5] * x[:, 5 + lag]
        assert abs(prod.mean() - want[lag]) < 4 * prod.std() / math.sqrt(n_paths), (lag, prod.mean(), want[lag])


def test_davies_harte_paths_of_one_fft_are_independent():
    # paths 2q and 2q + 1 are the real and imaginary parts of one FFT: zero cross-covariance at every lag
    n_paths = 40_000
    x = fgn(0.1, 16, n_paths, seed=4, backend="numba")
    even, odd = x[0::2], x[1::2]
    for lag in range(-3, 4):
        prod = even[:, 8] * odd[:, 8 + lag]
        assert abs(prod.mean()) < 4 * prod.std() / math.sqrt(n_paths // 2), (lag, prod.mean())


@pytest.mark.parametrize("hurst", [0.1, 0.3, 0.7])
def test_hurst_recovered_from_the_variogram(hurst):
    # E|B_{t+k} - B_t|^2 = (k dt)^{2H}: the slope of log variogram against log lag is 2H
    b = fbm(hurst, 1024, 200, seed=7, backend="numba")
    lags = np.array([1, 2, 4, 8, 16, 32])
    vario = [np.mean((b[:, lag:] - b[:, :-lag]) ** 2) for lag in lags]
    h_hat = 0.5 * np.polyfit(np.log(lags), np.log(vario), 1)[0]
    assert abs(h_hat - hurst) < 0.02, h_hat


def test_backends_agree(backend):
    for method in ("davies-harte", "cholesky"):
        ref = fgn(0.25, 48, 30, method=method, seed=2, stream=1, backend="numpy")
        got = fgn(0.25, 48, 30, method=method, seed=2, stream=1, backend=backend)
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)
    ref = rough_bergomi(0.1, 1.5, -0.7, 0.04, 100.0, 1.0, 32, 20, seed=3, backend="numpy")
    got = rough_bergomi(0.1, 1.5, -0.7, 0.04, 100.0, 1.0, 32, 20, seed=3, backend=backend)
    np.testing.assert_allclose(got.spot, ref.spot, rtol=1e-9)


def test_path_chunks_are_consistent():
    whole = fgn(0.3, 16, 10, seed=1, backend="numpy")
    for first in (5, 6):  # an odd first path takes the imaginary half of its pair's FFT
        part = fgn(0.3, 16, 10 - first, seed=1, path_offset=first, backend="numpy")
        np.testing.assert_allclose(part, whole[first:], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("method", ["hybrid", "cholesky"])
def test_rough_bergomi_martingales(method):
    xi0, n = 0.04, 40_000
    p = rough_bergomi(0.1, 1.9, -0.9, xi0, 100.0, 1.0, 32, n, method=method, seed=5, backend="numba")
    for i in (8, 32):  # E[V_t] = xi0: the Wick exponential has mean one
        v = p.variance[:, i]
        assert abs(v.mean() - xi0) < 4 * v.std() / math.sqrt(n), (i, v.mean())
    s = p.spot[:, -1]
    assert abs(s.mean() - 100.0) < 4 * s.std() / math.sqrt(n)
    y = p.volterra[:, -1]  # Var Y_1 = 1 (exact for Cholesky; the hybrid scheme within its discretisation)
    assert abs(y.var() - 1.0) < 4 * math.sqrt(2 / n) + (0.0 if method == "cholesky" else 0.02)


def _otm_prices(terminal, strikes, forward):
    """Monte Carlo prices of out-of-the-money options (zero rate) and their standard errors."""
    x = terminal[None, :]
    k = strikes[:, None]
    pay = np.where(k >= forward, np.maximum(x - k, 0.0), np.maximum(k - x, 0.0))
    return pay.mean(axis=1), pay.std(axis=1, ddof=1) / math.sqrt(terminal.size)


def _bs_vega(spot, strikes, horizon, vol):
    d1 = (np.log(spot / strikes) + 0.5 * vol**2 * horizon) / (vol * math.sqrt(horizon))
    return spot * stats.norm.pdf(d1) * math.sqrt(horizon)


def test_hybrid_smile_matches_exact_simulation():
    # two independent simulations (different seeds): the implied vols differ by less than 3 standard
    # errors of the price difference, mapped to volatility through the Black-Scholes vega
    strikes = np.array([85.0, 95.0, 100.0, 105.0, 115.0])
    kw = dict(
        hurst=0.1, eta=1.9, rho=-0.9, xi0=0.04, spot=100.0, horizon=0.5, n_steps=32, n_paths=60_000, backend="numba"
    )
    hyb = rough_bergomi(method="hybrid", seed=8, **kw)
    exa = rough_bergomi(method="cholesky", seed=9, **kw)
    iv_h = implied_vol_smile(hyb.spot[:, -1], strikes, 100.0, 0.5)
    iv_e = implied_vol_smile(exa.spot[:, -1], strikes, 100.0, 0.5)
    se = np.hypot(_otm_prices(hyb.spot[:, -1], strikes, 100.0)[1], _otm_prices(exa.spot[:, -1], strikes, 100.0)[1])
    np.testing.assert_array_less(np.abs(iv_h - iv_e), 3 * se / _bs_vega(100.0, strikes, 0.5, iv_e))
    assert np.all(np.diff(iv_e) < 0)  # rho < 0: the smile is a downward skew


def test_hybrid_covariance_of_y_matches_volterra_covariance():
    # At these grid points the hybrid scheme's own covariance (kappa = 1) is within 0.22% of the exact
    # one, far below the Monte Carlo error; each entry is compared within 3 standard errors.
    n_steps, n_paths, hurst = 32, 40_000, 0.1
    p = rough_bergomi(hurst, 1.0, 0.0, 0.04, 100.0, 1.0, n_steps, n_paths, seed=12, backend="numba")
    idx = [8, 16, 32]
    want = volterra_covariance(hurst, p.times[1:])
    for i in idx:
        for j in idx:
            prod = p.volterra[:, i] * p.volterra[:, j]
            se = prod.std() / math.sqrt(n_paths)
            assert abs(prod.mean() - want[i - 1, j - 1]) < 3 * se, (i, j, prod.mean(), want[i - 1, j - 1])


def _brownian_increments(paths, dt):
    """dW recovered from the price path of a rho = 1 simulation: log-step = sqrt(V) dW - V dt / 2."""
    v = paths.variance[:, :-1]
    return (np.diff(np.log(paths.spot), axis=1) + 0.5 * v * dt) / np.sqrt(v)


@pytest.mark.parametrize("method", ["hybrid", "cholesky"])
def test_one_half_is_lognormal_volatility(method):
    # H = 1/2: Y = W exactly, so V_T = xi0 exp(eta W_T - eta^2 T / 2) is lognormal
    eta, xi0, n_steps, n_paths = 0.8, 0.04, 16, 40_000
    p = rough_bergomi(0.5, eta, 1.0, xi0, 100.0, 1.0, n_steps, n_paths, method=method, seed=6, backend="numba")
    dw = _brownian_increments(p, 1.0 / n_steps)
    np.testing.assert_allclose(p.volterra[:, 1:], np.cumsum(dw, axis=1), rtol=0, atol=1e-11)
    w = p.volterra[:, -1]
    assert abs(w.var() - 1.0) < 3 * math.sqrt(2 / n_paths)
    log_v = np.log(p.variance[:, -1])
    assert abs(log_v.mean() - (math.log(xi0) - 0.5 * eta**2)) < 3 * eta / math.sqrt(n_paths)
    v = p.variance[:, -1]
    assert abs(v.var() - xi0**2 * math.expm1(eta**2)) < 3 * np.std((v - v.mean()) ** 2) / math.sqrt(n_paths)


def test_nearly_one_half_exact_method_raises_matrix_error():
    with pytest.raises(MatrixError, match="pass 0.5 exactly"):
        rough_bergomi(0.5 - 1e-9, 1.0, 0.0, 0.04, 100.0, 1.0, 16, 4, method="cholesky", backend="numpy")


@pytest.mark.parametrize("m", [1, 5, 31, 32])
def test_max_history_drops_exactly_the_old_lags(m):
    # Y_full(t_i) - Y_m(t_i) = sqrt(2H) sum_{k=m+1}^{i} (b_k dt)^a dW_{i-k} (the increment of step i-k+1),
    # summed here term by term from the b_k of Bennedsen, Lunde & Pakkanen (2017, eq. 2.7)
    hurst, n = 0.1, 32
    a, dt = hurst - 0.5, 1.0 / n
    kw = dict(
        hurst=hurst, eta=1.5, rho=1.0, xi0=0.04, spot=100.0, horizon=1.0, n_steps=n, n_paths=50, seed=1, backend="numpy"
    )
    full = rough_bergomi(**kw)
    short = rough_bergomi(max_history=m, **kw)
    dw = _brownian_increments(full, dt)
    want = np.zeros_like(full.volterra)
    for i in range(1, n + 1):
        for k in range(max(m + 1, 2), i + 1):
            b = ((k ** (a + 1) - (k - 1) ** (a + 1)) / (a + 1)) ** (1 / a)
            want[:, i] += math.sqrt(2 * hurst) * (b * dt) ** a * dw[:, i - k]
    np.testing.assert_allclose(full.volterra - short.volterra, want, rtol=1e-9, atol=1e-12)
    assert m == n or np.abs(want[:, -1]).min() > 0


def test_solver_object():
    # eta = 0: the variance is xi0 throughout, S is a geometric Brownian motion and the smile is flat at
    # sqrt(xi0) (Black-Scholes); each strike within 3 standard errors mapped through the vega
    strikes = np.array([90.0, 100.0, 110.0])
    solver = RoughVolatilitySolver(0.1, eta=0.0, rho=-0.7, xi0=0.04)
    iv = solver.smile(strikes, 100.0, 0.25, 16, 20_000, seed=3, backend="numba")
    paths = solver.simulate(100.0, 0.25, 16, 20_000, seed=3, backend="numba")
    np.testing.assert_array_equal(iv, implied_vol_smile(paths.spot[:, -1], strikes, 100.0, 0.25))
    se = _otm_prices(paths.spot[:, -1], strikes, 100.0)[1]
    np.testing.assert_array_less(np.abs(iv - 0.2), 3 * se / _bs_vega(100.0, strikes, 0.25, 0.2))
    assert solver.fbm(8, 3, seed=1, backend="numpy").shape == (3, 9)
    assert "hurst=0.1" in repr(solver)


@pytest.mark.parametrize("kwargs", [dict(spot=1e308), dict(eta=1e200)])
def test_rough_bergomi_overflow_raises_numerical_instability(kwargs):
    args = (
        dict(hurst=0.1, eta=1.0, rho=-0.5, xi0=0.04, spot=100.0, horizon=1.0, n_steps=8, n_paths=200, backend="numpy")
        | kwargs
    )
    with pytest.raises(NumericalInstability, match="overflowed"):
        rough_bergomi(**args)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: fgn(1.0, 8, 2), "hurst must lie in"),
        (lambda: fgn(0.0, 8, 2), "hurst must lie in"),
        (lambda: fgn(0.3, 0, 2), "n_steps must be >= 1"),
        (lambda: fgn(0.3, 8, 2, horizon=-1.0), "horizon must be > 0"),
        (lambda: fgn(0.3, 8, 2, method="hosking"), "method must be one of"),
        (lambda: fgn(0.3, 4096, 1, method="cholesky"), "n_steps must be <= 2048"),
        (lambda: rough_bergomi(0.1, -1.0, 0.0, 0.04, 100.0, 1.0, 8, 2), "eta must be >= 0"),
        (lambda: rough_bergomi(0.1, 1.0, -1.5, 0.04, 100.0, 1.0, 8, 2), "rho must lie in"),
        (
            lambda: rough_bergomi(0.1, 1.0, 0.0, 0.04, 100.0, 1.0, 8, 2, method="cholesky", max_history=3),
            "max_history applies",
        ),
        (lambda: RoughVolatilitySolver(1.2), "hurst must lie in"),
        (lambda: RoughVolatilitySolver(0.1, max_history=0), "max_history must be >= 1"),
    ],
)
def test_bad_inputs(call, match):
    with pytest.raises(InvalidParameters, match=match):
        call()


def test_smile_in_chunks_equals_the_smile_of_one_batch(monkeypatch):
    """RoughVolatilitySolver.smile keeps only terminal prices and simulates in chunks of paths (path
    offsets): the same implied volatilities, bit for bit, as one batch."""
    import quantforge.kernels.rough.api as api

    solver = RoughVolatilitySolver(0.1)
    strikes = [90.0, 100.0, 110.0]
    whole = solver.smile(strikes, 100.0, 0.5, 32, 3000, seed=3, backend="numpy")
    monkeypatch.setattr(api, "_SMILE_CHUNK_BYTES", 8 * api._RBERGOMI_WORDS_PER_STEP * 33 * 700)  # chunks of 700 paths
    chunked = solver.smile(strikes, 100.0, 0.5, 32, 3000, seed=3, backend="numpy")
    np.testing.assert_array_equal(chunked, whole)
