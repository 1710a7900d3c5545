"""Monte Carlo of implementation shortfall: the cost distribution of many schedules on many price paths.

Each schedule's cost on a path is ``C = E_impact + side * sum_k n_k (S_{t_{k-1}} - S_0)`` (see
:mod:`quantforge.execution.impact`): the linear impact model's fixed part, plus the market's move
between the start and each slice, weighted by the slice's shares.  The second term is a linear
functional of the unaffected price path, which the kernel
:func:`quantforge.kernels.execution.path_functionals` computes for all schedules and all paths at once
on GBM, Merton or Kou paths of the sde family (the same Philox stream as
:func:`quantforge.kernels.sde.simulate`; fused on numba, the sde kernel plus one matrix product on jax
and cupy).  All schedules see the same paths (common random numbers), so their differences are
measured far more precisely than their levels.

With a martingale price (``mu = 0``; the jump models are compensated), ``E[C]`` is the impact model's
expected cost exactly, which the tests check within three standard errors.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .._typing import BackendName, Float64Array
from ..errors import InvalidParameters, check_int, check_positive
from ..kernels.execution import path_functionals
from ..kernels.sde import GBM
from .frames import to_frame
from .impact import LinearImpact
from .schedules import Schedule

__all__ = ["CostDistribution", "simulate_costs", "COST_TABLE"]

COST_TABLE = np.dtype(
    [
        ("strategy", "U32"),
        ("expected", "f8"),
        ("mean", "f8"),
        ("stderr", "f8"),
        ("std", "f8"),
        ("p05", "f8"),
        ("p50", "f8"),
        ("p95", "f8"),
        ("mean_bps", "f8"),
        ("std_bps", "f8"),
    ]
)
"""One row per strategy: the impact model's expected cost, the Monte Carlo mean and its standard
error, standard deviation and quantiles (currency), and mean and deviation in bps of the arrival value."""


@dataclass(frozen=True)
class CostDistribution:
    """Implementation shortfall of each strategy on each simulated path.

    Attributes
    ----------
    names : tuple of str
        One per strategy.
    costs : float64 array (n_strategies, n_paths)
        Shortfall against the arrival price, currency (positive: a cost).
    expected : float64 array (n_strategies,)
        The impact model's expected cost of each (exact for a martingale price).
    arrival_values : float64 array (n_strategies,)
        ``X S_0`` of each, the base of the bps figures.
    """

    names: tuple[str, ...]
    costs: Float64Array
    expected: Float64Array
    arrival_values: Float64Array

    @cached_property
    def mean(self) -> Float64Array:
        return self.costs.mean(axis=1)

    @cached_property
    def std(self) -> Float64Array:
        return self.costs.std(axis=1, ddof=1) if self.costs.shape[1] > 1 else np.zeros(len(self.names))

    @cached_property
    def stderr(self) -> Float64Array:
        """Standard error of :attr:`mean`."""
        return self.std / math.sqrt(self.costs.shape[1])

    def table(self) -> np.ndarray:
        """The :data:`COST_TABLE` structured array, one row per strategy."""
        out = np.zeros(len(self.names), COST_TABLE)
        q = np.quantile(self.costs, [0.05, 0.5, 0.95], axis=1)
        out["strategy"] = self.names
        out["expected"], out["mean"], out["stderr"], out["std"] = self.expected, self.mean, self.stderr, self.std
        out["p05"], out["p50"], out["p95"] = q
        out["mean_bps"] = 1e4 * self.mean / self.arrival_values
        out["std_bps"] = 1e4 * self.std / self.arrival_values
        return out

    def to_frame(self) -> Any:
        """:meth:`table` as a pandas DataFrame indexed by strategy (needs the ``tca`` extra)."""
        return to_frame(self.table(), index="strategy")

    def summary(self) -> str:
        rows = [f"{'strategy':<16}{'E[C] model':>14}{'mean':>14}{'s.e.':>11}{'std':>14}{'p95':>14}{'bps':>9}"]
        for r in self.table():
            rows.append(
                f"{r['strategy']:<16}{r['expected']:>14.6g}{r['mean']:>14.6g}{r['stderr']:>11.4g}"
                f"{r['std']:>14.6g}{r['p95']:>14.6g}{r['mean_bps']:>9.3f}"
            )
        return "\n".join(rows)


def simulate_costs(
    schedules: Sequence[Schedule],
    impact: LinearImpact,
    model: GBM,
    price: float,
    n_paths: int,
    *,
    names: Sequence[str] | None = None,
    time_unit_s: float = 1.0,
    lot_size: float = 1.0,
    scheme: str = "exact",
    seed: int = 0,
    stream: int = 0,
    backend: BackendName = None,
) -> CostDistribution:
    """The distribution of implementation shortfall of each schedule over ``n_paths`` price paths.

    Parameters
    ----------
    schedules : sequence of Schedule
        On one time grid (same horizon and slices); sides and parents may differ.
    impact : LinearImpact
        Coefficients per ``time_unit_s`` and per share (``eta`` in price x time units per share).
    model : GBM, Merton or Kou
        The unaffected price (rates per ``time_unit_s``).
    price : float
        ``S_0`` (currency per share), > 0.
    n_paths : int
        Paths, >= 2.
    names : sequence of str, optional
        Strategy names (default each schedule's ``algo`` and index).
    time_unit_s : float
        Seconds per time unit of ``model`` and ``impact`` (1: per second; 23_400: per trading day).
    lot_size : float
        Shares per lot of the schedules.
    scheme, seed, stream, backend
        As in :func:`quantforge.kernels.execution.path_functionals`.

    Returns
    -------
    CostDistribution

    Raises
    ------
    InvalidParameters
        Schedules on different grids, wrong names, bad numbers (naming them).

    Examples
    --------
    >>> from quantforge.execution import twap_schedule
    >>> from quantforge.kernels.sde import GBM
    >>> imp = LinearImpact(gamma=1e-6, eta=1e-3, epsilon=0.01)
    >>> d = simulate_costs([twap_schedule(1000, 600.0, 10)], imp, GBM(0.0, 1e-4), 50.0, 2000, seed=1, backend="numpy")
    >>> bool(abs(d.mean[0] - d.expected[0]) < 3 * d.stderr[0])
    True
    """
    schedules = list(schedules)
    if not schedules or not all(isinstance(s, Schedule) for s in schedules):
        raise InvalidParameters("schedules must be a non-empty sequence of Schedule")
    if not isinstance(impact, LinearImpact):
        raise TypeError(f"impact must be a LinearImpact, got {type(impact).__name__}")
    grid = schedules[0].times_s
    for i, s in enumerate(schedules[1:], 1):
        if s.times_s.shape != grid.shape or not np.allclose(s.times_s, grid, rtol=1e-12, atol=0):
            raise InvalidParameters(
                f"schedules must share one time grid: schedule {i} has {s.n_slices} slices over "
                f"{s.horizon_s:g} s, schedule 0 {schedules[0].n_slices} over {grid[-1]:g} s"
            )
    if names is None:
        names = [f"{s.algo}-{i}" for i, s in enumerate(schedules)]
    names = tuple(str(n) for n in names)
    if len(names) != len(schedules):
        raise InvalidParameters(f"names must give one name per schedule ({len(schedules)}), got {len(names)}")
    price = check_positive("price", price)
    n_paths = check_int("n_paths", n_paths, minimum=2)
    unit = check_positive("time_unit_s", time_unit_s)
    lot_size = check_positive("lot_size", lot_size)
    n_slices = schedules[0].n_slices
    tau = grid[-1] / n_slices / unit
    trades = np.stack([s.child_lots * lot_size for s in schedules]).astype(np.float64)
    f = path_functionals(
        model,
        price,
        grid[-1] / unit,
        n_slices,
        trades,
        n_paths,
        scheme=scheme,
        seed=seed,
        stream=stream,
        backend=backend,
    )
    sides = np.array([s.side for s in schedules], dtype=np.float64)
    expected = np.array([impact.expected_cost(t, tau) for t in trades])
    values = np.array([s.quantity_lots * lot_size * price for s in schedules])
    return CostDistribution(names, expected[:, None] + sides[:, None] * f, expected, values)
