"""A plain-Python market-making loop: the oracle for engine/loop.py.

It follows the loop's documented rules step by step with plain objects: the market book is the
dict-based ReferenceBook, quotes come from ``QuoteSurface.quotes`` (nearest grid time), and each own
order is a small dict.  Queue model (hftbacktest's risk-averse one): an own order joins behind the
whole level; a trade at its price first uses up the quantity ahead, the excess fills it; a cancel
shrinks the quantity ahead only when the level becomes smaller than it; a trade through its price
fills it entirely; the market quoting at or through it fills it entirely.
"""

from __future__ import annotations

import math

import numpy as np
from reference_book import ReferenceBook

from quantforge.engine import loop as L
from quantforge.engine.book import NO_PRICE
from quantforge.engine.types import EV_ADD, EV_CANCEL, EV_EXECUTE, EV_MARKET, EV_MODIFY, EV_REDUCE, EV_REPLACE, EV_TRADE


class ReferenceLoop:
    def __init__(
        self,
        surface,
        *,
        tick_size,
        horizon_end_ns,
        max_position_lots,
        max_order_lots,
        band_ticks,
        loss_limit,
        queue_model=L.QUEUE_RISK_AVERSE,
        first_order_id=1 << 40,
        capacity=1 << 14,
        window=1 << 14,
    ):
        self.surface = surface
        self.tick = tick_size
        self.end = horizon_end_ns
        self.max_pos, self.max_order, self.band, self.loss = max_position_lots, max_order_lots, band_ticks, loss_limit
        self.queue_none = queue_model == L.QUEUE_NONE
        self.book = ReferenceBook(capacity, window)
        self.own = {1: None, -1: None}  # side -> {"oid", "px", "qty", "ahead"}
        self.next_oid = first_order_id
        self.pos = 0
        self.cash = 0
        self.killed = False
        self.actions = []  # (ts, code, oid, side, price, qty, prev_oid)
        self.fills = []  # (ts, oid, side, price, qty)
        self.rejected = {"size": 0, "position": 0, "band": 0}

    # -- the market book
    def _apply(self, ev):
        b, k = self.book, int(ev["kind"])
        oid, side, px, qty = int(ev["order_id"]), int(ev["side"]), int(ev["price_ticks"]), int(ev["size_lots"])
        if k == EV_ADD:
            b.add(oid, side, px, qty)
        elif k == EV_CANCEL:
            b.cancel(oid)
        elif k == EV_REDUCE:
            b.reduce(oid, qty)
        elif k == EV_EXECUTE:
            b.execute(oid, qty, px)
        elif k == EV_REPLACE:
            b.replace(oid, int(ev["new_order_id"]), px, qty)
        elif k == EV_MARKET:
            b.market(oid, side, qty)
        elif k == EV_MODIFY:
            b.modify(oid, px, qty)

    def _level_qty(self, side, price):
        return sum(self.book.orders[i][2] for i in self.book.levels[side].get(price, []))

    # -- own orders
    def _fill(self, ts, side, qty):
        o = self.own[side]
        self.pos += side * qty
        self.cash -= side * qty * o["px"]
        self.fills.append((ts, o["oid"], side, o["px"], qty))
        o["qty"] -= qty
        if o["qty"] == 0:
            self.own[side] = None

    def _trade(self, ts, rest_side, price, qty):
        o = self.own[rest_side]
        if o is None:
            return
        if (rest_side == 1 and price < o["px"]) or (rest_side == -1 and price > o["px"]):
            self._fill(ts, rest_side, o["qty"])
        elif price == o["px"]:
            if self.queue_none:
                self._fill(ts, rest_side, min(qty, o["qty"]))
                return
            o["ahead"] -= qty
            if o["ahead"] < 0:
                f = min(-o["ahead"], o["qty"])
                o["ahead"] = 0
                self._fill(ts, rest_side, f)

    def _want(self, ts, side, px, qty):
        o = self.own[side]
        if px is None:
            if o is not None:
                self.actions.append((ts, L.ACT_CANCEL, o["oid"], side, o["px"], o["qty"], o["oid"]))
                self.own[side] = None
            return
        if o is not None and o["px"] == px and o["qty"] == qty:
            return
        code, prev = (L.ACT_NEW, -1) if o is None else (L.ACT_REPLACE, o["oid"])
        self.own[side] = {"oid": self.next_oid, "px": px, "qty": qty, "ahead": self._level_qty(side, px)}
        self.actions.append((ts, code, self.next_oid, side, px, qty, prev))
        self.next_oid += 1

    def _sizes(self, tau):
        s = self.surface
        i = int(np.argmin(np.abs(s.time_to_horizon_s - tau)))
        j = int(np.clip(self.pos, s.q_min, s.q_max)) - s.q_min
        return int(s.bid_size_lots[i, j]), int(s.ask_size_lots[i, j])

    def step(self, ev):
        ts = int(ev["ts_ns"])
        if ev["kind"] == EV_TRADE:
            self._trade(ts, int(ev["side"]), int(ev["price_ticks"]), int(ev["size_lots"]))
        n0 = len(self.book.fills)
        self._apply(ev)
        for _oid, _match, side, liquidity, price, qty in self.book.fills[n0:]:
            if liquidity == 0:
                self._trade(ts, side, price, qty)
        bb, ba = self.book.best(1), self.book.best(-1)
        for side, opp in ((1, ba), (-1, bb)):
            o = self.own[side]
            if o is None:
                continue
            if opp != NO_PRICE and (opp <= o["px"] if side == 1 else opp >= o["px"]):
                self._fill(ts, side, o["qty"])
            else:
                o["ahead"] = min(o["ahead"], self._level_qty(side, o["px"]))
        if self.killed or bb == NO_PRICE or ba == NO_PRICE:
            return
        mid = (bb + ba) / 2
        if self.cash + self.pos * mid < -self.loss:
            self.killed = True
            self._want(ts, 1, None, 0)
            self._want(ts, -1, None, 0)
            return
        tau = (self.end - ts) * 1e-9
        bid_price, ask_price = self.surface.quotes(tau, self.pos, mid * self.tick, clamp=True)
        bsz, asz = self._sizes(tau)
        want_b = want_a = None
        if not math.isnan(bid_price) and bsz > 0:
            want_b = min(math.floor(bid_price / self.tick), ba - 1)
            if bsz > self.max_order:
                self.rejected["size"] += 1
                want_b = None
            elif self.pos + bsz > self.max_pos:
                self.rejected["position"] += 1
                want_b = None
            elif mid - want_b > self.band or want_b <= 0:
                self.rejected["band"] += 1
                want_b = None
        if not math.isnan(ask_price) and asz > 0:
            want_a = max(math.ceil(ask_price / self.tick), bb + 1)
            if asz > self.max_order:
                self.rejected["size"] += 1
                want_a = None
            elif self.pos - asz < -self.max_pos:
                self.rejected["position"] += 1
                want_a = None
            elif want_a - mid > self.band:
                self.rejected["band"] += 1
                want_a = None
        self._want(ts, 1, want_b, bsz)
        self._want(ts, -1, want_a, asz)
