"""Multi-asset market making (Guéant 2017 §6; Bergault–Evangelista–Guéant–Vieira 2021): correlated
assets share one inventory-risk penalty ``gamma q' Sigma q / 2``, so each asset's quotes depend on the
whole inventory vector; quotes come from the quadratic (Riccati) approximation or the grid HJB.

With ``Sigma = diag(sigma) rho diag(sigma)`` and per-asset intensities ``A_i exp(-k_i delta)``, the
value ``theta(tau, q)`` solves the grid HJB of :mod:`quantforge.kernels.hjb_grid` with Hamiltonians
``H_i(p) = (A_i / k_i) C_xi,i exp(-k_i p)`` (:mod:`quantforge.models.glft`, eq. (1)).  The quadratic
approximation ``theta ~ -q' A q - q' B`` (:mod:`quantforge.kernels.riccati`) gives the quotes

    delta^b_i(q) = c_xi,i + theta(q) - theta(q + e_i) = c_xi,i + 2 (A q)_i + A_ii + B_i,          (1)
    delta^a_i(q) = c_xi,i + theta(q) - theta(q - e_i) = c_xi,i - 2 (A q)_i + A_ii - B_i,

(BEGV 2021, eq. (3.6)); the off-diagonal part ``2 sum_{j != i} A_ij q_j`` is the cross-asset
adjustment of asset ``i``'s quotes.  With ``rho = I`` everything decouples into single-asset GLFT.
The portfolio risk is ``q' Sigma q`` (variance per unit time) and the minimum-variance hedge of the
inventory with a set ``H`` of hedge assets is ``h_H = -Sigma_HH^{-1} (Sigma q)_H``.

Correlation matrices are checked (symmetric, unit diagonal, positive semi-definite) and can be
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

from ..errors import (
    ConvergenceFailure,
    InvalidParameters,
    MatrixError,
    check_all_finite,
    check_array,
    check_finite,
    check_int,
    check_positive,
)
from ..kernels.hjb import ExponentialSide, solve_hjb_grid, solve_quadratic_riccati
from .glft import glft_intensity_constants
from .surface import QuoteSurface

__all__ = [
    "validate_correlation",
    "nearest_correlation",
    "portfolio_risk",
    "minimum_variance_hedge",
    "MultiAssetQuotes",
    "multi_asset_depths",
    "multi_asset_grid_depths",
    "calculate_multi_asset_quotes",
    "multi_asset_surfaces",
    "multi_asset_cross_shift",
    "multi_asset_surface_quotes",
]

_SYM_TOL = 1e-10
_PSD_TOL = 1e-10


def nearest_correlation(matrix, *, tol: float = 1e-10, max_iter: int = 10_000) -> np.ndarray:
    """The nearest correlation matrix in the Frobenius norm (Higham 2002, alternating projections).

    Raises
    ------
    ConvergenceFailure
        If the projections have not settled to ``tol`` after ``max_iter`` rounds.
    """
    a = check_all_finite("matrix", check_array("matrix", matrix, dtype=np.float64, cast=True))
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise InvalidParameters(f"matrix must be square, got shape {a.shape}")
    y = 0.5 * (a + a.T)
    ds = np.zeros_like(y)
    for _ in range(max_iter):
        r = y - ds
        w, v = np.linalg.eigh(r)
        x = (v * np.maximum(w, 0.0)) @ v.T
        ds = x - r
        y_new = x.copy()
        np.fill_diagonal(y_new, 1.0)
        if np.linalg.norm(y_new - y, "fro") <= tol * max(1.0, np.linalg.norm(y, "fro")):
            return 0.5 * (y_new + y_new.T)
        y = y_new
    raise ConvergenceFailure(f"nearest_correlation did not converge in {max_iter} iterations")


def validate_correlation(correlation, *, repair: bool = False) -> np.ndarray:
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
    if not problems:
        return 0.5 * (c + c.T)
    if repair:
        return nearest_correlation(c)
    raise MatrixError("correlation is " + "; ".join(problems) + " (pass repair=True for the nearest correlation matrix)")


def _covariance(sigmas, correlation):
    s = check_all_finite("sigmas", check_array("sigmas", sigmas, dtype=np.float64, cast=True))
    if s.ndim != 1 or np.any(s <= 0):
        raise InvalidParameters(f"sigmas must be a 1-D array of positive volatilities, got {s!r}")
    c = validate_correlation(correlation)
    if c.shape[0] != s.size:
        raise InvalidParameters(f"correlation is {c.shape} but there are {s.size} volatilities")
    return s[:, None] * c * s[None, :]


def portfolio_risk(inventories, covariance) -> float:
    """``q' Sigma q``: the variance per unit time of the inventory's mark-to-market value (price^2)."""
    q = check_all_finite("inventories", check_array("inventories", inventories, dtype=np.float64, cast=True))
    cov = check_all_finite("covariance", check_array("covariance", covariance, dtype=np.float64, cast=True))
    if cov.shape != (q.size, q.size):
        raise InvalidParameters(f"covariance must be ({q.size}, {q.size}), got {cov.shape}")
    return float(q @ cov @ q)


def minimum_variance_hedge(inventories, covariance, hedge_assets) -> tuple[np.ndarray, float]:
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
    idx = np.asarray(hedge_assets, dtype=np.int64).ravel()
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


def _drift(drift, d):
    if drift is None:
        return np.zeros(d)
    mu = check_all_finite("drift", check_array("drift", drift, dtype=np.float64, cast=True))
    if mu.shape != (d,):
        raise InvalidParameters(f"drift must have shape ({d},), got {mu.shape}")
    return mu


def _market(sigmas, correlation, gamma, A, k, xi):
    cov = _covariance(sigmas, correlation)
    d = cov.shape[0]
    g = check_positive("gamma", gamma)
    a = np.broadcast_to(check_array("A", A, dtype=np.float64, cast=True), (d,))
    kk = np.broadcast_to(check_array("k", k, dtype=np.float64, cast=True), (d,))
    if not (np.all(np.isfinite(a)) and np.all(a > 0) and np.all(np.isfinite(kk)) and np.all(kk > 0)):
        raise InvalidParameters(f"A and k must be finite and > 0, got A={a!r}, k={kk!r}")
    c_xi, big_c = glft_intensity_constants(g, kk, xi=xi)
    scale = a * big_c / kk
    return cov, g, kk, c_xi, scale


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
        rows = [f"asset {i}: bid {b:.6g} ask {a:.6g} (cross {c:+.3g})" for i, (b, a, c) in enumerate(zip(self.bid_price, self.ask_price, self.cross_adjustment))]
        return "\n".join(rows + [f"portfolio variance q'Sigma q = {self.portfolio_variance:.6g}"])


def multi_asset_depths(inventories, time_to_horizon, *, sigmas, correlation, gamma, A, k, xi=None, drift=None):
    """Quadratic-approximation depths (1) at inventory vectors, one time to horizon.

    Parameters
    ----------
    inventories : float array (..., d)
        Inventory vectors in lots.
    time_to_horizon : float
        ``T - t`` (> 0; use a large value for the stationary quotes).
    sigmas, correlation, gamma, A, k, xi, drift
        Volatilities (d,), correlation (d, d), risk aversion, intensity parameters (scalars or (d,)),
        Guéant's xi (None: gamma), drift (d,) or None.

    Returns
    -------
    bid_depth, ask_depth, cross_adjustment : float arrays (..., d)
        Price units; ``cross_adjustment[..., i] = 2 sum_{j != i} A_ij q_j`` is included in both depths.

    Raises
    ------
    InvalidParameters
        Bad shapes, non-positive or non-finite parameters, ``time_to_horizon <= 0``.
    MatrixError
        If ``correlation`` is not a correlation matrix.

    Examples
    --------
    >>> import numpy as np
    >>> bid, ask, cross = multi_asset_depths(np.array([[0.0, 0.0], [3.0, 0.0]]), 5.0, sigmas=[2.0, 1.5],
    ...                                      correlation=[[1.0, 0.6], [0.6, 1.0]], gamma=0.1, A=140.0, k=1.5)
    >>> bid.shape, bool(cross[1, 1] > 0), float(cross[0, 1])
    ((2, 2), True, 0.0)
    """
    cov, g, kk, c_xi, scale = _market(sigmas, correlation, gamma, A, k, xi)
    d = cov.shape[0]
    q = check_all_finite("inventories", check_array("inventories", inventories, dtype=np.float64, cast=True))
    if q.shape[-1:] != (d,):
        raise InvalidParameters(f"inventories must have shape (..., {d}), got {q.shape}")
    mu = _drift(drift, d)
    tau = check_positive("time_to_horizon", time_to_horizon)
    a_mat, b_vec = solve_quadratic_riccati(np.array([tau]), curvature=scale * kk**2, penalty=g * cov, drift=mu, terminal_penalty=np.zeros((d, d)))
    a_mat, b_vec = a_mat[0], b_vec[0]
    aq = q @ a_mat.T
    own = np.diag(a_mat) * q
    bid = c_xi + 2.0 * aq + np.diag(a_mat) + b_vec
    ask = c_xi - 2.0 * aq + np.diag(a_mat) - b_vec
    return bid, ask, 2.0 * (aq - own)


def multi_asset_grid_depths(time_to_horizon, q_max: int, *, sigmas, correlation, gamma, A, k, xi=None, drift=None):
    """Depths from the grid HJB on ``[-q_max, q_max]^d`` (d = 1..3), by :func:`solve_hjb_grid`.

    Returns
    -------
    bid_depth, ask_depth : float arrays (n_t, d, n, ..., n)
        ``[:, i]`` is asset ``i``'s depth over the inventory grid; ``+inf`` where the side is not quoted.

    Raises
    ------
    InvalidParameters, MatrixError
        As :func:`multi_asset_depths` and :func:`quantforge.kernels.hjb_grid.solve_hjb_grid`.

    Examples
    --------
    >>> import numpy as np
    >>> bid, ask = multi_asset_grid_depths(np.array([0.0, 1.0]), 2, sigmas=[2.0, 1.5], correlation=[[1.0, 0.6], [0.6, 1.0]],
    ...                                    gamma=0.1, A=140.0, k=1.5)
    >>> bid.shape, bool(np.isinf(bid[0, 0, -1, 0]))
    ((2, 2, 5, 5), True)
    """
    cov, g, kk, c_xi, scale = _market(sigmas, correlation, gamma, A, k, xi)
    d = cov.shape[0]
    mu = _drift(drift, d)
    sides = tuple(ExponentialSide(float(scale[i]), float(kk[i])) for i in range(d))
    theta = solve_hjb_grid(
        time_to_horizon, lower_bounds=(-q_max,) * d, upper_bounds=(q_max,) * d, bid_sides=sides, ask_sides=sides,
        drift=mu, penalty=g * cov, terminal_penalty=np.zeros((d, d)),
    )
    bid = np.full((theta.shape[0], d) + theta.shape[1:], np.inf)
    ask = np.full_like(bid, np.inf)
    for i in range(d):
        head = [slice(None)] * theta.ndim
        tail = [slice(None)] * theta.ndim
        head[i + 1] = slice(None, -1)
        tail[i + 1] = slice(1, None)
        bid[(slice(None), i) + tuple(head[1:])] = c_xi[i] + theta[tuple(head)] - theta[tuple(tail)]
        ask[(slice(None), i) + tuple(tail[1:])] = c_xi[i] + theta[tuple(tail)] - theta[tuple(head)]
    return bid, ask


def calculate_multi_asset_quotes(
    market_states, inventories, correlation, *, tick_sizes, sigmas, gamma, A, k, time_to_horizon, q_max=None, xi=None,
    drift=None,
) -> MultiAssetQuotes:
    """Per-asset bid and ask prices around each asset's mid from the quadratic approximation (1).

    Parameters
    ----------
    market_states : structured array (d,) of :data:`quantforge.engine.types.MARKET_STATE`
        Top of book of each asset (``bid_ticks``, ``ask_ticks``, ``ask >= bid``); the mid is their average.
    inventories : float array (d,)
        Inventories in lots.
    correlation : float array (d, d)
        Validated by :func:`validate_correlation` (no silent repair).
    tick_sizes : float array (d,)
        Price of one tick per asset.
    sigmas, gamma, A, k, time_to_horizon, xi, drift
        As in :func:`multi_asset_depths`.
    q_max : int or int array (d,), optional
        Inventory bounds (lots): no bid for an asset at or above ``+q_max``, no ask at or below
        ``-q_max`` (that side's price is ``nan`` and its depth ``+inf``); ``None``: unbounded.

    Raises
    ------
    TypeError
        If ``market_states`` is not a record array with ``bid_ticks`` and ``ask_ticks``.
    InvalidParameters
        Mismatched shapes, non-positive ticks, a crossed market (``ask_ticks < bid_ticks``), an
        inventory beyond its bound, bad model parameters.
    MatrixError
        If ``correlation`` is not a correlation matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from quantforge.engine.types import MARKET_STATE
    >>> states = np.zeros(2, MARKET_STATE)
    >>> states["bid_ticks"], states["ask_ticks"] = [9999, 4999], [10001, 5001]
    >>> out = calculate_multi_asset_quotes(states, [2.0, -1.0], [[1.0, 0.6], [0.6, 1.0]], tick_sizes=[0.01, 0.02],
    ...     sigmas=[2.0, 1.5], gamma=0.1, A=140.0, k=1.5, time_to_horizon=5.0, q_max=2)
    >>> bool(np.isnan(out.bid_price[0])), bool(out.ask_price[0] > 100.0)
    (True, True)
    """
    states = np.asarray(market_states)
    if states.dtype.names is None or not {"bid_ticks", "ask_ticks"} <= set(states.dtype.names):
        raise TypeError("market_states must be a MARKET_STATE record array with bid_ticks and ask_ticks")
    ticks = check_array("tick_sizes", tick_sizes, dtype=np.float64, cast=True)
    q = check_all_finite("inventories", check_array("inventories", inventories, dtype=np.float64, cast=True))
    if states.shape != q.shape or ticks.shape != q.shape or q.ndim != 1:
        raise InvalidParameters(f"market_states, inventories and tick_sizes must all have shape (d,), got {states.shape}, {q.shape}, {ticks.shape}")
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
        bounds = np.broadcast_to(np.asarray(q_max), q.shape)
        if bounds.dtype.kind not in "iu" or np.any(bounds < 1):
            raise InvalidParameters(f"q_max must be integers >= 1 (one or one per asset), got {q_max!r}")
        if np.any(np.abs(q) > bounds):
            raise InvalidParameters(f"inventories {q} lie beyond the bounds +-{bounds}")
    mid = 0.5 * (states["bid_ticks"] + states["ask_ticks"]).astype(np.float64) * ticks
    bid, ask, cross = multi_asset_depths(q, time_to_horizon, sigmas=sigmas, correlation=correlation, gamma=gamma, A=A, k=k,
                                         xi=xi, drift=drift)
    if bounds is not None:
        bid = np.where(q >= bounds, np.inf, bid)
        ask = np.where(q <= -bounds, np.inf, ask)
    cov = _covariance(sigmas, correlation)
    hedge = np.zeros((q.size, q.size))
    for i in range(q.size if q.size > 1 else 0):
        single = np.zeros_like(q)
        single[i] = q[i]
        hedge[i] = minimum_variance_hedge(single, cov, [j for j in range(q.size) if j != i])[0]
    with np.errstate(invalid="ignore"):
        bid_price = np.where(np.isfinite(bid), mid - bid, np.nan)
        ask_price = np.where(np.isfinite(ask), mid + ask, np.nan)
    return MultiAssetQuotes(bid_price, ask_price, bid, ask, cross, portfolio_risk(q, cov), hedge)


def multi_asset_surfaces(time_to_horizon_s, q_max: int, *, sigmas, correlation, gamma, A, k, xi=None, drift=None) -> list[QuoteSurface]:
    """One :class:`QuoteSurface` per asset from one Riccati solve over the time grid.

    Asset ``i``'s surface holds its depths (1) over time × its own inventory ``-q_max..q_max`` with the
    other inventories at zero.  The cross-asset term ``2 sum_{j != i} A_ij(tau) q_j`` (added to the bid
    depth, subtracted from the ask depth when the others are not flat) needs ``A_ij(tau)``: it is stored
    as ``params["cross_coupling"]``, a list over the surface's times of the row ``[A_i0, ..., A_i,d-1]``
    (price per lot), and :func:`multi_asset_cross_shift` / :func:`multi_asset_surface_quotes` apply it.
    No side is quoted beyond the bounds (``+inf``).

    Raises
    ------
    InvalidParameters, MatrixError
        As :func:`multi_asset_depths`.

    Examples
    --------
    >>> import numpy as np
    >>> surfs = multi_asset_surfaces(np.linspace(0.0, 2.0, 5), 3, sigmas=[2.0, 1.5], correlation=[[1.0, 0.6], [0.6, 1.0]],
    ...                              gamma=0.1, A=140.0, k=1.5)
    >>> len(surfs), surfs[0].bid_depth.shape, len(surfs[0].params["cross_coupling"])
    (2, (5, 7), 5)
    """
    cov, g, kk, c_xi, scale = _market(sigmas, correlation, gamma, A, k, xi)
    d = cov.shape[0]
    n_max = check_int("q_max", q_max, minimum=1)
    mu = _drift(drift, d)
    t = check_array("time_to_horizon_s", time_to_horizon_s, dtype=np.float64, cast=True)
    a_mat, b_vec = solve_quadratic_riccati(t, curvature=scale * kk**2, penalty=g * cov, drift=mu, terminal_penalty=np.zeros((d, d)))
    q = np.arange(-n_max, n_max + 1, dtype=np.float64)
    surfaces = []
    for i in range(d):
        a_ii = a_mat[:, i, i][:, None]
        bid = c_xi[i] + 2.0 * a_ii * q + a_ii + b_vec[:, i][:, None]
        ask = c_xi[i] - 2.0 * a_ii * q + a_ii - b_vec[:, i][:, None]
        bid[:, -1] = np.inf
        ask[:, 0] = np.inf
        params = {"asset": i, "sigma": float(np.sqrt(cov[i, i])), "gamma": g, "A": float(np.broadcast_to(A, (d,))[i]),
                  "k": float(kk[i]), "q_max": n_max, "covariance": cov.tolist(), "drift": mu.tolist(),
                  "cross_coupling": a_mat[:, i, :].tolist()}
        surfaces.append(QuoteSurface(model="glt-multi-asset", params=params, time_to_horizon_s=t,
                                     inventory_lots=q.astype(np.int64), bid_depth=bid, ask_depth=ask))
    return surfaces


def multi_asset_cross_shift(surface: QuoteSurface, time_to_horizon_s: float, inventories) -> float:
    """``2 sum_{j != i} A_ij(tau) q_j`` for asset ``i``'s surface, at the grid time nearest ``time_to_horizon_s``
    (as :meth:`QuoteSurface.quotes` picks it): add it to the surface's bid depth, subtract it from the ask depth.

    Raises
    ------
    InvalidParameters
        If ``surface`` is not a per-asset surface of :func:`multi_asset_surfaces` or ``inventories``
        is not one finite inventory per asset.

    Examples
    --------
    >>> import numpy as np
    >>> surfs = multi_asset_surfaces(np.linspace(0.0, 2.0, 5), 3, sigmas=[2.0, 1.5], correlation=[[1.0, 0.6], [0.6, 1.0]],
    ...                              gamma=0.1, A=140.0, k=1.5)
    >>> multi_asset_cross_shift(surfs[1], 2.0, [2.0, 0.0]) > 0   # long a positively correlated asset
    True
    """
    if not isinstance(surface, QuoteSurface) or surface.model != "glt-multi-asset" or "cross_coupling" not in surface.params:
        raise InvalidParameters("surface must be a per-asset surface of multi_asset_surfaces (with params['cross_coupling'])")
    coupling = np.asarray(surface.params["cross_coupling"], dtype=np.float64)
    i = int(surface.params["asset"])
    q = check_all_finite("inventories", check_array("inventories", inventories, dtype=np.float64, cast=True))
    if q.shape != (coupling.shape[1],):
        raise InvalidParameters(f"inventories must hold one inventory per asset, shape ({coupling.shape[1]},), got {q.shape}")
    j = int(np.argmin(np.abs(surface.time_to_horizon_s - time_to_horizon_s)))
    others = q.copy()
    others[i] = 0.0
    return float(2.0 * coupling[j] @ others)


def multi_asset_surface_quotes(surface: QuoteSurface, time_to_horizon_s: float, inventories, mid: float) -> tuple[float, float]:
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
    >>> surfs = multi_asset_surfaces(np.linspace(0.0, 2.0, 5), 3, sigmas=[2.0, 1.5], correlation=[[1.0, 0.6], [0.6, 1.0]],
    ...                              gamma=0.1, A=140.0, k=1.5)
    >>> bid, ask = multi_asset_surface_quotes(surfs[0], 2.0, [3.0, -1.0], 100.0)
    >>> bool(np.isnan(bid)), bool(ask > 100.0)   # at +q_max no bid
    (True, True)
    """
    shift = multi_asset_cross_shift(surface, time_to_horizon_s, inventories)
    m = check_finite("mid", mid)
    own = float(np.asarray(inventories, dtype=np.float64)[int(surface.params["asset"])])
    if own != round(own) or not surface.q_min <= own <= surface.q_max:
        raise InvalidParameters(f"asset {surface.params['asset']}'s inventory must be an integer in [{surface.q_min}, {surface.q_max}], got {own}")
    bid, ask = surface.quotes(time_to_horizon_s, int(own), m)
    return bid - shift, ask - shift
