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
:meth:`JumpParams.from_hawkes` takes the rate and the branching ratio from a Hawkes process fitted
to the jump times (:func:`quantforge.models.hawkes.fit_hawkes`).

The jump process is a :class:`JumpParams` (one set or a batch, :mod:`quantforge.models.parameters`);
the market maker's own parameters are the base model's, a :class:`~quantforge.models.glft.GLFTParams`
or a :class:`~quantforge.models.cartea_jaimungal.CJParams`, batched alike; the regime multipliers
are a grid axis of the surfaces, not a parameter set.

References
----------
O. Guéant, C.-A. Lehalle, J. Fernandez-Tapia (2013), Math. Financ. Econ. 7:477–507.
Á. Cartea, S. Jaimungal, J. Penalva (2015), "Algorithmic and High-Frequency Trading", CUP, §10.2.
S. G. Kou (2002), "A jump-diffusion model for option pricing", Management Science 48(8):1086–1101.
A. G. Hawkes (1971), "Spectra of some self-exciting and mutually exciting point processes", Biometrika 58(1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._typing import ArrayLike, Float64Array
from ..errors import (
    InvalidParameters,
    NumericalInstability,
    check_all_finite,
    check_array,
    check_int,
    check_memory,
    check_nonnegative,
)
from ..kernels.hjb import log_v_gaps, solve_linear_hjb
from .cartea_jaimungal import CJParams, cj_exact_depths
from .glft import GLFTParams, glft_intensity_constants
from .parameters import ModelParams, squeeze_sets
from .surface import QuoteSurface, build_surfaces

__all__ = [
    "JumpParams",
    "kou_moments",
    "effective_jump_rate",
    "jump_risk_premium",
    "jump_adjusted_depths",
    "cj_jump_adjusted_depths",
    "quote_surfaces",
]


@dataclass(frozen=True, kw_only=True, eq=False)
class JumpParams(ModelParams):
    """Validated parameters of the jumps in the mid (Kou 2002; Hawkes clustering): one set or a batch.

    Parameters
    ----------
    jump_rate : float or array (n_sets,)
        ``lambda``, the base jump rate, >= 0 (per unit time).
    p_up : float or array (n_sets,)
        Probability that a jump is upward, in [0, 1].
    eta_up, eta_down : float or array (n_sets,)
        Rates of the exponential up and down jump sizes, > 0 (per price unit; mean sizes ``1/eta``).
    branching_ratio : float or array (n_sets,)
        ``n``, the Hawkes kernel's L1 norm (jumps triggered per jump), in [0, 1).

    Raises
    ------
    InvalidParameters
        A NaN, infinite or out-of-domain value, or arrays whose lengths do not broadcast; the
        message names the field and the value.
    TypeError
        A value that is not a real number.

    Examples
    --------
    >>> JumpParams(jump_rate=2.0, p_up=0.5, eta_up=4.0, eta_down=[4.0, 2.0]).n_sets
    2
    """

    DOMAIN = {
        "jump_rate": ">= 0",
        "p_up": "in [0, 1]",
        "eta_up": "> 0",
        "eta_down": "> 0",
        "branching_ratio": "in [0, 1)",
    }

    jump_rate: float | np.ndarray
    p_up: float | np.ndarray
    eta_up: float | np.ndarray
    eta_down: float | np.ndarray
    branching_ratio: float | np.ndarray = 0.0

    @classmethod
    def from_hawkes(cls, fit: Any, *, p_up: ArrayLike, eta_up: ArrayLike, eta_down: ArrayLike) -> JumpParams:
        """The jumps of a univariate Hawkes process fitted to the jump times, with Kou jump sizes.

        ``jump_rate`` is the fitted baseline ``mu`` and ``branching_ratio`` the kernel's L1 norm, so
        :func:`effective_jump_rate` is the fitted process's stationary intensity ``mu / (1 - n)``.

        Parameters
        ----------
        fit : HawkesFit or HawkesProcess
            Of one dimension (:func:`quantforge.models.hawkes.fit_hawkes` on the jump times).
        p_up, eta_up, eta_down :
            The jump sizes, as in the class.

        Raises
        ------
        TypeError
            ``fit`` is neither a fit nor a process.
        InvalidParameters
            A process of more than one dimension, or one whose branching ratio is >= 1.
        """
        from ..kernels.hawkes import HawkesProcess

        process = getattr(fit, "process", fit)
        if not isinstance(process, HawkesProcess):
            raise TypeError(f"fit must be a HawkesFit or a HawkesProcess, got {type(fit).__name__}")
        if process.dim != 1:
            raise InvalidParameters(f"fit must be of one dimension (the jump times), got {process.dim} dimensions")
        return cls(
            jump_rate=float(process.baseline[0]),
            p_up=p_up,
            eta_up=eta_up,
            eta_down=eta_down,
            branching_ratio=float(process.branching_matrix[0, 0]),
        )


def _check_jumps(jumps) -> JumpParams:
    if not isinstance(jumps, JumpParams):
        raise TypeError(f"jumps must be a JumpParams, got {type(jumps).__name__}")
    return jumps


def _sets(params: ModelParams, jumps: JumpParams) -> int:
    """The common number of parameter sets of the base model's parameters and the jumps."""
    try:
        (n,) = np.broadcast_shapes((params.n_sets,), (jumps.n_sets,))
    except ValueError:
        raise InvalidParameters(
            f"params and jumps must hold one common number of parameter sets (or one), got {params.n_sets} and {jumps.n_sets}"
        ) from None
    return n


def _columns(params: ModelParams, n: int) -> dict[str, np.ndarray]:
    """The columns of ``params`` broadcast to ``(n, 1)``: one row per set, ready to meet a regime axis."""
    return {name: np.broadcast_to(v, (n,))[:, None] for name, v in params.columns().items()}


def _multipliers(regime_multipliers) -> np.ndarray:
    m = check_all_finite(
        "regime_multipliers", check_array("regime_multipliers", regime_multipliers, dtype=np.float64, cast=True)
    )
    if m.ndim != 1 or m.size < 1:
        raise InvalidParameters(f"regime_multipliers must be a non-empty 1-D sequence, got {regime_multipliers!r}")
    if np.any(m < 0):
        i = int(np.argmax(m < 0))
        raise InvalidParameters(
            f"regime_multipliers must be >= 0 everywhere; regime_multipliers[{i}] = {float(m[i])!r}"
        )
    return m


def _moments(j: dict) -> tuple[np.ndarray, np.ndarray]:
    p, eu, ed = j["p_up"], j["eta_up"], j["eta_down"]
    return p / eu - (1 - p) / ed, 2 * p / eu**2 + 2 * (1 - p) / ed**2


def _rates(j: dict, multipliers) -> np.ndarray:
    """Effective jump rates ``lambda m / (1 - n)``; broadcasts ``multipliers`` against the columns ``j``."""
    with np.errstate(over="ignore", invalid="ignore"):
        rates = j["jump_rate"] * multipliers / (1.0 - j["branching_ratio"])
    if not np.all(np.isfinite(rates)):
        raise NumericalInstability(
            f"the effective jump rate overflows: jump_rate {np.unique(j['jump_rate'])} times the "
            f"regime multipliers {np.unique(multipliers)} over 1 - branching_ratio"
        )
    return rates


def kou_moments(jumps: JumpParams) -> tuple:
    """``(E[J], E[J^2])`` of a Kou jump: ``p/eta_up - (1-p)/eta_down`` and ``2p/eta_up^2 + 2(1-p)/eta_down^2``.

    Returns
    -------
    mean, second_moment : floats, or arrays (n_sets,) for a batch (price units, price units^2)

    Examples
    --------
    >>> kou_moments(JumpParams(jump_rate=1.0, p_up=0.5, eta_up=4.0, eta_down=4.0))
    (0.0, 0.125)
    """
    j = _check_jumps(jumps).columns()
    return squeeze_sets(jumps.batched, *_moments(j))


def effective_jump_rate(jumps: JumpParams, *, regime_multiplier: float = 1.0) -> float | Float64Array:
    """Mean jump rate ``jump_rate * regime_multiplier / (1 - branching_ratio)`` (per unit time).

    ``branching_ratio`` is the Hawkes kernel's L1 norm (mean number of jumps each jump triggers), so
    the clustered jumps arrive at the stationary mean rate of the Hawkes process.

    Returns
    -------
    float, or array (n_sets,) for a batch

    Raises
    ------
    InvalidParameters
        A negative or non-finite ``regime_multiplier``.

    Examples
    --------
    >>> effective_jump_rate(JumpParams(jump_rate=2.0, p_up=0.5, eta_up=4.0, eta_down=4.0, branching_ratio=0.5))
    4.0
    """
    m = check_nonnegative("regime_multiplier", regime_multiplier)
    return squeeze_sets(_check_jumps(jumps).batched, _rates(jumps.columns(), m))


def _premium(q, gamma, rate, j) -> np.ndarray:
    """``(rate / gamma)(E[exp(-gamma q J)] - 1)`` of (1) on broadcast arrays; refuses the inventories where it is infinite."""
    x = gamma * q
    if np.any(x >= j["eta_down"]) or np.any(x <= -j["eta_up"]):
        raise InvalidParameters(
            f"gamma * inventory must lie in (-eta_up, eta_down) for the jump risk to be finite; got gamma * q in "
            f"[{np.min(x)}, {np.max(x)}] against eta_up {np.unique(j['eta_up'])}, eta_down {np.unique(j['eta_down'])} "
            "(lower the inventory bound or gamma)"
        )
    mgf = j["p_up"] * j["eta_up"] / (j["eta_up"] + x) + (1 - j["p_up"]) * j["eta_down"] / (j["eta_down"] - x)
    return rate / gamma * (mgf - 1.0)


def jump_risk_premium(
    inventory: ArrayLike, params: GLFTParams, jumps: JumpParams, *, regime_multiplier: float = 1.0
) -> np.ndarray:
    """The jump term of the running penalty, ``(lambda / gamma)(E[exp(-gamma q J)] - 1)`` of (1), per unit time.

    ``lambda`` is :func:`effective_jump_rate` and ``gamma`` the CARA risk aversion of ``params``.  Its
    first-order part is ``-lambda E[J] q`` (the jumps' drift); by Jensen's inequality it is never
    below that, the excess being the jump risk premium (price units per unit time).

    Returns
    -------
    float array ``([n_sets,] *inventory.shape)``
        The leading axis when ``params`` or ``jumps`` is batched.

    Raises
    ------
    InvalidParameters
        If ``gamma q`` leaves ``(-eta_up, eta_down)`` for some inventory, or the batches differ in length.

    Examples
    --------
    >>> base = GLFTParams(gamma=0.1, sigma=2.0, A=140.0, k=1.5)
    >>> jumps = JumpParams(jump_rate=2.0, p_up=0.5, eta_up=4.0, eta_down=4.0)
    >>> jump_risk_premium([-1.0, 0.0, 1.0], base, jumps).round(6)
    array([0.012508, 0.      , 0.012508])
    """
    _glft_base(params)
    n = _sets(params, _check_jumps(jumps))
    m = check_nonnegative("regime_multiplier", regime_multiplier)
    q = check_all_finite("inventory", check_array("inventory", inventory, dtype=np.float64, cast=True))
    extra = (1,) * q.ndim
    g = np.broadcast_to(params.columns()["gamma"], (n,)).reshape((n,) + extra)
    j = {name: np.broadcast_to(v, (n,)).reshape((n,) + extra) for name, v in jumps.columns().items()}
    return squeeze_sets(params.batched or jumps.batched, _premium(q, g, _rates(j, m), j))


def _glft_base(params) -> GLFTParams:
    """The GLFT base of the CARA premium: (1) is derived for ``xi = gamma``, ``Delta = 1`` and no adverse selection."""
    if not isinstance(params, GLFTParams):
        raise TypeError(f"params must be a GLFTParams, got {type(params).__name__}")
    for name, ok in (
        ("xi", np.all(np.asarray(params.xi) == np.asarray(params.gamma))),
        ("delta", np.all(np.asarray(params.delta) == 1.0)),
        ("adverse_selection", np.all(np.asarray(params.adverse_selection) == 0.0)),
    ):
        if not ok:
            raise InvalidParameters(
                f"{name} = {getattr(params, name)!r}: the jump risk premium (1) is derived for the CARA base "
                "xi = gamma, delta = 1, adverse_selection = 0"
            )
    return params


def jump_adjusted_depths(
    params: GLFTParams,
    taus: ArrayLike,
    q_max: int,
    *,
    jumps: JumpParams,
    regime_multipliers: ArrayLike = (1.0,),
    backend: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact GLFT depths with the jump risk premium (1), one row per regime, in one batched solve.

    The ``v`` system is GLFT's eq. (1) (:mod:`quantforge.models.glft`) whose diagonal gains
    ``k`` times :func:`jump_risk_premium` at the regime's rate.

    Parameters
    ----------
    params : GLFTParams
        The CARA market maker (``xi = gamma``, ``delta = 1``, no adverse selection).
    taus : float array (n_t,)
        Times to the horizon, non-negative, strictly increasing (unit of the rates).
    q_max : int
        Inventory bound in lots: inventories ``-q_max..q_max``.
    jumps : JumpParams
        The jumps; batched alike with ``params`` (or unbatched).
    regime_multipliers : float sequence (n_regimes,)
        The jump rate's multiplier in each regime (>= 0).
    backend : {"numpy", "numba", "auto", ...}, optional
        Where the linear system is solved (:func:`quantforge.kernels.hjb.solve_linear_hjb`).

    Returns
    -------
    bid_depth, ask_depth : float64 arrays ``([n_sets,] n_regimes, n_t, 2 q_max + 1)``
        Price units; ``+inf`` for the bid at ``+q_max`` and the ask at ``-q_max``; the leading axis
        when ``params`` or ``jumps`` is batched.

    Raises
    ------
    InvalidParameters
        A base other than CARA GLFT, batches of different lengths, bad regime multipliers, an
        inventory bound where the jump risk is infinite (``gamma q_max >= eta``).
    TypeError
        Parameters of the wrong type, a non-integer ``q_max``.

    Examples
    --------
    >>> import numpy as np
    >>> base = GLFTParams(gamma=0.1, sigma=2.0, A=140.0, k=1.5)
    >>> jumps = JumpParams(jump_rate=2.0, p_up=0.5, eta_up=4.0, eta_down=4.0)
    >>> bid, ask = jump_adjusted_depths(base, np.array([0.0, 1.0]), 5, jumps=jumps, regime_multipliers=(1.0, 3.0))
    >>> bid.shape, bool(bid[0, 1, 5] < bid[1, 1, 5])   # more jumps, wider quotes
    ((2, 2, 11), True)
    """
    _glft_base(params)
    n_sets = _sets(params, _check_jumps(jumps))
    n_max = check_int("q_max", q_max, minimum=1)
    mults = _multipliers(regime_multipliers)
    # one dense (2 q_max + 1)^2 propagator (a few alive at once) per parameter set and regime
    check_memory(
        "q_max",
        q_max,
        48.0 * n_sets * mults.size * (2 * n_max + 1) ** 2,
        f"{2 * n_max + 1} inventories in {n_sets * mults.size} sets x regimes",
    )
    p = _columns(params, n_sets)
    j = _columns(jumps, n_sets)
    rates = _rates(j, mults)  # (n_sets, n_regimes)
    c, big_c = (np.broadcast_to(np.atleast_1d(a), (n_sets,))[:, None, None] for a in glft_intensity_constants(params))
    q = np.arange(-n_max, n_max + 1, dtype=np.float64)
    g, s, kk, drift = (p[name][:, :, None] for name in ("gamma", "sigma", "k", "mu"))
    jq = {name: v[:, :, None] for name, v in j.items()}
    diag = kk * (0.5 * g * s * s * q**2 - drift * q + _premium(q, g, rates[:, :, None], jq))
    n_rows = n_sets * mults.size
    diag = diag.reshape(n_rows, q.size)
    eta = np.broadcast_to(p["A"][:, :, None] * big_c, (n_sets, mults.size, q.size)).reshape(n_rows, q.size)
    log_v = solve_linear_hjb(diag, eta, eta, np.zeros_like(diag), taus, backend=backend)
    down, up = (a.reshape((n_sets, mults.size) + a.shape[1:]) for a in log_v_gaps(log_v))
    kk = kk[..., None]
    return squeeze_sets(params.batched or jumps.batched, down / kk + c[..., None], up / kk + c[..., None])


def cj_jump_adjusted_depths(
    params: CJParams,
    taus: ArrayLike,
    q_min: int,
    q_max: int,
    *,
    jumps: JumpParams,
    regime_multipliers: ArrayLike = (1.0,),
    backend: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Cartea–Jaimungal depths with Kou jumps in the mid: the drift ``mu + lambda_r E[J]`` per regime
    ``r`` (module docstring), ``lambda_r`` from :func:`effective_jump_rate`; one batched solve.

    Parameters
    ----------
    params : CJParams
    taus : float array (n_t,)
    q_min, q_max : int
        As :func:`quantforge.models.cartea_jaimungal.cj_exact_depths`.
    jumps : JumpParams
        Batched alike with ``params`` (or unbatched).
    regime_multipliers : float sequence (n_regimes,)
        The jump rate's multiplier in each regime (>= 0).
    backend : str, optional
        As :func:`quantforge.models.cartea_jaimungal.cj_exact_depths`.

    Returns
    -------
    bid_depth, ask_depth : float64 arrays ``([n_sets,] n_regimes, n_t, q_max - q_min + 1)``
        As :func:`quantforge.models.cartea_jaimungal.cj_exact_depths`, one row per regime.

    Raises
    ------
    InvalidParameters
        Batches of different lengths, bad regime multipliers or grids.
    TypeError
        Parameters of the wrong type.

    Examples
    --------
    >>> import numpy as np
    >>> base = CJParams(kappa_plus=15.0, kappa_minus=15.0, lambda_plus=2.0, lambda_minus=2.0, phi=0.01, alpha=0.05)
    >>> jumps = JumpParams(jump_rate=2.0, p_up=0.8, eta_up=4.0, eta_down=4.0)
    >>> bid, ask = cj_jump_adjusted_depths(base, np.array([1.0]), -5, 5, jumps=jumps)
    >>> bool(bid[0, 0, 5] < ask[0, 0, 5])   # upward jumps on average: lean to buying at q = 0
    True
    """
    if not isinstance(params, CJParams):
        raise TypeError(f"params must be a CJParams, got {type(params).__name__}")
    n_sets = _sets(params, _check_jumps(jumps))
    mults = _multipliers(regime_multipliers)
    p = _columns(params, n_sets)
    j = _columns(jumps, n_sets)
    m1, _ = _moments(j)
    shape = (n_sets, mults.size)
    rows = {name: np.broadcast_to(v, shape).ravel() for name, v in p.items()}
    rows["mu"] = (p["mu"] + _rates(j, mults) * m1).ravel()
    bid, ask = cj_exact_depths(CJParams(**rows), taus, q_min, q_max, backend=backend)
    bid, ask = (a.reshape(shape + a.shape[1:]) for a in (bid, ask))
    return squeeze_sets(params.batched or jumps.batched, bid, ask)


def quote_surfaces(
    params: GLFTParams,
    taus: ArrayLike,
    q_max: int,
    *,
    jumps: JumpParams,
    regime_multipliers: ArrayLike = (1.0,),
    backend: str | None = None,
) -> list[QuoteSurface]:
    """One jump-adjusted GLFT :class:`QuoteSurface` per parameter set (:func:`jump_adjusted_depths`),
    with a regime axis when there are several regimes.

    Parameters
    ----------
    params : GLFTParams
    taus : float array (n_t,)
    q_max : int
    jumps : JumpParams
    regime_multipliers : float sequence (n_regimes,)
    backend : str, optional
        As :func:`jump_adjusted_depths`.

    Returns
    -------
    list of QuoteSurface (n_sets,)
        Depths ``([n_regimes,] n_t, 2 q_max + 1)`` in price units (the regime axis only with more
        than one regime); each stores its set's base and jump parameters, ``q_max`` and the
        regime multipliers.

    Raises
    ------
    InvalidParameters, TypeError
        As :func:`jump_adjusted_depths`.

    Examples
    --------
    >>> import numpy as np
    >>> base = GLFTParams(gamma=0.1, sigma=2.0, A=140.0, k=1.5)
    >>> jumps = JumpParams(jump_rate=[1.0, 2.0], p_up=0.5, eta_up=4.0, eta_down=4.0)
    >>> surfs = quote_surfaces(base, np.linspace(0, 1, 5), 6, jumps=jumps, regime_multipliers=(0.5, 4.0))
    >>> len(surfs), surfs[1].n_regimes, surfs[1].bid_depth.shape, surfs[1].params["jump_rate"]
    (2, 2, (2, 5, 13), 2.0)
    """
    bid, ask = jump_adjusted_depths(
        params, taus, q_max, jumps=jumps, regime_multipliers=regime_multipliers, backend=backend
    )
    n_sets = _sets(params, jumps)
    if not (params.batched or jumps.batched):
        bid, ask = bid[None], ask[None]
    mults = _multipliers(regime_multipliers)
    if mults.size == 1:
        bid, ask = bid[:, 0], ask[:, 0]
    base, jump = params.sets(), jumps.sets()
    stored = [
        base[i % len(base)] | jump[i % len(jump)] | {"q_max": int(q_max), "regime_multipliers": mults.tolist()}
        for i in range(n_sets)
    ]
    return build_surfaces(
        model="glft-jumps",
        params=stored,
        time_to_horizon_s=taus,
        inventory_lots=np.arange(-q_max, q_max + 1, dtype=np.int64),
        bid_depth=bid,
        ask_depth=ask,
    )
