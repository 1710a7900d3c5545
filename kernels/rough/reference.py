"""The rough-volatility paths from normal draws, on any array namespace.

Written against an array namespace ``xp`` in array-API style (the ``fft`` extension included), so
they run unchanged on numpy, cupy, jax.numpy and ``array_api_strict``.  Every function takes its
normal draws as an argument (the Philox layout is the dispatcher's, see :mod:`quantforge.kernels.rough`)
and the deterministic ingredients from :mod:`.core`, moved to ``xp``; time grids stay host numpy.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["fgn_cholesky", "fgn_davies_harte", "hybrid_volterra", "cholesky_volterra", "rough_bergomi_paths"]


def fgn_cholesky(z: Any, chol: Any, scale: float) -> Any:
    """fGn paths ``scale * z L^T`` from normals ``z`` (n_paths, n) and the lower factor ``L`` of the
    unit-step covariance."""
    return scale * (z @ chol.T)


def fgn_davies_harte(z: Any, sqrt_lam: Any, n_steps: int, first: int, n_paths: int, scale: float, *, xp: Any) -> Any:
    """fGn paths by circulant embedding: both halves of one FFT per row of ``z``.

    Parameters
    ----------
    z : float64 array (n_pairs, 4 n_steps)
        Normals: ``Z1`` in the first ``2 n_steps`` columns, ``Z2`` in the others.
    sqrt_lam : float64 array (2 n_steps,)
        :func:`~quantforge.kernels.rough.core.davies_harte_sqrt_eigenvalues`.
    first, n_paths : int
        The paths returned are rows ``first .. first + n_paths - 1`` of the ``2 n_pairs`` paths, of
        which path ``2q`` is the real and ``2q + 1`` the imaginary part of FFT ``q``.
    scale : float
        ``(horizon / n_steps)^H``.
    """
    n_pairs = z.shape[0]
    # Z1 + i Z2 built in one complex temporary (casting each half first costs two more)
    y = xp.fft.fft(sqrt_lam * (z[:, : 2 * n_steps] + 1j * z[:, 2 * n_steps :]), axis=1)[:, :n_steps]
    pairs = xp.reshape(xp.stack([xp.real(y), xp.imag(y)], axis=1), (2 * n_pairs, n_steps))
    return scale * pairs[first : first + n_paths, :]


def hybrid_volterra(z: Any, hurst: float, dt: float, kernel: Any, *, xp: Any) -> tuple[Any, Any]:
    """``(Y, dW)`` by the hybrid scheme with kappa = 1 (Bennedsen, Lunde & Pakkanen 2017, eqs. 2.7, 4.3, 4.5).

    Parameters
    ----------
    z : float64 array (n_paths, 2 n)
        Normals, draws ``2i, 2i + 1`` for step ``i``.
    kernel : float64 array (n + 1,)
        :func:`~quantforge.kernels.rough.core.hybrid_kernel`.

    Returns
    -------
    Y : float64 array (n_paths, n + 1), ``Y(t_0) = 0``
    dW : float64 array (n_paths, n)
    """
    n_paths = z.shape[0]
    n = z.shape[1] // 2
    # (dW_i, int_{t_{i-1}}^{t_i} (t_i - s)^a dW_s) has covariance [[dt, dt^{a+1}/(a+1)], [., dt^{2a+1}/(2a+1)]];
    # its Cholesky factor in closed form stays exact at a = 0, where the pair is (dW, dW) and rank one.
    a = hurst - 0.5
    l10 = dt ** (a + 0.5) / (a + 1)
    l11 = dt ** (a + 0.5) * abs(a) / ((a + 1) * math.sqrt(2 * a + 1))
    z = xp.reshape(z, (n_paths, n, 2))
    dw = math.sqrt(dt) * z[:, :, 0]
    near = l10 * z[:, :, 0] + l11 * z[:, :, 1]
    size = 1 << int(math.ceil(math.log2(2 * n + 2)))
    conv = xp.fft.irfft(xp.fft.rfft(kernel, n=size) * xp.fft.rfft(dw, n=size, axis=1), n=size, axis=1)[:, : n + 1]
    y = math.sqrt(2 * hurst) * (conv[:, 1:] + near)  # Y(t_i), i = 1..n: lags k >= 2 from conv, k = 1 exact
    return xp.concat([xp.zeros((n_paths, 1), dtype=y.dtype), y], axis=1), dw


def cholesky_volterra(z: Any, chol: Any, *, xp: Any) -> tuple[Any, Any]:
    """``(Y, dW)`` exactly from the lower factor of the joint covariance of (Y(t_1..t_n), W(t_1..t_n)).

    ``z`` is (n_paths, 2n), ``chol`` (2n, 2n); returns Y (n_paths, n + 1) and dW (n_paths, n).
    """
    n = chol.shape[0] // 2
    yw = z @ chol.T
    zero = xp.zeros((z.shape[0], 1), dtype=yw.dtype)
    w = xp.concat([zero, yw[:, n:]], axis=1)
    return xp.concat([zero, yw[:, :n]], axis=1), w[:, 1:] - w[:, :-1]


def rough_bergomi_paths(
    y: Any,
    dw: Any,
    z_perp: Any,
    times: np.ndarray,
    dt: float,
    hurst: float,
    eta: float,
    rho: float,
    xi0: float,
    spot: float,
    *,
    xp: Any,
) -> tuple[Any, Any]:
    """``(V, S)`` of rough Bergomi from the Volterra process ``y`` and its Brownian increments ``dw``.

    ``V_t = xi0 exp(eta Y_t - eta^2 t^{2H} / 2)``; ``S`` by the log-Euler step with V at the left end
    of each step, driven by ``rho dW + sqrt(1 - rho^2) dW^perp`` with ``dW^perp = sqrt(dt) z_perp``.
    ``times`` is the host grid ``t_i = i dt``, i = 0..n.
    """
    v = xi0 * xp.exp(eta * y - 0.5 * (eta * eta) * xp.asarray(times ** (2 * hurst)))
    dperp = math.sqrt(dt) * z_perp
    dz = rho * dw + math.sqrt(1.0 - rho * rho) * dperp
    vl = v[:, :-1]
    logs = xp.cumulative_sum(xp.sqrt(vl) * dz - 0.5 * vl * dt, axis=1)
    s = spot * xp.exp(xp.concat([xp.zeros((y.shape[0], 1), dtype=logs.dtype), logs], axis=1))
    return v, s
