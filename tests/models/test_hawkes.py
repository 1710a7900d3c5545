"""models/hawkes.py: maximum-likelihood, EM and batched fits of Hawkes processes.

Recovery is checked against the truth of the simulation within a stated number of the fit's own
standard errors (fixed seeds); the optimisers against each other (L-BFGS-B, EM, projected Newton);
the reported log-likelihood against an independent evaluation at the estimate."""

import numpy as np
import pytest
from scipy import optimize

from quantforge.errors import ConvergenceFailure, InvalidParameters
from quantforge.kernels.hawkes import ExponentialKernel, HawkesProcess, log_likelihood, simulate
from quantforge.models import hawkes as mh
from quantforge.models.hawkes import fit_hawkes, fit_hawkes_batch, fit_hawkes_em

UNI = HawkesProcess([1.0], ExponentialKernel([[0.5]], 2.0))
BIV = HawkesProcess([0.8, 0.5], ExponentialKernel([[0.3, 0.1], [0.2, 0.4]], 1.5))


@pytest.fixture(scope="module")
def uni_events():
    return simulate(UNI, 3000.0, seed=21).path(0)


@pytest.fixture(scope="module")
def biv_events():
    return simulate(BIV, 2000.0, seed=22).path(0)


def test_univariate_recovery_within_four_standard_errors(uni_events):
    t, _ = uni_events
    fit = fit_hawkes(t, horizon=3000.0)
    truth = np.array([1.0, 0.5, 2.0])
    assert fit.names == ("mu[0]", "alpha[0,0]", "beta")
    assert np.all(np.isfinite(fit.std_errors)) and np.all(fit.std_errors > 0)
    assert np.all(np.abs(fit.params - truth) < 4 * fit.std_errors), (fit.params, fit.std_errors)
    # the reported log-likelihood is the true value at the estimate, evaluated independently
    assert np.isclose(fit.log_likelihood, log_likelihood(fit.process, t, horizon=3000.0, backend="numpy"), rtol=1e-11)
    assert fit.score(t, horizon=3000.0) == pytest.approx(fit.log_likelihood, rel=1e-12)


def test_bivariate_joint_recovery_and_goodness_of_fit(biv_events, tmp_path):
    t, m = biv_events
    fit = fit_hawkes(t, m, horizon=2000.0)
    truth = np.concatenate([BIV.baseline, BIV.kernel.adjacency.ravel(), [1.5]])
    assert np.all(np.abs(fit.params - truth) < 4 * fit.std_errors), (fit.params, fit.std_errors)
    assert fit.goodness.ks_pvalues.shape == (2,) and np.all(fit.goodness.ks_pvalues > 0.01)
    assert [r.size for r in fit.goodness.residuals] == list(np.bincount(m))
    png = fit.goodness.qq_plot(tmp_path / "qq.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5_000
    with pytest.raises(ValueError, match="read-only"):
        fit.params[0] = 1.0  # results are immutable
    text = fit.summary()
    assert "alpha[1,0]" in text and "KS" in text and f"{fit.log_likelihood:.6f}" in text


def test_em_and_lbfgsb_agree_for_fixed_decays(biv_events):
    t, m = biv_events
    mle = fit_hawkes(t, m, horizon=2000.0, decays=1.5)
    em = fit_hawkes_em(t, m, horizon=2000.0, decays=1.5)
    np.testing.assert_allclose(em.params, mle.params, rtol=1e-4, atol=1e-6)
    assert abs(em.log_likelihood - mle.log_likelihood) < 1e-6
    np.testing.assert_allclose(em.std_errors, mle.std_errors, rtol=1e-3)
    joint = fit_hawkes(t, m, horizon=2000.0)
    assert joint.log_likelihood >= mle.log_likelihood - 1e-9  # estimating the decay can only do better


def test_decay_structures_nest(biv_events):
    t, m = biv_events
    shared = fit_hawkes(t, m, horizon=2000.0, decay_structure="shared")
    pair = fit_hawkes(t, m, horizon=2000.0, decay_structure="pair")
    assert pair.params.size == shared.params.size + 3
    assert pair.log_likelihood >= shared.log_likelihood - 1e-7
    two = fit_hawkes(t, m, horizon=2000.0, kernel="sum_exponential", n_decays=2)
    assert two.params.size == 2 + 8 + 2 and two.log_likelihood >= shared.log_likelihood - 1e-6


def test_batch_equals_single_fits():
    paths = simulate(UNI, 400.0, 5, seed=30)
    series = [paths.path(p)[0] for p in range(5)]
    batch = fit_hawkes_batch(series, 400.0)
    assert batch.converged.all() and batch.params.shape == (5, 3)
    for s, t in enumerate(series):
        single = fit_hawkes(t, horizon=400.0)
        np.testing.assert_allclose(batch.params[s], single.params, rtol=1e-4)
        assert batch.log_likelihood[s] == pytest.approx(single.log_likelihood, rel=1e-9)
        np.testing.assert_allclose(batch.std_errors[s], single.std_errors, rtol=1e-3)
        # the KS test of the residuals, computed in the batch kernel, against the fit's own goodness of fit
        np.testing.assert_allclose(batch.ks_pvalues[s], single.goodness.ks_pvalues, rtol=1e-3)
    assert "5 series, 5 converged" in batch.summary()
    assert batch.process(0).dim == 1


def test_batch_of_bivariate_series_with_fixed_decays():
    paths = simulate(BIV, 300.0, 3, seed=31)
    batch = fit_hawkes_batch([paths.path(p) for p in range(3)], [300.0] * 3, dim=2, decays=1.5)
    pair = fit_hawkes_batch([paths.path(p) for p in range(3)], [300.0] * 3, dim=2, decays=[[1.5, 1.0], [2.0, 1.5]])
    for s in range(3):
        em = fit_hawkes_em(*paths.path(s), horizon=300.0, decays=1.5)
        np.testing.assert_allclose(batch.params[s], em.params, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(batch.ks_pvalues[s], em.goodness.ks_pvalues, rtol=1e-3)
        # decays that depend on the target: the per-target recursions
        em_pair = fit_hawkes_em(*paths.path(s), horizon=300.0, decays=[[1.5, 1.0], [2.0, 1.5]])
        np.testing.assert_allclose(pair.params[s], em_pair.params, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(pair.ks_pvalues[s], em_pair.goodness.ks_pvalues, rtol=1e-3)


def test_poisson_data_give_finite_estimates_never_nan():
    t = np.sort(np.random.default_rng(3).uniform(0.0, 500.0, 400))
    fit = fit_hawkes(t, horizon=500.0)
    assert np.all(np.isfinite(fit.params)) and not np.any(np.isnan(fit.std_errors))
    assert fit.params[1] < 0.1  # hardly any excitation found
    batch = fit_hawkes_batch([t], 500.0)
    assert np.all(np.isfinite(batch.params)) and not np.any(np.isnan(batch.std_errors))


def test_non_convergence_raises_with_the_optimisers_message(uni_events, monkeypatch):
    t, _ = uni_events

    def stuck(layout, grouped, horizon, n_events, z0, logflag, lower, upper, backend):
        return optimize.OptimizeResult(
            x=z0,
            fun=1.0,
            jac=np.ones_like(z0),
            success=False,
            nit=3,
            nfev=4,
            message="ABNORMAL: line search cannot make progress",
        )

    monkeypatch.setattr(mh, "_lbfgsb", stuck)
    with pytest.raises(ConvergenceFailure, match="ABNORMAL: line search"):
        fit_hawkes(t, horizon=3000.0)
    monkeypatch.undo()
    with pytest.raises(ConvergenceFailure, match="MAX_ITER"):
        fit_hawkes_batch([t], 3000.0, max_iter=1)
    flagged = fit_hawkes_batch([t], 3000.0, max_iter=1, allow_failures=True)
    assert not flagged.converged[0] and np.all(np.isfinite(flagged.params))
    with pytest.raises(ConvergenceFailure, match="EM did not converge"):
        fit_hawkes_em(t, horizon=3000.0, decays=2.0, max_iter=2)


def test_bad_input_names_the_parameter(uni_events):
    t, _ = uni_events
    with pytest.raises(InvalidParameters, match="kernel must be one of"):
        fit_hawkes(t, horizon=3000.0, kernel="power_law")
    with pytest.raises(InvalidParameters, match="decay_structure"):
        fit_hawkes(t, horizon=3000.0, decay_structure="diagonal")
    with pytest.raises(InvalidParameters, match="times must be sorted"):
        fit_hawkes(t[::-1], horizon=3000.0)
    with pytest.raises(InvalidParameters, match="times must be finite"):
        fit_hawkes(np.append(t, np.nan), horizon=3000.0)
    with pytest.raises(InvalidParameters, match="horizon"):
        fit_hawkes(t, horizon=-1.0)
    with pytest.raises(InvalidParameters, match="decays must be > 0"):
        fit_hawkes(t, horizon=3000.0, decays=-2.0)
    with pytest.raises(InvalidParameters, match="every dimension needs events"):
        fit_hawkes(t, np.zeros(t.size, dtype=np.int64), horizon=3000.0, dim=2)
    with pytest.raises(InvalidParameters, match="series 1: times must be sorted"):
        fit_hawkes_batch([t, t[::-1]], 3000.0)
