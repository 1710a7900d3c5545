"""bench/suite_execution.py on tiny sizes: the rows are well formed, quantforge and the numpy peers compute
the same frontier and the same cost distribution (within Monte Carlo errors), the executor rows keep
every lot accounted for, and the suite is registered.  Timings are never asserted."""

from __future__ import annotations

import math

import numpy as np
import pytest

from quantforge.bench import SUITE_DESCRIPTIONS, SUITES
from quantforge.bench import suite_execution as E
from quantforge.bench.harness import check_rows, write_suite
from quantforge.kernels.execution import liquidation_frontier, liquidation_parameters

pytestmark = pytest.mark.slow  # benchmark suites on tiny sizes: still run by make test and CI


def test_registered():
    assert SUITES["execution"] == "quantforge.bench.suite_execution" and SUITE_DESCRIPTIONS["execution"]


def test_the_numpy_frontier_is_the_kernels():
    lams = np.logspace(-10, -5, 50)
    x, sigma = 1e6, 0.95 / math.sqrt(60.0)
    e, v = E.frontier_numpy(lams, x, 390.0, 390, sigma, 2.5e-7, 2.5e-6, 0.0625)
    f = liquidation_frontier(
        lams, liquidation_parameters(x, 390.0, 390, sigma, 2.5e-7, 2.5e-6, 0.0625), 390, backend="numpy"
    )
    np.testing.assert_allclose(e, f.expected_cost, rtol=1e-11)
    np.testing.assert_allclose(v, f.variance, rtol=1e-10)


def test_frontier_rows():
    rows = E.frontier_rows(64, repeat=1)
    check_rows(rows)
    assert {"quantforge-numba", "quantforge-numba-1thread", "numpy"} <= {r["impl"] for r in rows}
    assert all(r["unit"] == "points/s" and r["max_rel_diff_vs_numpy"] < 1e-9 for r in rows)
    assert "goal >= 5x" in rows[0]["note"]


def test_mc_rows_agree_on_the_costs():
    rows = E.mc_rows(600, repeat=1)
    check_rows(rows)
    numpy_row = next(r for r in rows if r["impl"] == "numpy")
    for r in rows:
        assert r["strategies"] == ["twap", "vwap", "ac-u1", "ac-u3", "ac-u6"]
        for a, b, sa, sb in zip(r["mean_cost"], numpy_row["mean_cost"], r["stderr"], numpy_row["stderr"]):
            assert abs(a - b) < 4 * math.hypot(sa, sb)
        for m, s, e in zip(r["mean_cost"], r["stderr"], r["expected_cost"]):
            assert abs(m - e) < 4 * s  # the price is a martingale: the impact model's E
    by = {r["impl"]: r for r in rows}
    assert by["quantforge-numba"]["mean_cost"] == by["quantforge-numba-1thread"]["mean_cost"]  # the same paths


def test_executor_rows(tmp_path):
    rows = E.executor_rows(20_000, repeat=1)
    check_rows(rows)
    by = {r["impl"]: r for r in rows}
    assert set(by) == {
        "quantforge-numba-no-order",
        "quantforge-numba-twap",
        "quantforge-numba-adaptive",
        "engine-book_apply_events",
    }
    assert by["quantforge-numba-no-order"]["children"] == 0
    for impl in ("quantforge-numba-twap", "quantforge-numba-adaptive"):
        assert by[impl]["accounting_breaks"] == 0 and by[impl]["filled"] > 0 and "goal < 25%" in by[impl]["note"]
    payload = write_suite("execution", rows, tmp_path)
    assert (tmp_path / "execution.md").read_text().count("| execution loop") == 4
    assert all(isinstance(r["ratio_vs"], dict) for r in payload["results"])
