"""The deterministic ingredients of the rough-volatility samplers, computed once on the host in numpy.

Covariances, circulant eigenvalues, the hybrid scheme's kernel and Cholesky factors depend only on
the Hurst index and the grid; :mod:`.reference` turns them and the normal draws into paths on any
backend.  ``scipy.special.hyp2f1`` and ``numpy.linalg.cholesky`` (the latter with its error) have no
array-API counterpart, which is why they stay here, on the host, and only their results travel.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import hyp2f1

from ...errors import (
    InvalidParameters,
    MatrixError,
    check_all_finite,
    check_array,
    check_in_range,
    check_int,
    check_memory,
)

__all__ = [
    "FGN_METHODS",
    "RBERGOMI_METHODS",
    "MAX_CHOLESKY",
    "fgn_autocovariance",
    "davies_harte_sqrt_eigenvalues",
    "volterra_covariance",
    "hybrid_kernel",
    "cholesky",
]

FGN_METHODS: tuple[str, ...] = ("davies-harte", "cholesky")
RBERGOMI_METHODS: tuple[str, ...] = ("hybrid", "cholesky")
MAX_CHOLESKY = 2048  # largest covariance the O(n^3) exact methods factor


def fgn_autocovariance(hurst: float, n: int) -> np.ndarray:
    """``gamma(k)`` for k = 0..n-1: the autocovariance of unit-step fractional Gaussian noise."""
    hurst = check_in_range("hurst", hurst, 0.0, 1.0, low_open=True, high_open=True)
    n = check_int("n", n, minimum=0)
    check_memory("n", n, 32.0 * n, f"{n} autocovariances")
    k = np.arange(n, dtype=np.float64)
    h2 = 2.0 * hurst
    return 0.5 * (np.abs(k + 1) ** h2 - 2.0 * k**h2 + np.abs(k - 1) ** h2)


def davies_harte_sqrt_eigenvalues(hurst: float, n: int) -> np.ndarray:
    """``sqrt(lambda / 2n)`` for the eigenvalues ``lambda`` of the 2n circulant embedding of n fGn values.

    Raises
    ------
    MatrixError
        If an eigenvalue is negative beyond rounding (never for H in (0, 1), Craigmile 2003).
    """
    g = fgn_autocovariance(hurst, n + 1)
    c = np.concatenate([g[: n + 1], g[n - 1 : 0 : -1]])  # first row of the 2n circulant
    lam = np.fft.fft(c).real
    if lam.min() < -1e-10 * lam.max():
        raise MatrixError(f"circulant embedding has a negative eigenvalue {lam.min()!r} (hurst={hurst}, n={n})")
    return np.sqrt(np.maximum(lam, 0.0) / (2 * n))


def volterra_covariance(hurst: float, times: np.ndarray) -> np.ndarray:
    """Covariance of (Y(t_1..t_n), W(t_1..t_n)) for ``Y_t = sqrt(2H) int_0^t (t-s)^{H-1/2} dW_s``; (2n, 2n).

    ``Cov(Y_s, Y_t) = 2H/(H+1/2) s^{H+1/2} t^{H-1/2} 2F1(1, 1/2-H; 3/2+H; s/t)`` for s <= t,
    ``Cov(Y_t, W_s) = sqrt(2H)/(H+1/2) (t^{H+1/2} - (t - min(s, t))^{H+1/2})``, ``Cov(W_s, W_t) = min(s, t)``.
    """
    hurst = check_in_range("hurst", hurst, 0.0, 1.0, low_open=True, high_open=True)
    t = check_all_finite("times", check_array("times", times, dtype=np.float64, ndim=1, cast=True))
    if t.size == 0 or np.any(t <= 0):
        raise InvalidParameters(f"times must be a non-empty 1-D array of times > 0 (years), got {times!r}")
    check_memory("times", f"{t.size} times", 8.0 * 12 * t.size**2, "the (2n, 2n) covariance")
    hp = hurst + 0.5
    s_, t_ = np.minimum.outer(t, t), np.maximum.outer(t, t)
    cyy = 2 * hurst / hp * s_**hp * t_ ** (hurst - 0.5) * hyp2f1(1.0, 0.5 - hurst, 1.0 + hp, s_ / t_)
    tt, ss = np.meshgrid(t, t, indexing="ij")
    cyw = math.sqrt(2 * hurst) / hp * (tt**hp - (tt - np.minimum(tt, ss)) ** hp)
    cww = s_
    return np.block([[cyy, cyw], [cyw.T, cww]])


def hybrid_kernel(hurst: float, dt: float, n: int, max_history: int | None = None) -> np.ndarray:
    """``g_k = (b_k dt)^a`` for lags k = 0..n, with ``b_k`` the optimal points of Bennedsen, Lunde &
    Pakkanen (2017, eq. 2.7); zero at k = 0, 1 (which the Riemann sum does not use) and beyond
    ``max_history``."""
    a = hurst - 0.5
    g = np.zeros(n + 1)
    if a == 0.0:
        g[2:] = 1.0  # H = 1/2: (b dt)^0 = 1 for every b, and Y is the Brownian motion itself
    else:
        k = np.arange(2, n + 1, dtype=np.float64)
        b = ((k ** (a + 1) - (k - 1) ** (a + 1)) / (a + 1)) ** (1 / a)
        g[2:] = (b * dt) ** a
    if max_history is not None:
        g[max_history + 1 :] = 0.0  # the Riemann sum keeps lags k = 2 .. max_history
    return g


def cholesky(cov: np.ndarray, what: str, fix: str) -> np.ndarray:
    """Lower Cholesky factor, or MatrixError (naming ``what`` and suggesting ``fix``) when ``cov`` is
    not numerically positive definite."""
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        lam_min = float(np.linalg.eigvalsh(cov).min())
        raise MatrixError(
            f"the {what} is not numerically positive definite (smallest eigenvalue {lam_min!r}); {fix}"
        ) from None
