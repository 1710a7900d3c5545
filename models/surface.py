"""Quote surfaces: the product of a market-making model for one instrument, and the seam between
the models (GPU or CPU, batched) and the engine (CPU hot path).

A surface holds bid and ask *depths* (distance from the mid, in price units, >= 0 for a passive
quote) and sizes over a grid of time-to-horizon × inventory, optionally with a leading regime axis:
``bid_depth[..., i, j]`` is the depth at ``time_to_horizon_s[i]`` and inventory
``inventory_lots[j]``.  A side that must not be quoted (no bid at the upper inventory bound, no ask
at the lower) holds ``+inf``.  The inventory grid is the consecutive integers ``q_min .. q_max`` so
that the engine finds a column by subtraction.

Every quoting model turns its batched depth arrays into surfaces through one function,
:func:`build_surfaces`.  Surfaces are saved as ``.npz`` with a JSON schema entry
(:meth:`QuoteSurface.save`, :func:`load_surface`), published through shared memory by the engine and
served over HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._typing import ArrayLike
from ..errors import (
    InvalidParameters,
    NumericalInstability,
    check_array,
    check_finite,
    check_int,
    check_integer_array,
)

__all__ = ["QuoteSurface", "build_surfaces", "load_surface", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1


@dataclass(frozen=True, eq=False)
class QuoteSurface:
    """Bid/ask depths and sizes over time-to-horizon × inventory (× regime) for one instrument.

    Attributes
    ----------
    model : str
        Name of the model that produced it (``"avellaneda-stoikov"``, ``"glft"``, ...).
    params : dict
        The model parameters (JSON-serialisable scalars).
    time_to_horizon_s : float64 array (n_t,)
        Strictly increasing times to the horizon, seconds (or the model's time unit, see ``units``).
    inventory_lots : int64 array (n_q,)
        Consecutive inventories ``q_min, q_min + 1, ..., q_max``.
    bid_depth, ask_depth : float64 arrays (..., n_t, n_q)
        Depth from the mid (price units); ``+inf`` means "do not quote this side".
    bid_size_lots, ask_size_lots : int64 arrays, same shape, optional
        Quote sizes; default one lot everywhere.
    units : dict
        Units of time, depth and inventory.
    version : int
        Schema version of the stored form.
    """

    model: str
    params: dict
    time_to_horizon_s: np.ndarray
    inventory_lots: np.ndarray
    bid_depth: np.ndarray
    ask_depth: np.ndarray
    bid_size_lots: np.ndarray | None = None
    ask_size_lots: np.ndarray | None = None
    units: dict = field(default_factory=lambda: {"time": "s", "depth": "price", "inventory": "lots"})
    version: int = SCHEMA_VERSION

    def __post_init__(self):
        if not isinstance(self.model, str):
            raise TypeError(f"model must be a str (the model's name), got {type(self.model).__name__}")
        for name in ("params", "units"):
            if not isinstance(getattr(self, name), Mapping):
                raise TypeError(f"{name} must be a dict, got {type(getattr(self, name)).__name__}")
        check_int("version", self.version)
        t = np.ascontiguousarray(check_array("time_to_horizon_s", self.time_to_horizon_s, dtype=np.float64, cast=True))
        q = np.asarray(self.inventory_lots)
        if q.dtype.kind not in "iu":
            raise InvalidParameters(f"inventory_lots must be integers, got dtype {q.dtype}")
        q = np.ascontiguousarray(q, dtype=np.int64)
        if t.ndim != 1 or t.size < 1 or not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0) or t[0] < 0:
            raise InvalidParameters("time_to_horizon_s must be a 1-D, finite, non-negative, strictly increasing array")
        if q.ndim != 1 or q.size < 1 or np.any(np.diff(q) != 1):
            raise InvalidParameters("inventory_lots must be consecutive integers q_min..q_max")
        shape_tail = (t.size, q.size)
        arrays = {}
        for name in ("bid_depth", "ask_depth"):
            a = np.ascontiguousarray(check_array(name, getattr(self, name), dtype=np.float64, cast=True))
            if a.ndim not in (2, 3) or a.shape[-2:] != shape_tail:
                raise InvalidParameters(f"{name} must have shape ([n_regimes,] {t.size}, {q.size}), got {a.shape}")
            if np.isnan(a).any() or np.isneginf(a).any():
                raise NumericalInstability(f"{name} holds NaN or -inf: the model did not produce finite quotes")
            arrays[name] = a
        if arrays["bid_depth"].shape != arrays["ask_depth"].shape:
            raise InvalidParameters("bid_depth and ask_depth must have the same shape")
        for name in ("bid_size_lots", "ask_size_lots"):
            a = getattr(self, name)
            # sizes are whole lots: a fractional size is refused, not truncated
            a = (
                np.ones(arrays["bid_depth"].shape, np.int64)
                if a is None
                else np.ascontiguousarray(check_integer_array(name, a))
            )
            if a.shape != arrays["bid_depth"].shape or np.any(a < 0):
                raise InvalidParameters(
                    f"{name} must be non-negative with the depths' shape {arrays['bid_depth'].shape}"
                )
            arrays[name] = a
        object.__setattr__(self, "time_to_horizon_s", t)
        object.__setattr__(self, "inventory_lots", q)
        for name, a in arrays.items():
            a.setflags(write=False)
            object.__setattr__(self, name, a)
        try:
            json.dumps(self.params)  # fails early for parameters that cannot be stored
        except (TypeError, ValueError) as exc:
            raise TypeError(f"params must be JSON-serialisable (numbers, strings, lists, dicts): {exc}") from None

    @property
    def q_min(self) -> int:
        return int(self.inventory_lots[0])

    @property
    def q_max(self) -> int:
        return int(self.inventory_lots[-1])

    @property
    def n_regimes(self) -> int:
        return 1 if self.bid_depth.ndim == 2 else self.bid_depth.shape[0]

    def quotes(
        self, time_to_horizon_s: float, inventory_lots: int, mid: float, regime: int = 0, *, clamp: bool = False
    ) -> tuple[float, float]:
        """Bid and ask price at the nearest grid time (not interpolated; the engine does that),
        for inspection and tests.  ``nan`` marks a side not quoted.

        ``time_to_horizon_s`` must be finite and lie on the grid's span and ``inventory_lots`` be an
        integer in ``q_min..q_max``; ``clamp=True`` takes the nearest grid point instead, as the
        engine's ``surface_lookup`` does (which flags it).  A bid at or below 0, or at or above the
        ask, is a ``NumericalInstability``: the surface does not fit this mid.
        """
        if not isinstance(clamp, (bool, np.bool_)):
            raise TypeError(f"clamp must be a bool, got {type(clamp).__name__}")
        t = check_finite("time_to_horizon_s", time_to_horizon_s)
        q = check_int("inventory_lots", inventory_lots)
        mid = check_finite("mid", mid)
        regime = check_int("regime", regime, minimum=0, maximum=self.n_regimes - 1)
        grid = self.time_to_horizon_s
        slack = 1e-9 * max(1.0, float(grid[-1]))  # rounding of a time computed from the grid's own
        if not clamp:
            if not grid[0] - slack <= t <= grid[-1] + slack:
                raise InvalidParameters(
                    f"time_to_horizon_s must lie on the surface's grid [{float(grid[0])!r}, "
                    f"{float(grid[-1])!r}], got {t!r} (clamp=True takes the nearest end)"
                )
            if not self.q_min <= q <= self.q_max:
                raise InvalidParameters(
                    f"inventory_lots must lie in [{self.q_min}, {self.q_max}], got {q} "
                    "(clamp=True takes the nearest bound)"
                )
        i = int(np.argmin(np.abs(grid - t)))
        j = min(max(q, self.q_min), self.q_max) - self.q_min
        bd = self.bid_depth if self.bid_depth.ndim == 2 else self.bid_depth[regime]
        ad = self.ask_depth if self.ask_depth.ndim == 2 else self.ask_depth[regime]
        b, a = bd[i, j], ad[i, j]
        bid, ask = (mid - b if np.isfinite(b) else float("nan"), mid + a if np.isfinite(a) else float("nan"))
        with np.errstate(invalid="ignore"):
            bad = (
                bid >= ask
                or (np.isfinite(b) and not (np.isfinite(bid) and bid > 0))
                or (np.isfinite(a) and not np.isfinite(ask))
            )
        if bad:
            raise NumericalInstability(
                f"the surface quotes bid {bid!r} and ask {ask!r} at mid {mid!r} (time "
                f"{float(grid[i])!r}, inventory {q}): a bid must be > 0 and below the ask"
            )
        return bid, ask

    def to_dict(self) -> dict[str, Any]:
        """The JSON-serialisable description (arrays as lists; ``inf`` as ``null``)."""

        def arr(a):
            return [[None if not np.isfinite(x) else float(x) for x in row] for row in a.reshape(-1, a.shape[-1])]

        return {
            "schema_version": self.version,
            "model": self.model,
            "params": self.params,
            "units": self.units,
            "time_to_horizon_s": self.time_to_horizon_s.tolist(),
            "inventory_lots": self.inventory_lots.tolist(),
            "shape": list(self.bid_depth.shape),
            "bid_depth": arr(self.bid_depth),
            "ask_depth": arr(self.ask_depth),
        }

    def save(self, path: str | Path) -> Path:
        """Write the surface as ``.npz`` with a JSON schema entry; returns the path written."""
        if not isinstance(path, (str, Path)):
            raise TypeError(f"path must be a str or a Path, got {type(path).__name__}")
        path = Path(path)
        meta = {"schema_version": self.version, "model": self.model, "params": self.params, "units": self.units}
        np.savez(
            path,
            __schema__=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            time_to_horizon_s=self.time_to_horizon_s,
            inventory_lots=self.inventory_lots,
            bid_depth=self.bid_depth,
            ask_depth=self.ask_depth,
            bid_size_lots=self.bid_size_lots,
            ask_size_lots=self.ask_size_lots,
        )
        return path if path.suffix == ".npz" else path.with_suffix(path.suffix + ".npz")


def build_surfaces(
    *,
    model: str,
    params: Sequence[Mapping[str, Any]],
    time_to_horizon_s: ArrayLike,
    inventory_lots: ArrayLike,
    bid_depth: ArrayLike,
    ask_depth: ArrayLike,
    units: Mapping[str, str] | None = None,
) -> list[QuoteSurface]:
    """One :class:`QuoteSurface` per entry of ``params`` from a model's batched depth arrays.

    Parameters
    ----------
    model : str
        The model's name, stored in every surface.
    params : sequence of dicts (n_surfaces,)
        What each surface stores as its parameters (JSON-serialisable; usually one parameter set's
        :meth:`~quantforge.models.parameters.ModelParams.as_dict` and the grid bounds).
    time_to_horizon_s : float array (n_t,)
        The shared time grid (the model's time unit, see ``units``).
    inventory_lots : int array (n_q,)
        The shared inventory grid, consecutive integers.
    bid_depth, ask_depth : float arrays (n_surfaces, [n_regimes,] n_t, n_q)
        Depths from the mid (price units); ``+inf`` where a side is not quoted.
    units : dict, optional
        Units of time, depth and inventory; default seconds, price units and lots.

    Returns
    -------
    list of QuoteSurface (n_surfaces,)

    Raises
    ------
    InvalidParameters
        If the depth arrays do not hold one surface per entry of ``params``, or a surface's own
        checks fail (grids, shapes).
    NumericalInstability
        If a depth is NaN or ``-inf``.

    Examples
    --------
    >>> import numpy as np
    >>> depth = np.full((2, 3, 5), 0.5)
    >>> surfs = build_surfaces(model="flat", params=[{"half_spread": 0.5}, {"half_spread": 0.5}],
    ...                        time_to_horizon_s=np.array([0.0, 0.5, 1.0]), inventory_lots=np.arange(-2, 3),
    ...                        bid_depth=depth, ask_depth=depth)
    >>> len(surfs), surfs[1].bid_depth.shape, surfs[0].q_min
    (2, (3, 5), -2)
    """
    if (
        not isinstance(params, Sequence)
        or isinstance(params, (str, bytes))
        or not all(isinstance(p, Mapping) for p in params)
    ):
        raise TypeError(f"params must be a sequence of dicts (one per surface), got {type(params).__name__}")
    bid = check_array("bid_depth", bid_depth, dtype=np.float64, cast=True)
    ask = check_array("ask_depth", ask_depth, dtype=np.float64, cast=True)
    if bid.ndim < 1 or bid.shape[0] != len(params) or ask.shape != bid.shape:
        raise InvalidParameters(
            f"bid_depth and ask_depth must both have shape ({len(params)}, [n_regimes,] n_t, n_q), one surface per "
            f"parameter dict; got {bid.shape} and {ask.shape}"
        )
    t = check_array("time_to_horizon_s", time_to_horizon_s, dtype=np.float64, cast=True)
    if units is not None and not isinstance(units, Mapping):
        raise TypeError(f"units must be a dict, got {type(units).__name__}")
    extra = {} if units is None else {"units": dict(units)}
    return [
        QuoteSurface(
            model=model,
            params=dict(p),
            time_to_horizon_s=t,
            inventory_lots=inventory_lots,
            bid_depth=bid[i],
            ask_depth=ask[i],
            **extra,
        )
        for i, p in enumerate(params)
    ]


def load_surface(path: str | Path) -> QuoteSurface:
    """Read a surface written by :meth:`QuoteSurface.save`; refuses files of another schema version,
    a missing file and one that is not a saved surface (``InvalidParameters`` naming the path)."""
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a str or a Path, got {type(path).__name__}")
    try:
        z = np.load(Path(path), allow_pickle=False)
    except FileNotFoundError:
        raise InvalidParameters(f"path {str(path)!r}: no such file") from None
    except (OSError, ValueError, EOFError) as exc:  # not an .npz (numpy reads pickles only when allowed)
        raise InvalidParameters(f"path {str(path)!r} is not a saved quote surface: {exc}") from None
    if not hasattr(z, "files"):  # a plain .npy array
        raise InvalidParameters(f"path {str(path)!r} is not a saved quote surface (an .npy array, not an .npz)")
    with z:
        if "__schema__" not in z:
            raise InvalidParameters(f"{path} is not a quantforge quote surface (no schema entry)")
        try:
            meta = json.loads(bytes(z["__schema__"]).decode())
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise InvalidParameters(f"{path}: the schema entry is not JSON; the file is damaged") from None
        missing = {"model", "params", "units"} - set(meta) if isinstance(meta, dict) else {"a dict"}
        missing |= {
            "time_to_horizon_s",
            "inventory_lots",
            "bid_depth",
            "ask_depth",
            "bid_size_lots",
            "ask_size_lots",
        } - set(z.files)
        if missing:
            raise InvalidParameters(f"{path} is not a complete quote surface: missing {sorted(missing)}")
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise InvalidParameters(
                f"{path} has surface schema version {meta.get('schema_version')!r}; this quantforge reads {SCHEMA_VERSION}"
            )
        return QuoteSurface(
            model=meta["model"],
            params=meta["params"],
            units=meta["units"],
            time_to_horizon_s=z["time_to_horizon_s"],
            inventory_lots=z["inventory_lots"],
            bid_depth=z["bid_depth"],
            ask_depth=z["ask_depth"],
            bid_size_lots=z["bid_size_lots"],
            ask_size_lots=z["ask_size_lots"],
        )
