"""Black–Scholes–Merton European options: vectorised prices, Greeks and implied volatility.

Under Black–Scholes–Merton the underlying is a geometric Brownian motion with continuous dividend
yield q, and a European option has the closed-form price of Black & Scholes (1973, eq. 13) and
Merton (1973, eq. 36); implied volatility inverts that price for sigma.

Notes
-----
With ``F = S e^{(r-q)T}``, ``d1 = (ln(S/K) + (r - q + sigma^2/2) T) / (sigma sqrt T)`` and
``d2 = d1 - sigma sqrt T``::

    call = S e^{-qT} N(d1) - K e^{-rT} N(d2)
    put  = K e^{-rT} N(-d2) - S e^{-qT} N(-d1)

Greeks are the analytic derivatives (Hull, "Options, Futures and Other Derivatives", ch. 19):
delta = dV/dS, gamma = d2V/dS2, vega = dV/dsigma (per unit of volatility, not per 1%),
theta = dV/dt (per year, calendar time passing, i.e. -dV/dT), rho = dV/dr (per unit of rate).
Implied volatility is found by Newton's method on ``ln price`` as a function of sigma (which
converges fast in the far wings, where the price is exponentially steep in sigma), safeguarded by
bisection inside a bracket that always contains the root (the price is increasing in sigma), started from the
Brenner–Subrahmanyam (1988) approximation ``sigma0 = sqrt(2 pi / T) C / S``.

Every function broadcasts its array arguments together (numpy broadcasting rules) and returns
arrays of the broadcast shape.

References
----------
Black, F. & Scholes, M. (1973). The pricing of options and corporate liabilities. J. Polit. Econ. 81(3).
Merton, R. C. (1973). Theory of rational option pricing. Bell J. Econ. Manag. Sci. 4(1).
Brenner, M. & Subrahmanyam, M. G. (1988). A simple formula to compute the implied standard deviation.
Financial Analysts Journal 44(5).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from numba import njit, prange

from ..errors import ConvergenceFailure, InvalidParameters, NumericalInstability, check_array, check_int, check_positive
from .backend import require, resolve_backend

__all__ = ["bs_price", "bs_greeks", "implied_vol", "GREEKS"]

GREEKS: tuple[str, ...] = ("price", "delta", "gamma", "vega", "theta", "rho")
_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_IV_LOW, _IV_HIGH = 1e-8, 20.0
_IV_MAX_ITER = 100
# A step below this relative size means sigma is resolved to a few ulps; for prices far out in the
# tails (1e-20 and less) that happens before the relative price tolerance can be met.
_SIGMA_RESOLUTION = 1e-14
_TINY = 1e-300


# ---------------------------------------------------------------------------------------------
# Reference: one implementation against an array namespace (numpy, or jax.numpy under x64).
# ---------------------------------------------------------------------------------------------
def _ncdf(xp, erfc, x):
    return 0.5 * erfc(-x / _SQRT2)


def _bs_xp(xp, erfc, s, k, t, r, q, sigma, call, greeks: bool):
    sqrt_t = xp.sqrt(t)
    vs = sigma * sqrt_t
    d1 = (xp.log(s / k) + (r - q + 0.5 * sigma * sigma) * t) / vs
    d2 = d1 - vs
    dq = xp.exp(-q * t)
    dr = xp.exp(-r * t)
    sign = xp.where(call, 1.0, -1.0)
    nd1 = _ncdf(xp, erfc, sign * d1)
    nd2 = _ncdf(xp, erfc, sign * d2)
    price = sign * (s * dq * nd1 - k * dr * nd2)
    if not greeks:
        return (price,)
    pdf1 = _INV_SQRT_2PI * xp.exp(-0.5 * d1 * d1)
    delta = sign * dq * nd1
    gamma = dq * pdf1 / (s * vs)
    vega = s * dq * pdf1 * sqrt_t
    theta = -s * dq * pdf1 * sigma / (2.0 * sqrt_t) + sign * (q * s * dq * nd1 - r * k * dr * nd2)
    rho = sign * k * t * dr * nd2
    return price, delta, gamma, vega, theta, rho


def _iv_xp(xp, erfc, target, s, k, t, r, q, call, tol, max_iter, loop):
    """Bracketed Newton iteration; ``loop(cond, body, state)`` is a Python loop or lax.while_loop."""
    sigma0 = xp.sqrt(2.0 * math.pi / t) * target / s
    sigma0 = xp.clip(sigma0, 1e-3, 5.0)
    lo = xp.zeros_like(sigma0) + _IV_LOW
    hi = xp.zeros_like(sigma0) + _IV_HIGH

    def body(state):
        it, sig, lo, hi, _ = state
        price, _, _, vega, _, _ = _bs_xp(xp, erfc, s, k, t, r, q, sig, call, True)
        diff = price - target
        lo = xp.where(diff < 0, sig, lo)
        hi = xp.where(diff > 0, sig, hi)
        newton = sig - (xp.log(xp.maximum(price, _TINY)) - xp.log(target)) * price / xp.where(vega > 0, vega, 1.0)
        ok = (vega > 0) & (newton > lo) & (newton < hi)
        hit = xp.abs(diff) <= tol * target
        # converged entries stay put: with diff == 0 the bracket may have collapsed onto sig
        sig_new = xp.where(hit, sig, xp.where(ok, newton, 0.5 * (lo + hi)))
        pinned = xp.abs(sig_new - sig) <= _SIGMA_RESOLUTION * sig
        return it + 1, sig_new, lo, hi, xp.sum(~(hit | pinned))

    def cond(state):
        return (state[0] < max_iter) & (state[4] > 0)

    return loop(cond, body, (0, sigma0, lo, hi, xp.sum(xp.ones_like(sigma0, dtype=bool))))


def _python_loop(cond, body, state):
    while bool(cond(state)):
        state = body(state)
    return state


# ---------------------------------------------------------------------------------------------
# numba fast path: scalar core, parallel loop over the flattened broadcast inputs.
# ---------------------------------------------------------------------------------------------
@njit(cache=True, inline="always")
def _bs_scalar(s, k, t, r, q, sigma, call):
    sqrt_t = math.sqrt(t)
    vs = sigma * sqrt_t
    d1 = (math.log(s / k) + (r - q + 0.5 * sigma * sigma) * t) / vs
    d2 = d1 - vs
    dq = math.exp(-q * t)
    dr = math.exp(-r * t)
    sign = 1.0 if call else -1.0
    nd1 = 0.5 * math.erfc(-(sign * d1) / _SQRT2)
    nd2 = 0.5 * math.erfc(-(sign * d2) / _SQRT2)
    price = sign * (s * dq * nd1 - k * dr * nd2)
    pdf1 = _INV_SQRT_2PI * math.exp(-0.5 * d1 * d1)
    delta = sign * dq * nd1
    gamma = dq * pdf1 / (s * vs)
    vega = s * dq * pdf1 * sqrt_t
    theta = -s * dq * pdf1 * sigma / (2.0 * sqrt_t) + sign * (q * s * dq * nd1 - r * k * dr * nd2)
    rho = sign * k * t * dr * nd2
    return price, delta, gamma, vega, theta, rho


@njit(cache=True, parallel=True)
def _bs_numba(s, k, t, r, q, sigma, call, out):
    for i in prange(s.shape[0]):
        g = _bs_scalar(s[i], k[i], t[i], r[i], q[i], sigma[i], call[i])
        for j in range(out.shape[0]):
            out[j, i] = g[j]


@njit(cache=True, parallel=True)
def _iv_numba(target, s, k, t, r, q, call, tol, max_iter, out, converged):
    for i in prange(s.shape[0]):
        sig = min(max(math.sqrt(2.0 * math.pi / t[i]) * target[i] / s[i], 1e-3), 5.0)
        lo = _IV_LOW
        hi = _IV_HIGH
        done = False
        n = 0
        while n < max_iter and not done:
            g = _bs_scalar(s[i], k[i], t[i], r[i], q[i], sig, call[i])
            diff = g[0] - target[i]
            if abs(diff) <= tol * target[i]:
                done = True
                break
            if diff < 0:
                lo = sig
            elif diff > 0:
                hi = sig
            vega = g[3]
            newton = sig - (math.log(max(g[0], _TINY)) - math.log(target[i])) * g[0] / vega if vega > 0 else lo
            new = newton if (vega > 0 and lo < newton < hi) else 0.5 * (lo + hi)
            done = abs(new - sig) <= _SIGMA_RESOLUTION * sig
            sig = new
            n += 1
        out[i] = sig
        converged[i] = done


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------
def _broadcast_inputs(named: dict[str, Any], positive: tuple[str, ...]) -> tuple[tuple[int, ...], dict]:
    arrays = {}
    for name, value in named.items():
        if name == "call":
            arr = np.asarray(value)
            if arr.dtype != np.bool_:
                raise TypeError(
                    f"call must be a bool or a bool array (True = call, False = put), got dtype {arr.dtype}")
        else:
            arr = check_array(name, value, dtype=np.float64, cast=True)
            bad = ~np.isfinite(arr) | ((arr <= 0) if name in positive else np.zeros(arr.shape, bool))
            if bad.any():
                idx = tuple(int(i) for i in np.argwhere(bad)[0])
                cond = "finite and > 0" if name in positive else "finite"
                raise InvalidParameters(f"{name} must be {cond}; {name}{list(idx) if idx else ''} = {arr[idx]!r}")
        arrays[name] = arr
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{n}{a.shape}" for n, a in arrays.items())
        raise InvalidParameters(f"the arguments do not broadcast together: {shapes}") from None
    flat = {n: np.ascontiguousarray(np.broadcast_to(a, shape)).ravel() for n, a in arrays.items()}
    return shape, flat


def _erfc(name: str):
    if name == "jax":
        import jax.scipy.special as jss

        return jss.erfc
    from scipy.special import erfc

    return erfc


@functools.lru_cache(maxsize=None)
def _jax_bs(greeks: bool):
    import jax

    import jax.numpy as jnp

    def f(s, k, t, r, q, sig, call):
        return jnp.stack(_bs_xp(jnp, _erfc("jax"), s, k, t, r, q, sig, call, greeks))

    return jax.jit(f)


@functools.lru_cache(maxsize=None)
def _jax_iv():
    import jax
    import jax.numpy as jnp

    def f(target, s, k, t, r, q, call, tol, max_iter):
        def loop(cond, body, state):
            return jax.lax.while_loop(cond, body, state)

        _, sig, _, _, pending = _iv_xp(jnp, _erfc("jax"), target, s, k, t, r, q, call, tol, max_iter, loop)
        return sig, pending

    return jax.jit(f)


def _evaluate(flat, greeks: bool, name: str) -> np.ndarray:
    args = [flat[n] for n in ("spot", "strike", "expiry", "rate", "dividend", "vol", "call")]
    if name == "numba":
        out = np.empty((6, args[0].size), dtype=np.float64)
        _bs_numba(*args, out)
        return out if greeks else out[:1]
    if name == "jax":
        jax = require("jax", purpose="backend 'jax'")
        with jax.enable_x64(True):
            return np.asarray(_jax_bs(greeks)(*args))
    if name == "cupy":
        cupy = require("cupy", purpose="backend 'cupy'")
        import cupyx.scipy.special as css

        dev = [cupy.asarray(a) for a in args]
        return cupy.stack(_bs_xp(cupy, css.erfc, *dev, greeks)).get()
    from scipy.special import erfc

    return np.stack(_bs_xp(np, erfc, *args, greeks))


def _finite(name: str, arr: np.ndarray) -> np.ndarray:
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.argwhere(bad.reshape(-1, arr.shape[-1]))[0, -1])
        raise NumericalInstability(f"{name} is not finite at flat index {i} (extreme inputs overflow float64)")
    return arr


def bs_price(spot, strike, expiry, rate, vol, dividend=0.0, call=True, *, backend: str | None = None) -> np.ndarray:
    """Black–Scholes–Merton price of European calls and puts.

    Parameters
    ----------
    spot, strike : array_like, > 0
        Underlying price and strike, in the same currency units.
    expiry : array_like, > 0
        Time to expiry in years.
    rate, dividend : array_like
        Continuously compounded risk-free rate and dividend yield, per year.
    vol : array_like, > 0
        Volatility, per square-root year (0.2 = 20%).
    call : bool or bool array, default True
        True for a call, False for a put.
    backend : str, optional
        ``numpy`` (reference), ``numba``, ``jax``, ``cupy`` or ``auto``.

    Returns
    -------
    numpy.ndarray of float64, the broadcast shape of the arguments.

    Raises
    ------
    InvalidParameters
        For NaN/inf inputs, non-positive spot, strike, expiry or vol, or shapes that do not broadcast.
    NumericalInstability
        If a result overflows.

    Examples
    --------
    >>> from quantforge.kernels.options import bs_price
    >>> round(float(bs_price(100.0, 100.0, 1.0, 0.05, 0.2, backend="numpy")), 6)
    10.450584
    """
    return _black_scholes(spot, strike, expiry, rate, vol, dividend, call, backend, greeks=False)["price"]


def bs_greeks(spot, strike, expiry, rate, vol, dividend=0.0, call=True, *,
              backend: str | None = None) -> dict[str, np.ndarray]:
    """Price and Greeks of European calls and puts under Black–Scholes–Merton.

    Parameters are those of :func:`bs_price`.

    Returns
    -------
    dict
        ``price``, ``delta`` (per unit of spot), ``gamma`` (per unit of spot squared),
        ``vega`` (per unit of vol), ``theta`` (per year of calendar time), ``rho`` (per unit of
        rate); each a float64 array of the broadcast shape.
    """
    return _black_scholes(spot, strike, expiry, rate, vol, dividend, call, backend, greeks=True)


def _black_scholes(spot, strike, expiry, rate, vol, dividend, call, backend, *, greeks: bool) -> dict[str, np.ndarray]:
    name = resolve_backend(backend)
    shape, flat = _broadcast_inputs(
        {"spot": spot, "strike": strike, "expiry": expiry, "rate": rate, "dividend": dividend, "vol": vol,
         "call": call},
        positive=("spot", "strike", "expiry", "vol"),
    )
    out = _finite("Black–Scholes result", _evaluate(flat, greeks, name))
    return {g: out[i].reshape(shape) for i, g in enumerate(GREEKS[: out.shape[0]])}


def implied_vol(price, spot, strike, expiry, rate, dividend=0.0, call=True, *, tol: float = 1e-12,
                max_iter: int = _IV_MAX_ITER, backend: str | None = None) -> np.ndarray:
    """Black–Scholes implied volatility of European option prices.

    Parameters
    ----------
    price : array_like, > 0
        Option prices, strictly between the no-arbitrage bounds
        ``max(±(S e^{-qT} - K e^{-rT}), 0)`` and ``S e^{-qT}`` (call) or ``K e^{-rT}`` (put).
    spot, strike, expiry, rate, dividend, call
        As in :func:`bs_price`.
    tol : float, default 1e-12
        Relative price tolerance at which the iteration stops.
    max_iter : int, default 100
        Iteration cap.
    backend : str, optional
        ``numpy`` (reference), ``numba``, ``jax``, ``cupy`` or ``auto``.

    Returns
    -------
    numpy.ndarray of float64: volatility per square-root year, in [1e-8, 20].

    Raises
    ------
    InvalidParameters
        For a price outside the no-arbitrage bounds (no volatility reproduces it), or bad inputs.
    ConvergenceFailure
        If some price has not converged after ``max_iter`` iterations.
    """
    tol = check_positive("tol", tol)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    name = resolve_backend(backend)
    shape, flat = _broadcast_inputs(
        {"price": price, "spot": spot, "strike": strike, "expiry": expiry, "rate": rate, "dividend": dividend,
         "call": call},
        positive=("price", "spot", "strike", "expiry"),
    )
    s, k, t, r, q, c, p = (flat[n] for n in ("spot", "strike", "expiry", "rate", "dividend", "call", "price"))
    fwd_s, fwd_k = s * np.exp(-q * t), k * np.exp(-r * t)
    lower = np.where(c, np.maximum(fwd_s - fwd_k, 0.0), np.maximum(fwd_k - fwd_s, 0.0))
    upper = np.where(c, fwd_s, fwd_k)
    bad = (p <= lower) | (p >= upper)
    if bad.any():
        i = int(np.argmax(bad))
        raise InvalidParameters(
            f"price at flat index {i} is {p[i]!r}, outside the no-arbitrage interval ({lower[i]!r}, {upper[i]!r}); "
            "no volatility reproduces it"
        )
    if name == "numba":
        out = np.empty_like(p)
        converged = np.empty(p.shape, dtype=np.bool_)
        _iv_numba(p, s, k, t, r, q, c, tol, max_iter, out, converged)
        not_done = ~converged
    else:
        if name == "jax":
            jax = require("jax", purpose="backend 'jax'")
            with jax.enable_x64(True):
                sig, pending = _jax_iv()(p, s, k, t, r, q, c, tol, max_iter)
                out, pending = np.asarray(sig), int(pending)
        else:
            from scipy.special import erfc

            xp = np
            if name == "cupy":
                xp = require("cupy", purpose="backend 'cupy'")
                import cupyx.scipy.special as css

                erfc = css.erfc
                p, s, k, t, r, q, c = (xp.asarray(a) for a in (p, s, k, t, r, q, c))
            _, sig, _, _, pending = _iv_xp(xp, erfc, p, s, k, t, r, q, c, tol, max_iter, _python_loop)
            out, pending = (sig.get() if hasattr(sig, "get") else sig), int(pending)
        not_done = np.full(out.shape, pending > 0)
    if not_done.any():
        raise ConvergenceFailure(f"implied volatility did not reach tol={tol:g} in max_iter={max_iter} iterations")
    return _finite("implied volatility", out).reshape(shape)
