"""Multivariate Hawkes processes: exact batched simulation, intensities, compensators, likelihoods.

A D-dimensional Hawkes process (Hawkes 1971) has intensities
``lambda_i(t) = mu_i + sum_j sum_{t_n^j < t} phi_ij(t - t_n^j)``; the kernels (:mod:`.models`) are
exponential, sums of exponentials and power laws, each written with its L1 norm as ``adjacency``
(tick's convention: ``adjacency`` is the branching matrix, stationary iff its spectral radius is < 1,
mean intensity ``(I - adjacency)^{-1} mu``).

Notes
-----
* Simulation.  Exponential-family kernels are simulated exactly by Dassios & Zhao (2013): the
  process is a superposition of a Poisson process and, per distinct decay, a component whose
  intensity decays deterministically between events, so the next event is the first of G + 1
  closed-form arrival times (O(D + K) per event, no rejection).  Other kernels (the power law) use
  Ogata's (1981) thinning.  Random numbers follow one Philox layout (:class:`.core.Draw`): a path
  depends only on ``(seed, stream, path)``, whatever the backend, the batch or the thread count.
* Likelihood.  ``l = sum_i [sum_{t_m in i} ln lambda_i(t_m) - Lambda_i(T)]``; for exponential kernels
  Ozaki's (1979) O(N D K) recursion gives it with its analytic gradient and Hessian in ``mu``,
  ``alpha`` and the decays (:func:`.core.loglik_target`); the reference evaluates the direct O(N^2) sums.
* Goodness of fit.  The compensator increments between events of a dimension are i.i.d. Exp(1)
  under the model (time-rescaling theorem): :func:`residuals`.

Layout of the family: :mod:`.core` (codes, draw layout, scalar loops), :mod:`.models` (kernels,
process, paths, the fitted-vector layout), :mod:`.reference` (array API, vectorised over paths),
:mod:`.numba` (parallel over paths, targets or series) and :mod:`.cuda` (one GPU thread per path),
registered in :mod:`.api`.  Fitting (maximum likelihood, EM, batches, goodness of fit) lives in
:mod:`quantforge.models.hawkes`.

References
----------
A. G. Hawkes (1971), Biometrika 58(1):83–90.  Y. Ogata (1981), IEEE Trans. Inf. Theory 27(1):23–31.
T. Ozaki (1979), Ann. Inst. Statist. Math. 31:145–155.  A. Dassios & H. Zhao (2013), "Exact simulation
of Hawkes process with exponentially decaying intensity", Electron. Commun. Probab. 18(62).
E. N. Brown, R. Barbieri, V. Ventura, R. E. Kass & L. M. Frank (2002), Neural Comput. 14(2):325–346.
"""

from .api import (
    DECAY_STRUCTURES,
    HAWKES_EVENT_DTYPE,
    METHODS,
    EventSet,
    ExplosiveProcess,
    ExponentialKernel,
    FitLayout,
    FitStatus,
    HawkesPaths,
    HawkesProcess,
    PowerLawKernel,
    SumExponentialKernel,
    batched_fit_available,
    compensator,
    event_set,
    fit_newton_batch,
    group_events,
    intensity,
    log_likelihood,
    log_likelihood_derivatives,
    residuals,
    simulate,
)

__all__ = [
    "ExponentialKernel",
    "SumExponentialKernel",
    "PowerLawKernel",
    "HawkesProcess",
    "HawkesPaths",
    "HAWKES_EVENT_DTYPE",
    "ExplosiveProcess",
    "FitLayout",
    "DECAY_STRUCTURES",
    "METHODS",
    "simulate",
    "intensity",
    "compensator",
    "residuals",
    "log_likelihood",
    "log_likelihood_derivatives",
    "group_events",
    "fit_newton_batch",
    "FitStatus",
    "EventSet",
    "event_set",
    "batched_fit_available",
]
