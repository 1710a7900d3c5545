"""kernels/market_making/api.py: an independent per-path loop, backend identity, chunking,
closed-form expectations and the paper's section-4 conclusion."""

import math

import numpy as np
import pytest

from quantforge.errors import InvalidParameters
from quantforge.kernels.market_making import simulate_market_making
from quantforge.kernels.rng import Philox

MARKET = dict(s0=100.0, sigma=2.0, A=140.0, k=1.5, dt=0.005)


def _tables(n_steps, q_span, seed=0):
    """A depth table that varies with step and inventory, with an unquoted cell pattern."""
    rng = np.random.default_rng(seed)
    bid = rng.uniform(0.2, 1.5, size=(n_steps, 2 * q_span + 1))
    ask = rng.uniform(0.2, 1.5, size=(n_steps, 2 * q_span + 1))
    ask[::7, q_span + 1] = np.inf  # sometimes no ask at q = +1
    return bid, ask


def _naive(bid, ask, q_min, n_paths, seed, s0, sigma, A, k, dt, q0=0):
    """Plain-Python transcription of the model's rules, one path at a time (the test oracle)."""
    n_steps = bid.shape[0]
    u = Philox(seed).uniforms(n_paths, 4 * n_steps, backend="numpy")
    profit, final_q = [], []
    for i in range(n_paths):
        s, q, cash = s0, q0, 0.0
        for j in range(n_steps):
            db, da = bid[j, q - q_min], ask[j, q - q_min]
            u_mid, u_bid, u_ask = u[i, 4 * j], u[i, 4 * j + 1], u[i, 4 * j + 2]
            buy = u_bid < A * math.exp(-k * db) * dt
            sell = u_ask < A * math.exp(-k * da) * dt
            if buy:
                cash -= s - db
                q += 1
            if sell:
                cash += s + da
                q -= 1
            s += sigma * math.sqrt(dt) if u_mid < 0.5 else -sigma * math.sqrt(dt)
        profit.append(cash + q * s)
        final_q.append(q)
    return np.array(profit), np.array(final_q)


def test_reference_matches_an_independent_per_path_loop():
    bid, ask = _tables(40, 40)
    ref_profit, ref_q = _naive(bid, ask, -40, 25, 7, **MARKET)
    out = simulate_market_making(bid, ask, q_min=-40, n_paths=25, seed=7, backend="numpy", **MARKET)
    np.testing.assert_array_equal(out.final_q, ref_q)
    np.testing.assert_allclose(out.profit, ref_profit, rtol=1e-12)


def test_same_seed_same_numbers_on_every_backend(backend):
    bid, ask = _tables(60, 60, seed=3)
    ref = simulate_market_making(bid, ask, q_min=-60, n_paths=300, seed=11, backend="numpy", **MARKET)
    out = simulate_market_making(bid, ask, q_min=-60, n_paths=300, seed=11, backend=backend, **MARKET)
    np.testing.assert_array_equal(out.final_q, ref.final_q)
    np.testing.assert_array_equal(out.bid_fills, ref.bid_fills)
    np.testing.assert_allclose(out.profit, ref.profit, rtol=1e-9)
    np.testing.assert_allclose(out.mean_spread, ref.mean_spread, rtol=1e-9)


def test_chunks_of_paths_reproduce_the_whole_batch():
    bid, ask = _tables(30, 30, seed=5)
    whole = simulate_market_making(bid, ask, q_min=-30, n_paths=50, seed=2, backend="numba", **MARKET)
    parts = [
        simulate_market_making(bid, ask, q_min=-30, n_paths=b - a, path_offset=a, seed=2, backend="numba", **MARKET)
        for a, b in [(0, 7), (7, 31), (31, 50)]
    ]
    np.testing.assert_array_equal(np.concatenate([p.profit for p in parts]), whole.profit)


def test_zero_volatility_profit_is_the_captured_spread():
    n = 100
    bid = np.full((n, 2 * n + 1), 0.4)
    ask = np.full((n, 2 * n + 1), 0.7)
    out = simulate_market_making(bid, ask, q_min=-n, n_paths=500, seed=1, backend="numba", **{**MARKET, "sigma": 0.0})
    np.testing.assert_allclose(out.profit, 0.4 * out.bid_fills + 0.7 * out.ask_fills, rtol=1e-12, atol=1e-9)


def test_fill_counts_and_mean_profit_match_closed_forms():
    # constant depth delta: fills per side ~ Binomial(n, p), p = A exp(-k delta) dt; the mid is a
    # martingale independent of the inventory held over each step, so E[profit] = delta E[fills].
    n, delta, paths = 200, 0.6, 20_000
    tab = np.full((n, 2 * n + 1), delta)
    out = simulate_market_making(tab, tab, q_min=-n, n_paths=paths, seed=99, backend="numba", **MARKET)
    p = MARKET["A"] * math.exp(-MARKET["k"] * delta) * MARKET["dt"]
    fills = out.bid_fills
    assert abs(fills.mean() - n * p) < 4 * math.sqrt(n * p * (1 - p) / paths)
    assert abs(fills.var() / (n * p * (1 - p)) - 1) < 4 * math.sqrt(2 / paths)
    expected = 2 * n * p * delta
    assert abs(out.profit.mean() - expected) < 4 * out.profit.std(ddof=1) / math.sqrt(paths)
    assert np.allclose(out.mean_spread, 2 * delta)


def test_section4_inventory_strategy_reduces_risk():
    """The paper's conclusion (Table 1-3): the inventory strategy has a much smaller dispersion of
    profit and final inventory than the symmetric strategy with the same average spread."""
    from quantforge.demo import section4_experiment

    for gamma in (0.1, 1.0):
        res = section4_experiment(gamma, paths=1000, seed=2008, backend="numba")
        inv, sym = res["inventory"].summary(), res["symmetric"].summary()
        assert inv["spread"] == pytest.approx(sym["spread"], rel=1e-12)
        # with 1000 paths the standard error of a sample std is ~2.2% of it; the gaps are far wider
        assert inv["profit_std"] < 0.7 * sym["profit_std"]
        assert inv["q_std"] < 0.5 * sym["q_std"]


def test_recorded_path_is_the_first_path():
    bid, ask = _tables(50, 50, seed=8)
    out = simulate_market_making(bid, ask, q_min=-50, n_paths=10, seed=4, record_path=True, backend="numba", **MARKET)
    rec = out.record
    assert rec.shape == (51, 5)
    assert rec[-1, 1] == pytest.approx(out.final_mid[0]) and rec[-1, 4] == out.final_q[0]
    assert rec[0, 1] == MARKET["s0"] and np.all(rec[:-1, 2] < rec[:-1, 1])


def test_bad_input():
    tab = np.full((10, 21), 0.5)
    ok = dict(q_min=-10, n_paths=2, seed=1, **MARKET)
    bad_nan = tab.copy()
    bad_nan[3, 4] = np.nan
    with pytest.raises(InvalidParameters, match="bid_depth"):
        simulate_market_making(bad_nan, tab, **ok)
    with pytest.raises(InvalidParameters, match="one shape"):
        simulate_market_making(tab, tab[:, :5], **ok)
    with pytest.raises(InvalidParameters, match="q_max"):
        simulate_market_making(tab[:, :15], tab[:, :15], **ok)
    with pytest.raises(InvalidParameters, match="sigma"):
        simulate_market_making(tab, tab, **{**ok, "sigma": -1.0})
    with pytest.raises(InvalidParameters, match="dt"):
        simulate_market_making(tab, tab, **{**ok, "dt": float("inf")})
    with pytest.raises(InvalidParameters, match="q0"):
        simulate_market_making(tab, tab, q0=30, **ok)
    # a table that blocks the outward side at its edges is accepted although narrow
    edge = np.full((10, 5), 0.5)
    edge_b, edge_a = edge.copy(), edge.copy()
    edge_b[:, -1] = np.inf
    edge_a[:, 0] = np.inf
    out = simulate_market_making(edge_b, edge_a, **{**ok, "q_min": -2, "n_paths": 200})
    assert out.final_q.min() >= -2 and out.final_q.max() <= 2


@pytest.mark.gpu
def test_gpu_simulator_matches_numba():
    bid, ask = _tables(200, 200, seed=1)
    ref = simulate_market_making(bid, ask, q_min=-200, n_paths=10_000, seed=5, backend="numba", **MARKET)
    out = simulate_market_making(bid, ask, q_min=-200, n_paths=10_000, seed=5, backend="cupy", **MARKET)
    np.testing.assert_array_equal(out.final_q, ref.final_q)
    np.testing.assert_allclose(out.profit, ref.profit, rtol=1e-9)
