"""kernels/options/core.py: the plain-Python scalar formula (which the numba path compiles) against
the reference, element by element, and the layout of the Greeks."""

import math

import numpy as np
from scipy.special import erfc

from quantforge.kernels.options.core import GREEKS, Greek, black_scholes_scalar, spot_constants, spot_price_scalar
from quantforge.kernels.options.reference import black_scholes


def test_greek_layout_names_the_rows():
    assert GREEKS == ("price", "delta", "gamma", "vega", "theta", "rho")
    assert [GREEKS[g] for g in Greek] == [g.name.lower() for g in Greek]


def test_scalar_formula_equals_the_reference():
    rng = np.random.default_rng(9)
    n = 50
    args = (
        rng.uniform(50, 150, n),
        rng.uniform(50, 150, n),
        rng.uniform(0.01, 3, n),
        rng.uniform(-0.01, 0.1, n),
        rng.uniform(0, 0.05, n),
        rng.uniform(0.05, 1.0, n),
        rng.random(n) < 0.5,
    )
    want = np.stack(black_scholes(*args, greeks=True, xp=np, erfc=erfc))
    got = np.array([black_scholes_scalar(*(float(a[i]) for a in args[:6]), bool(args[6][i])) for i in range(n)]).T
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)


def test_spot_constants_and_spot_price_give_the_black_scholes_price():
    rng = np.random.default_rng(12)
    for s, k, t, r, q, sigma, call in zip(
        rng.uniform(50, 150, 50),
        rng.uniform(50, 150, 50),
        rng.uniform(0.01, 3, 50),
        rng.uniform(-0.01, 0.1, 50),
        rng.uniform(0, 0.05, 50),
        rng.uniform(0.05, 1, 50),
        rng.random(50) < 0.5,
    ):
        want = black_scholes_scalar(s, k, t, r, q, sigma, bool(call))[0]
        got = spot_price_scalar(s, *spot_constants(k, t, r, q, sigma), bool(call))
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12)
