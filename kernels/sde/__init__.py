"""Batched Monte Carlo for scalar SDEs: GBM with Merton or Kou jumps, and general Itô processes.

The jump-diffusion models are ``dX/X- = (mu - lam kappa) dt + sigma dW + (e^Y - 1) dN`` with N a
Poisson process of intensity ``lam`` and log-jumps Y normal (Merton 1976, eq. 2) or asymmetric
double exponential (Kou 2002, eq. 1), ``kappa = E[e^Y - 1]`` so that ``E[X_T] = X_0 e^{mu T}``;
the general Itô process is ``dX = a(t, X) dt + b(t, X) dW``.

Notes
-----
Schemes, for step ``dt`` with Brownian increment ``dW`` (Kloeden & Platen 1992, eq. 10.2.2 and
10.3.1): Euler–Maruyama ``X + a dt + b dW`` (strong order 1/2, weak order 1); Milstein adds
``1/2 b b_x (dW^2 - dt)`` (strong order 1; ``correction=False`` drops the term, giving Euler);
``exact`` is the log-Euler step ``X exp((mu - lam kappa - sigma^2/2) dt + sigma dW + J)``, the exact
solution of the jump-diffusion models.  For GBM, ``a = (mu - lam kappa) X`` and ``b = sigma X``; the
jumps of a step multiply the diffusion step by ``exp(J)``, ``J`` the sum of the step's log-jumps.

Random numbers come from one Philox4x32-10 stream family (``kernels.rng``), addressed per path:

* stream ``s``    : normal draw ``j`` of the path is ``dW_j / sqrt(dt)`` of step ``j``;
* stream ``s + 1``: the number of jumps ``n_j`` in step ``j`` is the Poisson(``lam dt``) inversion of
  ``u_j = (w + 1/2) 2^-32``, ``w`` word ``j mod 4`` of Philox block ``j // 4``: one Philox call serves
  four steps, and a step with ``u_j <= e^{-lam dt}`` (most of them) has no jump and no further work;
* stream ``s + 2``: Merton: normal draw ``j`` is ``Z_j``, and ``J_j = n_j nu + delta sqrt(n_j) Z_j``
  (the sum of ``n_j`` normal log-jumps, exactly); Kou: uniform draw ``k`` is the ``k``-th jump of the
  path (counted from the start), mapped to ``+Exp(eta_up)`` with probability ``p_up`` and
  ``-Exp(eta_down)`` otherwise by inversion of that one uniform.

So a simulation with jumps uses streams ``s``, ``s + 1`` and ``s + 2``.  Every backend (numpy
reference, numba, jax, the numba.cuda kernel of the cupy backend) draws exactly these numbers in the
same order and produces the same paths to the last few ulps, whatever the thread count or chunking.
The cupy backend also simulates in float32 (``dtype=numpy.float32``): the same Philox words, float32
state and arithmetic, and a deviation from float64 that the tests bound path by path (:mod:`.cuda`).

Layout of the family: :mod:`.models` (the model and result dataclasses, and the parameter vector),
:mod:`.core` (codes, the :class:`.core.Prm` layout, the scalar jump core), :mod:`.reference` (numpy),
and the fast paths :mod:`.numba`, :mod:`.jax` and :mod:`.cuda`, registered below per *kernel*: the
GPU kernel takes GBM, Merton and Kou with its own Philox normals, in float64 or float32, and the CPU
fast paths also take injected increments and Itô processes.  ``auto`` picks the fastest backend that
has a fast path for the request.

Batched outputs never hold an ``n_paths x n_steps`` array unless full paths are requested: the
kernels stream the terminal value, running maximum and minimum (over ``t_0 .. t_M``), the average
over ``t_1 .. t_M`` and the number of jumps of each path.

References
----------
Merton, R. C. (1976). Option pricing when underlying stock returns are discontinuous. J. Financ. Econ. 3.
Kou, S. G. (2002). A jump-diffusion model for option pricing. Management Science 48(8).
Kloeden, P. E. & Platen, E. (1992). Numerical Solution of Stochastic Differential Equations. Springer.
Glasserman, P. (2003). Monte Carlo Methods in Financial Engineering, section 3.5 (jump simulation).
"""

from .api import (
    GBM,
    SCHEMES,
    ItoProcess,
    Kou,
    Merton,
    MonteCarloPrice,
    SimulationResult,
    european_price,
    simulate,
    solve_path,
    solve_step,
)

__all__ = [
    "GBM",
    "Merton",
    "Kou",
    "ItoProcess",
    "SimulationResult",
    "MonteCarloPrice",
    "simulate",
    "european_price",
    "solve_step",
    "solve_path",
    "SCHEMES",
]
