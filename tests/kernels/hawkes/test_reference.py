"""kernels/hawkes/reference.py: the array-API reference runs under array_api_strict and equals numpy; its
direct sums give the hand-computed intensity, compensator and log-likelihood."""

import math

import array_api_strict as xps
import numpy as np

from quantforge.kernels.hawkes import ExponentialKernel, HawkesProcess, PowerLawKernel, simulate
from quantforge.kernels.hawkes import reference as ref
from quantforge.kernels.hawkes.api import _groups
from quantforge.kernels.hawkes.core import KernelCode, Status
from quantforge.kernels.rng import Philox

PROC = HawkesProcess([0.6, 0.3], ExponentialKernel([[0.3, 0.2], [0.25, 0.1]], [[2.0, 1.0], [1.0, 3.0]]))


def _host(a) -> np.ndarray:
    return np.from_dlpack(a)


def test_exact_simulation_under_array_api_strict_equals_numpy():
    decays, gidx, jump = _groups(PROC)
    k0, k1 = Philox(5, 2).key
    ids = np.arange(3, 7, dtype=np.uint64)
    args = (horizon := 30.0, PROC.baseline, float(PROC.baseline.sum()), decays, gidx, jump, k0, k1, 2, 200)
    want = ref.simulate_dz(np, ids, *args)
    got = ref.simulate_dz(xps, xps.asarray(ids), *args)
    del horizon
    for a, b in zip(got, want):
        np.testing.assert_array_equal(_host(a), b)
    assert np.all(want[3] == Status.OK) and np.all(want[2] > 5)


def test_thinning_under_array_api_strict_equals_numpy():
    proc = HawkesProcess([0.7], PowerLawKernel([[0.4]], 1.8, 0.3))
    code, alpha, s1, s2 = proc.kernel.components()
    k0, k1 = Philox(1).key
    ids = np.arange(3, dtype=np.uint64)
    args = (20.0, int(code), proc.baseline, alpha, s1, s2, k0, k1, 0, 80)
    want = ref.simulate_ogata(np, ids, *args)
    got = ref.simulate_ogata(xps, xps.asarray(ids), *args)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(_host(a), b)


def test_capacity_is_reported_not_truncated_silently():
    decays, gidx, jump = _groups(PROC)
    ids = np.arange(4, dtype=np.uint64)
    times, _, counts, status = ref.simulate_dz(np, ids, 50.0, PROC.baseline, 0.9, decays, gidx, jump, 1, 2, 0, 3)
    assert np.all(status == Status.CAPACITY) and np.all(counts == 3) and times.shape == (4, 3)


def test_intensity_and_compensator_by_hand():
    # events: (0.5, dim 0), (1.0, dim 1), (1.2, dim 0); queried at 1.1 and 2.0
    t = np.array([0.5, 1.0, 1.2])
    m = np.array([0, 1, 0])
    a, b = PROC.kernel.adjacency, PROC.kernel.decays
    mu = PROC.baseline
    code, alpha, s1, s2 = PROC.kernel.components()
    lam, comp = ref.intensity(xps, xps.asarray([1.1, 2.0]), xps.asarray(t), xps.asarray(m), code, mu, alpha, s1, s2)
    lam, comp = _host(lam), _host(comp)

    def phi(i, j, d):
        return a[i, j] * b[i, j] * math.exp(-b[i, j] * d)

    def big_phi(i, j, d):
        return a[i, j] * (1 - math.exp(-b[i, j] * d))

    for r, q in enumerate((1.1, 2.0)):
        for i in range(2):
            past = [(tn, mn) for tn, mn in zip(t, m) if tn < q]
            assert math.isclose(lam[r, i], mu[i] + sum(phi(i, mn, q - tn) for tn, mn in past), rel_tol=1e-14)
            assert math.isclose(comp[r, i], mu[i] * q + sum(big_phi(i, mn, q - tn) for tn, mn in past), rel_tol=1e-14)


def test_log_likelihood_by_hand_univariate():
    # mu = 0.5, alpha = 0.6, beta = 1.5; events at 1 and 2 on [0, 3]
    proc = HawkesProcess([0.5], ExponentialKernel([[0.6]], 1.5))
    code, alpha, s1, s2 = proc.kernel.components()
    by_hand = (
        math.log(0.5)
        + math.log(0.5 + 0.6 * 1.5 * math.exp(-1.5))
        - (0.5 * 3 + 0.6 * (1 - math.exp(-3.0)) + 0.6 * (1 - math.exp(-1.5)))
    )
    t = xps.asarray([1.0, 2.0])
    got = ref.log_likelihood(xps, t, xps.asarray([0, 0]), 3.0, code, proc.baseline, alpha, s1, s2)[0]
    assert math.isclose(got, by_hand, rel_tol=1e-14)


def test_log_likelihood_by_hand_power_law():
    # phi(t) = alpha (p - 1) c^(p-1) (t + c)^-p, Phi(t) = alpha (1 - (c / (t + c))^(p - 1)); events at 0.2, 0.7 on [0, 1.5]
    al, p, c, mu = 0.4, 2.5, 0.3, 0.8
    proc = HawkesProcess([mu], PowerLawKernel([[al]], p, c))
    code, alpha, s1, s2 = proc.kernel.components()

    def phi(d):
        return al * (p - 1) * c ** (p - 1) * (d + c) ** -p

    def big_phi(d):
        return al * (1 - (c / (d + c)) ** (p - 1))

    by_hand = math.log(mu) + math.log(mu + phi(0.5)) - (mu * 1.5 + big_phi(1.3) + big_phi(0.8))
    got = ref.log_likelihood(np, np.array([0.2, 0.7]), np.array([0, 0]), 1.5, code, proc.baseline, alpha, s1, s2)[0]
    assert math.isclose(got, by_hand, rel_tol=1e-14)
    assert code == KernelCode.POWER_LAW


def test_derivatives_under_array_api_strict_equal_numpy():
    t, m = simulate(PROC, 15.0, seed=3, backend="numpy").path(0)
    code, alpha, s1, s2 = PROC.kernel.components()
    want = ref.log_likelihood(np, t, m, 15.0, code, PROC.baseline, alpha, s1, s2, order=2)
    got = ref.log_likelihood(xps, xps.asarray(t), xps.asarray(m), 15.0, code, PROC.baseline, alpha, s1, s2, order=2)
    assert math.isclose(got[0], want[0], rel_tol=1e-13)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got[2], want[2], rtol=1e-12, atol=1e-12)
