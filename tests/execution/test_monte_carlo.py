"""execution/monte_carlo.py: the Monte Carlo mean of implementation shortfall against the closed-form
expected cost within three standard errors (fixed seed; Merton jumps, a martingale price), its
variance against the arithmetic-Brownian formula where GBM is close to it, the per-path costs
against an explicit loop over kernels.sde paths, and common random numbers across strategies."""

from __future__ import annotations

import numpy as np
import pytest

from quantforge.errors import HardwareError, InvalidParameters
from quantforge.execution import (
    AlmgrenChriss,
    LinearImpact,
    ac_schedule,
    cost_variance,
    simulate_costs,
    twap_schedule,
    vwap_schedule,
)
from quantforge.kernels.sde import GBM, Merton, simulate

IMPACT = LinearImpact(gamma=2e-6, eta=5e-3, epsilon=0.01)  # per second and per share
S0 = 40.0
DAY = 23_400.0
VOL = 0.02 / np.sqrt(DAY)  # 2% a day, per square-root second
MERTON = Merton(mu=0.0, sigma=VOL, lam=3.0 / DAY, jump_mean=-0.01, jump_vol=0.02)  # compensated: a martingale


def _schedules():
    ac = AlmgrenChriss(sigma=S0 * VOL, impact=IMPACT)
    return [
        twap_schedule(20_000, 1_800.0, 30),
        vwap_schedule(20_000, 1_800.0, 30),
        ac_schedule(20_000, 1_800.0, 30, ac, urgency=3.0),
        ac_schedule(20_000, 1_800.0, 30, ac, urgency=8.0, side="sell"),
    ]


def test_mean_cost_is_the_closed_form_within_three_standard_errors():
    d = simulate_costs(_schedules(), IMPACT, MERTON, S0, 20_000, seed=2024, backend="numba")
    for name, mean, se, e in zip(d.names, d.mean, d.stderr, d.expected):
        assert abs(mean - e) < 3 * se, (name, mean, e, se)
    # the closed form is the impact model's E of each trade list (AC eq. 5 without drift)
    tau = 60.0
    for s, e in zip(_schedules(), d.expected):
        n = s.child_lots.astype(float)
        eta_t = IMPACT.eta - 0.5 * IMPACT.gamma * tau
        want = 0.5 * IMPACT.gamma * n.sum() ** 2 + IMPACT.epsilon * n.sum() + eta_t / tau * (n**2).sum()
        assert e == pytest.approx(want, rel=1e-12)


def test_variance_is_the_arithmetic_brownian_one_for_a_small_gbm_volatility():
    # over half an hour GBM with 2% daily volatility is arithmetic Brownian motion with sigma S0 to
    # within its own second-order terms, so V = sigma^2 tau sum x_k^2 (AC eq. 5) holds to about 1%
    d = simulate_costs(_schedules()[:1], IMPACT, GBM(0.0, VOL), S0, 40_000, seed=7, backend="numba")
    want = cost_variance(_schedules()[0].child_lots, S0 * 0.02 / np.sqrt(DAY), 60.0)
    assert d.std[0] ** 2 == pytest.approx(want, rel=0.03)


def test_costs_are_the_schedule_priced_on_each_sde_path():
    model = Merton(mu=0.0, sigma=0.03, lam=0.2, jump_mean=-0.02, jump_vol=0.03)  # per second
    sched = [twap_schedule(50, 10.0, 5), twap_schedule(50, 10.0, 5, side="sell")]
    d = simulate_costs(sched, IMPACT, model, S0, 16, seed=5, stream=2, backend="numpy")
    paths = simulate(model, S0, 10.0, 5, 16, scheme="exact", seed=5, stream=2, return_paths=True, backend="numpy").paths
    n = sched[0].child_lots.astype(float)
    for i in range(16):
        # buy n_k at S_{k-1} + gamma (X - x_{k-1}) + eps + eta n_k / tau; the seller mirrors it
        x_prev = 50 - np.concatenate([[0.0], np.cumsum(n)[:-1]])
        impact = IMPACT.gamma * (50 - x_prev) + IMPACT.epsilon + IMPACT.eta * n / 2.0
        buy = float(np.sum(n * (paths[i, :5] + impact)) - 50 * S0)
        sell = float(50 * S0 - np.sum(n * (paths[i, :5] - impact)))
        assert d.costs[0, i] == pytest.approx(buy, rel=1e-12, abs=1e-9)
        assert d.costs[1, i] == pytest.approx(sell, rel=1e-12, abs=1e-9)


def test_every_backend_gives_the_same_costs(backend):
    ref = simulate_costs(_schedules(), IMPACT, MERTON, S0, 300, seed=1, backend="numpy")
    got = simulate_costs(_schedules(), IMPACT, MERTON, S0, 300, seed=1, backend=backend)
    np.testing.assert_allclose(got.costs, ref.costs, rtol=1e-11, atol=1e-7)


def test_common_random_numbers_make_differences_precise():
    d = simulate_costs(_schedules()[:2], IMPACT, GBM(0.0, VOL), S0, 4000, seed=3, backend="numba")
    diff = d.costs[0] - d.costs[1]
    assert diff.std() < 0.2 * d.std[0]  # the same paths: most of the market's noise cancels


def test_a_time_unit_of_a_day_gives_the_costs_of_seconds():
    per_day = LinearImpact(gamma=IMPACT.gamma, eta=IMPACT.eta / DAY, epsilon=IMPACT.epsilon)  # h(v) in shares/day
    a = simulate_costs(_schedules(), IMPACT, GBM(0.0, VOL), S0, 200, seed=9, backend="numba")
    b = simulate_costs(_schedules(), per_day, GBM(0.0, 0.02), S0, 200, time_unit_s=DAY, seed=9, backend="numba")
    np.testing.assert_allclose(b.costs, a.costs, rtol=1e-9)


def test_table_summary_and_frame():
    d = simulate_costs(
        _schedules()[:2], IMPACT, GBM(0.0, VOL), S0, 500, names=["twap", "vwap"], seed=3, backend="numba"
    )
    t = d.table()
    assert list(t["strategy"]) == ["twap", "vwap"] and np.all(t["p05"] <= t["p50"]) and np.all(t["p50"] <= t["p95"])
    np.testing.assert_allclose(t["mean_bps"], 1e4 * d.mean / (20_000 * S0))
    assert "twap" in d.summary().splitlines()[1]
    try:
        frame = d.to_frame()
    except HardwareError as exc:
        assert "quantforge[tca]" in str(exc)
    else:
        assert list(frame.index) == ["twap", "vwap"] and frame.loc["vwap", "mean"] == pytest.approx(d.mean[1])


@pytest.mark.parametrize(
    "call,match",
    [
        (
            lambda: simulate_costs(
                [twap_schedule(10, 60.0, 4), twap_schedule(10, 60.0, 5)], IMPACT, GBM(0, 0.1), S0, 10
            ),
            r"schedules must share one time grid",
        ),
        (lambda: simulate_costs([], IMPACT, GBM(0, 0.1), S0, 10), r"schedules must be a non-empty sequence"),
        (lambda: simulate_costs([twap_schedule(10, 60.0, 4)], IMPACT, GBM(0, 0.1), -1.0, 10), r"price must be > 0"),
        (
            lambda: simulate_costs([twap_schedule(10, 60.0, 4)], IMPACT, GBM(0, 0.1), S0, 1),
            r"n_paths must be >= 2, got 1",
        ),
        (
            lambda: simulate_costs([twap_schedule(10, 60.0, 4)], IMPACT, GBM(0, 0.1), S0, 10, names=["a", "b"]),
            r"names must give one name per schedule \(1\), got 2",
        ),
        (
            lambda: simulate_costs([twap_schedule(10, 60.0, 4)], IMPACT, GBM(0, 0.1), float("nan"), 10),
            r"price must be finite, got nan",
        ),
    ],
)
def test_bad_input_is_refused_by_name(call, match):
    with pytest.raises(InvalidParameters, match=match):
        call()
