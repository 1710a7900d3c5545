"""kernels/options/api.py on every backend against QuantLib's analytic engine, put–call parity and an IV round trip."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quantforge.errors import ConvergenceFailure, InvalidParameters
from quantforge.kernels.options import GREEKS, bs_greeks, bs_price, implied_vol

ql = pytest.importorskip("QuantLib")


def quantlib_greeks(s, k, days, r, q, vol, call):
    """Price and Greeks from QuantLib's AnalyticEuropeanEngine (REFERENCES.md recipe), T = days/365."""
    today = ql.Date(15, 1, 2024)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(s)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, q, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, r, dc)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), vol, dc)),
    )
    payoff = ql.PlainVanillaPayoff(ql.Option.Call if call else ql.Option.Put, k)
    opt = ql.VanillaOption(payoff, ql.EuropeanExercise(today + days))
    opt.setPricingEngine(ql.AnalyticEuropeanEngine(process))
    return {
        "price": opt.NPV(),
        "delta": opt.delta(),
        "gamma": opt.gamma(),
        "vega": opt.vega(),
        "theta": opt.theta(),
        "rho": opt.rho(),
    }


CASES = [  # spot, strike, days, rate, dividend, vol
    (100.0, 100.0, 365, 0.05, 0.0, 0.20),
    (100.0, 80.0, 30, 0.01, 0.02, 0.45),
    (50.0, 65.0, 730, 0.03, 0.01, 0.15),
    (100.0, 130.0, 91, -0.005, 0.0, 0.60),
    (2500.0, 2400.0, 1825, 0.04, 0.03, 0.25),
]


def test_reference_value_from_references_md():
    assert bs_price(100.0, 100.0, 1.0, 0.05, 0.2, backend="numpy") == pytest.approx(10.450583572, abs=1e-9)


@pytest.mark.parametrize("call", [True, False])
def test_price_and_greeks_match_quantlib(backend, call):
    s, k, days, r, q, vol = (np.array(c) for c in zip(*CASES))
    got = bs_greeks(s, k, days / 365.0, r, vol, q, call, backend=backend)
    for i, case in enumerate(CASES):
        want = quantlib_greeks(*case, call)
        for g in GREEKS:
            assert got[g][i] == pytest.approx(want[g], rel=1e-9, abs=1e-10), (g, case)


def test_backends_agree_with_reference(backend):
    rng = np.random.default_rng(3)
    n = 200
    args = (
        rng.uniform(50, 150, n),
        rng.uniform(50, 150, n),
        rng.uniform(0.01, 3, n),
        rng.uniform(-0.01, 0.1, n),
        rng.uniform(0.05, 1.0, n),
        rng.uniform(0, 0.05, n),
        rng.random(n) < 0.5,
    )
    ref = bs_greeks(*args, backend="numpy")
    got = bs_greeks(*args, backend=backend)
    for g in GREEKS:
        np.testing.assert_allclose(got[g], ref[g], rtol=1e-12, atol=1e-13)


@settings(max_examples=40, deadline=None)
@given(
    s=st.floats(1.0, 1000.0),
    m=st.floats(0.3, 3.0),
    t=st.floats(0.01, 10.0),
    r=st.floats(-0.02, 0.15),
    q=st.floats(0.0, 0.1),
    vol=st.floats(0.01, 2.0),
)
def test_put_call_parity(s, m, t, r, q, vol):
    k = s * m
    call = bs_price(s, k, t, r, vol, q, True, backend="numpy")
    put = bs_price(s, k, t, r, vol, q, False, backend="numpy")
    parity = s * np.exp(-q * t) - k * np.exp(-r * t)
    assert call - put == pytest.approx(parity, abs=1e-10 * (s + k))


def test_limits():
    # deep in the money: the call is the discounted forward intrinsic value, delta e^{-qT}
    g = bs_greeks(100.0, 1.0, 1.0, 0.05, 0.2, 0.02, backend="numpy")
    assert g["price"] == pytest.approx(100 * np.exp(-0.02) - np.exp(-0.05), rel=1e-12)
    assert g["delta"] == pytest.approx(np.exp(-0.02), rel=1e-12)
    # vanishing volatility: the out-of-the-money put is worth nothing
    assert bs_price(100.0, 90.0, 1.0, 0.0, 1e-4, call=False, backend="numpy") == pytest.approx(0.0, abs=1e-300)


def test_implied_vol_round_trip(backend):
    k = np.linspace(40.0, 250.0, 15)[:, None]
    t = np.array([0.05, 0.5, 2.0, 7.0])[None, :]
    vol = 0.1 + 0.5 * np.abs(np.sin(k + t))
    call = np.broadcast_to(k >= 100.0, (15, 4))
    prices = bs_price(100.0, k, t, 0.02, vol, 0.01, call)
    iv = implied_vol(prices, 100.0, k, t, 0.02, 0.01, call, backend=backend)
    assert iv.shape == (15, 4)
    np.testing.assert_allclose(iv, vol, rtol=1e-7)


def test_implied_vol_against_quantlib():
    today = ql.Date(15, 1, 2024)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    spot = ql.SimpleQuote(100.0)
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(spot),
        ql.YieldTermStructureHandle(ql.FlatForward(today, 0.0, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, 0.03, dc)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), 0.2, dc)),
    )
    opt = ql.VanillaOption(ql.PlainVanillaPayoff(ql.Option.Put, 95.0), ql.EuropeanExercise(today + 182))
    opt.setPricingEngine(ql.AnalyticEuropeanEngine(process))
    want = opt.impliedVolatility(4.0, process, 1e-12, 500, 1e-4, 4.0)
    got = implied_vol(4.0, 100.0, 95.0, 182 / 365, 0.03, 0.0, False, backend="numpy")
    assert got == pytest.approx(want, rel=1e-8)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"vol": -0.2}, "vol must be finite and > 0"),
        ({"spot": np.nan}, "spot must be finite"),
        ({"expiry": 0.0}, "expiry must be finite and > 0"),
        ({"rate": np.inf}, "rate must be finite"),
        ({"strike": [100.0, 110.0, 120.0], "spot": [1.0, 2.0]}, "do not broadcast"),
    ],
)
def test_bad_inputs_are_refused(kwargs, match):
    args = {"spot": 100.0, "strike": 100.0, "expiry": 1.0, "rate": 0.01, "vol": 0.2} | kwargs
    with pytest.raises(InvalidParameters, match=match):
        bs_price(**args, backend="numpy")


def test_call_flag_must_be_boolean():
    with pytest.raises(TypeError, match="call must be a bool"):
        bs_price(100.0, 100.0, 1.0, 0.01, 0.2, call=1, backend="numpy")


def test_implied_vol_refuses_arbitrage_prices():
    with pytest.raises(InvalidParameters, match="outside the no-arbitrage interval"):
        implied_vol(120.0, 100.0, 100.0, 1.0, 0.0, backend="numpy")  # call above spot
    with pytest.raises(InvalidParameters, match="outside the no-arbitrage interval"):
        implied_vol(1.0, 100.0, 50.0, 1.0, 0.0, backend="numpy")  # call below intrinsic


def test_implied_vol_reports_non_convergence(backend):
    with pytest.raises(ConvergenceFailure, match="max_iter=1"):
        implied_vol(3.0, 100.0, 100.0, 1.0, 0.0, max_iter=1, backend=backend)
