"""Constants, the layout of the Greeks and the scalar Black–Scholes–Merton formula, in plain Python.

The reference evaluates the formula on whole arrays; the numba fast path compiles
:func:`black_scholes_scalar` and loops over elements.  Both use the constants here, so the iteration
of the implied volatility stops under the same rules everywhere.
"""

from __future__ import annotations

import enum
import math

__all__ = [
    "Greek",
    "GREEKS",
    "SQRT2",
    "INV_SQRT_2PI",
    "IV_LOW",
    "IV_HIGH",
    "IV_START_MIN",
    "IV_START_MAX",
    "IV_MAX_ITER",
    "SIGMA_RESOLUTION",
    "TINY",
    "black_scholes_scalar",
    "spot_constants",
    "spot_price_scalar",
]


class Greek(enum.IntEnum):
    """Rows of the ``(6, n)`` results of the kernels, in the order of :data:`GREEKS`."""

    PRICE = 0
    DELTA = 1
    GAMMA = 2
    VEGA = 3
    THETA = 4
    RHO = 5


GREEKS: tuple[str, ...] = tuple(g.name.lower() for g in Greek)
SQRT2 = math.sqrt(2.0)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
IV_LOW, IV_HIGH = 1e-8, 20.0  # the bracket of the implied volatility, per square-root year
IV_START_MIN, IV_START_MAX = 1e-3, 5.0  # the Brenner–Subrahmanyam start is clipped to these
IV_MAX_ITER = 100
# A step below this relative size means sigma is resolved to a few ulps; for prices far out in the
# tails (1e-20 and less) that happens before the relative price tolerance can be met.
SIGMA_RESOLUTION = 1e-14
TINY = 1e-300  # floor of a price before its logarithm in the Newton step


def black_scholes_scalar(s, k, t, r, q, sigma, call):
    """Price and Greeks of one option, in the order of :class:`Greek`; ``call`` is a bool."""
    sqrt_t = math.sqrt(t)
    vs = sigma * sqrt_t
    d1 = (math.log(s / k) + (r - q + 0.5 * sigma * sigma) * t) / vs
    d2 = d1 - vs
    dq = math.exp(-q * t)
    dr = math.exp(-r * t)
    sign = 1.0 if call else -1.0
    nd1 = 0.5 * math.erfc(-(sign * d1) / SQRT2)
    nd2 = 0.5 * math.erfc(-(sign * d2) / SQRT2)
    price = sign * (s * dq * nd1 - k * dr * nd2)
    pdf1 = INV_SQRT_2PI * math.exp(-0.5 * d1 * d1)
    delta = sign * dq * nd1
    gamma = dq * pdf1 / (s * vs)
    vega = s * dq * pdf1 * sqrt_t
    theta = -s * dq * pdf1 * sigma / (2.0 * sqrt_t) + sign * (q * s * dq * nd1 - r * k * dr * nd2)
    rho = sign * k * t * dr * nd2
    return price, delta, gamma, vega, theta, rho


def spot_constants(k, t, r, q, sigma):
    """The parts of the price that do not depend on the spot, for repricing one option at many spots:
    ``(ln K - (r - q + sigma^2/2) t, sigma sqrt t, e^{-qt}, K e^{-rt})``."""
    vs = sigma * math.sqrt(t)
    return math.log(k) - (r - q + 0.5 * sigma * sigma) * t, vs, math.exp(-q * t), k * math.exp(-r * t)


def spot_price_scalar(s, shift, vs, s_disc, k_disc, call):
    """The Black–Scholes–Merton price at spot ``s`` from :func:`spot_constants`: the formula of
    :func:`black_scholes_scalar` with ``d1 = (ln s - shift) / vs`` (one logarithm and two ``erfc`` a spot)."""
    sign = 1.0 if call else -1.0
    d1 = (math.log(s) - shift) / vs
    d2 = d1 - vs
    return sign * (s * s_disc * 0.5 * math.erfc(-(sign * d1) / SQRT2) - k_disc * 0.5 * math.erfc(-(sign * d2) / SQRT2))
