"""engine/day.py: one trading day end to end (synthetic flow → ITCH → decoder → SPSC ring → loop).
Events are conserved through the feed and the ring (the day equals run_loop on the raw synthetic
events), the accounting identities hold against the own fill records, a seed reproduces the day,
the report is JSON-able and bad input is refused with the parameter named."""

from __future__ import annotations

import json

import numpy as np
import pytest

from quantforge.engine import loop as L
from quantforge.engine.book import REJECT_NAMES, new_book_state
from quantforge.engine.day import DAY_START_NS, run_trading_day, run_trading_day_on
from quantforge.engine.surface import make_surface_table
from quantforge.engine.synthetic import synthetic_events
from quantforge.errors import InvalidParameters
from quantforge.models.surface import QuoteSurface

TIMING = ("latency_ns", "latency_overflow_fraction", "updates_per_s", "loop_s", "wall_s")


def as_surface():
    """Avellaneda–Stoikov depths (eq. 29-30 of the paper: reservation price q γ σ² τ below the mid,
    total spread γ σ² τ + (2/γ) ln(1 + γ/k)) on a unit horizon, inventory -6..6."""
    t = np.linspace(0.0, 1.0, 41)
    q = np.arange(-6, 7)
    gamma, sigma, k = 0.1, 2.0, 1.5
    tau = t[:, None]
    half = 0.5 * gamma * sigma**2 * tau + np.log1p(gamma / k) / gamma
    bid = half + q[None, :] * gamma * sigma**2 * tau
    ask = half - q[None, :] * gamma * sigma**2 * tau
    bid[:, -1] = np.inf
    ask[:, 0] = np.inf
    return QuoteSurface("avellaneda-stoikov", {"gamma": gamma, "sigma": sigma, "k": k}, t, q, bid, ask)


DAY = dict(tick_size=2.0, seed=3, n_events=30_000, session_s=600.0, ring_capacity=1 << 10, chunk_bytes=1 << 14)


@pytest.fixture(scope="module")
def day():
    return run_trading_day_on(as_surface(), keep_fills=True, **DAY)


def test_events_conserved_through_feed_and_ring(day):
    assert day["events"] == DAY["n_events"]
    assert day["feed"] == {
        "messages": DAY["n_events"],
        "decoded": DAY["n_events"],
        "unknown_type": 0,
        "bad_length": 0,
        "off_grid_price": 0,
        "bad_side": 0,
        "truncated": 0,
    }
    assert day["book_rejects"] == dict.fromkeys(REJECT_NAMES, 0) and day["book_rejected"] == 0  # a valid stream
    # The same day without ITCH and the ring: run_loop on the raw synthetic events gives the same fills.
    surf = as_surface()
    session_ns = int(DAY["session_s"] * 1e9)
    tab = make_surface_table(surf.bid_depth, surf.ask_depth, surf.time_to_horizon_s * DAY["session_s"], surf.q_min)
    cfg = L.make_config(
        tick_size=DAY["tick_size"],
        horizon_end_ns=DAY_START_NS + session_ns,
        max_position_lots=6,
        max_order_lots=1,
        band_ticks=1000,
        loss_limit=1e300,
    )
    ev = synthetic_events(
        DAY["n_events"],
        seed=DAY["seed"],
        start_ns=DAY_START_NS,
        mean_gap_ns=session_ns // DAY["n_events"],
        move_prob=0.002,
    )
    st = L.new_loop_state(cfg, max_actions=1 << 17, max_fills=1 << 16)
    L.run_loop(new_book_state(1 << 13, 1 << 14), ev, tab, cfg, st)
    s = dict(zip(L.STATE_FIELDS, st.s.tolist()))
    assert (s["position"], s["n_fills"], s["volume"], s["next_oid"] - (1 << 40)) == (
        day["final_inventory"],
        day["fills"],
        day["filled_lots"],
        day["orders"],
    )
    np.testing.assert_array_equal(
        st.fills[: s["n_fills"]][["ts_ns", "order_id", "side", "price_ticks", "size_lots"]],
        day["fill_records"][["ts_ns", "order_id", "side", "price_ticks", "size_lots"]],
    )


def test_accounting_identities(day):
    f = day["fill_records"]
    tick = DAY["tick_size"]
    assert day["fills"] == f.shape[0] > 20
    assert day["final_inventory"] == int((f["side"].astype(np.int64) * f["size_lots"]).sum())
    assert day["filled_lots"] == int(f["size_lots"].sum())
    assert day["cash"] == pytest.approx(
        -tick * float((f["side"].astype(np.int64) * f["size_lots"] * f["price_ticks"]).sum())
    )
    assert day["pnl"] == pytest.approx(day["cash"] + day["final_inventory"] * day["last_mid"])
    assert day["orders"] == day["new"] + day["replaced"]
    assert day["orders"] == day["orders_filled"] + day["cancelled"] + day["replaced"] + day["live_orders"]
    assert abs(day["final_inventory"]) <= 6 and not day["kill_switch"]
    lat = day["latency_ns"]
    assert 0 < lat["p50"] <= lat["p99"] <= lat["p99.9"] and day["updates_per_s"] > 0


def test_deterministic_for_a_seed_and_json_able(day):
    again = run_trading_day_on(as_surface(), **DAY)
    same = {k: v for k, v in day.items() if k not in TIMING and k != "fill_records"}
    assert {k: v for k, v in again.items() if k not in TIMING} == same
    json.dumps(again)
    other = run_trading_day_on(as_surface(), **{**DAY, "seed": 4})
    assert other["fills"] != day["fills"] or other["pnl"] != day["pnl"]


def test_arrays_and_surface_object_agree_and_kill_switch():
    surf = as_surface()
    kw = {**DAY, "n_events": 8000}
    a = run_trading_day(surf.bid_depth, surf.ask_depth, surf.time_to_horizon_s, surf.q_min, **kw)
    b = run_trading_day_on(surf, **kw)
    assert {k: v for k, v in a.items() if k not in TIMING} == {k: v for k, v in b.items() if k not in TIMING}
    killed = run_trading_day_on(surf, **{**DAY, "loss_limit": 1.0, "move_prob": 0.02})
    assert killed["kill_switch"] and killed["live_orders"] == 0 and killed["limits"]["loss_limit"] == 1.0


def test_bad_input_names_the_parameter():
    surf = as_surface()
    args = (surf.bid_depth, surf.ask_depth, surf.time_to_horizon_s, surf.q_min)
    with pytest.raises(InvalidParameters, match="tick_size"):
        run_trading_day(*args, tick_size=0.0, n_events=100)
    with pytest.raises(InvalidParameters, match="n_events"):
        run_trading_day(*args, tick_size=1.0, n_events=0)
    with pytest.raises(InvalidParameters, match="t_grid"):
        run_trading_day(surf.bid_depth[:1], surf.ask_depth[:1], [0.0], 0, tick_size=1.0, n_events=100)
    with pytest.raises(InvalidParameters, match="move_prob"):
        run_trading_day(*args, tick_size=1.0, n_events=100, move_prob=1.5)
    with pytest.raises(InvalidParameters, match="regime"):
        run_trading_day_on(
            QuoteSurface(
                "r",
                {},
                surf.time_to_horizon_s,
                surf.inventory_lots,
                np.stack([surf.bid_depth] * 2),
                np.stack([surf.ask_depth] * 2),
            ),
            tick_size=1.0,
        )
    with pytest.raises(InvalidParameters, match="bid_depth"):
        run_trading_day_on(object(), tick_size=1.0)


def test_package_api_resolves_lazily():
    import subprocess
    import sys

    code = (
        "import sys, quantforge.engine as E; assert 'quantforge.engine.loop' not in sys.modules; "
        "missing = [n for n in E.__all__ if getattr(E, n, None) is None]; assert not missing, missing; "
        "assert E.run_trading_day.__module__ == 'quantforge.engine.day'; "
        "assert not any(m.startswith(('jax', 'cupy', 'numba.cuda')) for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_feed_in_a_separate_process_gives_the_same_day(day):
    two = run_trading_day_on(as_surface(), producer_process=True, **DAY)
    same = {k: v for k, v in day.items() if k not in TIMING and k != "fill_records"}
    assert {k: v for k, v in two.items() if k not in TIMING} == same


def test_docstring_example_runs():
    import doctest

    from quantforge.engine import day as D

    result = doctest.testmod(D, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
