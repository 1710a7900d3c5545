"""Execution schedules: a parent order split into whole-lot child quantities over equal time slices.

A :class:`Schedule` says how many lots to trade in each slice ``[t_{k-1}, t_k)`` of the horizon.
Every schedule here is rounded to whole lots by the largest-remainder rule (Hamilton's method,
:func:`round_to_lots`): each slice gets the integer part of its exact share and the lots still
missing go, one each, to the slices with the largest fractional parts (the earliest first among
equal ones), so the children always sum exactly to the parent and no child is off its exact share
by a lot or more.

* :func:`twap_schedule`: equal shares, ``X / N`` per slice.
* :func:`vwap_schedule`: shares proportional to the volume the profile expects in each slice
  (the profile's piecewise-constant density integrated over the slice).
* :func:`pov_schedule`: a participation rate of a volume series (realised, or a forecast) with a
  cap per child; it finishes the parent only if the volume allows, and says what is left.

The Almgren–Chriss (implementation shortfall) schedule is :func:`quantforge.execution.ac_schedule`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._typing import ArrayLike, Float64Array, Int64Array
from ..errors import InvalidParameters, check_all_finite, check_array, check_in_range, check_int, check_positive
from .volume_profile import check_profile, u_shaped_profile

__all__ = ["Schedule", "round_to_lots", "twap_schedule", "vwap_schedule", "pov_schedule", "check_side", "SIDES"]

SIDES = {"buy": 1, "sell": -1}
"""Side names and their signs (the engine's BUY = +1 and SELL = -1)."""

_SUM_RTOL = 1e-9  # how far the exact shares may sum from the total (rounding of the caller's floats)


def check_side(side: str | int) -> int:
    """``side`` (``"buy"``/``"sell"`` or +1/-1) as +1 or -1; ``InvalidParameters`` names anything else."""
    if isinstance(side, str) and side in SIDES:
        return SIDES[side]
    if isinstance(side, (int, np.integer)) and not isinstance(side, bool) and int(side) in (1, -1):
        return int(side)
    raise InvalidParameters(f"side must be 'buy', 'sell', +1 or -1; got {side!r}")


def round_to_lots(quantities: ArrayLike, total: int) -> Int64Array:
    """Round exact (fractional) child quantities to whole lots that sum exactly to ``total``.

    Parameters
    ----------
    quantities : float array (n,)
        Exact shares (lots), finite, summing to ``total`` within a relative 1e-9.
    total : int
        The parent (lots).

    Returns
    -------
    int64 array (n,)
        ``floor(q_i)`` plus one lot for each of the ``total - sum floor(q)`` largest remainders
        ``q_i - floor(q_i)`` (ties to the earlier slice); ``|result - q| < 1`` everywhere.

    Raises
    ------
    InvalidParameters
        For NaN or infinite quantities, or quantities that do not sum to ``total``.

    Examples
    --------
    >>> round_to_lots([2.5, 2.5, 2.5, 2.5], 10).tolist()
    [3, 3, 2, 2]
    >>> round_to_lots([0.2, 0.7, 1.1], 2).tolist()
    [0, 1, 1]
    """
    q = check_all_finite("quantities", check_array("quantities", quantities, dtype=np.float64, cast=True))
    total = check_int("total", total)
    if q.ndim != 1 or q.size < 1:
        raise InvalidParameters(f"quantities must be a non-empty 1-D array, got shape {q.shape}")
    exact = math.fsum(q.tolist())
    if abs(exact - total) > _SUM_RTOL * max(1.0, abs(total)):
        raise InvalidParameters(f"quantities must sum to total={total}, got sum {exact!r}")
    floors = np.floor(q)
    # the shares' own rounding can leave a remainder a hair below 1 or above 0: clip into [0, 1)
    remainders = np.clip(q - floors, 0.0, np.nextafter(1.0, 0.0))
    out = floors.astype(np.int64)
    missing = total - int(out.sum())
    if missing < 0:  # shares a hair above their exact values: take lots back from the smallest remainders
        order = np.argsort(remainders, kind="stable")[:-missing]
        out[order] -= 1
    elif missing > 0:
        order = np.argsort(-remainders, kind="stable")[:missing]
        out[order] += 1
    return out


@dataclass(frozen=True)
class Schedule:
    """Child quantities of a parent order over equal slices of a horizon.

    Attributes
    ----------
    algo : str
        What built it (``twap``, ``vwap``, ``pov``, ``ac``).
    side : int
        +1 buy, -1 sell.
    quantity_lots : int
        The parent (lots).
    times_s : float64 array (n + 1,)
        Slice boundaries from 0 to the horizon (seconds after the start).
    child_lots : int64 array (n,)
        Lots to trade in each slice, >= 0; they sum to ``quantity_lots`` (a POV schedule whose volume
        runs out sums to less: :attr:`unscheduled_lots` is the difference).
    """

    algo: str
    side: int
    quantity_lots: int
    times_s: Float64Array
    child_lots: Int64Array

    def __post_init__(self):
        check_side(self.side)
        check_int("quantity_lots", self.quantity_lots, minimum=1)
        t = check_all_finite("times_s", check_array("times_s", self.times_s, dtype=np.float64, ndim=1))
        c = check_array("child_lots", self.child_lots, dtype=np.int64, ndim=1)
        if t.size != c.size + 1 or t[0] != 0.0 or np.any(np.diff(t) <= 0):
            raise InvalidParameters(
                f"times_s must rise strictly from 0 with one more entry than child_lots ({c.size}), got {t!r}"
            )
        if np.any(c < 0):
            i = int(np.argmax(c < 0))
            raise InvalidParameters(
                f"child_lots must be >= 0 (a schedule trades one way); child_lots[{i}] = {int(c[i])}"
            )
        if int(c.sum()) > self.quantity_lots:
            raise InvalidParameters(f"child_lots sum to {int(c.sum())}, more than the parent {self.quantity_lots}")
        t.setflags(write=False)
        c.setflags(write=False)

    @property
    def n_slices(self) -> int:
        return int(self.child_lots.size)

    @property
    def horizon_s(self) -> float:
        return float(self.times_s[-1])

    @property
    def cumulative_lots(self) -> Int64Array:
        """Lots done by each boundary: ``0, c_1, c_1 + c_2, ...`` (n + 1 entries)."""
        return np.concatenate([[0], np.cumsum(self.child_lots)])

    @property
    def holdings_lots(self) -> Int64Array:
        """Lots still to trade at each boundary (the trajectory ``x_k``; ends at :attr:`unscheduled_lots`)."""
        return self.quantity_lots - self.cumulative_lots

    @property
    def unscheduled_lots(self) -> int:
        return self.quantity_lots - int(self.child_lots.sum())

    def summary(self) -> str:
        """One line: algorithm, side, parent, slices and the first children."""
        head = ", ".join(str(int(v)) for v in self.child_lots[:8]) + (", ..." if self.n_slices > 8 else "")
        left = f"; {self.unscheduled_lots} lots unscheduled" if self.unscheduled_lots else ""
        side = "buy" if self.side > 0 else "sell"
        return (
            f"{self.algo} {side} {self.quantity_lots} lots over {self.horizon_s:g} s in {self.n_slices} slices: "
            f"[{head}]{left}"
        )


def _grid(horizon_s: float, n_slices: int) -> tuple[float, int, Float64Array]:
    horizon_s = check_positive("horizon_s", horizon_s)
    n_slices = check_int("n_slices", n_slices, minimum=1)
    return horizon_s, n_slices, np.linspace(0.0, horizon_s, n_slices + 1)


def twap_schedule(quantity_lots: int, horizon_s: float, n_slices: int, *, side: str | int = "buy") -> Schedule:
    """Time-weighted: ``quantity_lots / n_slices`` per slice, rounded by :func:`round_to_lots`.

    Examples
    --------
    >>> twap_schedule(10, 60.0, 4).child_lots.tolist()
    [3, 3, 2, 2]
    """
    q = check_int("quantity_lots", quantity_lots, minimum=1)
    horizon_s, n, times = _grid(horizon_s, n_slices)
    return Schedule("twap", check_side(side), q, times, round_to_lots(np.full(n, q / n), q))


def vwap_schedule(
    quantity_lots: int,
    horizon_s: float,
    n_slices: int,
    *,
    profile: ArrayLike | None = None,
    session_s: float = 23_400.0,
    start_s: float = 0.0,
    side: str | int = "buy",
) -> Schedule:
    """Volume-weighted: each slice's share of the parent is its share of the expected volume.

    Parameters
    ----------
    quantity_lots : int
        Parent (lots), >= 1.
    horizon_s : float
        Length of the order (s), > 0; ``start_s + horizon_s <= session_s``.
    n_slices : int
        Equal slices, >= 1.
    profile : float array (n_bins,), optional
        Fractions of the session's volume in equal bins (sum 1; :func:`fit_volume_profile`);
        default :func:`u_shaped_profile`.
    session_s : float
        Length of the session the profile spans (s).
    start_s : float
        When the order starts, in seconds after the session opens.
    side : {"buy", "sell"}

    Notes
    -----
    The profile is a piecewise-constant volume density ``rho(t)``; slice ``k`` gets
    ``X * int_{slice} rho / int_{horizon} rho`` before rounding.

    Raises
    ------
    InvalidParameters
        For a profile that does not sum to one, a horizon outside the session, or a horizon in
        which the profile expects no volume.

    Examples
    --------
    >>> vwap_schedule(100, 23_400.0, 2, profile=[0.5, 0.2, 0.3]).child_lots.tolist()
    [60, 40]
    """
    q = check_int("quantity_lots", quantity_lots, minimum=1)
    horizon_s, n, times = _grid(horizon_s, n_slices)
    p = u_shaped_profile() if profile is None else check_profile(profile)
    session_s = check_positive("session_s", session_s)
    start_s = check_in_range("start_s", start_s, 0.0, session_s, high_open=True)
    if start_s + horizon_s > session_s * (1 + 1e-12):
        raise InvalidParameters(
            f"start_s + horizon_s must be <= session_s = {session_s!r}, got {start_s!r} + {horizon_s!r}"
        )
    edges = np.linspace(0.0, session_s, p.size + 1)
    cum = np.concatenate([[0.0], np.cumsum(p)])
    expected = np.diff(np.interp(start_s + times, edges, cum))
    total = float(expected.sum())
    if total <= 0:
        raise InvalidParameters(
            f"the profile expects no volume between start_s={start_s!r} and start_s + horizon_s={start_s + horizon_s!r}"
        )
    return Schedule("vwap", check_side(side), q, times, round_to_lots(q * expected / total, q))


def pov_schedule(
    quantity_lots: int,
    volumes_lots: ArrayLike,
    rate: float,
    horizon_s: float,
    *,
    cap_lots: int | None = None,
    side: str | int = "buy",
) -> Schedule:
    """Percentage of volume: ``rate`` of each slice's market volume, each child at most ``cap_lots``.

    Parameters
    ----------
    quantity_lots : int
        Parent (lots), >= 1.
    volumes_lots : float array (n,)
        Market volume of each slice (lots; realised, or a forecast), >= 0; ``n`` equal slices of the horizon.
    rate : float
        Participation, ``0 < rate < 1``: the share of the total volume (ours included) we take, so a
        slice with ``V`` lots of others' volume allows ``rate / (1 - rate) V`` lots.
    horizon_s : float
        Length of the order (s).
    cap_lots : int, optional
        Largest child (lots).

    Returns
    -------
    Schedule
        The cumulative target ``C_k = min(X, floor(rate / (1 - rate) * sum_{i<=k} V_i))`` (and the cap),
        differenced; it sums to less than the parent when the volume runs out
        (:attr:`Schedule.unscheduled_lots`), because a POV order never trades above its rate.

    Examples
    --------
    >>> pov_schedule(30, [40, 40, 40], 0.2, 60.0).child_lots.tolist()
    [10, 10, 10]
    >>> pov_schedule(30, [40, 0, 40], 0.2, 60.0).unscheduled_lots
    10
    """
    q = check_int("quantity_lots", quantity_lots, minimum=1)
    v = check_all_finite("volumes_lots", check_array("volumes_lots", volumes_lots, dtype=np.float64, cast=True))
    if v.ndim != 1 or v.size < 1:
        raise InvalidParameters(f"volumes_lots must be a non-empty 1-D array, got shape {v.shape}")
    if np.any(v < 0):
        i = int(np.argmax(v < 0))
        raise InvalidParameters(f"volumes_lots must be >= 0 everywhere; volumes_lots[{i}] = {float(v[i])!r}")
    rate = check_in_range("rate", rate, 0.0, 1.0, low_open=True, high_open=True)
    horizon_s, n, times = _grid(horizon_s, v.size)
    cap = q if cap_lots is None else check_int("cap_lots", cap_lots, minimum=1)
    allowed = np.floor(rate / (1.0 - rate) * np.cumsum(v) * (1 + 1e-12))  # a hair up: 0.25 * 40 stays 10
    children = np.zeros(n, dtype=np.int64)
    done = 0
    for k in range(n):
        children[k] = max(0, min(cap, q - done, int(allowed[k]) - done))
        done += int(children[k])
    return Schedule("pov", check_side(side), q, times, children)
