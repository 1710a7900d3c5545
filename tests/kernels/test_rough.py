"""kernels/rough.py: fGn covariance, H recovery, Volterra covariance, rough Bergomi martingales and smiles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from quantforge.errors import InvalidParameters
from quantforge.kernels.rough import (RoughVolatilitySolver, fbm, fgn, fgn_autocovariance, implied_vol_smile,
                                      rough_bergomi, volterra_covariance)


def test_autocovariance_limits():
    # H = 1/2 is white noise; sum of gamma over |k| < n is n^{2H} (the variance of B_n)
    np.testing.assert_allclose(fgn_autocovariance(0.5, 5), [1, 0, 0, 0, 0], atol=1e-15)
    g = fgn_autocovariance(0.2, 50)
    n = 50
    var_bn = n * g[0] + 2 * sum((n - k) * g[k] for k in range(1, n))
    assert var_bn == pytest.approx(n**0.4, rel=1e-12)


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
    part = fgn(0.3, 16, 4, seed=1, path_offset=6, backend="numpy")
    np.testing.assert_allclose(part, whole[6:], rtol=1e-12, atol=1e-15)


def test_volterra_covariance_against_quadrature():
    h = 0.15
    a = h - 0.5
    times = np.array([0.3, 0.7, 1.0])
    cov = volterra_covariance(h, times)
    for i, s in enumerate(times):
        for j, t in enumerate(times):
            lo, hi = min(s, t), max(s, t)
            f = lambda u: 2 * h * (hi - u) ** a * (lo - u) ** a  # noqa: E731
            want = integrate.quad(f, 0.0, lo, limit=200)[0]
            assert cov[i, j] == pytest.approx(want, rel=1e-6)
            want_yw = math.sqrt(2 * h) * integrate.quad(lambda u: (t - u) ** a, 0.0, min(s, t))[0]
            assert cov[j, 3 + i] == pytest.approx(want_yw, rel=1e-6)
    assert cov[2, 2] == pytest.approx(1.0**(2 * h), rel=1e-12)  # Var Y_t = t^{2H}


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


def test_hybrid_smile_matches_exact_simulation():
    strikes = np.array([85.0, 95.0, 100.0, 105.0, 115.0])
    kw = dict(hurst=0.1, eta=1.9, rho=-0.9, xi0=0.04, spot=100.0, horizon=0.5, n_steps=32, n_paths=60_000,
              backend="numba")
    hyb = rough_bergomi(method="hybrid", seed=8, **kw)
    exa = rough_bergomi(method="cholesky", seed=9, **kw)
    iv_h = implied_vol_smile(hyb.spot[:, -1], strikes, 100.0, 0.5)
    iv_e = implied_vol_smile(exa.spot[:, -1], strikes, 100.0, 0.5)
    assert np.all(np.abs(iv_h - iv_e) < 0.006), (iv_h, iv_e)
    assert np.all(np.diff(iv_e) < 0)  # rho < 0: the smile is a downward skew


def test_max_history():
    kw = dict(hurst=0.1, eta=1.5, rho=-0.5, xi0=0.04, spot=100.0, horizon=1.0, n_steps=32, n_paths=50, seed=1,
              backend="numpy")
    full = rough_bergomi(**kw)
    np.testing.assert_array_equal(rough_bergomi(max_history=32, **kw).volterra, full.volterra)
    short = rough_bergomi(max_history=1, **kw).volterra
    assert not np.allclose(short, full.volterra)
    # with the Riemann sum cut to nothing, Y(t_i) is the exact near integral of the last step alone
    assert short[:, -1].var() < full.volterra[:, -1].var()


def test_solver_object():
    solver = RoughVolatilitySolver(0.1, eta=1.5, rho=-0.7, xi0=0.04)
    iv = solver.smile([90.0, 100.0, 110.0], 100.0, 0.25, 16, 20_000, seed=3, backend="numba")
    assert iv.shape == (3,) and np.all((iv > 0.05) & (iv < 0.6))
    assert solver.fbm(8, 3, seed=1, backend="numpy").shape == (3, 9)
    assert "hurst=0.1" in repr(solver)


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
        (lambda: rough_bergomi(0.1, 1.0, 0.0, 0.04, 100.0, 1.0, 8, 2, method="cholesky", max_history=3),
         "max_history applies"),
        (lambda: RoughVolatilitySolver(1.2), "hurst must lie in"),
        (lambda: RoughVolatilitySolver(0.1, max_history=0), "max_history must be >= 1"),
    ],
)
def test_bad_inputs(call, match):
    with pytest.raises(InvalidParameters, match=match):
        call()
