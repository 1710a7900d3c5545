"""A plain-Python price-time priority book: the independent oracle for engine/book.py.

Dicts of price -> list of order ids and a dict of orders; no windows, pools or hash maps.  It follows
the same documented rules (status codes and the order in which they are checked, fill records, the
price-window limit stated as "live prices plus the new price span fewer than ``window`` ticks").
"""

from __future__ import annotations

from quantforge.engine import book as B


class ReferenceBook:
    def __init__(self, capacity: int, window: int):
        self.capacity = capacity
        self.window = window
        self.orders: dict[int, list] = {}  # id -> [side, price, qty]
        self.levels = {1: {}, -1: {}}  # side -> price -> [ids in time order]
        self.fills: list[tuple] = []  # (order_id, match_id, side, liquidity, price, qty)
        self.match_id = 0

    # -- helpers
    def best(self, side):
        lv = self.levels[side]
        if not lv:
            return B.NO_PRICE
        return max(lv) if side == 1 else min(lv)

    def _fits(self, price):
        prices = [*self.levels[1], *self.levels[-1], price]
        return max(prices) - min(prices) < self.window

    def _rest(self, oid, side, price, qty):
        self.orders[oid] = [side, price, qty]
        self.levels[side].setdefault(price, []).append(oid)

    def _remove(self, oid):
        side, price, _ = self.orders.pop(oid)
        lvl = self.levels[side][price]
        lvl.remove(oid)
        if not lvl:
            del self.levels[side][price]

    def _match(self, oid, side, limit, qty):
        rem = qty
        while rem > 0:
            bp = self.best(-side)
            if bp == B.NO_PRICE or (limit is not None and ((side == 1 and bp > limit) or (side == -1 and bp < limit))):
                break
            for mk in list(self.levels[-side][bp]):
                if rem == 0:
                    break
                o = self.orders[mk]
                q = min(rem, o[2])
                self.fills.append((mk, self.match_id, -side, 0, bp, q))
                self.fills.append((oid, self.match_id, side, 1, bp, q))
                self.match_id += 1
                rem -= q
                o[2] -= q
                if o[2] == 0:
                    self._remove(mk)
        return rem

    # -- operations (same check order as the compiled book)
    def add(self, oid, side, price, qty):
        if side not in (1, -1):
            return B.BAD_SIDE
        if oid < 0:
            return B.BAD_ID
        if qty <= 0:
            return B.BAD_SIZE
        if price <= 0:
            return B.BAD_PRICE
        if oid in self.orders:
            return B.DUPLICATE_ID
        if len(self.orders) >= self.capacity:
            return B.POOL_FULL
        if not self._fits(price):
            return B.OUT_OF_RANGE
        rem = self._match(oid, side, price, qty)
        if rem > 0:
            self._rest(oid, side, price, rem)
        return B.OK

    def market(self, oid, side, qty):
        if side not in (1, -1):
            return B.BAD_SIDE
        if oid < 0:
            return B.BAD_ID
        if qty <= 0:
            return B.BAD_SIZE
        if oid in self.orders:
            return B.DUPLICATE_ID
        self._match(oid, side, None, qty)
        return B.OK

    def cancel(self, oid):
        if oid not in self.orders:
            return B.UNKNOWN_ID
        self._remove(oid)
        return B.OK

    def reduce(self, oid, qty):
        if oid not in self.orders:
            return B.UNKNOWN_ID
        o = self.orders[oid]
        if qty <= 0 or qty > o[2]:
            return B.BAD_SIZE
        o[2] -= qty
        if o[2] == 0:
            self._remove(oid)
        return B.OK

    def execute(self, oid, qty, price=0):
        if oid not in self.orders:
            return B.UNKNOWN_ID
        o = self.orders[oid]
        if qty <= 0 or qty > o[2]:
            return B.BAD_SIZE
        self.fills.append((oid, self.match_id, o[0], 0, price if price > 0 else o[1], qty))
        self.match_id += 1
        return self.reduce(oid, qty)

    def modify(self, oid, price, qty):
        if oid not in self.orders:
            return B.UNKNOWN_ID
        if qty <= 0:
            return B.BAD_SIZE
        if price <= 0:
            return B.BAD_PRICE
        side, old_price, old_qty = self.orders[oid]
        if price == old_price and qty <= old_qty:
            return self.reduce(oid, old_qty - qty) if qty < old_qty else B.OK
        if not self._fits(price):
            return B.OUT_OF_RANGE
        self._remove(oid)
        return self.add(oid, side, price, qty)

    def replace(self, oid, new_oid, price, qty):
        if oid not in self.orders:
            return B.UNKNOWN_ID
        if new_oid < 0:
            return B.BAD_ID
        if new_oid != oid and new_oid in self.orders:
            return B.DUPLICATE_ID
        if qty <= 0:
            return B.BAD_SIZE
        if price <= 0:
            return B.BAD_PRICE
        if not self._fits(price):
            return B.OUT_OF_RANGE
        side = self.orders[oid][0]
        self._remove(oid)
        return self.add(new_oid, side, price, qty)

    # -- views
    def depth(self, side, n):
        prices = sorted(self.levels[side], reverse=(side == 1))[:n]
        return prices, [sum(self.orders[i][2] for i in self.levels[side][p]) for p in prices]

    def queue_ahead(self, oid):
        side, price, _ = self.orders[oid]
        ids = self.levels[side][price]
        return sum(self.orders[i][2] for i in ids[: ids.index(oid)])
