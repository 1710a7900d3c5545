"""The shared core of the covariance family: names, tolerances and the EWMA weight recursion.

The exponentially weighted estimate after observation ``t`` is a rank-one update of the previous one,
``S_t = a_t S_{t-1} + c_t v_t v_t'``, whose scalars ``a_t, c_t``, vector ``v_t`` and output scale
``f_t`` (the bias correction) depend only on the weights, the running mean and the new observation, not
on the other entries of ``S``.  :func:`ewma_coefficients` computes them in one O(n)-per-observation
pass; the O(n^2)-per-observation update that follows is the kernel (:mod:`.reference`, :mod:`.numba`,
:mod:`.jax`).  It is plain Python, compiled by the numba path and checked against the reference.
"""

from __future__ import annotations

import enum

import numpy as np

__all__ = ["Target", "TARGETS", "NEAREST_METHODS", "PSD_TOL", "ewma_coefficients"]

TARGETS: tuple[str, ...] = ("identity", "constant_correlation")
NEAREST_METHODS: tuple[str, ...] = ("newton", "higham")
PSD_TOL = 1e-10  # a symmetric matrix is PSD when its smallest eigenvalue >= -PSD_TOL * max(1, |largest|)


class Target(enum.IntEnum):
    """Shrinkage target of :func:`quantforge.kernels.covariance.ledoit_wolf` (index in :data:`TARGETS`)."""

    IDENTITY = 0  # mu I, mu the average variance (Ledoit & Wolf 2004)
    CONSTANT_CORRELATION = 1  # sample variances, one average correlation (Ledoit & Wolf 2003)


def ewma_coefficients(x, alpha, adjust, demean, bias, v, a, c, f):
    """The rank-one recursion of an exponentially weighted covariance, for one series ``x`` (T, n).

    Fills ``v`` (T, n), ``a``, ``c``, ``f`` (T,) so that ``S_{-1} = 0``,
    ``S_t = a[t] S_{t-1} + c[t] v[t] v[t]'`` and the estimate after observation ``t`` is ``f[t] S_t``.

    The weights are pandas' ``ewm(alpha=alpha, adjust=adjust)``: with ``adjust`` observation ``t - i``
    weighs ``(1 - alpha)^i`` and the estimate is the normalised weighted sum; without it the
    estimate is the recursion ``S_t = (1 - alpha) S_{t-1} + alpha x_t x_t'`` started at the first
    observation (RiskMetrics 1996, eq. 5.3, ``lambda = 1 - alpha``).  With ``demean`` the
    observations are centred on the weighted mean (West 1979's update: ``u = x_t - m_{t-1}``,
    ``m_t = m_{t-1} + b u``, ``S_t = (1 - b) S_{t-1} + (1 - b) b u u'``, ``b`` the new weight's share);
    without it the mean is zero.  ``bias=False`` scales by ``W^2 / (W^2 - sum w^2)``, the unbiased
    weighted estimator (NaN when that denominator is 0: a single demeaned observation).
    """
    n_obs, n = x.shape
    decay = 1.0 - alpha
    new_wt = 1.0 if adjust else alpha
    mean = x[0].copy()
    for j in range(n):
        v[0, j] = x[0, j]
        if not demean:
            mean[j] = 0.0
    a[0] = 0.0
    c[0] = 0.0 if demean else 1.0
    old_wt = 1.0
    sum_wt2 = 1.0
    f[0] = 1.0 if bias else np.nan  # one observation has no unbiased weighted covariance
    for t in range(1, n_obs):
        old_wt *= decay
        sum_wt2 *= decay * decay
        total = old_wt + new_wt
        share = new_wt / total
        keep = old_wt / total
        for j in range(n):
            u = x[t, j] - mean[j]
            v[t, j] = u if demean else x[t, j]
            if demean:
                mean[j] += share * u
        a[t] = keep
        c[t] = keep * share if demean else share
        sum_wt2 += new_wt * new_wt
        old_wt += new_wt
        if not adjust:
            sum_wt2 /= old_wt * old_wt
            old_wt = 1.0
        if bias:
            f[t] = 1.0
        else:
            num = old_wt * old_wt
            den = num - sum_wt2
            f[t] = num / den if den > 0.0 else np.nan
