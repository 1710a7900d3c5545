"""The reference var kernels: revaluation and the Monte Carlo loop against an array namespace ``xp``,
tail statistics by selection in numpy.

:func:`revalue_xp` and :func:`scenario_pnl_xp` use only array-API operations (``take``, ``exp``,
``matmul``, ``concat``) and the options family's reference Black–Scholes, so they run on numpy,
cupy, jax.numpy and ``array_api_strict`` (the caller passes its namespace's ``erfc``, which the
standard lacks).  :func:`tail_statistics` places the few order statistics that VaR, ES and their
standard errors need with ``numpy.partition`` (introselect, O(N) per portfolio), never a full sort;
the standard has no selection, so it runs on the host (a portfolio's P&L vector is small).
Arguments are validated by :mod:`.api`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..options.reference import black_scholes
from .core import Inst, Kind, tail_ranks

__all__ = ["revalue_xp", "scenario_pnl_xp", "tail_statistics", "tail_weights", "parametric_multipliers"]


def revalue_xp(xp: Any, erfc: Callable[[Any], Any], table: np.ndarray, spots, returns, horizon: float, vol_shift=None):
    """P&L per unit of position, shape (m, n_instr), of every instrument under ``m`` scenarios.

    ``table`` is the host instrument table (:class:`.core.Inst` columns), ``spots`` the factor
    prices (n_factors,) and ``returns`` the factors' log-returns (m, n_factors) in ``xp``;
    ``vol_shift`` (m, n_factors), optional, shifts each option's volatility by its factor's entry.
    """
    factor = table[:, Inst.FACTOR].astype(np.int64)
    option = table[:, Inst.KIND] == Kind.OPTION
    lin, opt = np.flatnonzero(~option), np.flatnonzero(option)
    parts = []
    if lin.size:
        f = xp.asarray(factor[lin])
        s0 = xp.take(spots, f, axis=0)
        parts.append(xp.asarray(table[lin, Inst.MULTIPLIER]) * s0 * (xp.exp(xp.take(returns, f, axis=1)) - 1.0))
    if opt.size:
        f = xp.asarray(factor[opt])
        new_spot = xp.take(spots, f, axis=0) * xp.exp(xp.take(returns, f, axis=1))
        col = {
            c: xp.asarray(table[opt, c])
            for c in (Inst.STRIKE, Inst.EXPIRY, Inst.VOL, Inst.RATE, Inst.DIVIDEND, Inst.MULTIPLIER, Inst.VALUE0)
        }
        vol = col[Inst.VOL] if vol_shift is None else col[Inst.VOL] + xp.take(vol_shift, f, axis=1)
        call = xp.asarray(table[opt, Inst.CALL] != 0.0)
        (price,) = black_scholes(
            new_spot,
            col[Inst.STRIKE],
            col[Inst.EXPIRY] - horizon,
            col[Inst.RATE],
            col[Inst.DIVIDEND],
            vol,
            call,
            greeks=False,
            xp=xp,
            erfc=erfc,
        )
        parts.append(col[Inst.MULTIPLIER] * (price - col[Inst.VALUE0]))
    out = parts[0] if len(parts) == 1 else xp.concat(parts, axis=1)
    if lin.size and opt.size:  # back to the table's order
        out = xp.take(out, xp.asarray(np.argsort(np.concatenate([lin, opt]))), axis=1)
    return out


def scenario_pnl_xp(
    xp: Any,
    returns_chunk: Callable[[int, int], Any],
    chunk_pnl: Callable[[Any, Any], Any],
    n_scenarios: int,
    chunk: int,
    shift_chunk: Callable[[int, int], Any] | None = None,
):
    """Portfolio P&L (n_port, n_scenarios), ``chunk`` scenarios at a time.

    ``returns_chunk(s0, m)`` gives the factor log-returns of scenarios ``s0 .. s0 + m - 1`` (m, n_factors):
    rows of a history, or for Monte Carlo ``mean + z L'`` with ``z`` the Philox normals of paths
    ``s0 ..`` (draws ``0 .. n_factors - 1``) and ``L`` the covariance's Cholesky factor; ``chunk_pnl``
    maps them (and the optional volatility shifts ``shift_chunk(s0, m)``) to the portfolios' P&L
    (m, n_port): instruments revalued and summed with the positions.  Memory:
    ``chunk x (n_factors + n_instr)`` plus the P&L itself, never ``n_scenarios x n_instr``.
    """
    out = []
    for s0 in range(0, n_scenarios, chunk):
        m = min(chunk, n_scenarios - s0)
        out.append(chunk_pnl(returns_chunk(s0, m), None if shift_chunk is None else shift_chunk(s0, m)))
    return xp.matrix_transpose(xp.concat(out, axis=0))


def tail_statistics(losses: np.ndarray, alphas: np.ndarray) -> dict[str, np.ndarray]:
    """VaR, ES and their Monte Carlo standard errors of each row of ``losses`` (n_port, N), by selection.

    Returns a dict of (n_port, k) arrays: ``var``, ``es``, ``var_se``, ``es_se``, ``band_lo`` and
    ``band_hi`` (the losses one binomial standard deviation of ranks around VaR) and ``ties`` (how
    many losses equal VaR).  VaR is the order statistic of :func:`.core.tail_ranks`; ES is Acerbi &
    Tasche's (2002, eq. 3.1) ``(sum of the losses above VaR + frac VaR) / (N (1 - alpha))``; VaR's
    standard error is half the distance between the band's order statistics (the binomial
    interval of the quantile, distribution-free), ES's the square root of
    ``Var((L - VaR)^+) / (N (1 - alpha)^2)``, the variance of ES's influence function.
    """
    n_port, n = losses.shape
    ranks = [tail_ranks(n, float(a)) for a in alphas]
    kth = sorted({r for k, lo, hi, _ in ranks for r in (k, lo, hi)})
    part = np.partition(losses, kth, axis=1)
    shape = (n_port, len(alphas))
    out = {name: np.empty(shape) for name in ("var", "es", "var_se", "es_se", "band_lo", "band_hi", "ties")}
    for j, (k, lo, hi, _) in enumerate(ranks):
        var = part[:, k]
        excess = part[:, k + 1 :] - var[:, None]
        m = n * (1.0 - float(alphas[j]))
        out["var"][:, j] = var
        out["es"][:, j] = var + excess.sum(axis=1) / m
        out["var_se"][:, j] = 0.5 * (part[:, hi] - part[:, lo])
        m1 = excess.sum(axis=1) / n
        m2 = (excess * excess).sum(axis=1) / n
        out["es_se"][:, j] = np.sqrt(np.maximum(m2 - m1 * m1, 0.0) / (n * (1.0 - float(alphas[j])) ** 2))
        out["band_lo"][:, j] = part[:, lo]
        out["band_hi"][:, j] = part[:, hi]
        out["ties"][:, j] = (losses == var[:, None]).sum(axis=1)
    return out


def tail_weights(xp: Any, losses, var, band_lo, band_hi, ties, alphas: np.ndarray, n_total: int):
    """Scenario weights (n_port, k, m) for the Euler allocation of ES and VaR over one chunk of losses.

    ES: ``1 / (N (1 - alpha))`` above VaR and ``frac / (ties N (1 - alpha))`` at it, so that the
    weighted instrument P&L sums exactly to ES (Tasche 1999); VaR: 1 inside the rank band around VaR
    (a kernel estimate of ``E[L_i | L = VaR]``, Hallerbach 2003), normalised later.
    """
    loss = losses[:, None, :]
    m = n_total * (1.0 - alphas)[None, :, None]
    frac = xp.asarray(np.array([tail_ranks(n_total, float(a))[3] for a in alphas]))[None, :, None]
    v = var[:, :, None]
    w_es = xp.where(loss > v, 1.0 / m, xp.where(loss == v, frac / (ties[:, :, None] * m), 0.0))
    w_band = xp.where((loss >= band_lo[:, :, None]) & (loss <= band_hi[:, :, None]), 1.0, 0.0)
    return w_es, w_band


def parametric_multipliers(
    z: np.ndarray, alphas: np.ndarray, skewness: np.ndarray, excess_kurtosis: np.ndarray, pdf_z: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(VaR, ES) per unit standard deviation of a normal (S = K = 0) or Cornish–Fisher loss distribution
    (``S`` the skewness of the losses, ``K`` their excess kurtosis).

    VaR uses the Cornish–Fisher quantile ``z + (z^2 - 1) S/6 + (z^3 - 3z) K/24 - (2z^3 - 5z) S^2/36``
    (Cornish & Fisher 1937; Zangari 1996); ES is the tail mean of that quantile function in closed form,
    ``E[cf(Z) | Z > z]`` through the truncated normal moments ``int_z^inf x^j phi(x) dx``
    (``1 - alpha``, ``phi(z)``, ``z phi(z) + 1 - alpha``, ``(z^2 + 2) phi(z)``); with S = K = 0 it is
    ``phi(z) / (1 - alpha)``.  Arrays broadcast: z, alphas, pdf_z (k,) against S, K (n_port, 1).
    """
    s, k = skewness, excess_kurtosis
    q = z + (z * z - 1.0) * s / 6.0 + (z**3 - 3.0 * z) * k / 24.0 - (2.0 * z**3 - 5.0 * z) * s * s / 36.0
    t0, t1 = 1.0 - alphas, pdf_z
    t2, t3 = z * pdf_z + t0, (z * z + 2.0) * pdf_z
    tail = (t1 + (t2 - t0) * s / 6.0 + (t3 - 3.0 * t1) * k / 24.0 - (2.0 * t3 - 5.0 * t1) * s * s / 36.0) / t0
    return q, tail
