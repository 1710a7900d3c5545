"""Maximum-likelihood estimation of Kou's double-exponential jump-diffusion from equally spaced increments.

Increments over ``dt`` of ``X = m t + sigma W + sum J`` (log price or price), with jumps at rate
``lambda`` that are ``+Exp(eta_up)`` with probability ``p`` and ``-Exp(eta_down)`` otherwise (Kou 2002,
eq. (1)), have, to first order in ``lambda dt`` (at most one jump per interval), the density

    f(x) = (1 - lambda dt) phi(x; m dt, sigma^2 dt)
           + lambda dt [p g_+(x) + (1 - p) g_-(x)],                                              (1)
    g_+(x) = eta_up exp(eta_up (a - x) + eta_up^2 s^2 / 2) Phi((x - a - eta_up s^2) / s),
    g_-(x) = eta_down exp(eta_down (x - a) + eta_down^2 s^2 / 2) Phi((a - x - eta_down s^2) / s),

``a = m dt``, ``s = sigma sqrt(dt)`` (``g_±``: a normal plus an exponential, the exponentially modified
Gaussian).  The likelihood of (1) is maximised over ``(m, sigma, lambda, p, eta_up, eta_down)`` in
unconstrained coordinates (logs and logits) by L-BFGS from a start given by a 4-sigma threshold split
of the increments; standard errors come from the inverse of the numerical Hessian of the
log-likelihood in the natural parameters.  The neglected two-jump term is ``O((lambda dt)^2)``.

References
----------
S. G. Kou (2002), "A jump-diffusion model for option pricing", Management Science 48(8):1086–1101.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_ndtr, logit

from ..._typing import ArrayLike
from ...errors import ConvergenceFailure, InvalidParameters, check_all_finite, check_array, check_int, check_positive

__all__ = ["KouFit", "fit_kou"]

NAMES = ("m", "sigma", "lam", "p", "eta_up", "eta_down")


@dataclass(frozen=True)
class KouFit:
    """Fitted Kou parameters (per unit time; jump sizes in the units of the increments) and their standard errors."""

    m: float
    sigma: float
    lam: float
    p: float
    eta_up: float
    eta_down: float
    stderr: Mapping[str, float]  # read-only, keyed by the parameter names
    log_likelihood: float
    n_obs: int

    def __post_init__(self):
        object.__setattr__(self, "stderr", MappingProxyType(dict(self.stderr)))

    def summary(self) -> str:
        rows = [f"{n:>8s} = {getattr(self, n):.6g} (se {self.stderr[n]:.3g})" for n in NAMES]
        return (
            "Kou jump-diffusion MLE\n"
            + "\n".join(rows)
            + f"\nlog-likelihood {self.log_likelihood:.6g}, n = {self.n_obs}"
        )


def _loglik(theta, x, dt):
    m, sigma, lam, p, eu, ed = theta
    a = m * dt
    s = sigma * math.sqrt(dt)
    pj = lam * dt
    z = (x - a) / s
    log_norm = -0.5 * z * z - math.log(s) - 0.5 * math.log(2 * math.pi)
    log_up = math.log(eu) + eu * (a - x) + 0.5 * (eu * s) ** 2 + log_ndtr((x - a - eu * s * s) / s)
    log_dn = math.log(ed) + ed * (x - a) + 0.5 * (ed * s) ** 2 + log_ndtr((a - x - ed * s * s) / s)
    parts = np.stack(
        [math.log1p(-pj) + log_norm, math.log(pj) + math.log(p) + log_up, math.log(pj) + math.log1p(-p) + log_dn]
    )
    top = parts.max(axis=0)
    return float(np.sum(top + np.log(np.exp(parts - top).sum(axis=0))))


def _to_natural(u, dt):
    return np.array([u[0], math.exp(u[1]), expit(u[2]) / dt, expit(u[3]), math.exp(u[4]), math.exp(u[5])])


def _hessian(f, x0, rel=1e-4):
    k = x0.size
    h = rel * np.maximum(np.abs(x0), 1e-3)
    out = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            ei = np.zeros(k)
            ej = np.zeros(k)
            ei[i] = h[i]
            ej[j] = h[j]
            val = (f(x0 + ei + ej) - f(x0 + ei - ej) - f(x0 - ei + ej) + f(x0 - ei - ej)) / (4 * h[i] * h[j])
            out[i, j] = out[j, i] = val
    return out


def fit_kou(increments: ArrayLike, dt: float, *, max_iter: int = 15_000) -> KouFit:
    """Fit (1) to increments observed every ``dt``.

    Parameters
    ----------
    increments : float array (n,)
        Equally spaced increments of the log price (or price).
    dt : float
        Spacing of the observations (the time unit of the fitted rates).
    max_iter : int
        Iteration limit of the L-BFGS-B maximisation.

    Raises
    ------
    InvalidParameters
        Fewer than 100 increments, non-finite data or no increment beyond 4 robust standard deviations
        on both sides (nothing to identify the jump sizes from).
    ConvergenceFailure
        If the optimiser stops without reporting convergence (iteration limit, line-search failure,
        non-finite likelihood) or the Hessian is not negative definite at the optimum.
    """
    step = check_positive("dt", dt)
    iters = check_int("max_iter", max_iter, minimum=1)
    x = check_all_finite("increments", check_array("increments", increments, dtype=np.float64, cast=True)).ravel()
    if x.size < 100:
        raise InvalidParameters(f"increments needs at least 100 observations, got {x.size}")
    ab = np.abs(x)
    s0 = math.sqrt(math.pi / 2 * np.mean(ab[1:] * ab[:-1]))
    big = np.abs(x - np.median(x)) > 4 * s0
    up, dn = x[big & (x > 0)], x[big & (x < 0)]
    if up.size < 2 or dn.size < 2:
        raise InvalidParameters(
            "fewer than two increments beyond 4 standard deviations on a side: jump sizes are not identified"
        )
    p0 = up.size / big.sum()
    u0 = np.array(
        [
            np.mean(x[~big]) / step,
            math.log(s0 / math.sqrt(step)),
            logit(big.mean()),
            logit(p0),
            -math.log(np.mean(up)),
            -math.log(-np.mean(dn)),
        ]
    )

    def neg(u):
        return -_loglik(_to_natural(u, step), x, step)

    res = minimize(neg, u0, method="L-BFGS-B", options={"maxiter": iters})
    if not res.success or not np.isfinite(res.fun):
        raise ConvergenceFailure(
            f"Kou likelihood maximisation did not converge after {res.nit} iterations: {res.message}"
        )
    theta = _to_natural(res.x, step)
    hess = _hessian(lambda t: _loglik(t, x, step), theta)
    try:
        cov = np.linalg.inv(-hess)
    except np.linalg.LinAlgError:
        raise ConvergenceFailure("the Hessian of the Kou log-likelihood is singular at the optimum") from None
    var = np.diag(cov)
    if np.any(var <= 0) or not np.all(np.isfinite(var)):
        raise ConvergenceFailure("the Kou log-likelihood is not concave at the optimum (no standard errors)")
    se = dict(zip(NAMES, np.sqrt(var)))
    return KouFit(*map(float, theta), stderr=se, log_likelihood=-float(res.fun), n_obs=int(x.size))
