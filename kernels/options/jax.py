"""The jax fast path of the options kernels: the reference traced once by ``jax.jit`` (float64
under the backend's x64 context), with ``jax.scipy.special.erfc`` and the implied-volatility
iteration as a ``jax.lax.while_loop``."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import jax.scipy.special as jss

from . import reference

__all__ = ["black_scholes", "implied_vol"]


@functools.cache
def _black_scholes_jit(greeks: bool):
    def f(s, k, t, r, q, sigma, call):
        return jnp.stack(reference.black_scholes(s, k, t, r, q, sigma, call, greeks=greeks, xp=jnp, erfc=jss.erfc))

    return jax.jit(f)


@jax.jit
def _implied_vol_jit(target, s, k, t, r, q, call, tol, max_iter):
    return reference.implied_vol(
        target, s, k, t, r, q, call, tol, max_iter, xp=jnp, erfc=jss.erfc, loop=jax.lax.while_loop
    )


def black_scholes(s, k, t, r, q, sigma, call, greeks: bool) -> jax.Array:
    """``(6, n)`` price and Greeks, or ``(1, n)`` prices, as a jax array."""
    return _black_scholes_jit(greeks)(s, k, t, r, q, sigma, call)


def implied_vol(target, s, k, t, r, q, call, tol: float, max_iter: int) -> tuple[jax.Array, bool]:
    """``(sigma, pending)`` as :func:`quantforge.kernels.options.reference.implied_vol`."""
    sigma, pending = _implied_vol_jit(target, s, k, t, r, q, call, tol, max_iter)
    return sigma, bool(pending)
