"""engine/seqlock.py: a writer process publishing self-checking tables at full speed while this
process verifies >= 10^6 reads (no torn read is ever returned, versions never go back); a writer
killed mid-publish leaves readers on the last complete version; surfaces round-trip exactly."""

from __future__ import annotations

import multiprocessing as mp
import time

import numpy as np
import pytest

from quantforge.engine import seqlock as S


def _wait_for_version(table, v, proc, timeout_s=60.0):
    end = time.monotonic() + timeout_s
    while table.hdr[S._SLOT[0] + 1] < v and table.hdr[S._SLOT[1] + 1] < v:
        assert proc.is_alive() and time.monotonic() < end, "writer did not start"
        time.sleep(0.005)


def test_million_reads_under_a_full_speed_writer():
    table = S.SeqlockTable.create(256)
    proc = mp.get_context("spawn").Process(target=S.write_patterns, args=(table.name, 1, 60.0))
    try:
        proc.start()
        _wait_for_version(table, 2, proc)
        v0 = table.read()[0]
        stats = S.read_and_check(table, 1_000_000)
        v1 = table.read()[0]
        assert stats["torn"] == 0 and stats["went_back"] == 0
        assert stats["reads"] + stats["failed"] == 1_000_000 and stats["reads"] >= 990_000
        assert v1 > v0  # the writer really was publishing during the reads
    finally:
        proc.kill()
        proc.join(10)
        table.close()


def test_torn_reads_are_detected_in_process():
    """Without the sequence check the copy would be torn: write half a new version by hand."""
    table = S.SeqlockTable.create(64)
    try:
        buf = np.empty(64)
        S.publish_pattern(table.hdr, table.slots, buf, 1)
        S.publish_pattern(table.hdr, table.slots, buf, 2)
        cur = int(table.hdr[S._CUR])
        w = S._SLOT[cur]
        table.hdr[w] += 1  # a writer starts rewriting the current slot (as after two quick publishes)
        table.slots[cur, :32] = 3 * 65536.0 + np.arange(32)
        out = np.empty(64)
        assert S.seqlock_read(table.hdr, table.slots, out, 100) == -1
        with pytest.raises(S.SeqlockTimeout):
            table.read(timeout_s=0.05)
        table.hdr[w] += 1
        v = S.seqlock_read(table.hdr, table.slots, out, 100)
        assert v == 2 and not S.check_pattern(out, v)  # the hand-made half table is what the check catches
    finally:
        table.close()


def test_writer_killed_mid_publish_leaves_last_complete_version():
    table = S.SeqlockTable.create(1 << 20)  # 8 MB: a publish takes milliseconds, so a kill lands inside one
    try:
        ctx = mp.get_context("spawn")
        for _attempt in range(20):  # about half of the writer's time is spent inside a publish
            proc = ctx.Process(target=S.write_patterns, args=(table.name, 1, 60.0))
            proc.start()
            _wait_for_version(table, 3, proc)
            proc.kill()
            proc.join(10)
            if any(s % 2 for s in table.slot_sequences()):
                break
        seqs = table.slot_sequences()
        assert any(s % 2 for s in seqs), "the writer was never caught mid-publish"
        t0 = time.monotonic()
        version, values = table.read(timeout_s=5.0)
        assert time.monotonic() - t0 < 5.0
        cur = int(table.hdr[S._CUR])
        assert seqs[cur] % 2 == 0 and version == table.hdr[S._SLOT[cur] + 1] >= 2
        assert S.check_pattern(values, version)
        buf = np.empty(table.n_values)
        S.publish_pattern(table.hdr, table.slots, buf, version + 1)  # a new writer resumes
        assert table.read()[0] == version + 1 and not any(s % 2 for s in table.slot_sequences())
    finally:
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
