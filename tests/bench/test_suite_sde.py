"""bench/suite_sde.py on tiny sizes: every piece returns well-formed rows, the implementations agree on
the price they estimate within their Monte Carlo errors (and with Black–Scholes and QuantLib's Merton
price), the GPU rows say "not run" without a GPU and carry no number, and the fBM rows have the right
variance.  Timings are never asserted."""

from __future__ import annotations

import itertools
import json
import math

import pytest
from scipy import stats

from quantforge.bench import suite_sde as S
from quantforge.bench.harness import check_rows, write_suite
from quantforge.kernels.backend import available_backends

pytestmark = pytest.mark.slow  # benchmark suites on tiny sizes: still run by make test and CI


def _black_scholes_call():
    d1 = (math.log(S.S0 / S.K) + (S.R + 0.5 * S.SIGMA**2) * S.T) / (S.SIGMA * math.sqrt(S.T))
    return S.S0 * stats.norm.cdf(d1) - S.K * math.exp(-S.R * S.T) * stats.norm.cdf(d1 - S.SIGMA * math.sqrt(S.T))


def test_gbm_rows_agree_on_the_price():
    rows = S.gbm_rows(4096, repeat=1)
    check_rows(rows)
    by = {r["impl"]: r for r in rows}
    want = {"quantforge-numba", "quantforge-numba-1thread", "numpy", "numpy-sum-of-logs"}
    if "jax" in available_backends():
        want |= {"quantforge-jax", "jax"}
    assert want <= set(by)
    assert all(r["median"] > 0 and r["unit"] == "path-steps/s" for r in rows)
    # the same paths whatever the thread count or backend
    assert by["quantforge-numba-1thread"]["price"] == by["quantforge-numba"]["price"]
    if "quantforge-jax" in by:
        assert by["quantforge-jax"]["price"] == pytest.approx(by["quantforge-numba"]["price"], rel=1e-12)
    # 252 Euler steps: the discretisation bias of the call (order dt) is far below one standard error here
    bs = _black_scholes_call()
    for r in rows:
        assert abs(r["price"] - bs) < 3 * r["stderr"], (r["impl"], r["price"], r["stderr"], bs)
    for a, b in itertools.combinations(rows, 2):
        assert abs(a["price"] - b["price"]) < 4 * math.hypot(a["stderr"], b["stderr"]), (a["impl"], b["impl"])


def test_merton_row_matches_quantlib():
    rows = S.merton_rows(4096, repeat=1, gbm_seconds=1.0)
    check_rows(rows)
    (row,) = rows
    assert abs(row["price"] - 12.76128858) < 3 * row["stderr"]  # REFERENCES.md: QuantLib, Bates with frozen variance
    assert row["cost_over_gbm"] == pytest.approx(row["seconds"])


def test_gpu_rows():
    rows = S.gpu_rows(4096, repeat=1)
    check_rows(rows)
    assert {r["impl"] for r in rows} == {"quantforge-cupy", "quantforge-cupy-philox-only"}
    assert {r["benchmark"].split(", ")[-2] for r in rows} == {"float32", "float64"}
    if "cupy" not in available_backends():
        assert all(r["median"] is None and r["note"].startswith("not run: no GPU") for r in rows)
        return
    bs = _black_scholes_call()
    for r in rows:
        assert r["median"] > 0
        if r["impl"] == "quantforge-cupy":
            assert abs(r["price"] - bs) < 3 * r["stderr"] and 0 < r["ceiling_share"]


def test_fbm_rows_have_unit_terminal_variance():
    n_paths = 400
    rows = S.fbm_rows(n_paths, 128, repeat=1, fbm_repeat=1)
    check_rows(rows)
    assert "quantforge-numba" in {r["impl"] for r in rows}
    for r in rows:  # Var B_1 = 1: within 3 standard errors of a sample variance of normals
        assert abs(r["terminal_variance"] - 1.0) < 3 * math.sqrt(2 / n_paths), r


def test_report_of_rows_without_numbers(tmp_path):
    rows = S.gpu_rows(1024, repeat=1) + S.merton_rows(1024, repeat=1, gbm_seconds=1.0)
    payload = write_suite("sde", rows, tmp_path)
    text = (tmp_path / "sde.md").read_text()
    assert text.count("| quantforge-cupy") == 4 and "Merton" in text
    if "cupy" not in available_backends():
        assert "not run: no GPU" in text and "| not run |" in text
        assert all(r["ratio_vs"] == {} for r in payload["results"] if r["median"] is None)

        def refuse(constant):
            raise AssertionError(f"sde.json holds {constant}, which is not JSON")

        json.loads((tmp_path / "sde.json").read_text(), parse_constant=refuse)
