"""Batched mathematics of optimal execution: Almgren–Chriss frontiers and Monte Carlo cost functionals.

Two kernels.  :func:`liquidation_frontier` solves the discrete Almgren–Chriss (2000) problem for many
risk aversions at once: for each ``lambda`` the urgency ``kappa`` (``cosh(kappa tau) = 1 + lambda
sigma^2 tau^2 / (2 eta~)``, ``eta~ = eta - gamma tau / 2``), the optimal holdings ``x_0 .. x_N`` (with
drift) and the expected cost and variance of their cost.  :func:`path_functionals` simulates price
paths of the sde family (GBM, Merton or Kou jumps, the same Philox stream) and returns linear
functionals ``sum_k w_k (X_{t_k} - X_0)`` of each path for many weight rows at once, which with the
trades of execution schedules as weights is the random part of their implementation shortfall.

The family knows nothing of orders: :mod:`quantforge.execution` turns schedules and impact models
into these arrays.  Layout: :mod:`.core` (the :class:`.core.Prm` layout and the scalar trajectory
code, plain Python), :mod:`.reference` (array API: numpy, jax.numpy, cupy, array_api_strict), and the
fast paths :mod:`.numba` (the frontier in parallel over ``lambda``; the functionals fused with the
path simulation, in SIMD blocks of paths), :mod:`.jax` (the reference frontier under ``jit``) and
:mod:`.cuda` (the frontier compiled from the same scalar core), registered in :mod:`.api` and
imported on first use.  On jax and cupy the functionals run the reference: the sde family's kernel
for that backend and one matrix product per chunk of paths.

References
----------
Almgren, R. & Chriss, N. (2000). Optimal execution of portfolio transactions. J. Risk 3(2):5–39.
"""

from .api import Frontier, liquidation_frontier, liquidation_parameters, path_functionals

__all__ = ["Frontier", "liquidation_parameters", "liquidation_frontier", "path_functionals"]
