"""kernels/hawkes/core.py: the plain-Python scalar loops (uncompiled) against the array reference."""

import numpy as np
import pytest

from quantforge.kernels.hawkes import (
    ExponentialKernel,
    FitLayout,
    HawkesProcess,
    PowerLawKernel,
    SumExponentialKernel,
    core,
)
from quantforge.kernels.hawkes import reference as ref
from quantforge.kernels.hawkes.api import _groups, group_events
from quantforge.kernels.rng import Philox

PROCS = {
    "exp-2d-pair": HawkesProcess([0.6, 0.3], ExponentialKernel([[0.3, 0.2], [0.25, 0.1]], [[2.0, 1.0], [1.0, 3.0]])),
    "sumexp-3d": HawkesProcess([0.3, 0.2, 0.4], SumExponentialKernel(np.full((3, 3, 2), 0.07), [0.5, 4.0])),
}


@pytest.mark.parametrize("name", sorted(PROCS))
def test_exact_path_equals_the_reference(name):
    proc = PROCS[name]
    decays, gidx, jump = _groups(proc)
    k0, k1 = (np.uint64(w) for w in Philox(8, 1).key)
    want_t, want_m, want_n, want_s = ref.simulate_dz(
        np,
        np.array([2, 9], dtype=np.uint64),
        25.0,
        proc.baseline,
        float(proc.baseline.sum()),
        decays,
        gidx,
        jump,
        k0,
        k1,
        1,
        300,
    )
    for r, p in enumerate((2, 9)):
        times, marks = np.zeros(300), np.zeros(300, dtype=np.int64)
        state = np.zeros(decays.size * proc.dim)
        n, st = core.dz_path(
            p, 25.0, proc.baseline, float(proc.baseline.sum()), decays, gidx, jump, k0, k1, 1, state, times, marks
        )
        assert (n, st) == (want_n[r], want_s[r]) and n > 5
        np.testing.assert_array_equal(times[:n], want_t[r, :n])
        np.testing.assert_array_equal(marks[:n], want_m[r, :n])


def test_thinning_path_equals_the_reference():
    proc = HawkesProcess([0.5, 0.4], PowerLawKernel([[0.3, 0.1], [0.2, 0.3]], 1.7, 0.4))
    code, alpha, s1, s2 = proc.kernel.components()
    k0, k1 = (np.uint64(w) for w in Philox(3).key)
    want = ref.simulate_ogata(
        np, np.array([4], dtype=np.uint64), 15.0, int(code), proc.baseline, alpha, s1, s2, k0, k1, 0, 200
    )
    times, marks = np.zeros(200), np.zeros(200, dtype=np.int64)
    n, st = core.ogata_path(4, 15.0, int(code), proc.baseline, alpha, s1, s2, k0, k1, 0, np.zeros(2), times, marks)
    assert (n, st) == (want[2][0], want[3][0]) and n > 5
    np.testing.assert_array_equal(times[:n], want[0][0, :n])
    np.testing.assert_array_equal(marks[:n], want[1][0, :n])


def test_intensity_recursion_equals_the_direct_sums():
    proc = PROCS["sumexp-3d"]
    rng = np.random.default_rng(1)
    t = np.sort(rng.uniform(0, 10, 40))
    m = rng.integers(0, 3, 40)
    q = np.sort(np.concatenate([rng.uniform(0, 12, 25), t[::5]]))
    code, alpha, s1, s2 = proc.kernel.components()
    want_lam, want_comp = ref.intensity(np, q, t, m, code, proc.baseline, alpha, s1, s2)
    grouped, offsets = group_events(t, m, 3)
    for i in range(3):
        lam, comp = np.empty(q.size), np.empty(q.size)
        core.intensity_target(i, q, grouped, offsets, proc.baseline, alpha, s1, lam, comp)
        np.testing.assert_allclose(lam, want_lam[:, i], rtol=1e-13)
        np.testing.assert_allclose(comp, want_comp[:, i], rtol=1e-13)


def test_loglik_recursion_with_derivatives_equals_the_direct_sums():
    proc = PROCS["exp-2d-pair"]
    rng = np.random.default_rng(2)
    t = np.sort(rng.uniform(0, 8, 30))
    t[5] = t[4]  # a tie between dimensions: neither excites the other (strict t_n < t)
    m = rng.integers(0, 2, 30)
    code, alpha, s1, s2 = proc.kernel.components()
    value, grad, hess = ref.log_likelihood(np, t, m, 9.0, code, proc.baseline, alpha, s1, s2, order=2)
    grouped, offsets = group_events(t, m, 2)
    total = 0.0
    for i in range(2):
        g, h = np.zeros(5), np.zeros((5, 5))
        total += core.loglik_target(i, 9.0, grouped, offsets, proc.baseline[i], alpha, s1, 2, g, h)
        np.testing.assert_allclose(g, grad[i], rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(h, hess[i], rtol=1e-11, atol=1e-12)
    assert np.isclose(total, value, rtol=1e-13)


def test_a_zero_intensity_event_gives_minus_infinity():
    grouped, offsets = group_events(np.array([1.0]), np.array([0]), 1)
    value = core.loglik_target(
        0, 2.0, grouped, offsets, 0.0, np.zeros((1, 1, 1)), np.ones((1, 1, 1)), 0, np.zeros(3), np.zeros((3, 3))
    )
    assert value == -np.inf


def test_global_index_ties_shared_decays():
    lay = FitLayout.make(2, 2, "shared")
    # x = [mu0, mu1, alpha (8), beta_0, beta_1]; target 1's local beta of (j=0, k=1) is free decay 1
    assert core.global_index_scalar(1, 0, 2, 2, lay.tie) == 1
    assert core.global_index_scalar(1, 1 + 1, 2, 2, lay.tie) == 2 + 4 + 1
    assert core.global_index_scalar(1, 1 + 4 + 1, 2, 2, lay.tie) == 2 + 8 + 1
    fixed = FitLayout.make(2, 2, decays=[1.0, 2.0])
    assert core.global_index_scalar(0, 1 + 4, 2, 2, fixed.tie) == -1


def test_one_pass_recursions_equal_the_direct_sums():
    """intensity_merged and loglik_merged (decays shared by the targets), ties included, in plain Python."""
    proc = PROCS["sumexp-3d"]
    rng = np.random.default_rng(5)
    t = np.round(np.sort(rng.uniform(0, 10, 40)), 1)
    m = rng.integers(0, 3, 40)
    code, alpha, s1, s2 = proc.kernel.components()
    q = np.sort(np.concatenate([rng.uniform(0, 12, 20), t[::4]]))
    lam, comp = np.empty((q.size, 3)), np.empty((q.size, 3))
    core.intensity_merged(q, t, m, proc.baseline, alpha, s1, lam, comp)
    want = ref.intensity(np, q, t, m, code, proc.baseline, alpha, s1, s2)
    np.testing.assert_allclose(lam, want[0], rtol=1e-13)
    np.testing.assert_allclose(comp, want[1], rtol=1e-13)
    values, grad, hess = np.zeros(3), np.zeros((3, 13)), np.zeros((3, 13, 13))
    assert core.loglik_merged(10.0, t, m, proc.baseline, alpha, s1, 2, values, grad, hess)
    v, g, h = ref.log_likelihood(np, t, m, 10.0, code, proc.baseline, alpha, s1, s2, order=2)
    assert np.isclose(values.sum(), v, rtol=1e-13)
    np.testing.assert_allclose(grad, g, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(hess, h, rtol=1e-11, atol=1e-12)
