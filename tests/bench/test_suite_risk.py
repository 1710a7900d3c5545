"""bench/suite_risk.py on tiny sizes: every piece returns well-formed rows, quantforge and the numpy peer
agree on the Monte Carlo VaR within its standard errors, Ledoit-Wolf and EWMA equal their peers, the
nearest-correlation peer is clocked to quantforge's accuracy, and the GPU row says "not run" without a
GPU.  Timings are never asserted."""

from __future__ import annotations

import pytest

from quantforge.bench import suite_risk as S
from quantforge.bench.harness import check_rows
from quantforge.kernels.backend import available_backends

pytestmark = pytest.mark.slow  # benchmark suites on tiny sizes: still run by make test and CI


def test_monte_carlo_rows_agree_within_their_standard_errors():
    rows = check_rows(S.mc_rows(20_000, 1))
    ours, peer = rows
    assert (ours["impl"], peer["impl"]) == ("quantforge-numba", "numpy")
    for j in range(len(S.CONFIDENCE)):  # different random numbers: within 4 standard errors of each other
        assert abs(ours["var"][j] - peer["var"][j]) < 4 * 2**0.5 * ours["var_se"][j]
    assert ours["peak_mib"] < peer["peak_mib"]


def test_gpu_row_says_not_run_without_a_gpu():
    if "cupy" in available_backends():
        pytest.skip("a GPU answers here")
    (row,) = check_rows(S.gpu_rows())
    assert row["median"] is None and row["note"].startswith("not run: no GPU")


def test_covariance_rows_match_their_peers():
    pytest.importorskip("sklearn")
    pytest.importorskip("pandas")
    lw = check_rows(S.ledoit_wolf_rows(30, 200, 1))
    assert lw[0]["max_abs_diff_vs_sklearn"] < 1e-12 and lw[0]["shrinkage"] == pytest.approx(lw[1]["shrinkage"])
    ewma = check_rows(S.ewma_rows(8, 200, 1))
    assert [r["impl"] for r in ewma] == ["quantforge-numba", "quantforge-numpy", "pandas"]
    assert ewma[-1]["max_abs_diff"] < 1e-15
    near = check_rows(S.nearest_rows(40, 1))
    assert near[1]["impl"] == "statsmodels" and near[1]["iterations"] > 1
