"""The jax fast path of the Philox stream: the reference (:mod:`.reference`) traced once per shape.

Registered by :mod:`quantforge.kernels.rng` for the ``jax`` backend; the caller enters
``Backend.x64()`` so that the uint64 words and float64 draws keep their width.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from ..backend import to_host as _host
from .reference import pairs_xp

__all__ = ["draws"]


@functools.cache
def _compiled(kind: int, n_paths: int, n_draws: int, parity: int):
    def f(path0, block0, stream, k0, k1):
        return pairs_xp(jnp, kind, n_paths, n_draws, path0, block0, parity, stream, k0, k1)

    return jax.jit(f)


def draws(
    kind: int, k0: int, k1: int, stream: int, n_paths: int, n_draws: int, path0: int, d0: int, to_host: bool = True
):
    """Draws ``[d0, d0 + n_draws)`` of paths ``[path0, path0 + n_paths)``; a jax array unless ``to_host``."""
    u64 = np.uint64
    out = _compiled(kind, n_paths, n_draws, d0 % 2)(u64(path0), u64(d0 // 2), u64(stream), u64(k0), u64(k1))
    return _host(out) if to_host else out
