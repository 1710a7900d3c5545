"""The reference Black–Scholes–Merton prices, Greeks and implied volatility, on any array namespace.

Written against an array namespace ``xp`` in array-API style, so they run unchanged on numpy,
cupy, jax.numpy and ``array_api_strict``.  The normal distribution function needs ``erfc``, which
the array API does not have: the caller passes the one of its namespace (``scipy.special.erfc``,
``jax.scipy.special.erfc``, ``cupyx.scipy.special.erfc``).  The implied-volatility iteration takes
its loop as an argument too (a Python loop, or ``jax.lax.while_loop`` inside ``jax.jit``).

Arguments are validated, broadcast and flattened by :mod:`quantforge.kernels.options.api`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .core import INV_SQRT_2PI, IV_HIGH, IV_LOW, IV_START_MAX, IV_START_MIN, SIGMA_RESOLUTION, SQRT2, TINY

__all__ = ["normal_cdf", "black_scholes", "implied_vol", "python_loop"]


def normal_cdf(x: Any, erfc: Callable[[Any], Any]) -> Any:
    """``N(x) = erfc(-x / sqrt 2) / 2`` (no cancellation in the lower tail)."""
    return 0.5 * erfc(-x / SQRT2)


def black_scholes(s, k, t, r, q, sigma, call, *, greeks: bool, xp: Any, erfc: Callable[[Any], Any]) -> tuple[Any, ...]:
    """``(price,)``, or ``(price, delta, gamma, vega, theta, rho)`` with ``greeks``, elementwise.

    ``s, k, t, r, q, sigma`` are float64 arrays and ``call`` a bool array of one shape, in ``xp``.
    """
    sqrt_t = xp.sqrt(t)
    vs = sigma * sqrt_t
    d1 = (xp.log(s / k) + (r - q + 0.5 * sigma * sigma) * t) / vs
    d2 = d1 - vs
    dq = xp.exp(-q * t)
    dr = xp.exp(-r * t)
    sign = 2.0 * xp.astype(call, s.dtype) - 1.0  # +1 for a call, -1 for a put
    nd1 = normal_cdf(sign * d1, erfc)
    nd2 = normal_cdf(sign * d2, erfc)
    price = sign * (s * dq * nd1 - k * dr * nd2)
    if not greeks:
        return (price,)
    pdf1 = INV_SQRT_2PI * xp.exp(-0.5 * d1 * d1)
    delta = sign * dq * nd1
    gamma = dq * pdf1 / (s * vs)
    vega = s * dq * pdf1 * sqrt_t
    theta = -s * dq * pdf1 * sigma / (2.0 * sqrt_t) + sign * (q * s * dq * nd1 - r * k * dr * nd2)
    rho = sign * k * t * dr * nd2
    return price, delta, gamma, vega, theta, rho


def python_loop(cond: Callable[[Any], Any], body: Callable[[Any], Any], state: Any) -> Any:
    """``while cond(state): state = body(state)``, the loop of :func:`implied_vol` outside ``jax.jit``."""
    while bool(cond(state)):
        state = body(state)
    return state


def implied_vol(
    target,
    s,
    k,
    t,
    r,
    q,
    call,
    tol,
    max_iter,
    *,
    xp: Any,
    erfc: Callable[[Any], Any],
    loop: Callable[..., Any] = python_loop,
) -> tuple[Any, Any]:
    """Bracketed Newton iteration on ``ln price(sigma)`` for every element; returns ``(sigma, pending)``.

    ``pending`` is a 0-d bool array, true if some element had neither met the relative price
    tolerance ``tol`` nor stopped moving (:data:`~quantforge.kernels.options.core.SIGMA_RESOLUTION`)
    after ``max_iter`` iterations.
    """
    sigma0 = xp.sqrt(2.0 * math.pi / t) * target / s
    sigma0 = xp.clip(sigma0, IV_START_MIN, IV_START_MAX)
    lo = xp.zeros_like(sigma0) + IV_LOW
    hi = xp.zeros_like(sigma0) + IV_HIGH

    def body(state):
        it, sig, lo, hi, _ = state
        price, _, _, vega, _, _ = black_scholes(s, k, t, r, q, sig, call, greeks=True, xp=xp, erfc=erfc)
        diff = price - target
        lo = xp.where(diff < 0, sig, lo)
        hi = xp.where(diff > 0, sig, hi)
        newton = sig - (xp.log(xp.maximum(price, TINY)) - xp.log(target)) * price / xp.where(vega > 0, vega, 1.0)
        ok = (vega > 0) & (newton > lo) & (newton < hi)
        hit = xp.abs(diff) <= tol * target
        # converged entries stay put: with diff == 0 the bracket may have collapsed onto sig
        sig_new = xp.where(hit, sig, xp.where(ok, newton, 0.5 * (lo + hi)))
        pinned = xp.abs(sig_new - sig) <= SIGMA_RESOLUTION * sig
        return it + 1, sig_new, lo, hi, xp.any(~(hit | pinned))

    def cond(state):
        return (state[0] < max_iter) & state[4]

    _, sig, _, _, pending = loop(cond, body, (0, sigma0, lo, hi, xp.asarray(True)))
    return sig, pending
