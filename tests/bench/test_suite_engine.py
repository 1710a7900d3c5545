"""bench/suite_engine.py on tiny sizes: every piece returns well-formed rows, the Numba book and the
sortedcontainers book end in the same state on the synthetic stream (and hftbacktest's replay too,
where its environment exists), a missing hftbacktest environment gives a row that says why and no
number, and the Avellaneda–Stoikov surface matches its closed form.  Timings are never asserted."""

from __future__ import annotations

import math

import numpy as np
import pytest

from quantforge.bench import SUITES
from quantforge.bench import suite_engine as E
from quantforge.bench.harness import check_rows, write_suite
from quantforge.engine import types as T
from quantforge.engine.orderbook import OrderBook
from quantforge.engine.surface import surface_lookup
from quantforge.engine.synthetic import synthetic_events


def test_registered():
    assert SUITES["engine"] == "quantforge.bench.suite_engine"


def test_book_rows_without_hftbacktest_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("QUANTFORGE_HFTBACKTEST_VENV", str(tmp_path / "absent"))
    rows = E.book_rows(4000, repeat=1, sorted_repeat=1, create_venv=False)
    check_rows(rows)
    by = {(r["impl"], r["unit"]): r for r in rows}
    hft = by[("hftbacktest", "ns/event")]
    assert hft["median"] is None and hft["note"].startswith("not run") and "absent" in hft["note"]
    assert not (tmp_path / "absent").exists()  # create_venv=False never installs
    books = rows[0]["books"]
    assert set(books) == {"quantforge", "sortedcontainers"}
    assert books["quantforge"] == books["sortedcontainers"]
    assert books["quantforge"]["best_bid"] < books["quantforge"]["best_ask"]
    assert "agree: quantforge, sortedcontainers" in rows[0]["note"] and "DIFFER" not in rows[0]["note"]
    for impl in ("quantforge-numba", "sortedcontainers"):
        ns, rate = by[(impl, "ns/event")]["median"], by[(impl, "events/s")]["median"]
        assert ns > 0 and rate == pytest.approx(1e9 / ns)
    payload = write_suite("engine", rows, tmp_path / "out")  # the NaN row must not break the report
    assert (tmp_path / "out" / "engine.md").read_text().count("| hftbacktest |") == 1
    assert "hftbacktest" not in payload["results"][0]["ratio_vs"]


def test_sorted_book_against_the_numba_book_on_every_prefix():
    """Independent implementations: same best prices and top levels after each chunk of events."""
    ev = synthetic_events(3000, seed=3)
    cols = [ev[f].tolist() for f in ("kind", "side", "order_id", "new_order_id", "price_ticks", "size_lots")]
    sb, ob = E.SortedBook(), OrderBook(capacity=1 << 12, window=1 << 12)
    for a in range(0, 3000, 250):
        sb.apply(*(c[a : a + 250] for c in cols))
        status, _ = ob.apply(ev[a : a + 250])
        assert not status.any()
        top = sb.top(3)
        assert (top["best_bid"], top["best_ask"]) == (ob.best_bid, ob.best_ask)
        for key, side in (("bids", 1), ("asks", -1)):
            px, qty = ob.depth(side, 3)
            assert top[key] == [[int(p), int(q)] for p, q in zip(px, qty)]
    assert len(sb.orders) == len(ob)


def test_sorted_book_matches_marketable_adds_and_refuses_what_it_does_not_model():
    sb, ob = E.SortedBook(), OrderBook(capacity=64, window=256)
    rows = [(1, 1, 100, 5), (-1, 2, 101, 3), (-1, 3, 101, 2), (-1, 4, 102, 4), (1, 5, 102, 7), (-1, 6, 99, 6)]
    for side, oid, px, qty in rows:  # a buy of 7 through two ask levels, then a sell of 6 through the bid
        sb.apply([int(T.EV_ADD)], [side], [oid], [0], [px], [qty])
        ob.add(oid, side, px, qty)
    assert sb.orders == {k: list(v) for k, v in ob.orders().items()} == {4: [-1, 102, 2], 6: [-1, 99, 1]}
    assert sb.top() == E.book_top(ob.state)
    with pytest.raises(ValueError, match="not replayed"):
        sb.apply([int(T.EV_MARKET)], [-1], [3], [0], [0], [5])


def test_hftbacktest_replay_agrees_when_its_environment_exists():
    python, why = E.hftbacktest_python(create=False)
    if python is None:
        pytest.skip(why)
    rows = E.book_rows(3000, repeat=1, sorted_repeat=1, create_venv=False)
    check_rows(rows)
    books = rows[0]["books"]
    assert {"hftbacktest-roivec", "hftbacktest-hashmap"} <= set(books)
    assert all(b == books["quantforge"] for b in books.values()), books
    impls = {r["impl"] for r in rows}
    assert "hftbacktest" in impls and len({i for i in impls if i.startswith("hftbacktest-")}) == 1  # best + the other
    assert all(r["median"] > 0 for r in rows if r["impl"].startswith("hftbacktest"))


def test_as_surface_closed_form():
    gamma, sigma, k, T_ = 0.1, 0.05, 100.0, 20.0
    tab = E.as_surface(T_, gamma=gamma, sigma=sigma, k=k, q_max=4, n_t=11)
    half = (gamma * sigma**2 * T_ + 2 / gamma * math.log(1 + gamma / k)) / 2
    bd, ad, *_ = surface_lookup(tab, T_, 0, True)
    assert bd == pytest.approx(half) and ad == pytest.approx(half)
    bd, ad, *_ = surface_lookup(tab, T_, 2, True)  # long inventory: bid deeper, ask tighter by q*gamma*sigma^2*tau
    assert bd - half == pytest.approx(2 * gamma * sigma**2 * T_) and half - ad == pytest.approx(
        2 * gamma * sigma**2 * T_
    )
    bd, ad, *_ = surface_lookup(tab, T_, 4, True)
    assert bd == np.inf and np.isfinite(ad)  # at +q_max the bid is not quoted


def test_loop_rows():
    loop = E.loop_rows(3000, repeat=1)
    check_rows(loop)
    assert [r["unit"] for r in loop] == ["updates/s", "ns", "ns", "ns"]
    notes = " ".join(r["note"] for r in loop)
    assert "INVALID" not in notes and "INCONSISTENT" not in notes, notes  # histogram complete, own fills add up
    p50, p99, p999 = (r["median"] for r in loop[1:])
    assert loop[0]["median"] > 0 and 0 < p50 <= p99 <= p999


def test_ring_rows():
    ring = E.ring_rows(50_000, 200, batches=2, capacity=256, timeout_s=60.0)
    check_rows(ring)
    assert "[0, 0]" in ring[0]["note"] and ring[0]["median"] > 0 and ring[1]["median"] > 0


def test_seqlock_rows():
    seq = E.seqlock_rows(500, n_t=5, n_q=5, writer_s=30.0)
    check_rows(seq)
    assert all(r["median"] > 0 and "0 failed reads" in r["note"] for r in seq)
