"""kernels/var/core.py: the plain-Python revaluation against the package's vectorised Black–Scholes,
Hoare's selection against a sort, and the ranks of VaR and ES."""

import math

import numpy as np
import pytest

from quantforge.kernels.options import bs_price
from quantforge.kernels.var.core import Inst, Kind, linear_pnl, option_pnl, select_kth, tail_ranks


def test_option_pnl_is_the_change_of_the_black_scholes_price():
    row = np.zeros(Inst.SIZE)
    row[Inst.KIND], row[Inst.MULTIPLIER], row[Inst.STRIKE], row[Inst.EXPIRY] = Kind.OPTION, 10.0, 105.0, 0.5
    row[Inst.VOL], row[Inst.RATE], row[Inst.DIVIDEND], row[Inst.CALL] = 0.25, 0.03, 0.01, 0.0
    row[Inst.VALUE0] = float(bs_price(100.0, 105.0, 0.5, 0.03, 0.25, 0.01, False, backend="numpy"))
    got = option_pnl(row, 93.0, 0.1, 0.05)
    want = 10.0 * (bs_price(93.0, 105.0, 0.4, 0.03, 0.3, 0.01, False, backend="numpy") - row[Inst.VALUE0])
    assert got == pytest.approx(float(want), rel=1e-13)
    assert linear_pnl(3.0, 100.0, math.exp(-0.1)) == pytest.approx(3.0 * 100.0 * (math.exp(-0.1) - 1.0), rel=1e-15)


@pytest.mark.parametrize("n", [1, 2, 7, 100, 1001])
def test_select_kth_places_the_order_statistic(n):
    rng = np.random.default_rng(n)
    for data in (rng.standard_normal(n), rng.integers(0, 5, n).astype(float)):  # ties included
        want = np.sort(data)
        for k in {0, n // 3, n // 2, n - 1}:
            a = data.copy()
            select_kth(a, 0, n, k)
            assert a[k] == want[k]
            assert np.all(a[:k] <= a[k]) and np.all(a[k + 1 :] >= a[k])
            assert np.array_equal(np.sort(a), want)


def test_tail_ranks():
    k, lo, hi, frac = tail_ranks(1000, 0.99)
    assert (k, frac) == (989, pytest.approx(0.0, abs=1e-9))  # ceil(990) - 1; ten losses above it make ES
    assert lo < k < hi and hi - lo >= 2 * math.floor(math.sqrt(1000 * 0.99 * 0.01))
    k, _, _, frac = tail_ranks(250, 0.99)
    assert k == 247 and frac == pytest.approx(0.5)  # 2 losses above, half of the third: 2.5 = 250 x 1%
