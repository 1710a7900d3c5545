"""bench/suite_dist.py: its rows on a small in-process LocalCluster keep the result contract and
report the distributed answers bit for bit equal to the local ones."""

from __future__ import annotations

import pytest

from quantforge.bench import suite_dist as D
from quantforge.bench.harness import check_rows

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow


def test_rows_on_a_small_cluster():
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        rows = D.price_rows(client, 2, 20_000, 5_000) + D.surface_rows(client, 2, 4)
        overhead = D.task_overhead_ms(client, 20)
    check_rows(rows)
    assert [r.get("bit_identical") for r in rows] == [None, True, None, True] and rows[1]["tasks"] == 4
    assert overhead > 0
