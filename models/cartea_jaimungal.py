"""Cartea–Jaimungal market making with running and terminal inventory penalties (CJP 2015, ch. 10).

A risk-neutral market maker posts sell (ask, ``+``) and buy (bid, ``-``) limit orders at depths
``delta^±`` filled at rates ``lambda^± exp(-kappa^± delta^±)``, pays a running penalty ``phi q^2`` and
a terminal liquidation penalty ``alpha q^2`` on inventories ``q_min..q_max``; with a common ``kappa``
the HJB equation is linear after ``h = ln(omega) / kappa`` and is solved exactly by a matrix
exponential.

With the ansatz ``H(t, x, S, q) = x + q S + h(t, q)`` the HJB reduces to (CJP eq. (10.11)–(10.12))

    0 = d_t h + mu q - phi q^2 + 1_{q > q_min} (lambda^+ / (e kappa^+)) exp(-kappa^+ (h(q) - h(q-1)))
                              + 1_{q < q_max} (lambda^- / (e kappa^-)) exp(-kappa^- (h(q) - h(q+1))),
    h(T, q) = -alpha q^2,

with optimal depths (CJP eq. (10.13))

    delta^+(t, q) = 1/kappa^+ + h(t, q) - h(t, q - 1),   delta^-(t, q) = 1/kappa^- + h(t, q) - h(t, q + 1).

For ``kappa^+ = kappa^- = kappa``, ``omega = exp(kappa h)`` solves the linear system (CJP eq. (10.14))

    d omega / dtau = A omega,  A_qq = kappa (mu q - phi q^2),  A_{q,q-1} = lambda^+ / e,  A_{q,q+1} = lambda^- / e,
    omega(tau) = exp(A tau) z,  z_q = exp(-alpha kappa q^2),

solved by :func:`quantforge.kernels.hjb.solve_linear_hjb`.  For ``kappa^+ != kappa^-`` no such
linearisation exists and the equation is integrated on the inventory grid by
:func:`quantforge.kernels.hjb_grid.solve_hjb_grid` (RK4 in time; the same code path handles the
multi-asset case).  With ``phi = alpha = mu = 0`` and no inventory bounds ``h`` does not depend on
``q`` and ``delta^± = 1/kappa^±`` exactly; with bounds this holds far from them.

Jumps in the mid enter this risk-neutral objective only through their mean, as the drift
``mu + lambda E[J]``: :func:`quantforge.models.jump_adjustment.cj_jump_adjusted_depths` (the jump risk
premium of that module is a property of GLFT's CARA utility, which this model does not have).

Time is in the unit of the rates ``lambda^±`` (per unit time); depths in price units.

References
----------
Á. Cartea, S. Jaimungal, J. Penalva (2015), "Algorithmic and High-Frequency Trading", Cambridge
University Press, ch. 10 ("Market making"), §10.2.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidParameters, NumericalInstability, check_array, check_int
from ..kernels.hjb import ExponentialSide, log_v_gaps, solve_hjb_grid, solve_linear_hjb
from .surface import QuoteSurface

__all__ = ["cj_exact_depths", "cj_surfaces", "cj_quote_surface"]

_POSITIVE = ("kappa_plus", "kappa_minus", "lambda_plus", "lambda_minus")
_NONNEGATIVE = ("phi", "alpha")


def _inventory_grid(q_min, q_max):
    lo = check_int("q_min", q_min)
    hi = check_int("q_max", q_max)
    if lo >= hi:
        raise InvalidParameters(f"q_min must be < q_max, got q_min={lo}, q_max={hi}")
    return lo, hi


def _params(values: dict) -> tuple[dict, int, bool]:
    """Validate scalar-or-1-D parameters and broadcast them to one batch length; the flag says whether any had a batch axis."""
    arrays = {}
    for name, value in values.items():
        a = check_array(name, value, dtype=np.float64, cast=True)
        if a.ndim > 1:
            raise InvalidParameters(f"{name} must be a scalar or a 1-D array of parameter sets, got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise InvalidParameters(f"{name} must be finite, got {a!r}")
        if name in _POSITIVE and np.any(a <= 0):
            raise InvalidParameters(f"{name} must be > 0, got {a!r}")
        if name in _NONNEGATIVE and np.any(a < 0):
            raise InvalidParameters(f"{name} must be >= 0, got {a!r}")
        arrays[name] = a
    batched = any(a.ndim == 1 for a in arrays.values())
    try:
        shape = np.broadcast_shapes(*(np.atleast_1d(a).shape for a in arrays.values()))
    except ValueError:
        sizes = {k: np.size(v) for k, v in arrays.items()}
        raise InvalidParameters(f"parameter arrays must have one common length (or be scalars), got {sizes}") from None
    return {k: np.broadcast_to(np.atleast_1d(v), shape).astype(np.float64) for k, v in arrays.items()}, shape[0], batched


def cj_exact_depths(
    time_to_horizon,
    *,
    q_min: int,
    q_max: int,
    kappa_plus,
    kappa_minus,
    lambda_plus,
    lambda_minus,
    phi,
    alpha,
    mu=0.0,
    backend: str | None = None,
    steps_per_unit: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Optimal bid (``delta^-``) and ask (``delta^+``) depths on a time × inventory grid, for one
    parameter set or a batch.

    Parameters
    ----------
    time_to_horizon : float array (n_t,)
        ``T - t``, non-negative and strictly increasing (unit of the rates).
    q_min, q_max : int
        Inventory bounds in lots (no ask at ``q_min``, no bid at ``q_max``), shared by the batch.
    kappa_plus, kappa_minus : float or array (n_sets,)
        Fill-intensity decays of the ask and bid sides (per price unit), > 0.
    lambda_plus, lambda_minus : float or array (n_sets,)
        Arrival rates of buy and sell market orders (per unit time), > 0.
    phi, alpha : float or array (n_sets,)
        Running and terminal inventory penalties (price per lot^2 per unit time; price per lot^2), >= 0.
    mu : float or array (n_sets,)
        Drift of the mid (price per unit time).
    backend : {"numpy", "numba", "auto"}, optional
        For the exact (common-kappa) solve.
    steps_per_unit : float, optional
        Minimum RK4 steps per unit time for the sets with ``kappa^+ != kappa^-`` (default 1000).

    Returns
    -------
    bid_depth, ask_depth : float64 arrays ``([n_sets,] n_t, q_max - q_min + 1)``
        ``+inf`` for the bid at ``q_max`` and the ask at ``q_min``; the leading axis is there when
        any parameter is an array.  The sets with a common kappa are solved together by one matrix
        exponential call, the others by one batched grid integration.

    Raises
    ------
    InvalidParameters
        Out-of-domain or non-finite parameters, parameter arrays of different lengths, bad grids.
    NumericalInstability
        If the value function leaves the double range.

    Examples
    --------
    >>> import numpy as np
    >>> bid, ask = cj_exact_depths(np.array([0.0, 1.0]), q_min=-10, q_max=10, kappa_plus=15.0,
    ...     kappa_minus=15.0, lambda_plus=2.0, lambda_minus=2.0, phi=0.0, alpha=0.0, backend="numpy")
    >>> round(float(bid[1, 10]), 6)   # far from the bounds: 1 / kappa
    0.066667
    """
    lo, hi = _inventory_grid(q_min, q_max)
    p, n_sets, batched = _params({"kappa_plus": kappa_plus, "kappa_minus": kappa_minus, "lambda_plus": lambda_plus,
                                  "lambda_minus": lambda_minus, "phi": phi, "alpha": alpha, "mu": mu})
    t = np.asarray(time_to_horizon, dtype=np.float64)
    q = np.arange(lo, hi + 1, dtype=np.float64)
    kp, km = p["kappa_plus"], p["kappa_minus"]
    bid = np.full((n_sets, np.size(t), q.size), np.inf)
    ask = np.full_like(bid, np.inf)
    same = kp == km
    if same.any():
        k_ = kp[same][:, None]
        diag = k_ * (p["phi"][same][:, None] * q**2 - p["mu"][same][:, None] * q)
        lower = np.broadcast_to(p["lambda_plus"][same][:, None] / math.e, diag.shape)
        upper = np.broadcast_to(p["lambda_minus"][same][:, None] / math.e, diag.shape)
        log_v = solve_linear_hjb(diag, lower, upper, -p["alpha"][same][:, None] * k_ * q**2, time_to_horizon, backend=backend)
        down, up = log_v_gaps(log_v)
        bid[same] = 1.0 / k_[:, :, None] + down / k_[:, :, None]
        ask[same] = 1.0 / k_[:, :, None] + up / k_[:, :, None]
    other = ~same
    if other.any():
        kpo, kmo = kp[other], km[other]
        theta = solve_hjb_grid(
            time_to_horizon,
            lower_bounds=(lo,),
            upper_bounds=(hi,),
            bid_sides=(ExponentialSide(p["lambda_minus"][other] / (math.e * kmo), kmo),),
            ask_sides=(ExponentialSide(p["lambda_plus"][other] / (math.e * kpo), kpo),),
            drift=p["mu"][other][:, None],
            penalty=2.0 * p["phi"][other][:, None, None],
            terminal_penalty=p["alpha"][other][:, None, None],
            steps_per_unit=steps_per_unit,
        )
        b_other = np.full(theta.shape, np.inf)
        a_other = np.full(theta.shape, np.inf)
        b_other[..., :-1] = 1.0 / kmo[:, None, None] + theta[..., :-1] - theta[..., 1:]
        a_other[..., 1:] = 1.0 / kpo[:, None, None] + theta[..., 1:] - theta[..., :-1]
        bid[other], ask[other] = b_other, a_other
    if np.isnan(bid).any() or np.isnan(ask).any():
        raise NumericalInstability("Cartea–Jaimungal depths are NaN")
    return (bid, ask) if batched else (bid[0], ask[0])


def cj_surfaces(
    time_to_horizon_s,
    *,
    q_min: int,
    q_max: int,
    kappa_plus,
    kappa_minus,
    lambda_plus,
    lambda_minus,
    phi,
    alpha,
    mu=0.0,
    backend: str | None = None,
) -> list[QuoteSurface]:
    """One Cartea–Jaimungal :class:`QuoteSurface` per parameter set from one batched solve
    (:func:`cj_exact_depths`); parameters are scalars or arrays ``(n_sets,)``.

    Raises
    ------
    InvalidParameters, NumericalInstability
        As :func:`cj_exact_depths`.

    Examples
    --------
    >>> import numpy as np
    >>> surfs = cj_surfaces(np.linspace(0, 1, 11), q_min=-5, q_max=5, kappa_plus=15.0, kappa_minus=[15.0, 20.0],
    ...                     lambda_plus=2.0, lambda_minus=2.0, phi=0.01, alpha=0.05)
    >>> [s.params["kappa_minus"] for s in surfs], surfs[1].bid_depth.shape
    ([15.0, 20.0], (11, 11))
    """
    values = {"kappa_plus": kappa_plus, "kappa_minus": kappa_minus, "lambda_plus": lambda_plus, "lambda_minus": lambda_minus,
              "phi": phi, "alpha": alpha, "mu": mu}
    p, n_sets, _ = _params(values)
    bid, ask = cj_exact_depths(time_to_horizon_s, q_min=q_min, q_max=q_max, backend=backend, **{k: p[k] for k in values})
    t = np.asarray(time_to_horizon_s, dtype=np.float64)
    inv = np.arange(q_min, q_max + 1, dtype=np.int64)
    return [
        QuoteSurface(
            model="cartea-jaimungal",
            params={k: float(p[k][i]) for k in values} | {"q_min": int(q_min), "q_max": int(q_max)},
            time_to_horizon_s=t,
            inventory_lots=inv,
            bid_depth=bid[i],
            ask_depth=ask[i],
        )
        for i in range(n_sets)
    ]


def cj_quote_surface(
    time_to_horizon_s,
    *,
    q_min: int,
    q_max: int,
    kappa_plus: float,
    kappa_minus: float,
    lambda_plus: float,
    lambda_minus: float,
    phi: float,
    alpha: float,
    mu: float = 0.0,
    backend: str | None = None,
) -> QuoteSurface:
    """The Cartea–Jaimungal :class:`QuoteSurface` (time-to-horizon × inventory lots) of one parameter set.

    Raises
    ------
    InvalidParameters
        As :func:`cj_exact_depths`, or an array where one set's scalar is expected (use :func:`cj_surfaces`).
    NumericalInstability
        If the value function leaves the double range.

    Examples
    --------
    >>> import numpy as np
    >>> s = cj_quote_surface(np.linspace(0, 1, 11), q_min=-8, q_max=8, kappa_plus=15.0, kappa_minus=15.0,
    ...                      lambda_plus=2.0, lambda_minus=1.5, phi=0.01, alpha=0.05)
    >>> s.model, s.bid_depth.shape, bool(np.isinf(s.bid_depth[0, -1]))
    ('cartea-jaimungal', (11, 17), True)
    """
    values = {"kappa_plus": kappa_plus, "kappa_minus": kappa_minus, "lambda_plus": lambda_plus, "lambda_minus": lambda_minus,
              "phi": phi, "alpha": alpha, "mu": mu}
    for name, value in values.items():
        if np.ndim(value) != 0:
            raise InvalidParameters(f"{name} must be a scalar for one surface; use cj_surfaces for a batch")
    return cj_surfaces(time_to_horizon_s, q_min=q_min, q_max=q_max, backend=backend, **values)[0]
