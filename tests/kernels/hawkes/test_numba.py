"""kernels/hawkes/numba.py: the compiled paths against the reference (same draws, same sums), the
recursions against the direct sums, and the batched Newton fit against scipy's L-BFGS-B."""

import numba
import numpy as np
import pytest
from scipy import optimize

from quantforge.kernels.hawkes import (
    ExponentialKernel,
    FitLayout,
    FitStatus,
    HawkesProcess,
    PowerLawKernel,
    SumExponentialKernel,
    event_set,
    log_likelihood_derivatives,
    simulate,
)
from quantforge.kernels.hawkes import numba as hn
from quantforge.kernels.hawkes import reference as ref
from quantforge.kernels.hawkes.api import _groups
from quantforge.kernels.rng import Philox

PROCS = {
    "exp-1d": HawkesProcess([1.0], ExponentialKernel([[0.5]], 2.0)),
    "exp-2d-pair": HawkesProcess([0.6, 0.3], ExponentialKernel([[0.3, 0.2], [0.25, 0.1]], [[2.0, 1.0], [1.0, 3.0]])),
    "sumexp-3d": HawkesProcess([0.3, 0.2, 0.4], SumExponentialKernel(np.full((3, 3, 2), 0.07), [0.5, 4.0])),
}


@pytest.mark.parametrize("name", sorted(PROCS))
def test_exact_paths_equal_the_reference(name):
    proc = PROCS[name]
    decays, gidx, jump = _groups(proc)
    k0, k1 = Philox(21, 4).key
    ids = np.arange(5, 12, dtype=np.uint64)
    args = (ids, 40.0, proc.baseline, float(proc.baseline.sum()), decays, gidx, jump, k0, k1, 4, 400)
    want = ref.simulate_dz(np, *args)
    got = hn.simulate_dz(*args)
    np.testing.assert_array_equal(got[2], want[2])
    np.testing.assert_array_equal(got[3], want[3])
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_allclose(got[0], want[0], rtol=1e-13)


def test_thinning_paths_equal_the_reference():
    proc = HawkesProcess([0.5, 0.4], PowerLawKernel([[0.3, 0.1], [0.2, 0.3]], 1.7, 0.4))
    code, alpha, s1, s2 = proc.kernel.components()
    k0, k1 = Philox(2).key
    args = (np.arange(4, dtype=np.uint64), 20.0, int(code), proc.baseline, alpha, s1, s2, k0, k1, 0, 200)
    want = ref.simulate_ogata(np, *args)
    got = hn.simulate_ogata(*args)
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_array_equal(got[2], want[2])
    np.testing.assert_allclose(got[0], want[0], rtol=1e-13)


@pytest.mark.parametrize("name", ["sumexp-3d", "exp-2d-pair"])
def test_intensity_equals_the_direct_sums(name):
    """One pass for all targets (decays shared by the targets, sumexp-3d), else one pass per target."""
    proc = PROCS[name]
    t, m = simulate(proc, 60.0, seed=5, backend="numpy").path(0)
    t = np.round(t, 1)  # ties between events, and queries on events
    q = np.concatenate([np.linspace(0.0, 61.0, 97), t[::7]])
    q.sort()
    code, alpha, s1, s2 = proc.kernel.components()
    want = ref.intensity(np, q, t, m, code, proc.baseline, alpha, s1, s2)
    ev = event_set(t, m, proc.dim)
    got = hn.intensity(q, (ev.by_dim, ev.offsets, ev.times, ev.marks), proc.baseline, alpha, s1)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12)


@pytest.mark.parametrize("structure", ["shared", "target", "pair"])
def test_loglik_derivatives_equal_the_direct_sums(structure):
    proc = PROCS["exp-2d-pair"]
    t, m = simulate(proc, 30.0, seed=7, backend="numpy").path(0)
    lay = FitLayout.make(2, 2, structure)
    rng = np.random.default_rng(3)
    x = np.concatenate([proc.baseline, rng.uniform(0.02, 0.2, 8), rng.uniform(0.5, 4.0, lay.n_decays)])
    grouped = event_set(t, m, 2)
    want = log_likelihood_derivatives(lay, x, grouped, 30.0, order=2, backend="numpy")
    got = log_likelihood_derivatives(lay, x, grouped, 30.0, order=2, backend="numba")
    assert np.isclose(got[0], want[0], rtol=1e-13)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(got[2], want[2], rtol=1e-11, atol=1e-11)


def test_one_pass_likelihood_equals_the_per_target_passes():
    """Target-independent decays take the one-pass recursion; it must equal the per-target one, ties included."""
    proc = PROCS["sumexp-3d"]
    t, m = simulate(proc, 40.0, seed=3, backend="numpy").path(0)
    t = np.round(t, 1)  # ties within and across dimensions, and an event at the horizon
    t[-1] = 40.0
    ev = event_set(t, m, 3)
    lay = FitLayout.make(3, 2, "shared")
    assert lay.merged and not FitLayout.make(3, 2, "target").merged
    rng = np.random.default_rng(4)
    x = np.concatenate([proc.baseline, rng.uniform(0.02, 0.1, 18), [0.6, 3.0]])
    events = (ev.by_dim, ev.offsets, ev.times, ev.marks)
    one = hn.log_likelihood(x, lay.tie, lay.beta_fixed, events, 40.0, 2, True)
    per = hn.log_likelihood(x, lay.tie, lay.beta_fixed, events, 40.0, 2, False)
    want = log_likelihood_derivatives(lay, x, ev, 40.0, order=2, backend="numpy")
    for got in (one, per):
        assert np.isclose(got[0], want[0], rtol=1e-13)
        np.testing.assert_allclose(got[1], want[1], rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(got[2], want[2], rtol=1e-10, atol=1e-10)


def test_paths_do_not_depend_on_the_thread_count():
    proc = PROCS["exp-2d-pair"]
    many = simulate(proc, 50.0, 16, seed=9, backend="numba")
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        one = simulate(proc, 50.0, 16, seed=9, backend="numba")
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(many.times, one.times)
    np.testing.assert_array_equal(many.marks, one.marks)


def _scipy_fit(t, horizon):
    """L-BFGS-B on (ln mu, alpha, ln beta) of one univariate series: the independent optimiser."""
    lay = FitLayout.make(1, 1, "shared")
    grouped = event_set(t, np.zeros(t.size, dtype=np.int64), 1)

    def fun(z):
        x = np.array([np.exp(z[0]), z[1], np.exp(z[2])])
        v, g, _ = log_likelihood_derivatives(lay, x, grouped, horizon, order=1)
        return -v, -g * np.array([x[0], 1.0, x[2]])

    best = min(
        (
            optimize.minimize(
                fun,
                [0.0, 0.3, np.log(b)],
                jac=True,
                method="L-BFGS-B",
                bounds=[(-20, 5), (0, 50), (-10, 10)],
                options={"ftol": 1e-15, "gtol": 1e-10},
            )
            for b in (0.5, 2.0, 8.0)
        ),
        key=lambda r: r.fun,
    )
    return np.array([np.exp(best.x[0]), best.x[1], np.exp(best.x[2])]), -best.fun


def test_batched_newton_fits_equal_scipy_lbfgsb():
    proc = PROCS["exp-1d"]
    paths = simulate(proc, 300.0, 6, seed=11)
    lay = FitLayout.make(1, 1, "shared")
    series = [paths.path(p)[0] for p in range(6)]
    offsets = np.array([[0, 0]] + [[0, 0]] * 5, dtype=np.int64)
    base = 0
    for s, t in enumerate(series):
        offsets[s] = [base, base + t.size]
        base += t.size
    starts = np.array([[[0.0, 0.25, np.log(b)] for b in (0.3, 3.0)]] * 6)
    lower = np.tile([-20.0, 0.0, -10.0], (6, 1))
    upper = np.tile([5.0, 50.0, 10.0], (6, 1))
    flat = np.concatenate(series)
    events = (flat, flat, np.zeros(flat.size, dtype=np.int64))
    logflag = np.array([True, False, True])
    # the one-pass likelihood (merged) and the per-target one reach the same fits
    z, status, _, loglik, hess, _ = hn.fit_batch(
        starts, lower, upper, logflag, lay.tie, lay.beta_fixed, events, offsets, np.full(6, 300.0), True
    )
    z2, status2, _, loglik2, _, _ = hn.fit_batch(
        starts, lower, upper, logflag, lay.tie, lay.beta_fixed, events, offsets, np.full(6, 300.0), False
    )
    assert np.all(status == FitStatus.CONVERGED) and np.all(status2 == FitStatus.CONVERGED)
    np.testing.assert_allclose(z2, z, rtol=1e-5)  # both at the optimum to the optimiser's tolerance
    np.testing.assert_allclose(loglik2, loglik, rtol=1e-12)
    for s, t in enumerate(series):
        x, ll = _scipy_fit(t, 300.0)
        np.testing.assert_allclose(np.array([np.exp(z[s, 0]), z[s, 1], np.exp(z[s, 2])]), x, rtol=2e-5)
        assert abs(loglik[s] - ll) < 1e-7 * abs(ll)
        want_h = log_likelihood_derivatives(lay, x, event_set(t, np.zeros(t.size, dtype=np.int64), 1), 300.0, order=2)[
            2
        ]
        np.testing.assert_allclose(hess[s], want_h, rtol=1e-3)
