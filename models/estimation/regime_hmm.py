"""Two-state Gaussian hidden Markov model of returns (calm / stressed regimes), fitted by Baum–Welch.

Returns ``r_t`` are ``N(mu_s, sigma_s^2)`` given a hidden state ``s_t in {0, 1}`` that follows a Markov
chain with transition matrix ``P``.  The EM algorithm alternates the scaled forward–backward recursions
(Rabiner 1989, eqs. (92)–(93)) and the closed-form re-estimation of ``(pi, P, mu, sigma)``
(Rabiner 1989, eqs. (40a)–(40c), (53)–(54)); the log-likelihood never decreases.  States are labelled so
that state 0 has the smaller volatility.  The smoothed probabilities give each return's regime; the
surfaces of :mod:`quantforge.models.jump_adjustment` take one rate multiplier per regime.

References
----------
L. R. Rabiner (1989), "A tutorial on hidden Markov models and selected applications in speech
recognition", Proc. IEEE 77(2):257–286.
J. D. Hamilton (1989), "A new approach to the economic analysis of nonstationary time series and the
business cycle", Econometrica 57(2):357–384.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from ..._typing import ArrayLike
from ...errors import ConvergenceFailure, InvalidParameters, check_all_finite, check_array, check_int, check_positive

__all__ = ["RegimeFit", "fit_two_state_hmm"]

_SD_FLOOR = 1e-12


@njit(cache=True)
def _forward_backward(x, pi0, trans, mu, sd, alpha, beta, scale):
    n = x.size
    dens = np.empty((n, 2))
    for t in range(n):
        for s in range(2):
            z = (x[t] - mu[s]) / sd[s]
            dens[t, s] = math.exp(-0.5 * z * z) / (sd[s] * math.sqrt(2.0 * math.pi))
    for s in range(2):
        alpha[0, s] = pi0[s] * dens[0, s]
    scale[0] = alpha[0, 0] + alpha[0, 1]
    alpha[0, 0] /= scale[0]
    alpha[0, 1] /= scale[0]
    for t in range(1, n):
        for s in range(2):
            alpha[t, s] = (alpha[t - 1, 0] * trans[0, s] + alpha[t - 1, 1] * trans[1, s]) * dens[t, s]
        scale[t] = alpha[t, 0] + alpha[t, 1]
        alpha[t, 0] /= scale[t]
        alpha[t, 1] /= scale[t]
    beta[n - 1, 0] = 1.0
    beta[n - 1, 1] = 1.0
    for t in range(n - 2, -1, -1):
        for s in range(2):
            beta[t, s] = (
                trans[s, 0] * dens[t + 1, 0] * beta[t + 1, 0] + trans[s, 1] * dens[t + 1, 1] * beta[t + 1, 1]
            ) / scale[t + 1]
    xi = np.zeros((2, 2))
    for t in range(n - 1):
        for i in range(2):
            for j in range(2):
                xi[i, j] += alpha[t, i] * trans[i, j] * dens[t + 1, j] * beta[t + 1, j] / scale[t + 1]
    return xi


@dataclass(frozen=True)
class RegimeFit:
    """A fitted two-state Gaussian HMM (state 0: the lower volatility)."""

    means: np.ndarray
    sds: np.ndarray
    transition: np.ndarray
    initial: np.ndarray
    smoothed: np.ndarray  # (n, 2) P(s_t = j | all returns)
    log_likelihood: float
    n_iter: int

    @property
    def states(self) -> np.ndarray:
        """Most probable regime of each return (smoothed)."""
        return np.argmax(self.smoothed, axis=1)

    @property
    def stationary(self) -> np.ndarray:
        """Stationary distribution of the regime chain."""
        p01, p10 = self.transition[0, 1], self.transition[1, 0]
        return np.array([p10, p01]) / (p01 + p10)

    def summary(self) -> str:
        return (
            f"two-state Gaussian HMM: means {self.means}, sds {self.sds}, stay probabilities "
            f"{np.diag(self.transition)}, log-likelihood {self.log_likelihood:.6g} after {self.n_iter} EM steps"
        )


def fit_two_state_hmm(returns: ArrayLike, *, max_iter: int = 500, tol: float = 1e-8) -> RegimeFit:
    """Fit the two-state Gaussian HMM to ``returns`` by EM.

    Raises
    ------
    InvalidParameters
        Fewer than 50 returns or non-finite values.
    ConvergenceFailure
        If the log-likelihood has not settled to ``tol`` (relative) after ``max_iter`` steps.
    """
    x = check_all_finite("returns", check_array("returns", returns, dtype=np.float64, cast=True)).ravel()
    if x.size < 50:
        raise InvalidParameters(f"returns needs at least 50 observations, got {x.size}")
    iters = check_int("max_iter", max_iter, minimum=1)
    rel = check_positive("tol", tol)
    sd_all = max(float(np.std(x)), _SD_FLOOR)
    mu = np.array([np.mean(x), np.mean(x)])
    sd = np.array([0.5 * sd_all, 1.5 * sd_all])
    trans = np.array([[0.95, 0.05], [0.05, 0.95]])
    pi0 = np.array([0.5, 0.5])
    n = x.size
    alpha, beta, scale = np.empty((n, 2)), np.empty((n, 2)), np.empty(n)
    prev = -np.inf
    for it in range(1, iters + 1):  # noqa: B007 -- the iteration count is returned after the loop
        xi = _forward_backward(x, pi0, trans, mu, sd, alpha, beta, scale)
        ll = float(np.sum(np.log(scale)))
        gamma = alpha * beta
        gamma /= gamma.sum(axis=1, keepdims=True)
        w = gamma.sum(axis=0)
        pi0 = gamma[0]
        trans = xi / xi.sum(axis=1, keepdims=True)
        mu = gamma.T @ x / w
        sd = np.sqrt(np.maximum((gamma * (x[:, None] - mu) ** 2).sum(axis=0) / w, _SD_FLOOR**2))
        if abs(ll - prev) <= rel * abs(ll):
            break
        prev = ll
    else:
        raise ConvergenceFailure(f"two-state HMM EM did not converge in {iters} steps")
    xi = _forward_backward(x, pi0, trans, mu, sd, alpha, beta, scale)
    gamma = alpha * beta
    gamma /= gamma.sum(axis=1, keepdims=True)
    ll = float(np.sum(np.log(scale)))
    order = np.argsort(sd)
    return RegimeFit(mu[order], sd[order], trans[np.ix_(order, order)], pi0[order], gamma[:, order], ll, it)
