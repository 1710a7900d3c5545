"""Jump-adjusted quotes: the mid price also jumps (Kou double-exponential jumps, possibly clustered and
regime-dependent), on a GLFT base (CARA utility) and on a Cartea–Jaimungal base (risk neutral).

Which base, and why.  The jump risk premium below exists only for a market maker whose objective is a
utility: it is the CARA certainty equivalent of a jump, so :func:`jump_adjusted_depths` builds on GLFT
(2013) with ``xi = gamma``.  The Cartea–Jaimungal market maker of :mod:`quantforge.models.cartea_jaimungal`
maximises expected wealth less its penalties ``phi q^2`` and ``alpha q^2``: a jump changes its value
``x + q S + h`` by ``q J``, whose expectation adds ``lambda E[J] q`` per unit time to the running term of
CJP eq. (10.11) and nothing else, so on that base the jumps act exactly as the drift
``mu + lambda E[J]`` (the asymmetric adjustment, with the clustering and regime adjustments acting on
``lambda``) and carry no premium; :func:`cj_jump_adjusted_depths` solves it.

Mid ``dS = mu dt + sigma dW + J dN`` with jumps ``J = +Exp(eta_up)`` with probability ``p_up`` and
``-Exp(eta_down)`` otherwise (price units; Kou 2002), at rate ``lambda``.  For the CARA market maker of
GLFT (2013) the jump changes ``u = -exp(-gamma (x + q S + theta))`` by the factor ``exp(-gamma q J)``, so
the running term of the ``theta`` equation gains the *jump risk premium*

    -(lambda / gamma) (E[exp(-gamma q J)] - 1),
    E[exp(-gamma q J)] = p_up eta_up / (eta_up + gamma q) + (1 - p_up) eta_down / (eta_down - gamma q),   (1)

finite only for ``-eta_up < gamma q < eta_down`` (beyond, one more unit of inventory is an unbounded
risk and the inventory bound must be tightened).  Expanding (1) to second order in ``q`` recovers the
diffusion with ``mu + lambda E[J]`` and ``sigma^2 + lambda E[J^2]``: the *asymmetric adjustment* (skew
towards the side the jumps favour, from ``p_up`` and ``eta_up``/``eta_down`` through ``E[J]``) and the
*jump risk premium* (wider quotes, through ``E[J^2]`` and higher moments).  The term is diagonal in
``q``, so the quotes are still exact by the matrix exponential of :mod:`quantforge.kernels.hjb`
(:mod:`quantforge.models.glft`, eqs. (1)–(2), with ``xi = gamma``, ``Delta = 1``).

Two further adjustments act on the jump rate: *clustering* — jumps from a Hawkes process with
branching ratio ``n < 1`` arrive at the stationary mean rate ``lambda / (1 - n)`` (REFERENCES: Hawkes
stationary intensity) — and *regimes* — one surface per regime with the regime's rate multiplier,
stacked on the surface's regime axis; each regime is treated as persistent over the horizon (no
switching inside the HJB), which is exact when regimes last longer than the horizon.

References
----------
O. Guéant, C.-A. Lehalle, J. Fernandez-Tapia (2013), Math. Financ. Econ. 7:477–507.
Á. Cartea, S. Jaimungal, J. Penalva (2015), "Algorithmic and High-Frequency Trading", CUP, §10.2.
S. G. Kou (2002), "A jump-diffusion model for option pricing", Management Science 48(8):1086–1101.
A. G. Hawkes (1971), "Spectra of some self-exciting and mutually exciting point processes", Biometrika 58(1).
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameters, check_finite, check_in_range, check_int, check_nonnegative, check_positive
from ..kernels.hjb import log_v_gaps, solve_linear_hjb
from .cartea_jaimungal import cj_exact_depths
from .glft import glft_intensity_constants
from .surface import QuoteSurface

__all__ = [
    "kou_moments",
    "effective_jump_rate",
    "jump_risk_premium",
    "jump_adjusted_depths",
    "jump_adjusted_surface",
    "cj_jump_adjusted_depths",
]


def kou_moments(p_up: float, eta_up: float, eta_down: float) -> tuple[float, float]:
    """``(E[J], E[J^2])`` of a Kou jump: ``p/eta_up - (1-p)/eta_down`` and ``2p/eta_up^2 + 2(1-p)/eta_down^2``."""
    p = check_in_range("p_up", p_up, 0.0, 1.0)
    eu = check_positive("eta_up", eta_up)
    ed = check_positive("eta_down", eta_down)
    return p / eu - (1 - p) / ed, 2 * p / eu**2 + 2 * (1 - p) / ed**2


def effective_jump_rate(base_rate: float, *, branching_ratio: float = 0.0, regime_multiplier: float = 1.0) -> float:
    """Mean jump rate ``base_rate * regime_multiplier / (1 - branching_ratio)`` (per unit time).

    ``branching_ratio`` is the Hawkes kernel's L1 norm (mean number of jumps each jump triggers),
    in ``[0, 1)``; at 1 the process explodes and the rate is infinite.
    """
    lam = check_nonnegative("base_rate", base_rate)
    n = check_in_range("branching_ratio", branching_ratio, 0.0, 1.0, high_open=True)
    m = check_nonnegative("regime_multiplier", regime_multiplier)
    return lam * m / (1.0 - n)


def jump_risk_premium(inventory, *, gamma: float, jump_rate: float, p_up: float, eta_up: float, eta_down: float) -> np.ndarray:
    """The jump term of the running penalty, ``(lambda / gamma)(E[exp(-gamma q J)] - 1)`` of (1), per unit time.

    Its first-order part is ``-lambda E[J] q`` (the jumps' drift); by Jensen's inequality it is never
    below that, the excess being the jump risk premium (price units per unit time).

    Raises
    ------
    InvalidParameters
        If ``gamma q`` leaves ``(-eta_up, eta_down)`` for some inventory.
    """
    g = check_positive("gamma", gamma)
    lam = check_nonnegative("jump_rate", jump_rate)
    kou_moments(p_up, eta_up, eta_down)
    q = np.asarray(inventory, dtype=np.float64)
    x = g * q
    if np.any(x >= eta_down) or np.any(x <= -eta_up):
        raise InvalidParameters(
            f"gamma * inventory must lie in (-eta_up, eta_down) = ({-eta_up}, {eta_down}) for the jump risk to be finite; "
            f"got gamma * q in [{x.min()}, {x.max()}] (lower the inventory bound or gamma)"
        )
    mgf = p_up * eta_up / (eta_up + x) + (1 - p_up) * eta_down / (eta_down - x)
    return lam / g * (mgf - 1.0)


def jump_adjusted_depths(
    time_to_horizon,
    q_max: int,
    *,
    gamma: float,
    sigma: float,
    A: float,
    k: float,
    jump_rate: float,
    p_up: float,
    eta_up: float,
    eta_down: float,
    mu: float = 0.0,
    branching_ratio: float = 0.0,
    regime_multipliers=(1.0,),
    backend: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact GLFT depths with the jump risk premium (1), one set per regime.

    Returns
    -------
    bid_depth, ask_depth : float64 arrays (n_regimes, n_t, 2 q_max + 1)
        Price units; ``+inf`` for the bid at ``+q_max`` and the ask at ``-q_max``.
    """
    n_max = check_int("q_max", q_max, minimum=1)
    g = check_positive("gamma", gamma)
    s = check_positive("sigma", sigma)
    a = check_positive("A", A)
    kk = check_positive("k", k)
    drift = check_finite("mu", mu)
    mults = np.atleast_1d(np.asarray(regime_multipliers, dtype=np.float64))
    if mults.ndim != 1 or mults.size < 1:
        raise InvalidParameters(f"regime_multipliers must be a non-empty 1-D sequence, got {regime_multipliers!r}")
    rates = [effective_jump_rate(jump_rate, branching_ratio=branching_ratio, regime_multiplier=float(m)) for m in mults]
    c, big_c = glft_intensity_constants(g, kk)
    q = np.arange(-n_max, n_max + 1, dtype=np.float64)
    diag = np.stack([
        kk * (0.5 * g * s * s * q**2 - drift * q
              + jump_risk_premium(q, gamma=g, jump_rate=r, p_up=p_up, eta_up=eta_up, eta_down=eta_down))
        for r in rates
    ])
    eta = np.full_like(diag, a * big_c[0])
    log_v = solve_linear_hjb(diag, eta, eta, np.zeros_like(diag), time_to_horizon, backend=backend)
    down, up = log_v_gaps(log_v)
    return down / kk + c[0], up / kk + c[0]


def jump_adjusted_surface(time_to_horizon_s, q_max: int, **params) -> QuoteSurface:
    """:func:`jump_adjusted_depths` as a :class:`QuoteSurface` (with a regime axis when there are several regimes)."""
    bid, ask = jump_adjusted_depths(time_to_horizon_s, q_max, **params)
    if bid.shape[0] == 1:
        bid, ask = bid[0], ask[0]
    stored = {key: (list(map(float, v)) if isinstance(v, (list, tuple, np.ndarray)) else v) for key, v in params.items() if key != "backend"}
    return QuoteSurface(
        model="glft-jumps",
        params=stored | {"q_max": int(q_max)},
        time_to_horizon_s=np.asarray(time_to_horizon_s, dtype=np.float64),
        inventory_lots=np.arange(-q_max, q_max + 1, dtype=np.int64),
        bid_depth=bid,
        ask_depth=ask,
    )


def cj_jump_adjusted_depths(
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
    jump_rate: float,
    p_up: float,
    eta_up: float,
    eta_down: float,
    mu: float = 0.0,
    branching_ratio: float = 0.0,
    regime_multipliers=(1.0,),
    backend: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Cartea–Jaimungal depths with Kou jumps in the mid: the drift ``mu + lambda_r E[J]`` per regime
    ``r`` (module docstring), ``lambda_r`` from :func:`effective_jump_rate`; one batched solve.

    Returns
    -------
    bid_depth, ask_depth : float64 arrays (n_regimes, n_t, q_max - q_min + 1)
        As :func:`quantforge.models.cartea_jaimungal.cj_exact_depths`.

    Raises
    ------
    InvalidParameters
        Bad jump or market-making parameters.

    Examples
    --------
    >>> import numpy as np
    >>> bid, ask = cj_jump_adjusted_depths(np.array([1.0]), q_min=-5, q_max=5, kappa_plus=15.0, kappa_minus=15.0,
    ...     lambda_plus=2.0, lambda_minus=2.0, phi=0.01, alpha=0.05, jump_rate=2.0, p_up=0.8, eta_up=4.0, eta_down=4.0)
    >>> bool(bid[0, 0, 5] < ask[0, 0, 5])   # upward jumps on average: lean to buying at q = 0
    True
    """
    m1, _ = kou_moments(p_up, eta_up, eta_down)
    drift = check_finite("mu", mu)
    mults = np.atleast_1d(np.asarray(regime_multipliers, dtype=np.float64))
    if mults.ndim != 1 or mults.size < 1:
        raise InvalidParameters(f"regime_multipliers must be a non-empty 1-D sequence, got {regime_multipliers!r}")
    rates = np.array([effective_jump_rate(jump_rate, branching_ratio=branching_ratio, regime_multiplier=float(m)) for m in mults])
    n = rates.size
    return cj_exact_depths(
        time_to_horizon, q_min=q_min, q_max=q_max, kappa_plus=np.full(n, kappa_plus), kappa_minus=kappa_minus,
        lambda_plus=lambda_plus, lambda_minus=lambda_minus, phi=phi, alpha=alpha, mu=drift + rates * m1, backend=backend,
    )
