"""engine/book.py against the plain-Python ReferenceBook: identical statuses, fills and state on seeded
random operation streams and on hypothesis-driven sequences; invariants (never crossed, volume
conserved, FIFO) and the Python API's errors.

``make test`` runs 10^6 random operations in total (four seeded streams of 250,000); ``QF_BOOK_DIFF_OPS``
sets the total for a longer run, e.g. ``QF_BOOK_DIFF_OPS=8000000 pytest tests/engine/test_book.py -k differential``.
"""

from __future__ import annotations

import os
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from reference_book import ReferenceBook

from quantforge.engine import book as B
from quantforge.engine.orderbook import OrderBook, OrderRejected
from quantforge.engine.types import (
    BUY,
    EV_ADD,
    EV_CANCEL,
    EV_EXECUTE,
    EV_MARKET,
    EV_MODIFY,
    EV_REDUCE,
    EV_REPLACE,
    EVENT,
    SELL,
)
from quantforge.errors import ExecutionError, InvalidParameters

N_OPS = int(os.environ.get("QF_BOOK_DIFF_OPS", 1_000_000))
SEEDS = (1, 2, 3, 4)
CAP, WINDOW = 600, 256


def random_stream(n: int, seed: int, ref: ReferenceBook) -> tuple[np.ndarray, list[int]]:
    """A random operation stream, applied to ``ref`` as it is generated; returns the events and the
    reference statuses.  The mid drifts so the window must re-centre; ~5% of operations are invalid."""
    rng = random.Random(seed)
    ev = np.zeros(n, EVENT)
    statuses = []
    mid = 1000
    next_id = 0
    for i in range(n):
        if rng.random() < 0.01:
            mid = max(40, mid + rng.choice((-1, 1)) * rng.randint(1, 15))
        r = rng.random()
        e = ev[i]
        e["ts_ns"] = i
        side = rng.choice((1, -1))
        old = max(0, next_id - rng.randint(1, 120)) if rng.random() < 0.7 else rng.randint(0, max(0, next_id - 1))
        qty = rng.randint(1, 20)
        if r < 0.45:
            price = mid - side * rng.randint(-2, 12)
            if rng.random() < 0.01:
                price = mid + rng.choice((-1, 1)) * rng.randint(WINDOW // 2, 2 * WINDOW)
            oid = next_id if rng.random() > 0.005 else old
            next_id += 1
            if rng.random() < 0.01:
                qty, price, side = rng.choice(((0, price, side), (qty, 0, side), (qty, price, 0), (-3, price, side)))
            e["kind"], e["order_id"], e["side"], e["price_ticks"], e["size_lots"] = EV_ADD, oid, side, price, qty
            statuses.append(ref.add(oid, side, price, qty))
        elif r < 0.65:
            e["kind"], e["order_id"] = EV_CANCEL, old
            statuses.append(ref.cancel(old))
        elif r < 0.75:
            q = rng.randint(0, 12)
            e["kind"], e["order_id"], e["size_lots"] = EV_REDUCE, old, q
            statuses.append(ref.reduce(old, q))
        elif r < 0.83:
            q = rng.randint(1, 12)
            px = rng.choice((0, mid))
            e["kind"], e["order_id"], e["size_lots"], e["price_ticks"] = EV_EXECUTE, old, q, px
            statuses.append(ref.execute(old, q, px))
        elif r < 0.90:
            price = mid - side * rng.randint(-2, 10)
            e["kind"], e["order_id"], e["price_ticks"], e["size_lots"] = EV_MODIFY, old, price, qty
            statuses.append(ref.modify(old, price, qty))
        elif r < 0.96:
            price = mid - side * rng.randint(-2, 10)
            new = next_id if rng.random() > 0.01 else old
            next_id += 1
            e["kind"], e["order_id"], e["new_order_id"] = EV_REPLACE, old, new
            e["price_ticks"], e["size_lots"] = price, qty
            statuses.append(ref.replace(old, new, price, qty))
        else:
            oid = next_id
            next_id += 1
            e["kind"], e["order_id"], e["side"], e["size_lots"] = EV_MARKET, oid, side, rng.randint(1, 60)
            statuses.append(ref.market(oid, side, int(e["size_lots"])))
    return ev, statuses


def fills_as_tuples(fills: np.ndarray) -> list[tuple]:
    return list(
        zip(*(fills[k].tolist() for k in ("order_id", "match_id", "side", "liquidity", "price_ticks", "size_lots")))
    )


def assert_same_state(book: OrderBook, ref: ReferenceBook):
    assert book.orders() == {k: tuple(v) for k, v in ref.orders.items()}
    for side in (BUY, SELL):
        px, qty = book.depth(side, 10_000)
        rpx, rqty = ref.depth(int(side), 10_000)
        assert px.tolist() == rpx and qty.tolist() == rqty
        for p in rpx:
            assert book.level_orders(side, p) == ref.levels[int(side)][p]  # FIFO order kept
    assert book.best_bid == ref.best(1) and book.best_ask == ref.best(-1)


def assert_invariants(book: OrderBook):
    bb, ba = book.best_bid, book.best_ask
    assert bb == B.NO_PRICE or ba == B.NO_PRICE or bb < ba, "book crossed after matching"


@pytest.mark.parametrize("seed", SEEDS)
def test_differential_random_stream(seed):
    n = -(-N_OPS // len(SEEDS))
    ref = ReferenceBook(CAP, WINDOW)
    events, ref_status = random_stream(n, seed, ref)
    book = OrderBook(CAP, WINDOW)
    chunks = np.array_split(np.arange(n), 20)
    all_status, all_fills = [], []
    for idx in chunks:
        status, fills = book.apply(events[idx])
        all_status += status.tolist()
        all_fills.append(fills)
        assert_invariants(book)
    assert all_status == ref_status
    assert fills_as_tuples(np.concatenate(all_fills)) == ref.fills
    assert_same_state(book, ref)
    codes = np.asarray(all_status)
    assert (codes == B.OK).mean() > 0.35 and {B.UNKNOWN_ID, B.BAD_SIZE, B.OUT_OF_RANGE, B.DUPLICATE_ID} <= set(
        codes.tolist()
    )


def test_volume_conservation_and_queue_position():
    """Lots added = lots resting + lots traded (makers), on adds followed by a sweeping market order."""
    adds = np.zeros(300, EVENT)
    adds["kind"] = EV_ADD
    adds["order_id"] = np.arange(300)
    adds["side"] = np.where(np.arange(300) % 2 == 0, 1, -1)
    adds["price_ticks"] = 500 - adds["side"] * (1 + np.arange(300) % 7)
    adds["size_lots"] = 1 + np.arange(300) % 5
    b2 = OrderBook(CAP, WINDOW)
    st2, _ = b2.apply(adds)
    assert (st2 == B.OK).all()
    mk = np.zeros(1, EVENT)
    mk["kind"], mk["order_id"], mk["side"], mk["size_lots"] = EV_MARKET, 10_000, 1, 200
    _, f2 = b2.apply(mk)
    assert (
        adds["size_lots"].sum() == sum(v[2] for v in b2.orders().values()) + f2["size_lots"][f2["liquidity"] == 0].sum()
    )
    assert f2["size_lots"][f2["liquidity"] == 1].sum() == 200
    live = b2.orders()
    for oid in list(live)[:50]:
        side, price, _ = live[oid]
        ids = b2.level_orders(side, price)
        expect = sum(live[i][2] for i in ids[: ids.index(oid)])
        assert b2.queue_ahead(oid) == expect


def test_matching_price_time_priority_and_errors():
    b = OrderBook(capacity=16, window=64)
    b.add(1, SELL, 101, 5)
    b.add(2, SELL, 101, 5)
    b.add(3, SELL, 102, 5)
    b.add(4, BUY, 102, 12)  # marketable limit: takes 1, 2 at 101 then 2 of 3 at 102
    f = b.drain_fills()
    assert f[f["liquidity"] == 0][["order_id", "price_ticks", "size_lots"]].tolist() == [
        (1, 101, 5),
        (2, 101, 5),
        (3, 102, 2),
    ]
    assert b.best_ask == 102 and b.best_bid == B.NO_PRICE and b.orders() == {3: (-1, 102, 3)}
    b.add(5, BUY, 100, 2)
    b.add(6, BUY, 100, 3)
    assert b.queue_ahead(6) == 2
    b.modify(5, 100, 1)  # reduce keeps priority
    assert b.level_orders(BUY, 100) == [5, 6]
    b.modify(5, 100, 4)  # growing loses priority
    assert b.level_orders(BUY, 100) == [6, 5]
    with pytest.raises(OrderRejected, match="unknown order id"):
        b.cancel(99)
    with pytest.raises(OrderRejected, match="already live"):
        b.add(6, BUY, 99, 1)
    with pytest.raises(OrderRejected, match="size must be > 0") as e:
        b.add(7, BUY, 99, 0)
    assert isinstance(e.value, ExecutionError) and e.value.code == B.BAD_SIZE
    with pytest.raises(OrderRejected, match="price window"):
        b.add(8, BUY, 5000, 1)
    with pytest.raises(InvalidParameters, match="side"):
        b.add(9, 2, 99, 1)
    with pytest.raises(TypeError, match="EVENT"):
        b.apply(np.zeros(3))
    before = b.orders()
    with pytest.raises(OrderRejected):
        b.reduce(6, 10)
    assert b.orders() == before  # a rejected operation changes nothing
    full = OrderBook(capacity=2, window=64)
    full.add(1, BUY, 10, 1)
    full.add(2, BUY, 11, 1)
    with pytest.raises(OrderRejected, match="pool full"):
        full.add(3, BUY, 12, 1)


def test_the_facade_never_loses_a_fill():
    """OrderBook(4, 64) buffers 24 fill records; 20 crossing pairs write 40 and all come back, in order,
    equal to the reference book's, whether drained once at the end or interleaved with apply()."""
    book, ref = OrderBook(4, 64), ReferenceBook(4, 64)
    for k in range(20):
        for oid, side in ((2 * k, SELL), (2 * k + 1, BUY)):
            book.add(oid, side, 100, 1 + k % 3)
            assert ref.add(oid, int(side), 100, 1 + k % 3) == B.OK
    fills = book.drain_fills()
    assert fills.shape[0] == 40 and fills_as_tuples(fills) == ref.fills
    assert book.drain_fills().shape[0] == 0 and len(book) == 0
    # Single operations past the buffer's size (set aside), then a batch: one drain returns them all in order.
    ref.fills.clear()
    for k in range(20):
        book.add(500 + k, SELL, 101, 2)
        ref.add(500 + k, -1, 101, 2)
        book.execute(500 + k, 1, 101 if k % 2 else 0, k)
        ref.execute(500 + k, 1, 101 if k % 2 else 0)
        book.market(600 + k, BUY, 1)
        ref.market(600 + k, 1, 1)
    ev = np.zeros(3, EVENT)
    ev["kind"], ev["order_id"], ev["side"], ev["price_ticks"], ev["size_lots"] = EV_ADD, [700, 701, 702], -1, 100, 3
    ev["kind"][2], ev["side"][2], ev["size_lots"][2] = EV_MARKET, 1, 4
    status, fills = book.apply(ev)
    assert status.tolist() == [ref.add(700, -1, 100, 3), ref.add(701, -1, 100, 3), ref.market(702, 1, 4)]
    assert fills.shape[0] == 20 * 3 + 4 and fills_as_tuples(fills) == ref.fills
    assert book.drain_fills().shape[0] == 0


def test_fills_lost_by_a_compiled_caller_are_reported():
    """Compiled callers drain the buffer themselves; if one lets it overflow, the facade says so."""
    book = OrderBook(4, 64)
    for k in range(20):  # book_add straight on the state: nobody drains
        assert B.book_add(book.state, 2 * k, -1, 100, 1, 0) == B.OK
        assert B.book_add(book.state, 2 * k + 1, 1, 100, 1, 0) == B.OK
    with pytest.raises(ExecutionError, match="16 fills were written past"):
        book.drain_fills()


class BookMachine(RuleBasedStateMachine):
    """Random operation sequences on both books, compared after every step."""

    def __init__(self):
        super().__init__()
        self.book = OrderBook(64, 32)
        self.ref = ReferenceBook(64, 32)

    ids = st.integers(0, 40)
    sides = st.sampled_from([1, -1])
    prices = st.integers(1, 60)
    sizes = st.integers(-1, 8)

    def _same(self, fn, rfn, *args):
        try:
            fn(*args)
            got = B.OK
        except OrderRejected as e:
            got = e.code
        assert got == rfn(*args)

    @rule(oid=ids, side=sides, price=prices, qty=sizes)
    def add(self, oid, side, price, qty):
        self._same(self.book.add, self.ref.add, oid, side, price, qty)

    @rule(oid=ids)
    def cancel(self, oid):
        self._same(self.book.cancel, self.ref.cancel, oid)

    @rule(oid=ids, qty=sizes)
    def reduce(self, oid, qty):
        self._same(self.book.reduce, self.ref.reduce, oid, qty)

    @rule(oid=ids, price=prices, qty=sizes)
    def modify(self, oid, price, qty):
        self._same(self.book.modify, self.ref.modify, oid, price, qty)

    @rule(oid=ids, new=ids, price=prices, qty=sizes)
    def replace(self, oid, new, price, qty):
        self._same(self.book.replace, self.ref.replace, oid, new, price, qty)

    @rule(oid=ids, qty=sizes, price=st.sampled_from([0, 1, 30, 60]))
    def execute(self, oid, qty, price):
        self._same(self.book.execute, self.ref.execute, oid, qty, price)

    @rule(oid=st.integers(100, 200), side=sides, qty=sizes)
    def market(self, oid, side, qty):
        self._same(self.book.market, self.ref.market, oid, side, qty)

    @invariant()
    def same_state(self):
        assert_same_state(self.book, self.ref)
        assert_invariants(self.book)
        f = self.book.drain_fills()
        assert fills_as_tuples(f) == self.ref.fills
        self.ref.fills.clear()


TestBookMachine = BookMachine.TestCase
TestBookMachine.settings = settings(
    max_examples=25, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def test_borrowed_views_stay_inside_compiled_calls():
    """The hot entry point borrows its arrays: a long batch costs no more NRT allocations than a short
    one (the call's boxing only), and the borrowing helper refuses to hand a view back to Python."""
    from numba.core.runtime import _nrt_python, rtsys

    from quantforge.engine.synthetic import synthetic_events

    ev = synthetic_events(3000, seed=5)
    state = B.new_book_state(4096, 1 << 12)
    status = np.zeros(ev.shape[0], np.int64)
    B.book_apply_events(state, ev[:10], 0, status)  # compile outside the measurement
    deltas = []
    _nrt_python.memsys_enable_stats()
    try:
        for lo, hi in ((10, 20), (20, 3000)):
            before = rtsys.get_allocation_stats()
            assert B.book_apply_events(state, ev[:hi], lo, status) == hi
            after = rtsys.get_allocation_stats()
            deltas.append((after.alloc - before.alloc, after.mi_alloc - before.mi_alloc))
    finally:
        _nrt_python.memsys_disable_stats()
    assert deltas[0] == deltas[1]
    assert np.all(status == B.OK)
    with pytest.raises(TypeError, match="compiled code only"):
        B.borrow_book(state)


def test_writes_through_a_borrowed_view_are_kept():
    """Numba's dead-code elimination must see a borrowed view as an alias of its source: a store
    through a view that is never read again still reaches the array."""
    import numba

    from quantforge.engine.atomics import borrowed

    @numba.njit
    def bump(a, n):
        v = borrowed(a)
        for i in range(n):
            v[i % v.shape[0]] += 1

    a = np.zeros(4, np.int64)
    bump(a, 10)
    assert a.tolist() == [3, 3, 2, 2]


def test_borrowed_views_are_typed_without_reference_counting():
    """A borrowed view has its own Numba type (no NRT calls are emitted for it) and behaves as an
    array through calls; the source's Python reference count is untouched."""
    import sys

    import numba

    from quantforge.engine.atomics import BorrowedArray, borrowed, prefetch_row

    @numba.njit
    def fill(v, x):
        for i in range(v.shape[0]):
            v[i] = x

    @numba.njit
    def outer(a):
        v = borrowed(a)
        prefetch_row(v, -1)  # a hint: rows outside the array never fault
        prefetch_row(v, 1 << 40)
        fill(v, 7)
        return v.sum()

    a = np.zeros(5, np.int64)
    refs = sys.getrefcount(a)
    assert outer(a) == 35 and a.tolist() == [7] * 5
    assert sys.getrefcount(a) == refs
    assert any(isinstance(sig[0], BorrowedArray) for sig in fill.signatures)
