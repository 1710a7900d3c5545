"""Fractional Brownian motion and the rough Bergomi model, batched over paths.

Fractional Gaussian noise (fGn) of Hurst index H is the stationary Gaussian sequence with
autocovariance ``gamma(k) = (|k+1|^{2H} - 2|k|^{2H} + |k-1|^{2H}) / 2``; fractional Brownian motion is
its cumulative sum.  The rough Bergomi model (Bayer, Friz & Gatheral 2016, eq. 4.1) drives the
variance by the Volterra process ``Y_t = sqrt(2H) int_0^t (t-s)^{H-1/2} dW_s``:
``V_t = xi0 exp(eta Y_t - eta^2 t^{2H} / 2)``, ``dS_t / S_t = sqrt(V_t) (rho dW_t + sqrt(1-rho^2) dW^perp_t)``.

Notes
-----
*Davies–Harte* (Davies & Harte 1987; Dietrich & Newsam 1997): the covariance of n fGn values is
embedded in a 2n circulant matrix whose eigenvalues ``lambda = FFT(c)`` are non-negative for every
H in (0, 1) (Craigmile 2003); the real and the imaginary part of ``FFT(sqrt(lambda / 2n) (Z1 + i Z2))``
(first n entries) then each have exactly the fGn covariance and are independent of each other
(``Y = A Z`` with ``E[Z Z^T] = 0`` and ``A A^*`` real), so one FFT yields two paths.  O(n log n) per
path, batched as one FFT over all paths.  *Cholesky* factors the n x n
covariance: O(n^3) once, exact, the reference.

*Hybrid scheme* (Bennedsen, Lunde & Pakkanen 2017, eqs. 2.7, 4.3 and 4.5, with kappa = 1): on the
grid ``t_i = i dt``, ``Y(t_i) = sqrt(2H) (int_{t_{i-1}}^{t_i} (t_i - s)^a dW_s + sum_{k=2}^{i} (b_k dt)^a
dW_{i-k})`` with ``a = H - 1/2`` and the optimal points ``b_k = ((k^{a+1} - (k-1)^{a+1}) / (a+1))^{1/a}``;
the pair (dW_i, exact near integral) is drawn from its 2 x 2 covariance and the sum is one batched
FFT convolution.  *Exact* rough Bergomi samples (Y(t_1..t_n), W(t_1..t_n)) jointly from their
covariance (Bayer, Friz & Gatheral 2016, section 4; ``Cov(Y_s, Y_t)`` by the hypergeometric function)
by Cholesky, for small grids.  Prices use the log-Euler step for S with V at the left end of each step.

Layout of the family: :mod:`.core` computes the covariances, eigenvalues and kernels on the host
(numpy, scipy), :mod:`.reference` builds the paths from them and the normal draws on the backend's
array namespace; there are no fast paths: the backend chooses the namespace (numpy for ``numpy`` and
``numba``, jax.numpy, cupy) and the Philox fast path that draws the normals.

Random numbers come from Philox (``kernels.rng``): fGn by Davies–Harte gives path ``p`` from normal
draws ``[0, 2n)`` (Z1) and ``[2n, 4n)`` (Z2) of Philox path ``p // 2`` of stream ``s``, as the real part
for even ``p`` and the imaginary part for odd ``p``; by Cholesky path ``p`` takes its draws ``[0, n)``; rough Bergomi takes draws ``[0, 2n)`` of stream ``s`` for the Volterra pair (hybrid:
draws 2i, 2i+1 for step i; exact: the 2n-vector) and draws ``[0, n)`` of stream ``s + 1`` for W^perp.

References
----------
Davies, R. B. & Harte, D. S. (1987). Tests for Hurst effect. Biometrika 74(1).
Craigmile, P. F. (2003). Simulating a class of stationary Gaussian processes using the Davies–Harte
algorithm. J. Time Ser. Anal. 24(5).
Bayer, C., Friz, P. & Gatheral, J. (2016). Pricing under rough volatility. Quant. Finance 16(6).
Bennedsen, M., Lunde, A. & Pakkanen, M. S. (2017). Hybrid scheme for Brownian semistationary
processes. Finance Stoch. 21.
McCrickerd, R. & Pakkanen, M. S. (2018). Turbocharging Monte Carlo pricing for the rough Bergomi
model. Quant. Finance 18(11).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..._typing import ArrayLike, DeviceArray
from ...errors import (
    InvalidParameters,
    NumericalInstability,
    check_all_finite,
    check_array,
    check_choice,
    check_finite,
    check_in_range,
    check_int,
    check_memory,
    check_nonnegative,
    check_positive,
)
from ..backend import get_backend
from ..options import implied_vol
from ..rng import Philox
from . import reference
from .core import (
    FGN_METHODS,
    MAX_CHOLESKY,
    RBERGOMI_METHODS,
    cholesky,
    davies_harte_sqrt_eigenvalues,
    fgn_autocovariance,
    hybrid_kernel,
    volterra_covariance,
)

__all__ = [
    "fgn_autocovariance",
    "fgn",
    "fbm",
    "volterra_covariance",
    "rough_bergomi",
    "RoughBergomiPaths",
    "RoughVolatilitySolver",
    "implied_vol_smile",
    "FGN_METHODS",
    "RBERGOMI_METHODS",
]


def _normals(be, seed, stream, n_paths, n_draws, path_offset):
    """Philox normals as an array of the backend (drawn by the Philox fast path of that backend)."""
    return be.asarray(
        Philox(seed, stream).normals(n_paths, n_draws, path_offset=path_offset, backend=be, to_host=False)
    )


# float64 words held per path and grid step at the peak of a simulation: the normals, the FFT's complex
# buffers of twice the grid, and the outputs (fGn: one array; rough Bergomi: Y, V, S and dW)
_FGN_WORDS_PER_STEP = 12
_RBERGOMI_WORDS_PER_STEP = 24
# paths simulated at once by RoughVolatilitySolver.smile, which keeps only their terminal prices
_SMILE_CHUNK_BYTES = 1 << 28


def _check_common(hurst, n_steps, n_paths, seed, stream, path_offset):
    hurst = check_in_range("hurst", hurst, 0.0, 1.0, low_open=True, high_open=True)
    # a path draws up to 4 n_steps normals from its Philox stream, which holds 2**33
    n_steps = check_int("n_steps", n_steps, minimum=1, maximum=2**30)
    n_paths = check_int("n_paths", n_paths, minimum=1, maximum=2**32)
    check_int("seed", seed, minimum=0, maximum=2**64 - 1)
    check_int("stream", stream, minimum=0, maximum=2**32 - 2)
    check_int("path_offset", path_offset, minimum=0, maximum=2**32 - n_paths)
    return hurst, n_steps, n_paths


def fgn(
    hurst: float,
    n_steps: int,
    n_paths: int,
    *,
    horizon: float = 1.0,
    method: str = "davies-harte",
    seed: int = 0,
    stream: int = 0,
    path_offset: int = 0,
    backend: str | None = None,
    to_host: bool = True,
) -> DeviceArray:
    """Fractional Gaussian noise: increments of fBM over ``n_steps`` equal steps of ``horizon``.

    Parameters
    ----------
    hurst : float
        Hurst index H in (0, 1).
    n_steps, n_paths : int
        Increments per path (>= 1) and number of paths (>= 1).
    horizon : float, default 1.0
        Length of the path in years; increments have variance ``(horizon / n_steps)^{2H}``.
    method : {"davies-harte", "cholesky"}
        Davies–Harte circulant embedding (batched FFT, O(n log n)) or the Cholesky reference
        (O(n^3), n_steps <= 2048).
    seed, stream, path_offset : int
        The Philox stream and the first path index (see the module notes for the draw layout).
    backend : str, optional
        ``numpy``, ``numba`` (Philox normals in numba, FFT by numpy), ``jax``, ``cupy`` or ``auto``.

    Returns
    -------
    array of float64, shape (n_paths, n_steps)

    Raises
    ------
    InvalidParameters
        For H outside (0, 1), a non-positive horizon, counts below 1 or an unknown method.
    MatrixError
        If the Cholesky reference's covariance is numerically singular (H close to 1 on long grids).
    """
    hurst, n_steps, n_paths = _check_common(hurst, n_steps, n_paths, seed, stream, path_offset)
    horizon = check_positive("horizon", horizon)
    method = check_choice("method", method, FGN_METHODS)
    check_memory(
        "n_paths",
        n_paths,
        8.0 * _FGN_WORDS_PER_STEP * n_paths * (n_steps + 1),
        f"{n_paths} fractional Gaussian noise paths of {n_steps} steps",
    )
    # rough has no fast paths of its own: auto picks the fastest backend for the normals and the FFTs
    be = get_backend(backend)
    scale = (horizon / n_steps) ** hurst
    with be.x64():
        if method == "cholesky":
            if n_steps > MAX_CHOLESKY:
                raise InvalidParameters(
                    f"method 'cholesky' is the O(n^3) reference; n_steps must be <= {MAX_CHOLESKY}, got {n_steps}"
                )
            g = fgn_autocovariance(hurst, n_steps)
            cov = g[np.abs(np.subtract.outer(np.arange(n_steps), np.arange(n_steps)))]
            chol = be.asarray(cholesky(cov, f"fGn covariance at hurst={hurst!r}", "use method 'davies-harte'"))
            z = _normals(be, seed, stream, n_paths, n_steps, path_offset)
            out = reference.fgn_cholesky(z, chol, scale)
        else:
            # one FFT gives two independent paths: path 2q is its real part, path 2q + 1 its imaginary part
            q0, q1 = path_offset // 2, (path_offset + n_paths + 1) // 2
            sqrt_lam = be.asarray(davies_harte_sqrt_eigenvalues(hurst, n_steps))
            z = _normals(be, seed, stream, q1 - q0, 4 * n_steps, q0)
            out = reference.fgn_davies_harte(z, sqrt_lam, n_steps, path_offset - 2 * q0, n_paths, scale, xp=be.xp)
        return be.to_host(out) if to_host else out


def fbm(
    hurst: float,
    n_steps: int,
    n_paths: int,
    *,
    horizon: float = 1.0,
    method: str = "davies-harte",
    seed: int = 0,
    stream: int = 0,
    path_offset: int = 0,
    backend: str | None = None,
) -> np.ndarray:
    """Fractional Brownian motion on ``n_steps + 1`` grid points ``t_i = i horizon / n_steps``, B_0 = 0.

    Parameters as :func:`fgn`; returns float64 of shape (n_paths, n_steps + 1).
    """
    inc = fgn(
        hurst,
        n_steps,
        n_paths,
        horizon=horizon,
        method=method,
        seed=seed,
        stream=stream,
        path_offset=path_offset,
        backend=backend,
    )
    out = np.zeros((n_paths, n_steps + 1))
    np.cumsum(inc, axis=1, out=out[:, 1:])
    return out


@dataclass(frozen=True)
class RoughBergomiPaths:
    """Rough Bergomi paths on ``times`` (n_steps + 1 points from 0): arrays (n_paths, n_steps + 1).

    ``volterra`` is Y, ``variance`` is V (per year), ``spot`` is S.
    """

    times: np.ndarray
    volterra: np.ndarray
    variance: np.ndarray
    spot: np.ndarray


def rough_bergomi(
    hurst: float,
    eta: float,
    rho: float,
    xi0: float,
    spot: float,
    horizon: float,
    n_steps: int,
    n_paths: int,
    *,
    method: str = "hybrid",
    max_history: int | None = None,
    seed: int = 0,
    stream: int = 0,
    path_offset: int = 0,
    backend: str | None = None,
) -> RoughBergomiPaths:
    """Simulate the rough Bergomi model (Bayer, Friz & Gatheral 2016) with zero rates.

    Parameters
    ----------
    hurst : float
        H in (0, 1) (rough volatility: H around 0.1).
    eta : float
        Volatility of volatility, >= 0.
    rho : float
        Spot–volatility correlation in [-1, 1].
    xi0 : float
        Flat forward variance curve, per year, > 0.
    spot : float
        Initial price, > 0.
    horizon : float
        Years, > 0; ``dt = horizon / n_steps``.
    n_steps, n_paths : int
        Grid steps and paths, >= 1.
    method : {"hybrid", "cholesky"}
        Hybrid scheme with kappa = 1 (O(n log n) per path) or exact joint Cholesky (n_steps <= 1024).
    max_history : int, optional
        Hybrid scheme only: Y(t_i) keeps the increments of the last ``max_history`` steps (>= 1; the
        newest by the exact near integral, the others by the Riemann sum); None or >= n_steps keeps all.
        Truncating the kernel is an approximation of Y.  It is the Y that a simulation keeping only
        the last ``max_history`` increments would compute; this function still convolves the whole
        grid with one FFT, so it saves neither memory nor time.
    seed, stream, path_offset, backend
        As in :func:`fgn` (streams ``stream`` and ``stream + 1`` are used).

    Returns
    -------
    RoughBergomiPaths

    Raises
    ------
    InvalidParameters
        For H outside (0, 1), eta < 0, |rho| > 1, a non-positive xi0, spot or horizon, counts below
        1, an unknown method, or max_history with method 'cholesky'.
    MatrixError
        If the exact method's joint covariance is numerically singular (H within about 1e-6 of 1/2
        but not equal to it, where Y is within rounding of W).
    NumericalInstability
        If a variance or price path overflows.

    Notes
    -----
    At H = 1/2 the kernel ``(t-s)^{H-1/2}`` is 1, so Y = W and both methods are exact: V is the
    lognormal process ``xi0 exp(eta W_t - eta^2 t / 2)``.
    """
    hurst, n_steps, n_paths = _check_common(hurst, n_steps, n_paths, seed, stream, path_offset)
    check_memory(
        "n_paths",
        n_paths,
        8.0 * _RBERGOMI_WORDS_PER_STEP * n_paths * (n_steps + 1),
        f"{n_paths} rough Bergomi paths of {n_steps} steps",
    )
    eta = check_nonnegative("eta", eta)
    rho = check_in_range("rho", rho, -1.0, 1.0)
    xi0 = check_positive("xi0", xi0)
    spot = check_positive("spot", spot)
    horizon = check_positive("horizon", horizon)
    method = check_choice("method", method, RBERGOMI_METHODS)
    if max_history is not None:
        max_history = check_int("max_history", max_history, minimum=1)
        if method != "hybrid":
            raise InvalidParameters("max_history applies to method 'hybrid' only")
    be = get_backend(backend)
    dt = horizon / n_steps
    t = dt * np.arange(n_steps + 1)
    with be.x64(), np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
        if method == "hybrid":
            z = _normals(be, seed, stream, n_paths, 2 * n_steps, path_offset)
            kernel = be.asarray(hybrid_kernel(hurst, dt, n_steps, max_history))
            y, dw = reference.hybrid_volterra(z, hurst, dt, kernel, xp=be.xp)
        else:
            if n_steps > MAX_CHOLESKY // 2:
                raise InvalidParameters(
                    f"method 'cholesky' is for small grids; n_steps must be <= {MAX_CHOLESKY // 2}, got {n_steps}"
                )
            z = _normals(be, seed, stream, n_paths, 2 * n_steps, path_offset)
            y, dw = reference.cholesky_volterra(z, be.asarray(_volterra_factor(hurst, t[1:])), xp=be.xp)
        z_perp = _normals(be, seed, stream + 1, n_paths, n_steps, path_offset)
        v, s = reference.rough_bergomi_paths(y, dw, z_perp, t, dt, hurst, eta, rho, xi0, spot, xp=be.xp)
        y, v, s = be.to_host(y), be.to_host(v), be.to_host(s)
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(v)) and np.all(np.isfinite(s))):
        raise NumericalInstability("rough Bergomi paths overflowed; reduce eta or the horizon")
    return RoughBergomiPaths(t, y, v, s)


def _volterra_factor(hurst: float, times: np.ndarray) -> np.ndarray:
    """The lower factor of the joint covariance of (Y, W) on ``times``."""
    n = times.size
    if hurst == 0.5:
        # Y = W: the joint covariance has rank n, and its factor is the limit [[L, 0], [L, 0]] of H -> 1/2
        lw = cholesky(np.minimum.outer(times, times), "covariance of W", "use fewer steps")
        return np.block([[lw, np.zeros((n, n))], [lw, np.zeros((n, n))]])
    return cholesky(
        volterra_covariance(hurst, times),
        f"joint covariance of (Y, W) at hurst={hurst!r}",
        "near hurst = 0.5, where Y tends to W, pass 0.5 exactly or use method 'hybrid'",
    )


def implied_vol_smile(
    terminal: np.ndarray, strikes: ArrayLike, spot: float, horizon: float, rate: float = 0.0
) -> np.ndarray:
    """Black–Scholes implied volatilities of Monte Carlo prices of European options on ``terminal``.

    Out-of-the-money options are priced (puts below the forward, calls from it on), each as
    ``e^{-rT} mean(payoff)``, then inverted with :func:`kernels.options.implied_vol`.

    Returns
    -------
    numpy.ndarray of the shape of ``strikes``: volatility per square-root year.

    Raises
    ------
    InvalidParameters
        If a Monte Carlo price falls outside the no-arbitrage bounds (too few paths in a far wing), or
        for non-finite or negative terminal prices, strikes that are not finite and > 0, a spot or
        horizon that is not > 0, or a rate whose growth factor ``e^{rT}`` overflows.
    """
    x = check_all_finite("terminal", check_array("terminal", terminal, dtype=np.float64, cast=True)).ravel()
    if x.size == 0 or np.any(x < 0):
        raise InvalidParameters(
            f"terminal must hold at least one price, all >= 0; got {x.size} values, min {x.min() if x.size else None!r}"
        )
    k = check_all_finite("strikes", check_array("strikes", strikes, dtype=np.float64, cast=True)).ravel()
    if k.size == 0 or np.any(k <= 0):
        raise InvalidParameters(f"strikes must be non-empty and > 0, got {strikes!r}")
    spot = check_positive("spot", spot)
    horizon = check_positive("horizon", horizon)
    rate = check_finite("rate", rate)
    if abs(rate * horizon) > 700.0:  # e^{rT} and e^{-rT} must both stay finite
        raise InvalidParameters(
            f"rate * horizon must lie within +-700 (e^{{rT}} overflows), got rate={rate!r}, horizon={horizon!r}"
        )
    fwd = spot * math.exp(rate * horizon)
    call = k >= fwd
    if k.size * x.size * 8 <= _SMILE_CHUNK_BYTES:
        payoff = np.where(
            call[:, None], np.maximum(x[None, :] - k[:, None], 0.0), np.maximum(k[:, None] - x[None, :], 0.0)
        )
        mean_payoff = payoff.mean(axis=1)
    else:  # one strike at a time: the strikes x paths payoff matrix would not fit
        mean_payoff = np.array(
            [(np.maximum(x - kk, 0.0) if c else np.maximum(kk - x, 0.0)).mean() for kk, c in zip(k, call)]
        )
    prices = math.exp(-rate * horizon) * mean_payoff
    return implied_vol(prices, spot, k, horizon, rate, 0.0, call, backend="numpy").reshape(np.shape(strikes))


class RoughVolatilitySolver:
    """Rough Bergomi simulation and smiles with a fixed Hurst index and kernel memory.

    Parameters
    ----------
    hurst : float
        H in (0, 1).
    max_history : int, optional
        Lags kept by the hybrid scheme's Riemann sum (None: all); see :func:`rough_bergomi`.
    eta, rho, xi0 : float
        Vol of vol, spot–vol correlation, flat forward variance (defaults: Bayer, Friz & Gatheral
        2016, figure 5.2: eta = 1.9, rho = -0.9, xi0 = 0.235^2).

    Examples
    --------
    >>> from quantforge.kernels.rough import RoughVolatilitySolver
    >>> solver = RoughVolatilitySolver(hurst=0.07)
    >>> paths = solver.simulate(100.0, 0.5, 64, 1000, seed=1, backend="numpy")
    >>> paths.variance.shape
    (1000, 65)
    """

    def __init__(
        self,
        hurst: float,
        max_history: int | None = None,
        *,
        eta: float = 1.9,
        rho: float = -0.9,
        xi0: float = 0.235**2,
    ):
        self.hurst = check_in_range("hurst", hurst, 0.0, 1.0, low_open=True, high_open=True)
        self.max_history = None if max_history is None else check_int("max_history", max_history, minimum=1)
        self.eta = check_nonnegative("eta", eta)
        self.rho = check_in_range("rho", rho, -1.0, 1.0)
        self.xi0 = check_positive("xi0", xi0)

    def __repr__(self) -> str:
        return (
            f"RoughVolatilitySolver(hurst={self.hurst}, max_history={self.max_history}, eta={self.eta}, "
            f"rho={self.rho}, xi0={self.xi0})"
        )

    def simulate(
        self,
        spot: float,
        horizon: float,
        n_steps: int,
        n_paths: int,
        *,
        seed: int = 0,
        stream: int = 0,
        backend: str | None = None,
    ) -> RoughBergomiPaths:
        """Rough Bergomi paths by the hybrid scheme; see :func:`rough_bergomi`."""
        return rough_bergomi(
            self.hurst,
            self.eta,
            self.rho,
            self.xi0,
            spot,
            horizon,
            n_steps,
            n_paths,
            max_history=self.max_history,
            seed=seed,
            stream=stream,
            backend=backend,
        )

    def smile(
        self,
        strikes: ArrayLike,
        spot: float,
        horizon: float,
        n_steps: int,
        n_paths: int,
        *,
        seed: int = 0,
        backend: str | None = None,
    ) -> np.ndarray:
        """Implied volatilities at ``strikes`` for expiry ``horizon`` from simulated prices.

        Only the terminal prices are kept: the paths are simulated in chunks of at most 256 MiB (the
        same numbers as one batch, path by path; see :func:`rough_bergomi`'s ``path_offset``), so the
        memory does not grow with ``n_paths`` beyond 8 bytes per path, and a request whose terminal
        prices cannot fit is refused before it starts.
        """
        n_steps = check_int("n_steps", n_steps, minimum=1, maximum=2**30)
        n_paths = check_int("n_paths", n_paths, minimum=1, maximum=2**32)
        check_memory("n_paths", n_paths, 8.0 * n_paths, f"the terminal prices of {n_paths} paths")
        chunk = max(1, _SMILE_CHUNK_BYTES // (8 * _RBERGOMI_WORDS_PER_STEP * (n_steps + 1)))
        if n_paths <= chunk:
            paths = self.simulate(spot, horizon, n_steps, n_paths, seed=seed, backend=backend)
            return implied_vol_smile(paths.spot[:, -1], strikes, spot, horizon)
        # validate the strikes before the long simulation, not after it
        check_all_finite("strikes", check_array("strikes", strikes, dtype=np.float64, cast=True))
        terminal = np.empty(n_paths)
        for lo in range(0, n_paths, chunk):
            n = min(chunk, n_paths - lo)
            paths = rough_bergomi(
                self.hurst,
                self.eta,
                self.rho,
                self.xi0,
                spot,
                horizon,
                n_steps,
                n,
                max_history=self.max_history,
                seed=seed,
                path_offset=lo,
                backend=backend,
            )
            terminal[lo : lo + n] = paths.spot[:, -1]
        return implied_vol_smile(terminal, strikes, spot, horizon)

    def fbm(
        self, n_steps: int, n_paths: int, *, horizon: float = 1.0, seed: int = 0, backend: str | None = None
    ) -> np.ndarray:
        """Fractional Brownian motion with this solver's Hurst index; see :func:`fbm`."""
        return fbm(self.hurst, n_steps, n_paths, horizon=horizon, seed=seed, backend=backend)
