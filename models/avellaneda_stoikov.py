"""Avellaneda–Stoikov (2008): optimal bid and ask quotes of a market maker with exponential utility.

A dealer with risk aversion ``gamma`` quotes around a mid price ``s`` that follows arithmetic Brownian
motion with volatility ``sigma``; market orders hit a quote at depth ``delta`` with Poisson intensity
``A exp(-k delta)``.  The approximate solution quotes symmetrically around an inventory-skewed
*reservation price* with a spread that depends on time to the horizon but not on inventory.

Equations (numbers as in the paper):

* reservation price (29):  ``r(s, q, t) = s - q gamma sigma^2 (T - t)``
* total spread (30):       ``delta_a + delta_b = gamma sigma^2 (T - t) + (2 / gamma) ln(1 + gamma / k)``
* arrival intensity (2.10): ``lambda(delta) = A exp(-k delta)``

so the depths from the mid are
``delta_b = (1 + 2q) gamma sigma^2 (T - t) / 2 + ln(1 + gamma / k) / gamma`` and
``delta_a = (1 - 2q) gamma sigma^2 (T - t) / 2 + ln(1 + gamma / k) / gamma``.
A depth may be negative (quoting through the mid) when inventory is large; the formulas are kept as
the paper states them.

Parameters are an :class:`ASParams`, one set or a batch (:mod:`quantforge.models.parameters`);
:func:`quote_surfaces` evaluates the depths for a whole batch on any backend in one expression.

Units: prices in currency, ``sigma`` in currency per sqrt(time unit), ``A`` in orders per time unit,
``k`` per currency unit, times in the same unit as ``T`` (the paper uses T = 1).

Reference: M. Avellaneda and S. Stoikov, "High-frequency trading in a limit order book",
Quantitative Finance 8(3):217–224, 2008.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._typing import ArrayLike, Float64Array
from ..errors import InvalidParameters, NumericalInstability, check_all_finite, check_array, check_int, check_memory
from ..kernels.backend import get_backend
from .parameters import ModelParams
from .surface import QuoteSurface, build_surfaces

__all__ = [
    "ASParams",
    "reservation_price",
    "optimal_spread",
    "optimal_quotes",
    "optimal_depths",
    "arrival_intensity",
    "quote_surfaces",
    "PAPER_SECTION4",
]


@dataclass(frozen=True, kw_only=True, eq=False)
class ASParams(ModelParams):
    """Validated Avellaneda–Stoikov parameters: one set, or a batch when any field is a 1-D array.

    Parameters
    ----------
    gamma : float or array (n_sets,)
        Risk aversion, > 0 (per currency unit).
    sigma : float or array (n_sets,)
        Volatility of the mid, >= 0 (currency per sqrt time unit).
    k : float or array (n_sets,)
        Decay of the fill intensity with depth, > 0 (per currency unit).
    A : float or array (n_sets,)
        Fill intensity at zero depth, > 0 (orders per time unit).
    T : float or array (n_sets,)
        Horizon, > 0 (time units).

    Raises
    ------
    InvalidParameters
        A NaN, infinite or out-of-domain value, or arrays whose lengths do not broadcast; the
        message names the field and the value.
    TypeError
        A value that is not a real number.

    Examples
    --------
    >>> p = ASParams(gamma=[0.1, 1.0], sigma=2.0, k=1.5)
    >>> p.n_sets, p.sets()[1]
    (2, {'gamma': 1.0, 'sigma': 2.0, 'k': 1.5, 'A': 140.0, 'T': 1.0})
    """

    DOMAIN = {"gamma": "> 0", "sigma": ">= 0", "k": "> 0", "A": "> 0", "T": "> 0"}

    gamma: float | np.ndarray
    sigma: float | np.ndarray
    k: float | np.ndarray
    A: float | np.ndarray = 140.0
    T: float | np.ndarray = 1.0


# The experiment of section 4 of the paper.
PAPER_SECTION4 = {
    "s0": 100.0,
    "T": 1.0,
    "sigma": 2.0,
    "dt": 0.005,
    "q0": 0,
    "k": 1.5,
    "A": 140.0,
    "gammas": (0.1, 0.01, 1.0),
}


def _check(params) -> ASParams:
    if not isinstance(params, ASParams):
        raise TypeError(f"params must be an ASParams, got {type(params).__name__}")
    return params


def _time_left(p: ASParams, t) -> np.ndarray:
    t = check_array("t", t, dtype=np.float64, cast=True)
    if not np.all(np.isfinite(t)) or np.any(t < 0) or np.any(t > p.T):
        raise InvalidParameters(f"t must lie in [0, T={p.T}], got {t!r}")
    return p.T - t


def _finite(what: str, *arrays):
    """The arrays if every entry is finite; a closed form that overflows is refused, not returned."""
    for a in arrays:
        if not np.all(np.isfinite(a)):
            raise NumericalInstability(
                f"the Avellaneda–Stoikov {what} overflowed float64 for these parameters and inputs"
            )
    return arrays if len(arrays) > 1 else arrays[0]


def reservation_price(s: ArrayLike, q: ArrayLike, t: ArrayLike, params: ASParams) -> Float64Array | np.float64:
    """Indifference (reservation) price ``s - q gamma sigma^2 (T - t)``, eq. (29).

    Parameters
    ----------
    s : float or array
        Mid price (currency).
    q : float or array
        Inventory (units; positive = long).
    t : float or array
        Current time, 0 <= t <= T.
    params : ASParams
        A batch ``(n_sets,)`` broadcasts against the trailing axis of ``s``, ``q`` and ``t``
        (numpy's rules), as do the other closed forms.
    """
    _check(params)
    s = check_array("s", s, dtype=np.float64, cast=True)
    q = check_array("q", q, dtype=np.float64, cast=True)
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(q))):
        raise InvalidParameters(f"s and q must be finite, got s={s!r}, q={q!r}")
    with np.errstate(over="ignore", invalid="ignore"):
        r = s - q * params.gamma * params.sigma**2 * _time_left(params, t)
    return _finite("reservation price", r)


def optimal_spread(t: ArrayLike, params: ASParams) -> Float64Array | np.float64:
    """Total optimal spread ``gamma sigma^2 (T - t) + (2/gamma) ln(1 + gamma/k)``, eq. (30).

    Raises ``NumericalInstability`` where the spread overflows or rounds to zero (an extreme
    ``gamma``): a zero spread is no quote."""
    g = _check(params).gamma
    with np.errstate(over="ignore", invalid="ignore"):
        spread = g * params.sigma**2 * _time_left(params, t) + (2.0 / g) * np.log1p(g / params.k)
    if not np.all(spread > 0):
        raise NumericalInstability(
            f"the Avellaneda–Stoikov spread rounds to zero for gamma={params.gamma!r}, "
            f"k={params.k!r}: no quote has a positive spread"
        )
    return _finite("spread", spread)


def optimal_quotes(s: ArrayLike, q: ArrayLike, t: ArrayLike, params: ASParams) -> tuple[np.ndarray, np.ndarray]:
    """Optimal bid and ask prices: the reservation price (29) minus and plus half the spread (30).

    ``bid = r - (delta_a + delta_b) / 2`` and ``ask = r + (delta_a + delta_b) / 2`` with
    ``r = s - q gamma sigma^2 (T - t)``: the quotes are centred on the inventory-skewed reservation
    price, not on the mid, and their spread does not depend on the inventory.

    Parameters
    ----------
    s : float or array
        Mid price (currency).
    q : float or array
        Inventory (units; positive = long).
    t : float or array
        Current time (time units of ``T``), ``0 <= t <= T``.
    params : ASParams
        One parameter set, or a batch ``(n_sets,)`` that broadcasts against the trailing axis of
        ``s``, ``q`` and ``t`` (numpy's rules).

    Returns
    -------
    bid, ask : float64 arrays
        Prices (currency), of the broadcast shape of ``s``, ``q``, ``t`` and the batch (0-d for
        scalars).  A large inventory can put a quote on the far side of the mid, and, the mid being
        an arithmetic Brownian motion in the paper, below zero: ``s`` must be > 0, the quotes are
        the model's.

    Raises
    ------
    InvalidParameters
        ``s`` or ``q`` not finite, or ``t`` outside ``[0, T]`` (or not finite).
    NumericalInstability
        A bid not below the ask in float64 (a spread lost to the price's rounding at an extreme
        ``gamma`` or inventory), or an overflow.

    Examples
    --------
    Three units long a quarter of the way into the paper's session: both quotes shift down by
    ``q gamma sigma^2 (T - t) = 0.9``, to sell the inventory.

    >>> p = ASParams(gamma=0.1, sigma=2.0, k=1.5, A=140.0, T=1.0)
    >>> bid, ask = optimal_quotes(s=100.0, q=3, t=0.25, params=p)
    >>> round(float(bid), 4), round(float(ask), 4)
    (98.3046, 99.8954)
    >>> round(float(ask - bid), 4) == round(float(optimal_spread(0.25, p)), 4)
    True
    """
    s_arr = check_array("s", s, dtype=np.float64, cast=True)
    if not np.all(s_arr > 0):
        raise InvalidParameters(f"s (the mid price) must be > 0, got {s!r}")
    r = reservation_price(s, q, t, params)
    half = 0.5 * optimal_spread(t, params)
    with np.errstate(over="ignore", invalid="ignore"):
        bid, ask = _finite("quotes", r - half, r + half)
    if not np.all(bid < ask):
        raise NumericalInstability(
            f"the Avellaneda–Stoikov bid and ask coincide in float64 (s={s!r}, q={q!r}, "
            f"gamma={params.gamma!r}): the spread is below the price's rounding"
        )
    return bid, ask


def optimal_depths(
    q: ArrayLike, t: ArrayLike, params: ASParams
) -> tuple[Float64Array | np.float64, Float64Array | np.float64]:
    """Bid and ask depths from the mid, ``(delta_b, delta_a)``, for inventory ``q`` at time ``t``.

    Either may be negative (a quote through the mid at a large inventory); their sum, the spread,
    is positive or the call raises ``NumericalInstability``."""
    q = check_all_finite("q", check_array("q", q, dtype=np.float64, cast=True))
    tau = _time_left(_check(params), t)
    g = params.gamma
    with np.errstate(over="ignore", invalid="ignore"):
        risk = 0.5 * g * params.sigma**2 * tau
        base = np.log1p(g / params.k) / g
        bid, ask = _finite("depths", (1.0 + 2.0 * q) * risk + base, (1.0 - 2.0 * q) * risk + base)
    if not np.all(bid + ask > 0):
        raise NumericalInstability(
            f"the Avellaneda–Stoikov depths cross (bid + ask depth <= 0) for q={q!r}, "
            f"gamma={params.gamma!r}: the spread is lost to rounding"
        )
    return bid, ask


def arrival_intensity(delta: ArrayLike, params: ASParams) -> Float64Array | np.float64:
    """Poisson intensity ``A exp(-k delta)`` of market orders reaching a quote at depth ``delta``
    (``+inf``: no quote, intensity 0; a depth so negative that the intensity overflows is refused)."""
    d = check_array("delta", delta, dtype=np.float64, cast=True)
    if np.any(np.isnan(d)) or np.any(np.isneginf(d)):
        raise InvalidParameters(f"delta must not be NaN or -inf, got {delta!r}")
    with np.errstate(over="ignore"):
        return _finite("arrival intensity", _check(params).A * np.exp(-params.k * d))


def _depth_grid(xp, gammas, sig2, ks, tau, q):
    """(n_sets, n_t, n_q) bid and ask depths; every argument already an array of namespace ``xp``."""
    g = gammas[:, None, None]
    risk = 0.5 * g * sig2[:, None, None] * tau[None, :, None]
    base = xp.log1p(g / ks[:, None, None]) / g
    qq = q[None, None, :]
    return (1.0 + 2.0 * qq) * risk + base, (1.0 - 2.0 * qq) * risk + base


def quote_surfaces(
    params: ASParams,
    taus: np.ndarray,
    q_min: int,
    q_max: int,
    *,
    backend: str | None = None,
) -> list[QuoteSurface]:
    """Avellaneda–Stoikov quote surfaces for every parameter set of ``params`` in one batched computation.

    Parameters
    ----------
    params : ASParams
        One surface per parameter set.
    taus : float array (n_t,)
        Strictly increasing times to the horizon, each in [0, T] of every set (time units of ``T``).
    q_min, q_max : int
        Inventory range (lots), q_min <= q_max.
    backend : str, optional
        ``numpy``, ``numba``, ``jax``, ``cupy`` or ``auto``: where the depths of eqs. (29)–(30) are
        evaluated (the numpy expression on the backend's array namespace; ``numba`` runs numpy, a
        closed form has nothing to compile).

    Returns
    -------
    list of QuoteSurface (n_sets,), with depths of shape (n_t, n_q).

    Raises
    ------
    InvalidParameters
        For a time grid outside [0, T] or not strictly increasing, an empty inventory range or an
        unknown backend.
    TypeError
        If ``params`` is not an :class:`ASParams`.
    NumericalInstability
        If the depths overflow.

    Examples
    --------
    Two risk aversions on one grid; at q = 0 the depths are symmetric and, at the horizon, equal to
    ``ln(1 + gamma/k) / gamma``:

    >>> import numpy as np
    >>> from quantforge.models.avellaneda_stoikov import ASParams, quote_surfaces
    >>> params = ASParams(gamma=[0.1, 1.0], sigma=2.0, k=1.5, A=140.0, T=1.0)
    >>> low, high = quote_surfaces(params, np.array([0.0, 0.5, 1.0]), -2, 2)
    >>> low.bid_depth.shape
    (3, 5)
    >>> print(f"{low.bid_depth[0, 2]:.6f} {np.log1p(0.1 / 1.5) / 0.1:.6f}")
    0.645385 0.645385
    >>> bool(np.all(high.bid_depth[:, 2] == high.ask_depth[:, 2]))
    True
    """
    if not isinstance(params, ASParams):
        raise TypeError(f"params must be an ASParams, got {type(params).__name__}")
    q_min = check_int("q_min", q_min)
    q_max = check_int("q_max", q_max)
    if q_max < q_min:
        raise InvalidParameters(f"q_max must be >= q_min, got q_min={q_min}, q_max={q_max}")
    n_q = q_max - q_min + 1
    check_memory("q_max", q_max, 8.0 * 4 * params.n_sets * np.size(taus) * n_q, f"{n_q} inventories")
    tau = np.ascontiguousarray(check_array("taus", taus, dtype=np.float64, cast=True))
    t_max = float(np.min(params.T))
    if tau.ndim != 1 or tau.size == 0 or not np.all(np.isfinite(tau)) or tau.min() < 0 or tau.max() > t_max:
        raise InvalidParameters(f"taus must be a finite 1-D array within [0, {t_max}]")
    if np.any(np.diff(tau) <= 0):
        i = int(np.argmax(np.diff(tau) <= 0))
        raise InvalidParameters(
            f"taus must be strictly increasing; taus[{i}] = {float(tau[i])!r} >= taus[{i + 1}] = {float(tau[i + 1])!r}"
        )
    cols = params.columns()
    q = np.arange(q_min, q_max + 1, dtype=np.float64)
    be = get_backend(backend)
    with be.x64():
        args = (be.asarray(a) for a in (cols["gamma"], cols["sigma"] ** 2, cols["k"], tau, q))
        bid, ask = (be.to_host(a) for a in _depth_grid(be.xp, *args))
    if not (np.all(np.isfinite(bid)) and np.all(np.isfinite(ask))):
        raise NumericalInstability("Avellaneda–Stoikov depths overflowed for these parameters")
    if not np.all(bid + ask > 0):
        raise NumericalInstability(
            "Avellaneda–Stoikov depths cross (bid + ask depth <= 0): the spread of an extreme gamma is lost to rounding"
        )
    return build_surfaces(
        model="avellaneda-stoikov",
        params=params.sets(),
        time_to_horizon_s=tau,
        inventory_lots=np.arange(q_min, q_max + 1, dtype=np.int64),
        bid_depth=bid,
        ask_depth=ask,
        units={"time": "model time units (T)", "depth": "price", "inventory": "lots"},
    )
