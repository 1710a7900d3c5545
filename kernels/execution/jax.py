"""The jax fast path of :mod:`quantforge.kernels.execution`: the reference frontier traced once per
number of steps under ``jax.jit`` (float64 under the backend's x64 context).  Importing this module
imports jax."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from ..backend import get_backend
from . import reference

__all__ = ["frontier"]


@functools.cache
def _compiled(n_steps: int):
    return jax.jit(lambda lams, prm: reference.frontier(lams, prm, n_steps, xp=jnp))


def frontier(lams, prm, n_steps, return_rows) -> tuple[np.ndarray | None, ...]:
    """(kappa, E, V, holdings or None) of every ``lambda``, on the host."""
    with get_backend("jax").x64():
        kappa, e, v, rows = _compiled(n_steps)(jnp.asarray(lams), jnp.asarray(prm))
        return np.asarray(kappa), np.asarray(e), np.asarray(v), np.asarray(rows) if return_rows else None
