"""kernels/execution/reference.py: the reference runs unchanged under array_api_strict and gives the
numbers it gives on numpy; chunking the paths does not change the functionals."""

from __future__ import annotations

import array_api_strict as xps
import numpy as np

from quantforge.kernels.execution import liquidation_parameters
from quantforge.kernels.execution.reference import frontier, path_functionals
from quantforge.kernels.sde import Merton

LAMS = np.array([0.0, 1e-12, 1e-8, 1e-6, 1e-3, 1e3])


def test_frontier_runs_under_array_api_strict():
    for drift in (0.0, 0.02):
        prm = liquidation_parameters(2e5, 3.0, 9, 0.5, 1e-7, 3e-5, 0.02, drift)
        want = frontier(LAMS, prm, 9, xp=np)
        got = frontier(xps.asarray(LAMS), xps.asarray(prm), 9, xp=xps)
        for g, w in zip(got, want):
            np.testing.assert_allclose(np.asarray(g), w, rtol=1e-14, atol=1e-9)


def test_path_functionals_run_under_array_api_strict_in_any_chunking():
    model = Merton(mu=0.01, sigma=0.3, lam=5.0, jump_mean=-0.02, jump_vol=0.05)
    w = np.random.default_rng(2).normal(size=(3, 12))
    want = path_functionals(model, 40.0, 0.5, 12, w, 30, "exact", 5, 2, 0, backend="numpy", xp=np, chunk=30)
    got = path_functionals(model, 40.0, 0.5, 12, xps.asarray(w), 30, "exact", 5, 2, 0, backend="numpy", xp=xps, chunk=7)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-14, atol=0)
