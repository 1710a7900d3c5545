"""bench/suite_hjb.py on tiny sizes: the rows are well formed, the scipy peers and quantforge compute
the same surfaces (the one-step gaps of ln v that the quotes are made of), the per-time row says how
it was scaled, and the child process runs with one OpenBLAS thread.  Timings are never asserted."""

from __future__ import annotations

import json

import numpy as np
import pytest

from quantforge.bench import SUITES
from quantforge.bench import suite_hjb as H
from quantforge.bench.harness import check_rows, write_suite
from quantforge.errors import PerformanceError
from quantforge.kernels.hjb import solve_linear_hjb

TINY = dict(n_sets=3, n_t=30, q_max=8, per_time_sets=2, repeat=1)


def _check_rows(rows):
    check_rows(rows)
    assert all(r["unit"] == "s" and r["median"] is not None for r in rows)


def test_registered():
    assert SUITES["hjb"] == "quantforge.bench.suite_hjb"


def test_peers_compute_the_same_surfaces_as_quantforge():
    diag, eta = H.glft_batch(3, q_max=8)
    taus = np.linspace(0.0, 1.0, 30)
    ours = solve_linear_hjb(diag, eta, eta, np.zeros_like(diag), taus, backend="numba")
    per_time = np.log(H.scipy_per_time(diag, eta, taus))
    stepped = np.log(H.scipy_stepping(diag, eta, taus, keep=3))
    for peer in (per_time, stepped):
        inner, whole = H.quote_gap(peer, ours, mid=4)
        assert inner < 1e-9 and whole < 1e-6, (inner, whole)
    np.testing.assert_allclose(per_time, ours, rtol=0, atol=1e-9)


def test_glft_rows_are_well_formed_and_report_agreement():
    rows = H.glft_rows(**TINY)
    _check_rows(rows)
    assert [r["impl"] for r in rows] == [
        "quantforge-numba",
        "quantforge-numpy",
        "scipy-expm-per-time",
        "scipy-expm-stepping",
    ]
    assert len({r["benchmark"] for r in rows}) == 1
    agreement = rows[0]["agreement"]
    assert set(agreement) == {"per-time", "stepping"}
    assert all(a["inner"] < 1e-9 for a in agreement.values()), agreement
    assert (
        "measured on 2 of the 3 sets, every one of the 30 time points" in rows[2]["note"]
        and "scaled x1.5" in rows[2]["note"]
    )


def test_child_process_uses_one_blas_thread_and_the_payload_is_written(tmp_path):
    rows = H._glft_rows_single_threaded_blas(**TINY)
    _check_rows(rows)
    assert all("OPENBLAS_NUM_THREADS=1" in r["note"] for r in rows if r["impl"].startswith("quantforge"))
    grid = H.grid_rows(quick=True)
    _check_rows(grid)
    assert [r["benchmark"].split(",")[0] for r in grid] == ["grid HJB 2-D", "grid HJB 3-D"]
    payload = write_suite("hjb", rows + grid, tmp_path)
    assert json.loads((tmp_path / "hjb.json").read_text())["results"][0]["impl"] == "quantforge-numba"
    assert payload["results"][0]["ratio_vs"]["scipy-expm-stepping"] > 0


def test_a_failing_child_process_is_a_performance_error_with_its_traceback():
    with pytest.raises(PerformanceError, match="IndexError"):  # one time point: the stepping peer has no dt
        H._glft_rows_single_threaded_blas(**(TINY | {"n_t": 1}))
