"""kernels/covariance/api.py against independent references: scikit-learn's LedoitWolf, pandas' ewm().cov(),
Higham's (2002) published example and statsmodels' corr_nearest, the Ledoit–Wolf (2003) formulas written
out as sums, the KKT conditions of the weighted problem; and the named errors."""

import numpy as np
import pytest

from quantforge.errors import ConvergenceFailure, InvalidParameters, MatrixError
from quantforge.kernels.covariance import (
    check_psd,
    cholesky,
    covariance_to_correlation,
    ewma_covariance,
    is_psd,
    ledoit_wolf,
    nearest_correlation,
    sample_correlation,
    sample_covariance,
)

HIGHAM_A = np.array([[2.0, -1, 0, 0], [-1, 2, -1, 0], [0, -1, 2, -1], [0, 0, -1, 2]])
# Higham (2002), section 4: the nearest correlation matrix of HIGHAM_A (W = I), to the 4 digits printed
HIGHAM_X = np.array(
    [
        [1.0, -0.8084, 0.1916, 0.1068],
        [-0.8084, 1.0, -0.6562, 0.1916],
        [0.1916, -0.6562, 1.0, -0.8084],
        [0.1068, 0.1916, -0.8084, 1.0],
    ]
)


def _correlated(seed, n_obs, n, batch=()):
    rng = np.random.default_rng(seed)
    mix = rng.standard_normal((n, n)) / np.sqrt(n) + np.eye(n)
    return rng.standard_normal(batch + (n_obs, n)) @ mix * 0.01


def _broken_correlation(seed, n):
    """A symmetric unit-diagonal matrix with entries in [-1, 1] that is not PSD (pairwise-estimated style)."""
    x = np.random.default_rng(seed).uniform(-1, 1, (n, n))
    a = 0.5 * (x + x.T)
    np.fill_diagonal(a, 1.0)
    return a


def test_sample_covariance_and_correlation_match_numpy(backend):
    x = _correlated(1, 50, 4, (3,))
    cov = sample_covariance(x, backend=backend)
    for b in range(3):
        np.testing.assert_allclose(cov[b], np.cov(x[b], rowvar=False), rtol=1e-12)
        np.testing.assert_allclose(
            sample_correlation(x, backend=backend)[b], np.corrcoef(x[b], rowvar=False), rtol=1e-12
        )
    np.testing.assert_allclose(
        sample_covariance(x, ddof=0, backend=backend)[0], np.cov(x[0], rowvar=False, bias=True), rtol=1e-12
    )


@pytest.mark.parametrize("shape", [(60, 20), (30, 50), (200, 5), (10, 1)])
def test_ledoit_wolf_identity_matches_scikit_learn(shape):
    sk = pytest.importorskip("sklearn.covariance")
    x = _correlated(shape[0], *shape)
    ours = ledoit_wolf(x, backend="numpy")
    ref = sk.LedoitWolf().fit(x)
    np.testing.assert_allclose(ours.covariance, ref.covariance_, rtol=0, atol=1e-10 * np.abs(ref.covariance_).max())
    assert abs(float(ours.shrinkage) - ref.shrinkage_) < 1e-10


def test_ledoit_wolf_batched_equals_one_window_at_a_time(backend):
    x = _correlated(5, 40, 6, (2, 3))
    est = ledoit_wolf(x, target="constant_correlation", backend=backend)
    assert est.covariance.shape == (2, 3, 6, 6) and est.shrinkage.shape == (2, 3)
    one = ledoit_wolf(x[1, 2], target="constant_correlation", backend="numpy")
    np.testing.assert_allclose(est.covariance[1, 2], one.covariance, rtol=1e-12)
    assert "constant_correlation" in est.summary()


def test_ledoit_wolf_constant_correlation_matches_the_paper_written_as_sums():
    """Ledoit & Wolf (2003), Appendix B: pi, rho, gamma by explicit loops over i, j and t."""
    x = _correlated(9, 30, 5)
    t_obs, n = x.shape
    y = x - x.mean(axis=0)
    s = y.T @ y / t_obs
    sd = np.sqrt(np.diag(s))
    rbar = sum(s[i, j] / (sd[i] * sd[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    f = np.array([[s[i, i] if i == j else rbar * sd[i] * sd[j] for j in range(n)] for i in range(n)])
    pi = np.array([[np.mean((y[:, i] * y[:, j] - s[i, j]) ** 2) for j in range(n)] for i in range(n)])
    theta_ii = np.array(
        [[np.mean((y[:, i] ** 2 - s[i, i]) * (y[:, i] * y[:, j] - s[i, j])) for j in range(n)] for i in range(n)]
    )
    rho = np.trace(pi) + sum(
        rbar / 2 * (sd[j] / sd[i] * theta_ii[i, j] + sd[i] / sd[j] * theta_ii[j, i])
        for i in range(n)
        for j in range(n)
        if i != j
    )
    gamma = ((f - s) ** 2).sum()
    delta = max(0.0, min(1.0, (pi.sum() - rho) / gamma / t_obs))
    est = ledoit_wolf(x, target="constant_correlation", backend="numpy")
    assert abs(float(est.shrinkage) - delta) < 1e-12
    np.testing.assert_allclose(est.covariance, delta * f + (1 - delta) * s, rtol=1e-12)


@pytest.mark.parametrize("adjust", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_ewma_demeaned_matches_pandas(backend, adjust, bias):
    pd = pytest.importorskip("pandas")
    x = _correlated(2, 120, 5)
    want = pd.DataFrame(x).ewm(alpha=0.06, adjust=adjust).cov(bias=bias).to_numpy().reshape(120, 5, 5)
    got = ewma_covariance(x, 0.94, adjust=adjust, demean=True, bias=bias, path=True, backend=backend)
    np.testing.assert_allclose(got[1:], want[1:], rtol=1e-10, atol=1e-18)
    np.testing.assert_allclose(
        ewma_covariance(x, 0.94, adjust=adjust, demean=True, bias=bias, backend=backend), want[-1], rtol=1e-10
    )


def test_ewma_riskmetrics_is_the_textbook_recursion(backend):
    """RiskMetrics (1996) eq. 5.3: S_t = lambda S_{t-1} + (1 - lambda) r_t r_t', S_0 = r_0 r_0'."""
    x = _correlated(3, 80, 4, (2,))
    got = ewma_covariance(x, 0.97, backend=backend)
    for b in range(2):
        s = np.outer(x[b, 0], x[b, 0])
        for r in x[b, 1:]:
            s = 0.97 * s + 0.03 * np.outer(r, r)
        np.testing.assert_allclose(got[b], s, rtol=1e-12)


def test_nearest_correlation_reproduces_higham_2002_section_4(backend):
    for method in ("newton", "higham"):
        x = nearest_correlation(HIGHAM_A, method=method, backend=backend)
        np.testing.assert_allclose(x, HIGHAM_X, atol=5e-5)


@pytest.mark.filterwarnings("ignore:Maximum iteration reached")  # statsmodels' clipping criterion is strict
def test_nearest_correlation_matches_statsmodels_and_both_methods_agree():
    from statsmodels.stats.correlation_tools import corr_nearest

    a = _broken_correlation(1, 12)
    newton = nearest_correlation(a, method="newton", backend="numpy")
    higham = nearest_correlation(a, method="higham", tol=1e-12, backend="numpy")
    ref = corr_nearest(a, threshold=1e-15, n_fact=1000)
    assert np.linalg.norm(newton - ref) < 1e-6 and np.linalg.norm(higham - newton) < 1e-8
    assert np.linalg.eigvalsh(newton)[0] > -1e-12 and np.allclose(np.diag(newton), 1.0, rtol=0, atol=1e-15)
    for c in _random_correlations(2, 12, 30):  # the projection inequality (see the weighted test)
        assert np.sum((a - newton) * (c - newton)) <= 1e-8


def _random_correlations(seed, n, count):
    rng = np.random.default_rng(seed)
    return [
        np.corrcoef(rng.standard_normal((n + k, n)) @ rng.standard_normal((n, n)), rowvar=False) for k in range(count)
    ]


def test_weighted_nearest_correlation_satisfies_the_projection_inequality():
    """X is the W-norm projection of A onto the (convex) set of correlation matrices iff
    <W^1/2 (A - X) W^1/2, W^1/2 (C - X) W^1/2> <= 0 for every correlation matrix C."""
    a = _broken_correlation(3, 8)
    w = np.linspace(0.5, 4.0, 8)
    ww = np.outer(w, w)
    for method in ("newton", "higham"):
        x = nearest_correlation(a, weights=w, method=method, tol=1e-12, backend="numpy")
        assert np.linalg.eigvalsh(x)[0] > -1e-12
        for c in _random_correlations(4, 8, 50):
            assert np.sum(ww * (a - x) * (c - x)) <= 1e-8
    unweighted = nearest_correlation(a, backend="numpy")
    weighted = nearest_correlation(a, weights=w, backend="numpy")
    assert np.sum(ww * (a - weighted) ** 2) < np.sum(ww * (a - unweighted) ** 2)
    assert np.sum((a - unweighted) ** 2) < np.sum((a - weighted) ** 2)
    np.testing.assert_allclose(
        nearest_correlation(a, weights=w, backend="numpy"),
        nearest_correlation(a, weights=w, method="higham", tol=1e-12, backend="numpy"),
        atol=1e-7,
    )


def test_nearest_correlation_is_batched_and_keeps_a_correlation_matrix():
    good = np.corrcoef(np.random.default_rng(4).standard_normal((30, 5)), rowvar=False)
    stack = np.stack([good, _broken_correlation(5, 5)])
    for method in ("newton", "higham"):
        out = nearest_correlation(stack, method=method, tol=1e-12, backend="numpy")
        np.testing.assert_allclose(out[0], good, atol=1e-10)
        np.testing.assert_allclose(out[1], nearest_correlation(stack[1], method=method, tol=1e-12), atol=1e-9)


def test_psd_checks_and_cholesky():
    good = np.array([[4.0, 2.0], [2.0, 2.0]])
    bad = np.array([[1.0, 2.0], [2.0, 1.0]])
    assert is_psd(np.stack([good, bad])).tolist() == [True, False]
    np.testing.assert_allclose(cholesky(good) @ cholesky(good).T, good)
    with pytest.raises(MatrixError, match=r"covariance\[1\] is not positive semi-definite: smallest eigenvalue -1"):
        check_psd("covariance", np.stack([good, bad]))
    with pytest.raises(MatrixError, match="covariance is not symmetric"):
        check_psd("covariance", [[1.0, 0.5], [0.1, 1.0]])
    with pytest.raises(MatrixError, match="sigma is not positive semi-definite"):
        cholesky(bad, name="sigma")
    singular = np.ones((2, 2))
    with pytest.raises(MatrixError, match="singular"):
        cholesky(singular)
    root = cholesky(np.stack([good, singular]), semidefinite=True)
    np.testing.assert_allclose(root[1] @ root[1].T, singular, atol=1e-12)
    np.testing.assert_allclose(root[0], np.linalg.cholesky(good))


def test_bad_inputs_are_refused_with_the_parameter_named():
    with pytest.raises(InvalidParameters, match=r"returns must be finite everywhere; returns\[\(1, 0\)\] = nan"):
        sample_covariance([[1.0, 2.0], [np.nan, 1.0]])
    with pytest.raises(InvalidParameters, match="lam must lie in"):
        ewma_covariance(np.ones((3, 2)), 1.0)
    with pytest.raises(InvalidParameters, match="returns must have shape"):
        ledoit_wolf(np.ones(5))
    with pytest.raises(InvalidParameters, match="target must be one of"):
        ledoit_wolf(np.ones((5, 2)), target="diagonal")
    with pytest.raises(InvalidParameters, match="matrix must have shape"):
        nearest_correlation(np.ones((2, 3)))
    with pytest.raises(InvalidParameters, match="weights must be > 0"):
        nearest_correlation(np.eye(2), weights=[1.0, -1.0])
    with pytest.raises(InvalidParameters, match=r"covariance must have positive variances"):
        covariance_to_correlation([[0.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ConvergenceFailure, match="higham"):
        nearest_correlation(_broken_correlation(6, 10), method="higham", max_iter=3)
