"""bench/seqlock_traffic.py: the self-checking patterns catch a changed value, the paced writer stops
by itself, and quote_and_check counts what it reads."""

from __future__ import annotations

import numpy as np
import pytest

from quantforge.bench import seqlock_traffic as traffic
from quantforge.engine import seqlock as S
from quantforge.errors import InvalidParameters


def test_patterns_catch_one_changed_value():
    table = S.SeqlockTable.create(32)
    try:
        buf = np.empty(32)
        traffic.publish_pattern(table.hdr, table.slots, buf, 3)
        version, values = table.read()
        assert version == 3 and traffic.check_pattern(values, 3) and not traffic.check_pattern(values, 4)
        values[7] += 1.0
        assert not traffic.check_pattern(values, 3)
        with pytest.raises(InvalidParameters, match="not a surface table"):
            traffic.quote_and_check(table, 10)
    finally:
        table.close()


def test_surface_pattern_quotes_are_checked():
    n_t, n_q = 5, 4
    table = S.SeqlockTable.create_surface(n_t, n_q)
    try:
        buf = np.empty(table.n_values)
        traffic.publish_surface_pattern(table.hdr, table.slots, buf, n_t, n_q, 9)
        assert table.quote(2.0, 3) == (9, 9 * 65536.0 + 2 * n_q + 3, 9 * 65536.0 + 2 * n_q + 3.5, 9, 10, 0)
        hist = np.zeros(traffic.LATENCY_BUCKETS, np.int64)
        stats = traffic.quote_and_check(table, 1000, hist)
        assert stats == {"reads": 1000, "failed": 0, "torn": 0, "went_back": 0, "last_version": 9}
        assert hist.sum() == 1000
        cur = int(table.hdr[S.SEQLOCK_CURRENT])
        table.slots[cur, n_t + 1 :] += 65536.0  # every depth from "another version": each read is torn
        assert traffic.quote_and_check(table, 100)["torn"] == 100
    finally:
        table.close()


def test_paced_writer_publishes_and_stops():
    table = S.SeqlockTable.create_surface(3, 3)
    try:
        traffic.write_patterns(table.name, 1, duration_s=0.05, interval_s=0.01)
        version, _ = table.published()
        assert 1 <= version <= 50  # paced, not back to back (64 per loop turn)
        assert table.quote(1.0, 1)[3] == version
    finally:
        table.close()
