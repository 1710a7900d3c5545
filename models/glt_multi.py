"""Multi-asset market making (Guéant 2017 §6; Bergault–Evangelista–Guéant–Vieira 2021): correlated
assets share one inventory-risk penalty ``gamma q' Sigma q / 2``, so each asset's quotes depend on the
whole inventory vector; quotes come from the quadratic (Riccati) approximation or the grid HJB.

With ``Sigma = diag(sigma) rho diag(sigma)`` and per-asset intensities ``A_i exp(-k_i delta)``, the
value ``theta(tau, q)`` solves the grid HJB of :func:`quantforge.kernels.hjb.solve_hjb_grid` with Hamiltonians
``H_i(p) = (A_i / k_i) C_xi,i exp(-k_i p)`` (:mod:`quantforge.models.glft`, eq. (1)).  The quadratic
approximation ``theta ~ -q' A q - q' B`` (:func:`quantforge.kernels.hjb.solve_quadratic_riccati`) gives the quotes

    delta^b_i(q) = c_xi,i + theta(q) - theta(q + e_i) = c_xi,i + 2 (A q)_i + A_ii + B_i,          (1)
    delta^a_i(q) = c_xi,i + theta(q) - theta(q - e_i) = c_xi,i - 2 (A q)_i + A_ii - B_i,

(BEGV 2021, eq. (3.6)); the off-diagonal part ``2 sum_{j != i} A_ij q_j`` is the cross-asset
adjustment of asset ``i``'s quotes.  With ``rho = I`` everything decouples into single-asset GLFT.
The portfolio risk is ``q' Sigma q`` (variance per unit time) and the minimum-variance hedge of the
inventory with a set ``H`` of hedge assets is ``h_H = -Sigma_HH^{-1} (Sigma q)_H``.

Parameters are a :class:`MultiAssetParams` (vectors over the ``d`` assets, one set or a batch with a
leading axis, :mod:`quantforge.models.parameters`).  Correlation matrices are checked (symmetric, unit diagonal, positive semi-definite) and can be
repaired by Higham's alternating projections with Dykstra's correction (Higham 2002, Algorithm 3.3).

References
----------
O. Guéant (2017), "Optimal market making", Appl. Math. Finance 24(2):112–154.
P. Bergault, D. Evangelista, O. Guéant, D. Vieira (2021), "Closed-form approximations in
multi-asset market making", Appl. Math. Finance 28(2):101–142.
N. J. Higham (2002), "Computing the nearest correlation matrix — a problem from finance",
IMA J. Numer. Anal. 22(3):329–343.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._typing import ArrayLike, Float64Array
from ..errors import (
    InvalidParameters,
    MatrixError,
    NumericalInstability,
    check_all_finite,
    check_array,
    check_finite,
    check_int,
    check_integer_array,
    check_memory,
    check_positive,
)
from ..kernels.backend import get_backend
from ..kernels.covariance import nearest_correlation
from ..kernels.hjb import ExponentialSide, solve_hjb_grid, solve_quadratic_riccati
from .glft import GLFTParams, glft_intensity_constants
from .parameters import DOMAINS, ModelParams, squeeze_sets
from .surface import QuoteSurface, build_surfaces

__all__ = [
    "MultiAssetParams",
    "validate_correlation",
    "nearest_correlation",
    "portfolio_risk",
    "minimum_variance_hedge",
    "MultiAssetQuotes",
    "multi_asset_depths",
    "multi_asset_grid_depths",
    "calculate_multi_asset_quotes",
    "quote_surfaces",
    "multi_asset_cross_shift",
    "multi_asset_surface_quotes",
]

_SYM_TOL = 1e-10
_PSD_TOL = 1e-10


def validate_correlation(correlation: ArrayLike, *, repair: bool = False) -> np.ndarray:
    """Check a correlation matrix (symmetric, unit diagonal, entries in [-1, 1], PSD); optionally repair.

    Raises
    ------
    MatrixError
        If the matrix is not a correlation matrix and ``repair`` is False (the message says which test failed).
    """
    c = check_all_finite("correlation", check_array("correlation", correlation, dtype=np.float64, cast=True))
    if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] < 1:
        raise InvalidParameters(f"correlation must be a square matrix, got shape {c.shape}")
    problems = []
    if np.abs(c - c.T).max() > _SYM_TOL:
        problems.append(f"not symmetric (max |C - C'| = {np.abs(c - c.T).max():.3g})")
    if np.abs(np.diag(c) - 1.0).max() > _SYM_TOL:
        problems.append(f"diagonal is not 1 ({np.diag(c)})")
    eig_min = float(np.linalg.eigvalsh(0.5 * (c + c.T)).min())
    if eig_min < -_PSD_TOL:
        problems.append(f"not positive semi-definite (smallest eigenvalue {eig_min:.3g})")
    if not isinstance(repair, (bool, np.bool_)):
        raise TypeError(f"repair must be a bool, got {type(repair).__name__}")
    if not problems:
        return 0.5 * (c + c.T)
    if repair:
        return nearest_correlation(c, method="higham")
    raise MatrixError(
        "correlation is " + "; ".join(problems) + " (pass repair=True for the nearest correlation matrix)"
    )


def portfolio_risk(inventories: ArrayLike, covariance: ArrayLike) -> float:
    """``q' Sigma q``: the variance per unit time of the inventory's mark-to-market value (price^2)."""
    q = check_all_finite("inventories", check_array("inventories", inventories, dtype=np.float64, cast=True))
    cov = check_all_finite("covariance", check_array("covariance", covariance, dtype=np.float64, cast=True))
    if cov.shape != (q.size, q.size):
        raise InvalidParameters(f"covariance must be ({q.size}, {q.size}), got {cov.shape}")
    return float(q @ cov @ q)


def minimum_variance_hedge(
    inventories: ArrayLike, covariance: ArrayLike, hedge_assets: ArrayLike
) -> tuple[np.ndarray, float]:
    """Positions in ``hedge_assets`` minimising the variance of ``inventories + hedge``.

    Returns
    -------
    hedge : float array (d,)
        Zero outside ``hedge_assets``; ``h_H = -Sigma_HH^{-1} (Sigma q)_H``.
    residual_variance : float
        ``(q + h)' Sigma (q + h)`` (<= ``q' Sigma q``).
    """
    q = check_all_finite("inventories", check_array("inventories", inventories, dtype=np.float64, cast=True))
    cov = check_all_finite("covariance", check_array("covariance", covariance, dtype=np.float64, cast=True))
    if cov.shape != (q.size, q.size):
        raise InvalidParameters(f"covariance must be ({q.size}, {q.size}), got {cov.shape}")
    idx = check_integer_array("hedge_assets", hedge_assets).ravel()  # indices: a fraction is refused, not truncated
    if idx.size == 0 or idx.min() < 0 or idx.max() >= q.size or np.unique(idx).size != idx.size:
        raise InvalidParameters(f"hedge_assets must be distinct indices in 0..{q.size - 1}, got {hedge_assets!r}")
    sub = cov[np.ix_(idx, idx)]
    try:
        h_sub = -np.linalg.solve(sub, (cov @ q)[idx])
    except np.linalg.LinAlgError:
        raise MatrixError("the hedge assets' covariance is singular") from None
    hedge = np.zeros_like(q)
    hedge[idx] = h_sub
    return hedge, portfolio_risk(q + hedge, cov)


@dataclass(frozen=True, kw_only=True, eq=False)
class MultiAssetParams(ModelParams):
    """Validated multi-asset parameters over ``d`` assets: one set, or a batch with a leading axis.

    Parameters
    ----------
    sigma : float array (d,) or (n_sets, d)
        Volatilities of the mids, > 0 (price per sqrt time).
    rho : float array (d, d) or (n_sets, d, d)
        Correlation matrices, checked by :func:`validate_correlation` (no silent repair) and stored
        symmetrised.
    gamma : float or array (n_sets,)
        Risk aversion, > 0 (per price unit).
    A, k : float, array (d,) or (n_sets, d)
        Fill-intensity scale (> 0, per unit time) and decay (> 0, per price unit) of each asset; a
        scalar is every asset's.
    xi : float or array (n_sets,), optional
        Guéant's ``xi`` (>= 0); ``None`` means ``gamma``.
    mu : float array (d,) or (n_sets, d), optional
        Drifts of the mids (price per unit time); ``None`` means zero.

    Raises
    ------
    InvalidParameters
        A NaN, infinite or out-of-domain value, shapes that disagree on ``d`` or batch lengths that
        do not broadcast; the message names the field and the value.
    MatrixError
        If ``rho`` is not a correlation matrix (symmetric, unit diagonal, positive semi-definite).
    TypeError
        A value that is not a real number.

    Examples
    --------
    >>> p = MultiAssetParams(sigma=[2.0, 1.5], rho=[[1.0, 0.6], [0.6, 1.0]], gamma=0.1, A=140.0, k=1.5)
    >>> p.n_assets, p.A.tolist(), p.mu.tolist()
    (2, [140.0, 140.0], [0.0, 0.0])
    """

    DOMAIN = {"sigma": "> 0", "rho": "real", "gamma": "> 0", "A": "> 0", "k": "> 0", "xi": ">= 0", "mu": "real"}
    ASSET_AXES = {"sigma": 1, "rho": 2, "A": 1, "k": 1, "mu": 1}

    sigma: np.ndarray
    rho: np.ndarray
    gamma: float | np.ndarray
    A: float | np.ndarray
    k: float | np.ndarray
    xi: float | np.ndarray | None = None
    mu: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.xi is None:
            object.__setattr__(self, "xi", self.gamma)
        d = np.shape(self.sigma)[-1] if np.ndim(self.sigma) >= 1 else 1
        if self.mu is None:
            object.__setattr__(self, "mu", np.zeros(d))
        for name in ("A", "k"):  # a scalar is every asset's
            value = getattr(self, name)
            if np.ndim(value) == 0:
                item = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
                object.__setattr__(self, name, np.full(d, DOMAINS[self.DOMAIN[name]][0](name, item)))
        super().__post_init__()
        for name, shape in (("rho", (d, d)), ("A", (d,)), ("k", (d,)), ("mu", (d,))):
            got = np.shape(getattr(self, name))[self.batched :]
            if got != shape:
                raise InvalidParameters(
                    f"{name} must have shape {shape} per parameter set for the {d} assets of sigma, got {got}"
                )
        rho = np.array([validate_correlation(c) for c in np.reshape(self.rho, (-1, d, d))]).reshape(np.shape(self.rho))
        rho.setflags(write=False)
        object.__setattr__(self, "rho", rho)

    @property
    def n_assets(self) -> int:
        """``d``, the number of assets."""
        return int(np.shape(self.sigma)[-1])


@dataclass(frozen=True)
class MultiAssetQuotes:
    """Per-asset quotes of :func:`calculate_multi_asset_quotes` (prices and depths in price units)."""

    bid_price: np.ndarray
    ask_price: np.ndarray
    bid_depth: np.ndarray
    ask_depth: np.ndarray
    cross_adjustment: np.ndarray  # shift of both depths' skew from the other assets' inventories
    portfolio_variance: float
    hedge: np.ndarray  # (d, d): row i hedges asset i's inventory with the other assets (minimum variance)

    def summary(self) -> str:
        rows = [
            f"asset {i}: bid {b:.6g} ask {a:.6g} (cross {c:+.3g})"
            for i, (b, a, c) in enumerate(zip(self.bid_price, self.ask_price, self.cross_adjustment))
        ]
        return "\n".join(rows + [f"portfolio variance q'Sigma q = {self.portfolio_variance:.6g}"])


def _check(params) -> MultiAssetParams:
    if not isinstance(params, MultiAssetParams):
        raise TypeError(f"params must be a MultiAssetParams, got {type(params).__name__}")
    return params


def _market(params: MultiAssetParams):
    """Per-set arrays: covariance (n, d, d), gamma (n,), k (n, d), c_xi (n, d), Hamiltonian scale (n, d), drift (n, d)."""
    p = _check(params).columns()
    n, d = params.n_sets, params.n_assets
    s = p["sigma"]
    cov = s[:, :, None] * p["rho"] * s[:, None, :]
    per_asset = GLFTParams(
        gamma=np.repeat(p["gamma"], d), sigma=s.ravel(), A=p["A"].ravel(), k=p["k"].ravel(), xi=np.repeat(p["xi"], d)
    )
    c_xi, big_c = (a.reshape(n, d) for a in glft_intensity_constants(per_asset))
    scale = p["A"] * big_c / p["k"]
    return cov, p["gamma"], p["k"], c_xi, scale, p["mu"]


def _riccati(params: MultiAssetParams, taus):
    """``A (n, n_t, d, d)``, ``B (n, n_t, d)`` of the quadratic approximation, and the market arrays."""
    cov, g, kk, c_xi, scale, mu = _market(params)
    d = params.n_assets
    a_mat, b_vec = solve_quadratic_riccati(
        taus, curvature=scale * kk**2, penalty=g[:, None, None] * cov, drift=mu, terminal_penalty=np.zeros((d, d))
    )
    return a_mat, b_vec, c_xi


def multi_asset_depths(
    inventories: ArrayLike, time_to_horizon: float, params: MultiAssetParams
) -> tuple[Float64Array, Float64Array, Float64Array]:
    """Quadratic-approximation depths (1) at inventory vectors, one time to horizon.

    Parameters
    ----------
    inventories : float array (..., d)
        Inventory vectors in lots.
    time_to_horizon : float
        ``T - t`` (> 0; use a large value for the stationary quotes).
    params : MultiAssetParams

    Returns
    -------
    bid_depth, ask_depth, cross_adjustment : float arrays ``([n_sets,] ..., d)``
        Price units; ``cross_adjustment[..., i] = 2 sum_{j != i} A_ij q_j`` is included in both
        depths; the leading axis when ``params`` is batched.

    Raises
    ------
    InvalidParameters
        Inventories of the wrong shape or not finite, ``time_to_horizon <= 0``.
    TypeError
        If ``params`` is not a :class:`MultiAssetParams`.

    Examples
    --------
    >>> import numpy as np
    >>> params = MultiAssetParams(sigma=[2.0, 1.5], rho=[[1.0, 0.6], [0.6, 1.0]], gamma=0.1, A=140.0, k=1.5)
    >>> bid, ask, cross = multi_asset_depths(np.array([[0.0, 0.0], [3.0, 0.0]]), 5.0, params)
    >>> bid.shape, bool(cross[1, 1] > 0), float(cross[0, 1])
    ((2, 2), True, 0.0)
    """
    d = _check(params).n_assets
    q = check_all_finite("inventories", check_array("inventories", inventories, dtype=np.float64, cast=True))
    if q.shape[-1:] != (d,):
        raise InvalidParameters(f"inventories must have shape (..., {d}), got {q.shape}")
    tau = check_positive("time_to_horizon", time_to_horizon)
    a_all, b_all, c_all = _riccati(params, np.array([tau]))
    out = []
    for a_mat, b_vec, c_xi in zip(a_all[:, 0], b_all[:, 0], c_all):
        aq = q @ a_mat.T
        own = np.diag(a_mat) * q
        bid = c_xi + 2.0 * aq + np.diag(a_mat) + b_vec
        ask = c_xi - 2.0 * aq + np.diag(a_mat) - b_vec
        out.append((bid, ask, 2.0 * (aq - own)))
    return squeeze_sets(params.batched, *(np.stack(x) for x in zip(*out)))


def multi_asset_grid_depths(
    params: MultiAssetParams, taus: ArrayLike, q_max: int, *, backend: str | None = None
) -> tuple[Float64Array, Float64Array]:
    """Depths from the grid HJB on ``[-q_max, q_max]^d`` (d = 1..3), by :func:`quantforge.kernels.hjb.solve_hjb_grid`.

    Parameters
    ----------
    params : MultiAssetParams
    taus : float array (n_t,)
        Times to the horizon, non-negative, strictly increasing.
    q_max : int
        Inventory bound of every asset (lots).
    backend : str, optional
        Whose arrays the grid integration runs on (:func:`~quantforge.kernels.hjb.solve_hjb_grid`).

    Returns
    -------
    bid_depth, ask_depth : float arrays ``([n_sets,] n_t, d, n, ..., n)``
        ``[..., i, ...]`` is asset ``i``'s depth over the inventory grid; ``+inf`` where the side is
        not quoted; the leading axis when ``params`` is batched.

    Raises
    ------
    InvalidParameters
        As :func:`quantforge.kernels.hjb.solve_hjb_grid` (bounds, more than 3 assets).
    TypeError
        If ``params`` is not a :class:`MultiAssetParams`.

    Examples
    --------
    >>> import numpy as np
    >>> params = MultiAssetParams(sigma=[2.0, 1.5], rho=[[1.0, 0.6], [0.6, 1.0]], gamma=0.1, A=140.0, k=1.5)
    >>> bid, ask = multi_asset_grid_depths(params, np.array([0.0, 1.0]), 2)
    >>> bid.shape, bool(np.isinf(bid[0, 0, -1, 0]))
    ((2, 2, 5, 5), True)
    """
    _check(params)
    check_int("q_max", q_max, minimum=1)
    cov, g, kk, c_xi, scale, mu = _market(params)
    d = params.n_assets
    if params.batched:
        sides = tuple(ExponentialSide(scale[:, i], kk[:, i]) for i in range(d))
        theta = solve_hjb_grid(
            taus,
            lower_bounds=(-q_max,) * d,
            upper_bounds=(q_max,) * d,
            bid_sides=sides,
            ask_sides=sides,
            drift=mu,
            penalty=g[:, None, None] * cov,
            terminal_penalty=np.zeros((d, d)),
            backend=backend,
        )
    else:
        sides = tuple(ExponentialSide(float(scale[0, i]), float(kk[0, i])) for i in range(d))
        theta = solve_hjb_grid(
            taus,
            lower_bounds=(-q_max,) * d,
            upper_bounds=(q_max,) * d,
            bid_sides=sides,
            ask_sides=sides,
            drift=mu[0],
            penalty=g[0] * cov[0],
            terminal_penalty=np.zeros((d, d)),
            backend=backend,
        )[None]
    n, n_t = theta.shape[:2]
    bid = np.full((n, n_t, d) + theta.shape[2:], np.inf)
    ask = np.full_like(bid, np.inf)
    for i in range(d):
        head = [slice(None)] * theta.ndim
        tail = [slice(None)] * theta.ndim
        head[i + 2] = slice(None, -1)
        tail[i + 2] = slice(1, None)
        c = c_xi[:, i].reshape((n,) + (1,) * (theta.ndim - 1))
        bid[(slice(None), slice(None), i) + tuple(head[2:])] = c + theta[tuple(head)] - theta[tuple(tail)]
        ask[(slice(None), slice(None), i) + tuple(tail[2:])] = c + theta[tuple(tail)] - theta[tuple(head)]
    return squeeze_sets(params.batched, bid, ask)


def calculate_multi_asset_quotes(
    market_states: ArrayLike,
    inventories: ArrayLike,
    params: MultiAssetParams,
    *,
    tick_sizes: ArrayLike,
    time_to_horizon: float,
    q_max: ArrayLike | None = None,
) -> MultiAssetQuotes:
    """Per-asset bid and ask prices around each asset's mid from the quadratic approximation (1).

    Parameters
    ----------
    market_states : structured array (d,) of :data:`quantforge.engine.types.MARKET_STATE`
        Top of book of each asset (``bid_ticks``, ``ask_ticks``, ``ask >= bid``); the mid is their average.
    inventories : float array (d,)
        Inventories in lots.
    params : MultiAssetParams
        One parameter set (not a batch).
    tick_sizes : float array (d,)
        Price of one tick per asset.
    time_to_horizon : float
        As in :func:`multi_asset_depths`.
    q_max : int or int array (d,), optional
        Inventory bounds (lots): no bid for an asset at or above ``+q_max``, no ask at or below
        ``-q_max`` (that side's price is ``nan`` and its depth ``+inf``); ``None``: unbounded.

    Raises
    ------
    TypeError
        If ``market_states`` is not a record array with ``bid_ticks`` and ``ask_ticks``, or
        ``params`` not a :class:`MultiAssetParams`.
    InvalidParameters
        Mismatched shapes, non-positive ticks, a crossed market (``ask_ticks < bid_ticks``), an
        inventory beyond its bound, a batch of parameter sets.

    Examples
    --------
    >>> import numpy as np
    >>> from quantforge.engine.types import MARKET_STATE
    >>> states = np.zeros(2, MARKET_STATE)
    >>> states["bid_ticks"], states["ask_ticks"] = [9999, 4999], [10001, 5001]
    >>> params = MultiAssetParams(sigma=[2.0, 1.5], rho=[[1.0, 0.6], [0.6, 1.0]], gamma=0.1, A=140.0, k=1.5)
    >>> out = calculate_multi_asset_quotes(states, [2.0, -1.0], params, tick_sizes=[0.01, 0.02], time_to_horizon=5.0, q_max=2)
    >>> bool(np.isnan(out.bid_price[0])), bool(out.ask_price[0] > 100.0)
    (True, True)
    """
    if _check(params).batched:
        raise InvalidParameters(
            f"params must be one parameter set for one set of quotes, got a batch of {params.n_sets}"
        )
    states = np.asarray(market_states)
    if states.dtype.names is None or not {"bid_ticks", "ask_ticks"} <= set(states.dtype.names):
        raise TypeError("market_states must be a MARKET_STATE record array with bid_ticks and ask_ticks")
    ticks = check_array("tick_sizes", tick_sizes, dtype=np.float64, cast=True)
    q = check_all_finite("inventories", check_array("inventories", inventories, dtype=np.float64, cast=True))
    if states.shape != q.shape or ticks.shape != q.shape or q.ndim != 1:
        raise InvalidParameters(
            f"market_states, inventories and tick_sizes must all have shape (d,), got {states.shape}, {q.shape}, {ticks.shape}"
        )
    if np.any(ticks <= 0) or not np.all(np.isfinite(ticks)):
        raise InvalidParameters(f"tick_sizes must be finite and > 0, got {ticks!r}")
    crossed = states["ask_ticks"] < states["bid_ticks"]
    if crossed.any():
        i = int(np.argmax(crossed))
        raise InvalidParameters(
            f"market_states[{i}] is crossed: ask_ticks {int(states['ask_ticks'][i])} < bid_ticks {int(states['bid_ticks'][i])}"
        )
    bounds = None
    if q_max is not None:
        bounds = np.asarray(q_max)
        if bounds.ndim > 1 or bounds.size not in (1, q.size):
            raise InvalidParameters(f"q_max must be one integer or one per asset ({q.size}), got shape {bounds.shape}")
        bounds = np.broadcast_to(bounds, q.shape)
        if bounds.dtype.kind not in "iu" or np.any(bounds < 1):
            raise InvalidParameters(f"q_max must be integers >= 1 (one or one per asset), got {q_max!r}")
        if np.any(np.abs(q) > bounds):
            raise InvalidParameters(f"inventories {q} lie beyond the bounds +-{bounds}")
    mid = 0.5 * (states["bid_ticks"] + states["ask_ticks"]).astype(np.float64) * ticks
    bid, ask, cross = multi_asset_depths(q, time_to_horizon, params)
    if bounds is not None:
        bid = np.where(q >= bounds, np.inf, bid)
        ask = np.where(q <= -bounds, np.inf, ask)
    cov = params.sigma[:, None] * params.rho * params.sigma[None, :]
    hedge = np.zeros((q.size, q.size))
    for i in range(q.size if q.size > 1 else 0):
        single = np.zeros_like(q)
        single[i] = q[i]
        hedge[i] = minimum_variance_hedge(single, cov, [j for j in range(q.size) if j != i])[0]
    with np.errstate(invalid="ignore"):
        bid_price = np.where(np.isfinite(bid), mid - bid, np.nan)
        ask_price = np.where(np.isfinite(ask), mid + ask, np.nan)
    return MultiAssetQuotes(bid_price, ask_price, bid, ask, cross, portfolio_risk(q, cov), hedge)


def _surface_depths(c_xi, a_ii, b, q):
    """Depths (1) of every asset's own inventory axis: arrays (n, d, n_t, n_q) from (n, d, 1, 1), (n, d, n_t, 1) and (n_q,)."""
    return c_xi + 2.0 * a_ii * q + a_ii + b, c_xi - 2.0 * a_ii * q + a_ii - b


def quote_surfaces(
    params: MultiAssetParams, taus: ArrayLike, q_max: int, *, backend: str | None = None
) -> list[QuoteSurface]:
    """One :class:`QuoteSurface` per asset and parameter set from one Riccati solve over the time grid.

    Asset ``i``'s surface holds its depths (1) over time × its own inventory ``-q_max..q_max`` with the
    other inventories at zero.  The cross-asset term ``2 sum_{j != i} A_ij(tau) q_j`` (added to the bid
    depth, subtracted from the ask depth when the others are not flat) needs ``A_ij(tau)``: it is stored
    as ``params["cross_coupling"]``, a list over the surface's times of the row ``[A_i0, ..., A_i,d-1]``
    (price per lot), and :func:`multi_asset_cross_shift` / :func:`multi_asset_surface_quotes` apply it.
    No side is quoted beyond the bounds (``+inf``).

    Parameters
    ----------
    params : MultiAssetParams
    taus : float array (n_t,)
        Times to the horizon, non-negative, strictly increasing.
    q_max : int
        Inventory bound of every asset (lots).
    backend : str, optional
        Where the depths (1) are evaluated from the Riccati solution (the Riccati ODE itself is
        solved by :func:`quantforge.kernels.hjb.solve_quadratic_riccati` with numpy and scipy).

    Returns
    -------
    list of QuoteSurface (n_sets * d,)
        Set-major: surface ``s * d + i`` is asset ``i`` of parameter set ``s``; depths (n_t, 2 q_max + 1).

    Raises
    ------
    InvalidParameters
        Bad grids or backend.
    TypeError
        If ``params`` is not a :class:`MultiAssetParams`.

    Examples
    --------
    >>> import numpy as np
    >>> params = MultiAssetParams(sigma=[2.0, 1.5], rho=[[1.0, 0.6], [0.6, 1.0]], gamma=0.1, A=140.0, k=1.5)
    >>> surfs = quote_surfaces(params, np.linspace(0.0, 2.0, 5), 3)
    >>> len(surfs), surfs[0].bid_depth.shape, len(surfs[0].params["cross_coupling"])
    (2, (5, 7), 5)
    """
    d = _check(params).n_assets
    n_max = check_int("q_max", q_max, minimum=1)
    t = check_array("taus", taus, dtype=np.float64, cast=True)
    check_memory(
        "q_max",
        q_max,
        8.0 * 6 * params.n_sets * d * t.size * (2 * n_max + 1),
        f"{params.n_sets * d} surfaces of {t.size} x {2 * n_max + 1}",
    )
    a_mat, b_vec, c_xi = _riccati(params, t)
    q = np.arange(-n_max, n_max + 1, dtype=np.float64)
    a_ii = np.diagonal(a_mat, axis1=-2, axis2=-1).transpose(0, 2, 1)[..., None]  # (n, d, n_t, 1)
    b = b_vec.transpose(0, 2, 1)[..., None]
    be = get_backend(backend)
    with be.x64():
        bid, ask = (
            be.to_host(x) for x in _surface_depths(*(be.asarray(x) for x in (c_xi[:, :, None, None], a_ii, b, q)))
        )
    bid, ask = np.array(bid), np.array(ask)
    bid[..., -1] = np.inf
    ask[..., 0] = np.inf
    cols = params.columns()
    cov = cols["sigma"][:, :, None] * cols["rho"] * cols["sigma"][:, None, :]
    stored = [
        {
            "asset": i,
            "sigma": float(np.sqrt(cov[s, i, i])),
            "gamma": float(cols["gamma"][s]),
            "A": float(cols["A"][s, i]),
            "k": float(cols["k"][s, i]),
            "xi": float(cols["xi"][s]),
            "q_max": n_max,
            "covariance": cov[s].tolist(),
            "mu": cols["mu"][s].tolist(),
            "cross_coupling": a_mat[s, :, i, :].tolist(),
        }
        for s in range(params.n_sets)
        for i in range(d)
    ]
    return build_surfaces(
        model="glt-multi-asset",
        params=stored,
        time_to_horizon_s=t,
        inventory_lots=q.astype(np.int64),
        bid_depth=bid.reshape((-1,) + bid.shape[2:]),
        ask_depth=ask.reshape((-1,) + ask.shape[2:]),
    )


def multi_asset_cross_shift(surface: QuoteSurface, time_to_horizon_s: float, inventories: ArrayLike) -> float:
    """``2 sum_{j != i} A_ij(tau) q_j`` for asset ``i``'s surface, at the grid time nearest ``time_to_horizon_s``
    (as :meth:`QuoteSurface.quotes` picks it): add it to the surface's bid depth, subtract it from the ask depth.

    Raises
    ------
    InvalidParameters
        If ``surface`` is not a per-asset surface of :func:`quote_surfaces` or ``inventories``
        is not one finite inventory per asset.

    Examples
    --------
    >>> import numpy as np
    >>> params = MultiAssetParams(sigma=[2.0, 1.5], rho=[[1.0, 0.6], [0.6, 1.0]], gamma=0.1, A=140.0, k=1.5)
    >>> surfs = quote_surfaces(params, np.linspace(0.0, 2.0, 5), 3)
    >>> multi_asset_cross_shift(surfs[1], 2.0, [2.0, 0.0]) > 0   # long a positively correlated asset
    True
    """
    if (
        not isinstance(surface, QuoteSurface)
        or surface.model != "glt-multi-asset"
        or "cross_coupling" not in surface.params
    ):
        raise InvalidParameters("surface must be a per-asset surface of quote_surfaces (with params['cross_coupling'])")
    coupling = np.asarray(surface.params["cross_coupling"], dtype=np.float64)
    i = int(surface.params["asset"])
    q = check_all_finite("inventories", check_array("inventories", inventories, dtype=np.float64, cast=True))
    if q.shape != (coupling.shape[1],):
        raise InvalidParameters(
            f"inventories must hold one inventory per asset, shape ({coupling.shape[1]},), got {q.shape}"
        )
    t = check_finite("time_to_horizon_s", time_to_horizon_s)
    grid = surface.time_to_horizon_s
    slack = 1e-9 * max(1.0, float(grid[-1]))
    if not grid[0] - slack <= t <= grid[-1] + slack:
        raise InvalidParameters(
            f"time_to_horizon_s must lie on the surface's grid [{float(grid[0])!r}, {float(grid[-1])!r}], got {t!r}"
        )
    j = int(np.argmin(np.abs(grid - t)))
    others = q.copy()
    others[i] = 0.0
    return float(2.0 * coupling[j] @ others)


def multi_asset_surface_quotes(
    surface: QuoteSurface, time_to_horizon_s: float, inventories: ArrayLike, mid: float
) -> tuple[float, float]:
    """Asset ``i``'s bid and ask prices from its surface at the whole inventory vector: the surface's
    depths at its own inventory, shifted by :func:`multi_asset_cross_shift`; ``nan`` marks a side not
    quoted (own inventory at a bound).

    Raises
    ------
    InvalidParameters
        As :func:`multi_asset_cross_shift`, or a non-finite ``mid``.

    Examples
    --------
    >>> import numpy as np
    >>> params = MultiAssetParams(sigma=[2.0, 1.5], rho=[[1.0, 0.6], [0.6, 1.0]], gamma=0.1, A=140.0, k=1.5)
    >>> surfs = quote_surfaces(params, np.linspace(0.0, 2.0, 5), 3)
    >>> bid, ask = multi_asset_surface_quotes(surfs[0], 2.0, [3.0, -1.0], 100.0)
    >>> bool(np.isnan(bid)), bool(ask > 100.0)   # at +q_max no bid
    (True, True)
    """
    shift = multi_asset_cross_shift(surface, time_to_horizon_s, inventories)
    m = check_finite("mid", mid)
    own = float(np.asarray(inventories, dtype=np.float64)[int(surface.params["asset"])])
    if own != round(own) or not surface.q_min <= own <= surface.q_max:
        raise InvalidParameters(
            f"asset {surface.params['asset']}'s inventory must be an integer in [{surface.q_min}, {surface.q_max}], got {own}"
        )
    bid, ask = surface.quotes(time_to_horizon_s, int(own), m)
    bid, ask = bid - shift, ask - shift
    if (np.isfinite(bid) and bid <= 0) or not all(np.isfinite(x) or np.isnan(x) for x in (bid, ask)):
        raise NumericalInstability(
            f"asset {surface.params['asset']}'s quotes shifted by the other inventories "
            f"({shift!r}) are bid {bid!r}, ask {ask!r}: a bid must be > 0"
        )
    return bid, ask
