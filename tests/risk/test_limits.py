"""risk/limits.py: validated limits, their records, the breach table, and the engine's pre-trade gate set from
them (the loop refuses quotes beyond the position limit and trips its kill switch at the loss limit)."""

import numpy as np
import pytest

from quantforge.engine import book as B
from quantforge.engine import loop as L
from quantforge.engine.book import new_book_state
from quantforge.engine.surface import make_surface_table
from quantforge.engine.types import BUY, EV_ADD, EV_CANCEL, EV_TRADE, EVENT, SELL, Instrument
from quantforge.errors import InvalidParameters, RiskError
from quantforge.risk import BREACH, LIMIT, Limit, breach_table, engine_config, engine_limits, limit_records


def test_limits_become_records_and_engine_settings():
    limits = [
        Limit("position", 10, "reduce_only"),
        Limit("position", 5, "halt", instrument=1),
        Limit("var", 1e5),
        Limit("loss", 2e4, "halt"),
        Limit("loss", 1e4, "warn"),
    ]
    rec = limit_records(limits, 3)
    assert rec.dtype == LIMIT and len(rec) == 3 + 1 + 1 + 2
    assert rec["instrument"].tolist() == [0, 1, 2, 1, -1, -1, -1]
    inst = Instrument("XYZ", 0.01, 100)
    assert engine_limits(limits, inst, 1) == {"max_position_lots": 5, "loss_limit": 2e4}
    assert engine_limits(limits, inst, 0) == {"max_position_lots": 10, "loss_limit": 2e4}
    assert engine_limits([Limit("var", 1.0)], inst) == {"max_position_lots": None, "loss_limit": None}


def test_bad_limits_are_refused():
    with pytest.raises(InvalidParameters, match="kind must be one of"):
        Limit("leverage", 1.0)
    with pytest.raises(InvalidParameters, match="action must be one of"):
        Limit("loss", 1.0, "panic")
    with pytest.raises(RiskError, match=r"threshold of a concentration limit must be in \(0, 1\]"):
        Limit("concentration", 1.5)
    with pytest.raises(RiskError, match="threshold of a loss limit must be > 0"):
        Limit("loss", -1.0)
    with pytest.raises(RiskError, match="position limit on instrument 4, but there are 2"):
        limit_records([Limit("position", 1, instrument=4)], 2)


def test_breach_table():
    b = np.zeros(1, BREACH)
    b[0] = (7, 2, 5, -1, 1.5, 1.0, 3, 0)
    assert breach_table(b) == [
        {"ts_ns": 7, "limit": 2, "kind": "var", "instrument": -1, "value": 1.5, "threshold": 1.0, "action": "halt"}
    ]


# ---------------------------------------------------------------------- the engine's pre-trade gate
TICK, T0 = 0.25, 34_200 * 10**9
F = {name: i for i, name in enumerate(L.STATE_FIELDS)}


def _events(*rows):
    """EVENT records from (kind, order_id, side, price_ticks, size_lots) rows, 1 µs apart."""
    ev = np.zeros(len(rows), EVENT)
    for i, (kind, oid, side, px, qty) in enumerate(rows):
        ev[i]["ts_ns"], ev[i]["kind"], ev[i]["order_id"], ev[i]["side"] = T0 + 1000 * i, kind, oid, side
        ev[i]["price_ticks"], ev[i]["size_lots"] = px, qty
    return ev


def _surface(bid_ticks_when_long=2):
    """Depth 2 ticks, size 2 everywhere, inventory -5..5; the bid ``bid_ticks_when_long`` deep from long 2 on."""
    t, q = np.array([0.0, 1e4]), np.arange(-5, 6)
    ask = np.full((2, q.size), 2 * TICK)
    bid = ask.copy()
    bid[:, q >= 2] = bid_ticks_when_long * TICK
    size = np.full((2, q.size), 2)
    return make_surface_table(bid, ask, t, -5, size, size)


def _engine(cfg):
    return new_book_state(1 << 12, 1 << 12), L.new_loop_state(cfg, max_actions=1 << 12, max_fills=1 << 12)


def test_the_engine_gate_reads_the_risk_limits_and_trips_at_the_loss_limit():
    """The engine loss-limit sequence of tests/engine/test_loop.py with the limit set as a risk Limit in
    currency (1.75 = 7 ticks x 1 lot x 0.25): the kill switch trips at the event where the mark-to-mid
    P&L first falls below -1.75, as the P&L computed here from the engine's state says."""
    inst = Instrument("XYZ", TICK, 1.0)
    cfg = engine_config(
        [Limit("loss", 1.75, "halt"), Limit("loss", 1.0, "warn"), Limit("position", 10, "halt")],
        inst,
        horizon_end_ns=T0 + 10**12,
        max_order_lots=10,
        band_ticks=100,
        linear=False,
    )
    assert (int(cfg["max_position_lots"][0]), float(cfg["loss_limit"][0])) == (10, 7.0)
    bk, st = _engine(cfg)
    tab = _surface(bid_ticks_when_long=8)
    ev = _events(
        (EV_ADD, 1, BUY, 98, 5),
        (EV_ADD, 2, SELL, 102, 5),
        (EV_TRADE, 0, BUY, 97, 1),
        (EV_CANCEL, 1, 0, 0, 0),
        (EV_ADD, 7, BUY, 94, 5),
        (EV_CANCEL, 2, 0, 0, 0),
        (EV_ADD, 8, SELL, 96, 5),
        (EV_CANCEL, 7, 0, 0, 0),
        (EV_ADD, 9, BUY, 92, 5),
        (EV_TRADE, 0, SELL, 99, 3),
        (EV_ADD, 10, BUY, 95, 1),
    )
    killed_at = None
    for i in range(ev.size):
        L.run_loop(bk, ev[i : i + 1], tab, cfg, st)
        s = st.s
        pnl = (s[F["cash"]] + s[F["position"]] * s[F["last_mid2"]] / 2) * TICK  # currency, lot size 1
        if killed_at is None and s[F["killed"]]:
            killed_at = i
            assert pnl < -1.75
        elif killed_at is None:
            assert pnl >= -1.75
    assert killed_at == 8 and st.s[F["bid_px"]] == st.s[F["ask_px"]] == B.NO_PRICE


def test_a_position_limit_refuses_quotes_that_would_pass_it():
    inst = Instrument("XYZ", TICK, 1.0)
    cfg = engine_config(
        [Limit("position", 1, "reduce_only")],
        inst,
        horizon_end_ns=T0 + 10**12,
        max_order_lots=10,
        band_ticks=100,
        linear=False,
    )
    bk, st = _engine(cfg)
    L.run_loop(bk, _events((EV_ADD, 1, BUY, 98, 5), (EV_ADD, 2, SELL, 102, 5)), _surface(), cfg, st)
    assert st.s[F["rej_position"]] == 2 and st.s[F["n_actions"]] == 0  # size 2 would take |position| to 2 > 1
