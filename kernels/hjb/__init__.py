"""HJB equations of market making: the exact linear system, the grid HJB and the quadratic Riccati ODE.

:mod:`.api` holds the public functions (validation, dispatch, the fast-path registrations),
:mod:`.reference` the reference implementations, :mod:`.core` the scalar code they share with the
numba fast path :mod:`.numba`.
"""

from .api import ExponentialSide, log_v_gaps, solve_hjb_grid, solve_linear_hjb, solve_quadratic_riccati

__all__ = ["solve_linear_hjb", "log_v_gaps", "ExponentialSide", "solve_hjb_grid", "solve_quadratic_riccati"]
