"""kernels/options/reference.py: the reference runs unchanged under array_api_strict (with scipy's
erfc, which the array API lacks, applied on the host) and gives the numbers it gives on numpy."""

import array_api_strict as xps
import numpy as np
from scipy.special import erfc

from quantforge.kernels.options.reference import black_scholes, implied_vol


def _strict_erfc(x):
    return xps.asarray(erfc(np.asarray(x)))


def _inputs():
    rng = np.random.default_rng(8)
    n = 12
    return (
        rng.uniform(50, 150, n),
        rng.uniform(50, 150, n),
        rng.uniform(0.05, 3, n),
        rng.uniform(-0.01, 0.1, n),
        rng.uniform(0, 0.05, n),
        rng.uniform(0.05, 1.0, n),
        rng.random(n) < 0.5,
    )


def test_black_scholes_runs_under_array_api_strict():
    args = _inputs()
    want = black_scholes(*args, greeks=True, xp=np, erfc=erfc)
    got = black_scholes(*(xps.asarray(a) for a in args), greeks=True, xp=xps, erfc=_strict_erfc)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-14, atol=0)


def test_implied_vol_runs_under_array_api_strict():
    s, k, t, r, q, sigma, call = _inputs()
    (price,) = black_scholes(s, k, t, r, q, sigma, call, greeks=False, xp=np, erfc=erfc)
    want, pending = implied_vol(price, s, k, t, r, q, call, 1e-12, 100, xp=np, erfc=erfc)
    assert not pending
    got, pending = implied_vol(
        *(xps.asarray(a) for a in (price, s, k, t, r, q, call)), 1e-12, 100, xp=xps, erfc=_strict_erfc
    )
    assert not bool(pending)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-14, atol=0)
