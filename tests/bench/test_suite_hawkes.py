"""bench/suite_hawkes.py on tiny sizes, without tick: well-formed rows, the tick rows "not run" with the
reason, our fits accurate and their goodness of fit reported, coverage rows with per-parameter shares,
the GPU row "not run" without a GPU.  Timings are never asserted."""

from __future__ import annotations

import pytest

from quantforge.bench import suite_hawkes as S
from quantforge.bench.harness import check_rows
from quantforge.kernels.backend import available_backends, cuda_simulated

pytestmark = pytest.mark.slow  # benchmark suites on tiny sizes: still run by make test and CI

WHY = "tick environment absent (test)"


def test_simulation_and_fit_rows_without_tick(tmp_path):
    rows = S.simulation_rows(4000, 1, None, WHY, tmp_path) + S.fit_rows(6000, 1, None, WHY, tmp_path)
    check_rows(rows)
    by = {(r["benchmark"].split(",")[0], r["impl"]): r for r in rows}
    sim = [r for r in rows if r["unit"] == "events/s"]
    assert {r["impl"] for r in sim} == {"quantforge-numba-1path", "quantforge-numba", "tick-1path", "tick"}
    assert all(r["median"] is None and WHY in r["note"] for r in sim if r["impl"].startswith("tick"))
    assert all(r["events"] > 3000 for r in sim if r["median"] is not None)
    joint = by[("2-D exponential Hawkes likelihood fit", "quantforge-numba")]
    given = by[("2-D exponential Hawkes likelihood fit", "quantforge-numba-decay-given")]
    assert joint["param_error"] < 0.5 and given["param_error"] < 0.5  # ~6000 events: errors of a few tens of %
    assert abs(joint["decay"] - 2.0) < 1.0 and given["decay"] == 2.0
    assert len(joint["ks_pvalues"]) == 2
    assert by[("2-D exponential Hawkes likelihood fit", "tick")]["median"] is None


def test_batch_recovery_and_gpu_rows():
    rows = S.batch_rows(16, 4, None, WHY) + S.recovery_rows(6, horizon=300.0) + S.gpu_rows(1000, 1)
    check_rows(rows)
    batch, tick, recovery, gpu = rows
    assert batch["unit"] == "fits/s" and batch["converged"] == 16 and tick["median"] is None
    assert recovery["unit"] == "% covered" and set(recovery["coverage"]) == {"mu", "alpha", "beta"}
    assert 0.0 < recovery["median"] <= 100.0
    if "cupy" not in available_backends() or cuda_simulated():
        assert gpu["median"] is None and gpu["note"].startswith("not run: no GPU")
