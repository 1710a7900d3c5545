"""risk/stress.py: shocks revalued in closed form (linear) and with the package's Black–Scholes (options),
historical windows summed, stressed covariances that stay PSD."""

import math

import numpy as np
import pytest

from quantforge.errors import MatrixError, RiskError
from quantforge.kernels.options import bs_price
from quantforge.risk import Instruments, StressScenario, historical_stress, hypothetical_stress, stressed_covariance


def _book():
    return Instruments(
        [100.0, 50.0],
        factor=[0, 1, 0],
        option=[False, False, True],
        strike=[0, 0, 95.0],
        expiry=[0, 0, 0.5],
        vol=[0, 0, 0.2],
        multiplier=[1, 1, 10],
    )


def test_hypothetical_shocks_are_revalued_in_full():
    scen = [
        StressScenario("crash", [math.log(0.7), math.log(0.9)], vol_shifts=[0.25, 0.0]),
        StressScenario("rally", [math.log(1.1), 0.0]),
    ]
    res = hypothetical_stress(_book(), [[2.0, -4.0, 3.0]], scen, backend="numpy")
    v0 = float(bs_price(100.0, 95.0, 0.5, 0.0, 0.2))
    crash = 2 * (70 - 100) - 4 * (45 - 50) + 30 * (float(bs_price(70.0, 95.0, 0.5, 0.0, 0.45)) - v0)
    rally = 2 * 10 + 30 * (float(bs_price(110.0, 95.0, 0.5, 0.0, 0.2)) - v0)
    np.testing.assert_allclose(res.pnl[0], [crash, rally], rtol=1e-12)
    assert res.worst(1)[0] == [("crash", pytest.approx(crash))] and "crash" in res.summary()
    with pytest.raises(RiskError, match="scenario 'bad' factor_shocks must have one entry per factor"):
        hypothetical_stress(_book(), [1.0, 1.0, 1.0], [StressScenario("bad", [0.1])])


def test_historical_windows_are_sums_of_log_returns():
    r = np.random.default_rng(1).standard_normal((30, 2)) * 0.02
    res = historical_stress(_book(), [1.0, 1.0, 0.0], r, window=5, labels=[f"d{i}" for i in range(30)])
    assert len(res.names) == 26 and res.names[0] == "d0"
    growth = np.exp(r[3:8].sum(axis=0))
    assert res.pnl[3] == pytest.approx(100 * (growth[0] - 1) + 50 * (growth[1] - 1), rel=1e-12)


def test_stressed_covariance():
    vol = np.array([0.01, 0.02, 0.03])
    corr = np.array([[1.0, 0.2, -0.3], [0.2, 1.0, 0.1], [-0.3, 0.1, 1.0]])
    cov = corr * np.outer(vol, vol)
    out = stressed_covariance(cov, vol_multiplier=[1.0, 2.0, 1.5], correlation_shift=0.5)
    np.testing.assert_allclose(np.sqrt(np.diag(out)), vol * [1.0, 2.0, 1.5])
    np.testing.assert_allclose(out[0, 1] / np.sqrt(out[0, 0] * out[1, 1]), 0.6)
    forced = stressed_covariance(cov, correlation_overrides={(0, 1): 0.95, (1, 2): 0.95, (0, 2): -0.95})
    assert np.linalg.eigvalsh(forced)[0] > -1e-12  # the overrides are infeasible together; repaired
    np.testing.assert_allclose(np.diag(forced), vol**2, rtol=1e-12)
    with pytest.raises(MatrixError, match="covariance is not positive semi-definite"):
        stressed_covariance([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(RiskError, match=r"correlation_shift must lie in \[0, 1\]"):
        stressed_covariance(cov, correlation_shift=1.5)
