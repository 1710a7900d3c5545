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

Units: prices in currency, ``sigma`` in currency per sqrt(time unit), ``A`` in orders per time unit,
``k`` per currency unit, times in the same unit as ``T`` (the paper uses T = 1).

Reference: M. Avellaneda and S. Stoikov, "High-frequency trading in a limit order book",
Quantitative Finance 8(3):217–224, 2008.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameters, NumericalInstability, check_int, check_nonnegative, check_positive
from ..kernels.backend import resolve_backend
from .surface import QuoteSurface

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


@dataclass(frozen=True)
class ASParams:
    """Validated Avellaneda–Stoikov parameters.

    Parameters
    ----------
    gamma : float
        Risk aversion, > 0 (per currency unit).
    sigma : float
        Volatility of the mid, >= 0 (currency per sqrt time unit).
    k : float
        Decay of the fill intensity with depth, > 0 (per currency unit).
    A : float
        Fill intensity at zero depth, > 0 (orders per time unit).
    T : float
        Horizon, > 0 (time units).
    """

    gamma: float
    sigma: float
    k: float
    A: float = 140.0
    T: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "gamma", check_positive("gamma", self.gamma))
        object.__setattr__(self, "sigma", check_nonnegative("sigma", self.sigma))
        object.__setattr__(self, "k", check_positive("k", self.k))
        object.__setattr__(self, "A", check_positive("A", self.A))
        object.__setattr__(self, "T", check_positive("T", self.T))

    def as_dict(self) -> dict:
        return {"gamma": self.gamma, "sigma": self.sigma, "k": self.k, "A": self.A, "T": self.T}


# The experiment of section 4 of the paper.
PAPER_SECTION4 = {"s0": 100.0, "T": 1.0, "sigma": 2.0, "dt": 0.005, "q0": 0, "k": 1.5, "A": 140.0, "gammas": (0.1, 0.01, 1.0)}


def _time_left(p: ASParams, t) -> np.ndarray:
    t = np.asarray(t, dtype=np.float64)
    if not np.all(np.isfinite(t)) or np.any(t < 0) or np.any(t > p.T):
        raise InvalidParameters(f"t must lie in [0, T={p.T}], got {t!r}")
    return p.T - t


def reservation_price(s, q, t, params: ASParams):
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
    """
    s = np.asarray(s, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(q))):
        raise InvalidParameters("s and q must be finite")
    return s - q * params.gamma * params.sigma**2 * _time_left(params, t)


def optimal_spread(t, params: ASParams):
    """Total optimal spread ``gamma sigma^2 (T - t) + (2/gamma) ln(1 + gamma/k)``, eq. (30)."""
    g = params.gamma
    return g * params.sigma**2 * _time_left(params, t) + (2.0 / g) * math.log1p(g / params.k)


def optimal_quotes(s, q, t, params: ASParams):
    """Bid and ask prices: the reservation price minus/plus half the optimal spread."""
    r = reservation_price(s, q, t, params)
    half = 0.5 * optimal_spread(t, params)
    return r - half, r + half


def optimal_depths(q, t, params: ASParams):
    """Bid and ask depths from the mid, ``(delta_b, delta_a)``, for inventory ``q`` at time ``t``."""
    q = np.asarray(q, dtype=np.float64)
    if not np.all(np.isfinite(q)):
        raise InvalidParameters("q must be finite")
    tau = _time_left(params, t)
    g = params.gamma
    risk = 0.5 * g * params.sigma**2 * tau
    base = math.log1p(g / params.k) / g
    return (1.0 + 2.0 * q) * risk + base, (1.0 - 2.0 * q) * risk + base


def arrival_intensity(delta, params: ASParams):
    """Poisson intensity ``A exp(-k delta)`` of market orders reaching a quote at depth ``delta``."""
    d = np.asarray(delta, dtype=np.float64)
    if np.any(np.isnan(d)):
        raise InvalidParameters("delta must not be NaN")
    return params.A * np.exp(-params.k * d)


def _depth_grid(xp, gammas, sig2, ks, tau, q):
    """(n_sets, n_t, n_q) bid and ask depths; every argument already on the backend."""
    g = gammas[:, None, None]
    risk = 0.5 * g * sig2[:, None, None] * tau[None, :, None]
    base = xp.log1p(g / ks[:, None, None]) / g
    qq = q[None, None, :]
    return (1.0 + 2.0 * qq) * risk + base, (1.0 - 2.0 * qq) * risk + base


@functools.cache
def _jax_depth_grid():
    """The depth grid jitted once per process (jax traces again only for new shapes)."""
    import jax
    import jax.numpy as jnp

    return jax.jit(lambda *a: _depth_grid(jnp, *a))


def quote_surfaces(
    params: ASParams | list[ASParams],
    time_to_horizon: np.ndarray,
    q_min: int,
    q_max: int,
    *,
    backend: str | None = None,
) -> list[QuoteSurface]:
    """Avellaneda–Stoikov quote surfaces for many parameter sets in one batched computation.

    Parameters
    ----------
    params : ASParams or list of ASParams
        One surface per parameter set.
    time_to_horizon : array (n_t,)
        Strictly increasing times to the horizon, each in [0, T] of every set (time units of ``T``).
    q_min, q_max : int
        Inventory range (lots), q_min <= q_max.
    backend : str, optional
        ``numpy``, ``numba``, ``jax``, ``cupy`` or ``auto``.

    Returns
    -------
    list of QuoteSurface, with depths of shape (n_t, n_q).

    Raises
    ------
    InvalidParameters
        For a time grid outside [0, T] or not strictly increasing, or an empty inventory range.

    Examples
    --------
    Two risk aversions on one grid; at q = 0 the depths are symmetric and, at the horizon, equal to
    ``ln(1 + gamma/k) / gamma``:

    >>> import numpy as np
    >>> from quantforge.models.avellaneda_stoikov import ASParams, quote_surfaces
    >>> sets = [ASParams(gamma=g, sigma=2.0, k=1.5, A=140.0, T=1.0) for g in (0.1, 1.0)]
    >>> low, high = quote_surfaces(sets, np.array([0.0, 0.5, 1.0]), -2, 2)
    >>> low.bid_depth.shape
    (3, 5)
    >>> print(f"{low.bid_depth[0, 2]:.6f} {np.log1p(0.1 / 1.5) / 0.1:.6f}")
    0.645385 0.645385
    >>> bool(np.all(high.bid_depth[:, 2] == high.ask_depth[:, 2]))
    True
    """
    plist = [params] if isinstance(params, ASParams) else list(params)
    if not plist or not all(isinstance(p, ASParams) for p in plist):
        raise InvalidParameters("params must be an ASParams or a non-empty list of ASParams")
    q_min = check_int("q_min", q_min)
    q_max = check_int("q_max", q_max)
    if q_max < q_min:
        raise InvalidParameters(f"q_max must be >= q_min, got q_min={q_min}, q_max={q_max}")
    tau = np.ascontiguousarray(time_to_horizon, dtype=np.float64)
    t_max = min(p.T for p in plist)
    if tau.ndim != 1 or tau.size == 0 or not np.all(np.isfinite(tau)) or tau.min() < 0 or tau.max() > t_max:
        raise InvalidParameters(f"time_to_horizon must be a finite 1-D array within [0, {t_max}]")
    if np.any(np.diff(tau) <= 0):
        i = int(np.argmax(np.diff(tau) <= 0))
        raise InvalidParameters(
            f"time_to_horizon must be strictly increasing; time_to_horizon[{i}] = {float(tau[i])!r} >= "
            f"time_to_horizon[{i + 1}] = {float(tau[i + 1])!r}"
        )
    gammas = np.array([p.gamma for p in plist])
    sig2 = np.array([p.sigma**2 for p in plist])
    ks = np.array([p.k for p in plist])
    q = np.arange(q_min, q_max + 1, dtype=np.float64)
    name = resolve_backend(backend)
    if name == "jax":
        import jax
        import jax.numpy as jnp

        with jax.enable_x64(True):
            bid, ask = _jax_depth_grid()(gammas, sig2, ks, tau, q)
            bid, ask = np.asarray(bid), np.asarray(ask)
    elif name == "cupy":
        import cupy

        bid, ask = _depth_grid(cupy, *(cupy.asarray(a) for a in (gammas, sig2, ks, tau, q)))
        bid, ask = bid.get(), ask.get()
    else:  # numpy and numba: a closed form is one fused numpy expression; nothing to compile
        bid, ask = _depth_grid(np, gammas, sig2, ks, tau, q)
    if not (np.all(np.isfinite(bid)) and np.all(np.isfinite(ask))):
        raise NumericalInstability("Avellaneda–Stoikov depths overflowed for these parameters")
    inv = np.arange(q_min, q_max + 1, dtype=np.int64)
    return [
        QuoteSurface(
            model="avellaneda-stoikov",
            params=p.as_dict(),
            time_to_horizon_s=tau,
            inventory_lots=inv,
            bid_depth=bid[i],
            ask_depth=ask[i],
            units={"time": "model time units (T)", "depth": "price", "inventory": "lots"},
        )
        for i, p in enumerate(plist)
    ]
