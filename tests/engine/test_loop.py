"""engine/loop.py: own quotes follow the surface (against ``surface_lookup`` and ``QuoteSurface.quotes``),
the risk gate (position, order size, price band, loss limit → kill switch), the risk-averse queue model
on hand-built event sequences with hand-computed fills and against the plain-Python ReferenceLoop on
random streams, the accounting identities, the latency histogram, configuration errors, feed events the
book refuses (counted by reason, against the reference book's statuses) and the loop reading a ring in
place (the same state as on an array, no allocation per batch)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from reference_book import ReferenceBook
from reference_loop import ReferenceLoop

from quantforge.engine import book as B
from quantforge.engine import loop as L
from quantforge.engine.book import NO_PRICE, new_book_state
from quantforge.engine.surface import make_surface_table, surface_lookup
from quantforge.engine.synthetic import synthetic_events
from quantforge.engine.types import (
    BUY,
    EV_ADD,
    EV_CANCEL,
    EV_EXECUTE,
    EV_MARKET,
    EV_REDUCE,
    EV_REPLACE,
    EV_TRADE,
    EVENT,
    SELL,
)
from quantforge.errors import InvalidParameters
from quantforge.models.surface import QuoteSurface

F = {name: i for i, name in enumerate(L.STATE_FIELDS)}
T0 = 34_200 * 10**9
TICK = 0.25


def events(*rows):
    """EVENT records from (kind, order_id, side, price_ticks, size_lots) rows, 1 µs apart."""
    ev = np.zeros(len(rows), EVENT)
    for i, (kind, oid, side, px, qty) in enumerate(rows):
        ev[i]["ts_ns"], ev[i]["kind"], ev[i]["order_id"], ev[i]["side"] = T0 + 1000 * i, kind, oid, side
        ev[i]["price_ticks"], ev[i]["size_lots"] = px, qty
    return ev


def flat_surface(depth_ticks=2, size=1, q=(-5, 5), bid_size=None, ask_size=None):
    """A surface with the same depth (ticks) everywhere."""
    t = np.array([0.0, 1e4])
    n_q = q[1] - q[0] + 1
    d = np.full((2, n_q), depth_ticks * TICK)
    bs = np.full((2, n_q), size if bid_size is None else bid_size)
    as_ = np.full((2, n_q), size if ask_size is None else ask_size)
    return QuoteSurface("flat", {}, t, np.arange(q[0], q[1] + 1), d, d.copy(), bid_size_lots=bs, ask_size_lots=as_)


def table(surf):
    return make_surface_table(
        surf.bid_depth, surf.ask_depth, surf.time_to_horizon_s, surf.q_min, surf.bid_size_lots, surf.ask_size_lots
    )


def config(**kw):
    args = dict(
        tick_size=TICK,
        horizon_end_ns=T0 + 10**12,
        max_position_lots=10,
        max_order_lots=10,
        band_ticks=100,
        loss_limit=1e9,
        linear=False,
    )
    args.update(kw)
    return L.make_config(**args)


class Engine:
    """The compiled loop driven one event at a time, so that its state can be read after each one."""

    def __init__(self, surf, cfg):
        self.bk = new_book_state(1 << 12, 1 << 12)
        self.tab = table(surf) if isinstance(surf, QuoteSurface) else surf
        self.cfg = cfg
        self.st = L.new_loop_state(cfg, max_actions=1 << 16, max_fills=1 << 16)

    def step(self, ev):
        L.run_loop(self.bk, ev, self.tab, self.cfg, self.st)

    def __getitem__(self, name):
        return int(self.st.s[F[name]])

    def own(self, side):
        p = "bid_" if side > 0 else "ask_"
        return None if self[p + "px"] == NO_PRICE else (self[p + "px"], self[p + "qty"], self[p + "ahead"])

    def actions(self):
        a = self.st.actions[: self["n_actions"]]
        return [
            tuple(int(x) for x in r)
            for r in zip(
                a["ts_ns"], a["status"], a["order_id"], a["side"], a["price_ticks"], a["size_lots"], a["client_tag"]
            )
        ]

    def fills(self):
        f = self.st.fills[: self["n_fills"]]
        return [
            tuple(int(x) for x in r)
            for r in zip(f["ts_ns"], f["order_id"], f["side"], f["price_ticks"], f["size_lots"])
        ]


TWO_SIDED = [(EV_ADD, 1, BUY, 98, 5), (EV_ADD, 2, SELL, 102, 5)]  # mid 100; own quotes at 98 / 102 (2 ticks)


# ------------------------------------------------------------------------------------ queue model
def test_risk_averse_queue_on_a_hand_built_sequence():
    eng = Engine(flat_surface(), config())
    ev = events(
        *TWO_SIDED,
        (EV_ADD, 3, BUY, 98, 4),  # 2: joins behind the own bid: ahead stays 5
        (EV_EXECUTE, 1, 0, 0, 3),  # 3: 3 lots ahead traded: ahead 2
        (EV_CANCEL, 3, 0, 0, 0),  # 4: level 98 is now 2 lots: ahead min(2, 2) = 2
        (EV_TRADE, 0, BUY, 98, 3),
    )  # 5: a 3-lot print at 98: 2 ahead, 1 fills the own bid
    ahead = []
    for i in range(ev.shape[0]):
        eng.step(ev[i : i + 1])
        ahead.append(eng.own(BUY))
    assert ahead[1] == (98, 1, 5) and ahead[2] == (98, 1, 5) and ahead[3] == (98, 1, 2) and ahead[4] == (98, 1, 2)
    assert eng.fills() == [(T0 + 5000, 1 << 40, 1, 98, 1)]
    assert eng["position"] == 1 and eng["cash"] == -98 and eng["volume"] == 1
    # After the fill the bid is re-quoted (NEW, a fresh id) behind the 2 lots left at 98; the ask is untouched.
    assert eng.own(BUY) == (98, 1, 2) and eng.own(SELL) == (102, 1, 5)
    assert [a[1] for a in eng.actions()] == [L.ACT_NEW, L.ACT_NEW, L.ACT_NEW]


def test_queue_none_trades_through_and_crossing_orders():
    # Fill on touch: the first print at the own price fills it.
    eng = Engine(flat_surface(size=3), config(queue_model=L.QUEUE_NONE))
    eng.step(events(*TWO_SIDED, (EV_TRADE, 0, SELL, 102, 2)))
    assert eng.fills() == [(T0 + 2000, (1 << 40) + 1, -1, 102, 2)] and eng["position"] == -2
    # Risk averse: a print through the own price fills all of it at the own price.
    eng = Engine(flat_surface(size=3), config())
    eng.step(events(*TWO_SIDED, (EV_TRADE, 0, BUY, 97, 1)))
    assert eng.fills() == [(T0 + 2000, 1 << 40, 1, 98, 3)] and eng["cash"] == -3 * 98
    # An incoming market order sweeping the asks trades at 102 (5 lots ahead of the own 3) and 103.
    eng = Engine(flat_surface(size=3), config())
    eng.step(events(*TWO_SIDED, (EV_ADD, 4, SELL, 103, 6), (EV_MARKET, 5, BUY, 0, 7)))
    assert eng.fills() == [(T0 + 3000, (1 << 40) + 1, -1, 102, 3)] and eng["position"] == -3
    # The market quoting at the own bid fills it: the bids leave (the own bid stays), a sell rests at 98.
    eng = Engine(flat_surface(size=3), config())
    eng.step(events(*TWO_SIDED, (EV_CANCEL, 1, 0, 0, 0), (EV_ADD, 6, SELL, 98, 1)))
    assert eng.fills() == [(T0 + 3000, 1 << 40, 1, 98, 3)]


# ------------------------------------------------------------------------------ quotes and risk gate
def _graded_surface(seed, linear_ok=True):
    """Depths (multiples of 1/16) varying in time and inventory, sizes 0..3, some sides not quoted."""
    rng = np.random.default_rng(seed)
    t = np.array([0.0, 0.01, 0.02, 0.035, 0.05, 0.07, 0.1])
    q = np.arange(-4, 5)
    bid = rng.integers(0, 13, (t.size, q.size)) / 16.0
    ask = rng.integers(0, 13, (t.size, q.size)) / 16.0
    bid[:, -1] = np.inf
    ask[:, 0] = np.inf
    bid[3, 4] = np.inf
    sizes = rng.integers(0, 4, (2, t.size, q.size))
    return QuoteSurface("graded", {}, t, q, bid, ask, bid_size_lots=sizes[0], ask_size_lots=sizes[1])


def _stream(n, seed):
    """Synthetic L3 flow with market orders (sweeping several levels), limit orders that may cross and
    trade prints near the last added price mixed in."""
    ev = synthetic_events(n, seed=seed, mean_gap_ns=20_000)
    rng = np.random.default_rng(seed)
    extra = np.zeros(n // 4, EVENT)
    at = np.sort(rng.integers(0, n, extra.shape[0]))
    adds = np.nonzero(ev["kind"] == EV_ADD)[0]
    for k in range(extra.shape[0]):
        e = extra[k]
        e["ts_ns"] = ev[at[k]]["ts_ns"]
        e["order_id"] = 10**9 + k
        e["side"] = rng.choice([1, -1])
        r = rng.random()
        e["kind"] = EV_MARKET if r < 0.5 else EV_TRADE if r < 0.8 else EV_ADD
        e["size_lots"] = rng.integers(1, 40) if e["kind"] == EV_MARKET else rng.integers(1, 12)
        last_add = adds[max(np.searchsorted(adds, at[k], side="right") - 1, 0)]
        e["price_ticks"] = ev[last_add]["price_ticks"] + rng.integers(-2, 3)
    return np.insert(ev, at + 1, extra)


def test_quotes_follow_the_surface_linear_in_time():
    surf = _graded_surface(1)
    ev = _stream(1500, 11)
    end = int(ev["ts_ns"][-1]) + 10_000_000
    cfg = config(horizon_end_ns=end, linear=True, max_position_lots=100, max_order_lots=100, band_ticks=10**6)
    eng = Engine(surf, cfg)
    tab = eng.tab
    checked = 0
    for i in range(ev.shape[0]):
        eng.step(ev[i : i + 1])
        bb, ba = int(eng.bk.hdr[B.HDR_BEST_BID]), int(eng.bk.hdr[B.HDR_BEST_ASK])
        if bb == NO_PRICE or ba == NO_PRICE:
            continue
        tau = (end - int(ev[i]["ts_ns"])) * 1e-9
        bd, ad, bsz, asz, _ = surface_lookup(tab, tau, eng["position"], True)
        mid = (bb + ba) / 2
        want_b = None if (bd == np.inf or bsz == 0) else (min(math.floor(mid - bd / TICK), ba - 1), bsz)
        want_a = None if (ad == np.inf or asz == 0) else (max(math.ceil(mid + ad / TICK), bb + 1), asz)
        got_b, got_a = eng.own(BUY), eng.own(SELL)
        assert (got_b and got_b[:2]) == (want_b and tuple(want_b)), i
        assert (got_a and got_a[:2]) == (want_a and tuple(want_a)), i
        checked += 1
    assert checked > 1000 and eng["n_fills"] > 20  # inventory moved, so several columns were used


@pytest.mark.parametrize("seed,loss_limit", [(2, 1e9), (3, 1e9), (5, 1.0)])
def test_matches_the_reference_loop(seed, loss_limit):
    """Event by event: own orders, position, cash and kill switch equal the plain-Python ReferenceLoop
    (ReferenceBook + QuoteSurface.quotes); at the end the action and fill logs and gate counters."""
    surf = _graded_surface(seed)
    ev = _stream(2500, seed)
    end = int(ev["ts_ns"][-1]) + 10_000_000
    limits = dict(horizon_end_ns=end, max_position_lots=3, max_order_lots=2, band_ticks=3, loss_limit=loss_limit)
    eng = Engine(surf, config(**limits))
    ref = ReferenceLoop(surf, tick_size=TICK, **limits)
    kill = None  # (actions before the kill step, actions and fills after it)
    for i in range(ev.shape[0]):
        n_act = len(ref.actions)
        eng.step(ev[i : i + 1])
        ref.step(ev[i])
        for side in (BUY, SELL):
            o = ref.own[side]
            assert eng.own(side) == (None if o is None else (o["px"], o["qty"], o["ahead"])), (i, side)
        assert (eng["position"], eng["cash"], eng["killed"]) == (ref.pos, ref.cash, int(ref.killed)), i
        if ref.killed and kill is None:
            kill = (n_act, len(ref.actions), len(ref.fills))
    assert eng.actions() == ref.actions and eng.fills() == ref.fills
    assert (eng["rej_size"], eng["rej_position"], eng["rej_band"]) == tuple(ref.rejected.values())
    assert ref.killed == (loss_limit < 1e6)  # the small limit is reached, the large one never
    if ref.killed:  # the kill step cancels what was live; nothing happens after it
        before, after, fills = kill
        assert after - before <= 2 and all(a[1] == L.ACT_CANCEL for a in ref.actions[before:after])
        assert (len(ref.actions), len(ref.fills)) == (after, fills) and ref.own == {1: None, -1: None}
    else:
        assert all(v > 0 for v in ref.rejected.values()) and len(ref.fills) > 10
    assert abs(ref.pos) <= 3  # an order is accepted only if its full fill stays within the limit


def test_position_size_and_band_limits():
    # Position: long 2 with max 2 → no bid (counted), the ask is still quoted.
    eng = Engine(flat_surface(size=2), config(max_position_lots=2))
    eng.step(events(*TWO_SIDED, (EV_TRADE, 0, BUY, 90, 1)))  # through the own bid: long 2
    assert eng["position"] == 2 and eng.own(BUY) is None and eng.own(SELL) == (102, 2, 5) and eng["rej_position"] == 1
    # Order size: 3 lots quoted with a 2-lot limit → neither side.
    eng = Engine(flat_surface(size=3), config(max_order_lots=2))
    eng.step(events(*TWO_SIDED))
    assert eng.own(BUY) is None and eng.own(SELL) is None and eng["rej_size"] == 2 and eng["n_actions"] == 0
    # Band: quotes 2 ticks from the mid with a 1-tick band → neither side; a 2-tick band allows them.
    eng = Engine(flat_surface(), config(band_ticks=1))
    eng.step(events(*TWO_SIDED))
    assert eng["n_actions"] == 0 and eng["rej_band"] == 2
    eng = Engine(flat_surface(), config(band_ticks=2))
    eng.step(events(*TWO_SIDED))
    assert eng.own(BUY) == (98, 1, 5) and eng.own(SELL) == (102, 1, 5)
    # Size 0 and +inf depth both mean "not quoted": no zero-size orders.
    eng = Engine(flat_surface(bid_size=0), config())
    eng.step(events(*TWO_SIDED))
    assert eng.own(BUY) is None and eng.own(SELL) == (102, 1, 5)


def test_loss_limit_trips_the_kill_switch():
    surf = flat_surface(size=2)
    bid = surf.bid_depth.copy()
    bid[:, 2 - surf.q_min :] = 8 * TICK  # long 2 or more: bid 8 ticks under the mid (out of the market's way)
    surf = QuoteSurface(
        "kill",
        {},
        surf.time_to_horizon_s,
        surf.inventory_lots,
        bid,
        surf.ask_depth,
        bid_size_lots=surf.bid_size_lots,
        ask_size_lots=surf.ask_size_lots,
    )
    eng = Engine(surf, config(loss_limit=7.0))
    ev = events(
        *TWO_SIDED,
        (EV_TRADE, 0, BUY, 97, 1),  # 2: own bid (2 @ 98) filled through; long 2, cash -196; mid 100: PnL +4
        (EV_CANCEL, 1, 0, 0, 0),  # 3: no bid side: nothing quoted, no kill check
        (EV_ADD, 7, BUY, 94, 5),  # 4: mid 98 → PnL 0; own quotes 90 / 100
        (EV_CANCEL, 2, 0, 0, 0),
        (EV_ADD, 8, SELL, 96, 5),  # 6: mid 95 → PnL -6 (within the limit); own quotes 87 / 97
        (EV_CANCEL, 7, 0, 0, 0),
        (EV_ADD, 9, BUY, 92, 5),  # 8: mid 94 → PnL -8 < -7: killed, both own orders cancelled
        (EV_TRADE, 0, SELL, 99, 3),  # 9..: the market keeps moving; nothing more happens
        (EV_ADD, 10, BUY, 95, 1),
        (EV_CANCEL, 8, 0, 0, 0),
    )
    killed_at = None
    for i in range(ev.shape[0]):
        live = (eng.own(BUY), eng.own(SELL))
        eng.step(ev[i : i + 1])
        pnl = eng["cash"] + eng["position"] * eng["last_mid2"] / 2
        if killed_at is None and eng["killed"]:
            killed_at = i
            assert pnl == -8 and eng.own(BUY) is None and eng.own(SELL) is None
            assert live == ((87, 2, 0), (97, 2, 0))
            n_act, n_fill = eng["n_actions"], eng["n_fills"]
            kill_acts = [a for a in eng.actions() if a[0] == int(ev[i]["ts_ns"])]
            assert [(a[1], a[3], a[4], a[5]) for a in kill_acts] == [
                (L.ACT_CANCEL, 1, 87, 2),
                (L.ACT_CANCEL, -1, 97, 2),
            ]
        elif killed_at is None and eng["last_mid2"]:
            assert pnl >= -7.0
    assert killed_at == 8 and (eng["position"], eng["cash"]) == (2, -196)
    assert (eng["n_actions"], eng["n_fills"]) == (n_act, n_fill) and eng["killed"] == 1


# ------------------------------------------------------------------------- accounting and latency
def test_accounting_identities_on_a_long_run():
    surf = _graded_surface(5)
    ev = _stream(40_000, 5)
    end = int(ev["ts_ns"][-1]) + 10_000_000
    cfg = config(horizon_end_ns=end, max_position_lots=3, max_order_lots=3, band_ticks=4, queue_model=L.QUEUE_NONE)
    bk = new_book_state(1 << 13, 1 << 13)
    st = L.new_loop_state(cfg, max_actions=1 << 17, max_fills=1 << 16)
    assert L.run_loop(bk, ev[:20_000], table(surf), cfg, st) == 20_000
    assert L.run_loop(bk, ev[20_000:], table(surf), cfg, st) == ev.shape[0] - 20_000  # resumes from its state
    s = dict(zip(L.STATE_FIELDS, st.s.tolist()))
    acts, fills = st.actions[: s["n_actions"]], st.fills[: s["n_fills"]]
    assert (
        s["events"] == ev.shape[0]
        and 200 < fills.shape[0] <= st.fills.shape[0]
        and acts.shape[0] <= st.actions.shape[0]
    )
    # Inventory, cash and volume are the sums over the fills; every fill is of an accepted order.
    assert s["position"] == int((fills["side"] * fills["size_lots"]).sum())
    assert s["cash"] == -int((fills["side"].astype(np.int64) * fills["size_lots"] * fills["price_ticks"]).sum())
    assert s["volume"] == int(fills["size_lots"].sum())
    posted = {
        int(a["order_id"]): (int(a["side"]), int(a["price_ticks"]), int(a["size_lots"]))
        for a in acts
        if a["status"] in (L.ACT_NEW, L.ACT_REPLACE)
    }
    filled = {}
    for f in fills:
        oid = int(f["order_id"])
        assert oid in posted and posted[oid][:2] == (int(f["side"]), int(f["price_ticks"]))
        filled[oid] = filled.get(oid, 0) + int(f["size_lots"])
    # Every accepted order ends exactly one way: fully filled, cancelled, replaced or still live.
    ended = {}
    for a in acts:
        if a["status"] == L.ACT_CANCEL:
            ended[int(a["order_id"])] = "cancelled"
            assert int(a["size_lots"]) == posted[int(a["order_id"])][2] - filled.get(int(a["order_id"]), 0) > 0
        elif a["status"] == L.ACT_REPLACE:
            assert int(a["client_tag"]) not in ended
            ended[int(a["client_tag"])] = "replaced"
    live = {}
    for _side, p in ((1, "bid_"), (-1, "ask_")):
        if s[p + "px"] != NO_PRICE:
            live[s[p + "oid"]] = s[p + "qty"]
    for oid, (_side, _px, qty) in posted.items():
        left = qty - filled.get(oid, 0)
        states = [oid in ended, oid in live, left == 0]
        assert sum(states) == 1, (oid, states)
        if oid in live:
            assert live[oid] == left
        assert left >= 0
    n_new = int(np.count_nonzero(acts["status"] == L.ACT_NEW) + np.count_nonzero(acts["status"] == L.ACT_REPLACE))
    n_full = sum(1 for oid, v in posted.items() if v[2] == filled.get(oid, 0))
    assert n_new == n_full + len(ended) + len(live) == s["next_oid"] - (1 << 40)
    assert s["orders_filled"] == n_full
    # Latency histogram: one entry per event; percentiles positive and monotone.
    assert int(st.hist.sum()) == ev.shape[0]
    pct = L.latency_percentiles(st.hist, L.cycles_per_ns(0.01))
    assert 0 < pct["p50"] <= pct["p99"] <= pct["p99.9"] and 0 <= pct["overflow_fraction"] < 0.01


def test_latency_percentiles_of_a_known_histogram():
    hist = np.zeros(L.N_BUCKETS, np.int64)
    hist[10], hist[20], hist[30] = 500, 490, 10  # buckets of 4 cycles
    pct = L.latency_percentiles(hist, cycles_ns=2.0)
    assert (pct["p50"], pct["p99"], pct["p99.9"]) == (4 * 11 / 2.0, 4 * 21 / 2.0, 4 * 31 / 2.0)
    assert all(math.isnan(v) for v in L.latency_percentiles(np.zeros(8, np.int64), 1.0).values())


@pytest.mark.parametrize(
    "name,value,exc",
    [
        ("tick_size", 0.0, InvalidParameters),
        ("tick_size", float("nan"), InvalidParameters),
        ("max_position_lots", -1, InvalidParameters),
        ("max_order_lots", 0, InvalidParameters),
        ("band_ticks", -2, InvalidParameters),
        ("loss_limit", 0.0, InvalidParameters),
        ("loss_limit", float("inf"), InvalidParameters),
        ("queue_model", 7, InvalidParameters),
        ("first_order_id", -1, InvalidParameters),
        ("horizon_end_ns", 1.5, TypeError),
        ("max_order_lots", 2.0, TypeError),
    ],
)
def test_bad_config_names_the_parameter(name, value, exc):
    with pytest.raises(exc, match=name):
        config(**{name: value})


def test_bad_state_sizes_name_the_parameter():
    with pytest.raises(InvalidParameters, match="max_actions"):
        L.new_loop_state(config(), max_actions=0)
    with pytest.raises(InvalidParameters, match="max_fills"):
        L.new_loop_state(config(), max_fills=0)


# --------------------------------------------------------------------- refused events and the ring
def _reference_status(ref, e):
    """Status of one event on the plain-Python ReferenceBook (same check order as the compiled book)."""
    k, oid, side = int(e["kind"]), int(e["order_id"]), int(e["side"])
    px, qty = int(e["price_ticks"]), int(e["size_lots"])
    if k == EV_ADD:
        return ref.add(oid, side, px, qty)
    if k == EV_CANCEL:
        return ref.cancel(oid)
    if k == EV_REDUCE:
        return ref.reduce(oid, qty)
    if k == EV_EXECUTE:
        return ref.execute(oid, qty, px)
    if k == EV_REPLACE:
        return ref.replace(oid, int(e["new_order_id"]), px, qty)
    if k == EV_MARKET:
        return ref.market(oid, side, qty)
    if k == EV_TRADE:
        return B.OK
    return B.BAD_KIND


def _stream_with_bad_events(n, seed, window):
    """Synthetic flow with more live orders than the book holds (pool full, then unknown ids) and bad
    events of every other kind inserted: unknown kind, negative id, no side, zero size, zero price,
    a price far outside the window, a duplicate of a recent id, an execute larger than the order."""
    ev = synthetic_events(n, seed=seed, max_live=400)
    rng = np.random.default_rng(seed)
    at = np.sort(rng.integers(1, n, n // 20))
    bad = ev[at].copy()
    for k, e in enumerate(bad):
        adds = np.nonzero(ev["kind"][: at[k]] == EV_ADD)[0]
        last = ev[adds[-1]] if adds.size else ev[0]
        e["kind"], e["order_id"], e["side"] = EV_ADD, 10**9 + k, last["side"]
        e["price_ticks"], e["size_lots"] = last["price_ticks"], 3
        r = k % 8
        if r == 0:
            e["kind"] = 42
        elif r == 1:
            e["order_id"] = -5
        elif r == 2:
            e["side"] = 0
        elif r == 3:
            e["size_lots"] = 0
        elif r == 4:
            e["price_ticks"] = 0
        elif r == 5:
            e["price_ticks"] = last["price_ticks"] + 3 * window
        elif r == 6:
            e["order_id"] = last["order_id"]
        else:
            e["kind"], e["order_id"], e["size_lots"] = EV_EXECUTE, last["order_id"], 10**6
    return np.insert(ev, at, bad)


def test_events_the_book_refuses_are_counted_by_reason():
    capacity, window = 256, 1 << 12
    ev = _stream_with_bad_events(6000, 8, window)
    ref = ReferenceBook(capacity, window)
    expect = np.bincount([_reference_status(ref, e) for e in ev], minlength=10)
    cfg = config(horizon_end_ns=int(ev["ts_ns"][-1]) + 10**9)
    st = L.new_loop_state(cfg, max_actions=1 << 17, max_fills=1 << 16)
    assert L.run_loop(new_book_state(capacity, window), ev, table(flat_surface()), cfg, st) == ev.shape[0]
    s = dict(zip(L.STATE_FIELDS, st.s.tolist()))
    got = [s[f"book_{name}"] for name in B.REJECT_NAMES]
    assert got == expect[1:].tolist()
    assert all(c > 0 for c in got), dict(zip(B.REJECT_NAMES, got))  # every reason occurred
    assert s["events"] == ev.shape[0]


def test_the_loop_reads_a_ring_in_place():
    """run_loop_ring on a 64-slot ring fed in random batches (the slots wrap hundreds of times) ends in
    the same state as run_loop on the whole array, and its compiled calls allocate nothing per batch."""
    from numba.core.runtime import _nrt_python, rtsys

    from quantforge.engine.ring import SpscRing, ring_push_batch

    surf = _graded_surface(4)
    ev = _stream(6000, 4)
    cfg = config(horizon_end_ns=int(ev["ts_ns"][-1]) + 10**7, max_position_lots=3, max_order_lots=3, band_ticks=4)
    whole = L.new_loop_state(cfg, max_actions=1 << 17, max_fills=1 << 16)
    L.run_loop(new_book_state(1 << 12, 1 << 12), ev, table(surf), cfg, whole)

    ring = SpscRing.create(EVENT, 64)
    try:
        bk, tab = new_book_state(1 << 12, 1 << 12), table(surf)
        st = L.new_loop_state(cfg, max_actions=1 << 17, max_fills=1 << 16)
        assert L.run_loop_ring(bk, ring.hdr, ring.data, tab, cfg, st, 64, 1) == 0  # empty ring: nothing, at once
        rng = np.random.default_rng(0)
        sent = done = 0
        allocs = []
        _nrt_python.memsys_enable_stats()
        try:
            while done < ev.shape[0]:
                sent = ring_push_batch(
                    ring.hdr, ring.data, ev[: min(ev.shape[0], sent + int(rng.integers(1, 80)))], sent, 1
                )
                before = rtsys.get_allocation_stats()
                k = L.run_loop_ring(bk, ring.hdr, ring.data, tab, cfg, st, int(rng.integers(1, 50)), 1)
                after = rtsys.get_allocation_stats()
                allocs.append((after.alloc - before.alloc, after.mi_alloc - before.mi_alloc))
                done += k
        finally:
            _nrt_python.memsys_disable_stats()
        assert len(set(allocs)) == 1  # the same for every batch size: the call's boxing, nothing per event
        assert len(ring) == 0 and done == sent == ev.shape[0]
        np.testing.assert_array_equal(st.s, whole.s)
        np.testing.assert_array_equal(st.actions, whole.actions)
        np.testing.assert_array_equal(st.fills, whole.fills)
        assert int(st.hist.sum()) == ev.shape[0]
    finally:
        ring.close()
