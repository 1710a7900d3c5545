"""O(1), allocation-free quote lookup on a quote surface's arrays, for compiled code.

A quote surface (``models/surface.py``) holds bid and ask depths over a grid of time to horizon ×
inventory; the inventory axis is the consecutive integers ``q_min..q_max``, so the column is
``q - q_min``.  The time axis may be non-uniform: a bucket table of width ``min(diff(t))`` maps a
time to its grid interval with one multiplication and at most one correction step, so the lookup
never searches.  In time the depth is the nearest grid value (ties to the earlier point) or the
linear interpolation ``(1 - w) d_i + w d_{i+1}``; a side that is ``+inf`` (not quoted) at either
end of the interval stays ``+inf``.  Inventory is exact.  Inputs outside the grid are clamped to it
and reported by the ``CLAMP_TIME`` / ``CLAMP_INVENTORY`` flag bits.

The engine takes the surface as plain arrays (it does not import ``models``):
``make_surface_table(bid_depth, ask_depth, time_to_horizon_s, q_min)``.
"""

from __future__ import annotations

import numbers
from collections import namedtuple

import numpy as np
from numba.extending import overload

from .._typing import ArrayLike
from ..errors import (
    InvalidParameters,
    NumericalInstability,
    check_array,
    check_int,
    check_integer_array,
)
from ..kernels.jit import engine_jit
from .atomics import borrowed

__all__ = [
    "SurfaceTable",
    "make_surface_table",
    "surface_lookup",
    "surface_lookup_inline",
    "check_surface_table",
    "borrow_surface",
    "CLAMP_TIME",
    "CLAMP_INVENTORY",
    "MAX_BUCKETS",
]

CLAMP_TIME = 1
CLAMP_INVENTORY = 2
MAX_BUCKETS = 1 << 22
"""Largest bucket table accepted: a time grid whose span / smallest step exceeds it is refused."""

# Words of SurfaceTable.fparams and .iparams.
F_T0, F_T_LAST, F_INV_BUCKET_WIDTH = range(3)
I_Q_MIN, I_N_T, I_N_Q, I_N_BUCKETS = range(4)

SurfaceTable = namedtuple(
    "SurfaceTable", ["bid_depth", "ask_depth", "bid_size", "ask_size", "t_grid", "bucket", "fparams", "iparams"]
)
SurfaceTable.__doc__ = """A surface ready for :func:`surface_lookup`: depths (n_t, n_q) float64, sizes int64, the time
grid, the bucket table, ``fparams = (t0, t_last, 1 / bucket_width)`` and ``iparams = (q_min, n_t, n_q,
n_buckets)`` (words named by ``F_*`` and ``I_*``)."""


def make_surface_table(
    bid_depth: ArrayLike,
    ask_depth: ArrayLike,
    time_to_horizon_s: ArrayLike,
    q_min: int,
    bid_size_lots: ArrayLike | None = None,
    ask_size_lots: ArrayLike | None = None,
) -> SurfaceTable:
    """Validate a surface's arrays and build its lookup table.

    Parameters
    ----------
    bid_depth, ask_depth : float64 arrays (n_t, n_q)
        Depths from the mid (price units); ``+inf`` = side not quoted.  NaN or ``-inf`` is refused.
    time_to_horizon_s : float64 array (n_t,)
        Strictly increasing, finite times to the horizon (seconds).
    q_min : int
        Inventory (lots) of column 0; column ``j`` is inventory ``q_min + j``.
    bid_size_lots, ask_size_lots : int64 arrays (n_t, n_q), optional
        Quote sizes (lots); default 1.
    """
    t = check_array("time_to_horizon_s", time_to_horizon_s, dtype=np.float64, ndim=1, cast=True)
    if t.size < 1 or not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise InvalidParameters(f"time_to_horizon_s must be finite and strictly increasing, got {t!r}")
    # inventories q_min .. q_min + n_q - 1 are int64 lots; the table stores q_min in an int64 word
    q_min = check_int("q_min", q_min, minimum=-(2**62), maximum=2**62)
    arrs = []
    for name, a in (("bid_depth", bid_depth), ("ask_depth", ask_depth)):
        # Private writable copies: one compiled signature whatever the caller's arrays (read-only ones too).
        a = np.array(check_array(name, a, dtype=np.float64, ndim=2, cast=True), order="C", copy=True)
        if a.shape[0] != t.size:
            raise InvalidParameters(f"{name} must have shape (len(time_to_horizon_s)={t.size}, n_q), got {a.shape}")
        if np.isnan(a).any() or np.isneginf(a).any():
            raise NumericalInstability(f"{name} holds NaN or -inf; a surface must be finite or +inf (not quoted)")
        arrs.append(a)
    if arrs[0].shape != arrs[1].shape:
        raise InvalidParameters(f"bid_depth {arrs[0].shape} and ask_depth {arrs[1].shape} must have the same shape")
    sizes = []
    for name, s in (("bid_size_lots", bid_size_lots), ("ask_size_lots", ask_size_lots)):
        # sizes are whole lots: a fractional size is refused, not truncated
        s = (
            np.ones(arrs[0].shape, np.int64)
            if s is None
            else np.array(check_integer_array(name, s), order="C", copy=True)
        )
        if s.shape != arrs[0].shape or np.any(s < 0):
            raise InvalidParameters(f"{name} must be non-negative with shape {arrs[0].shape}")
        sizes.append(s)
    if t.size > 1:
        width = float(np.min(np.diff(t)))
        n_buckets = int(np.floor((t[-1] - t[0]) / width)) + 1
        if n_buckets > MAX_BUCKETS:
            raise InvalidParameters(
                f"time_to_horizon_s spans {n_buckets} steps of its smallest spacing {width!r}; at most {MAX_BUCKETS} "
                "are supported: resample the surface on a more uniform grid"
            )
        bucket = np.searchsorted(t, t[0] + width * np.arange(n_buckets), side="right").astype(np.int64) - 1
    else:
        width, n_buckets, bucket = 1.0, 1, np.zeros(1, np.int64)
    return SurfaceTable(
        arrs[0],
        arrs[1],
        sizes[0],
        sizes[1],
        np.array(t, order="C", copy=True),
        bucket,
        np.array([t[0], t[-1], 1.0 / width]),
        np.array([q_min, t.size, arrs[0].shape[1], n_buckets], np.int64),
    )


def check_surface_table(tab: SurfaceTable, name: str = "tab") -> SurfaceTable:
    """``tab`` after checking that it is a :class:`SurfaceTable` whose arrays have the dtypes and
    shapes its ``iparams`` announce, which the compiled lookup indexes without bounds checks (O(1))."""
    if not isinstance(tab, SurfaceTable):
        raise TypeError(f"{name} must be a SurfaceTable made by make_surface_table, got {type(tab).__name__}")
    want = {
        "bid_depth": np.float64,
        "ask_depth": np.float64,
        "bid_size": np.int64,
        "ask_size": np.int64,
        "t_grid": np.float64,
        "bucket": np.int64,
        "fparams": np.float64,
        "iparams": np.int64,
    }
    for field, dtype in want.items():
        a = getattr(tab, field)
        if not isinstance(a, np.ndarray) or a.dtype != dtype or not a.flags.c_contiguous:
            raise TypeError(
                f"{name}.{field} must be a C-contiguous {np.dtype(dtype).name} array, got "
                f"{type(a).__name__} {getattr(a, 'dtype', '')}"
            )
    if tab.iparams.shape != (4,) or tab.fparams.shape != (3,):
        raise InvalidParameters(f"{name}.iparams and {name}.fparams must have 4 and 3 words")
    _, n_t, n_q, n_buckets = (int(v) for v in tab.iparams)
    shapes = {
        "bid_depth": (n_t, n_q),
        "ask_depth": (n_t, n_q),
        "bid_size": (n_t, n_q),
        "ask_size": (n_t, n_q),
        "t_grid": (n_t,),
        "bucket": (n_buckets,),
    }
    for field, shape in shapes.items():
        if getattr(tab, field).shape != shape or min(shape) < 1:
            raise InvalidParameters(
                f"{name}.{field} has shape {getattr(tab, field).shape}, its iparams say {shape}: "
                "the table is not one make_surface_table made"
            )
    return tab


def borrow_surface(tab):
    """The same table with borrowed (not reference-counted) arrays, for hot loops; compiled code only.

    Valid while the caller holds ``tab``: pass it straight to a compiled worker and never return or
    store it (see ``atomics.borrowed``).  Called from Python it raises ``TypeError``.
    """
    raise TypeError("borrow_surface() is for compiled code only: its arrays must not outlive the compiled call")


@overload(borrow_surface, inline="always")
def _borrow_surface(tab):
    def impl(tab):
        return SurfaceTable(
            borrowed(tab.bid_depth),
            borrowed(tab.ask_depth),
            borrowed(tab.bid_size),
            borrowed(tab.ask_size),
            borrowed(tab.t_grid),
            borrowed(tab.bucket),
            borrowed(tab.fparams),
            borrowed(tab.iparams),
        )

    return impl


def surface_lookup(tab: SurfaceTable, t: float, q: int, linear: bool) -> tuple[float, float, int, int, int]:
    """Depths and sizes at time to horizon ``t`` (s) and inventory ``q`` (lots).

    Returns ``(bid_depth, ask_depth, bid_size, ask_size, flags)``; ``linear`` selects interpolation in
    time (else nearest).  ``flags`` has ``CLAMP_TIME`` / ``CLAMP_INVENTORY`` set when clamped.

    From Python the arguments are checked first: ``tab`` a table of :func:`make_surface_table`,
    ``t`` a real number (NaN and infinities are clamped and flagged ``CLAMP_TIME``, as in compiled
    code), ``q`` an integer (a fractional inventory is refused, not truncated) and ``linear`` a
    bool.  Compiled callers get the lookup itself (:func:`surface_lookup_inline`), which trusts
    its arguments.
    """
    check_surface_table(tab)
    if isinstance(t, (bool, np.bool_)) or not isinstance(t, numbers.Real):
        raise TypeError(f"t must be a real number (seconds), got {type(t).__name__}")
    t = float(t)
    q = check_int("q", q, minimum=-(2**63), maximum=2**63 - 1)
    if not isinstance(linear, (bool, np.bool_)):
        raise TypeError(f"linear must be a bool, got {type(linear).__name__} {linear!r}")
    return _lookup(tab, t, q, bool(linear))


@overload(surface_lookup)
def _surface_lookup_compiled(tab, t, q, linear):
    return lambda tab, t, q, linear: surface_lookup_inline(tab, t, q, linear)


@engine_jit
def _lookup(tab, t, q, linear):
    return surface_lookup_inline(tab, t, q, linear)


@engine_jit(inline=True)
def surface_lookup_inline(tab, t, q, linear):
    """:func:`surface_lookup` for compiled callers, inlined: no checks (the caller validated ``tab``
    with :func:`make_surface_table` and passes an integer ``q``; a NaN ``t`` is clamped and flagged)."""
    flags = 0
    n_t = tab.iparams[I_N_T]
    n_q = tab.iparams[I_N_Q]
    j = q - tab.iparams[I_Q_MIN]
    if j < 0:
        j = 0
        flags |= CLAMP_INVENTORY
    elif j >= n_q:
        j = n_q - 1
        flags |= CLAMP_INVENTORY
    t0 = tab.fparams[F_T0]
    if not t > t0:  # also catches NaN
        if t < t0 or t != t:
            flags |= CLAMP_TIME
        return tab.bid_depth[0, j], tab.ask_depth[0, j], tab.bid_size[0, j], tab.ask_size[0, j], flags
    if t >= tab.fparams[F_T_LAST]:
        if t > tab.fparams[F_T_LAST]:
            flags |= CLAMP_TIME
        k = n_t - 1
        return tab.bid_depth[k, j], tab.ask_depth[k, j], tab.bid_size[k, j], tab.ask_size[k, j], flags
    b = np.int64((t - t0) * tab.fparams[F_INV_BUCKET_WIDTH])
    if b >= tab.iparams[I_N_BUCKETS]:
        b = tab.iparams[I_N_BUCKETS] - 1
    i = tab.bucket[b]
    if t < tab.t_grid[i]:  # rounding of the bucket index
        i -= 1
    elif t >= tab.t_grid[i + 1]:
        i += 1
    w = (t - tab.t_grid[i]) / (tab.t_grid[i + 1] - tab.t_grid[i])
    k = i + 1 if w > 0.5 else i
    if not linear:
        return tab.bid_depth[k, j], tab.ask_depth[k, j], tab.bid_size[k, j], tab.ask_size[k, j], flags
    b0 = tab.bid_depth[i, j]
    b1 = tab.bid_depth[i + 1, j]
    a0 = tab.ask_depth[i, j]
    a1 = tab.ask_depth[i + 1, j]
    if w == 0.0:
        return b0, a0, tab.bid_size[i, j], tab.ask_size[i, j], flags
    bd = np.inf if (b0 == np.inf or b1 == np.inf) else (1.0 - w) * b0 + w * b1
    ad = np.inf if (a0 == np.inf or a1 == np.inf) else (1.0 - w) * a0 + w * a1
    return bd, ad, tab.bid_size[k, j], tab.ask_size[k, j], flags
