"""The jax fast path of the var revaluation: the reference under ``jax.jit`` with ``jax.scipy.special.erfc``.

The instrument table is host data that fixes the computation's structure (which columns are
options), so one compiled function is kept per table and horizon.  Importing this module imports jax.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
import numpy as np

from ..backend import get_backend
from .reference import revalue_xp

__all__ = ["revalue"]


@functools.lru_cache(maxsize=8)
def _compiled(table_bytes: bytes, n_cols: int, horizon: float, shifted: bool):
    table = np.frombuffer(table_bytes).reshape(-1, n_cols)
    if shifted:
        return jax.jit(lambda spots, returns, shift: revalue_xp(jnp, jss.erfc, table, spots, returns, horizon, shift))
    return jax.jit(lambda spots, returns: revalue_xp(jnp, jss.erfc, table, spots, returns, horizon))


def revalue(table: np.ndarray, spots, returns, horizon: float, vol_shift=None) -> jax.Array:
    """P&L per unit of position (m, n_instr) as a jax array; see :func:`.reference.revalue_xp`."""
    with get_backend("jax").x64():
        f = _compiled(table.tobytes(), table.shape[1], float(horizon), vol_shift is not None)
        args = (jnp.asarray(spots), jnp.asarray(returns)) + (() if vol_shift is None else (jnp.asarray(vol_shift),))
        return f(*args)
