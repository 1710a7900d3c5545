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

Backends: the reference (:mod:`.reference`, array-API style with scipy's ``erfc``) runs on numpy;
the fast paths are :mod:`.numba` (the scalar core of :mod:`.core` compiled, parallel over options),
:mod:`.jax` (the reference under ``jax.jit``) and :mod:`.cuda` (the reference on CuPy arrays with
``cupyx.scipy.special.erfc``, for the cupy backend).

References
----------
Black, F. & Scholes, M. (1973). The pricing of options and corporate liabilities. J. Polit. Econ. 81(3).
Merton, R. C. (1973). Theory of rational option pricing. Bell J. Econ. Manag. Sci. 4(1).
Brenner, M. & Subrahmanyam, M. G. (1988). A simple formula to compute the implied standard deviation.
Financial Analysts Journal 44(5).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import erfc

from ..._typing import ArrayLike
from ...errors import (
    ConvergenceFailure,
    InvalidParameters,
    NumericalInstability,
    check_array,
    check_in_range,
    check_int,
)
from ..backend import fast_path, get_backend, register_fast_path
from . import reference
from .core import GREEKS, IV_MAX_ITER

__all__ = ["bs_price", "bs_greeks", "implied_vol", "GREEKS"]

BLACK_SCHOLES = "options.black_scholes"
IMPLIED_VOL = "options.implied_vol"

# every backend but numpy has a fast path, so the reference below only ever runs on numpy arrays,
# where scipy's erfc applies
for _backend, _module in (("numba", "numba"), ("jax", "jax"), ("cupy", "cuda")):
    register_fast_path(BLACK_SCHOLES, _backend, f"{__package__}.{_module}:black_scholes")
    register_fast_path(IMPLIED_VOL, _backend, f"{__package__}.{_module}:implied_vol")


def _broadcast_inputs(named: dict[str, Any], positive: tuple[str, ...]) -> tuple[tuple[int, ...], dict]:
    arrays = {}
    for name, value in named.items():
        if name == "call":
            arr = np.asarray(value)
            if arr.dtype != np.bool_:
                raise TypeError(
                    f"call must be a bool or a bool array (True = call, False = put), got dtype {arr.dtype}"
                )
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


def _finite(name: str, arr: np.ndarray) -> np.ndarray:
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.argwhere(bad.reshape(-1, arr.shape[-1]))[0, -1])
        raise NumericalInstability(f"{name} is not finite at flat index {i} (extreme inputs overflow float64)")
    return arr


def bs_price(
    spot: ArrayLike,
    strike: ArrayLike,
    expiry: ArrayLike,
    rate: ArrayLike,
    vol: ArrayLike,
    dividend: ArrayLike = 0.0,
    call: ArrayLike = True,
    *,
    backend: str | None = None,
) -> np.ndarray:
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


def bs_greeks(
    spot: ArrayLike,
    strike: ArrayLike,
    expiry: ArrayLike,
    rate: ArrayLike,
    vol: ArrayLike,
    dividend: ArrayLike = 0.0,
    call: ArrayLike = True,
    *,
    backend: str | None = None,
) -> dict[str, np.ndarray]:
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
    be = get_backend(backend, kernel=BLACK_SCHOLES)
    shape, flat = _broadcast_inputs(
        {
            "spot": spot,
            "strike": strike,
            "expiry": expiry,
            "rate": rate,
            "dividend": dividend,
            "vol": vol,
            "call": call,
        },
        positive=("spot", "strike", "expiry", "vol"),
    )
    args = [flat[n] for n in ("spot", "strike", "expiry", "rate", "dividend", "vol", "call")]
    impl = fast_path(BLACK_SCHOLES, be)
    # extreme inputs overflow inside the formulas; the non-finite results are refused just below
    with be.x64(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if impl is not None:
            out = impl(*args, greeks)
        else:
            xp = be.xp
            out = xp.stack(reference.black_scholes(*(be.asarray(a) for a in args), greeks=greeks, xp=xp, erfc=erfc))
    out = _finite("Black–Scholes result", be.to_host(out))
    return {g: out[i].reshape(shape) for i, g in enumerate(GREEKS[: out.shape[0]])}


def implied_vol(
    price: ArrayLike,
    spot: ArrayLike,
    strike: ArrayLike,
    expiry: ArrayLike,
    rate: ArrayLike,
    dividend: ArrayLike = 0.0,
    call: ArrayLike = True,
    *,
    tol: float = 1e-12,
    max_iter: int = IV_MAX_ITER,
    backend: str | None = None,
) -> np.ndarray:
    """Black–Scholes implied volatility of European option prices.

    Parameters
    ----------
    price : array_like, > 0
        Option prices, strictly between the no-arbitrage bounds
        ``max(±(S e^{-qT} - K e^{-rT}), 0)`` and ``S e^{-qT}`` (call) or ``K e^{-rT}`` (put).
    spot, strike, expiry, rate, dividend, call
        As in :func:`bs_price`.
    tol : float, default 1e-12
        Relative price tolerance at which the iteration stops, in (0, 0.01].
    max_iter : int, default 100
        Iteration cap, 1 to 10**6.
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
    # a tolerance near the prices themselves would stop at the first guess and return it as the answer
    tol = check_in_range("tol", tol, 0.0, 1e-2, low_open=True)
    max_iter = check_int("max_iter", max_iter, minimum=1, maximum=10**6)
    be = get_backend(backend, kernel=IMPLIED_VOL)
    shape, flat = _broadcast_inputs(
        {
            "price": price,
            "spot": spot,
            "strike": strike,
            "expiry": expiry,
            "rate": rate,
            "dividend": dividend,
            "call": call,
        },
        positive=("price", "spot", "strike", "expiry"),
    )
    s, k, t, r, q, c, p = (flat[n] for n in ("spot", "strike", "expiry", "rate", "dividend", "call", "price"))
    with np.errstate(over="ignore"):  # an overflowing forward puts every price inside the bounds' refusal
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
    impl = fast_path(IMPLIED_VOL, be)
    with be.x64(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if impl is not None:
            out, pending = impl(p, s, k, t, r, q, c, tol, max_iter)
        else:
            out, pending = reference.implied_vol(
                *(be.asarray(a) for a in (p, s, k, t, r, q, c)), tol, max_iter, xp=be.xp, erfc=erfc
            )
    if bool(pending):
        raise ConvergenceFailure(f"implied volatility did not reach tol={tol:g} in max_iter={max_iter} iterations")
    return _finite("implied volatility", be.to_host(out)).reshape(shape)
