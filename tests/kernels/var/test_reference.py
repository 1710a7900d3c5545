"""kernels/var/reference.py: revaluation under array_api_strict, tail statistics against a full sort,
the parametric multipliers against numerical integration of the quantile function."""

import array_api_strict as xps
import numpy as np
import pytest
from scipy import integrate, special, stats

from quantforge.kernels.var import Instruments
from quantforge.kernels.var.reference import parametric_multipliers, revalue_xp, tail_statistics


def _book():
    return Instruments(
        [100.0, 40.0, 250.0],
        factor=[0, 1, 2, 0, 2],
        option=[False, False, False, True, True],
        multiplier=[1.0, 2.0, 1.0, 100.0, 50.0],
        strike=[0, 0, 0, 95.0, 260.0],
        expiry=[0, 0, 0, 0.3, 1.2],
        vol=[0, 0, 0, 0.3, 0.2],
        rate=0.01,
        call=[True] * 4 + [False],
    )


def test_revalue_under_array_api_strict():
    book = _book()
    r = np.random.default_rng(1).standard_normal((9, 3)) * 0.05
    shift = np.full((9, 3), 0.02)
    want = revalue_xp(np, special.erfc, book.table, book.spots, r, 0.1, shift)

    def strict_erfc(x):
        return xps.asarray(special.erfc(np.asarray(x)))

    got = revalue_xp(xps, strict_erfc, book.table, xps.asarray(book.spots), xps.asarray(r), 0.1, xps.asarray(shift))
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-14)
    np.testing.assert_allclose(want[:, 1], 2.0 * 40.0 * (np.exp(r[:, 1]) - 1.0), rtol=1e-14)


def test_tail_statistics_agree_with_a_full_sort():
    rng = np.random.default_rng(2)
    losses = rng.standard_t(4, (3, 2001))
    alphas = np.array([0.9, 0.99, 0.995])
    got = tail_statistics(losses, alphas)
    srt = np.sort(losses, axis=1)
    n = losses.shape[1]
    for j, a in enumerate(alphas):
        k = int(np.ceil(n * a)) - 1
        w = n * (1 - a)
        np.testing.assert_allclose(got["var"][:, j], srt[:, k])
        es = (srt[:, k + 1 :].sum(axis=1) + (w - (n - 1 - k)) * srt[:, k]) / w  # Acerbi & Tasche (2002) eq. 3.1
        np.testing.assert_allclose(got["es"][:, j], es, rtol=1e-12)


@pytest.mark.parametrize("s, k", [(0.0, 0.0), (-0.6, 2.5), (0.3, 1.0)])
def test_parametric_multipliers_are_the_quantile_and_its_tail_mean(s, k):
    alphas = np.array([0.95, 0.99])
    z = special.ndtri(alphas)
    q, tail = parametric_multipliers(z, alphas, np.array([[s]]), np.array([[k]]), stats.norm.pdf(z))

    def cf(u):
        x = special.ndtri(u)
        return x + (x * x - 1) * s / 6 + (x**3 - 3 * x) * k / 24 - (2 * x**3 - 5 * x) * s * s / 36

    for j, a in enumerate(alphas):
        assert q[0, j] == pytest.approx(cf(a), rel=1e-12)
        mean, _ = integrate.quad(cf, a, 1.0, limit=200)
        assert tail[0, j] == pytest.approx(mean / (1 - a), rel=1e-7)
    if s == k == 0.0:
        np.testing.assert_allclose(tail[0], stats.norm.pdf(z) / (1 - alphas), rtol=1e-14)
