"""The public functions of the covariance family: validation, batching, backend choice and dispatch.

Shapes: returns are ``(..., T, n)`` (any leading batch axes: windows, portfolios, desks; then
observations, then assets) and matrices ``(..., n, n)``; results keep the leading axes.  See the
package docstring for the estimators and their references.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._typing import ArrayLike, BackendName, BoolArray, DeviceArray, Float64Array
from ...errors import (
    ConvergenceFailure,
    InvalidParameters,
    MatrixError,
    check_all_finite,
    check_array,
    check_choice,
    check_in_range,
    check_int,
    check_positive,
)
from ..backend import Backend, fast_path, get_backend, register_fast_path
from .core import NEAREST_METHODS, PSD_TOL, TARGETS, Target
from .reference import (
    correlation_xp,
    ewma_xp,
    higham_xp,
    ledoit_wolf_xp,
    newton_xp,
    psd_part_xp,
    sample_covariance_xp,
    unit_diagonal_xp,
)

__all__ = [
    "ShrunkCovariance",
    "sample_covariance",
    "sample_correlation",
    "covariance_to_correlation",
    "ewma_covariance",
    "ledoit_wolf",
    "nearest_correlation",
    "is_psd",
    "check_psd",
    "cholesky",
]

EWMA = "covariance.ewma"
for _backend, _module in (("numba", "numba"), ("jax", "jax")):
    register_fast_path(EWMA, _backend, f"{__package__}.{_module}:ewma")

_DEFAULT_TOL = {"newton": 1e-10, "higham": 1e-10}
_DEFAULT_MAX_ITER = {"newton": 200, "higham": 10_000}


def _returns(name: str, value: ArrayLike, min_obs: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """``value`` as float64 (B, T, n) and its leading shape, refusing NaN, too few dimensions or observations."""
    x = check_all_finite(name, check_array(name, value, dtype=np.float64, cast=True))
    if x.ndim < 2 or x.shape[-1] < 1:
        raise InvalidParameters(f"{name} must have shape (..., n_obs, n_assets), got shape {x.shape}")
    if x.shape[-2] < min_obs:
        raise InvalidParameters(f"{name} needs at least {min_obs} observations (axis -2), got {x.shape[-2]}")
    return np.ascontiguousarray(x.reshape((-1,) + x.shape[-2:])), x.shape[:-2]


def _square(name: str, value: ArrayLike) -> tuple[np.ndarray, tuple[int, ...]]:
    """``value`` as float64 (B, n, n) and its leading shape, refusing NaN and non-square shapes."""
    m = check_all_finite(name, check_array(name, value, dtype=np.float64, cast=True))
    if m.ndim < 2 or m.shape[-1] != m.shape[-2] or m.shape[-1] < 1:
        raise InvalidParameters(f"{name} must have shape (..., n, n), got shape {m.shape}")
    return np.ascontiguousarray(m.reshape((-1,) + m.shape[-2:])), m.shape[:-2]


def _out(be: Backend, arr: Any, lead: tuple[int, ...], to_host: bool) -> DeviceArray:
    arr = be.to_host(arr) if to_host else arr
    return be.xp.reshape(arr, lead + tuple(arr.shape[1:])) if not to_host else arr.reshape(lead + arr.shape[1:])


def _reference(be: Backend, fn, *arrays: np.ndarray, **kwargs: Any) -> Any:
    """Run a reference kernel on ``be``'s namespace (inside its x64 context)."""
    with be.x64():
        return fn(be.xp, *(be.asarray(a) for a in arrays), **kwargs)


def sample_covariance(
    returns: ArrayLike, *, ddof: int = 1, backend: BackendName = None, to_host: bool = True
) -> DeviceArray:
    """Sample covariance matrices of a batch of return windows.

    Parameters
    ----------
    returns : array_like, shape (..., T, n)
        Returns (per period; any units) of ``n`` assets over ``T`` observations, per batch member.
    ddof : int, default 1
        Divisor ``T - ddof`` (1: unbiased; 0: maximum likelihood, as Ledoit–Wolf use).
    backend : str, optional
        ``numpy`` (reference), ``numba``, ``jax``, ``cupy`` or ``auto``; every backend runs the
        reference on its namespace (the work is one matrix product per batch member).
    to_host : bool, default True
        False leaves the result on the backend's device.

    Returns
    -------
    float64 array, shape (..., n, n), in squared return units per period.

    Raises
    ------
    InvalidParameters
        NaN or infinite returns, fewer than ``ddof + 1`` observations, or a shape that is not (..., T, n).

    Examples
    --------
    >>> from quantforge.kernels.covariance import sample_covariance
    >>> sample_covariance([[1.0, 2.0], [3.0, 0.0]], backend="numpy").tolist()
    [[2.0, -2.0], [-2.0, 2.0]]
    """
    ddof = check_int("ddof", ddof, minimum=0)
    x, lead = _returns("returns", returns, ddof + 1)
    be = get_backend(backend, kernel="covariance.sample")
    return _out(be, _reference(be, sample_covariance_xp, x, ddof=ddof), lead, to_host)


def sample_correlation(returns: ArrayLike, *, backend: BackendName = None, to_host: bool = True) -> DeviceArray:
    """Sample (Pearson) correlation matrices of a batch of return windows, shape (..., n, n).

    Parameters are those of :func:`sample_covariance`; an asset with zero variance is refused
    (its correlations are undefined).

    Examples
    --------
    >>> from quantforge.kernels.covariance import sample_correlation
    >>> sample_correlation([[1.0, 2.0], [2.0, 4.5], [3.0, 6.0]], backend="numpy").round(4).tolist()
    [[1.0, 0.9897], [0.9897, 1.0]]
    """
    cov = sample_covariance(returns, backend=backend, to_host=True)
    return covariance_to_correlation(cov, backend=backend, to_host=to_host)


def covariance_to_correlation(
    covariance: ArrayLike, *, backend: BackendName = None, to_host: bool = True
) -> DeviceArray:
    """``D^-1/2 Sigma D^-1/2`` with an exact unit diagonal, shape (..., n, n).

    Raises
    ------
    InvalidParameters
        A diagonal entry (a variance) that is not > 0; the message names its position.
    """
    c, lead = _square("covariance", covariance)
    diag = np.diagonal(c, axis1=-2, axis2=-1)
    if np.any(diag <= 0.0):
        b, i = (int(k) for k in np.argwhere(diag <= 0.0)[0])
        raise InvalidParameters(f"covariance must have positive variances; covariance[{b}][{i}, {i}] = {diag[b, i]!r}")
    be = get_backend(backend, kernel="covariance.sample")
    return _out(be, _reference(be, correlation_xp, c), lead, to_host)


def ewma_covariance(
    returns: ArrayLike,
    lam: float = 0.94,
    *,
    adjust: bool = False,
    demean: bool = False,
    bias: bool = True,
    path: bool = False,
    backend: BackendName = None,
    to_host: bool = True,
) -> DeviceArray:
    """Exponentially weighted covariance (RiskMetrics 1996) by its O(n^2)-per-observation recursion.

    Parameters
    ----------
    returns : array_like, shape (..., T, n)
        Returns per period (daily for the RiskMetrics ``lam = 0.94``), oldest first.
    lam : float, default 0.94
        Decay factor ``lambda`` in (0, 1): observation ``t - i`` weighs ``lambda^i``.
    adjust : bool, default False
        False: the recursion ``S_t = lambda S_{t-1} + (1 - lambda) r_t r_t'`` started at
        ``S_0 = r_0 r_0'`` (RiskMetrics 1996, eq. 5.3).  True: the normalised weighted sum
        ``sum_i lambda^i r r' / sum_i lambda^i`` (pandas' ``adjust=True``).
    demean : bool, default False
        False: zero mean (RiskMetrics).  True: centre on the exponentially weighted mean, as
        ``pandas.DataFrame.ewm(alpha=1 - lam, adjust=adjust).cov(bias=bias)`` does.
    bias : bool, default True
        False applies the unbiased weighting ``W^2 / (W^2 - sum w^2)`` (pandas' default);
        then the first observation's estimate is NaN.
    path : bool, default False
        Return the estimate after every observation, shape (..., T, n, n), instead of the last.
    backend : str, optional
        ``numpy`` (reference), ``numba`` (parallel over row blocks), ``jax`` (``lax.scan``), ``cupy`` or ``auto``.
    to_host : bool, default True
        False leaves the result on the backend's device.

    Returns
    -------
    float64 array, shape (..., n, n) or (..., T, n, n), squared return units per period.

    Raises
    ------
    InvalidParameters
        ``lam`` outside (0, 1), NaN returns, a shape that is not (..., T, n).

    Notes
    -----
    Each observation costs one rank-one update ``S_t = a_t S_{t-1} + c_t v_t v_t'`` (O(n^2)); see
    :func:`quantforge.kernels.covariance.core.ewma_coefficients` for ``a_t, c_t, v_t``.

    Examples
    --------
    >>> from quantforge.kernels.covariance import ewma_covariance
    >>> ewma_covariance([[0.01], [0.02]], 0.94, backend="numpy").round(8).tolist()  # 0.94 * 1e-4 + 0.06 * 4e-4
    [[0.000118]]
    """
    lam = check_in_range("lam", lam, 0.0, 1.0, low_open=True, high_open=True)
    x, lead = _returns("returns", returns, 1)
    be = get_backend(backend, kernel=EWMA)
    impl = fast_path(EWMA, be)
    args = (1.0 - lam, bool(adjust), bool(demean), bool(bias), bool(path))
    if impl is not None:
        out = impl(x, *args)
    else:
        out = _reference(be, ewma_xp, x, alpha=args[0], adjust=args[1], demean=args[2], bias=args[3], path=args[4])
    return _out(be, out, lead, to_host)


@dataclass(frozen=True)
class ShrunkCovariance:
    """A Ledoit–Wolf estimate: ``covariance = delta F + (1 - delta) S`` with its shrinkage ``delta``.

    Attributes
    ----------
    covariance : float64 array (..., n, n)
        The shrunk covariance (squared return units per period).
    shrinkage : float64 array (...)
        ``delta`` in [0, 1] per batch member (a 0-d array for one window).
    target : str
        ``identity`` or ``constant_correlation``.
    n_obs : int
        Observations per window.
    """

    covariance: np.ndarray
    shrinkage: np.ndarray
    target: str
    n_obs: int

    def summary(self) -> str:
        """One line per batch member (at most 10): the shrinkage intensity and the condition number."""
        cov = self.covariance.reshape((-1,) + self.covariance.shape[-2:])
        delta = np.ravel(self.shrinkage)
        lines = [f"Ledoit-Wolf ({self.target} target), {cov.shape[-1]} assets, {self.n_obs} observations"]
        for b in range(min(len(cov), 10)):
            eig = np.linalg.eigvalsh(cov[b])
            lines.append(f"  [{b}] shrinkage {delta[b]:.4f}, condition number {eig[-1] / eig[0]:.4g}")
        return "\n".join(lines)


def ledoit_wolf(returns: ArrayLike, *, target: str = "identity", backend: BackendName = None) -> ShrunkCovariance:
    """Ledoit–Wolf shrinkage of the sample covariance towards a structured target.

    Parameters
    ----------
    returns : array_like, shape (..., T, n)
        Returns per period of ``n`` assets, ``T >= 2`` observations per batch member.
    target : {"identity", "constant_correlation"}
        ``identity``: ``mu I`` with ``mu`` the average variance (Ledoit & Wolf 2004; equal to
        scikit-learn's ``LedoitWolf().fit(x).covariance_``).  ``constant_correlation``: the sample
        variances with one average correlation ``rbar`` (Ledoit & Wolf 2003).
    backend : str, optional
        ``numpy`` (reference), ``jax``, ``cupy`` or ``auto``; every backend runs the reference.

    Returns
    -------
    ShrunkCovariance
        The covariance (..., n, n) and the optimal shrinkage intensity per window.

    Raises
    ------
    InvalidParameters
        NaN returns, fewer than 2 observations, an unknown target.

    Notes
    -----
    The sample covariance ``S`` uses the divisor ``T`` (the papers' convention).  The identity
    target's intensity is ``min(b^2, d^2) / d^2`` (2004, Lemmas 3.2-3.4); the constant-correlation
    target's is ``max(0, min(1, (pi - rho) / (gamma T)))`` (2003, Appendix B), both in
    :func:`.reference.ledoit_wolf_xp`.

    References
    ----------
    Ledoit, O. & Wolf, M. (2004). A well-conditioned estimator for large-dimensional covariance
    matrices. J. Multivar. Anal. 88:365-411.
    Ledoit, O. & Wolf, M. (2003). Honey, I shrunk the sample covariance matrix. UPF working paper 691
    (J. Portfolio Management 30(4), 2004).

    Examples
    --------
    >>> import numpy as np
    >>> from quantforge.kernels.covariance import ledoit_wolf
    >>> x = np.random.default_rng(0).standard_normal((50, 10))
    >>> est = ledoit_wolf(x, backend="numpy")
    >>> est.covariance.shape, 0.0 <= float(est.shrinkage) <= 1.0
    ((10, 10), True)
    """
    code = Target(TARGETS.index(check_choice("target", target, TARGETS)))
    x, lead = _returns("returns", returns, 2)
    be = get_backend(backend, kernel="covariance.ledoit_wolf")
    cov, shrink = _reference(be, ledoit_wolf_xp, x, target=code)
    cov, shrink = be.to_host(cov), be.to_host(shrink)
    return ShrunkCovariance(cov.reshape(lead + cov.shape[1:]), shrink.reshape(lead), target, x.shape[1])


def nearest_correlation(
    matrix: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    method: str = "newton",
    tol: float | None = None,
    max_iter: int | None = None,
    backend: BackendName = None,
    to_host: bool = True,
) -> DeviceArray:
    """The nearest correlation matrix in the (weighted) Frobenius norm.

    Solves ``min ||W^1/2 (A - X) W^1/2||_F`` over correlation matrices ``X`` (symmetric, positive
    semi-definite, unit diagonal) for ``W = diag(weights)``.

    Parameters
    ----------
    matrix : array_like, shape (..., n, n)
        Approximate correlation matrices ``A`` (their symmetric part is used).
    weights : array_like, shape (n,) or (..., n), optional
        Positive weights of the rows/columns (default all 1): a larger weight keeps that asset's
        correlations closer to ``A``.
    method : {"newton", "higham"}, default "newton"
        ``newton``: the quadratically convergent dual Newton method (Qi & Sun 2006), a few
        eigendecompositions; ``higham``: alternating projections with Dykstra's correction
        (Higham 2002, Algorithm 3.3), linearly convergent, batched over the leading axes.
    tol : float, optional
        ``newton``: ``||diag(X) - 1||_2`` of the dual iterate (default 1e-10); ``higham``: the
        relative change of an iteration (default 1e-10).
    max_iter : int, optional
        Iteration cap (default 200 Newton steps, 10,000 projections).
    backend : str, optional
        ``numpy`` (reference), ``jax``, ``cupy`` or ``auto``: the algorithms run on the backend's
        namespace (eigendecompositions and matrix products).
    to_host : bool, default True
        False leaves the result on the backend's device.

    Returns
    -------
    float64 array (..., n, n): positive semi-definite with an exact unit diagonal (the converged
    iterate projected onto the PSD cone and rescaled, a change of the order of ``tol``).

    Raises
    ------
    InvalidParameters
        NaN entries, a non-square shape, weights that are not positive, an unknown method.
    ConvergenceFailure
        If ``max_iter`` iterations do not reach ``tol``; the message gives the batch member.

    References
    ----------
    Higham, N. J. (2002). Computing the nearest correlation matrix — a problem from finance. IMA J.
    Numer. Anal. 22:329-343.
    Qi, H. & Sun, D. (2006). A quadratically convergent Newton method for computing the nearest
    correlation matrix. SIAM J. Matrix Anal. Appl. 28:360-385.

    Examples
    --------
    >>> import numpy as np
    >>> from quantforge.kernels.covariance import nearest_correlation
    >>> a = np.array([[2.0, -1, 0, 0], [-1, 2, -1, 0], [0, -1, 2, -1], [0, 0, -1, 2]])
    >>> nearest_correlation(a, backend="numpy")[0].round(4).tolist()  # Higham (2002), section 4
    [1.0, -0.8084, 0.1916, 0.1068]
    """
    method = check_choice("method", method, NEAREST_METHODS)
    tol = _DEFAULT_TOL[method] if tol is None else check_positive("tol", tol)
    max_iter = _DEFAULT_MAX_ITER[method] if max_iter is None else check_int("max_iter", max_iter, minimum=1)
    a, lead = _square("matrix", matrix)
    a = 0.5 * (a + np.swapaxes(a, -1, -2))
    n = a.shape[-1]
    if weights is None:
        w = np.ones((a.shape[0], n))
    else:
        w = check_all_finite("weights", check_array("weights", weights, dtype=np.float64, cast=True))
        if w.ndim < 1 or w.shape[-1] != n or np.any(w <= 0.0):
            raise InvalidParameters(f"weights must be > 0 with shape (..., {n}), got {w.shape if w.ndim else w!r}")
        try:
            w = np.broadcast_to(w, lead + (n,)).reshape(-1, n)
        except ValueError:
            raise InvalidParameters(f"weights of shape {w.shape} do not broadcast to {lead + (n,)}") from None
    be = get_backend(backend, kernel="covariance.nearest")
    with be.x64():
        xp = be.xp
        if method == "higham":
            y, iters, ok = higham_xp(xp, be.asarray(a), be.asarray(w), tol, max_iter)
            if not ok:
                raise ConvergenceFailure(
                    f"nearest_correlation (higham) did not reach tol={tol:g} in {max_iter} "
                    "iterations; raise max_iter or use method='newton'"
                )
            sw = xp.sqrt(be.asarray(w))
            outer = sw[:, :, None] * sw[:, None, :]
            out = unit_diagonal_xp(xp, psd_part_xp(xp, y * outer) / outer)
        else:
            mats = []
            for b in range(a.shape[0]):
                sw = np.sqrt(w[b])
                g = be.asarray(a[b] * np.outer(sw, sw))
                x, iters, ok = newton_xp(xp, g, be.asarray(w[b]), tol, max_iter)
                if not ok:
                    raise ConvergenceFailure(
                        f"nearest_correlation (newton) did not reach tol={tol:g} in {max_iter} "
                        f"iterations for matrix[{b}]; raise max_iter or tol"
                    )
                mats.append(x / be.asarray(np.outer(sw, sw)))
            out = unit_diagonal_xp(xp, xp.stack(mats))
    return _out(be, out, lead, to_host)


def is_psd(matrix: ArrayLike, *, tol: float = PSD_TOL) -> BoolArray:
    """Whether each matrix is symmetric and positive semi-definite, shape (...) of bool.

    A matrix passes when ``max |A - A'| <= tol * scale`` and its smallest eigenvalue is
    ``>= -tol * scale``, with ``scale = max(1, max |eigenvalue|)``.

    Examples
    --------
    >>> from quantforge.kernels.covariance import is_psd
    >>> is_psd([[[1.0, 0.5], [0.5, 1.0]], [[1.0, 2.0], [2.0, 1.0]]]).tolist()
    [True, False]
    """
    tol = check_positive("tol", tol)
    a, lead = _square("matrix", matrix)
    return _psd_report(a, tol)[0].reshape(lead)


def _psd_report(a: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ok, asymmetry, smallest eigenvalue) per matrix of a (B, n, n) stack."""
    asym = np.abs(a - np.swapaxes(a, -1, -2)).max(axis=(-2, -1))
    eig = np.linalg.eigvalsh(0.5 * (a + np.swapaxes(a, -1, -2)))
    scale = np.maximum(1.0, np.abs(eig).max(axis=-1))
    return (asym <= tol * scale) & (eig[:, 0] >= -tol * scale), asym, eig[:, 0]


def check_psd(name: str, matrix: ArrayLike, *, tol: float = PSD_TOL) -> Float64Array:
    """``matrix`` as a symmetrised float64 array after checking it is symmetric PSD, else ``MatrixError``.

    The message names ``name``, the first failing batch member and its smallest eigenvalue or asymmetry.

    Examples
    --------
    >>> from quantforge.kernels.covariance import check_psd
    >>> check_psd("covariance", [[1.0, 2.0], [2.0, 1.0]])
    Traceback (most recent call last):
    ...
    quantforge.errors.MatrixError: covariance is not positive semi-definite: smallest eigenvalue -1 (tolerance 1e-10); repair a correlation matrix with nearest_correlation
    """
    a, lead = _square(name, matrix)
    ok, asym, low = _psd_report(a, tol)
    if not ok.all():
        b = int(np.argmin(ok))
        where = f"{name}{[int(i) for i in np.unravel_index(b, lead)]}" if lead else name
        if asym[b] > tol * max(1.0, abs(low[b])):
            raise MatrixError(f"{where} is not symmetric: max |A - A'| = {asym[b]:.3g}")
        raise MatrixError(
            f"{where} is not positive semi-definite: smallest eigenvalue {low[b]:.6g} "
            f"(tolerance {tol:g}); repair a correlation matrix with nearest_correlation"
        )
    return (0.5 * (a + np.swapaxes(a, -1, -2))).reshape(lead + a.shape[1:])


def cholesky(
    matrix: ArrayLike,
    *,
    name: str = "matrix",
    semidefinite: bool = False,
    backend: BackendName = None,
    to_host: bool = True,
) -> DeviceArray:
    """Lower-triangular Cholesky factors ``L`` with ``L L' = A``, shape (..., n, n).

    Parameters
    ----------
    matrix : array_like, shape (..., n, n)
        Symmetric positive definite matrices (a covariance, a correlation).
    name : str, default "matrix"
        The parameter's name in error messages (``"covariance"`` where a caller passes its own).
    semidefinite : bool, default False
        Accept singular PSD matrices: where the Cholesky factorisation breaks down the factor is the
        symmetric square root ``P diag(sqrt(max(lam, 0))) P'`` (not triangular, still ``L L' = A``).
    backend : str, optional
        ``numpy``, ``jax``, ``cupy`` or ``auto``.
    to_host : bool, default True
        False leaves the result on the backend's device.

    Raises
    ------
    MatrixError
        If a matrix is not symmetric positive definite (semi-definite with ``semidefinite``); the
        message names ``name``, the batch member and its smallest eigenvalue.

    Examples
    --------
    >>> from quantforge.kernels.covariance import cholesky
    >>> cholesky([[4.0, 2.0], [2.0, 2.0]], backend="numpy").tolist()
    [[2.0, 0.0], [1.0, 1.0]]
    """
    a, lead = _square(name, matrix)
    ok, asym, low = _psd_report(a, PSD_TOL)
    if not ok.all():
        check_psd(name, matrix)  # raises with the first failing member named
    scale = np.maximum(1.0, np.abs(np.diagonal(a, axis1=-2, axis2=-1)).max(axis=-1))
    singular = low <= PSD_TOL * scale
    if singular.any() and not semidefinite:
        b = int(np.argmax(singular))
        where = f"{name}{[int(i) for i in np.unravel_index(b, lead)]}" if lead else name
        raise MatrixError(
            f"{where} is singular (smallest eigenvalue {low[b]:.6g}): it has no "
            "Cholesky factor; pass semidefinite=True for a square-root factor"
        )
    a = 0.5 * (a + np.swapaxes(a, -1, -2))
    be = get_backend(backend, kernel="covariance.cholesky")
    with be.x64():
        xp = be.xp
        if singular.any():
            lam, p = xp.linalg.eigh(be.asarray(a))
            root = xp.matmul(p * xp.sqrt(xp.maximum(lam, 0.0))[:, None, :], xp.matrix_transpose(p))
            chol = xp.linalg.cholesky(be.asarray(np.where(singular[:, None, None], np.eye(a.shape[-1]), a)))
            flag = be.asarray(singular)[:, None, None]
            out = xp.where(flag, root, chol)
        else:
            out = xp.linalg.cholesky(be.asarray(a))
    host = be.to_host(out)
    if not np.all(np.isfinite(host)):
        raise MatrixError(
            f"{name}: the Cholesky factorisation broke down (ill-conditioned; smallest eigenvalue "
            f"{float(low.min()):.6g})"
        )
    return _out(be, out, lead, to_host)
