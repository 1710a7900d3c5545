"""engine/seqlock.py: a writer process publishing self-checking tables (bench/seqlock_traffic.py) at
full speed while this process verifies >= 10^6 copies and 2 x 10^5 in-place quotes (no torn read is
ever returned, versions never go back); a writer killed mid-publish (deterministically, by a writer
that stalls inside a publish) leaves readers on the last complete version, whose age they can tell;
surfaces round-trip exactly; an in-place quote equals engine.surface.surface_lookup on the same
surface bit for bit."""

from __future__ import annotations

import multiprocessing as mp
import os
import time

import numpy as np
import pytest

from quantforge.bench import seqlock_traffic as traffic
from quantforge.engine import seqlock as S
from quantforge.engine.surface import make_surface_table, surface_lookup


def _wait_for_version(table, v, proc, timeout_s=60.0):
    end = time.monotonic() + timeout_s
    while table.hdr[S.SEQLOCK_SLOT + 1] < v and table.hdr[S.SEQLOCK_SLOT + S.SEQLOCK_SLOT_STRIDE + 1] < v:
        assert proc.is_alive() and time.monotonic() < end, "writer did not start"
        time.sleep(0.005)


def test_million_reads_under_a_full_speed_writer():
    """Reads continue, in chunks, until 10^6 of them returned a verified table (or a deadline passes:
    then the test fails rather than hangs); none may be torn and versions never go back."""
    table = S.SeqlockTable.create(256)
    proc = mp.get_context("spawn").Process(target=traffic.write_patterns, args=(table.name, 1, 120.0))
    try:
        proc.start()
        _wait_for_version(table, 2, proc)
        v0 = table.read()[0]
        total = {"reads": 0, "failed": 0, "torn": 0, "went_back": 0}
        last = v0
        deadline = time.monotonic() + 90.0
        while total["reads"] < 1_000_000:
            assert proc.is_alive() and time.monotonic() < deadline, f"only {total} before the deadline"
            stats = traffic.read_and_check(table, 200_000, since_version=last)
            last = stats.pop("last_version")
            total = {k: total[k] + stats[k] for k in total}
        assert total["torn"] == 0 and total["went_back"] == 0
        assert total["reads"] >= 1_000_000
        assert last > v0 and table.read()[0] > v0  # the writer really was publishing during the reads
    finally:
        proc.kill()
        proc.join(10)
        table.close()


def test_torn_reads_are_detected_in_process():
    """Without the sequence check the copy would be torn: write half a new version by hand."""
    table = S.SeqlockTable.create(64)
    try:
        buf = np.empty(64)
        traffic.publish_pattern(table.hdr, table.slots, buf, 1)
        traffic.publish_pattern(table.hdr, table.slots, buf, 2)
        cur = int(table.hdr[S.SEQLOCK_CURRENT])
        w = S.SEQLOCK_SLOT + S.SEQLOCK_SLOT_STRIDE * cur
        table.hdr[w] += 1  # a writer starts rewriting the current slot (as after two quick publishes)
        table.slots[cur, :32] = 3 * 65536.0 + np.arange(32)
        out = np.empty(64)
        assert S.seqlock_read(table.hdr, table.slots, out, 100) == -1
        with pytest.raises(S.SeqlockTimeout):
            table.read(timeout_s=0.05)
        table.hdr[w] += 1
        v = S.seqlock_read(table.hdr, table.slots, out, 100)
        assert v == 2 and not traffic.check_pattern(out, v)  # the hand-made half table is what the check catches
    finally:
        table.close()


def test_writer_killed_mid_publish_leaves_last_complete_version():
    """The writer publishes versions 1..3, then stops half-way through publishing version 4 (sequence
    odd, half the slot written) and is SIGKILLed there: readers keep version 3, before and after the
    kill, and a new writer resumes."""
    n = 4096
    table = S.SeqlockTable.create(n)
    proc = mp.get_context("spawn").Process(target=traffic.write_then_stall_mid_publish, args=(table.name, 3, 0.5))
    try:
        proc.start()
        end = time.monotonic() + 60.0
        while not any(s % 2 for s in table.slot_sequences()):
            assert proc.is_alive() and time.monotonic() < end, "writer did not reach the stalled publish"
            time.sleep(0.005)
        stalled = table.read(timeout_s=5.0)  # the writer is alive but stuck mid-publish
        proc.kill()
        proc.join(10)
        assert proc.exitcode == -9  # killed, not finished
        seqs = table.slot_sequences()
        cur = int(table.hdr[S.SEQLOCK_CURRENT])
        half = 1 - cur
        assert seqs[half] % 2 == 1 and seqs[cur] % 2 == 0
        # The dead writer really wrote half of version 4 into the other slot, and nothing past it.
        np.testing.assert_array_equal(table.slots[half, : n // 2], 4 * 65536.0 + np.arange(n // 2))
        assert not traffic.check_pattern(table.slots[half], 4)
        for version, values in (stalled, table.read(timeout_s=5.0)):
            assert version == 3 and traffic.check_pattern(values, 3)
        assert table.published() == (3, 3)  # the pattern stamps a version with its number: version 3's stamp
        buf = np.empty(n)
        traffic.publish_pattern(table.hdr, table.slots, buf, 4)  # a new writer resumes
        version, values = table.read()
        assert version == 4 and traffic.check_pattern(values, 4) and not any(s % 2 for s in table.slot_sequences())
    finally:
        if proc.is_alive():
            proc.kill()
            proc.join(10)
        table.close()


def test_surface_round_trip_and_errors():
    rng = np.random.default_rng(3)
    t = np.linspace(0.0, 10.0, 11)
    bid = rng.uniform(0, 1, (11, 7))
    ask = rng.uniform(0, 1, (11, 7))
    bid[:, -1] = np.inf
    sizes = rng.integers(1, 5, (11, 7))
    table = S.SeqlockTable.create(S.surface_size(11, 7))
    try:
        assert table.read()[0] == 0  # nothing published yet
        table.publish(S.pack_surface(bid, ask, t, -3, sizes, sizes), version=1)
        reader = S.SeqlockTable.attach(table.name)
        v, vals = reader.read()
        got = S.unpack_surface(vals, 11, 7)
        assert v == 1 and got["q_min"] == -3
        np.testing.assert_array_equal(got["bid_depth"], bid)
        np.testing.assert_array_equal(got["ask_depth"], ask)
        np.testing.assert_array_equal(got["time_to_horizon_s"], t)
        np.testing.assert_array_equal(got["bid_size_lots"], sizes)
        reader.close()
        with pytest.raises(S.InvalidParameters, match="length"):
            table.publish(np.zeros(3), version=2)
        with pytest.raises(S.InvalidParameters, match="version"):
            table.publish(np.zeros(table.n_values), version=0)
    finally:
        table.close()


def _surface(rng, n_t=9, n_q=6):
    t = np.cumsum(rng.uniform(0.05, 1.0, n_t))  # a non-uniform grid
    bid = rng.uniform(0.0, 2.0, (n_t, n_q))
    ask = rng.uniform(0.0, 2.0, (n_t, n_q))
    bid[:, -1] = np.inf  # no bid at the top inventory
    ask[3, 0] = np.inf
    sizes = rng.integers(1, 9, (n_t, n_q))
    return t, bid, ask, sizes


def test_quote_in_place_equals_surface_lookup():
    """seqlock_quote on the shared slot against engine.surface.surface_lookup on a private table of the
    same surface: equal bit for bit (depths, sizes, clamp flags), nearest and linear, at grid points,
    between them, on ties, outside both grids and at NaN."""
    rng = np.random.default_rng(11)
    t, bid, ask, sizes = _surface(rng)
    q_min = -2
    table = S.SeqlockTable.create_surface(*bid.shape)
    try:
        table.publish(S.pack_surface(bid, ask, t, q_min, sizes, sizes + 1), version=7)
        private = make_surface_table(bid, ask, t, q_min, sizes, sizes + 1)
        times = np.concatenate(
            [t, (t[:-1] + t[1:]) / 2, rng.uniform(t[0] - 1, t[-1] + 1, 200), [t[0] - 5, t[-1] + 5, np.nan]]
        )
        inventories = range(q_min - 3, q_min + bid.shape[1] + 3)
        for linear in (False, True):
            for x in times:
                for q in inventories:
                    got = S.seqlock_quote(table.hdr, table.slots, x, q, linear, 10)
                    want = surface_lookup(private, x, q, linear)
                    assert got[0] == 7
                    assert got[1:] == tuple(want) or (np.isnan(x) and got[3:] == tuple(want)[2:]), (x, q, linear)
        assert table.quote(t[2], q_min + 1) == (7, bid[2, 1], ask[2, 1], sizes[2, 1], sizes[2, 1] + 1, 0)
    finally:
        table.close()


def test_in_place_quotes_under_a_full_speed_writer():
    """A writer process republishes the self-checking surface back to back while this process reads
    2 x 10^5 quotes in place: none torn, versions never go back, the writer really moved on."""
    table = S.SeqlockTable.create_surface(25, 101)  # 79 KiB: the surface the issue measures
    proc = mp.get_context("spawn").Process(target=traffic.write_patterns, args=(table.name, 1, 120.0))
    try:
        proc.start()
        _wait_for_version(table, 2, proc)
        v0 = table.published()[0]
        total = {"reads": 0, "failed": 0, "torn": 0, "went_back": 0}
        last, deadline = v0, time.monotonic() + 60.0
        while total["reads"] < 200_000:
            assert proc.is_alive() and time.monotonic() < deadline, f"only {total} before the deadline"
            stats = traffic.quote_and_check(table, 50_000, since_version=last)
            last = stats.pop("last_version")
            total = {k: total[k] + stats[k] for k in total}
        assert total["torn"] == 0 and total["went_back"] == 0 and last > v0
    finally:
        proc.kill()
        proc.join(10)
        table.close()


def test_stamp_age_writer_and_retirement():
    table = S.SeqlockTable.create_surface(3, 2)
    try:
        assert table.published() == (0, 0) and table.age_s() == float("inf")
        with pytest.raises(S.InvalidParameters, match="nothing has been published"):
            table.quote(0.0, 0)
        before = time.time_ns()
        table.publish(S.pack_surface(np.ones((3, 2)), np.ones((3, 2)), [0.0, 1.0, 2.0], 0), version=1)
        version, stamp = table.published()
        assert version == 1 and before <= stamp <= time.time_ns() and 0 <= table.age_s() < 60
        table.publish(S.pack_surface(np.ones((3, 2)), np.ones((3, 2)), [0.0, 1.0, 2.0], 0), version=2, stamp_ns=5)
        assert table.published() == (2, 5)
        reader = S.SeqlockTable.attach(table.name)
        assert reader.writer_pid == os.getpid() and reader.surface_shape == (3, 2) and not reader.retired
        table.retire()
        assert reader.retired and reader.quote(1.0, 0)[0] == 2  # the last version stays readable
        reader.close()
        with pytest.raises(S.InvalidParameters, match="time_to_horizon_s"):
            table.quote(float("nan"), 0)
    finally:
        table.close()
    plain = S.SeqlockTable.create(8)
    try:
        assert plain.surface_shape is None
        with pytest.raises(S.InvalidParameters, match="not a surface table"):
            plain.quote(0.0, 0)
    finally:
        plain.close()
