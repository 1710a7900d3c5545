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
into a buffer the caller keeps.

Compiled functions never block forever: the waiting ones give up after ``spin_limit`` empty polls
and return what they did, and the Python side (:class:`SpscRing`) turns that into deadlines and
``RingTimeout`` so that a dead peer cannot hang a process.  A ping whose echo comes back with the
wrong sequence number is a protocol error (:class:`RingProtocolError`), not a timeout.

References
----------
Lamport, L. (1983), "Specifying concurrent program modules", ACM TOPLAS 5(2) (the SPSC queue).
Thompson, M. et al. (2011), "Disruptor" (cache-line padding and batched publication).
"""

from __future__ import annotations

import os
import time

import numpy as np

from ..errors import ExecutionError, InvalidParameters, QuantForgeError, check_int
from ..kernels.jit import engine_jit
from .atomics import fence_acquire, fence_release, load_acquire, store_release
from .shm import SharedBlock

__all__ = ["SpscRing", "RingTimeout", "RingProtocolError", "SEQ_RECORD", "ring_try_push", "ring_try_pop",
           "ring_send", "ring_receive", "ring_send_sequence", "ring_receive_sequence",
           "ring_push_batch", "ring_pop_batch", "ring_claim", "ring_release", "ring_mask", "ring_produce_sequence",
           "ring_consume_sequence", "ring_ping", "ring_echo", "produce_sequence", "consume_sequence", "echo", "ping"]

_MAGIC = 0x51465F52494E4731  # "QF_RING1"
# int64 word indices in the header: meta line, producer block, consumer block.
_M_MAGIC, _M_CAP, _M_ITEM, _M_WRITER_DONE, _M_MAILBOX = 0, 1, 2, 3, 4
_HEAD, _P_TAIL = 16, 17
_STAMP = 24  # the mailbox: the stamp word and the record (bytes 200..255), the producer block's second line
_MAILBOX_OFFSET = (_STAMP + 1) * 8
_MAILBOX_BYTES = 56
_TAIL, _C_HEAD = 32, 33
_HDR_WORDS = 48
_HDR_BYTES = _HDR_WORDS * 8  # 384, a multiple of 128, so records start 128-byte aligned

SEQ_RECORD = np.dtype([("seq", "i8"), ("check", "i8")])
"""A 16-byte self-checking record: ``check = seq * 0x9E3779B97F4A7C15`` (wrapping)."""
_K = np.int64(-7046029254386353131)  # 0x9E3779B97F4A7C15 as int64


class RingTimeout(QuantForgeError, TimeoutError):
    """The peer made no progress before the deadline (dead, stalled, or never started)."""


class RingProtocolError(ExecutionError):
    """The peer answered, but not as the protocol says (an echo out of order): its data are wrong."""


@engine_jit
def _free_slots(hdr, cap, head):
    """Free slots for the producer: from its cached copy of the consumer's tail, re-read (acquire)
    only when the cached copy says the ring is full."""
    free = cap - (head - hdr[_P_TAIL])
    if free == 0:
        hdr[_P_TAIL] = load_acquire(hdr, _TAIL)
        free = cap - (head - hdr[_P_TAIL])
    return free


@engine_jit(inline=True)
def _publish(hdr, head):
    """Release ``head`` and, on a ring with a mailbox, stamp ``-head``: records up to ``head`` are in
    their slots and the mailbox holds none of them."""
    store_release(hdr, _HEAD, head)
    if hdr[_M_MAILBOX]:
        store_release(hdr, _STAMP, -head)


@engine_jit
def ring_try_push(hdr, data, src, i):
    """Copy ``src[i]`` into the ring if there is room; returns True if pushed."""
    cap = hdr[_M_CAP]
    head = hdr[_HEAD]
    if _free_slots(hdr, cap, head) == 0:
        return False
    data[head & (cap - 1)] = src[i]
    _publish(hdr, head + 1)
    return True


@engine_jit
def ring_try_pop(hdr, data, dst, i):
    """Copy the oldest record into ``dst[i]`` if there is one; returns True if popped."""
    tail = hdr[_TAIL]
    if tail >= hdr[_C_HEAD]:
        hdr[_C_HEAD] = load_acquire(hdr, _HEAD)
        if tail >= hdr[_C_HEAD]:
            return False
    dst[i] = data[tail & (hdr[_M_CAP] - 1)]
    store_release(hdr, _TAIL, tail + 1)
    return True


@engine_jit
def ring_send(hdr, data, mailbox, src, i):
    """:func:`ring_try_push` of ``src[i]`` that also posts it in the mailbox (when the record fits)
    for a one-line :func:`ring_receive`; returns True if pushed."""
    cap = hdr[_M_CAP]
    head = hdr[_HEAD]
    if _free_slots(hdr, cap, head) == 0:
        return False
    data[head & (cap - 1)] = src[i]
    if hdr[_M_MAILBOX]:
        store_release(hdr, _STAMP, 0)
        fence_release()  # the cleared stamp is visible before any byte of the new record
        mailbox[0] = src[i]
        store_release(hdr, _STAMP, head + 1)
    store_release(hdr, _HEAD, head + 1)
    return True


@engine_jit
def ring_receive(hdr, data, mailbox, dst, i):
    """Copy the oldest record into ``dst[i]``, from the mailbox when it holds that record and was not
    overwritten during the copy, else from its slot; returns True if one was received."""
    tail = hdr[_TAIL]
    stamp = load_acquire(hdr, _STAMP)
    if stamp == tail + 1:
        dst[i] = mailbox[0]
        fence_acquire()  # the copy is complete before the stamp is read again
        if load_acquire(hdr, _STAMP) == tail + 1:
            store_release(hdr, _TAIL, tail + 1)
            return True
    elif 0 < stamp <= tail or -tail <= stamp < 0:
        return False  # the last publication holds nothing past tail: no need to look at head
    return ring_try_pop(hdr, data, dst, i)


@engine_jit
def ring_push_batch(hdr, data, src, start, spin_limit):
    """Push ``src[start:]``, publishing each run of free slots with one release store; waits at most
    ``spin_limit`` empty polls for room.  Returns the index reached."""
    cap = hdr[_M_CAP]
    mask = cap - 1
    n = src.shape[0]
    i = start
    spins = 0
    while i < n:
        head = hdr[_HEAD]
        free = _free_slots(hdr, cap, head)
        if free == 0:
            spins += 1
            if spins >= spin_limit:
                break
            continue
        k = min(free, n - i)
        for j in range(k):
            data[(head + j) & mask] = src[i + j]
        _publish(hdr, head + k)
        i += k
        spins = 0
    return i


@engine_jit(inline=True)
def ring_claim(hdr, max_records, spin_limit):
    """Consumer side: ``(tail, k)``, the ``k <= max_records`` records readable in place from slot
    ``tail & ring_mask(hdr)`` on (acquire load of the head), waiting at most ``spin_limit`` empty
    polls (``k = 0`` then).  The slots stay the consumer's until :func:`ring_release`."""
    tail = hdr[_TAIL]
    spins = 0
    while True:
        avail = load_acquire(hdr, _HEAD) - tail
        if avail > 0:
            return tail, min(avail, max_records)
        spins += 1
        if spins >= spin_limit:
            return tail, np.int64(0)


@engine_jit(inline=True)
def ring_release(hdr, new_tail):
    """Consumer side: hand the slots before ``new_tail`` back to the producer (release store)."""
    store_release(hdr, _TAIL, new_tail)


@engine_jit(inline=True)
def ring_mask(hdr):
    """Slot of record number ``i`` is ``i & ring_mask(hdr)``."""
    return hdr[_M_CAP] - 1


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


@engine_jit
def ring_produce_sequence(hdr, data, start, stop, spin_limit):
    """Write ``SEQ_RECORD`` s with ``seq = start..stop-1`` straight into the ring (self-checking
    traffic for tests and benchmarks).  Returns the next ``seq`` to write."""
    cap = hdr[_M_CAP]
    mask = cap - 1
    s = start
    spins = 0
    while s < stop:
        head = hdr[_HEAD]
        free = _free_slots(hdr, cap, head)
        if free == 0:
            spins += 1
            if spins >= spin_limit:
                break
            continue
        k = min(free, stop - s)
        for j in range(k):
            r = data[(head + j) & mask]
            r.seq = s + j
            r.check = (s + j) * _K
        _publish(hdr, head + k)
        s += k
        spins = 0
    return s


@engine_jit(inline=True)
def _check_record(r, expected, errors):
    """Count a ``SEQ_RECORD`` that is not ``expected`` (``errors[0]``) or whose check word is wrong
    (``errors[1]``); returns the sequence number expected next."""
    s = expected
    if r.seq != s:
        errors[0] += 1
        s = r.seq
    if r.check != r.seq * _K:
        errors[1] += 1
    return s + 1


@engine_jit
def ring_consume_sequence(hdr, data, expected, stop, spin_limit, errors):
    """Read ``SEQ_RECORD`` s, checking that they arrive as ``expected, expected+1, ...`` with valid
    checks; ``errors[0]`` counts lost/duplicated/reordered records, ``errors[1]`` corrupted ones.
    Returns the next expected ``seq``."""
    mask = hdr[_M_CAP] - 1
    s = expected
    spins = 0
    while s < stop:
        tail = hdr[_TAIL]
        avail = load_acquire(hdr, _HEAD) - tail
        if avail <= 0:
            spins += 1
            if spins >= spin_limit:
                break
            continue
        for j in range(avail):
            s = _check_record(data[(tail + j) & mask], s, errors)
        store_release(hdr, _TAIL, tail + avail)
        spins = 0
    return s


@engine_jit
def ring_send_sequence(hdr, data, mailbox, start, stop, spin_limit, buf):
    """:func:`ring_produce_sequence` one record at a time through :func:`ring_send` (``buf``: one
    ``SEQ_RECORD``).  Returns the next ``seq`` to send."""
    s = start
    spins = 0
    while s < stop:
        buf[0].seq = s
        buf[0].check = s * _K
        if ring_send(hdr, data, mailbox, buf, 0):
            s += 1
            spins = 0
        else:
            spins += 1
            if spins >= spin_limit:
                break
    return s


@engine_jit
def ring_receive_sequence(hdr, data, mailbox, expected, stop, spin_limit, errors, buf):
    """:func:`ring_consume_sequence` one record at a time through :func:`ring_receive`; ``errors[2]``
    counts the records taken from the mailbox.  Returns the next expected ``seq``."""
    s = expected
    spins = 0
    while s < stop:
        stamp_before = hdr[_STAMP]
        if not ring_receive(hdr, data, mailbox, buf, 0):
            spins += 1
            if spins >= spin_limit:
                break
            continue
        spins = 0
        if stamp_before == s + 1:
            errors[2] += 1
        s = _check_record(buf[0], s, errors)
    return s


@engine_jit
def ring_ping(hdr_out, data_out, mbox_out, hdr_in, data_in, mbox_in, n, spin_limit, buf, state):
    """Send one-record pings and wait for each echo until ``state[0]`` (pings completed) reaches ``n``;
    ``state[1]`` is 1 while a ping is out, so a call that gives up after ``spin_limit`` polls can be
    resumed.  Returns ``state[0]``, or ``-1`` if an echo came back with the wrong sequence number or
    a corrupted check word."""
    while state[0] < n:
        i = state[0]
        if state[1] == 0:
            buf[0].seq = i
            buf[0].check = i * _K
            if not ring_send(hdr_out, data_out, mbox_out, buf, 0):
                return i
            state[1] = 1
        spins = 0
        while not ring_receive(hdr_in, data_in, mbox_in, buf, 1):
            spins += 1
            if spins >= spin_limit:
                return i
        if buf[1].seq != i or buf[1].check != i * _K:
            return -1
        state[1] = 0
        state[0] = i + 1
    return state[0]


@engine_jit
def ring_echo(hdr_in, data_in, mbox_in, hdr_out, data_out, mbox_out, n, spin_limit, buf):
    """Send back every record received, ``n`` times.  Returns echoes done."""
    for i in range(n):
        spins = 0
        while not ring_receive(hdr_in, data_in, mbox_in, buf, 0):
            spins += 1
            if spins >= spin_limit:
                return i
        spins = 0
        while not ring_send(hdr_out, data_out, mbox_out, buf, 0):
            spins += 1
            if spins >= spin_limit:
                return i
    return n


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
        self.hdr = np.ndarray((_HDR_WORDS,), np.int64, buffer=shm.buf)
        if self.hdr[_M_MAGIC] != _MAGIC or self.hdr[_M_ITEM] != self.dtype.itemsize:
            raise InvalidParameters(f"shared memory {shm.name!r} is not a ring of {self.dtype} records")
        self.capacity = int(self.hdr[_M_CAP])
        self.data = np.ndarray((self.capacity,), self.dtype, buffer=shm.buf, offset=_HDR_BYTES)
        if self.hdr[_M_MAILBOX]:
            self.mailbox = np.ndarray((1,), self.dtype, buffer=shm.buf, offset=_MAILBOX_OFFSET)
        else:
            self.mailbox = np.zeros(1, self.dtype)

    @property
    def name(self) -> str:
        return self._shm.name

    @classmethod
    def create(cls, dtype, capacity: int = 1 << 16, name: str | None = None) -> "SpscRing":
        """A new ring of ``capacity`` (a power of two) records of ``dtype``."""
        capacity = check_int("capacity", capacity, minimum=2)
        if capacity & (capacity - 1):
            raise InvalidParameters(f"capacity must be a power of two, got {capacity}")
        dtype = np.dtype(dtype)
        shm = SharedBlock(name, _HDR_BYTES + capacity * dtype.itemsize, create=True)
        hdr = np.ndarray((_HDR_WORDS,), np.int64, buffer=shm.buf)
        hdr[:] = 0
        hdr[_M_CAP], hdr[_M_ITEM], hdr[_M_MAGIC] = capacity, dtype.itemsize, _MAGIC
        hdr[_M_MAILBOX] = dtype.itemsize <= _MAILBOX_BYTES and dtype.itemsize % 8 == 0
        from .affinity import hugepage_hint

        ring = cls(shm, dtype)
        ring.hugepages = hugepage_hint(shm)
        return ring

    @classmethod
    def attach(cls, name: str, dtype) -> "SpscRing":
        """Open a ring created by another process."""
        return cls(SharedBlock(name), dtype)

    def __len__(self) -> int:
        return max(0, int(self.hdr[_HEAD] - self.hdr[_TAIL]))  # tail may run one ahead (module docstring)

    def mark_writer_done(self) -> None:
        """Tell the consumer that no more records will come."""
        self.hdr[_M_WRITER_DONE] = 1

    @property
    def writer_done(self) -> bool:
        return bool(self.hdr[_M_WRITER_DONE])

    def send(self, records: np.ndarray, timeout_s: float = 5.0, peer_alive=None) -> None:
        """Push every record, raising :class:`RingTimeout` if the consumer makes no room for ``timeout_s``
        or ``peer_alive()`` turns false."""
        if records.dtype != self.dtype:
            raise TypeError(f"records must have dtype {self.dtype}, got {records.dtype}")
        i = 0
        last = time.monotonic()
        while i < records.shape[0]:
            j = ring_push_batch(self.hdr, self.data, records, i, 1 << 16)
            now = time.monotonic()
            if j > i:
                i, last = j, now
            elif now - last > timeout_s or (peer_alive is not None and not peer_alive()):
                raise RingTimeout(f"ring {self.name!r}: consumer made no room for {now - last:.2f} s ({i} of {records.shape[0]} sent)")
            else:
                os.sched_yield()

    def recv_into(self, out: np.ndarray, timeout_s: float = 5.0, peer_alive=None) -> int:
        """Pop up to ``len(out)`` records into ``out`` (a buffer the caller keeps, so nothing is
        allocated per batch), waiting up to ``timeout_s`` for the first; returns how many, 0 once the
        writer is done and the ring drained.  :class:`RingTimeout` if nothing comes in time or
        ``peer_alive()`` turns false."""
        if not isinstance(out, np.ndarray) or out.dtype != self.dtype or out.ndim != 1 or out.shape[0] < 1:
            raise TypeError(f"out must be a non-empty 1-D array of {self.dtype}, got "
                            f"{getattr(out, 'dtype', type(out))} {getattr(out, 'shape', '')}")
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

    def recv(self, max_records: int, timeout_s: float = 5.0, peer_alive=None) -> np.ndarray:
        """:meth:`recv_into` a new array of up to ``max_records`` records; returns the records (empty
        once the writer is done and the ring drained)."""
        out = np.empty(check_int("max_records", max_records, minimum=1), self.dtype)
        return out[:self.recv_into(out, timeout_s, peer_alive)]

    def close(self) -> None:
        """Release this process's mapping (and the block itself if this process created it)."""
        self.hdr = self.data = self.mailbox = None
        self._shm.close()


def _wait(progress_fn, total, timeout_s, peer_alive, what):
    """Call ``progress_fn(done) -> done'`` until ``total``; RingTimeout after ``timeout_s`` without progress."""
    done = 0
    last = time.monotonic()
    while done < total:
        new = progress_fn(done)
        now = time.monotonic()
        if new != done:
            done, last = new, now
            continue
        if now - last > timeout_s or (peer_alive is not None and not peer_alive()):
            raise RingTimeout(f"{what}: no progress for {now - last:.2f} s at {done} of {total}"
                              + ("" if peer_alive is None or peer_alive() else " (peer process is gone)"))
        os.sched_yield()
    return done


def produce_sequence(name: str, n: int, timeout_s: float = 30.0, one_by_one: bool = False) -> None:
    """Peer-process driver: attach to ring ``name`` (of ``SEQ_RECORD``) and write ``seq = 0..n-1``, in
    batches or, with ``one_by_one``, through :func:`ring_send`."""
    ring = SpscRing.attach(name, SEQ_RECORD)
    buf = np.zeros(1, SEQ_RECORD)
    try:
        if one_by_one:
            step = lambda s: ring_send_sequence(ring.hdr, ring.data, ring.mailbox, s, n, 1 << 16, buf)  # noqa: E731
        else:
            step = lambda s: ring_produce_sequence(ring.hdr, ring.data, s, n, 1 << 16)  # noqa: E731
        _wait(step, n, timeout_s, None, f"producer {name}")
        ring.mark_writer_done()
    finally:
        ring.close()


def consume_sequence(ring: SpscRing, n: int, timeout_s: float = 30.0, peer_alive=None,
                     one_by_one: bool = False) -> np.ndarray:
    """Read ``n`` ``SEQ_RECORD`` s checking order and content, in batches or, with ``one_by_one``,
    through :func:`ring_receive`; returns ``[misordered, corrupted, taken from the mailbox]``."""
    errors = np.zeros(3, np.int64)
    buf = np.zeros(1, SEQ_RECORD)
    if one_by_one:
        step = lambda s: ring_receive_sequence(ring.hdr, ring.data, ring.mailbox, s, n, 1 << 16, errors, buf)  # noqa: E731
    else:
        step = lambda s: ring_consume_sequence(ring.hdr, ring.data, s, n, 1 << 16, errors)  # noqa: E731
    _wait(step, n, timeout_s, peer_alive, f"consumer {ring.name}")
    return errors


def echo(name_in: str, name_out: str, n: int, timeout_s: float = 30.0, cpu: int | None = None) -> None:
    """Peer-process driver: send back each of ``n`` records from ring ``name_in`` on ``name_out``,
    pinned to ``cpu`` if one is given (``affinity.pin``)."""
    if cpu is not None:
        from .affinity import pin

        pin(cpu)
    r_in, r_out = SpscRing.attach(name_in, SEQ_RECORD), SpscRing.attach(name_out, SEQ_RECORD)
    buf = np.zeros(1, SEQ_RECORD)
    try:
        _wait(lambda d: d + ring_echo(r_in.hdr, r_in.data, r_in.mailbox, r_out.hdr, r_out.data, r_out.mailbox, n - d,
                                      1 << 20, buf), n, timeout_s, None, f"echo {name_in}->{name_out}")
    finally:
        r_in.close()
        r_out.close()


def ping(ring_out: SpscRing, ring_in: SpscRing, n: int, timeout_s: float = 30.0, peer_alive=None) -> float:
    """Send ``n`` pings to an :func:`echo` peer; returns the mean round trip in seconds."""
    buf = np.zeros(2, SEQ_RECORD)
    state = np.zeros(2, np.int64)

    def step(target):
        def go(done):
            k = ring_ping(ring_out.hdr, ring_out.data, ring_out.mailbox, ring_in.hdr, ring_in.data, ring_in.mailbox,
                          target, 1 << 20, buf, state)
            if k < 0:
                raise RingProtocolError(f"ping: the echo of ping {int(state[0])} came back as sequence number "
                                        f"{int(buf[1]['seq'])} with check word {int(buf[1]['check'])}: the peer is "
                                        "not echoing in order, or the record was corrupted")
            return k

        return _wait(go, target, timeout_s, peer_alive, "ping")

    step(1)  # the first ping waits for the peer to start
    t0 = time.perf_counter()
    step(n)
    return (time.perf_counter() - t0) / (n - 1)
