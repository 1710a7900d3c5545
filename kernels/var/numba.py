"""The numba (CPU) fast path of the var family: revaluation parallel over scenarios, tail statistics
parallel over portfolios.

Both compile the plain-Python cores of :mod:`.core`: :func:`.core.linear_pnl` and
:func:`.core.option_pnl` (with the options family's scalar Black–Scholes) for every (scenario,
instrument) of a chunk, one ``exp`` per factor and scenario, and :func:`.core.select_kth`
for the few order statistics of each portfolio's losses (Hoare's selection in a scratch copy of the
row, largest rank first so each later selection works on a shorter prefix).
"""

from __future__ import annotations

import types

import numpy as np
from numba import prange

from ..jit import jit
from ..options.core import black_scholes_scalar, spot_constants, spot_price_scalar
from .core import Inst, Kind, linear_pnl, option_pnl, select_kth, tail_ranks

__all__ = ["revalue", "scenario_pnl", "tail_statistics"]

# the core calls the options family's scalar Black–Scholes by its global name: rebind it to the compiled one
_option_pnl = jit(inline=True, error_model="numpy")(
    types.FunctionType(
        option_pnl.__code__,
        {**option_pnl.__globals__, "black_scholes_scalar": jit(black_scholes_scalar, inline=True)},
        "option_pnl",
    )
)
_linear_pnl = jit(linear_pnl, inline=True)
_spot_price = jit(spot_price_scalar, inline=True)
_MULT, _VALUE0, _CALL = int(Inst.MULTIPLIER), int(Inst.VALUE0), int(Inst.CALL)
_select = jit(select_kth)


@jit(inline=True, error_model="numpy")
def _scenario(
    s,
    lin,
    lin_factor,
    lin_mult,
    lin_spot,
    opt,
    opt_factor,
    opt_rows,
    opt_consts,
    spots,
    returns,
    horizon,
    vol_shift,
    shifted,
    growth,
    dv,
):
    """Instrument P&L of scenario ``s`` into ``dv`` (n_instr): the factors' growths ``e^r`` once, then each
    linear instrument from its factor's growth and each option by one repricing (from its spot-free
    constants, one logarithm and two ``erfc``, unless the scenario shifts volatilities)."""
    for f in range(spots.shape[0]):
        growth[f] = np.exp(returns[s, f])
    for j in range(lin.shape[0]):
        dv[lin[j]] = _linear_pnl(lin_mult[j], lin_spot[j], growth[lin_factor[j]])
    for j in range(opt.shape[0]):
        f = opt_factor[j]
        row = opt_rows[j]
        if shifted:
            dv[opt[j]] = _option_pnl(row, spots[f] * growth[f], horizon, vol_shift[s, f])
        else:
            c = opt_consts[j]
            price = _spot_price(spots[f] * growth[f], c[0], c[1], c[2], c[3], row[_CALL] != 0.0)
            dv[opt[j]] = row[_MULT] * (price - row[_VALUE0])


@jit(parallel=True, error_model="numpy")
def _revalue_kernel(
    lin,
    lin_factor,
    lin_mult,
    lin_spot,
    opt,
    opt_factor,
    opt_rows,
    opt_consts,
    spots,
    returns,
    horizon,
    vol_shift,
    shifted,
    out,
):
    for s in prange(out.shape[0]):
        growth = np.empty(spots.shape[0])
        _scenario(
            s,
            lin,
            lin_factor,
            lin_mult,
            lin_spot,
            opt,
            opt_factor,
            opt_rows,
            opt_consts,
            spots,
            returns,
            horizon,
            vol_shift,
            shifted,
            growth,
            out[s],
        )


@jit(parallel=True, error_model="numpy")
def _pnl_kernel(
    lin,
    lin_factor,
    lin_mult,
    lin_spot,
    opt,
    opt_factor,
    opt_rows,
    opt_consts,
    spots,
    returns,
    horizon,
    vol_shift,
    shifted,
    positions,
    out,
):
    """Revaluation fused with the positions' sum (one dot product per portfolio and scenario): no
    (scenario x instrument) array is written."""
    n_port, n_instr = positions.shape
    for s in prange(out.shape[0]):
        growth = np.empty(spots.shape[0])
        dv = np.empty(n_instr)
        _scenario(
            s,
            lin,
            lin_factor,
            lin_mult,
            lin_spot,
            opt,
            opt_factor,
            opt_rows,
            opt_consts,
            spots,
            returns,
            horizon,
            vol_shift,
            shifted,
            growth,
            dv,
        )
        for p in range(n_port):
            acc = 0.0
            for i in range(n_instr):
                acc += dv[i] * positions[p, i]
            out[s, p] = acc


def _layout(table: np.ndarray, spots: np.ndarray, horizon: float) -> tuple[np.ndarray, ...]:
    """The kernels' per-instrument arrays: linear (indices, factors, multipliers, spots), options (indices,
    factors, table rows, the spot-free constants of their price at the horizon), the factor spots."""
    option = table[:, Inst.KIND] == Kind.OPTION
    factor = table[:, Inst.FACTOR].astype(np.int64)
    lin, opt = np.flatnonzero(~option), np.flatnonzero(option)
    rows = np.ascontiguousarray(table[opt])
    consts = np.array(
        [
            spot_constants(r[Inst.STRIKE], r[Inst.EXPIRY] - horizon, r[Inst.RATE], r[Inst.DIVIDEND], r[Inst.VOL])
            for r in rows
        ]
    ).reshape(-1, 4)
    return (
        lin,
        factor[lin],
        np.ascontiguousarray(table[lin, Inst.MULTIPLIER]),
        spots[factor[lin]],
        opt,
        factor[opt],
        rows,
        consts,
        spots,
    )


def revalue(
    table: np.ndarray, spots: np.ndarray, returns: np.ndarray, horizon: float, vol_shift: np.ndarray | None = None
) -> np.ndarray:
    """P&L per unit of position (m, n_instr); see :func:`.reference.revalue_xp`."""
    out = np.empty((returns.shape[0], table.shape[0]))
    shift = np.zeros((1, 1)) if vol_shift is None else np.ascontiguousarray(vol_shift)
    _revalue_kernel(
        *_layout(table, spots, horizon),
        np.ascontiguousarray(returns),
        float(horizon),
        shift,
        vol_shift is not None,
        out,
    )
    return out


_FUSED_MAX_PORTFOLIOS = 32  # beyond this, writing the chunk's instrument P&L and one BLAS product is faster


def scenario_pnl(table: np.ndarray, spots: np.ndarray, returns: np.ndarray, horizon: float, vol_shift, positions_t):
    """Portfolio P&L (m, n_port) of one chunk of scenarios: ``revalue(...) @ positions_t``, fused for few portfolios."""
    if positions_t.shape[1] > _FUSED_MAX_PORTFOLIOS:
        return revalue(table, spots, returns, horizon, vol_shift) @ positions_t
    out = np.empty((returns.shape[0], positions_t.shape[1]))
    shift = np.zeros((1, 1)) if vol_shift is None else np.ascontiguousarray(vol_shift)
    _pnl_kernel(
        *_layout(table, spots, horizon),
        np.ascontiguousarray(returns),
        float(horizon),
        shift,
        vol_shift is not None,
        np.ascontiguousarray(positions_t.T),
        out,
    )
    return out


@jit(parallel=True, error_model="numpy")
def _tail_kernel(losses, ranks, kth, alphas, out):
    """``out[name, p, j]`` for the names of :func:`.reference.tail_statistics` in their order."""
    n_port, n = losses.shape
    for p in prange(n_port):
        a = losses[p].copy()
        hi = n
        for r in range(kth.shape[0] - 1, -1, -1):
            _select(a, 0, hi, kth[r])
            hi = kth[r]
        for j in range(ranks.shape[0]):
            k, lo, up = ranks[j, 0], ranks[j, 1], ranks[j, 2]
            var = a[k]
            s1 = 0.0
            s2 = 0.0
            for i in range(k + 1, n):
                e = a[i] - var
                s1 += e
                s2 += e * e
            ties = 0
            for i in range(n):
                if losses[p, i] == var:
                    ties += 1
            tail = 1.0 - alphas[j]
            m1 = s1 / n
            out[0, p, j] = var
            out[1, p, j] = var + s1 / (n * tail)
            out[2, p, j] = 0.5 * (a[up] - a[lo])
            out[3, p, j] = np.sqrt(max(s2 / n - m1 * m1, 0.0) / (n * tail * tail))
            out[4, p, j] = a[lo]
            out[5, p, j] = a[up]
            out[6, p, j] = ties


def tail_statistics(losses: np.ndarray, alphas: np.ndarray) -> dict[str, np.ndarray]:
    """The statistics of :func:`.reference.tail_statistics`, by compiled selection."""
    n = losses.shape[1]
    ranks = np.array([tail_ranks(n, float(a))[:3] for a in alphas], dtype=np.int64)
    kth = np.unique(ranks)
    out = np.empty((7, losses.shape[0], len(alphas)))
    _tail_kernel(np.ascontiguousarray(losses), ranks, kth, np.asarray(alphas, dtype=np.float64), out)
    names = ("var", "es", "var_se", "es_se", "band_lo", "band_hi", "ties")
    return {name: out[i] for i, name in enumerate(names)}
