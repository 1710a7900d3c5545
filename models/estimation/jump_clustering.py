"""Test for clustering of jump times: an exponential-kernel Hawkes process against a Poisson process.

The intensity ``lambda(t) = mu + alpha beta sum_{t_i < t} exp(-beta (t - t_i))`` (``alpha``: branching
ratio, the mean number of jumps each jump triggers) has log-likelihood on ``[0, T]`` (Ozaki 1979)

    l = sum_i ln(mu + alpha beta A_i) - mu T - alpha sum_i (1 - exp(-beta (T - t_i))),
    A_i = exp(-beta (t_i - t_{i-1})) (1 + A_{i-1}),  A_1 = 0,

maximised over ``mu > 0``, ``0 <= alpha < 1``, ``beta > 0`` by the Hawkes fits of :mod:`quantforge.models.hawkes`
(the likelihood is :func:`quantforge.kernels.hawkes.log_likelihood`, the one Hawkes likelihood of the package;
all samples of a test, observed and simulated, are fitted in one batch).  The Poisson model is ``alpha = 0`` with
``mu = n / T``.  The likelihood-ratio statistic ``LR = 2 (l_Hawkes - l_Poisson)`` is referred to the
boundary mixture ``(chi^2_0 + chi^2_1) / 2`` (Self & Liang 1987); because ``beta`` is not identified
under the null the mixture is only approximate (Davies 1987): its measured size at nominal 5% is
about 11% for ~100 Poisson events.  An exact alternative is the Monte Carlo p-value: under the
Poisson null, given ``n``, the times are ``n`` sorted uniforms on ``[0, T]`` and ``LR`` is invariant
to the time scale, so the rank of ``LR`` among ``B`` simulated null statistics (samples drawn from the
Philox stream ``(seed, stream)``) gives ``p = (1 + #{LR_b > LR} + #{ties won by LR_b}) / (1 + B)``.
Ties are frequent (about 40% of Poisson samples of 25 events have ``LR = 0``, the maximum at
``alpha = 0``) and are broken by independent uniforms from the same stream (Dufour 2006), so that under
the null ``p`` is exactly uniform on ``{1, ..., B + 1} / (B + 1)`` at every ``n``; counting ties as
exceedances instead would make the test conservative, with ``p = 1`` whenever ``LR = 0``.  The fitted branching ratio feeds
:func:`quantforge.models.jump_adjustment.effective_jump_rate`.

References
----------
A. G. Hawkes (1971), Biometrika 58(1):83–90.  T. Ozaki (1979), "Maximum likelihood estimation of
Hawkes' self-exciting point processes", Ann. Inst. Statist. Math. 31:145–155.
S. G. Self, K.-Y. Liang (1987), J. Amer. Statist. Assoc. 82(398):605–610.
J.-M. Dufour (2006), "Monte Carlo tests with nuisance parameters: a general approach to finite-sample
inference and nonstandard asymptotics", J. Econometrics 133(2):443–477 (tie-breaking of Monte Carlo ranks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from ..._typing import ArrayLike
from ...errors import InvalidParameters, check_all_finite, check_array, check_in_range, check_int, check_positive
from ...kernels.hawkes import ExponentialKernel, HawkesProcess, log_likelihood
from ...kernels.rng import Philox
from ..hawkes import fit_hawkes_batch

__all__ = ["ClusteringTest", "hawkes_log_likelihood", "jump_clustering_test"]

_BRANCHING_MAX = 1.0 - 1e-9  # the test's alternative is a stationary Hawkes process: alpha < 1


def hawkes_log_likelihood(times: ArrayLike, horizon: float, mu: float, alpha: float, beta: float) -> float:
    """The exponential Hawkes log-likelihood above for sorted event times in ``[0, horizon]``."""
    t = check_all_finite("times", check_array("times", times, dtype=np.float64, cast=True)).ravel()
    process = HawkesProcess(
        [check_positive("mu", mu)],
        ExponentialKernel([[check_in_range("alpha", alpha, 0.0, 1.0, high_open=True)]], check_positive("beta", beta)),
    )
    return log_likelihood(process, t, horizon=check_positive("horizon", horizon))


@dataclass(frozen=True)
class ClusteringTest:
    """Hawkes fit and likelihood-ratio test against Poisson."""

    mu: float
    branching_ratio: float
    beta: float
    lr_statistic: float
    p_value: float
    clustered: bool  # p_value < level

    def summary(self) -> str:
        return (
            f"jump clustering: mu {self.mu:.4g}, branching ratio {self.branching_ratio:.3f}, beta {self.beta:.4g}; "
            f"LR {self.lr_statistic:.3f}, p = {self.p_value:.3g} -> {'clustered' if self.clustered else 'no evidence of clustering'}"
        )


def _fit(samples: list[np.ndarray], horizons: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """(LR statistics (S,), Hawkes estimates (S, 3) as (mu, alpha, beta)) of sorted samples, fitted in one batch."""
    res = fit_hawkes_batch(samples, horizons, n_starts=3, adjacency_max=_BRANCHING_MAX)
    n = np.array([t.size for t in samples], dtype=np.float64)
    big_t = np.asarray(horizons, dtype=np.float64)
    ll_poisson = n * np.log(n / big_t) - n
    # alpha = 0 is inside the Hawkes model: its maximum is at least the Poisson one (up to the optimiser)
    ll_hawkes = np.maximum(res.log_likelihood, ll_poisson)
    return 2.0 * (ll_hawkes - ll_poisson), res.params


def jump_clustering_test(
    times: ArrayLike, horizon: float, *, level: float = 0.05, n_bootstrap: int = 0, seed: int = 0, stream: int = 0
) -> ClusteringTest:
    """Fit the exponential Hawkes process to jump times and test ``alpha = 0``.

    Parameters
    ----------
    times : float array
        Jump times in ``[0, horizon]`` (sorted here), at least 10.
    horizon : float
        Observation length ``T`` (same unit as ``times``).
    level : float
        Test level for ``clustered``.
    n_bootstrap : int
        ``B``; 0 uses the chi-square mixture (approximate), ``B > 0`` the exact Monte Carlo p-value.
    seed, stream : int
        The Philox stream of the null samples and of the tie-breaking uniforms.

    Raises
    ------
    InvalidParameters
        Fewer than 10 events, events outside ``[0, horizon]``, a level outside (0, 1).
    """
    lvl = check_in_range("level", level, 0.0, 1.0, low_open=True, high_open=True)
    big_t = check_positive("horizon", horizon)
    # each bootstrap sample is a likelihood fit: 10 000 of them take minutes already
    n_boot = check_int("n_bootstrap", n_bootstrap, minimum=0, maximum=10_000)
    t = np.sort(check_all_finite("times", check_array("times", times, dtype=np.float64, cast=True)).ravel())
    if t.size < 10:
        raise InvalidParameters(f"times needs at least 10 events, got {t.size}")
    if t[0] < 0 or t[-1] > big_t:
        raise InvalidParameters(f"times must lie in [0, horizon = {big_t}], got events from {t[0]} to {t[-1]}")
    samples, horizons = [t], [big_t]
    if n_boot > 0:
        gen = Philox(seed, stream)
        null = np.sort(gen.uniforms(n_boot, t.size, backend="numpy"), axis=1)
        samples += list(null)
        horizons += [1.0] * n_boot
    stats, params = _fit(samples, horizons)
    lr = float(stats[0])
    mu, alpha, beta = (float(v) for v in params[0])
    if n_boot == 0:
        p = 0.5 * chi2.sf(lr, 1) if lr > 0 else 1.0
    else:
        stats = stats[1:]
        ties = np.abs(stats - lr) <= 1e-9 * max(1.0, lr)
        tie_break = gen.uniforms(1, n_boot + 1, path_offset=n_boot, backend="numpy")[0]
        won = tie_break[1:] > tie_break[0]
        p = (1.0 + np.sum((stats > lr) & ~ties) + np.sum(ties & won)) / (1.0 + n_boot)
    return ClusteringTest(mu, alpha, beta, lr, float(p), p < lvl)
