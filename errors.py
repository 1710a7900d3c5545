"""The quantforge exception hierarchy and the validation helpers every module uses.

Parameters are validated once, where they enter the library (constructors and public functions);
compiled loops trust what was validated.  Every message names the parameter, the value received and
what would have been accepted, so a user can fix the call without reading the source.

Hierarchy::

    QuantForgeError
    ├── ModelError
    │   ├── InvalidParameters        (also a ValueError)
    │   ├── NumericalInstability
    │   ├── ConvergenceFailure
    │   └── MatrixError
    ├── SDEError
    ├── ExecutionError
    ├── RiskError
    ├── PerformanceError
    ├── NumericalError
    └── HardwareError                (also an ImportError: a backend or extra is missing)
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "QuantForgeError",
    "ModelError",
    "InvalidParameters",
    "NumericalInstability",
    "ConvergenceFailure",
    "MatrixError",
    "SDEError",
    "ExecutionError",
    "RiskError",
    "PerformanceError",
    "NumericalError",
    "HardwareError",
    "check_finite",
    "check_positive",
    "check_nonnegative",
    "check_in_range",
    "check_int",
    "check_choice",
    "check_array",
    "check_all_finite",
    "check_memory",
    "available_memory_bytes",
    "check_integer_array",
]


class QuantForgeError(Exception):
    """Base class of every error raised by quantforge."""


class ModelError(QuantForgeError):
    """A trading or pricing model could not be set up or evaluated."""


class InvalidParameters(ModelError, ValueError):
    """A parameter is out of its domain: NaN, infinite, of the wrong sign, shape or name."""


class NumericalInstability(ModelError):
    """A computation produced non-finite values; quantforge refuses to return them."""


class ConvergenceFailure(ModelError):
    """An iterative method (root finder, fit, calibration) did not converge."""


class MatrixError(ModelError):
    """A matrix is not of the required kind (symmetric, positive semi-definite, unit diagonal...)."""


class SDEError(QuantForgeError):
    """A stochastic-differential-equation simulation failed."""


class ExecutionError(QuantForgeError):
    """An execution schedule or executor was given an impossible task."""


class RiskError(QuantForgeError):
    """A risk computation or a risk control failed."""


class PerformanceError(QuantForgeError):
    """A benchmark or a performance-sensitive path could not run as required."""


class NumericalError(QuantForgeError):
    """A low-level numerical routine failed (overflow, loss of precision)."""


class HardwareError(QuantForgeError, ImportError):
    """A backend, device or optional dependency is missing; the message names the extra to install."""


def _fmt(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _as_real(name: str, value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {_fmt(value)}")
    return float(value)


def check_finite(name: str, value: Any) -> float:
    """Return ``value`` as a float after checking that it is a finite real number."""
    x = _as_real(name, value)
    if not math.isfinite(x):
        raise InvalidParameters(f"{name} must be finite, got {x!r}")
    return x


def check_positive(name: str, value: Any) -> float:
    """Return ``value`` as a float after checking that it is finite and > 0."""
    x = check_finite(name, value)
    if x <= 0.0:
        raise InvalidParameters(f"{name} must be > 0, got {x!r}")
    return x


def check_nonnegative(name: str, value: Any) -> float:
    """Return ``value`` as a float after checking that it is finite and >= 0."""
    x = check_finite(name, value)
    if x < 0.0:
        raise InvalidParameters(f"{name} must be >= 0, got {x!r}")
    return x


def check_in_range(
    name: str, value: Any, low: float, high: float, *, low_open: bool = False, high_open: bool = False
) -> float:
    """Return ``value`` as a float after checking ``low <=(<) value <=(<) high``."""
    x = check_finite(name, value)
    low, high = _as_real("low", low), _as_real("high", high)
    below = x <= low if low_open else x < low
    above = x >= high if high_open else x > high
    if below or above:
        lb = "(" if low_open else "["
        rb = ")" if high_open else "]"
        raise InvalidParameters(f"{name} must lie in {lb}{low}, {high}{rb}, got {x!r}")
    return x


def check_int(name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an int after checking it is an integer (not a bool) within bounds."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {_fmt(value)}")
    n = int(value)
    if minimum is not None and n < minimum:
        raise InvalidParameters(f"{name} must be >= {minimum}, got {n}")
    if maximum is not None and n > maximum:
        raise InvalidParameters(f"{name} must be <= {maximum}, got {n}")
    return n


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Return ``value`` after checking that it is one of ``choices`` (a message lists them)."""
    options = tuple(choices)
    if not all(isinstance(o, str) for o in options):
        raise TypeError(f"choices must be strings, got {_fmt(options)}")
    if not isinstance(value, str) or value not in options:
        raise InvalidParameters(f"{name} must be one of {', '.join(map(repr, options))}; got {_fmt(value)}")
    return value


def check_array(
    name: str,
    value: Any,
    *,
    dtype: Any = None,
    ndim: int | None = None,
    last_dim: int | None = None,
    cast: bool = False,
) -> np.ndarray:
    """Check an array argument's dtype and shape without silent casting.

    With ``cast=False`` (the default) an array of another dtype is refused with a ``TypeError``;
    with ``cast=True`` numeric input is converted to ``dtype`` (used for float parameters, where
    an int or a list is an unambiguous request).  Casting never parses or truncates: strings, bytes,
    bools, complex numbers and other objects are a ``TypeError`` (numpy would read ``"1.5"`` as 1.5),
    and a cast to an integer dtype refuses fractional values (``InvalidParameters``) rather than
    dropping their fraction.
    """
    if cast:
        want = np.dtype(dtype) if dtype is not None else None
        raw = np.asarray(value)
        if want is not None and want.kind in "iuf":
            if raw.dtype == object:  # Python integers beyond 64 bits, or a mixture of types
                items = raw.ravel().tolist()
                if not all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) for v in items):
                    raise TypeError(f"{name} must hold real numbers, got {_fmt(value)}")
            elif raw.dtype.kind not in "iuf":
                raise TypeError(f"{name} must hold real numbers, got an array of dtype {raw.dtype} ({_fmt(value)})")
            if want.kind in "iu" and raw.dtype.kind != "i" and raw.dtype.kind != "u":
                return check_integer_array(name, raw).astype(want)
        try:
            arr = np.asarray(value, dtype=dtype)
        except (TypeError, ValueError, OverflowError) as exc:
            raise TypeError(f"{name} must be convertible to a {np.dtype(dtype).name} array: {exc}") from None
    else:
        if not isinstance(value, np.ndarray):
            raise TypeError(f"{name} must be a numpy array of dtype {np.dtype(dtype).name}, got {type(value).__name__}")
        arr = value
        if dtype is not None and arr.dtype != np.dtype(dtype):
            want = np.dtype(dtype)
            # a byte-swapped array has the same name; its str ('>u4') says what differs
            got = arr.dtype.str if arr.dtype.name == want.name else arr.dtype.name
            raise TypeError(
                f"{name} must have dtype {want.name} (native byte order), got {got} "
                f"(convert explicitly, e.g. {name}.astype(np.{np.dtype(dtype).name}))"
            )
    if ndim is not None and arr.ndim != ndim:
        raise InvalidParameters(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if last_dim is not None and (arr.ndim == 0 or arr.shape[-1] != last_dim):
        raise InvalidParameters(f"{name} must have shape (..., {last_dim}), got shape {arr.shape}")
    return arr


def check_all_finite(name: str, arr: np.ndarray) -> np.ndarray:
    """Raise ``InvalidParameters`` if a float array holds NaN or infinity, naming the first bad entry."""
    a = np.asarray(arr)
    if a.dtype.kind in "fc":
        bad = ~np.isfinite(a)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise InvalidParameters(f"{name} must be finite everywhere; {name}[{idx}] = {a[idx].item()!r}")
    return a


def check_integer_array(name: str, value: Any) -> np.ndarray:
    """``value`` as an int64 array after checking it holds integers: an integer dtype, or floats that are
    whole numbers.  A fractional, non-finite or out-of-int64 entry raises ``InvalidParameters`` naming it
    (it is never truncated); strings, bools and objects raise ``TypeError``."""
    a = np.asarray(value)
    if a.dtype.kind == "u" and a.size and int(a.max()) > 2**63 - 1:
        raise InvalidParameters(f"{name} must fit an int64; max({name}) = {int(a.max())}")
    if a.dtype.kind in "iu":
        return a.astype(np.int64)
    if a.dtype.kind != "f":
        raise TypeError(f"{name} must hold integers, got an array of dtype {a.dtype}")
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(a) | (a != np.round(a)) | (np.abs(a) >= 2.0**63)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidParameters(
            f"{name} must hold whole numbers (they are counted in lots); {name}[{idx}] = {a[idx].item()!r}"
        )
    return a.astype(np.int64)


def available_memory_bytes() -> int:
    """Memory a new allocation can use now: ``MemAvailable`` of ``/proc/meminfo`` where there is one
    (Linux), else the physical memory."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2**63 - 1


def check_memory(name: str, value: Any, n_bytes: float, what: str) -> None:
    """Refuse, before anything is allocated or computed, a request that cannot fit in memory.

    ``value`` of the parameter ``name`` asks for about ``n_bytes`` bytes of ``what``; more than
    :func:`available_memory_bytes` raises ``InvalidParameters`` naming both (numpy would fail later,
    with a ``MemoryError`` from inside an array constructor, or the machine would start to swap).
    """
    n_bytes = _as_real("n_bytes", n_bytes)
    limit = available_memory_bytes()
    if not n_bytes <= limit:  # also refuses NaN
        raise InvalidParameters(
            f"{name}={_fmt(value)} needs about {n_bytes / 2**30:.3g} GiB of memory for {what}, more than the "
            f"{limit / 2**30:.3g} GiB available; use a smaller {name} (or split the work into chunks)"
        )
