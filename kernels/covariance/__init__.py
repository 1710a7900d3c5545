"""Covariance and correlation estimators, batched over windows or portfolios, and matrix repair.

Estimators of the covariance of asset returns from ``(..., T, n)`` windows (leading batch axes, then
observations, then assets):

* the sample covariance and correlation;
* the exponentially weighted covariance of RiskMetrics (1996, eq. 5.3; ``lambda = 0.94`` daily) as a
  recursion of one rank-one O(n^2) update per observation, with pandas' ``adjust``/``bias``/demeaning
  conventions as options;
* Ledoit–Wolf shrinkage towards the scaled identity (Ledoit & Wolf 2004; scikit-learn's
  ``LedoitWolf``) or the constant-correlation matrix (Ledoit & Wolf 2003);

and the matrix tools that risk models need: the nearest correlation matrix in a weighted Frobenius
norm (Higham 2002's alternating projections with Dykstra's correction, and the quadratically
convergent dual Newton method of Qi & Sun 2006 for large ``n``), positive semi-definiteness checks
and Cholesky factors that fail with a :class:`~quantforge.errors.MatrixError` naming the matrix.

Layout of the family: :mod:`.core` (names, tolerances, the EWMA weight recursion in plain Python),
:mod:`.reference` (every estimator in array-API style, runs on numpy, cupy, jax.numpy and
``array_api_strict``), the EWMA fast paths :mod:`.numba` (parallel over blocks of rows) and
:mod:`.jax` (``lax.scan``), registered in :mod:`.api` and imported on first use.  The other kernels
are one or a few matrix products or eigendecompositions per window, which every backend's
namespace already does well: they run the reference there.

References
----------
J.P. Morgan/Reuters (1996). RiskMetrics — Technical Document, 4th ed., section 5.2.
Ledoit, O. & Wolf, M. (2004). J. Multivar. Anal. 88:365-411; (2003) "Honey, I shrunk the sample
covariance matrix", UPF working paper 691.
Higham, N. J. (2002). IMA J. Numer. Anal. 22:329-343.
Qi, H. & Sun, D. (2006). SIAM J. Matrix Anal. Appl. 28:360-385.
"""

from .api import (
    ShrunkCovariance,
    check_psd,
    cholesky,
    covariance_to_correlation,
    ewma_covariance,
    is_psd,
    ledoit_wolf,
    nearest_correlation,
    sample_correlation,
    sample_covariance,
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
