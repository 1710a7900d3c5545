"""kernels/hawkes/api.py: the public functions.  Monte Carlo checks run at fixed seeds and compare within a
stated number of standard errors; the theory they test against is independent of the code: the
stationary mean intensity (I - ||phi||)^-1 mu, the time-rescaling theorem, the law of the counts of
two different exact algorithms, finite differences of the log-likelihood."""

import numpy as np
import pytest
from scipy import stats

from quantforge.errors import InvalidParameters, NumericalInstability
from quantforge.kernels.hawkes import (
    HAWKES_EVENT_DTYPE,
    ExplosiveProcess,
    ExponentialKernel,
    FitLayout,
    HawkesProcess,
    PowerLawKernel,
    SumExponentialKernel,
    compensator,
    event_set,
    intensity,
    log_likelihood,
    log_likelihood_derivatives,
    residuals,
    simulate,
)
from quantforge.kernels.hawkes import api as hawkes_api

BIV = HawkesProcess([0.6, 0.3], ExponentialKernel([[0.3, 0.2], [0.25, 0.1]], [[2.0, 1.0], [1.0, 3.0]]))


def test_a_path_depends_only_on_seed_and_number(backend):
    """Path p of a batch equals path p simulated alone (path_offset), on every backend, to the last ulps."""
    ref = simulate(BIV, 20.0, 5, seed=3, stream=2, backend="numpy")
    got = simulate(BIV, 20.0, 5, seed=3, stream=2, backend=backend)
    np.testing.assert_array_equal(got.offsets, ref.offsets)
    np.testing.assert_array_equal(got.marks, ref.marks)
    np.testing.assert_allclose(got.times, ref.times, rtol=1e-13)
    alone = simulate(BIV, 20.0, 1, seed=3, stream=2, path_offset=4, backend=backend)
    np.testing.assert_allclose(alone.times, ref.path(4)[0], rtol=1e-13)
    other = simulate(BIV, 20.0, 1, seed=4, stream=2, path_offset=4, backend=backend)
    assert other.times.size != alone.times.size or not np.array_equal(other.times, alone.times)


def test_rerun_with_more_room_gives_the_same_paths(monkeypatch):
    roomy = simulate(BIV, 200.0, 3, seed=1, max_events=10_000)
    auto = simulate(BIV, 200.0, 3, seed=1)
    np.testing.assert_array_equal(roomy.times, auto.times)
    # a budget far too small: every path fills its row and is simulated again with more room
    monkeypatch.setattr(hawkes_api, "stationary_budget", lambda process, horizon: (1.0, 0.0))
    rerun = simulate(BIV, 200.0, 3, seed=1)
    assert roomy.counts.sum() > 3 * 65
    np.testing.assert_array_equal(rerun.times, roomy.times)
    np.testing.assert_array_equal(rerun.marks, roomy.marks)
    monkeypatch.undo()
    with pytest.raises(NumericalInstability, match="max_events"):
        simulate(BIV, 200.0, 3, seed=1, max_events=20)


def test_stationary_mean_intensity_within_four_standard_errors():
    """Counts in [50, 250] of 400 paths per unit time against (I - A)^-1 mu (the burn-in of 50 time units
    leaves a transient below e^-25 of the mean); the standard error is the sample one of the 400 paths."""
    paths = simulate(BIV, 250.0, 400, seed=12)
    path = np.repeat(np.arange(400), np.diff(paths.offsets))
    late = paths.times > 50.0
    counts = np.zeros((400, 2))
    np.add.at(counts, (path[late], paths.marks[late]), 1.0)
    rate = counts / 200.0
    want = np.linalg.solve(np.eye(2) - BIV.branching_matrix, BIV.baseline)
    se = rate.std(axis=0, ddof=1) / np.sqrt(400)
    assert np.all(np.abs(rate.mean(axis=0) - want) < 4 * se), (rate.mean(axis=0), want, se)


@pytest.mark.parametrize("method", ["exact", "thinning"])
def test_compensator_of_simulated_paths_is_a_unit_poisson_process(method):
    """Time-rescaling: the residuals of each dimension are i.i.d. Exp(1); KS p-value > 0.01 at this seed."""
    proc = HawkesProcess(
        [0.5, 0.4], SumExponentialKernel(np.array([[[0.2, 0.1], [0.1, 0.05]], [[0.05, 0.1], [0.2, 0.2]]]), [0.7, 5.0])
    )
    horizon = 1500.0 if method == "exact" else 300.0
    t, m = simulate(proc, horizon, seed=2, method=method).path(0)
    for r in residuals(proc, t, m, horizon=horizon):
        assert r.size > 100
        assert stats.kstest(r, "expon").pvalue > 0.01


def test_power_law_thinning_residuals_and_mean():
    proc = HawkesProcess([0.8], PowerLawKernel([[0.5]], 2.5, 0.2))
    paths = simulate(proc, 150.0, 8, seed=6)
    res = np.concatenate([residuals(proc, *paths.path(p), horizon=150.0)[0] for p in range(8)])
    assert stats.kstest(res, "expon").pvalue > 0.01
    assert abs(res.mean() - 1.0) < 4.0 / np.sqrt(res.size)  # Exp(1) has unit standard deviation


def test_exact_and_thinning_agree_in_law():
    """Counts on [0, 20] of 400 exact and 400 thinning paths (independent draws): two-sample KS and means."""
    proc = HawkesProcess([0.7], ExponentialKernel([[0.6]], 1.5))
    a = np.diff(simulate(proc, 20.0, 400, seed=1, method="exact").offsets)
    b = np.diff(simulate(proc, 20.0, 400, seed=2, method="thinning").offsets)
    assert stats.ks_2samp(a, b).pvalue > 0.01
    se = np.sqrt(a.var(ddof=1) / 400 + b.var(ddof=1) / 400)
    assert abs(a.mean() - b.mean()) < 4 * se


def test_intensity_compensator_backends_and_order():
    t, m = simulate(BIV, 30.0, seed=4).path(0)
    at = np.array([25.0, 0.0, 3.3, 12.0])  # unsorted on purpose
    for backend in ("numpy", "numba"):
        lam = intensity(BIV, t, m, at, backend=backend)
        comp = compensator(BIV, t, m, at, backend=backend)
        assert lam.shape == comp.shape == (4, 2)
        np.testing.assert_allclose(lam[1], BIV.baseline)
        np.testing.assert_allclose(comp[1], 0.0)
    np.testing.assert_allclose(
        intensity(BIV, t, m, at, backend="numba"), intensity(BIV, t, m, at, backend="numpy"), rtol=1e-12
    )
    # the compensator is the integral of the intensity: trapezoid on a fine grid between two events
    grid = np.linspace(t[3] + 1e-9, t[4] - 1e-9, 2001)
    lam = intensity(BIV, t, m, grid)
    comp = compensator(BIV, t, m, grid[[0, -1]])
    np.testing.assert_allclose(comp[1] - comp[0], np.trapezoid(lam, grid, axis=0), rtol=1e-6)


def test_gradient_and_hessian_match_finite_differences():
    t, m = simulate(BIV, 80.0, seed=8).path(0)
    grouped = event_set(t, m, 2)
    for lay in (FitLayout.make(2, 1, "pair"), FitLayout.make(2, 2, "shared")):
        rng = np.random.default_rng(0)
        x = np.concatenate([[0.5, 0.4], rng.uniform(0.05, 0.2, 4 * lay.n_comp), rng.uniform(0.7, 3.0, lay.n_decays)])
        _, g, h = log_likelihood_derivatives(lay, x, grouped, 80.0, order=2)
        eps = 1e-6 * np.maximum(np.abs(x), 1e-3)
        fd_g = np.empty_like(x)
        fd_h = np.empty((x.size, x.size))
        for u in range(x.size):
            e = np.zeros_like(x)
            e[u] = eps[u]
            up = log_likelihood_derivatives(lay, x + e, grouped, 80.0, order=1)
            dn = log_likelihood_derivatives(lay, x - e, grouped, 80.0, order=1)
            fd_g[u] = (up[0] - dn[0]) / (2 * eps[u])
            fd_h[u] = (up[1] - dn[1]) / (2 * eps[u])
        np.testing.assert_allclose(g, fd_g, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(h, fd_h, rtol=1e-5, atol=1e-5)


def test_log_likelihood_backends_agree_and_power_law_works():
    t, m = simulate(BIV, 40.0, seed=2).path(0)
    a = log_likelihood(BIV, t, m, horizon=40.0, backend="numpy")
    b = log_likelihood(BIV, t, m, horizon=40.0, backend="numba")
    assert np.isclose(a, b, rtol=1e-13)
    pw = HawkesProcess([0.5], PowerLawKernel([[0.4]], 2.0, 1.0))
    tp, _ = simulate(pw, 40.0, seed=2).path(0)
    assert np.isfinite(log_likelihood(pw, tp, horizon=40.0))


def test_records_carry_int64_nanoseconds():
    paths = simulate(BIV, 5.0, 3, seed=1, path_offset=10)
    rec = paths.to_records(start_ns=1_000, seconds_per_unit=0.5)
    assert rec.dtype == HAWKES_EVENT_DTYPE and rec["ts_ns"].dtype == np.int64
    np.testing.assert_array_equal(rec["ts_ns"], 1_000 + np.rint(paths.times * 0.5e9).astype(np.int64))
    assert set(np.unique(rec["path"])) <= {10, 11, 12}
    lists = paths.as_lists(1)
    assert sum(x.size for x in lists) == paths.counts[1].sum()


def test_explosive_process_is_refused_unless_asked_for():
    hot = HawkesProcess([0.5], ExponentialKernel([[1.2]], 2.0))
    with pytest.raises(ExplosiveProcess, match="spectral radius .* explodes"):
        simulate(hot, 10.0)
    with pytest.raises(ExplosiveProcess, match="explodes"):
        hot.stationary_intensity()
    with pytest.raises(InvalidParameters, match="max_events"):
        simulate(hot, 10.0, nonstationary=True)
    paths = simulate(hot, 3.0, 5, seed=1, nonstationary=True, max_events=100_000)
    assert paths.n_paths == 5


def test_bad_arguments_name_the_parameter():
    with pytest.raises(InvalidParameters, match="horizon"):
        simulate(BIV, -1.0)
    with pytest.raises(InvalidParameters, match="method"):
        simulate(BIV, 1.0, method="euler")
    with pytest.raises(InvalidParameters, match="method 'exact'"):
        simulate(HawkesProcess([1.0], PowerLawKernel([[0.3]])), 1.0, method="exact")
    with pytest.raises(TypeError, match="process"):
        simulate("hawkes", 1.0)
    with pytest.raises(InvalidParameters, match="times must be sorted"):
        log_likelihood(BIV, [1.0, 0.5], [0, 1], horizon=2.0)
    with pytest.raises(InvalidParameters, match="times must be finite"):
        log_likelihood(BIV, [0.5, np.nan], [0, 1], horizon=2.0)
    with pytest.raises(InvalidParameters, match="times must lie in"):
        log_likelihood(BIV, [0.5, 3.0], [0, 1], horizon=2.0)
    with pytest.raises(InvalidParameters, match="marks must lie in"):
        log_likelihood(BIV, [0.5, 1.0], [0, 2], horizon=2.0)
    with pytest.raises(InvalidParameters, match="marks are needed"):
        log_likelihood(BIV, [0.5, 1.0], horizon=2.0)
    with pytest.raises(TypeError, match="marks must be integers"):
        log_likelihood(BIV, [0.5, 1.0], [0.0, 1.0], horizon=2.0)
    with pytest.raises(InvalidParameters, match="at must be finite"):
        intensity(BIV, [0.5], [0], at=[np.inf])


def test_bivariate_log_likelihood_by_hand(backend):
    """Events (0.5, dim 0), (1.0, dim 1), (1.2, dim 0), (1.2, dim 1) on [0, 2], decays per pair; the two events
    at 1.2 do not excite each other (t_n < t).  Every term written out."""
    a, b, mu = BIV.kernel.adjacency, BIV.kernel.decays, BIV.baseline
    e = np.exp

    def phi(i, j, d):
        return a[i, j] * b[i, j] * e(-b[i, j] * d)

    lam_1 = mu[0]  # (0.5, 0): nothing before
    lam_2 = mu[1] + phi(1, 0, 0.5)  # (1.0, 1)
    lam_3 = mu[0] + phi(0, 0, 0.7) + phi(0, 1, 0.2)  # (1.2, 0)
    lam_4 = mu[1] + phi(1, 0, 0.7) + phi(1, 1, 0.2)  # (1.2, 1): not excited by (1.2, 0)
    comp = mu.sum() * 2.0 + sum(
        a[i, 0] * (1 - e(-b[i, 0] * 1.5))
        + a[i, 1] * (1 - e(-b[i, 1] * 1.0))
        + a[i, 0] * (1 - e(-b[i, 0] * 0.8))
        + a[i, 1] * (1 - e(-b[i, 1] * 0.8))
        for i in range(2)
    )
    by_hand = np.log(lam_1) + np.log(lam_2) + np.log(lam_3) + np.log(lam_4) - comp
    got = log_likelihood(BIV, [0.5, 1.0, 1.2, 1.2], [0, 1, 0, 1], horizon=2.0, backend=backend)
    assert got == pytest.approx(by_hand, rel=1e-13)
