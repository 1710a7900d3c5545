"""Batched array kernels: backends, the Philox random stream and the numerical workhorses.

This package knows nothing of orders, strategies or risk; it turns arrays into arrays on the
numpy (reference), numba, jax or cupy backend.
"""

from .backend import BACKENDS, available_backends, resolve_backend
from .hjb import log_v_gaps, solve_linear_hjb
from .hjb_grid import ExponentialSide, solve_hjb_grid
from .options import bs_greeks, bs_price, implied_vol
from .riccati import solve_quadratic_riccati
from .rng import Philox, philox4x32
from .rough import RoughVolatilitySolver, fbm, fgn, rough_bergomi
from .sde import GBM, ItoProcess, Kou, Merton, MonteCarloPrice, SimulationResult, european_price, simulate, solve_path, solve_step

__all__ = [
    "BACKENDS", "available_backends", "resolve_backend",
    "Philox", "philox4x32",
    "bs_price", "bs_greeks", "implied_vol",
    "GBM", "Merton", "Kou", "ItoProcess", "SimulationResult", "MonteCarloPrice", "simulate", "european_price", "solve_step", "solve_path",
    "fgn", "fbm", "rough_bergomi", "RoughVolatilitySolver",
    "solve_linear_hjb", "log_v_gaps", "ExponentialSide", "solve_hjb_grid", "solve_quadratic_riccati",
]
