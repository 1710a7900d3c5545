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

import numpy as np

from ..errors import InvalidParameters, NumericalInstability, check_array, check_int
from ..kernels.hjb import log_v_gaps, solve_linear_hjb
from .surface import QuoteSurface

__all__ = [
    "glft_intensity_constants",
    "glft_asymptotic_depths",
    "glft_half_spread_skew",
    "glft_exact_depths",
    "glft_surfaces",
    "glft_quote_surface",
]


def _params(n_min_positive: dict, n_free: dict, n_nonneg: dict) -> tuple[dict, int]:
    """Validate scalar-or-1-D parameters and broadcast them to a common batch length."""
    arrays = {}
    for group, rule in ((n_min_positive, "> 0"), (n_free, None), (n_nonneg, ">= 0")):
        for name, value in group.items():
            a = check_array(name, value, dtype=np.float64, cast=True)
            if a.ndim > 1:
                raise InvalidParameters(f"{name} must be a scalar or a 1-D array of parameter sets, got shape {a.shape}")
            if not np.all(np.isfinite(a)):
                raise InvalidParameters(f"{name} must be finite, got {a!r}")
            if rule == "> 0" and np.any(a <= 0):
                raise InvalidParameters(f"{name} must be > 0, got {a!r}")
            if rule == ">= 0" and np.any(a < 0):
                raise InvalidParameters(f"{name} must be >= 0, got {a!r}")
            arrays[name] = np.atleast_1d(a)
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        sizes = {k: v.size for k, v in arrays.items()}
        raise InvalidParameters(f"parameter arrays must have one common length (or be scalars), got {sizes}") from None
    return {k: np.broadcast_to(v, shape).astype(np.float64) for k, v in arrays.items()}, shape[0]


def _resolve_xi(xi, gamma):
    return gamma if xi is None else xi


def glft_intensity_constants(gamma, k, *, xi=None, delta=1.0) -> tuple[np.ndarray, np.ndarray]:
    """``(c_xi, C_xi)`` of (1)–(2): the myopic depth and the Hamiltonian constant (``xi=None``: gamma).

    Raises
    ------
    InvalidParameters
        Non-positive ``gamma``, ``k`` or ``delta``, negative ``xi``, arrays of different lengths.

    Examples
    --------
    >>> c, big_c = glft_intensity_constants(0.1, 1.5, xi=0.0)   # risk-neutral limit: 1/k and e^-1
    >>> round(float(c[0]), 6), round(float(big_c[0]), 6)
    (0.666667, 0.367879)
    """
    p, _ = _params({"gamma": gamma, "k": k, "delta": delta}, {}, {"xi": _resolve_xi(xi, gamma)})
    x = p["xi"] * p["delta"]
    k_ = p["k"]
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(x > 0, np.log1p(x / k_) / np.where(x > 0, x, 1.0), 1.0 / k_)
        big_c = np.where(x > 0, np.exp(-(1.0 + k_ / np.where(x > 0, x, 1.0)) * np.log1p(x / k_)), math.exp(-1.0))
    return c, big_c


def glft_half_spread_skew(gamma, sigma, A, k, *, xi=None, delta=1.0, adverse_selection=0.0):
    """Closed-form half spread and skew of (3), batched over parameter sets.

    Returns
    -------
    half_spread : array (n_sets,)
        ``(delta_b + delta_a) / 2`` in price units, independent of the inventory.
    skew : array (n_sets,)
        ``omega``: how much each depth moves per unit of inventory (price per share).

    Raises
    ------
    InvalidParameters
        Non-positive or non-finite parameters, arrays of different lengths.

    Examples
    --------
    >>> half, omega = glft_half_spread_skew(0.1, 2.0, 140.0, 1.5)   # the Avellaneda–Stoikov market
    >>> bool(half[0] > 0 and omega[0] > 0)
    True
    """
    p, _ = _params(
        {"gamma": gamma, "sigma": sigma, "A": A, "k": k, "delta": delta},
        {},
        {"xi": _resolve_xi(xi, gamma), "adverse_selection": adverse_selection},
    )
    c, big_c = glft_intensity_constants(p["gamma"], p["k"], xi=p["xi"], delta=p["delta"])
    eff = big_c * np.exp(-p["k"] * p["adverse_selection"] / 2.0)
    omega = np.sqrt(p["gamma"] * p["sigma"] ** 2 / (2.0 * p["A"] * p["delta"] * p["k"] * eff))
    return c + p["adverse_selection"] / 2.0 + omega * p["delta"] / 2.0, omega


def glft_asymptotic_depths(inventory, gamma, sigma, A, k, *, mu=0.0, xi=None, delta=1.0, adverse_selection=0.0):
    """Closed-form asymptotic bid and ask depths (3) at inventories ``inventory`` (shares).

    Parameters
    ----------
    inventory : array_like
        Inventories ``q`` in shares (multiples of ``delta``).
    gamma, sigma, A, k : float or array (n_sets,)
        Risk aversion (per price unit), volatility (price per sqrt time), intensity scale (per unit
        time), intensity decay (per price unit); all > 0.
    mu : float or array (n_sets,)
        Drift of the mid (price per unit time).
    xi : float or array (n_sets,), optional
        Guéant's ``xi`` (>= 0); ``None`` means ``xi = gamma`` (the CARA case of GLFT 2013).
    delta : float or array (n_sets,)
        Trade size ``Delta`` in shares (> 0).
    adverse_selection : float or array (n_sets,)
        Mid move against the market maker after each fill (price units, >= 0).

    Returns
    -------
    bid_depth, ask_depth : arrays
        Shape ``inventory.shape`` when every parameter is a scalar (or of length 1), else
        ``(n_sets,) + inventory.shape`` with ``n_sets`` the common length of all the parameters
        (scalars broadcast).  May be negative far from zero inventory (an aggressive quote), as in the paper.

    Raises
    ------
    InvalidParameters
        Non-finite or out-of-domain parameters, parameter arrays of different lengths, non-finite inventories.

    Examples
    --------
    >>> bid, ask = glft_asymptotic_depths([0.0, 1.0], 0.1, 2.0, 140.0, 1.5, mu=[0.0, 0.3])
    >>> bid.shape
    (2, 2)
    """
    p, n_sets = _params(
        {"gamma": gamma, "sigma": sigma, "A": A, "k": k, "delta": delta},
        {"mu": mu},
        {"xi": _resolve_xi(xi, gamma), "adverse_selection": adverse_selection},
    )
    half, omega = glft_half_spread_skew(
        p["gamma"], p["sigma"], p["A"], p["k"], xi=p["xi"], delta=p["delta"], adverse_selection=p["adverse_selection"]
    )
    q = check_array("inventory", inventory, dtype=np.float64, cast=True)
    if not np.all(np.isfinite(q)):
        raise InvalidParameters(f"inventory must be finite, got {q!r}")
    centre = p["mu"] / (p["gamma"] * p["sigma"] ** 2)
    if n_sets == 1:
        half, omega, centre = half[0], omega[0], centre[0]
    else:
        extra = (1,) * q.ndim
        half, omega, centre = (a.reshape(a.shape + extra) for a in (half, omega, centre))
    shift = omega * (q - centre)
    return half + shift, half - shift


def glft_exact_depths(
    time_to_horizon,
    q_max: int,
    gamma,
    sigma,
    A,
    k,
    *,
    mu=0.0,
    xi=None,
    delta=1.0,
    adverse_selection=0.0,
    backend: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact optimal depths (2) on a time × inventory grid, batched over parameter sets.

    Parameters
    ----------
    time_to_horizon : float array (n_t,)
        Times to the horizon ``T - t``, non-negative, strictly increasing (unit of the rates).
    q_max : int
        Inventory bound ``N`` in lots: inventories ``-N..N`` (``n`` lots of ``delta`` shares).
    gamma, sigma, A, k, mu, xi, delta, adverse_selection : float or array (n_sets,)
        As in :func:`glft_asymptotic_depths`.
    backend : {"numpy", "numba", "auto"}, optional
        Where the linear system (1) is solved (:func:`quantforge.kernels.hjb.solve_linear_hjb`).

    Returns
    -------
    bid_depth, ask_depth : float64 arrays (n_sets, n_t, 2 N + 1)
        Price units; ``+inf`` for the bid at ``+N`` and the ask at ``-N``.

    Raises
    ------
    InvalidParameters
        Bad parameters or grids.
    NumericalInstability
        If the value function leaves the double range.

    Examples
    --------
    >>> import numpy as np
    >>> bid, ask = glft_exact_depths(np.array([0.0, 1.0]), 2, 0.1, 2.0, 140.0, 1.5, backend="numpy")
    >>> bid.shape, bool(np.isinf(bid[0, -1, -1]))
    ((1, 2, 5), True)
    """
    n_max = check_int("q_max", q_max, minimum=1)
    p, n_sets = _params(
        {"gamma": gamma, "sigma": sigma, "A": A, "k": k, "delta": delta},
        {"mu": mu},
        {"xi": _resolve_xi(xi, gamma), "adverse_selection": adverse_selection},
    )
    c, big_c = glft_intensity_constants(p["gamma"], p["k"], xi=p["xi"], delta=p["delta"])
    n = np.arange(-n_max, n_max + 1, dtype=np.float64)
    kk = p["k"][:, None]
    diag = kk * (0.5 * p["gamma"][:, None] * p["sigma"][:, None] ** 2 * p["delta"][:, None] * n**2 - p["mu"][:, None] * n)
    eta = (p["A"] * big_c * np.exp(-p["k"] * p["adverse_selection"] / 2.0))[:, None] * np.ones_like(n)
    log_vt = -0.5 * kk * p["adverse_selection"][:, None] * n**2
    log_v = solve_linear_hjb(diag, eta, eta, log_vt, time_to_horizon, backend=backend)
    down, up = log_v_gaps(log_v)
    base = (c + p["adverse_selection"] / 2.0)[:, None, None]
    bid = down / kk[:, :, None] + base
    ask = up / kk[:, :, None] + base
    if np.isnan(bid).any() or np.isnan(ask).any():
        raise NumericalInstability("GLFT depths are NaN")
    return bid, ask


def glft_surfaces(
    time_to_horizon_s,
    q_max: int,
    gamma,
    sigma,
    A,
    k,
    *,
    mu=0.0,
    xi=None,
    delta=1.0,
    adverse_selection=0.0,
    backend: str | None = None,
) -> list[QuoteSurface]:
    """One :class:`QuoteSurface` per parameter set from one batched exact solve (see :func:`glft_exact_depths`).

    The surfaces' inventory axis is in lots (``-q_max..q_max``), the time axis is ``time_to_horizon_s``
    and depths are in price units.

    Raises
    ------
    InvalidParameters, NumericalInstability
        As :func:`glft_exact_depths`.

    Examples
    --------
    >>> import numpy as np
    >>> surfs = glft_surfaces(np.linspace(0.0, 1.0, 11), 5, [0.05, 0.1], 2.0, 140.0, 1.5)
    >>> [s.params["gamma"] for s in surfs], surfs[0].bid_depth.shape
    ([0.05, 0.1], (11, 11))
    """
    bid, ask = glft_exact_depths(
        time_to_horizon_s, q_max, gamma, sigma, A, k, mu=mu, xi=xi, delta=delta,
        adverse_selection=adverse_selection, backend=backend,
    )
    p, n_sets = _params(
        {"gamma": gamma, "sigma": sigma, "A": A, "k": k, "delta": delta},
        {"mu": mu},
        {"xi": _resolve_xi(xi, gamma), "adverse_selection": adverse_selection},
    )
    inv = np.arange(-q_max, q_max + 1, dtype=np.int64)
    t = np.asarray(time_to_horizon_s, dtype=np.float64)
    return [
        QuoteSurface(
            model="glft",
            params={name: float(v[i]) for name, v in p.items()} | {"q_max": int(q_max)},
            time_to_horizon_s=t,
            inventory_lots=inv,
            bid_depth=bid[i],
            ask_depth=ask[i],
        )
        for i in range(n_sets)
    ]


def glft_quote_surface(
    time_to_horizon_s,
    q_max: int,
    *,
    gamma: float,
    sigma: float,
    A: float,
    k: float,
    mu: float = 0.0,
    xi: float | None = None,
    delta: float = 1.0,
    adverse_selection: float = 0.0,
    backend: str | None = None,
) -> QuoteSurface:
    """The exact GLFT :class:`QuoteSurface` of one parameter set (the demo's entry point).

    Examples
    --------
    >>> import numpy as np
    >>> s = glft_quote_surface(np.linspace(0.0, 1.0, 201), 10, gamma=0.1, sigma=2.0, A=140.0, k=1.5)
    >>> s.bid_depth.shape
    (201, 21)
    """
    for name, value in (("gamma", gamma), ("sigma", sigma), ("A", A), ("k", k), ("mu", mu), ("delta", delta)):
        if np.ndim(value) != 0:
            raise InvalidParameters(f"{name} must be a scalar for one surface; use glft_surfaces for a batch")
    return glft_surfaces(
        time_to_horizon_s, q_max, gamma, sigma, A, k, mu=mu, xi=xi, delta=delta,
        adverse_selection=adverse_selection, backend=backend,
    )[0]
