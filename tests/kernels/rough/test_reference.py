"""kernels/rough/reference.py: every path builder runs unchanged under array_api_strict on small inputs
and gives the numbers it gives on numpy."""

import array_api_strict as xps
import numpy as np

from quantforge.kernels.rough.core import (
    davies_harte_sqrt_eigenvalues,
    fgn_autocovariance,
    hybrid_kernel,
    volterra_covariance,
)
from quantforge.kernels.rough.reference import (
    cholesky_volterra,
    fgn_cholesky,
    fgn_davies_harte,
    hybrid_volterra,
    rough_bergomi_paths,
)

N = 8


def _close(got, want):
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-13, atol=1e-15)


def test_fgn_builders_run_under_array_api_strict():
    z = np.random.default_rng(1).standard_normal((3, 4 * N))
    lam = davies_harte_sqrt_eigenvalues(0.3, N)
    want = fgn_davies_harte(z, lam, N, 1, 4, 0.5, xp=np)
    _close(fgn_davies_harte(xps.asarray(z), xps.asarray(lam), N, 1, 4, 0.5, xp=xps), want)
    g = fgn_autocovariance(0.3, N)
    chol = np.linalg.cholesky(g[np.abs(np.subtract.outer(np.arange(N), np.arange(N)))])
    _close(fgn_cholesky(xps.asarray(z[:, :N]), xps.asarray(chol), 0.5), fgn_cholesky(z[:, :N], chol, 0.5))


def test_rough_bergomi_builders_run_under_array_api_strict():
    hurst, dt = 0.1, 1.0 / N
    times = dt * np.arange(N + 1)
    rng = np.random.default_rng(2)
    z, z_perp = rng.standard_normal((3, 2 * N)), rng.standard_normal((3, N))
    kernel = hybrid_kernel(hurst, dt, N)
    y, dw = hybrid_volterra(z, hurst, dt, kernel, xp=np)
    y_s, dw_s = hybrid_volterra(xps.asarray(z), hurst, dt, xps.asarray(kernel), xp=xps)
    _close(y_s, y)
    _close(dw_s, dw)
    chol = np.linalg.cholesky(volterra_covariance(hurst, times[1:]))
    _close(cholesky_volterra(xps.asarray(z), xps.asarray(chol), xp=xps)[0], cholesky_volterra(z, chol, xp=np)[0])
    v, s = rough_bergomi_paths(y, dw, z_perp, times, dt, hurst, 1.5, -0.7, 0.04, 100.0, xp=np)
    v_s, s_s = rough_bergomi_paths(y_s, dw_s, xps.asarray(z_perp), times, dt, hurst, 1.5, -0.7, 0.04, 100.0, xp=xps)
    _close(v_s, v)
    _close(s_s, s)
