"""A seqlock-guarded table in shared memory: one writer process publishes arrays (a quote surface),
any number of reader processes copy out complete versions, or look up one quote in place, without
locks.

The table has two slots and a ``current`` index.  The writer fills the slot readers are not directed
to, bracketing the writes with its sequence word (odd while writing, even when done), then stores the
slot number into ``current`` with release ordering.  A reader loads ``current`` and the slot's
sequence with acquire ordering, reads the slot, issues an acquire fence and re-reads the sequence:
equal and even means what it read is one consistent version, otherwise it retries.  Two slots make the
table survive a writer killed mid-publish: its half-written slot is never ``current``, so readers
keep getting the last complete version, and a new writer resumes from the odd sequence.  Each version
carries the wall-clock time it was published (``time.time_ns``), so a reader can tell how old the
version it holds is, and the header names the writer's process id.  The ordering primitives are LLVM
atomics and fences emitted through ``numba.core.extending.intrinsic`` (``engine/atomics.py``), since
Numba has none of its own.

A *surface table* (:meth:`SeqlockTable.create_surface`) holds a packed quote surface
(:func:`pack_surface`) and records its grid in the header, so that :func:`seqlock_quote` can read one
quote (time to horizon × inventory) straight from the shared slot, as ``engine.surface.surface_lookup``
reads it from a private table, without copying the surface.  A publisher that replaces a table by one
of another shape marks the old one retired (:attr:`SeqlockTable.retired`) before removing its name.

References
----------
Lameter, C. (2005), "Effective synchronization on Linux/NUMA systems" (seqlocks), Gelato Conference.
Boehm, H.-J. (2012), "Can seqlocks get along with programming language memory models?", MSPC.
"""

from __future__ import annotations

import os
import time

import numpy as np

from .._typing import ArrayLike, Float64Array
from ..errors import (
    InvalidParameters,
    QuantForgeError,
    check_array,
    check_finite,
    check_int,
    check_integer_array,
    check_memory,
)
from ..kernels.jit import engine_jit
from .atomics import fence_acquire, fence_release, load_acquire, store_release
from .shm import SharedBlock
from .surface import CLAMP_INVENTORY, CLAMP_TIME, make_surface_table

__all__ = [
    "SeqlockTable",
    "SeqlockTimeout",
    "seqlock_begin",
    "seqlock_end",
    "seqlock_publish",
    "seqlock_read",
    "seqlock_stamp",
    "seqlock_quote",
    "surface_size",
    "pack_surface",
    "unpack_surface",
    "SEQLOCK_MAGIC",
    "SEQLOCK_N_VALUES",
    "SEQLOCK_N_T",
    "SEQLOCK_N_Q",
    "SEQLOCK_WRITER_PID",
    "SEQLOCK_CURRENT",
    "SEQLOCK_RETIRED",
    "SEQLOCK_SLOT",
    "SEQLOCK_SLOT_STRIDE",
    "SEQLOCK_HDR_WORDS",
]

_MAGIC = 0x51465F5345514C31  # "QF_SEQL1"
# The header: int64 words, each group on its own 128-byte line pair.  They are plain int globals, which
# Numba freezes into the compiled code as constants.
SEQLOCK_MAGIC = 0  #: the table's magic number
SEQLOCK_N_VALUES = 1  #: values per slot
SEQLOCK_N_T = 2  #: a surface table's time-grid length (0: a plain table)
SEQLOCK_N_Q = 3  #: a surface table's inventory-grid length (0: a plain table)
SEQLOCK_WRITER_PID = 4  #: process id of the writer that created the table
SEQLOCK_CURRENT = 16  #: the slot readers are directed to: written once per publish, read by every reader
SEQLOCK_RETIRED = 17  #: 1 once the writer has replaced the table (readers re-attach by name)
SEQLOCK_SLOT = 32  #: slot 0's sequence word (odd while the slot is written); its version and stamp follow
SEQLOCK_SLOT_STRIDE = 16  #: words from one slot's sequence word to the next slot's
SEQLOCK_HDR_WORDS = 64  #: header length

# A surface's q_min travels as a float64 in the slot; a torn read can make it anything, and a float
# beyond int64 must not reach the integer conversion (LLVM leaves that conversion undefined).
_Q_LIMIT = float(2**62)


class SeqlockTimeout(QuantForgeError, TimeoutError):
    """No consistent version could be read before the deadline (a writer stuck mid-publish)."""


@engine_jit(inline=True)
def seqlock_begin(hdr):
    """First step of a publish: mark the slot readers are not using as being written; returns (slot,
    its sequence word index, the odd sequence) for :func:`seqlock_end`."""
    s = 1 - load_acquire(hdr, SEQLOCK_CURRENT)
    w = SEQLOCK_SLOT + SEQLOCK_SLOT_STRIDE * s
    seq = hdr[w]
    seq = seq + 1 if seq % 2 == 0 else seq + 2  # odd: writing (a dead writer may have left it odd)
    store_release(hdr, w, seq)
    fence_release()  # the odd sequence is visible before any payload store
    return s, w, seq


@engine_jit(inline=True)
def seqlock_end(hdr, s, w, seq, version, stamp_ns):
    """Last step of a publish begun by :func:`seqlock_begin`: the slot's version and stamp, its even
    sequence, then ``current`` pointed at it."""
    hdr[w + 1] = version
    hdr[w + 2] = stamp_ns
    store_release(hdr, w, seq + 1)
    store_release(hdr, SEQLOCK_CURRENT, s)


@engine_jit
def seqlock_publish(hdr, slots, values, version, stamp_ns):
    """Publish ``values`` as ``version``, stamped ``stamp_ns``, into the slot readers are not using;
    returns the slot."""
    s, w, seq = seqlock_begin(hdr)
    dst = slots[s]
    for i in range(values.shape[0]):
        dst[i] = values[i]
    seqlock_end(hdr, s, w, seq, version, stamp_ns)
    return s


@engine_jit
def seqlock_read(hdr, slots, out, max_tries):
    """Copy the current version into ``out``; returns its version number, or -1 after ``max_tries``
    inconsistent attempts."""
    for _ in range(max_tries):
        s = load_acquire(hdr, SEQLOCK_CURRENT)
        w = SEQLOCK_SLOT + SEQLOCK_SLOT_STRIDE * s
        s1 = load_acquire(hdr, w)
        if s1 % 2 == 1:
            continue
        src = slots[s]
        for i in range(out.shape[0]):
            out[i] = src[i]
        version = hdr[w + 1]
        fence_acquire()  # the payload loads complete before the sequence is checked again
        if load_acquire(hdr, w) == s1:
            return version
    return -1


@engine_jit
def seqlock_stamp(hdr, max_tries):
    """The current ``(version, stamp_ns)`` read consistently, or ``(-1, 0)`` after ``max_tries``."""
    for _ in range(max_tries):
        s = load_acquire(hdr, SEQLOCK_CURRENT)
        w = SEQLOCK_SLOT + SEQLOCK_SLOT_STRIDE * s
        s1 = load_acquire(hdr, w)
        if s1 % 2 == 1:
            continue
        version = hdr[w + 1]
        stamp = hdr[w + 2]
        fence_acquire()
        if load_acquire(hdr, w) == s1:
            return version, stamp
    return -1, 0


@engine_jit(inline=True)
def _row(src, i, j, n_t, n_q):
    """Depths and sizes of grid point (i, j) of a packed surface (layout of :func:`pack_surface`)."""
    m = n_t * n_q
    k = n_t + 1 + i * n_q + j
    return src[k], src[k + m], src[k + 2 * m], src[k + 3 * m]


@engine_jit(inline=True)
def _quote_in(src, n_t, n_q, t, q, linear):
    """The quote of ``engine.surface.surface_lookup`` (same grid interval, weights and flags) read from
    a packed surface; the interval is found by bisection because the bucket table is not published.
    Returns (plausible, bid_depth, ask_depth, bid_size, ask_size, flags); ``plausible`` is False for a
    q_min no writer could have packed (a torn read, retried)."""
    qm = src[n_t]
    if not abs(qm) < _Q_LIMIT:
        return False, np.nan, np.nan, 0, 0, 0
    flags = 0
    j = q - np.int64(qm)
    if j < 0:
        j = 0
        flags |= CLAMP_INVENTORY
    elif j >= n_q:
        j = n_q - 1
        flags |= CLAMP_INVENTORY
    t0 = src[0]
    if not t > t0:  # also catches NaN
        if t < t0 or t != t:
            flags |= CLAMP_TIME
        b, a, bs, as_ = _row(src, 0, j, n_t, n_q)
        return True, b, a, np.int64(bs), np.int64(as_), flags
    if t >= src[n_t - 1]:
        if t > src[n_t - 1]:
            flags |= CLAMP_TIME
        b, a, bs, as_ = _row(src, n_t - 1, j, n_t, n_q)
        return True, b, a, np.int64(bs), np.int64(as_), flags
    lo = 0
    hi = n_t - 1  # src[lo] <= t < src[hi]; bounded by log2(n_t) steps whatever the slot holds
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if src[mid] <= t:
            lo = mid
        else:
            hi = mid
    w = (t - src[lo]) / (src[lo + 1] - src[lo])
    k = lo + 1 if w > 0.5 else lo
    bk, ak, bs, as_ = _row(src, k, j, n_t, n_q)
    if not linear:
        return True, bk, ak, np.int64(bs), np.int64(as_), flags
    b0, a0, bs0, as0 = _row(src, lo, j, n_t, n_q)
    if w == 0.0:
        return True, b0, a0, np.int64(bs0), np.int64(as0), flags
    b1, a1, _, _ = _row(src, lo + 1, j, n_t, n_q)
    bd = np.inf if (b0 == np.inf or b1 == np.inf) else (1.0 - w) * b0 + w * b1
    ad = np.inf if (a0 == np.inf or a1 == np.inf) else (1.0 - w) * a0 + w * a1
    return True, bd, ad, np.int64(bs), np.int64(as_), flags


@engine_jit
def seqlock_quote(hdr, slots, t, q, linear, max_tries):
    """One quote of the surface table's current version, read in place: ``(version, bid_depth,
    ask_depth, bid_size, ask_size, flags)`` at time to horizon ``t`` (s) and inventory ``q`` (lots), with
    the numbers and ``CLAMP_*`` flags of ``engine.surface.surface_lookup`` on the same surface.  The
    version is -1 (and the quote NaN) after ``max_tries`` inconsistent attempts."""
    n_t = hdr[SEQLOCK_N_T]
    n_q = hdr[SEQLOCK_N_Q]
    for _ in range(max_tries):
        s = load_acquire(hdr, SEQLOCK_CURRENT)
        w = SEQLOCK_SLOT + SEQLOCK_SLOT_STRIDE * s
        s1 = load_acquire(hdr, w)
        if s1 % 2 == 1:
            continue
        ok, bd, ad, bs, as_, flags = _quote_in(slots[s], n_t, n_q, t, q, linear)
        version = hdr[w + 1]
        fence_acquire()  # the slot loads complete before the sequence is checked again
        if load_acquire(hdr, w) == s1 and ok:
            return version, bd, ad, bs, as_, flags
    return np.int64(-1), np.nan, np.nan, np.int64(0), np.int64(0), 0


class SeqlockTable:
    """A two-slot seqlock table of ``n_values`` float64 in a named shared block."""

    def __init__(self, block: SharedBlock):
        self._block = block
        self.hdr = np.ndarray((SEQLOCK_HDR_WORDS,), np.int64, buffer=block.buf)
        if self.hdr[SEQLOCK_MAGIC] != _MAGIC:
            raise InvalidParameters(f"shared block {block.name!r} is not a seqlock table")
        self.n_values = int(self.hdr[SEQLOCK_N_VALUES])
        stride = -(-self.n_values // 8) * 8  # slots start on cache lines
        self.slots = np.ndarray((2, stride), np.float64, buffer=block.buf, offset=SEQLOCK_HDR_WORDS * 8)[
            :, : self.n_values
        ]

    @property
    def name(self) -> str:
        return self._block.name

    @classmethod
    def create(cls, n_values: int, name: str | None = None) -> SeqlockTable:
        """A new table of ``n_values`` float64 owned by this process (:meth:`close` removes the name)."""
        n_values = check_int("n_values", n_values, minimum=1)
        check_memory("n_values", n_values, 16.0 * n_values, "the table's two slots")
        stride = -(-n_values // 8) * 8
        block = SharedBlock(name, SEQLOCK_HDR_WORDS * 8 + 2 * stride * 8, create=True)
        hdr = np.ndarray((SEQLOCK_HDR_WORDS,), np.int64, buffer=block.buf)
        hdr[:] = 0
        hdr[SEQLOCK_N_VALUES], hdr[SEQLOCK_WRITER_PID] = n_values, os.getpid()
        hdr[SEQLOCK_MAGIC] = _MAGIC
        return cls(block)

    @classmethod
    def create_surface(cls, n_t: int, n_q: int, name: str | None = None) -> SeqlockTable:
        """A new table for packed surfaces of ``n_t`` times × ``n_q`` inventories (:func:`pack_surface`),
        which :meth:`quote` and :func:`seqlock_quote` read in place."""
        n_t = check_int("n_t", n_t, minimum=1)
        n_q = check_int("n_q", n_q, minimum=1)
        table = cls.create(surface_size(n_t, n_q), name)
        table.hdr[SEQLOCK_N_T], table.hdr[SEQLOCK_N_Q] = n_t, n_q
        return table

    @classmethod
    def attach(cls, name: str) -> SeqlockTable:
        """Attach to an existing table by name (nothing is registered anywhere: closing only unmaps)."""
        return cls(SharedBlock(name))

    @property
    def surface_shape(self) -> tuple[int, int] | None:
        """``(n_t, n_q)`` of a surface table, ``None`` for a plain one."""
        n_t, n_q = int(self.hdr[SEQLOCK_N_T]), int(self.hdr[SEQLOCK_N_Q])
        return (n_t, n_q) if n_t else None

    @property
    def writer_pid(self) -> int:
        """Process id of the writer that created the table."""
        return int(self.hdr[SEQLOCK_WRITER_PID])

    @property
    def retired(self) -> bool:
        """True once the writer has replaced this table (its last version stays readable)."""
        return bool(self.hdr[SEQLOCK_RETIRED])

    def retire(self) -> None:
        """Tell readers that this table is replaced: they re-attach by name."""
        self.hdr[SEQLOCK_RETIRED] = 1

    def publish(self, values: ArrayLike, version: int, stamp_ns: int | None = None) -> None:
        """Publish ``values`` (float64, length ``n_values``) as ``version`` (>= 1), stamped ``stamp_ns``
        (default: now, ``time.time_ns()``)."""
        values = check_array("values", values, dtype=np.float64, ndim=1, cast=True)
        if values.shape[0] != self.n_values:
            raise InvalidParameters(f"values must have length {self.n_values}, got {values.shape[0]}")
        stamp = time.time_ns() if stamp_ns is None else check_int("stamp_ns", stamp_ns, minimum=0, maximum=2**63 - 1)
        version = check_int("version", version, minimum=1, maximum=2**62)
        seqlock_publish(self.hdr, self.slots, np.ascontiguousarray(values), version, stamp)

    def _retry(self, attempt, timeout_s: float):
        deadline = time.monotonic() + timeout_s
        while True:
            result = attempt()
            if result is not None:
                return result
            if time.monotonic() > deadline:
                raise SeqlockTimeout(f"seqlock {self.name!r}: no consistent version within {timeout_s} s")
            os.sched_yield()

    def read(self, timeout_s: float = 1.0) -> tuple[int, Float64Array]:
        """The current ``(version, values)`` (a copy); version 0 means nothing has been published yet."""
        out = np.empty(self.n_values)

        def attempt():
            v = seqlock_read(self.hdr, self.slots, out, 1 << 12)
            return (int(v), out) if v >= 0 else None

        return self._retry(attempt, timeout_s)

    def published(self, timeout_s: float = 1.0) -> tuple[int, int]:
        """The current ``(version, stamp_ns)``: the version readers get and when it was published."""

        def attempt():
            v, stamp = seqlock_stamp(self.hdr, 1 << 12)
            return (int(v), int(stamp)) if v >= 0 else None

        return self._retry(attempt, timeout_s)

    def age_s(self) -> float:
        """Seconds since the current version was published (``inf`` before the first)."""
        version, stamp = self.published()
        return (time.time_ns() - stamp) / 1e9 if version > 0 else float("inf")

    def quote(
        self, time_to_horizon_s: float, inventory_lots: int, linear: bool = False, timeout_s: float = 1.0
    ) -> tuple[int, float, float, int, int, int]:
        """One quote of a surface table, read in place: ``(version, bid_depth, ask_depth, bid_size,
        ask_size, flags)`` as :func:`seqlock_quote` (``linear`` interpolates in time).

        Raises
        ------
        InvalidParameters
            On a plain (not surface) table, before the first publish, or for a NaN time.
        SeqlockTimeout
            If no consistent version can be read within ``timeout_s``.
        """
        if self.surface_shape is None:
            raise InvalidParameters(f"seqlock {self.name!r} is not a surface table (create it with create_surface)")
        t = check_finite("time_to_horizon_s", time_to_horizon_s)
        q = check_int("inventory_lots", inventory_lots, minimum=-(2**62), maximum=2**62)
        linear = bool(linear)

        def attempt():
            r = seqlock_quote(self.hdr, self.slots, t, q, linear, 1 << 12)
            return r if r[0] >= 0 else None

        # the deadline's clock is read only when a writer kept overtaking the first attempt
        v, bd, ad, bs, as_, flags = attempt() or self._retry(attempt, timeout_s)
        if v == 0:
            raise InvalidParameters(f"seqlock {self.name!r}: nothing has been published yet")
        return int(v), float(bd), float(ad), int(bs), int(as_), int(flags)

    def slot_sequences(self) -> tuple[int, int]:
        """Sequence words of the two slots (odd: a publish is in progress or was interrupted)."""
        return int(self.hdr[SEQLOCK_SLOT]), int(self.hdr[SEQLOCK_SLOT + SEQLOCK_SLOT_STRIDE])

    def close(self) -> None:
        """Unmap; the creating process also removes the name."""
        self.hdr = self.slots = None
        self._block.close()


def surface_size(n_t: int, n_q: int) -> int:
    """Values in a published surface: time grid, q_min, bid and ask depth, bid and ask size."""
    n_t = check_int("n_t", n_t, minimum=1)
    n_q = check_int("n_q", n_q, minimum=1)
    return n_t + 1 + 4 * n_t * n_q


def pack_surface(
    bid_depth: ArrayLike,
    ask_depth: ArrayLike,
    time_to_horizon_s: ArrayLike,
    q_min: int,
    bid_size_lots: ArrayLike | None = None,
    ask_size_lots: ArrayLike | None = None,
) -> Float64Array:
    """Flatten a surface's arrays into one float64 vector for :meth:`SeqlockTable.publish`.

    The arrays are checked as :func:`~quantforge.engine.surface.make_surface_table` checks them (shapes,
    a strictly increasing time grid, finite or ``+inf`` depths, whole non-negative sizes), so that what a
    reader unpacks is a surface."""
    tab = make_surface_table(bid_depth, ask_depth, time_to_horizon_s, q_min, bid_size_lots, ask_size_lots)
    parts = [
        tab.t_grid,
        [float(tab.iparams[0])],
        tab.bid_depth,
        tab.ask_depth,
        tab.bid_size.astype(np.float64),
        tab.ask_size.astype(np.float64),
    ]
    return np.concatenate([np.ravel(p) for p in parts])


def unpack_surface(values: Float64Array, n_t: int, n_q: int) -> dict:
    """Inverse of :func:`pack_surface`: ``{time_to_horizon_s, q_min, bid_depth, ask_depth, bid_size_lots, ask_size_lots}``."""
    want = surface_size(n_t, n_q)
    values = check_array("values", values, dtype=np.float64, ndim=1, cast=True)
    if values.shape[0] != want:
        raise InvalidParameters(
            f"values must hold surface_size(n_t={n_t}, n_q={n_q}) = {want} numbers, got {values.shape[0]}"
        )
    m = n_t * n_q
    o = n_t + 1
    return {
        "time_to_horizon_s": values[:n_t].copy(),
        "q_min": int(check_integer_array("values[n_t] (q_min)", values[n_t : n_t + 1])[0]),
        "bid_depth": values[o : o + m].reshape(n_t, n_q).copy(),
        "ask_depth": values[o + m : o + 2 * m].reshape(n_t, n_q).copy(),
        "bid_size_lots": check_integer_array("bid_size_lots", values[o + 2 * m : o + 3 * m].reshape(n_t, n_q)),
        "ask_size_lots": check_integer_array("ask_size_lots", values[o + 3 * m : o + 4 * m].reshape(n_t, n_q)),
    }
