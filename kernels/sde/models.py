"""The models and results of the SDE family: GBM, Merton, Kou, general Itô processes.

:func:`parameter_vector` lays a model out as the float64 vector (:class:`.core.Prm`) that every
backend's kernel reads.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ...errors import check_finite, check_in_range, check_nonnegative, check_positive
from .core import ModelCode, Prm

__all__ = [
    "GBM",
    "Merton",
    "Kou",
    "ItoProcess",
    "SimulationResult",
    "MonteCarloPrice",
    "model_code",
    "parameter_vector",
]


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GBM:
    """Geometric Brownian motion ``dX = mu X dt + sigma X dW``; mu per year, sigma per sqrt-year."""

    mu: float
    sigma: float

    def __post_init__(self):
        check_finite("mu", self.mu)
        check_nonnegative("sigma", self.sigma)

    @property
    def lam(self) -> float:
        return 0.0

    @property
    def kappa(self) -> float:
        """``E[e^Y - 1]``, the mean relative jump size (0 without jumps)."""
        return 0.0


@dataclass(frozen=True)
class Merton(GBM):
    """Merton (1976) jump diffusion: GBM plus Poisson(lam) jumps with log-size N(jump_mean, jump_vol^2).

    ``lam`` is in jumps per year; ``mu`` is the total drift (``E[X_T] = X_0 e^{mu T}``).
    """

    lam: float = 0.0
    jump_mean: float = 0.0
    jump_vol: float = 0.0

    def __post_init__(self):
        super().__post_init__()
        check_nonnegative("lam", self.lam)
        check_finite("jump_mean", self.jump_mean)
        check_nonnegative("jump_vol", self.jump_vol)

    @property
    def kappa(self) -> float:
        return math.expm1(self.jump_mean + 0.5 * self.jump_vol**2)


@dataclass(frozen=True)
class Kou(GBM):
    """Kou (2002) double-exponential jump diffusion.

    Log-jumps are ``+Exp(eta_up)`` with probability ``p_up`` and ``-Exp(eta_down)`` otherwise;
    ``eta_up > 1`` keeps ``E[e^Y]`` finite.  ``lam`` in jumps per year; ``mu`` the total drift.
    """

    lam: float = 0.0
    p_up: float = 0.5
    eta_up: float = 10.0
    eta_down: float = 10.0

    def __post_init__(self):
        super().__post_init__()
        check_nonnegative("lam", self.lam)
        check_in_range("p_up", self.p_up, 0.0, 1.0)
        check_in_range("eta_up", self.eta_up, 1.0, math.inf, low_open=True, high_open=True)
        check_positive("eta_down", self.eta_down)

    @property
    def kappa(self) -> float:
        p, e1, e2 = self.p_up, self.eta_up, self.eta_down
        return p * e1 / (e1 - 1.0) + (1.0 - p) * e2 / (e2 + 1.0) - 1.0


@dataclass(frozen=True)
class ItoProcess:
    """A general scalar Itô process ``dX = drift(t, X) dt + diffusion(t, X) dW``.

    The callables take time in years and the state array and return arrays of the state's shape
    (numpy or jax.numpy operations; for the numba backend, ``numba.njit`` functions of scalars, whose
    Python source the numpy and jax backends also run when it is plain arithmetic).
    ``diffusion_dx`` (the derivative of ``diffusion`` in x) is needed by the Milstein scheme.
    """

    drift: Callable
    diffusion: Callable
    diffusion_dx: Callable | None = None

    def __post_init__(self):
        for name in ("drift", "diffusion"):
            if not callable(getattr(self, name)):
                raise TypeError(f"{name} must be callable f(t, x), got {type(getattr(self, name)).__name__}")
        if self.diffusion_dx is not None and not callable(self.diffusion_dx):
            raise TypeError(f"diffusion_dx must be callable or None, got {type(self.diffusion_dx).__name__}")


def model_code(model) -> ModelCode:
    """The :class:`ModelCode` of a model object; TypeError for anything else."""
    if isinstance(model, ItoProcess):
        return ModelCode.ITO
    if isinstance(model, Kou):
        return ModelCode.KOU
    if isinstance(model, Merton):
        return ModelCode.MERTON
    if isinstance(model, GBM):
        return ModelCode.GBM
    raise TypeError(f"model must be GBM, Merton, Kou or ItoProcess, got {type(model).__name__}")


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SimulationResult:
    """Per-path outputs of :func:`simulate`, each of shape (n_paths,) (``paths``: (n_paths, n_steps + 1)).

    ``average`` is over the M monitoring dates t_1..t_M; ``maximum``/``minimum`` include t_0.  numpy
    arrays, or device arrays from the cupy backend with ``to_host=False``.
    """

    terminal: np.ndarray
    maximum: np.ndarray
    minimum: np.ndarray
    average: np.ndarray
    jump_count: np.ndarray
    paths: np.ndarray | None
    dt: float


@dataclass(frozen=True)
class MonteCarloPrice:
    """A Monte Carlo estimate: ``price`` with its standard error ``stderr`` over ``n_paths`` paths."""

    price: float
    stderr: float
    n_paths: int

    def summary(self) -> str:
        return f"{self.price:.6f} ± {self.stderr:.6f} (1 s.e., {self.n_paths} paths)"


def parameter_vector(model, x0: float, dt: float) -> np.ndarray:
    """The :class:`.core.Prm` vector of ``model`` started at ``x0`` with step ``dt`` (validated inputs)."""
    prm = np.zeros(Prm.SIZE)
    prm[Prm.X0] = x0
    prm[Prm.DT] = dt
    prm[Prm.SQRT_DT] = math.sqrt(dt)
    code = model_code(model)
    if code == ModelCode.ITO:
        prm[Prm.NO_JUMP] = 1.0
        return prm
    lam_dt = model.lam * dt
    mu_c = model.mu - model.lam * model.kappa
    prm[Prm.MU_C] = mu_c
    prm[Prm.SIGMA] = model.sigma
    prm[Prm.LAM_DT] = lam_dt
    if code == ModelCode.MERTON:
        prm[Prm.JUMP_A], prm[Prm.JUMP_B] = model.jump_mean, model.jump_vol
    elif code == ModelCode.KOU:
        prm[Prm.JUMP_A], prm[Prm.JUMP_B], prm[Prm.JUMP_C] = model.p_up, model.eta_up, model.eta_down
    prm[Prm.EXACT_DRIFT] = (mu_c - 0.5 * model.sigma * model.sigma) * dt
    prm[Prm.NO_JUMP] = math.exp(-lam_dt)
    return prm
