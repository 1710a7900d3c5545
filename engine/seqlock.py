"""A seqlock-guarded table in shared memory: one writer process publishes arrays (a quote surface),
any number of reader processes copy out complete versions without locks.

The table has two slots and a ``current`` index.  The writer fills the slot readers are not directed
to, bracketing the writes with its sequence word (odd while writing, even when done), then stores the
slot number into ``current`` with release ordering.  A reader loads ``current`` and the slot's
sequence with acquire ordering, copies the slot, issues an acquire fence and re-reads the sequence:
equal and even means the copy is a consistent version, otherwise it retries.  Two slots make the
table survive a writer killed mid-publish: its half-written slot is never ``current``, so readers
keep getting the last complete version, and a new writer resumes from the odd sequence.  The ordering
primitives are LLVM atomics and fences emitted through ``numba.core.extending.intrinsic``
(``engine/atomics.py``), since Numba has none of its own.

References
----------
Lameter, C. (2005), "Effective synchronization on Linux/NUMA systems" (seqlocks), Gelato Conference.
Boehm, H.-J. (2012), "Can seqlocks get along with programming language memory models?", MSPC.
"""

from __future__ import annotations

import os
import time

import numpy as np

from ..errors import InvalidParameters, QuantForgeError, check_array, check_int
from ..kernels.jit import engine_jit
from .atomics import fence_acquire, fence_release, load_acquire, store_release
from .shm import SharedBlock

__all__ = ["SeqlockTable", "SeqlockTimeout", "seqlock_publish", "seqlock_read", "publish_pattern", "check_pattern",
           "write_patterns", "write_then_stall_mid_publish", "read_and_check", "surface_size", "pack_surface", "unpack_surface",
           "SEQLOCK_MAGIC", "SEQLOCK_N_VALUES", "SEQLOCK_CURRENT", "SEQLOCK_SLOT", "SEQLOCK_SLOT_STRIDE", "SEQLOCK_HDR_WORDS"]

_MAGIC = 0x51465F5345514C31  # "QF_SEQL1"
# The header: int64 words, each group on its own 128-byte line pair.  They are plain int globals, which
# Numba freezes into the compiled code as constants.
SEQLOCK_MAGIC = 0  #: the table's magic number
SEQLOCK_N_VALUES = 1  #: values per slot
SEQLOCK_CURRENT = 16  #: the slot readers are directed to: written once per publish, read by every reader
SEQLOCK_SLOT = 32  #: slot 0's sequence word (odd while the slot is written); the slot's version follows it
SEQLOCK_SLOT_STRIDE = 16  #: words from one slot's sequence word to the next slot's
SEQLOCK_HDR_WORDS = 64  #: header length


class SeqlockTimeout(QuantForgeError, TimeoutError):
    """No consistent version could be read before the deadline (a writer stuck mid-publish)."""


@engine_jit(inline=True)
def _begin_publish(hdr):
    """Mark the slot readers are not using as being written; returns (slot, its sequence word index,
    the odd sequence)."""
    s = 1 - load_acquire(hdr, SEQLOCK_CURRENT)
    w = SEQLOCK_SLOT + SEQLOCK_SLOT_STRIDE * s
    seq = hdr[w]
    seq = seq + 1 if seq % 2 == 0 else seq + 2  # odd: writing (a dead writer may have left it odd)
    store_release(hdr, w, seq)
    fence_release()  # the odd sequence is visible before any payload store
    return s, w, seq


@engine_jit(inline=True)
def _write_payload(dst, values, lo, hi):
    for i in range(lo, hi):
        dst[i] = values[i]


@engine_jit(inline=True)
def _end_publish(hdr, s, w, seq, version):
    hdr[w + 1] = version
    store_release(hdr, w, seq + 1)
    store_release(hdr, SEQLOCK_CURRENT, s)


@engine_jit
def seqlock_publish(hdr, slots, values, version):
    """Publish ``values`` as ``version`` into the slot readers are not using; returns the slot."""
    s, w, seq = _begin_publish(hdr)
    _write_payload(slots[s], values, 0, values.shape[0])
    _end_publish(hdr, s, w, seq, version)
    return s


@engine_jit
def _publish_part(hdr, slots, values, n_written):
    """The first steps of :func:`seqlock_publish` only: the sequence made odd and ``n_written`` values
    stored, as a writer that dies at that point leaves them."""
    s, w, seq = _begin_publish(hdr)
    _write_payload(slots[s], values, 0, n_written)
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
def publish_pattern(hdr, slots, buf, version):
    """Publish the self-checking table of ``version``: ``v[i] = version * 65536 + i`` (exact in float64)."""
    base = version * 65536.0
    for i in range(buf.shape[0]):
        buf[i] = base + i
    return seqlock_publish(hdr, slots, buf, version)


@engine_jit
def check_pattern(values, version):
    """True if ``values`` is exactly the table :func:`publish_pattern` wrote for ``version``."""
    base = version * 65536.0
    for i in range(values.shape[0]):
        if values[i] != base + i:
            return False
    return True


@engine_jit
def _read_and_check(hdr, slots, out, n_reads, max_tries, stats):
    """``n_reads`` reads, each checked; stats = [reads, failed reads, bad tables, version decreases,
    last version read (also the version the first read is compared with)]."""
    last = stats[4]
    for _ in range(n_reads):
        v = seqlock_read(hdr, slots, out, max_tries)
        if v < 0:
            stats[1] += 1
            continue
        stats[0] += 1
        if v > 0 and not check_pattern(out, v):
            stats[2] += 1
        if v < last:
            stats[3] += 1
        last = v
    stats[4] = last


class SeqlockTable:
    """A two-slot seqlock table of ``n_values`` float64 in a named shared block."""

    def __init__(self, block: SharedBlock):
        self._block = block
        self.hdr = np.ndarray((SEQLOCK_HDR_WORDS,), np.int64, buffer=block.buf)
        if self.hdr[SEQLOCK_MAGIC] != _MAGIC:
            raise InvalidParameters(f"shared block {block.name!r} is not a seqlock table")
        self.n_values = int(self.hdr[SEQLOCK_N_VALUES])
        stride = -(-self.n_values // 8) * 8  # slots start on cache lines
        self.slots = np.ndarray((2, stride), np.float64, buffer=block.buf, offset=SEQLOCK_HDR_WORDS * 8)[:, : self.n_values]

    @property
    def name(self) -> str:
        return self._block.name

    @classmethod
    def create(cls, n_values: int, name: str | None = None) -> SeqlockTable:
        n_values = check_int("n_values", n_values, minimum=1)
        stride = -(-n_values // 8) * 8
        block = SharedBlock(name, SEQLOCK_HDR_WORDS * 8 + 2 * stride * 8, create=True)
        hdr = np.ndarray((SEQLOCK_HDR_WORDS,), np.int64, buffer=block.buf)
        hdr[:] = 0
        hdr[SEQLOCK_N_VALUES], hdr[SEQLOCK_MAGIC] = n_values, _MAGIC
        return cls(block)

    @classmethod
    def attach(cls, name: str) -> SeqlockTable:
        return cls(SharedBlock(name))

    def publish(self, values, version: int) -> None:
        """Publish ``values`` (float64, length ``n_values``) as ``version`` (>= 1)."""
        values = check_array("values", values, dtype=np.float64, ndim=1, cast=True)
        if values.shape[0] != self.n_values:
            raise InvalidParameters(f"values must have length {self.n_values}, got {values.shape[0]}")
        seqlock_publish(self.hdr, self.slots, np.ascontiguousarray(values), check_int("version", version, minimum=1))

    def read(self, timeout_s: float = 1.0) -> tuple[int, np.ndarray]:
        """The current ``(version, values)``; version 0 means nothing has been published yet."""
        out = np.empty(self.n_values)
        deadline = time.monotonic() + timeout_s
        while True:
            v = seqlock_read(self.hdr, self.slots, out, 1 << 12)
            if v >= 0:
                return int(v), out
            if time.monotonic() > deadline:
                raise SeqlockTimeout(f"seqlock {self.name!r}: no consistent version within {timeout_s} s")
            os.sched_yield()

    def slot_sequences(self) -> tuple[int, int]:
        """Sequence words of the two slots (odd: a publish is in progress or was interrupted)."""
        return int(self.hdr[SEQLOCK_SLOT]), int(self.hdr[SEQLOCK_SLOT + SEQLOCK_SLOT_STRIDE])

    def close(self) -> None:
        self.hdr = self.slots = None
        self._block.close()


def surface_size(n_t: int, n_q: int) -> int:
    """Values in a published surface: time grid, q_min, bid and ask depth, bid and ask size."""
    return n_t + 1 + 4 * n_t * n_q


def pack_surface(bid_depth, ask_depth, time_to_horizon_s, q_min: int, bid_size_lots=None, ask_size_lots=None) -> np.ndarray:
    """Flatten a surface's arrays into one float64 vector for :meth:`SeqlockTable.publish`."""
    bd = np.asarray(bid_depth, np.float64)
    t = np.asarray(time_to_horizon_s, np.float64)
    ones = np.ones(bd.shape)
    parts = [t, [float(q_min)], bd, np.asarray(ask_depth, np.float64),
             ones if bid_size_lots is None else np.asarray(bid_size_lots, np.float64),
             ones if ask_size_lots is None else np.asarray(ask_size_lots, np.float64)]
    return np.concatenate([np.ravel(p) for p in parts])


def unpack_surface(values: np.ndarray, n_t: int, n_q: int) -> dict:
    """Inverse of :func:`pack_surface`: ``{time_to_horizon_s, q_min, bid_depth, ask_depth, bid_size_lots, ask_size_lots}``."""
    m = n_t * n_q
    o = n_t + 1
    return {
        "time_to_horizon_s": values[:n_t].copy(),
        "q_min": int(values[n_t]),
        "bid_depth": values[o:o + m].reshape(n_t, n_q).copy(),
        "ask_depth": values[o + m:o + 2 * m].reshape(n_t, n_q).copy(),
        "bid_size_lots": values[o + 2 * m:o + 3 * m].reshape(n_t, n_q).astype(np.int64),
        "ask_size_lots": values[o + 3 * m:o + 4 * m].reshape(n_t, n_q).astype(np.int64),
    }


def write_patterns(name: str, first_version: int = 1, duration_s: float = 10.0) -> None:
    """Writer-process driver: publish self-checking tables ``first_version, first_version+1, ...`` at
    full speed for ``duration_s`` seconds (tests and benchmarks)."""
    table = SeqlockTable.attach(name)
    buf = np.empty(table.n_values)
    v = first_version
    end = time.monotonic() + duration_s
    try:
        while time.monotonic() < end:
            for _ in range(64):
                publish_pattern(table.hdr, table.slots, buf, v)
                v += 1
    finally:
        table.close()


def write_then_stall_mid_publish(name: str, n_complete: int, fraction: float = 0.5) -> None:
    """Writer-process driver for the crash test: publish the self-checking tables of versions
    ``1..n_complete``, then start publishing version ``n_complete + 1`` with the same steps as
    :func:`seqlock_publish` but stop after ``fraction`` of the values (sequence odd, slot half written)
    and sleep until killed, so a kill always lands mid-publish."""
    table = SeqlockTable.attach(name)
    buf = np.empty(table.n_values)
    for v in range(1, check_int("n_complete", n_complete, minimum=1) + 1):
        publish_pattern(table.hdr, table.slots, buf, v)
    v = n_complete + 1
    buf[:] = v * 65536.0 + np.arange(table.n_values)
    _publish_part(table.hdr, table.slots, buf, int(fraction * table.n_values))
    while True:
        time.sleep(1.0)


def read_and_check(table: SeqlockTable, n_reads: int, max_tries: int = 1 << 16, since_version: int = 0) -> dict:
    """Read ``n_reads`` times, checking every table; returns counts of reads, failed reads (no
    consistent version within ``max_tries``), bad tables (torn) and version decreases (the first read
    is compared with ``since_version``, so calls can be chained), and the last version read."""
    out = np.empty(table.n_values)
    stats = np.zeros(5, np.int64)
    stats[4] = check_int("since_version", since_version, minimum=0)
    _read_and_check(table.hdr, table.slots, out, check_int("n_reads", n_reads, minimum=1), max_tries, stats)
    return dict(zip(("reads", "failed", "torn", "went_back", "last_version"), stats.tolist()))
