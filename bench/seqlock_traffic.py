"""Self-checking traffic for the shared-memory seqlock table (``engine/seqlock.py``), for its tests
and the ``engine`` and ``serve`` benchmark suites: writers that publish tables whose every value is a
function of the version, readers that check each table or in-place quote they get, a writer that
dies mid-publish, and a timed quote loop.

Two patterns.  A plain table of version ``v`` holds ``v * 65536 + i`` at ``i`` (exact in float64).  A
surface table (``SeqlockTable.create_surface``) of version ``v`` holds the packed surface with time
grid ``0, 1, ..., n_t - 1``, ``q_min = 0``, bid depth ``v * 65536 + i * n_q + j`` at grid point
``(i, j)``, ask depth ``bid + 0.5``, bid size ``v`` and ask size ``v + 1``: a quote read in place is
consistent exactly when all four numbers belong to the version it was read with.
"""

from __future__ import annotations

import time

import numpy as np

from ..engine.atomics import cycle_counter
from ..engine.seqlock import (
    SEQLOCK_N_Q,
    SEQLOCK_N_T,
    SeqlockTable,
    seqlock_begin,
    seqlock_publish,
    seqlock_quote,
    seqlock_read,
)
from ..errors import InvalidParameters, check_finite, check_int
from ..kernels.jit import engine_jit

__all__ = [
    "publish_pattern",
    "check_pattern",
    "publish_surface_pattern",
    "write_patterns",
    "write_then_stall_mid_publish",
    "read_and_check",
    "quote_and_check",
    "LATENCY_BUCKETS",
]

LATENCY_BUCKETS = 1 << 14
"""Buckets of :func:`quote_and_check`'s latency histogram, 4 cycles each (the last one: overflow)."""


@engine_jit
def publish_pattern(hdr, slots, buf, version):
    """Publish the self-checking table of ``version``: ``v[i] = version * 65536 + i`` (exact in float64)."""
    base = version * 65536.0
    for i in range(buf.shape[0]):
        buf[i] = base + i
    return seqlock_publish(hdr, slots, buf, version, version)


@engine_jit
def check_pattern(values, version):
    """True if ``values`` is exactly the table :func:`publish_pattern` wrote for ``version``."""
    base = version * 65536.0
    for i in range(values.shape[0]):
        if values[i] != base + i:
            return False
    return True


@engine_jit
def publish_surface_pattern(hdr, slots, buf, n_t, n_q, version):
    """Publish the self-checking surface of ``version`` (module docstring) into a surface table."""
    m = n_t * n_q
    o = n_t + 1
    for i in range(n_t):
        buf[i] = i
    buf[n_t] = 0.0
    base = version * 65536.0
    for k in range(m):
        buf[o + k] = base + k
        buf[o + m + k] = base + k + 0.5
        buf[o + 2 * m + k] = version
        buf[o + 3 * m + k] = version + 1
    return seqlock_publish(hdr, slots, buf, version, version)


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


@engine_jit
def _quote_and_check(hdr, slots, n_reads, max_tries, stats, hist):
    """``n_reads`` in-place quotes at pseudo-random grid points, each checked and timed (cycles into
    ``hist``, 4 per bucket); stats as :func:`_read_and_check`."""
    n_t = hdr[SEQLOCK_N_T]
    n_q = hdr[SEQLOCK_N_Q]
    last = stats[4]
    x = np.uint64(0x9E3779B97F4A7C15) ^ np.uint64(last)
    top = hist.shape[0] - 1
    for _ in range(n_reads):
        x = x * np.uint64(6364136223846793005) + np.uint64(1442695040888963407)
        i = np.int64(x >> np.uint64(40)) % n_t
        j = np.int64(x >> np.uint64(20)) % n_q
        c0 = cycle_counter()
        v, bd, ad, bs, as_, _ = seqlock_quote(hdr, slots, i + 0.25, j, False, max_tries)
        c1 = cycle_counter()
        b = (c1 - c0) >> 2
        hist[b if b < top else top] += 1
        if v < 0:
            stats[1] += 1
            continue
        stats[0] += 1
        if v > 0 and (bd != v * 65536.0 + i * n_q + j or ad != bd + 0.5 or bs != v or as_ != v + 1):
            stats[2] += 1
        if v < last:
            stats[3] += 1
        last = v
    stats[4] = last


def write_patterns(name: str, first_version: int = 1, duration_s: float = 10.0, interval_s: float = 0.0) -> None:
    """Writer-process driver: publish self-checking tables ``first_version, first_version+1, ...`` for
    ``duration_s`` seconds, back to back or one every ``interval_s`` seconds (1e-3: a 1 kHz writer);
    a surface table gets the surface pattern."""
    table = SeqlockTable.attach(name)
    buf = np.empty(table.n_values)
    shape = table.surface_shape
    interval_s = check_finite("interval_s", interval_s)
    v = first_version
    start = time.monotonic()
    end = start + duration_s
    try:
        while time.monotonic() < end:
            for _ in range(1 if interval_s > 0 else 64):
                if shape is None:
                    publish_pattern(table.hdr, table.slots, buf, v)
                else:
                    publish_surface_pattern(table.hdr, table.slots, buf, shape[0], shape[1], v)
                v += 1
            if interval_s > 0:
                time.sleep(max(0.0, start + (v - first_version) * interval_s - time.monotonic()))
    finally:
        table.close()


def write_then_stall_mid_publish(name: str, n_complete: int, fraction: float = 0.5) -> None:
    """Writer-process driver for the crash test: publish the self-checking tables of versions
    ``1..n_complete``, then start publishing version ``n_complete + 1`` with the steps of
    ``seqlock_publish`` (``seqlock_begin``, the payload) but stop after ``fraction`` of the values
    (sequence odd, slot half written) and sleep until killed, so a kill always lands mid-publish."""
    table = SeqlockTable.attach(name)
    buf = np.empty(table.n_values)
    for v in range(1, check_int("n_complete", n_complete, minimum=1) + 1):
        publish_pattern(table.hdr, table.slots, buf, v)
    s, _, _ = seqlock_begin(table.hdr)
    n = int(fraction * table.n_values)
    table.slots[s, :n] = (n_complete + 1) * 65536.0 + np.arange(n)
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


def quote_and_check(
    table: SeqlockTable, n_reads: int, hist: np.ndarray | None = None, max_tries: int = 1 << 16, since_version: int = 0
) -> dict:
    """In-place quotes (``seqlock_quote``) of a surface table carrying the surface pattern, each
    checked and timed into ``hist`` (int64, :data:`LATENCY_BUCKETS` buckets of 4 cycles, added to);
    returns the counts of :func:`read_and_check`."""
    if table.surface_shape is None:
        raise InvalidParameters(f"seqlock {table.name!r} is not a surface table")
    hist = np.zeros(LATENCY_BUCKETS, np.int64) if hist is None else hist
    stats = np.zeros(5, np.int64)
    stats[4] = check_int("since_version", since_version, minimum=0)
    _quote_and_check(table.hdr, table.slots, check_int("n_reads", n_reads, minimum=1), max_tries, stats, hist)
    return dict(zip(("reads", "failed", "torn", "went_back", "last_version"), stats.tolist()))
