"""Fitting multivariate Hawkes processes: joint maximum likelihood of baselines, adjacency and decays.

The model is ``lambda_i(t) = mu_i + sum_j sum_{t_n^j < t} sum_k alpha_ijk beta_ijk exp(-beta_ijk (t - t_n^j))``
(exponential kernels for K = 1; ``alpha`` is the branching matrix, tick's ``adjacency``), with
log-likelihood on ``[0, T]``

    l = sum_i [ sum_{t_m in i} ln lambda_i(t_m) - mu_i T - sum_jk alpha_ijk sum_{t_n^j} (1 - exp(-beta_ijk (T - t_n^j))) ]

evaluated with its analytic gradient and Hessian by Ozaki's (1979) O(N) recursion
(:func:`quantforge.kernels.hawkes.log_likelihood_derivatives`).

* :func:`fit_hawkes`: L-BFGS-B (scipy) from several starting decays, on ``(ln mu, alpha, ln beta)``
  with bounds, all parameters jointly (decays estimated, or held fixed when given).  Long series are
  screened first: every start runs on the prefix holding the first ``screen_events`` events, and
  the best is then optimised on all of them.  Standard errors come from the observed information
  ``-d2 l / dx2`` (analytic) at the estimate.
* :func:`fit_hawkes_em`: the EM algorithm for fixed decays (Veen & Schoenberg 2008; Lewis & Mohler
  2011): with branching probabilities ``mu_i / lambda_i`` and ``alpha beta S / lambda_i`` the updates are
  ``mu_i <- mu_i sum_m (1 / lambda_i(t_m)) / T`` and ``alpha_ijk <- alpha_ijk sum_m (beta S_jk / lambda_i) /
  sum_n (1 - e^{-beta (T - t_n^j)})``, each raising the likelihood.
* :func:`fit_hawkes_batch`: many independent series at once, one projected-Newton fit per series
  in parallel (:mod:`quantforge.kernels.hawkes.numba`).

Every fit reports the true log-likelihood (not a normalised score), and its goodness of fit: the
time-rescaled residuals of each dimension, their Kolmogorov–Smirnov p-values against Exp(1), and a
QQ plot (:meth:`GoodnessOfFit.qq_plot`).  An optimiser that does not converge raises
``ConvergenceFailure`` with its message; estimates are never NaN.

References
----------
T. Ozaki (1979), Ann. Inst. Statist. Math. 31:145–155.  A. Veen & F. P. Schoenberg (2008), J. Amer.
Statist. Assoc. 103(482):614–624.  E. Lewis & G. Mohler (2011), J. Nonparametric Stat. 1(1).
E. N. Brown et al. (2002), "The time-rescaling theorem and its application to neural spike train data
analysis", Neural Comput. 14(2):325–346.  D. P. Bertsekas (1982), SIAM J. Control Optim. 20(2):221–246.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy import optimize, stats
from threadpoolctl import threadpool_limits

from .._typing import ArrayLike
from ..errors import ConvergenceFailure, InvalidParameters, check_choice, check_int, check_positive
from ..kernels.hawkes import (
    DECAY_STRUCTURES,
    FitLayout,
    FitStatus,
    HawkesProcess,
    batched_fit_available,
    event_set,
    fit_newton_batch,
    log_likelihood,
    log_likelihood_derivatives,
    residuals,
)
from ..kernels.hawkes.models import check_events

__all__ = [
    "GoodnessOfFit",
    "HawkesFit",
    "HawkesBatchFit",
    "fit_hawkes",
    "fit_hawkes_em",
    "fit_hawkes_batch",
    "goodness_of_fit",
    "KERNELS",
]

KERNELS = ("exponential", "sum_exponential")
_ALPHA_MAX = 50.0  # an adjacency entry beyond this is no Hawkes fit but a failure to be reported


def _read_only(*arrays: np.ndarray) -> None:
    """Results are immutable: their arrays too (a caller's edit must not change a reported fit)."""
    for a in arrays:
        a.setflags(write=False)


@dataclass(frozen=True, eq=False)
class GoodnessOfFit:
    """Time-rescaling diagnostics: residuals per dimension and their KS test against Exp(1)."""

    residuals: tuple[np.ndarray, ...]
    ks_statistics: np.ndarray
    ks_pvalues: np.ndarray

    def __post_init__(self):
        _read_only(*self.residuals, self.ks_statistics, self.ks_pvalues)

    def summary(self) -> str:
        rows = [
            f"  dim {i}: {r.size} residuals, mean {r.mean() if r.size else float('nan'):.4f}, KS D = {d:.4f}, "
            f"p = {p:.4g}"
            for i, (r, d, p) in enumerate(zip(self.residuals, self.ks_statistics, self.ks_pvalues))
        ]
        return "goodness of fit (time-rescaled residuals vs Exp(1)):\n" + "\n".join(rows)

    def qq_plot(self, path: str | Path, *, title: str = "Hawkes time-rescaled residuals") -> Path:
        """Write a PNG: each dimension's sorted residuals against Exp(1) quantiles; returns the path."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(5, 5))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        top = 0.0
        for i, r in enumerate(self.residuals):
            if r.size == 0:
                continue
            probs = (np.arange(1, r.size + 1) - 0.5) / r.size
            q = -np.log1p(-probs)
            ax.plot(q, np.sort(r), ".", ms=3, label=f"dim {i} (KS p = {self.ks_pvalues[i]:.3g})")
            top = max(top, float(q[-1]), float(r.max()))
        ax.plot([0, top], [0, top], "k--", lw=1, label="Exp(1)")
        ax.set_xlabel("Exp(1) quantile")
        ax.set_ylabel("residual")
        ax.set_title(title)
        ax.legend(loc="upper left", fontsize=8)
        path = Path(path)
        fig.savefig(path, dpi=100)
        return path


def _ks_exponential(r: np.ndarray) -> tuple[float, float]:
    """Kolmogorov–Smirnov statistic of ``r`` against Exp(1) and its exact p-value (scipy's ``kstwo``)."""
    n = r.size
    if n == 0:
        return math.nan, math.nan
    cdf = -np.expm1(-np.sort(r))
    grid = np.arange(1, n + 1) / n
    d = float(max(np.max(grid - cdf), np.max(cdf - (grid - 1.0 / n))))
    return d, float(stats.kstwo.sf(d, n))


def goodness_of_fit(
    process: HawkesProcess,
    times: ArrayLike,
    marks: ArrayLike | None = None,
    *,
    horizon: float,
    backend: str | None = None,
) -> GoodnessOfFit:
    """Residuals of ``process`` on the events and their KS test against Exp(1), per dimension."""
    res = tuple(residuals(process, times, marks, horizon=horizon, backend=backend))
    ks = np.array([_ks_exponential(r) for r in res]).reshape(len(res), 2)
    return GoodnessOfFit(res, ks[:, 0], ks[:, 1])


@dataclass(frozen=True, eq=False)
class HawkesFit:
    """A fitted Hawkes process: estimates, standard errors, the log-likelihood and the diagnostics.

    ``params`` follows ``names`` (``mu[i]``, ``alpha[i,j]``, free decays); ``std_errors`` are the
    square roots of the diagonal of ``covariance``, the inverse observed information (``inf`` where
    the information is singular; a parameter at its bound 0 has no Wald interval).
    """

    process: HawkesProcess
    params: np.ndarray
    names: tuple[str, ...]
    std_errors: np.ndarray
    covariance: np.ndarray
    log_likelihood: float
    n_events: int
    horizon: float
    method: str
    message: str
    n_evaluations: int
    layout: FitLayout = field(repr=False)
    goodness: GoodnessOfFit = field(repr=False)

    def __post_init__(self):
        _read_only(self.params, self.std_errors, self.covariance)

    @property
    def baseline(self) -> np.ndarray:
        return self.process.baseline

    @property
    def adjacency(self) -> np.ndarray:
        return self.process.kernel.adjacency

    @property
    def decays(self) -> np.ndarray:
        return self.process.kernel.decays

    @cached_property
    def aic(self) -> float:
        return 2.0 * self.params.size - 2.0 * self.log_likelihood

    def confidence_intervals(self, level: float = 0.95) -> np.ndarray:
        """Wald intervals ``params -/+ z SE``, (P, 2); lower ends of nonnegative parameters clipped at 0."""
        z = stats.norm.ppf(0.5 + 0.5 * level)
        return np.stack([np.maximum(self.params - z * self.std_errors, 0.0), self.params + z * self.std_errors], axis=1)

    def score(self, times: ArrayLike, marks: ArrayLike | None = None, *, horizon: float) -> float:
        """The log-likelihood of other events under the fitted process (the true value, not per event)."""
        return log_likelihood(self.process, times, marks, horizon=horizon)

    def summary(self) -> str:
        lines = [
            f"Hawkes fit ({self.method}): {self.process.dim} dims, {self.n_events} events on [0, {self.horizon:g}]",
            f"log-likelihood {self.log_likelihood:.6f}, AIC {self.aic:.3f}, spectral radius "
            f"{self.process.spectral_radius:.4f}; {self.message}",
            f"{'parameter':<16}{'estimate':>14}{'std err':>14}",
        ]
        lines += [f"{n:<16}{v:>14.6g}{s:>14.4g}" for n, v, s in zip(self.names, self.params, self.std_errors)]
        return "\n".join(lines) + "\n" + self.goodness.summary()


def _covariance(hess: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(covariance, std errors) from the log-likelihood's Hessian (P, P) or a stack (S, P, P); ``inf``
    where it is not negative definite (no Wald interval there)."""
    info = -0.5 * (hess + np.swapaxes(hess, -1, -2))
    definite = np.all(np.linalg.eigvalsh(info) > 0.0, axis=-1)
    cov = np.full(info.shape, np.inf)
    if np.any(definite):
        cov[definite] = np.linalg.inv(info[definite])
    se = np.sqrt(np.maximum(np.diagonal(cov, axis1=-2, axis2=-1), 0.0))
    return cov, se


def _prepare(times, marks, horizon, dim):
    if dim is None:
        dim = 1 if marks is None else int(np.max(marks)) + 1 if np.size(marks) else 1
    dim = check_int("dim", dim, minimum=1)
    t, m, horizon = check_events(times, marks, horizon, dim)
    counts = np.bincount(m, minlength=dim)
    if np.any(counts == 0):
        raise InvalidParameters(
            f"every dimension needs events to fit; marks has none in dimension {int(np.argmin(counts))}"
        )
    return t, m, horizon, dim


def _layout(kernel, dim, n_decays, decays, decay_structure) -> FitLayout:
    kernel = check_choice("kernel", kernel, KERNELS)
    decay_structure = check_choice("decay_structure", decay_structure, DECAY_STRUCTURES)
    if kernel == "exponential":
        n_comp = 1
    elif decays is not None:
        n_comp = int(np.shape(decays)[-1]) if np.ndim(decays) else 1
    else:
        n_comp = check_int("n_decays", n_decays, minimum=1)
    return FitLayout.make(dim, n_comp, decay_structure, decays)


def _coordinates(layout: FitLayout, n_events, horizon, dim: int, adjacency_max: float = _ALPHA_MAX):
    """(logflag (P,), lower, upper) of the optimiser's z = (ln mu, alpha, ln beta): bounds (P,) for one
    series, (S, P) for arrays of ``n_events`` and ``horizon`` (S,)."""
    d, k, g = layout.n_dim, layout.n_comp, layout.n_decays
    n = np.asarray(n_events, dtype=np.float64)[..., None]
    h = np.asarray(horizon, dtype=np.float64)[..., None]
    rate = n / h / dim
    ones = np.ones(n.shape[:-1] + (1,))
    logflag = np.concatenate([np.ones(d, bool), np.zeros(d * d * k, bool), np.ones(g, bool)])
    lower = np.concatenate(
        [np.log(1e-10 * rate) * np.ones(d), 0.0 * ones * np.ones(d * d * k), np.log(1e-2 / h) * np.ones(g)], axis=-1
    )
    upper = np.concatenate(
        [np.log(1e3 * rate) * np.ones(d), adjacency_max * ones * np.ones(d * d * k), np.log(1e6 * n / h) * np.ones(g)],
        axis=-1,
    )
    return logflag, lower, upper


def _starts(layout: FitLayout, counts: np.ndarray, horizon, n_starts: int) -> np.ndarray:
    """Starting points in z, (R, P) for counts (D,), (S, R, P) for counts (S, D) and horizons (S,): half of
    each rate as baseline, branching 0.5 per row, decays spread over two decades around the mean rate."""
    d, k, g = layout.n_dim, layout.n_comp, layout.n_decays
    counts = np.asarray(counts, dtype=np.float64)
    h = np.asarray(horizon, dtype=np.float64)[..., None]
    lead = counts.shape[:-1]
    mu = np.log(np.maximum(0.5 * counts / h, 1e-300))
    alpha = np.full(lead + (d * d * k,), 0.5 / (d * k))
    rate = counts.sum(axis=-1, keepdims=True) / h
    centres = np.geomspace(0.1, 10.0, n_starts) if n_starts > 1 else np.ones(1)
    spread = (np.geomspace(0.1, 10.0, k) if k > 1 else np.ones(1))[np.arange(g) % k]
    rows = [np.concatenate([mu, alpha, np.log(rate * c * spread)], axis=-1) for c in centres]
    return np.stack(rows, axis=-2)


def _lbfgsb(layout, events, horizon, n_events, z0, logflag, lower, upper, backend):
    """L-BFGS-B on ``-l / n_events`` in z; returns scipy's result."""
    scale = float(max(n_events, 1))

    def fun(z):
        x = np.where(logflag, np.exp(z), z)
        v, g, _ = log_likelihood_derivatives(layout, x, events, horizon, order=1, backend=backend)
        if not math.isfinite(v):
            return math.inf, np.zeros_like(z)
        return -v / scale, -g * np.where(logflag, x, 1.0) / scale

    # L-BFGS-B's BLAS calls act on vectors of a few entries: OpenBLAS threads only add their wake-ups,
    # which cost milliseconds per iteration on a loaded machine
    with threadpool_limits(limits=1, user_api="blas"):
        return optimize.minimize(
            fun,
            np.clip(z0, lower, upper),
            jac=True,
            method="L-BFGS-B",
            bounds=list(zip(lower, upper)),
            options={"maxiter": 1000, "ftol": 1e-15, "gtol": 1e-9, "maxcor": 20},
        )


def _projected_gradient(res, lower, upper) -> float:
    g = res.jac
    z = res.x
    pg = np.where((z <= lower) & (g > 0) | (z >= upper) & (g < 0), 0.0, g)
    return float(np.max(np.abs(pg)))


def fit_hawkes(
    times: ArrayLike,
    marks: ArrayLike | None = None,
    *,
    horizon: float,
    dim: int | None = None,
    kernel: str = "exponential",
    n_decays: int = 1,
    decays: ArrayLike | None = None,
    decay_structure: str = "shared",
    n_starts: int = 3,
    screen_events: int = 20_000,
    adjacency_max: float = _ALPHA_MAX,
    backend: str | None = None,
) -> HawkesFit:
    """Maximum-likelihood fit of a Hawkes process with exponential (or sum-of-exponential) kernels.

    Parameters
    ----------
    times : float array (N,)
        Event times, sorted, in ``[0, horizon]`` (seconds, or any unit: rates come out per that unit).
    marks : int array (N,), optional
        The dimension of each event (omit for a univariate series).
    horizon : float
        ``T``: the end of the observation window (which starts at 0).
    dim : int, optional
        Number of dimensions (default ``max(marks) + 1``).
    kernel : {"exponential", "sum_exponential"}
        One decay per pair (K = 1) or K = ``n_decays`` components per pair.
    decays : array, optional
        Fixed decays (scalar, (D, D), (K,) or (D, D, K)); by default they are estimated.
    decay_structure : {"shared", "target", "pair"}
        Estimated decays: one per component shared by all pairs, one per target dimension, or one
        per pair.
    n_starts : int
        Starting decays, spread over two decades around the mean event rate.
    screen_events : int
        Series longer than this run every start on their first ``screen_events`` events and
        continue the best start on all of them.
    adjacency_max : float, default 50
        Upper bound of every adjacency entry (``alpha_ijk``): below 1 a univariate fit stays
        stationary; the default only keeps the optimiser in a sane box.
    backend : str, optional
        The likelihood's backend (``numba`` recursion by default; ``numpy`` direct sums).

    Returns
    -------
    HawkesFit

    Raises
    ------
    InvalidParameters
        Bad events (unsorted, non-finite, outside [0, horizon], a dimension without events), an
        unknown kernel or decay structure, bad decays.
    ConvergenceFailure
        If L-BFGS-B stops without a small projected gradient (its message is quoted).

    Examples
    --------
    >>> from quantforge.kernels.hawkes import ExponentialKernel, HawkesProcess, simulate
    >>> from quantforge.models.hawkes import fit_hawkes
    >>> truth = HawkesProcess([1.0], ExponentialKernel([[0.5]], 2.0))
    >>> t, _ = simulate(truth, 2000.0, seed=4).path(0)
    >>> fit = fit_hawkes(t, horizon=2000.0)
    >>> bool(abs(fit.adjacency[0, 0] - 0.5) < 4 * fit.std_errors[1])
    True
    """
    t, m, horizon, dim = _prepare(times, marks, horizon, dim)
    n_starts = check_int("n_starts", n_starts, minimum=1)
    screen_events = check_int("screen_events", screen_events, minimum=100)
    layout = _layout(kernel, dim, n_decays, decays, decay_structure)
    counts = np.bincount(m, minlength=dim)
    adjacency_max = check_positive("adjacency_max", adjacency_max)
    logflag, lower, upper = _coordinates(layout, t.size, horizon, dim, adjacency_max)
    starts = np.minimum(_starts(layout, counts, horizon, n_starts), upper)
    n_eval = 0
    events = event_set(t, m, dim)
    if t.size > screen_events and n_starts > 1:
        t_cut = float(t[screen_events - 1])
        pre = event_set(t[:screen_events], m[:screen_events], dim)
        results = [_lbfgsb(layout, pre, t_cut, screen_events, z0, logflag, lower, upper, backend) for z0 in starts]
        n_eval += sum(r.nfev for r in results)
        screened = min(results, key=lambda r: r.fun)
        polished = _newton_polish(layout, events, horizon, screened.x, logflag, lower, upper, backend)
        if polished is not None:
            x, value, hess, iters = polished
            message = (
                f"L-BFGS-B from {n_starts} starts on the first {screen_events} events ({screened.message}), "
                f"then projected Newton on all {t.size} events: converged in {iters} iterations"
            )
            return _result(layout, x, value, hess, t, m, horizon, "mle", message, n_eval + 2 * iters + 1, backend)
        starts = [screened.x]
    results = [_lbfgsb(layout, events, horizon, t.size, z0, logflag, lower, upper, backend) for z0 in starts]
    n_eval += sum(r.nfev for r in results)
    best = min(results, key=lambda r: r.fun)
    pg = _projected_gradient(best, lower, upper)
    if not np.all(np.isfinite(best.x)) or not math.isfinite(best.fun) or (not best.success and pg > 1e-5):
        raise ConvergenceFailure(
            f"L-BFGS-B did not converge: {best.message} (projected gradient {pg:.3g}, {best.nit} iterations)"
        )
    x = np.where(logflag, np.exp(best.x), best.x)
    value, _, hess = log_likelihood_derivatives(layout, x, events, horizon, order=2, backend=backend)
    message = (
        f"L-BFGS-B from {len(starts)} start(s): {best.message} ({best.nit} iterations, projected gradient {pg:.2g})"
    )
    return _result(layout, x, value, hess, t, m, horizon, "mle", message, n_eval, backend)


def _newton_polish(layout, events, horizon, z0, logflag, lower, upper, backend):
    """(x, log-likelihood, Hessian, iterations) of the projected-Newton fit from ``z0`` on all events, or
    ``None`` where the backend has no batched fit or Newton did not converge (L-BFGS-B then continues)."""
    if not batched_fit_available(backend):
        return None
    z, status, iters, loglik, hess, _ = fit_newton_batch(
        layout, z0[None, None, :], lower[None], upper[None], logflag, [events], np.array([horizon])
    )
    if status[0] != FitStatus.CONVERGED or not np.all(np.isfinite(z[0])):
        return None
    return np.where(logflag, np.exp(z[0]), z[0]), float(loglik[0]), hess[0], int(iters[0])


def _result(layout, x, value, hess, t, m, horizon, method, message, n_eval, backend) -> HawkesFit:
    cov, se = _covariance(hess)
    process = layout.process(x)
    return HawkesFit(
        process,
        x,
        tuple(layout.names()),
        se,
        cov,
        value,
        int(t.size),
        horizon,
        method,
        message,
        n_eval,
        layout,
        goodness_of_fit(process, t, m, horizon=horizon, backend=backend),
    )


def fit_hawkes_em(
    times: ArrayLike,
    marks: ArrayLike | None = None,
    *,
    horizon: float,
    decays: ArrayLike,
    dim: int | None = None,
    max_iter: int = 5000,
    tol: float = 1e-10,
    backend: str | None = None,
) -> HawkesFit:
    """The EM estimate of ``mu`` and ``alpha`` for fixed ``decays`` (see the module notes).

    ``decays``: scalar or (D, D) for exponential kernels, (K,) or (D, D, K) for sums of exponentials.
    Stops when no parameter moves by more than ``tol`` relative; raises ``ConvergenceFailure``
    after ``max_iter`` iterations.  Standard errors as in :func:`fit_hawkes` (``mu`` and ``alpha``).
    """
    t, m, horizon, dim = _prepare(times, marks, horizon, dim)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    tol = check_positive("tol", tol)
    dec = np.asarray(decays, dtype=np.float64)
    kernel = "sum_exponential" if dec.ndim == 1 or dec.ndim == 3 else "exponential"
    layout = _layout(kernel, dim, 1, decays, "shared")
    events = event_set(t, m, dim)
    counts = np.bincount(m, minlength=dim)
    beta = layout.beta_fixed
    # sum_n (1 - e^{-beta (T - t_n^j)}): the compensator's coefficient of alpha_ijk, fixed with the decays
    norm = np.zeros(beta.shape)
    for j in range(dim):
        tj = t[m == j]
        norm[:, j, :] = -np.expm1(-beta[:, j, :, None] * (horizon - tj)).sum(axis=-1)
    d, k = dim, layout.n_comp
    x = np.concatenate([0.5 * counts / horizon, np.full(d * d * k, 0.5 / (d * k))])
    for it in range(1, max_iter + 1):
        v, g, _ = log_likelihood_derivatives(layout, x, events, horizon, order=1, backend=backend)
        mu, alpha = x[:d], x[d:].reshape(d, d, k)
        # g_mu = sum 1/lambda - T and g_alpha = sum beta S / lambda - norm give the responsibilities' sums
        mu_new = mu * (g[:d] + horizon) / horizon
        with np.errstate(invalid="ignore", divide="ignore"):
            alpha_new = np.where(norm > 0, alpha * (g[d:].reshape(d, d, k) + norm) / norm, 0.0)
        x_new = np.concatenate([mu_new, alpha_new.ravel()])
        if not np.all(np.isfinite(x_new)):
            raise ConvergenceFailure(f"EM produced non-finite estimates at iteration {it}")
        change = float(np.max(np.abs(x_new - x) / np.maximum(np.abs(x), 1e-12)))
        x = x_new
        if change < tol:
            break
    else:
        raise ConvergenceFailure(f"EM did not converge in {max_iter} iterations (last relative change {change:.3g})")
    value, _, hess = log_likelihood_derivatives(layout, x, events, horizon, order=2, backend=backend)
    return _result(
        layout,
        x,
        value,
        hess,
        t,
        m,
        horizon,
        "em",
        f"EM: converged in {it} iterations (relative change {change:.2g})",
        it,
        backend,
    )


@dataclass(frozen=True, eq=False)
class HawkesBatchFit:
    """Fits of S independent series: ``params`` (S, P) in the order of ``names``, and per series the
    standard errors, log-likelihood, KS p-values of the residuals (S, D) and whether it converged."""

    params: np.ndarray
    names: tuple[str, ...]
    std_errors: np.ndarray
    log_likelihood: np.ndarray
    ks_pvalues: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    layout: FitLayout = field(repr=False)

    def __post_init__(self):
        _read_only(self.params, self.std_errors, self.log_likelihood, self.ks_pvalues, self.converged, self.iterations)

    @property
    def n_series(self) -> int:
        return self.params.shape[0]

    def process(self, s: int) -> HawkesProcess:
        """The fitted process of series ``s``."""
        return self.layout.process(self.params[check_int("s", s, minimum=0, maximum=self.n_series - 1)])

    def summary(self) -> str:
        q = np.percentile(self.params, [5, 50, 95], axis=0)
        lines = [
            f"Hawkes batch fit: {self.n_series} series, {int(self.converged.sum())} converged, median "
            f"{int(np.median(self.iterations))} Newton iterations",
            f"{'parameter':<16}{'5%':>12}{'median':>12}{'95%':>12}",
        ]
        lines += [f"{n:<16}{a:>12.5g}{b:>12.5g}{c:>12.5g}" for n, a, b, c in zip(self.names, *q)]
        lines.append(f"KS p-value < 0.05 in {float(np.mean(self.ks_pvalues < 0.05)):.1%} of the series-dimensions")
        return "\n".join(lines)


def fit_hawkes_batch(
    series: Sequence,
    horizons: ArrayLike,
    *,
    dim: int = 1,
    kernel: str = "exponential",
    n_decays: int = 1,
    decays: ArrayLike | None = None,
    decay_structure: str = "shared",
    n_starts: int = 2,
    max_iter: int = 200,
    adjacency_max: float = _ALPHA_MAX,
    allow_failures: bool = False,
    backend: str | None = None,
) -> HawkesBatchFit:
    """Fit many independent series at once (one projected-Newton fit per series, in parallel).

    Parameters
    ----------
    series : sequence
        Each item the times of a univariate series, or a ``(times, marks)`` pair.
    horizons : float or array (S,)
        Each series' window ``[0, T_s]``.
    dim, kernel, n_decays, decays, decay_structure, n_starts, adjacency_max :
        As in :func:`fit_hawkes` (the same model for every series).
    allow_failures : bool, default False
        False raises ``ConvergenceFailure`` naming the series that did not converge; True returns
        them flagged in ``converged`` (their estimates are the best iterate found, finite).

    Examples
    --------
    >>> from quantforge.kernels.hawkes import ExponentialKernel, HawkesProcess, simulate
    >>> from quantforge.models.hawkes import fit_hawkes_batch
    >>> paths = simulate(HawkesProcess([1.0], ExponentialKernel([[0.4]], 3.0)), 500.0, 8, seed=2)
    >>> res = fit_hawkes_batch([paths.path(p)[0] for p in range(8)], 500.0)
    >>> res.params.shape, bool(res.converged.all())
    ((8, 3), True)
    """
    dim = check_int("dim", dim, minimum=1)
    n_starts = check_int("n_starts", n_starts, minimum=1)
    adjacency_max = check_positive("adjacency_max", adjacency_max)
    items = list(series)
    if not items:
        raise InvalidParameters("series must hold at least one series")
    hz = np.broadcast_to(np.asarray(horizons, dtype=np.float64), (len(items),))
    layout = _layout(kernel, dim, n_decays, decays, decay_structure)
    validated, events = [], []
    for s, item in enumerate(items):
        times, marks = (item, None) if dim == 1 and not isinstance(item, tuple) else item
        try:
            t, m, h, _ = _prepare(times, marks, float(hz[s]), dim)
        except InvalidParameters as exc:
            raise InvalidParameters(f"series {s}: {exc}") from None
        events.append(event_set(t, m, dim))
        validated.append((t, m, h))
    n_events = np.array([t.size for t, _, _ in validated])
    counts = np.stack([np.bincount(m, minlength=dim) for _, m, _ in validated])
    logflag, lower, upper = _coordinates(layout, n_events, hz, dim, adjacency_max)
    starts = np.minimum(_starts(layout, counts, hz, n_starts), upper[:, None, :])
    z, status, iters, loglik, hess, ks = fit_newton_batch(
        layout, starts, lower, upper, logflag, events, hz, max_iter=max_iter, backend=backend
    )
    converged = status == FitStatus.CONVERGED
    if not allow_failures and not converged.all():
        bad = np.flatnonzero(~converged)
        names = [FitStatus(int(status[b])).name for b in bad[:5]]
        raise ConvergenceFailure(
            f"{bad.size} of {len(items)} series did not converge (series {bad[:5].tolist()}: "
            f"{names}); pass allow_failures=True to keep them flagged"
        )
    params = np.where(logflag, np.exp(z), z)
    se = _covariance(hess)[1]
    ks_p = stats.kstwo.sf(ks, np.maximum(counts, 1))  # the exact KS law (scipy's kstwo), as _ks_exponential
    return HawkesBatchFit(params, tuple(layout.names()), se, loglik, ks_p, converged, iters, layout)
