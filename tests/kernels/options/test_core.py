"""kernels/options/core.py: the plain-Python scalar formula (which the numba path compiles) against
the reference, element by element, and the layout of the Greeks."""

import numpy as np
from scipy.special import erfc

from quantforge.kernels.options.core import GREEKS, Greek, black_scholes_scalar
from quantforge.kernels.options.reference import black_scholes


def test_greek_layout_names_the_rows():
    assert GREEKS == ("price", "delta", "gamma", "vega", "theta", "rho")
    assert [GREEKS[g] for g in Greek] == [g.name.lower() for g in Greek]


def test_scalar_formula_equals_the_reference():
    rng = np.random.default_rng(9)
    n = 50
    args = (rng.uniform(50, 150, n), rng.uniform(50, 150, n), rng.uniform(0.01, 3, n), rng.uniform(-0.01, 0.1, n),
            rng.uniform(0, 0.05, n), rng.uniform(0.05, 1.0, n), rng.random(n) < 0.5)
    want = np.stack(black_scholes(*args, greeks=True, xp=np, erfc=erfc))
    got = np.array([black_scholes_scalar(*(float(a[i]) for a in args[:6]), bool(args[6][i])) for i in range(n)]).T
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)
