"""The public functions of the var family: validation, backend choice, the chunked scenario loop.

Shapes: ``positions`` is ``(n_instr,)`` for one portfolio or ``(n_port, n_instr)`` for a batch
(units of each instrument held; negative = short); results carry the same leading shape with a last
axis over the confidence levels.  See the package docstring for the methods and their references.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.special import erfc, ndtri

from ..._typing import ArrayLike, BackendName, Float64Array
from ...errors import RiskError, check_int
from ..backend import Backend, fast_path, get_backend, register_fast_path
from ..covariance import cholesky
from ..rng import Philox
from .core import CHUNK
from .models import Instruments, RiskEstimate, risk_array
from .reference import parametric_multipliers, revalue_xp, scenario_pnl_xp, tail_statistics, tail_weights

__all__ = [
    "Instruments",
    "RiskEstimate",
    "portfolio_pnl",
    "empirical_var",
    "historical_var",
    "filtered_historical_var",
    "parametric_var",
    "monte_carlo_var",
]

REVALUE, PNL, TAIL = "var.revalue", "var.pnl", "var.tail"
for _backend, _module in (("numba", "numba"), ("jax", "jax"), ("cupy", "cuda")):
    register_fast_path(REVALUE, _backend, f"{__package__}.{_module}:revalue")
register_fast_path(PNL, "numba", f"{__package__}.numba:scenario_pnl")
register_fast_path(TAIL, "numba", f"{__package__}.numba:tail_statistics")

Confidence = float | Sequence[float] | ArrayLike


def _confidence(value: Confidence) -> np.ndarray:
    c = risk_array("confidence", value).reshape(-1)
    if c.size == 0 or np.any((c <= 0.0) | (c >= 1.0)):
        bad = c[(c <= 0.0) | (c >= 1.0)]
        raise RiskError(f"confidence must lie in (0, 1), got {bad[0].item() if bad.size else c.tolist()!r}")
    return c


def _positions(value: ArrayLike, n: int, long_only: bool) -> tuple[np.ndarray, tuple[int, ...]]:
    q = risk_array("positions", value)
    if q.ndim not in (1, 2) or q.shape[-1] != n:
        raise RiskError(f"positions must have shape ({n},) or (n_portfolios, {n}), got shape {q.shape}")
    if long_only and np.any(q < 0.0):
        idx = tuple(int(i) for i in np.argwhere(q < 0.0)[0])
        raise RiskError(f"positions must be >= 0 (long_only=True); positions[{idx}] = {q[idx].item()!r}")
    return np.ascontiguousarray(q.reshape(-1, n)), q.shape[:-1]


def _factor_returns(name: str, value: ArrayLike, n_factors: int) -> np.ndarray:
    r = risk_array(name, value)
    if r.ndim != 2 or r.shape[1] != n_factors or r.shape[0] < 1:
        raise RiskError(f"{name} must have shape (n_scenarios, {n_factors}), got shape {r.shape}")
    return np.ascontiguousarray(r)


def _horizon(horizon_years: float, instruments: Instruments) -> float:
    h = risk_array("horizon_years", horizon_years).item()
    if h < 0.0:
        raise RiskError(f"horizon_years must be >= 0, got {h!r}")
    if instruments.option.any() and h >= instruments.expiry[instruments.option].min():
        raise RiskError(
            f"horizon_years must be shorter than every option's expiry "
            f"({instruments.expiry[instruments.option].min().item()!r} years), got {h!r}"
        )
    return h


def _revaluer(be: Backend, instruments: Instruments, horizon: float) -> Callable[..., Any]:
    """``f(returns, vol_shift=None) -> (m, n_instr)`` on ``be`` (its fast path, else the reference on numpy)."""
    table, impl = instruments.table, fast_path(REVALUE, be)
    spots = be.asarray(instruments.spots)
    if impl is not None:
        return lambda r, shift=None: impl(table, spots, r, horizon, shift)
    return lambda r, shift=None: revalue_xp(be.xp, erfc, table, spots, r, horizon, shift)


def _chunk_pnl(be: Backend, instruments: Instruments, horizon: float, positions_t: Any) -> Callable[..., Any]:
    """``f(returns, vol_shift) -> (m, n_port)``: the fused fast path where there is one, else revaluation and a product."""
    impl = fast_path(PNL, be)
    if impl is not None:
        table, spots = instruments.table, be.asarray(instruments.spots)
        return lambda r, shift: impl(table, spots, r, horizon, shift, positions_t)
    revalue = _revaluer(be, instruments, horizon)
    return lambda r, shift: be.xp.matmul(revalue(r, shift), positions_t)


def _tails(be: Backend, losses: np.ndarray, alphas: np.ndarray) -> dict[str, np.ndarray]:
    impl = fast_path(TAIL, be)
    return (impl or tail_statistics)(losses, alphas)


def _scenario_estimate(
    method: str,
    be: Backend,
    instruments: Instruments,
    q: np.ndarray,
    lead: tuple[int, ...],
    alphas: np.ndarray,
    n_scen: int,
    chunk_returns: Callable[[int, int], Any],
    horizon: float,
    chunk: int,
    components: bool,
    vol_shift: np.ndarray | None = None,
) -> RiskEstimate:
    """VaR/ES of scenario P&L streamed in chunks; with ``components`` a second pass allocates them."""
    xp = be.xp

    def shift(s0: int, m: int) -> Any:
        return None if vol_shift is None else be.asarray(vol_shift[s0 : s0 + m])

    with be.x64():  # jax narrows the arrays it makes outside this context to float32
        revalue = _revaluer(be, instruments, horizon)
        q_t = be.asarray(np.ascontiguousarray(q.T))
        pnl = be.to_host(
            scenario_pnl_xp(
                xp,
                chunk_returns,
                _chunk_pnl(be, instruments, horizon, q_t),
                n_scen,
                chunk,
                None if vol_shift is None else shift,
            )
        )
        stats = _tails(be, np.ascontiguousarray(-pnl), alphas)
        extra: dict[str, np.ndarray | None] = {"component_var": None, "component_es": None, "marginal_var": None}
        if components:
            g_es = np.zeros((q.shape[0], alphas.size, q.shape[1]))
            g_band = np.zeros_like(g_es)
            for s0 in range(0, n_scen, chunk):
                m = min(chunk, n_scen - s0)
                loss_dv = -be.to_host(revalue(chunk_returns(s0, m), shift(s0, m)))  # (m, n_instr)
                w_es, w_band = tail_weights(
                    np,
                    -pnl[:, s0 : s0 + m],
                    stats["var"],
                    stats["band_lo"],
                    stats["band_hi"],
                    stats["ties"],
                    alphas,
                    n_scen,
                )
                g_es += w_es @ loss_dv
                g_band += w_band @ loss_dv
            band_loss = np.einsum("pki,pi->pk", g_band, q)
            scale = np.divide(stats["var"], band_loss, out=np.full_like(band_loss, np.nan), where=band_loss != 0.0)
            marginal = g_band * scale[:, :, None]
            extra = {
                "component_var": (q[:, None, :] * marginal).reshape(lead + marginal.shape[1:]),
                "component_es": (q[:, None, :] * g_es).reshape(lead + g_es.shape[1:]),
                "marginal_var": marginal.reshape(lead + marginal.shape[1:]),
            }
    shape = lead + (alphas.size,)
    return RiskEstimate(
        method,
        alphas,
        stats["var"].reshape(shape),
        stats["es"].reshape(shape),
        stats["var_se"].reshape(shape),
        stats["es_se"].reshape(shape),
        n_scen,
        horizon,
        **extra,
    )


def portfolio_pnl(
    instruments: Instruments,
    positions: ArrayLike,
    factor_returns: ArrayLike,
    *,
    horizon_years: float = 0.0,
    vol_shift: ArrayLike | None = None,
    chunk: int = CHUNK,
    backend: BackendName = None,
) -> Float64Array:
    """P&L of each portfolio under each scenario of factor log-returns, by full revaluation.

    Parameters
    ----------
    instruments : Instruments
        The instrument universe.
    positions : array_like (n_instr,) or (n_port, n_instr)
        Units held of each instrument.
    factor_returns : array_like (n_scenarios, n_factors)
        Log-returns of the factors over the horizon, one scenario per row (historical days,
        stress shocks, simulated draws).
    horizon_years : float, default 0
        Scenario horizon; options are repriced with ``expiry - horizon_years``.
    vol_shift : array_like (n_scenarios, n_factors), optional
        Absolute change of the options' volatility per scenario and factor (stress tests).
    chunk : int
        Scenarios revalued at once (memory ``chunk x n_instr``).
    backend : str, optional
        ``numpy`` (reference), ``numba``, ``jax``, ``cupy`` or ``auto``.

    Returns
    -------
    float64 array (..., n_scenarios): currency.

    Raises
    ------
    RiskError
        NaN inputs, shapes that disagree, a horizon beyond an option's expiry.

    Examples
    --------
    >>> from quantforge.kernels.var import Instruments, portfolio_pnl
    >>> portfolio_pnl(Instruments([100.0]), [2.0], [[0.0], [-0.1]], backend="numpy").round(4).tolist()
    [0.0, -19.0325]
    """
    q, lead = _positions(positions, instruments.n_instruments, False)
    r = _factor_returns("factor_returns", factor_returns, instruments.n_factors)
    shift = None if vol_shift is None else _factor_returns("vol_shift", vol_shift, instruments.n_factors)
    if shift is not None and shift.shape[0] != r.shape[0]:
        raise RiskError(f"vol_shift must have one row per scenario ({r.shape[0]}), got {shift.shape[0]}")
    h = _horizon(horizon_years, instruments)
    chunk = check_int("chunk", chunk, minimum=1)
    be = get_backend(backend, kernel=REVALUE)
    with be.x64():
        q_t = be.asarray(np.ascontiguousarray(q.T))
        pnl = scenario_pnl_xp(
            be.xp,
            lambda s0, m: be.asarray(r[s0 : s0 + m]),
            _chunk_pnl(be, instruments, h, q_t),
            r.shape[0],
            chunk,
            None if shift is None else (lambda s0, m: be.asarray(shift[s0 : s0 + m])),
        )
        return be.to_host(pnl).reshape(lead + (r.shape[0],))


def empirical_var(
    pnl: ArrayLike, confidence: Confidence = (0.95, 0.99), *, backend: BackendName = None
) -> RiskEstimate:
    """VaR and ES of P&L samples (..., N), by selection of the order statistics (no full sort).

    Parameters
    ----------
    pnl : array_like (..., N)
        P&L samples per portfolio (currency; gains positive).
    confidence : float or sequence of floats in (0, 1)
        Confidence levels ``alpha``.
    backend : str, optional
        ``numba`` selects in parallel over portfolios; every other backend uses numpy's introselect.

    Returns
    -------
    RiskEstimate
        ``var``, ``es`` and their standard errors (see :func:`.reference.tail_statistics`), shape (..., k).

    Examples
    --------
    >>> import numpy as np
    >>> from quantforge.kernels.var import empirical_var
    >>> est = empirical_var(-np.arange(1.0, 101.0), 0.95, backend="numpy")
    >>> float(est.var[0]), float(est.es[0])  # the 95th smallest loss; the mean of the five above it
    (95.0, 98.0)
    """
    alphas = _confidence(confidence)
    x = risk_array("pnl", pnl)
    if x.ndim < 1 or x.shape[-1] < 2:
        raise RiskError(f"pnl must have shape (..., N) with N >= 2 samples, got shape {x.shape}")
    be = get_backend(backend, kernel=TAIL)
    stats = _tails(be, np.ascontiguousarray(-x.reshape(-1, x.shape[-1])), alphas)
    shape = x.shape[:-1] + (alphas.size,)
    return RiskEstimate(
        "empirical",
        alphas,
        stats["var"].reshape(shape),
        stats["es"].reshape(shape),
        stats["var_se"].reshape(shape),
        stats["es_se"].reshape(shape),
        x.shape[-1],
    )


def historical_var(
    instruments: Instruments,
    positions: ArrayLike,
    factor_returns: ArrayLike,
    confidence: Confidence = (0.95, 0.99),
    *,
    horizon_years: float = 0.0,
    components: bool = False,
    long_only: bool = False,
    chunk: int = CHUNK,
    backend: BackendName = None,
) -> RiskEstimate:
    """Historical-simulation VaR/ES: today's portfolios revalued under each past day's factor returns.

    Parameters
    ----------
    instruments, positions, horizon_years, chunk, backend
        As in :func:`portfolio_pnl`.
    factor_returns : array_like (T, n_factors)
        The window of historical log-returns (one scenario per day).
    confidence : float or sequence in (0, 1), default (0.95, 0.99)
    components : bool, default False
        Also allocate VaR and ES to instruments (Euler: ``component_es`` the tail mean of each
        instrument's loss, ``component_var`` its mean in the rank band around VaR, scaled to sum to
        VaR); costs a second revaluation pass.
    long_only : bool, default False
        Refuse negative positions (a long-only mandate).

    Returns
    -------
    RiskEstimate
        Method ``historical``; standard errors are those of an i.i.d. sample of ``T`` days.

    Raises
    ------
    RiskError
        NaN returns or positions, mismatched shapes, confidence outside (0, 1), a short position
        with ``long_only``.

    References
    ----------
    Hull, J. C. Risk Management and Financial Institutions, ch. 13 (historical simulation).
    """
    alphas = _confidence(confidence)
    q, lead = _positions(positions, instruments.n_instruments, long_only)
    r = _factor_returns("factor_returns", factor_returns, instruments.n_factors)
    h = _horizon(horizon_years, instruments)
    be = get_backend(backend, kernel=REVALUE)
    return _scenario_estimate(
        "historical",
        be,
        instruments,
        q,
        lead,
        alphas,
        r.shape[0],
        lambda s0, m: be.asarray(r[s0 : s0 + m]),
        h,
        check_int("chunk", chunk, minimum=1),
        components,
    )


def filtered_historical_var(
    instruments: Instruments,
    positions: ArrayLike,
    factor_returns: ArrayLike,
    volatility: ArrayLike,
    forecast_volatility: ArrayLike,
    confidence: Confidence = (0.95, 0.99),
    *,
    horizon_years: float = 0.0,
    components: bool = False,
    long_only: bool = False,
    chunk: int = CHUNK,
    backend: BackendName = None,
) -> RiskEstimate:
    """Filtered historical simulation (Barone-Adesi, Giannopoulos & Vosper 1999): each past day's return
    rescaled from its own conditional volatility to today's forecast, ``r_t sigma_{T+1} / sigma_t``.

    Parameters
    ----------
    volatility : array_like (T, n_factors)
        Conditional volatility of each factor on each day of ``factor_returns`` (a GARCH(1,1)
        filter, :func:`quantforge.risk.garch_volatility`), > 0, in return units per day.
    forecast_volatility : array_like (n_factors,)
        Each factor's volatility forecast for the horizon, > 0.
    Others
        As in :func:`historical_var`.

    Returns
    -------
    RiskEstimate
        Method ``filtered_historical``.  The standardised residuals keep the days' cross-sectional
        dependence; the rescaling puts today's volatility regime on every scenario.
    """
    alphas = _confidence(confidence)
    q, lead = _positions(positions, instruments.n_instruments, long_only)
    r = _factor_returns("factor_returns", factor_returns, instruments.n_factors)
    vol = _factor_returns("volatility", volatility, instruments.n_factors)
    fc = risk_array("forecast_volatility", forecast_volatility).reshape(-1)
    if vol.shape != r.shape or np.any(vol <= 0.0):
        raise RiskError(f"volatility must be > 0 with the shape of factor_returns {r.shape}, got {vol.shape}")
    if fc.shape != (instruments.n_factors,) or np.any(fc <= 0.0):
        raise RiskError(f"forecast_volatility must be > 0 with shape ({instruments.n_factors},), got {fc.tolist()!r}")
    scaled = r * (fc[None, :] / vol)
    h = _horizon(horizon_years, instruments)
    be = get_backend(backend, kernel=REVALUE)
    return _scenario_estimate(
        "filtered_historical",
        be,
        instruments,
        q,
        lead,
        alphas,
        r.shape[0],
        lambda s0, m: be.asarray(scaled[s0 : s0 + m]),
        h,
        check_int("chunk", chunk, minimum=1),
        components,
    )


def parametric_var(
    exposures: ArrayLike,
    covariance: ArrayLike,
    confidence: Confidence = (0.95, 0.99),
    *,
    mean: ArrayLike | None = None,
    skewness: ArrayLike | None = None,
    excess_kurtosis: ArrayLike | None = None,
) -> RiskEstimate:
    """Delta-normal (model-building) VaR/ES, or its Cornish–Fisher correction, with Euler components.

    The P&L of exposures ``w`` (currency per unit log-return of each factor, e.g.
    :meth:`Instruments.delta_exposures`) to factor returns with mean ``mu`` and covariance ``Sigma``
    is ``w'r``: ``sigma_p = sqrt(w' Sigma w)``, ``VaR = q_alpha sigma_p - w'mu`` and
    ``ES = e_alpha sigma_p - w'mu`` (Hull, ch. 14).  Normal: ``q = z_alpha``, ``e = phi(z) / (1 - alpha)``;
    with ``skewness``/``excess_kurtosis`` of the P&L the Cornish–Fisher quantile and its tail mean
    (:func:`.reference.parametric_multipliers`).  Components ``w_i ((Sigma w)_i q / sigma_p - mu_i)``
    sum to VaR (Garman 1997); marginal VaR is ``(Sigma w)_i q / sigma_p - mu_i``.

    Parameters
    ----------
    exposures : array_like (n_factors,) or (n_port, n_factors)
    covariance : array_like (n_factors, n_factors)
        Covariance of the factor returns over the horizon; must be PSD.
    confidence : float or sequence in (0, 1), default (0.95, 0.99)
    mean : array_like (n_factors,), optional
        Expected factor returns over the horizon (default 0).
    skewness, excess_kurtosis : float or array (n_port,), optional
        Of the portfolio P&L (a left-skewed P&L has negative skewness and a larger VaR); given
        together, they select the Cornish–Fisher method.

    Returns
    -------
    RiskEstimate
        Method ``parametric`` or ``cornish_fisher``; components and marginals over factors.

    Raises
    ------
    RiskError
        NaN inputs, mismatched shapes, confidence outside (0, 1), only one of skewness/kurtosis.
    MatrixError
        A covariance that is not positive semi-definite (named ``covariance``).

    Examples
    --------
    >>> from quantforge.kernels.var import parametric_var
    >>> est = parametric_var([1e6, 5e5], [[4e-4, 1e-4], [1e-4, 9e-4]], 0.99)
    >>> round(float(est.var[0]), 2)  # 2.326 * sqrt(w' Sigma w)
    62638.83
    """
    from ..covariance import check_psd

    alphas = _confidence(confidence)
    w = risk_array("exposures", exposures)
    if w.ndim not in (1, 2):
        raise RiskError(f"exposures must have shape (n_factors,) or (n_port, n_factors), got shape {w.shape}")
    lead, w = w.shape[:-1], w.reshape(-1, w.shape[-1])
    n = w.shape[1]
    cov = risk_array("covariance", covariance)
    if cov.shape != (n, n):
        raise RiskError(f"covariance must have shape ({n}, {n}) for {n} factors, got shape {cov.shape}")
    cov = check_psd("covariance", cov)
    mu = np.zeros(n) if mean is None else risk_array("mean", mean).reshape(-1)
    if mu.shape != (n,):
        raise RiskError(f"mean must have shape ({n},), got shape {mu.shape}")
    if (skewness is None) != (excess_kurtosis is None):
        raise RiskError("skewness and excess_kurtosis go together (Cornish-Fisher); give both or neither")
    method = "parametric" if skewness is None else "cornish_fisher"
    s = np.zeros((w.shape[0], 1)) if skewness is None else _per_portfolio("skewness", skewness, w.shape[0])
    k = (
        np.zeros((w.shape[0], 1))
        if excess_kurtosis is None
        else _per_portfolio("excess_kurtosis", excess_kurtosis, w.shape[0])
    )
    z = ndtri(alphas)
    pdf = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    q_var, q_es = parametric_multipliers(z, alphas, -s, k, pdf)  # (n_port, k); losses have the P&L's skew negated
    sig_w = w @ cov
    sigma = np.sqrt(np.maximum(np.sum(sig_w * w, axis=1), 0.0))[:, None]
    mu_p = (w @ mu)[:, None]
    var, es = q_var * sigma - mu_p, q_es * sigma - mu_p
    safe = np.where(sigma > 0.0, sigma, 1.0)[:, :, None]
    marginal = sig_w[:, None, :] * q_var[:, :, None] / safe - mu[None, None, :]
    marginal_es = sig_w[:, None, :] * q_es[:, :, None] / safe - mu[None, None, :]
    shape = lead + (alphas.size,)
    return RiskEstimate(
        method,
        alphas,
        var.reshape(shape),
        es.reshape(shape),
        component_var=(w[:, None, :] * marginal).reshape(shape + (n,)),
        component_es=(w[:, None, :] * marginal_es).reshape(shape + (n,)),
        marginal_var=marginal.reshape(shape + (n,)),
    )


def _per_portfolio(name: str, value: ArrayLike, n_port: int) -> np.ndarray:
    arr = risk_array(name, value).reshape(-1)
    if arr.size not in (1, n_port):
        raise RiskError(f"{name} must be a scalar or have one entry per portfolio ({n_port}), got {arr.size}")
    return np.broadcast_to(arr, (n_port,)).reshape(n_port, 1)


def monte_carlo_var(
    instruments: Instruments,
    positions: ArrayLike,
    covariance: ArrayLike,
    confidence: Confidence = (0.95, 0.99),
    *,
    n_scenarios: int = 100_000,
    mean: ArrayLike | None = None,
    horizon_years: float = 0.0,
    seed: int = 0,
    stream: int = 0,
    components: bool = False,
    long_only: bool = False,
    chunk: int = CHUNK,
    backend: BackendName = None,
) -> RiskEstimate:
    """Monte Carlo VaR/ES with full revaluation under correlated normal factor shocks.

    Scenario ``s`` draws factor log-returns ``mean + L z_s`` (``L`` the Cholesky factor of
    ``covariance``, or its square root where it is singular; ``z_s`` the Philox normals of path ``s``
    of stream ``(seed, stream)``), revalues every instrument (linear: ``m S (e^r - 1)``; options:
    Black–Scholes at ``S e^r`` and ``expiry - horizon_years``) and sums the positions.  Scenarios
    stream in chunks; only the portfolios' P&L vectors are kept, and the quantiles are found by
    selection.  The result depends on the seed only, not on the backend or the chunk size.

    Parameters
    ----------
    covariance : array_like (n_factors, n_factors)
        Covariance of the factor log-returns over the horizon (e.g. an EWMA or Ledoit–Wolf estimate
        scaled to the horizon); must be PSD.
    n_scenarios : int, default 100,000
    mean : array_like (n_factors,), optional
        Mean log-returns over the horizon (default 0).
    seed, stream : int
        The Philox stream.
    Others
        As in :func:`historical_var`.

    Returns
    -------
    RiskEstimate
        Method ``monte_carlo`` with Monte Carlo standard errors of VaR and ES.

    Raises
    ------
    RiskError
        As in :func:`historical_var`.
    MatrixError
        A covariance that is not positive semi-definite (named ``covariance``).

    Examples
    --------
    >>> from quantforge.kernels.var import Instruments, monte_carlo_var
    >>> est = monte_carlo_var(Instruments([100.0]), [1.0], [[0.0004]], 0.99, n_scenarios=200_000, seed=1,
    ...                       backend="numpy")
    >>> abs(float(est.var[0]) - 100 * (1 - math.exp(-2.3263 * 0.02))) < 3 * float(est.var_se[0])
    True
    """
    alphas = _confidence(confidence)
    q, lead = _positions(positions, instruments.n_instruments, long_only)
    nf = instruments.n_factors
    cov = risk_array("covariance", covariance)
    if cov.shape != (nf, nf):
        raise RiskError(f"covariance must have shape ({nf}, {nf}) for {nf} factors, got shape {cov.shape}")
    chol = cholesky(cov, name="covariance", semidefinite=True, backend="numpy")
    mu = np.zeros(nf) if mean is None else risk_array("mean", mean).reshape(-1)
    if mu.shape != (nf,):
        raise RiskError(f"mean must have shape ({nf},), got shape {mu.shape}")
    n_scen = check_int("n_scenarios", n_scenarios, minimum=2, maximum=2**32)
    h = _horizon(horizon_years, instruments)
    be = get_backend(backend, kernel=REVALUE)
    gen = Philox(check_int("seed", seed, minimum=0), check_int("stream", stream, minimum=0))
    with be.x64():
        chol_t, mu_b = be.asarray(np.ascontiguousarray(chol.T)), be.asarray(mu)

    def shocks(s0: int, m: int) -> Any:
        z = gen.normals(m, nf, path_offset=s0, backend=be.name, to_host=False)
        return be.xp.matmul(z, chol_t) + mu_b

    return _scenario_estimate(
        "monte_carlo",
        be,
        instruments,
        q,
        lead,
        alphas,
        n_scen,
        shocks,
        h,
        check_int("chunk", chunk, minimum=1),
        components,
    )
