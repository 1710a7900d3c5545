"""kernels/var/numba.py: compiled revaluation (plain and fused with the positions) and selection equal the
reference."""

import numpy as np
from scipy import special

from quantforge.kernels.var import Instruments
from quantforge.kernels.var.numba import revalue, scenario_pnl, tail_statistics
from quantforge.kernels.var.reference import revalue_xp
from quantforge.kernels.var.reference import tail_statistics as tail_reference


def _book(n=40, seed=0):
    rng = np.random.default_rng(seed)
    spots = rng.uniform(20, 200, 7)
    factor = rng.integers(0, 7, n)
    option = rng.random(n) < 0.3
    return Instruments(
        spots,
        factor,
        option=option,
        strike=spots[factor] * rng.uniform(0.8, 1.2, n),
        expiry=rng.uniform(0.2, 2, n),
        vol=rng.uniform(0.1, 0.5, n),
        rate=0.02,
        call=rng.random(n) < 0.5,
        multiplier=rng.uniform(1, 10, n),
    )


def test_revalue_and_fused_pnl_equal_the_reference():
    book = _book()
    r = np.random.default_rng(1).standard_normal((300, 7)) * 0.03
    shift = np.random.default_rng(2).uniform(-0.05, 0.05, (300, 7))
    for s in (None, shift):
        want = revalue_xp(np, special.erfc, book.table, book.spots, r, 0.05, s)
        np.testing.assert_allclose(revalue(book.table, book.spots, r, 0.05, s), want, rtol=1e-12, atol=1e-12)
        for n_port in (1, 3, 40):  # fused below 32 portfolios, a product above
            q = np.random.default_rng(n_port).normal(0, 5, (40, n_port))
            np.testing.assert_allclose(
                scenario_pnl(book.table, book.spots, r, 0.05, s, q), want @ q, rtol=1e-10, atol=1e-9
            )


def test_tail_statistics_equal_the_reference():
    losses = np.random.default_rng(3).standard_normal((5, 1234))
    losses[0, :600] = 0.0  # ties at VaR
    alphas = np.array([0.5, 0.95, 0.99])
    got, want = tail_statistics(losses, alphas), tail_reference(losses, alphas)
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-12, atol=1e-15, err_msg=name)
