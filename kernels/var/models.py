"""The var family's data: the instrument universe (validated) and the risk estimate (a results object)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..._typing import ArrayLike, BoolArray, Float64Array, Int64Array
from ...errors import RiskError
from ..options import bs_greeks
from .core import Inst, Kind

__all__ = ["Instruments", "RiskEstimate", "risk_array"]


def risk_array(name: str, value: ArrayLike, *, dtype: type = np.float64) -> np.ndarray:
    """``value`` as an array of ``dtype`` whose entries are all finite, else ``RiskError`` naming the first bad one."""
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise RiskError(f"{name} must be numeric: {exc}") from None
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise RiskError(f"{name} must be finite everywhere; {name}[{idx}] = {arr[idx].item()!r}")
    return arr


@dataclass(frozen=True, eq=False)
class Instruments:
    """The instruments that a batch of portfolios may hold, each on one risk factor.

    A risk factor is a traded price (a stock, an index, a future) whose log-return over the horizon
    a scenario sets.  An instrument is linear in its factor (the factor itself, or a delta-one
    product: value ``multiplier x spot``) or a European option on it priced by Black–Scholes
    (value ``multiplier x BS(spot, strike, expiry, rate, vol, dividend)``).  Per-instrument fields
    broadcast over the ``n_instr`` instruments; option fields are ignored on linear rows.

    Parameters
    ----------
    spots : array_like (n_factors,)
        Factor prices today, > 0 (currency).
    factor : array_like of int (n_instr,), optional
        Each instrument's factor index; default one linear instrument per factor.
    option : bool or array (n_instr,), default False
        True where the instrument is an option.
    multiplier : float or array, default 1.0
        Units of the factor per unit of position (contract size).
    strike, expiry, vol : float or array
        Option strike (currency), time to expiry (years) and volatility (per sqrt year), > 0 on options.
    rate, dividend : float or array, default 0.0
        Continuously compounded rate and dividend yield (per year).
    call : bool or array, default True
        Call (True) or put (False).

    Raises
    ------
    RiskError
        NaN, a non-positive spot, a factor index out of range, an option without a positive strike,
        expiry or vol; the message names the field and the instrument.

    Examples
    --------
    >>> from quantforge.kernels.var import Instruments
    >>> book = Instruments([100.0, 50.0], factor=[0, 1, 0], option=[False, False, True], strike=100.0,
    ...                    expiry=0.5, vol=0.2)
    >>> book.n_instruments, book.n_factors, round(float(book.values()[2]), 4)
    (3, 2, 5.6372)
    """

    spots: Float64Array
    factor: Int64Array | None = None
    option: BoolArray | bool = False
    multiplier: Float64Array | float = 1.0
    strike: Float64Array | float = 0.0
    expiry: Float64Array | float = 0.0
    vol: Float64Array | float = 0.0
    rate: Float64Array | float = 0.0
    dividend: Float64Array | float = 0.0
    call: BoolArray | bool = True

    def __post_init__(self) -> None:
        spots = risk_array("spots", self.spots)
        if spots.ndim != 1 or spots.size == 0 or np.any(spots <= 0.0):
            raise RiskError(f"spots must be a non-empty vector of prices > 0, got {spots!r}")
        factor = np.arange(spots.size) if self.factor is None else risk_array("factor", self.factor, dtype=np.int64)
        if factor.ndim != 1 or factor.size == 0 or factor.min() < 0 or factor.max() >= spots.size:
            raise RiskError(f"factor must be a vector of indices in 0..{spots.size - 1}, got {factor!r}")
        n = factor.size
        fields = {"spots": spots, "factor": factor}
        for name in ("option", "call"):
            arr = np.asarray(getattr(self, name))
            if arr.dtype != np.bool_:
                raise TypeError(f"{name} must be a bool or a bool array, got dtype {arr.dtype}")
            fields[name] = self._per_instrument(name, arr, n)
        for name in ("multiplier", "strike", "expiry", "vol", "rate", "dividend"):
            fields[name] = self._per_instrument(name, risk_array(name, getattr(self, name)), n)
        opt = fields["option"]
        for name in ("strike", "expiry", "vol"):
            bad = opt & ~(fields[name] > 0.0)
            if bad.any():
                i = int(np.argmax(bad))
                raise RiskError(
                    f"{name} must be > 0 on options; instrument {i} has {name} = {fields[name][i].item()!r}"
                )
        for name, arr in fields.items():
            arr = np.ascontiguousarray(arr)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    @staticmethod
    def _per_instrument(name: str, arr: np.ndarray, n: int) -> np.ndarray:
        try:
            return np.broadcast_to(arr, (n,)).copy()
        except ValueError:
            raise RiskError(
                f"{name} must be a scalar or have one entry per instrument ({n}), got shape {arr.shape}"
            ) from None

    @property
    def n_instruments(self) -> int:
        return int(self.factor.size)

    @property
    def n_factors(self) -> int:
        return int(self.spots.size)

    @cached_property
    def _greeks(self) -> dict[str, np.ndarray]:
        """Black–Scholes price and delta of the option rows (per unit of underlying); 0 on linear rows."""
        out = {"price": np.zeros(self.n_instruments), "delta": np.zeros(self.n_instruments)}
        opt = self.option
        if opt.any():
            g = bs_greeks(
                self.spots[self.factor[opt]],
                self.strike[opt],
                self.expiry[opt],
                self.rate[opt],
                self.vol[opt],
                self.dividend[opt],
                self.call[opt],
                backend="numpy",
            )
            out["price"][opt], out["delta"][opt] = g["price"], g["delta"]
        return out

    @cached_property
    def table(self) -> Float64Array:
        """The kernels' instrument table, shape (n_instr, :class:`.core.Inst` ``.SIZE``)."""
        t = np.zeros((self.n_instruments, Inst.SIZE))
        t[:, Inst.FACTOR] = self.factor
        t[:, Inst.KIND] = np.where(self.option, Kind.OPTION, Kind.LINEAR)
        t[:, Inst.MULTIPLIER] = self.multiplier
        for col, name in (
            (Inst.STRIKE, "strike"),
            (Inst.EXPIRY, "expiry"),
            (Inst.VOL, "vol"),
            (Inst.RATE, "rate"),
            (Inst.DIVIDEND, "dividend"),
        ):
            t[:, col] = np.where(self.option, getattr(self, name), 0.0)
        t[:, Inst.CALL] = self.call & self.option
        t[:, Inst.VALUE0] = self._greeks["price"]
        t.setflags(write=False)
        return t

    def values(self) -> Float64Array:
        """Value today of one unit of each instrument (currency), shape (n_instr,)."""
        under = self.spots[self.factor]
        return self.multiplier * np.where(self.option, self._greeks["price"], under)

    def delta_exposures(self, positions: ArrayLike) -> Float64Array:
        """Factor exposures ``sum_i q_i m_i Delta_i S_f(i)`` (currency per unit log-return), shape (..., n_factors).

        The first-order (delta-normal) view of the positions (..., n_instr): the P&L of a small
        log-return ``r`` of the factors is ``exposures . r``.
        """
        q = risk_array("positions", positions)
        if q.ndim < 1 or q.shape[-1] != self.n_instruments:
            raise RiskError(f"positions must have shape (..., {self.n_instruments}), got shape {q.shape}")
        delta = np.where(self.option, self._greeks["delta"], 1.0)
        per_unit = self.multiplier * delta * self.spots[self.factor]
        out = np.zeros(q.shape[:-1] + (self.n_factors,))
        np.add.at(np.moveaxis(out, -1, 0), self.factor, np.moveaxis(q * per_unit, -1, 0))
        return out


@dataclass(frozen=True)
class RiskEstimate:
    """Value at risk and expected shortfall of a batch of portfolios at several confidence levels.

    Losses are positive numbers (currency over the horizon): ``var[..., j]`` is the loss exceeded
    with probability ``1 - confidence[j]``, ``es[..., j]`` the mean loss beyond it.

    Attributes
    ----------
    method : str
        ``historical``, ``filtered_historical``, ``parametric``, ``cornish_fisher``, ``monte_carlo``
        or ``empirical``.
    confidence : float64 (k,)
    var, es : float64 (..., k)
    var_se, es_se : float64 (..., k) or None
        Monte Carlo / sampling standard errors (None for the closed forms).
    n_scenarios : int or None
    horizon_years : float
    component_var, component_es : float64 (..., k, n) or None
        Euler allocations over instruments (parametric: over factors) that sum to ``var`` and ``es``.
    marginal_var : float64 (..., k, n) or None
        ``d VaR / d position`` (currency per unit of position; parametric: per unit of exposure).
    """

    method: str
    confidence: Float64Array
    var: Float64Array
    es: Float64Array
    var_se: Float64Array | None = None
    es_se: Float64Array | None = None
    n_scenarios: int | None = None
    horizon_years: float = 0.0
    component_var: Float64Array | None = None
    component_es: Float64Array | None = None
    marginal_var: Float64Array | None = None

    def summary(self) -> str:
        """A table of VaR and ES (with standard errors where sampled) per portfolio (at most 10) and level."""
        var = self.var.reshape(-1, self.confidence.size)
        es = self.es.reshape(-1, self.confidence.size)
        head = f"{self.method} VaR/ES"
        if self.n_scenarios:
            head += f", {self.n_scenarios} scenarios"
        lines = [head]
        for p in range(min(len(var), 10)):
            for j, c in enumerate(self.confidence):
                row = f"  [{p}] {100 * c:g}%: VaR {var[p, j]:.6g}"
                if self.var_se is not None:
                    row += f" (s.e. {self.var_se.reshape(var.shape)[p, j]:.3g})"
                row += f", ES {es[p, j]:.6g}"
                if self.es_se is not None:
                    row += f" (s.e. {self.es_se.reshape(es.shape)[p, j]:.3g})"
                lines.append(row)
        return "\n".join(lines)
