"""The jax fast path of the EWMA covariance: the rank-one recursion as one ``lax.scan`` under ``jit``.

The weights ``a_t, c_t, f_t`` are those of the reference (:func:`.reference.ewma_weights`, host
scalars that depend on the weights only); the scan carries ``S`` and the running mean, so XLA
compiles one step however long the series.  Importing this module imports jax.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from ..backend import get_backend
from .reference import ewma_weights

__all__ = ["ewma"]


@functools.lru_cache(maxsize=16)
def _scan(demean: bool, path: bool):
    def run(x, a, c, f):
        def step(carry, inputs):
            s, mean = carry
            xt, at, ct, ft = inputs
            v = xt - mean if demean else xt
            mean = mean + (1.0 - at) * v if demean else mean
            s = at * s + ct * (v[:, :, None] * v[:, None, :])
            return (s, mean), (ft * s if path else None)

        n_batch, _, n = x.shape
        init = (jnp.zeros((n_batch, n, n), x.dtype), jnp.zeros((n_batch, n), x.dtype))
        (s, _), ys = jax.lax.scan(step, init, (jnp.moveaxis(x, 1, 0), a, c, f))
        return jnp.moveaxis(ys, 0, 1) if path else f[-1] * s

    return jax.jit(run)


def ewma(x: np.ndarray, alpha: float, adjust: bool, demean: bool, bias: bool, path: bool) -> jax.Array:
    """(B, n, n), or (B, T, n, n) with ``path``, as a jax array (validated float64 returns ``x`` (B, T, n))."""
    a, c, f = (np.asarray(w) for w in ewma_weights(x.shape[1], alpha, adjust, demean, bias))
    with get_backend("jax").x64():
        return _scan(bool(demean), bool(path))(jnp.asarray(x), jnp.asarray(a), jnp.asarray(c), jnp.asarray(f))
