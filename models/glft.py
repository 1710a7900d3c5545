"""Guéant–Lehalle–Fernandez-Tapia market making: exact quotes from a linear ODE, and closed forms.

A market maker quotes a bid and an ask around a mid price ``dS = mu dt + sigma dW`` and is filled
at rates ``A exp(-k delta)``; with inventory confined to ``-Q..Q`` the value function reduces to a
linear system of ODEs whose solution gives the optimal depths exactly, and whose large-horizon limit
gives closed-form quotes.

Model (Guéant 2017 form, trades of size ``Delta``, inventory ``q = n Delta`` with ``n = -N..N``).
``xi`` selects the objective: ``xi = gamma`` is the CARA utility of GLFT (2013), ``xi = 0`` the
risk-neutral objective with running penalty ``gamma sigma^2 q^2 / 2``.  Optionally each fill moves
the mid against the market maker by ``adverse_selection`` (price units).  Writing the value as
``theta(t, q) + adverse_selection q^2 / (2 Delta)`` and ``theta = (Delta / k) ln v``,

    dv_n/dtau = -k (gamma sigma^2 Delta n^2 / 2 - mu n) v_n + eta (v_{n-1} + v_{n+1}),          (1)
    eta = A C_xi exp(-k adverse_selection / 2),
    C_xi = (1 + xi Delta / k)^{-(1 + k / (xi Delta))}   (C_0 = e^{-1}),
    v_n(0) = exp(-k adverse_selection n^2 / 2),

(GLFT 2013 §3 for ``Delta = 1, xi = gamma``, where (1) is ``v' = M v`` with ``alpha = k gamma sigma^2/2``
on the diagonal and ``-eta`` off it), and the optimal depths are

    delta_b(n) = (1/k) ln(v_n / v_{n+1}) + c_xi + adverse_selection / 2,                         (2)
    delta_a(n) = (1/k) ln(v_n / v_{n-1}) + c_xi + adverse_selection / 2,
    c_xi = ln(1 + xi Delta / k) / (xi Delta)   (c_0 = 1 / k),

with no bid at ``n = N`` and no ask at ``n = -N``.  As ``tau -> infinity`` a quadratic approximation
of the Hamiltonian (Guéant 2017, §5; GLFT 2013, §4) gives

    delta_b ~ c_xi + adverse_selection/2 + omega ((2q + Delta)/2 - mu / (gamma sigma^2)),       (3)
    delta_a ~ c_xi + adverse_selection/2 + omega (mu / (gamma sigma^2) - (2q - Delta)/2),
    omega = sqrt(gamma sigma^2 / (2 A Delta k C_xi exp(-k adverse_selection / 2))),

that is a half spread ``c_xi + adverse_selection/2 + omega Delta / 2`` and a skew ``omega`` per unit
of inventory.  Derivation of the adverse-selection terms: a bid fill pays ``Delta (s - delta_b)`` and
moves the mark ``q s`` to ``(q + Delta)(s - xi_a)``; the quadratic shift of ``theta`` absorbs the
inventory-dependent part and leaves ``xi_a / 2`` per side (a round trip loses ``xi_a``).

Parameters are a :class:`GLFTParams`, one set or a batch (:mod:`quantforge.models.parameters`);
every function here returns a leading ``n_sets`` axis exactly when the parameters are batched.

Time is in the unit of the rates (``A`` per unit time, ``sigma`` per square-root unit); depths are
in price units.

References
----------
O. Guéant, C.-A. Lehalle, J. Fernandez-Tapia (2013), "Dealing with the inventory risk: a solution to
the market making problem", Math. Financ. Econ. 7:477–507.
O. Guéant (2017), "Optimal market making", Appl. Math. Finance 24(2):112–154.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._typing import ArrayLike, Float64Array
from ..errors import InvalidParameters, NumericalInstability, check_array, check_int, check_memory
from ..kernels.hjb import log_v_gaps, solve_linear_hjb
from .parameters import ModelParams, squeeze_sets
from .surface import QuoteSurface, build_surfaces

__all__ = [
    "GLFTParams",
    "glft_intensity_constants",
    "glft_asymptotic_depths",
    "glft_half_spread_skew",
    "glft_exact_depths",
    "quote_surfaces",
]


@dataclass(frozen=True, kw_only=True, eq=False)
class GLFTParams(ModelParams):
    """Validated GLFT / Guéant (2017) parameters: one set, or a batch when any field is a 1-D array.

    Parameters
    ----------
    gamma : float or array (n_sets,)
        Risk aversion, > 0 (per price unit).
    sigma : float or array (n_sets,)
        Volatility of the mid, > 0 (price per sqrt time).
    A : float or array (n_sets,)
        Fill intensity at zero depth, > 0 (per unit time).
    k : float or array (n_sets,)
        Decay of the fill intensity with depth, > 0 (per price unit).
    mu : float or array (n_sets,)
        Drift of the mid (price per unit time).
    xi : float or array (n_sets,), optional
        Guéant's ``xi`` (>= 0); ``None`` means ``xi = gamma`` (the CARA case of GLFT 2013) and is
        stored as that value.
    delta : float or array (n_sets,)
        Trade size ``Delta`` in shares, > 0.
    adverse_selection : float or array (n_sets,)
        Mid move against the market maker after each fill, >= 0 (price units).

    Raises
    ------
    InvalidParameters
        A NaN, infinite or out-of-domain value, or arrays whose lengths do not broadcast; the
        message names the field and the value.
    TypeError
        A value that is not a real number.

    Examples
    --------
    >>> GLFTParams(gamma=0.1, sigma=2.0, A=140.0, k=1.5).xi   # xi defaults to gamma
    0.1
    """

    DOMAIN = {
        "gamma": "> 0",
        "sigma": "> 0",
        "A": "> 0",
        "k": "> 0",
        "mu": "real",
        "xi": ">= 0",
        "delta": "> 0",
        "adverse_selection": ">= 0",
    }

    gamma: float | np.ndarray
    sigma: float | np.ndarray
    A: float | np.ndarray
    k: float | np.ndarray
    mu: float | np.ndarray = 0.0
    xi: float | np.ndarray | None = None
    delta: float | np.ndarray = 1.0
    adverse_selection: float | np.ndarray = 0.0

    def __post_init__(self) -> None:
        if self.xi is None:
            object.__setattr__(self, "xi", self.gamma)
        super().__post_init__()


def _check(params) -> GLFTParams:
    if not isinstance(params, GLFTParams):
        raise TypeError(f"params must be a GLFTParams, got {type(params).__name__}")
    return params


def _constants(p: dict) -> tuple[np.ndarray, np.ndarray]:
    """``(c_xi, C_xi)`` from the columns ``p`` (arrays ``(n_sets,)``)."""
    x = p["xi"] * p["delta"]
    k_ = p["k"]
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(x > 0, np.log1p(x / k_) / np.where(x > 0, x, 1.0), 1.0 / k_)
        big_c = np.where(x > 0, np.exp(-(1.0 + k_ / np.where(x > 0, x, 1.0)) * np.log1p(x / k_)), math.exp(-1.0))
    return c, big_c


def _half_spread_skew(p: dict) -> tuple[np.ndarray, np.ndarray]:
    c, big_c = _constants(p)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        eff = big_c * np.exp(-p["k"] * p["adverse_selection"] / 2.0)
        omega = np.sqrt(p["gamma"] * p["sigma"] ** 2 / (2.0 * p["A"] * p["delta"] * p["k"] * eff))
        half = c + p["adverse_selection"] / 2.0 + omega * p["delta"] / 2.0
    # a large adverse-selection term drives the effective fill rate A C e^{-k xi_a / 2} to zero and the
    # skew to infinity: no finite quote, as the exact solver finds (its value function underflows)
    bad = ~(np.isfinite(half) & np.isfinite(omega) & (eff > 0))
    if bad.any():
        i = int(np.argmax(bad))
        raise NumericalInstability(
            f"the GLFT closed form has no finite quotes for parameter set {i}: the effective fill rate "
            f"A C e^(-k adverse_selection / 2) = {float(p['A'][i] * eff[i]) if np.isfinite(eff[i]) else eff[i]!r} "
            f"(A={float(p['A'][i])!r}, k={float(p['k'][i])!r}, adverse_selection={float(p['adverse_selection'][i])!r})"
        )
    return half, omega


def glft_intensity_constants(params: GLFTParams) -> tuple:
    """``(c_xi, C_xi)`` of (1)–(2): the myopic depth (price units) and the Hamiltonian constant.

    Returns
    -------
    c_xi, C_xi : floats, or arrays (n_sets,) for a batch

    Raises
    ------
    TypeError
        If ``params`` is not a :class:`GLFTParams`.

    Examples
    --------
    >>> c, big_c = glft_intensity_constants(GLFTParams(gamma=0.1, sigma=2.0, A=140.0, k=1.5, xi=0.0))
    >>> round(float(c), 6), round(float(big_c), 6)   # risk-neutral limit: 1/k and e^-1
    (0.666667, 0.367879)
    """
    return squeeze_sets(_check(params).batched, *_constants(params.columns()))


def glft_half_spread_skew(params: GLFTParams) -> tuple:
    """Closed-form half spread and skew of (3), batched over parameter sets.

    Returns
    -------
    half_spread : float or array (n_sets,)
        ``(delta_b + delta_a) / 2`` in price units, independent of the inventory.
    skew : float or array (n_sets,)
        ``omega``: how much each depth moves per unit of inventory (price per share).

    Raises
    ------
    TypeError
        If ``params`` is not a :class:`GLFTParams`.

    Examples
    --------
    >>> half, omega = glft_half_spread_skew(GLFTParams(gamma=0.1, sigma=2.0, A=140.0, k=1.5))   # the A–S market
    >>> bool(half > 0 and omega > 0)
    True
    """
    return squeeze_sets(_check(params).batched, *_half_spread_skew(params.columns()))


def glft_asymptotic_depths(
    inventory: ArrayLike, params: GLFTParams
) -> tuple[Float64Array | np.float64, Float64Array | np.float64]:
    """Closed-form asymptotic bid and ask depths (3) at inventories ``inventory`` (shares).

    Parameters
    ----------
    inventory : array_like
        Inventories ``q`` in shares (multiples of ``delta``).
    params : GLFTParams

    Returns
    -------
    bid_depth, ask_depth : arrays ``([n_sets,] *inventory.shape)``
        Price units; the leading axis when ``params`` is batched.  May be negative far from zero
        inventory (an aggressive quote), as in the paper.

    Raises
    ------
    InvalidParameters
        Non-finite inventories.
    TypeError
        If ``params`` is not a :class:`GLFTParams`.

    Examples
    --------
    >>> bid, ask = glft_asymptotic_depths([0.0, 1.0], GLFTParams(gamma=0.1, sigma=2.0, A=140.0, k=1.5, mu=[0.0, 0.3]))
    >>> bid.shape
    (2, 2)
    """
    p = _check(params).columns()
    half, omega = _half_spread_skew(p)
    q = check_array("inventory", inventory, dtype=np.float64, cast=True)
    if not np.all(np.isfinite(q)):
        raise InvalidParameters(f"inventory must be finite, got {q!r}")
    centre = p["mu"] / (p["gamma"] * p["sigma"] ** 2)
    if not params.batched:
        half, omega, centre = half[0], omega[0], centre[0]
    else:
        extra = (1,) * q.ndim
        half, omega, centre = (a.reshape(a.shape + extra) for a in (half, omega, centre))
    with np.errstate(over="ignore", invalid="ignore"):
        shift = omega * (q - centre)
        bid, ask = half + shift, half - shift
    # the spread bid + ask = 2 half is lost to rounding when the skew dwarfs it: no meaningful quote
    if not (np.all(np.isfinite(bid)) and np.all(np.isfinite(ask)) and np.all(bid + ask > 0)):
        raise NumericalInstability(
            f"the GLFT asymptotic depths at inventory {inventory!r} lose their spread to "
            "rounding (the inventory skew overwhelms the half spread)"
        )
    return bid, ask


def glft_exact_depths(
    params: GLFTParams, taus: ArrayLike, q_max: int, *, backend: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Exact optimal depths (2) on a time × inventory grid, batched over parameter sets.

    Parameters
    ----------
    params : GLFTParams
    taus : float array (n_t,)
        Times to the horizon ``T - t``, non-negative, strictly increasing (unit of the rates).
    q_max : int
        Inventory bound ``N`` in lots: inventories ``-N..N`` (``n`` lots of ``delta`` shares).
    backend : {"numpy", "numba", "auto"}, optional
        Where the linear system (1) is solved (:func:`quantforge.kernels.hjb.solve_linear_hjb`).

    Returns
    -------
    bid_depth, ask_depth : float64 arrays ``([n_sets,] n_t, 2 N + 1)``
        Price units; ``+inf`` for the bid at ``+N`` and the ask at ``-N``; the leading axis when
        ``params`` is batched.

    Raises
    ------
    InvalidParameters
        Bad grids.
    TypeError
        If ``params`` is not a :class:`GLFTParams`, or ``q_max`` not an integer.
    NumericalInstability
        If the value function leaves the double range.

    Examples
    --------
    >>> import numpy as np
    >>> bid, ask = glft_exact_depths(GLFTParams(gamma=0.1, sigma=2.0, A=140.0, k=1.5), np.array([0.0, 1.0]), 2,
    ...                              backend="numpy")
    >>> bid.shape, bool(np.isinf(bid[-1, -1]))
    ((2, 5), True)
    """
    p = _check(params).columns()
    n_max = check_int("q_max", q_max, minimum=1)
    # the solver propagates with dense (2 q_max + 1)^2 matrices, a few per parameter set
    check_memory("q_max", q_max, 48.0 * params.n_sets * (2 * n_max + 1) ** 2, f"{2 * n_max + 1} inventories")
    c, big_c = _constants(p)
    n = np.arange(-n_max, n_max + 1, dtype=np.float64)
    kk = p["k"][:, None]
    diag = kk * (
        0.5 * p["gamma"][:, None] * p["sigma"][:, None] ** 2 * p["delta"][:, None] * n**2 - p["mu"][:, None] * n
    )
    eta = (p["A"] * big_c * np.exp(-p["k"] * p["adverse_selection"] / 2.0))[:, None] * np.ones_like(n)
    log_vt = -0.5 * kk * p["adverse_selection"][:, None] * n**2
    log_v = solve_linear_hjb(diag, eta, eta, log_vt, taus, backend=backend)
    down, up = log_v_gaps(log_v)
    base = (c + p["adverse_selection"] / 2.0)[:, None, None]
    bid = down / kk[:, :, None] + base
    ask = up / kk[:, :, None] + base
    if np.isnan(bid).any() or np.isnan(ask).any():
        raise NumericalInstability("GLFT depths are NaN")
    return squeeze_sets(params.batched, bid, ask)


def quote_surfaces(
    params: GLFTParams, taus: ArrayLike, q_max: int, *, backend: str | None = None
) -> list[QuoteSurface]:
    """One exact GLFT :class:`QuoteSurface` per parameter set from one batched solve (:func:`glft_exact_depths`).

    Parameters
    ----------
    params : GLFTParams
        One surface per parameter set.
    taus : float array (n_t,)
        Times to the horizon, non-negative, strictly increasing (unit of the rates).
    q_max : int
        Inventory bound in lots: the surfaces' inventory axis is ``-q_max..q_max``.
    backend : {"numpy", "numba", "auto"}, optional
        As :func:`glft_exact_depths`.

    Returns
    -------
    list of QuoteSurface (n_sets,)
        Depths (n_t, 2 q_max + 1) in price units; each stores its set's parameters and ``q_max``.

    Raises
    ------
    InvalidParameters, TypeError, NumericalInstability
        As :func:`glft_exact_depths`.

    Examples
    --------
    >>> import numpy as np
    >>> surfs = quote_surfaces(GLFTParams(gamma=[0.05, 0.1], sigma=2.0, A=140.0, k=1.5), np.linspace(0.0, 1.0, 11), 5)
    >>> [s.params["gamma"] for s in surfs], surfs[0].bid_depth.shape
    ([0.05, 0.1], (11, 11))
    """
    bid, ask = glft_exact_depths(params, taus, q_max, backend=backend)
    if not params.batched:
        bid, ask = bid[None], ask[None]
    return build_surfaces(
        model="glft",
        params=[s | {"q_max": int(q_max)} for s in params.sets()],
        time_to_horizon_s=taus,
        inventory_lots=np.arange(-q_max, q_max + 1, dtype=np.int64),
        bid_depth=bid,
        ask_depth=ask,
    )
