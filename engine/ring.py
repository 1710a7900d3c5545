"""A single-producer single-consumer ring of fixed-size records in shared memory, usable from Numba
code in two processes.

The producer owns ``head`` (records written) and the consumer owns ``tail`` (records read); each
counter sits alone on its own 128-byte block (two cache lines, against the adjacent-line prefetcher)
next to the owner's cached copy of the other counter, so the two cores share a line only when one
must look at the other's progress.  Capacity is a power of two and slot ``i`` is ``i & (capacity-1)``.
Ordering: the producer writes the records, then publishes ``head`` with a *release* store; the
consumer reads ``head`` with an *acquire* load before reading the records, and frees them with a
release store of ``tail`` that the producer reads with an acquire load.  Numba has no atomics or
fences, so these loads and stores are LLVM ``load atomic``/``store atomic`` instructions emitted
through ``numba.core.extending.intrinsic`` (``engine/atomics.py``); batches are published with one
store, which is where the throughput comes from.

Single records at low latency: :func:`ring_send` / :func:`ring_receive`.  A push through the slots
costs the consumer two dependent cache-line transfers (``head``, then the slot), which sets the round
trip between two cores.  A ring of records of at most 56 bytes therefore also has a *mailbox*: one
cache line of the producer's block holding a stamp word and one record.  ``ring_send`` writes the
slot, then the mailbox as a one-record seqlock (stamp 0, a release fence, the record, stamp
``n + 1`` for record ``n``), then ``head``; every other push publishes ``head`` and then stamps
``-head`` ("up to ``head``, in the slots").  ``ring_receive`` at ``tail`` reads only the stamp while
nothing is new: ``tail + 1`` means the mailbox holds the record wanted, which it copies, then issues
an acquire fence and takes the copy only if the stamp is unchanged; a stamp that names nothing past
``tail`` means an empty ring (the producer stamps right after it publishes, so a push is seen at
most a few instructions late); anything else (0 while a send writes the mailbox, a later record)
sends it to the slot as :func:`ring_try_pop`.  Waiting on one line that also carries the data is
what brings the round trip near the machine's one-line ping-pong.  Because the mailbox stamp is
published before ``head``, the consumer's ``tail`` may run one ahead of the ``head`` it sees; every
consumer function treats that as an empty ring.

A consumer may also read the records in place: :func:`ring_claim` returns the tail and the number of
records readable from slot ``tail & mask`` on, and :func:`ring_release` hands them back once used
(the event loop's ``run_loop_ring`` works so, copying nothing); :meth:`SpscRing.recv_into` copies
into a buffer the caller keeps.  A producer may likewise write records in place: the slots from
``head`` on that :func:`ring_free_slots` reports, then :func:`ring_publish` of the new head.

Compiled functions never block forever: the waiting ones give up after ``spin_limit`` empty polls
and return what they did, and the Python side (:class:`SpscRing`) turns that into deadlines and
``RingTimeout`` so that a dead peer cannot hang a process.

References
----------
Lamport, L. (1983), "Specifying concurrent program modules", ACM TOPLAS 5(2) (the SPSC queue).
Thompson, M. et al. (2011), "Disruptor" (cache-line padding and batched publication).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import numpy as np

from ..errors import InvalidParameters, QuantForgeError, check_int, check_memory, check_nonnegative
from ..kernels.jit import engine_jit
from .atomics import fence_acquire, fence_release, load_acquire, store_release
from .shm import SharedBlock

__all__ = [
    "SpscRing",
    "RingTimeout",
    "ring_try_push",
    "ring_try_pop",
    "ring_send",
    "ring_receive",
    "ring_push_batch",
    "ring_pop_batch",
    "ring_claim",
    "ring_release",
    "ring_mask",
    "ring_free_slots",
    "ring_publish",
    "RING_MAGIC",
    "RING_CAPACITY",
    "RING_ITEM_BYTES",
    "RING_WRITER_DONE",
    "RING_HAS_MAILBOX",
    "RING_HEAD",
    "RING_PRODUCER_TAIL",
    "RING_STAMP",
    "RING_TAIL",
    "RING_CONSUMER_HEAD",
    "RING_HDR_WORDS",
]

_MAGIC = 0x51465F52494E4731  # "QF_RING1"
# The header: int64 words in three 128-byte blocks (meta, producer, consumer).  They are plain int
# globals, which Numba freezes into the compiled code as constants.
RING_MAGIC = 0  #: meta block: the ring's magic number
RING_CAPACITY = 1  #: slots (a power of two)
RING_ITEM_BYTES = 2  #: bytes per record
RING_WRITER_DONE = 3  #: 1 once the producer has said no more records will come
RING_HAS_MAILBOX = 4  #: 1 if the ring has a mailbox (records of at most 56 bytes, a multiple of 8)
RING_HEAD = 16  #: producer block: records published
RING_PRODUCER_TAIL = 17  #: the producer's cached copy of ``RING_TAIL``
RING_STAMP = 24  #: the mailbox's stamp word, the record follows it (bytes 200..255: the producer block's second line)
RING_TAIL = 32  #: consumer block: records consumed
RING_CONSUMER_HEAD = 33  #: the consumer's cached copy of ``RING_HEAD``
RING_HDR_WORDS = 48  #: header length
_MAILBOX_OFFSET = (RING_STAMP + 1) * 8
_MAILBOX_BYTES = 56
_HDR_BYTES = RING_HDR_WORDS * 8  # 384, a multiple of 128, so records start 128-byte aligned


def _record_dtype(dtype) -> np.dtype:
    """``dtype`` as a numpy dtype of fixed-size records (what the ring copies slot by slot)."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a numpy dtype (e.g. engine.types.EVENT), got {dtype!r}") from None
    if dt.itemsize == 0 or dt.hasobject:
        raise InvalidParameters(f"dtype must be a fixed-size record without Python objects, got {dt}")
    return dt


class RingTimeout(QuantForgeError, TimeoutError):
    """The peer made no progress before the deadline (dead, stalled, or never started)."""


@engine_jit
def ring_free_slots(hdr, cap, head):
    """Producer side: slots free from ``head`` (``hdr[RING_HEAD]``) on, in a ring of ``cap`` slots;
    from the producer's cached copy of the consumer's tail, re-read (acquire) only when the cached
    copy says the ring is full."""
    free = cap - (head - hdr[RING_PRODUCER_TAIL])
    if free == 0:
        hdr[RING_PRODUCER_TAIL] = load_acquire(hdr, RING_TAIL)
        free = cap - (head - hdr[RING_PRODUCER_TAIL])
    return free


@engine_jit(inline=True)
def ring_publish(hdr, head):
    """Producer side: release ``head`` and, on a ring with a mailbox, stamp ``-head``: records up
    to ``head`` are in their slots and the mailbox holds none of them."""
    store_release(hdr, RING_HEAD, head)
    if hdr[RING_HAS_MAILBOX]:
        store_release(hdr, RING_STAMP, -head)


@engine_jit
def ring_try_push(hdr, data, src, i):
    """Copy ``src[i]`` into the ring if there is room; returns True if pushed."""
    cap = hdr[RING_CAPACITY]
    head = hdr[RING_HEAD]
    if ring_free_slots(hdr, cap, head) == 0:
        return False
    data[head & (cap - 1)] = src[i]
    ring_publish(hdr, head + 1)
    return True


@engine_jit
def ring_try_pop(hdr, data, dst, i):
    """Copy the oldest record into ``dst[i]`` if there is one; returns True if popped."""
    tail = hdr[RING_TAIL]
    if tail >= hdr[RING_CONSUMER_HEAD]:
        hdr[RING_CONSUMER_HEAD] = load_acquire(hdr, RING_HEAD)
        if tail >= hdr[RING_CONSUMER_HEAD]:
            return False
    dst[i] = data[tail & (hdr[RING_CAPACITY] - 1)]
    store_release(hdr, RING_TAIL, tail + 1)
    return True


@engine_jit
def ring_send(hdr, data, mailbox, src, i):
    """:func:`ring_try_push` of ``src[i]`` that also posts it in the mailbox (when the record fits)
    for a one-line :func:`ring_receive`; returns True if pushed."""
    cap = hdr[RING_CAPACITY]
    head = hdr[RING_HEAD]
    if ring_free_slots(hdr, cap, head) == 0:
        return False
    data[head & (cap - 1)] = src[i]
    if hdr[RING_HAS_MAILBOX]:
        store_release(hdr, RING_STAMP, 0)
        fence_release()  # the cleared stamp is visible before any byte of the new record
        mailbox[0] = src[i]
        store_release(hdr, RING_STAMP, head + 1)
    store_release(hdr, RING_HEAD, head + 1)
    return True


@engine_jit
def ring_receive(hdr, data, mailbox, dst, i):
    """Copy the oldest record into ``dst[i]``, from the mailbox when it holds that record and was not
    overwritten during the copy, else from its slot; returns True if one was received."""
    tail = hdr[RING_TAIL]
    stamp = load_acquire(hdr, RING_STAMP)
    if stamp == tail + 1:
        dst[i] = mailbox[0]
        fence_acquire()  # the copy is complete before the stamp is read again
        if load_acquire(hdr, RING_STAMP) == tail + 1:
            store_release(hdr, RING_TAIL, tail + 1)
            return True
    elif 0 < stamp <= tail or -tail <= stamp < 0:
        return False  # the last publication holds nothing past tail: no need to look at head
    return ring_try_pop(hdr, data, dst, i)


@engine_jit
def ring_push_batch(hdr, data, src, start, spin_limit):
    """Push ``src[start:]``, publishing each run of free slots with one release store; waits at most
    ``spin_limit`` empty polls for room.  Returns the index reached."""
    cap = hdr[RING_CAPACITY]
    mask = cap - 1
    n = src.shape[0]
    i = start
    spins = 0
    while i < n:
        head = hdr[RING_HEAD]
        free = ring_free_slots(hdr, cap, head)
        if free == 0:
            spins += 1
            if spins >= spin_limit:
                break
            continue
        k = min(free, n - i)
        for j in range(k):
            data[(head + j) & mask] = src[i + j]
        ring_publish(hdr, head + k)
        i += k
        spins = 0
    return i


@engine_jit(inline=True)
def ring_claim(hdr, max_records, spin_limit):
    """Consumer side: ``(tail, k)``, the ``k <= max_records`` records readable in place from slot
    ``tail & ring_mask(hdr)`` on (acquire load of the head), waiting at most ``spin_limit`` empty
    polls (``k = 0`` then).  The slots stay the consumer's until :func:`ring_release`."""
    tail = hdr[RING_TAIL]
    spins = 0
    while True:
        avail = load_acquire(hdr, RING_HEAD) - tail
        if avail > 0:
            return tail, min(avail, max_records)
        spins += 1
        if spins >= spin_limit:
            return tail, np.int64(0)


@engine_jit(inline=True)
def ring_release(hdr, new_tail):
    """Consumer side: hand the slots before ``new_tail`` back to the producer (release store)."""
    store_release(hdr, RING_TAIL, new_tail)


@engine_jit(inline=True)
def ring_mask(hdr):
    """Slot of record number ``i`` is ``i & ring_mask(hdr)``."""
    return hdr[RING_CAPACITY] - 1


@engine_jit
def ring_pop_batch(hdr, data, dst, spin_limit):
    """Pop up to ``len(dst)`` records, waiting at most ``spin_limit`` empty polls for the first one.
    Returns the number popped."""
    tail, k = ring_claim(hdr, dst.shape[0], spin_limit)
    mask = ring_mask(hdr)
    for j in range(k):
        dst[j] = data[(tail + j) & mask]
    ring_release(hdr, tail + k)
    return k


class SpscRing:
    """A ring in a named shared-memory block; :meth:`create` in one process, :meth:`attach` in the other.

    ``hdr`` (int64 header), ``data`` (record array) and ``mailbox`` (one record, for
    :func:`ring_send` / :func:`ring_receive`) are what compiled code takes.  Only one process may push
    and one may pop.  Records of more than 56 bytes, or of a size that is not a multiple of 8, have no
    mailbox in shared memory (``mailbox`` is then a private record that is never read).  ``hugepages`` says whether the kernel accepted the transparent
    huge-page hint for the ring's memory (``affinity.hugepage_hint``; False where it is unavailable
    or refused, and in a process that attached rather than created the ring).
    """

    def __init__(self, shm: SharedBlock, dtype):
        self._shm = shm
        self.hugepages = False
        self.dtype = np.dtype(dtype)
        self.hdr = np.ndarray((RING_HDR_WORDS,), np.int64, buffer=shm.buf)
        if self.hdr[RING_MAGIC] != _MAGIC or self.hdr[RING_ITEM_BYTES] != self.dtype.itemsize:
            raise InvalidParameters(f"shared memory {shm.name!r} is not a ring of {self.dtype} records")
        self.capacity = int(self.hdr[RING_CAPACITY])
        self.data = np.ndarray((self.capacity,), self.dtype, buffer=shm.buf, offset=_HDR_BYTES)
        if self.hdr[RING_HAS_MAILBOX]:
            self.mailbox = np.ndarray((1,), self.dtype, buffer=shm.buf, offset=_MAILBOX_OFFSET)
        else:
            self.mailbox = np.zeros(1, self.dtype)

    @property
    def name(self) -> str:
        return self._shm.name

    @classmethod
    def create(cls, dtype, capacity: int = 1 << 16, name: str | None = None) -> SpscRing:
        """A new ring of ``capacity`` (a power of two) records of ``dtype``."""
        capacity = check_int("capacity", capacity, minimum=2)
        if capacity & (capacity - 1):
            raise InvalidParameters(f"capacity must be a power of two, got {capacity}")
        dtype = _record_dtype(dtype)
        check_memory(
            "capacity", capacity, float(capacity) * dtype.itemsize, f"{capacity} records of {dtype.itemsize} bytes"
        )
        shm = SharedBlock(name, _HDR_BYTES + capacity * dtype.itemsize, create=True)
        hdr = np.ndarray((RING_HDR_WORDS,), np.int64, buffer=shm.buf)
        hdr[:] = 0
        hdr[RING_CAPACITY], hdr[RING_ITEM_BYTES], hdr[RING_MAGIC] = capacity, dtype.itemsize, _MAGIC
        hdr[RING_HAS_MAILBOX] = dtype.itemsize <= _MAILBOX_BYTES and dtype.itemsize % 8 == 0
        from .affinity import hugepage_hint

        ring = cls(shm, dtype)
        ring.hugepages = hugepage_hint(shm)
        return ring

    @classmethod
    def attach(cls, name: str, dtype) -> SpscRing:
        """Open a ring created by another process."""
        return cls(SharedBlock(name), _record_dtype(dtype))

    def __len__(self) -> int:
        return max(0, int(self.hdr[RING_HEAD] - self.hdr[RING_TAIL]))  # tail may run one ahead (module docstring)

    def mark_writer_done(self) -> None:
        """Tell the consumer that no more records will come."""
        self.hdr[RING_WRITER_DONE] = 1

    @property
    def writer_done(self) -> bool:
        return bool(self.hdr[RING_WRITER_DONE])

    def send(self, records: np.ndarray, timeout_s: float = 5.0, peer_alive: Callable[[], bool] | None = None) -> None:
        """Push every record, raising :class:`RingTimeout` if the consumer makes no room for ``timeout_s``
        or ``peer_alive()`` turns false."""
        if not isinstance(records, np.ndarray) or records.dtype != self.dtype or records.ndim != 1:
            raise TypeError(
                f"records must be a 1-D array of dtype {self.dtype}, got {type(records).__name__} "
                f"{getattr(records, 'dtype', '')}"
            )
        timeout_s = check_nonnegative("timeout_s", timeout_s)
        if peer_alive is not None and not callable(peer_alive):
            raise TypeError(f"peer_alive must be callable or None, got {type(peer_alive).__name__}")
        i = 0
        last = time.monotonic()
        while i < records.shape[0]:
            j = ring_push_batch(self.hdr, self.data, records, i, 1 << 16)
            now = time.monotonic()
            if j > i:
                i, last = j, now
            elif now - last > timeout_s or (peer_alive is not None and not peer_alive()):
                raise RingTimeout(
                    f"ring {self.name!r}: consumer made no room for {now - last:.2f} s ({i} of {records.shape[0]} sent)"
                )
            else:
                os.sched_yield()

    def recv_into(self, out: np.ndarray, timeout_s: float = 5.0, peer_alive: Callable[[], bool] | None = None) -> int:
        """Pop up to ``len(out)`` records into ``out`` (a buffer the caller keeps, so nothing is
        allocated per batch), waiting up to ``timeout_s`` for the first; returns how many, 0 once the
        writer is done and the ring drained.  :class:`RingTimeout` if nothing comes in time or
        ``peer_alive()`` turns false."""
        if not isinstance(out, np.ndarray) or out.dtype != self.dtype or out.ndim != 1 or out.shape[0] < 1:
            raise TypeError(
                f"out must be a non-empty 1-D array of {self.dtype}, got "
                f"{getattr(out, 'dtype', type(out))} {getattr(out, 'shape', '')}"
            )
        timeout_s = check_nonnegative("timeout_s", timeout_s)
        if peer_alive is not None and not callable(peer_alive):
            raise TypeError(f"peer_alive must be callable or None, got {type(peer_alive).__name__}")
        last = time.monotonic()
        while True:
            k = ring_pop_batch(self.hdr, self.data, out, 1 << 16)
            if k:
                return k
            if self.writer_done and len(self) == 0:
                return 0
            if time.monotonic() - last > timeout_s or (peer_alive is not None and not peer_alive()):
                raise RingTimeout(f"ring {self.name!r}: no record for {time.monotonic() - last:.2f} s")
            os.sched_yield()

    def recv(
        self, max_records: int, timeout_s: float = 5.0, peer_alive: Callable[[], bool] | None = None
    ) -> np.ndarray:
        """:meth:`recv_into` a new array of up to ``max_records`` records; returns the records (empty
        once the writer is done and the ring drained)."""
        max_records = check_int("max_records", max_records, minimum=1)
        check_memory("max_records", max_records, float(max_records) * self.dtype.itemsize, "the received records")
        out = np.empty(max_records, self.dtype)
        return out[: self.recv_into(out, timeout_s, peer_alive)]

    def close(self) -> None:
        """Release this process's mapping (and the block itself if this process created it)."""
        self.hdr = self.data = self.mailbox = None
        self._shm.close()
