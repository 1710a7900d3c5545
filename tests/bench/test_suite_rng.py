"""bench/suite_rng.py in its quick form: well-formed rows for every backend here and for the peers,
and the rows of quantforge's backends measure the same stream (their draws agree).  Timings are
never asserted."""

from __future__ import annotations

import numpy as np
import pytest

from quantforge.bench import suite_rng as S
from quantforge.bench.harness import check_rows
from quantforge.kernels.backend import available_backends
from quantforge.kernels.rng import Philox

pytestmark = pytest.mark.slow  # benchmark suites on tiny sizes: still run by make test and CI


def test_quick_rows_cover_every_backend_and_the_peers():
    rows = S.run(quick=True)
    check_rows(rows)
    impls = {r["impl"] for r in rows}
    want = {"numpy", "numpy-philox4x64"} | {f"quantforge-{b}" for b in available_backends() if b != "numpy"}
    if "numba" in available_backends():
        want.add("quantforge-numba-1thread")
    if "jax" in available_backends():
        want.add("jax-threefry")
    assert want <= impls, want - impls
    assert all(r["unit"] == "normals/s" and r["median"] > 0 for r in rows)


def test_the_backends_timed_draw_the_same_normals():
    gen = Philox(seed=20241125, stream=0)
    ref = gen.normals(S._PATHS, 8, backend="numpy")
    for b in available_backends():
        np.testing.assert_allclose(gen.normals(S._PATHS, 8, backend=b), ref, rtol=1e-13, atol=1e-13)
