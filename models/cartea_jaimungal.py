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

Time is in the unit of the rates ``lambda^±`` (per unit time); depths in price units.

References
----------
Á. Cartea, S. Jaimungal, J. Penalva (2015), "Algorithmic and High-Frequency Trading", Cambridge
University Press, ch. 10 ("Market making"), §10.2.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidParameters, NumericalInstability, check_finite, check_int, check_nonnegative, check_positive
from ..kernels.hjb import log_v_gaps, solve_linear_hjb
from ..kernels.hjb_grid import ExponentialSide, solve_hjb_grid
from .surface import QuoteSurface

__all__ = ["cj_exact_depths", "cj_quote_surface"]


def _inventory_grid(q_min, q_max):
    lo = check_int("q_min", q_min)
    hi = check_int("q_max", q_max)
    if lo >= hi:
        raise InvalidParameters(f"q_min must be < q_max, got q_min={lo}, q_max={hi}")
    return lo, hi


def cj_exact_depths(
    time_to_horizon,
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
    steps_per_unit: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Optimal bid (``delta^-``) and ask (``delta^+``) depths on a time × inventory grid.

    Parameters
    ----------
    time_to_horizon : float array (n_t,)
        ``T - t``, non-negative and strictly increasing (unit of the rates).
    q_min, q_max : int
        Inventory bounds in lots (no ask at ``q_min``, no bid at ``q_max``).
    kappa_plus, kappa_minus : float
        Fill-intensity decays of the ask and bid sides (per price unit), > 0.
    lambda_plus, lambda_minus : float
        Arrival rates of buy and sell market orders (per unit time), > 0.
    phi, alpha : float
        Running and terminal inventory penalties (price per lot^2 per unit time; price per lot^2), >= 0.
    mu : float
        Drift of the mid (price per unit time).
    backend : {"numpy", "numba", "auto"}, optional
        For the exact (common-kappa) solve.
    steps_per_unit : float, optional
        Minimum RK4 steps per unit time for the ``kappa^+ != kappa^-`` case (default: chosen from the
        stiffness of the equation).

    Returns
    -------
    bid_depth, ask_depth : float64 arrays (n_t, q_max - q_min + 1)
        ``+inf`` for the bid at ``q_max`` and the ask at ``q_min``.

    Examples
    --------
    >>> import numpy as np
    >>> bid, ask = cj_exact_depths(np.array([0.0, 1.0]), q_min=-10, q_max=10, kappa_plus=15.0,
    ...     kappa_minus=15.0, lambda_plus=2.0, lambda_minus=2.0, phi=0.0, alpha=0.0, backend="numpy")
    >>> round(float(bid[1, 10]), 6)   # far from the bounds: 1 / kappa
    0.066667
    """
    lo, hi = _inventory_grid(q_min, q_max)
    kp = check_positive("kappa_plus", kappa_plus)
    km = check_positive("kappa_minus", kappa_minus)
    lp = check_positive("lambda_plus", lambda_plus)
    lm = check_positive("lambda_minus", lambda_minus)
    phi_ = check_nonnegative("phi", phi)
    alpha_ = check_nonnegative("alpha", alpha)
    mu_ = check_finite("mu", mu)
    q = np.arange(lo, hi + 1, dtype=np.float64)
    if kp == km:
        diag = kp * (phi_ * q**2 - mu_ * q)
        lower = np.full_like(q, lp / math.e)
        upper = np.full_like(q, lm / math.e)
        log_v = solve_linear_hjb(diag[None], lower[None], upper[None], (-alpha_ * kp * q**2)[None], time_to_horizon, backend=backend)[0]
        down, up = log_v_gaps(log_v)
        bid = 1.0 / km + down / kp
        ask = 1.0 / kp + up / kp
    else:
        theta = solve_hjb_grid(
            time_to_horizon,
            lower_bounds=(lo,),
            upper_bounds=(hi,),
            bid_sides=(ExponentialSide(lm / (math.e * km), km),),
            ask_sides=(ExponentialSide(lp / (math.e * kp), kp),),
            drift=np.array([mu_]),
            penalty=np.array([[2.0 * phi_]]),
            terminal_penalty=np.array([[alpha_]]),
            steps_per_unit=steps_per_unit,
        )
        bid = np.full(theta.shape, np.inf)
        ask = np.full(theta.shape, np.inf)
        bid[:, :-1] = 1.0 / km + theta[:, :-1] - theta[:, 1:]
        ask[:, 1:] = 1.0 / kp + theta[:, 1:] - theta[:, :-1]
    if np.isnan(bid).any() or np.isnan(ask).any():
        raise NumericalInstability("Cartea–Jaimungal depths are NaN")
    return bid, ask


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
    """The Cartea–Jaimungal :class:`QuoteSurface` (time-to-horizon × inventory lots), see :func:`cj_exact_depths`."""
    bid, ask = cj_exact_depths(
        time_to_horizon_s, q_min=q_min, q_max=q_max, kappa_plus=kappa_plus, kappa_minus=kappa_minus,
        lambda_plus=lambda_plus, lambda_minus=lambda_minus, phi=phi, alpha=alpha, mu=mu, backend=backend,
    )
    params = {
        "kappa_plus": float(kappa_plus), "kappa_minus": float(kappa_minus), "lambda_plus": float(lambda_plus),
        "lambda_minus": float(lambda_minus), "phi": float(phi), "alpha": float(alpha), "mu": float(mu),
        "q_min": int(q_min), "q_max": int(q_max),
    }
    return QuoteSurface(
        model="cartea-jaimungal",
        params=params,
        time_to_horizon_s=np.asarray(time_to_horizon_s, dtype=np.float64),
        inventory_lots=np.arange(q_min, q_max + 1, dtype=np.int64),
        bid_depth=bid,
        ask_depth=ask,
    )
