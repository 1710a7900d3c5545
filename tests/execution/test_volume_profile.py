"""execution/volume_profile.py: the U-shaped default against its intensity integrated numerically
(scipy's quad), the fit as a mean of daily shares, profile checks by name."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from quantforge.errors import InvalidParameters
from quantforge.execution import fit_volume_profile, u_shaped_profile
from quantforge.execution.volume_profile import check_profile


@pytest.mark.parametrize("n_bins,a,b,w", [(13, 2.0, 3.0, 0.1), (7, 0.0, 0.0, 0.3), (26, 5.0, 1.0, 0.05)])
def test_u_shape_is_the_intensity_integrated_over_each_bin(n_bins, a, b, w):
    def f(x):
        return 1 + a * math.exp(-x / w) + b * math.exp(-(1 - x) / w)

    edges = np.linspace(0, 1, n_bins + 1)
    mass = np.array([quad(f, lo, hi, epsabs=1e-13)[0] for lo, hi in zip(edges[:-1], edges[1:])])
    np.testing.assert_allclose(
        u_shaped_profile(n_bins, open_weight=a, close_weight=b, decay=w), mass / mass.sum(), rtol=1e-10
    )


def test_fit_weighs_every_day_the_same():
    days = np.array([[10.0, 30.0, 60.0], [1000.0, 1000.0, 2000.0]])
    np.testing.assert_allclose(fit_volume_profile(days), [(0.1 + 0.25) / 2, (0.3 + 0.25) / 2, (0.6 + 0.5) / 2])
    np.testing.assert_allclose(fit_volume_profile([2.0, 6.0]), [0.25, 0.75])
    assert check_profile(fit_volume_profile(np.random.default_rng(0).uniform(0, 5, (20, 13)))).size == 13


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: fit_volume_profile([[1.0, -1.0]]), r"volumes must be >= 0 everywhere; volumes\[\(0, 1\)\] = -1\.0"),
        (
            lambda: fit_volume_profile([[1.0, 2.0], [0.0, 0.0]]),
            r"every day of volumes needs some volume; day 1 has none",
        ),
        (lambda: fit_volume_profile([[np.nan, 1.0]]), r"volumes must be finite everywhere"),
        (lambda: u_shaped_profile(0), r"n_bins must be >= 1, got 0"),
        (lambda: u_shaped_profile(5, decay=0.0), r"decay must be > 0, got 0\.0"),
        (lambda: check_profile([0.2, 0.2]), r"profile must sum to 1"),
    ],
)
def test_bad_input_is_refused_by_name(call, match):
    with pytest.raises(InvalidParameters, match=match):
        call()
