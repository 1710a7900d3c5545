"""kernels/hawkes/models.py: kernels (validation, values against quadrature, the power law's
sum-of-exponentials approximation and its stated error), the process, the fitted-vector layout."""

import numpy as np
import pytest
from scipy import integrate

from quantforge.errors import InvalidParameters
from quantforge.kernels.hawkes import ExponentialKernel, FitLayout, HawkesProcess, PowerLawKernel, SumExponentialKernel
from quantforge.kernels.hawkes.models import stationary_budget


@pytest.mark.parametrize(
    "kernel",
    [
        ExponentialKernel([[0.3, 0.2], [0.1, 0.4]], [[2.0, 1.0], [0.5, 3.0]]),
        SumExponentialKernel(np.full((2, 2, 2), 0.1), [0.5, 4.0]),
        PowerLawKernel([[0.3, 0.2], [0.1, 0.4]], [[1.5, 2.0], [3.0, 1.2]], 0.5),
    ],
)
def test_kernel_norm_is_adjacency_and_integral_is_the_quadrature(kernel):
    norm = kernel.adjacency.sum(axis=-1) if kernel.adjacency.ndim == 3 else kernel.adjacency
    for i in range(2):
        for j in range(2):
            whole = integrate.quad(lambda s: kernel.values(s)[i, j], 0, np.inf, limit=400)[0]
            assert np.isclose(whole, norm[i, j], rtol=1e-6)
            part = integrate.quad(lambda s: kernel.values(s)[i, j], 0, 1.7)[0]
            assert np.isclose(kernel.integral(1.7)[i, j], part, rtol=1e-10)


def test_power_law_approximation_meets_its_stated_error():
    kernel = PowerLawKernel([[0.6]], 1.6, 0.05)
    approx, err = kernel.to_sum_exponential(n_terms=30, horizon=500.0)
    assert approx.adjacency.shape == (1, 1, 30) and err < 1e-2
    # the statement checked independently, on a grid the method did not use
    t = np.concatenate([np.linspace(0, 1, 1001), np.geomspace(1.0, 500.0, 997)])
    exact = kernel.values(t)[:, 0, 0]
    assert np.max(np.abs(approx.values(t)[:, 0, 0] - exact) / exact) <= err * 1.05
    coarse = kernel.to_sum_exponential(n_terms=15, horizon=500.0)[1]
    assert err < coarse  # the error falls with the number of terms


def test_stationary_intensity_and_budget():
    proc = HawkesProcess([1.0, 0.5], ExponentialKernel([[0.5, 0.0], [0.0, 0.0]], 1.0))
    np.testing.assert_allclose(proc.stationary_intensity(), [2.0, 0.5])
    assert proc.spectral_radius == pytest.approx(0.5)
    mean, sd = stationary_budget(HawkesProcess([1.0], ExponentialKernel([[0.5]], 1.0)), 100.0)
    # univariate: mean Lambda T = 200, variance Lambda T / (1 - n)^2 = 800 (Hawkes 1971)
    assert mean == pytest.approx(200.0) and sd == pytest.approx(np.sqrt(800.0))


def test_validation_names_the_parameter():
    with pytest.raises(InvalidParameters, match="adjacency must be >= 0"):
        ExponentialKernel([[-0.1]], 1.0)
    with pytest.raises(InvalidParameters, match="adjacency must be finite"):
        ExponentialKernel([[np.nan]], 1.0)
    with pytest.raises(InvalidParameters, match="decays must be > 0"):
        ExponentialKernel([[0.1]], 0.0)
    with pytest.raises(InvalidParameters, match="adjacency must have shape"):
        ExponentialKernel([0.1, 0.2], 1.0)
    with pytest.raises(InvalidParameters, match="decays must have shape"):
        ExponentialKernel([[0.1, 0.1], [0.1, 0.1]], [1.0, 2.0, 3.0])
    with pytest.raises(InvalidParameters, match="decays must have shape"):
        SumExponentialKernel(np.full((2, 2, 3), 0.1), [1.0, 2.0])
    with pytest.raises(InvalidParameters, match="exponent must be > 1"):
        PowerLawKernel([[0.1]], 1.0, 1.0)
    with pytest.raises(InvalidParameters, match="cutoff must be > 0"):
        PowerLawKernel([[0.1]], 2.0, -1.0)
    with pytest.raises(InvalidParameters, match="baseline must be >= 0"):
        HawkesProcess([-1.0], ExponentialKernel([[0.1]], 1.0))
    with pytest.raises(InvalidParameters, match="baseline must be finite"):
        HawkesProcess([np.inf], ExponentialKernel([[0.1]], 1.0))
    with pytest.raises(InvalidParameters, match=r"baseline must have shape \(2,\)"):
        HawkesProcess([1.0], ExponentialKernel([[0.1, 0.1], [0.1, 0.1]], 1.0))
    with pytest.raises(TypeError, match="kernel must be"):
        HawkesProcess([1.0], "exponential")


def test_kernels_are_immutable_copies():
    adj = np.array([[0.2]])
    k = ExponentialKernel(adj, 1.0)
    adj[0, 0] = 5.0
    assert k.adjacency[0, 0] == 0.2
    with pytest.raises(ValueError, match="read-only"):
        k.adjacency[0, 0] = 1.0


def test_fit_layout_round_trips_and_names():
    lay = FitLayout.make(2, 1, "target")
    mu, alpha, beta = np.array([1.0, 2.0]), np.arange(4.0).reshape(2, 2, 1), np.array([[[3.0], [3.0]], [[5.0], [5.0]]])
    x = lay.pack(mu, alpha, beta)
    assert x.size == lay.size == 2 + 4 + 2
    back = lay.unpack(x)
    for a, b in zip(back, (mu, alpha, beta)):
        np.testing.assert_array_equal(a, b)
    assert lay.names() == [
        "mu[0]",
        "mu[1]",
        "alpha[0,0]",
        "alpha[0,1]",
        "alpha[1,0]",
        "alpha[1,1]",
        "beta[0]",
        "beta[1]",
    ]
    assert FitLayout.make(2, 1, "shared").names()[-1] == "beta"
    assert FitLayout.make(1, 2, "shared").names() == ["mu[0]", "alpha[0,0,0]", "alpha[0,0,1]", "beta[0]", "beta[1]"]
    assert lay.process(x).kernel.decays[1, 0] == 5.0
