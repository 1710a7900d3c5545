"""bench/suite_serve.py: its rows on small sizes keep the result contract, count no torn read and
carry the figures their notes state (the timings themselves are not asserted)."""

from __future__ import annotations

import pytest

from quantforge.bench import suite_serve as S
from quantforge.bench.harness import check_rows

pytest.importorskip("starlette")
pytest.importorskip("pyarrow")
pytestmark = pytest.mark.slow


def test_inplace_and_snapshot_rows():
    rows = S.inplace_rows(20_000, writer_hz=1000.0) + S.snapshot_rows(3)
    check_rows(rows)
    ours, peer = rows[0], rows[1]
    assert ours["torn"] == 0 and ours["failed"] == 0 and ours["went_back"] == 0 and ours["reads"] == 20_000
    assert ours["p99_ns"] >= ours["median"] and peer["impl"] == "seqlock-copy-then-lookup"
    assert [r["unit"] for r in rows[2:]] == ["us", "us"]


def test_http_rows_from_a_real_server():
    rows = S.http_rows(0.5, 300, connections=2)
    check_rows(rows)
    assert [r["impl"] for r in rows] == ["quantforge-numba", "quantforge-arrow", "json"]
    assert all(r["unit"] == "req/s" and r["p99_ms"] >= r["p50_ms"] for r in rows) and rows[0]["goal"] == 5000.0
