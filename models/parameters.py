"""Validated, batched parameters: the one convention every quoting model follows.

A model's parameters are a frozen, keyword-only dataclass derived from :class:`ModelParams`, whose
fields carry the paper's symbols.  Each field is a scalar or a 1-D array over parameter sets (a
model whose parameters are vectors or matrices over assets declares those trailing axes in
``ASSET_AXES``; a batch adds one leading axis).  The arrays are broadcast together at construction,
so ``n_sets`` parameter sets are one object, and the object is validated once, there:

* a value that is not a real number (a string, a bool, an object) is a ``TypeError``;
* NaN, infinities, values outside the field's domain and arrays of the wrong shape or of batch
  lengths that do not broadcast are :class:`~quantforge.errors.InvalidParameters`, whose message
  names the field and the offending value.

Unbatched sets keep scalar fields as Python floats, so the closed forms return scalars for them;
batched sets hold read-only float64 arrays with the batch on the leading axis, and every batched
function of a model returns that leading ``n_sets`` axis exactly when ``params.batched`` is true
(the convention of :mod:`quantforge.kernels`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..errors import (
    InvalidParameters,
    check_all_finite,
    check_array,
    check_finite,
    check_in_range,
    check_nonnegative,
    check_positive,
)

__all__ = ["ModelParams", "DOMAINS", "squeeze_sets"]


def _unit(name: str, value: Any) -> float:
    return check_in_range(name, value, 0.0, 1.0)


def _unit_open(name: str, value: Any) -> float:
    return check_in_range(name, value, 0.0, 1.0, high_open=True)


# Domain name -> (scalar check from errors.py, vectorised test of the accepted values).
DOMAINS: dict[str, tuple[Callable[[str, Any], float], Callable[[np.ndarray], np.ndarray]]] = {
    "real": (check_finite, lambda a: np.ones(np.shape(a), bool)),
    "> 0": (check_positive, lambda a: a > 0),
    ">= 0": (check_nonnegative, lambda a: a >= 0),
    "in [0, 1]": (_unit, lambda a: (a >= 0) & (a <= 1)),
    "in [0, 1)": (_unit_open, lambda a: (a >= 0) & (a < 1)),
}


def _array(name: str, value: Any) -> np.ndarray:
    """``value`` as a non-empty float64 array (a copy), refusing what is not made of real numbers."""
    if np.asarray(value).dtype.kind not in "iuf":  # check_array would parse strings and bools as numbers
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {np.asarray(value).dtype}")
    a = np.array(check_array(name, value, dtype=np.float64, cast=True))
    if a.size == 0:
        raise InvalidParameters(f"{name} must not be empty, got shape {a.shape}")
    return a


def _check_domain(name: str, a: np.ndarray, domain: str) -> None:
    """Refuse an array with an entry not finite or outside ``domain``; the message names the first bad entry."""
    check_all_finite(name, a)
    bad = ~DOMAINS[domain][1](a)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidParameters(f"{name} must be {domain} everywhere; {name}[{idx}] = {a[idx].item()!r}")


def squeeze_sets(batched: bool, *arrays: np.ndarray):
    """The models' shape convention for results computed with a leading set axis: kept for a batch,
    dropped for one set (a 0-d result becomes a Python float).  Returns one value or a tuple."""
    out = []
    for a in arrays:
        x = a if batched else a[0]
        out.append(float(x) if np.ndim(x) == 0 else x)
    return tuple(out) if len(out) > 1 else out[0]


@dataclass(frozen=True, kw_only=True, eq=False)
class ModelParams:
    """Base of the models' parameter dataclasses: validation, batching and per-set views.

    Subclasses are ``@dataclass(frozen=True, kw_only=True, eq=False)`` (equality is this class's,
    by value) with a class attribute ``DOMAIN`` mapping each field to a key of :data:`DOMAINS`
    (``"real"``, ``"> 0"``, ``">= 0"``, ``"in [0, 1]"``, ``"in [0, 1)"``) and, where a field is a
    vector or a matrix over assets, ``ASSET_AXES`` mapping it to its number of asset axes (1 or 2).
    """

    DOMAIN: ClassVar[dict[str, str]] = {}
    ASSET_AXES: ClassVar[dict[str, int]] = {}

    def __post_init__(self) -> None:
        values: dict[str, float | np.ndarray] = {}
        lengths: dict[str, int] = {}
        for f in dataclasses.fields(self):
            name, value, axes = f.name, getattr(self, f.name), self.ASSET_AXES.get(f.name, 0)
            domain = self.DOMAIN[name]
            if axes == 0 and np.ndim(value) == 0:
                item = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
                values[name] = DOMAINS[domain][0](name, item)
                continue
            a = _array(name, value)
            if a.ndim not in (axes, axes + 1):
                kind = (
                    "a scalar or a 1-D array over parameter sets"
                    if axes == 0
                    else f"{axes}-D over assets, with an optional leading axis over parameter sets"
                )
                raise InvalidParameters(f"{name} must be {kind}, got shape {a.shape}")
            _check_domain(name, a, domain)
            if a.ndim == axes + 1:
                lengths[name] = a.shape[0]
            values[name] = a
        n_sets = 0
        if lengths:
            try:
                (n_sets,) = np.broadcast_shapes(*((n,) for n in lengths.values()))
            except ValueError:
                raise InvalidParameters(
                    f"parameter arrays must have one common length (or be scalars), got {lengths}"
                ) from None
            for name, v in values.items():
                v = np.asarray(v, dtype=np.float64)
                v = v if name in lengths else v[None]
                values[name] = np.broadcast_to(v, (n_sets,) + v.shape[1:])
        for name, v in values.items():
            if isinstance(v, np.ndarray):
                v = np.array(v)  # an owned copy, so that the caller cannot change a validated value
                v.setflags(write=False)
            object.__setattr__(self, name, v)
        object.__setattr__(self, "_n_sets", n_sets)

    @property
    def batched(self) -> bool:
        """True when some field had a batch axis: results then carry a leading ``n_sets`` axis."""
        return self._n_sets > 0

    @property
    def n_sets(self) -> int:
        """Number of parameter sets (1 when unbatched)."""
        return max(self._n_sets, 1)

    def __getitem__(self, i: int) -> ModelParams:
        """Parameter set ``i`` as an unbatched object of the same class."""
        if not -self.n_sets <= i < self.n_sets:
            raise IndexError(f"parameter set {i} out of range for {self.n_sets} sets")
        if not self.batched:
            return self
        return dataclasses.replace(self, **{f.name: getattr(self, f.name)[i] for f in dataclasses.fields(self)})

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.as_dict() == self.as_dict()

    __hash__ = None  # array fields: equal by value, not hashable

    def columns(self) -> dict[str, np.ndarray]:
        """Every field as a float64 array with a leading ``n_sets`` axis (of length 1 when unbatched)."""
        out = {}
        for f in dataclasses.fields(self):
            v = np.asarray(getattr(self, f.name), dtype=np.float64)
            out[f.name] = v if self.batched else v[None]
        return out

    def as_dict(self) -> dict[str, float | list]:
        """The fields as JSON-serialisable floats (unbatched scalar fields) or (nested) lists."""
        return {
            f.name: (v.tolist() if isinstance(v := getattr(self, f.name), np.ndarray) else v)
            for f in dataclasses.fields(self)
        }

    def sets(self) -> list[dict[str, float | list]]:
        """One :meth:`as_dict` per parameter set, in batch order (what each quote surface stores)."""
        return [self[i].as_dict() for i in range(self.n_sets)]
