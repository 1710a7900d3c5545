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
:func:`quantforge.kernels.hjb.solve_hjb_grid` (RK4 in time; the same code path handles the
multi-asset case).  With ``phi = alpha = mu = 0`` and no inventory bounds ``h`` does not depend on
``q`` and ``delta^± = 1/kappa^±`` exactly; with bounds this holds far from them.

Jumps in the mid enter this risk-neutral objective only through their mean, as the drift
``mu + lambda E[J]``: :func:`quantforge.models.jump_adjustment.cj_jump_adjusted_depths` (the jump risk
premium of that module is a property of GLFT's CARA utility, which this model does not have).

Parameters are a :class:`CJParams`, one set or a batch (:mod:`quantforge.models.parameters`).
Time is in the unit of the rates ``lambda^±`` (per unit time); depths in price units.

References
----------
Á. Cartea, S. Jaimungal, J. Penalva (2015), "Algorithmic and High-Frequency Trading", Cambridge
University Press, ch. 10 ("Market making"), §10.2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._typing import ArrayLike
from ..errors import InvalidParameters, NumericalInstability, check_array, check_int, check_memory
from ..kernels.hjb import ExponentialSide, log_v_gaps, solve_hjb_grid, solve_linear_hjb
from .parameters import ModelParams, squeeze_sets
from .surface import QuoteSurface, build_surfaces

__all__ = ["CJParams", "cj_exact_depths", "quote_surfaces"]


@dataclass(frozen=True, kw_only=True, eq=False)
class CJParams(ModelParams):
    """Validated Cartea–Jaimungal parameters (CJP 2015, §10.2): one set, or a batch when any field is a 1-D array.

    Parameters
    ----------
    kappa_plus, kappa_minus : float or array (n_sets,)
        Fill-intensity decays of the ask and bid sides, > 0 (per price unit).
    lambda_plus, lambda_minus : float or array (n_sets,)
        Arrival rates of buy and sell market orders, > 0 (per unit time).
    phi : float or array (n_sets,)
        Running inventory penalty, >= 0 (price per lot^2 per unit time).
    alpha : float or array (n_sets,)
        Terminal inventory penalty, >= 0 (price per lot^2).
    mu : float or array (n_sets,)
        Drift of the mid (price per unit time).

    Raises
    ------
    InvalidParameters
        A NaN, infinite or out-of-domain value, or arrays whose lengths do not broadcast; the
        message names the field and the value.
    TypeError
        A value that is not a real number.

    Examples
    --------
    >>> CJParams(kappa_plus=15.0, kappa_minus=[15.0, 20.0], lambda_plus=2.0, lambda_minus=2.0, phi=0.01, alpha=0.05).n_sets
    2
    """

    DOMAIN = {
        "kappa_plus": "> 0",
        "kappa_minus": "> 0",
        "lambda_plus": "> 0",
        "lambda_minus": "> 0",
        "phi": ">= 0",
        "alpha": ">= 0",
        "mu": "real",
    }

    kappa_plus: float | np.ndarray
    kappa_minus: float | np.ndarray
    lambda_plus: float | np.ndarray
    lambda_minus: float | np.ndarray
    phi: float | np.ndarray
    alpha: float | np.ndarray
    mu: float | np.ndarray = 0.0


def _inventory_grid(q_min, q_max):
    lo = check_int("q_min", q_min)
    hi = check_int("q_max", q_max)
    if lo >= hi:
        raise InvalidParameters(f"q_min must be < q_max, got q_min={lo}, q_max={hi}")
    return lo, hi


def cj_exact_depths(
    params: CJParams,
    taus: ArrayLike,
    q_min: int,
    q_max: int,
    *,
    backend: str | None = None,
    steps_per_unit: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Optimal bid (``delta^-``) and ask (``delta^+``) depths on a time × inventory grid, for one
    parameter set or a batch.

    Parameters
    ----------
    params : CJParams
    taus : float array (n_t,)
        ``T - t``, non-negative and strictly increasing (unit of the rates).
    q_min, q_max : int
        Inventory bounds in lots (no ask at ``q_min``, no bid at ``q_max``), shared by the batch.
    backend : {"numpy", "numba", "auto", ...}, optional
        For the exact (common-kappa) solve (:func:`quantforge.kernels.hjb.solve_linear_hjb`) and the
        grid integration (:func:`quantforge.kernels.hjb.solve_hjb_grid`).
    steps_per_unit : float, optional
        Minimum RK4 steps per unit time for the sets with ``kappa^+ != kappa^-`` (default 1000).

    Returns
    -------
    bid_depth, ask_depth : float64 arrays ``([n_sets,] n_t, q_max - q_min + 1)``
        ``+inf`` for the bid at ``q_max`` and the ask at ``q_min``; the leading axis when ``params``
        is batched.  The sets with a common kappa are solved together by one matrix exponential
        call, the others by one batched grid integration.

    Raises
    ------
    InvalidParameters
        Bad grids.
    TypeError
        If ``params`` is not a :class:`CJParams`, or a bound not an integer.
    NumericalInstability
        If the value function leaves the double range.

    Examples
    --------
    >>> import numpy as np
    >>> params = CJParams(kappa_plus=15.0, kappa_minus=15.0, lambda_plus=2.0, lambda_minus=2.0, phi=0.0, alpha=0.0)
    >>> bid, ask = cj_exact_depths(params, np.array([0.0, 1.0]), -10, 10, backend="numpy")
    >>> round(float(bid[1, 10]), 6)   # far from the bounds: 1 / kappa
    0.066667
    """
    if not isinstance(params, CJParams):
        raise TypeError(f"params must be a CJParams, got {type(params).__name__}")
    lo, hi = _inventory_grid(q_min, q_max)
    # the common-kappa sets propagate with dense (n, n) matrices, a few per parameter set
    check_memory("q_max", q_max, 48.0 * params.n_sets * (hi - lo + 1) ** 2, f"{hi - lo + 1} inventories")
    taus = check_array("taus", taus, dtype=np.float64, ndim=1, cast=True)
    p = params.columns()
    q = np.arange(lo, hi + 1, dtype=np.float64)
    kp, km = p["kappa_plus"], p["kappa_minus"]
    bid = np.full((params.n_sets, np.size(taus), q.size), np.inf)
    ask = np.full_like(bid, np.inf)
    same = kp == km
    if same.any():
        k_ = kp[same][:, None]
        diag = k_ * (p["phi"][same][:, None] * q**2 - p["mu"][same][:, None] * q)
        lower = np.broadcast_to(p["lambda_plus"][same][:, None] / math.e, diag.shape)
        upper = np.broadcast_to(p["lambda_minus"][same][:, None] / math.e, diag.shape)
        log_v = solve_linear_hjb(diag, lower, upper, -p["alpha"][same][:, None] * k_ * q**2, taus, backend=backend)
        down, up = log_v_gaps(log_v)
        bid[same] = 1.0 / k_[:, :, None] + down / k_[:, :, None]
        ask[same] = 1.0 / k_[:, :, None] + up / k_[:, :, None]
    other = ~same
    if other.any():
        kpo, kmo = kp[other], km[other]
        theta = solve_hjb_grid(
            taus,
            lower_bounds=(lo,),
            upper_bounds=(hi,),
            bid_sides=(ExponentialSide(p["lambda_minus"][other] / (math.e * kmo), kmo),),
            ask_sides=(ExponentialSide(p["lambda_plus"][other] / (math.e * kpo), kpo),),
            drift=p["mu"][other][:, None],
            penalty=2.0 * p["phi"][other][:, None, None],
            terminal_penalty=p["alpha"][other][:, None, None],
            steps_per_unit=steps_per_unit,
            backend=backend,
        )
        b_other = np.full(theta.shape, np.inf)
        a_other = np.full(theta.shape, np.inf)
        b_other[..., :-1] = 1.0 / kmo[:, None, None] + theta[..., :-1] - theta[..., 1:]
        a_other[..., 1:] = 1.0 / kpo[:, None, None] + theta[..., 1:] - theta[..., :-1]
        bid[other], ask[other] = b_other, a_other
    if np.isnan(bid).any() or np.isnan(ask).any():
        raise NumericalInstability("Cartea–Jaimungal depths are NaN")
    return squeeze_sets(params.batched, bid, ask)


def quote_surfaces(
    params: CJParams, taus: ArrayLike, q_min: int, q_max: int, *, backend: str | None = None
) -> list[QuoteSurface]:
    """One Cartea–Jaimungal :class:`QuoteSurface` per parameter set from one batched solve (:func:`cj_exact_depths`).

    Parameters
    ----------
    params : CJParams
        One surface per parameter set.
    taus : float array (n_t,)
        Times to the horizon, non-negative, strictly increasing (unit of the rates).
    q_min, q_max : int
        Inventory bounds in lots: the surfaces' inventory axis is ``q_min..q_max``.
    backend : str, optional
        As :func:`cj_exact_depths`.

    Returns
    -------
    list of QuoteSurface (n_sets,)
        Depths (n_t, q_max - q_min + 1) in price units; each stores its set's parameters and the bounds.

    Raises
    ------
    InvalidParameters, TypeError, NumericalInstability
        As :func:`cj_exact_depths`.

    Examples
    --------
    >>> import numpy as np
    >>> params = CJParams(kappa_plus=15.0, kappa_minus=[15.0, 20.0], lambda_plus=2.0, lambda_minus=2.0, phi=0.01, alpha=0.05)
    >>> surfs = quote_surfaces(params, np.linspace(0, 1, 11), -5, 5)
    >>> [s.params["kappa_minus"] for s in surfs], surfs[1].bid_depth.shape, bool(np.isinf(surfs[0].bid_depth[0, -1]))
    ([15.0, 20.0], (11, 11), True)
    """
    bid, ask = cj_exact_depths(params, taus, q_min, q_max, backend=backend)
    if not params.batched:
        bid, ask = bid[None], ask[None]
    return build_surfaces(
        model="cartea-jaimungal",
        params=[s | {"q_min": int(q_min), "q_max": int(q_max)} for s in params.sets()],
        time_to_horizon_s=taus,
        inventory_lots=np.arange(q_min, q_max + 1, dtype=np.int64),
        bid_depth=bid,
        ask_depth=ask,
    )
