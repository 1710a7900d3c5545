"""The jax fast path of the market-making simulator: the reference's step traced once per
(n_paths, n_steps) inside ``jax.lax.fori_loop`` under ``jax.jit`` (float64 and uint64 under the
backend's x64 context)."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from . import reference

__all__ = ["simulate"]


@functools.cache
def _simulator(n_paths: int, n_steps: int):
    def run(bid, ask, q_min, q0, s0, s_step, A, k, dt, path0, stream, k0, k1):
        def body(j, state):
            u = reference.step_uniforms(n_paths, jnp.astype(2 * j, jnp.uint64), path0, stream, k0, k1, xp=jnp)
            bd, ad = reference.quotes(bid[j], ask[j], state[1], q_min, xp=jnp)
            return reference.step(state, bd, ad, u, s_step, A, k, dt, xp=jnp)

        init = reference.initial_state(n_paths, q0, s0, xp=jnp)
        return jax.lax.fori_loop(jnp.uint64(0), jnp.uint64(n_steps), body, init)

    return jax.jit(run)


def simulate(bid, ask, q_min, q0, s0, s_step, A, k, dt, n_paths, path0, k0, k1, stream) -> tuple[jax.Array, ...]:
    """The terminal state (s, q, cash, bid fills, ask fills, spread sum, two-sided steps) of every path."""
    u64 = np.uint64
    return _simulator(n_paths, bid.shape[0])(
        bid, ask, q_min, q0, s0, s_step, A, k, dt, u64(path0), u64(stream), u64(k0), u64(k1)
    )
