"""The Python facade of the compiled L3 book (``engine/book.py``): one method per operation, each
raising :class:`OrderRejected` on refusal, and :meth:`OrderBook.apply` for whole ``EVENT`` arrays.

The compiled book writes fills into a fixed buffer that its caller drains.  The facade drains it
itself: before an operation that might not fit in what is left (one operation writes at most two
records per live order, plus one) it moves the buffered fills aside, so every fill of every
operation comes back from :meth:`OrderBook.drain_fills` in the order it happened, however rarely
the caller drains.
"""

from __future__ import annotations

import numpy as np

from ..errors import ExecutionError, InvalidParameters, check_int
from .book import (
    HDR_BASE,
    HDR_BEST_ASK,
    HDR_BEST_BID,
    HDR_N_FILLS,
    HDR_N_ORDERS,
    HDR_WINDOW,
    LV_HEAD,
    NO_SLOT,
    OK,
    ORD_ID,
    ORD_NEXT,
    ORD_PRICE,
    ORD_SIDE,
    ORD_SIZE,
    REASONS,
    UNKNOWN_ID,
    book_add,
    book_apply_events,
    book_cancel,
    book_depth,
    book_execute,
    book_level_qty,
    book_market,
    book_modify,
    book_queue_ahead,
    book_reduce,
    book_replace,
    new_book_state,
    side_index,
)
from .types import EVENT, FILL, check_int64, check_records

__all__ = ["OrderBook", "OrderRejected"]


class OrderRejected(ExecutionError, ValueError):
    """A book operation was refused; ``code`` is the status code and ``reason`` its message."""

    def __init__(self, code: int, op: str, **args):
        self.code = int(code)
        self.reason = REASONS.get(self.code, f"status {code}")
        detail = ", ".join(f"{k}={v!r}" for k, v in args.items())
        super().__init__(f"{op}({detail}) rejected: {self.reason}")


def _ints(**values) -> list[int]:
    """The integer arguments of a book operation, each checked: ids, ticks, lots and nanoseconds are
    int64 integers, and a float (even a whole one), a string or a bool is refused, never truncated."""
    return [check_int64(name, v) for name, v in values.items()]


def _side_arg(side) -> int:
    s = check_int("side", side)
    if s not in (1, -1):
        raise InvalidParameters(f"side must be BUY (+1) or SELL (-1), got {side!r}")
    return s


class OrderBook:
    """An L3 order book with a Python interface; every method raises :class:`OrderRejected` on refusal.

    Parameters
    ----------
    capacity : int
        Most live orders at once.
    window : int
        Width of the price window in ticks; live orders must span fewer ticks than this.

    Examples
    --------
    >>> from quantforge.engine.types import BUY, SELL
    >>> b = OrderBook(capacity=8, window=64)
    >>> b.add(1, BUY, 100, 5); b.add(2, SELL, 101, 3); b.add(3, BUY, 101, 4)
    >>> (b.best_bid, b.best_ask)
    (101, -1)
    >>> [(int(f["order_id"]), int(f["size_lots"])) for f in b.drain_fills()]
    [(2, 3), (3, 3)]
    """

    def __init__(self, capacity: int = 1 << 16, window: int = 1 << 14):
        self.state = new_book_state(capacity, window)
        self._set_aside: list[np.ndarray] = []

    def _check(self, status, op, **args):
        if status != OK:
            raise OrderRejected(status, op, **args)

    def _make_room(self) -> None:
        """Move the buffered fills aside if the next operation might not fit after them."""
        hdr = self.state.hdr
        if hdr[HDR_N_FILLS] + 2 * hdr[HDR_N_ORDERS] + 2 > self.state.fills.shape[0]:
            self._set_aside.append(self._take_buffer())

    def _take_buffer(self) -> np.ndarray:
        hdr, fills = self.state.hdr, self.state.fills
        n = int(hdr[HDR_N_FILLS])
        if n > fills.shape[0]:
            raise ExecutionError(
                f"{n - fills.shape[0]} fills were written past the book's fill buffer "
                f"({fills.shape[0]} records) by compiled code that did not drain it; they are lost"
            )
        out = fills[:n].copy()
        hdr[HDR_N_FILLS] = 0
        return out

    def add(self, order_id: int, side: int, price_ticks: int, size_lots: int, ts_ns: int = 0) -> None:
        """Limit order (matches what crosses, rests the rest)."""
        self._make_room()
        oid, px, qty, ts = _ints(order_id=order_id, price_ticks=price_ticks, size_lots=size_lots, ts_ns=ts_ns)
        self._check(
            book_add(self.state, oid, _side_arg(side), px, qty, ts),
            "add",
            order_id=order_id,
            side=side,
            price_ticks=price_ticks,
            size_lots=size_lots,
        )

    def market(self, order_id: int, side: int, size_lots: int, ts_ns: int = 0) -> None:
        """Market order; the part that finds no liquidity is dropped."""
        self._make_room()
        oid, qty, ts = _ints(order_id=order_id, size_lots=size_lots, ts_ns=ts_ns)
        self._check(
            book_market(self.state, oid, _side_arg(side), qty, ts),
            "market",
            order_id=order_id,
            side=side,
            size_lots=size_lots,
        )

    def cancel(self, order_id: int) -> None:
        """Delete the resting order ``order_id`` (the ITCH ``D`` message).

        Parameters
        ----------
        order_id : int
            Id of a live order.

        Raises
        ------
        OrderRejected
            ``order_id`` is not live (``reason`` "unknown order id").

        Examples
        --------
        >>> from quantforge.engine.types import BUY
        >>> b = OrderBook(capacity=8, window=64)
        >>> b.add(1, BUY, 100, 5); b.cancel(1)
        >>> len(b), b.best_bid
        (0, -1)
        >>> b.cancel(1)
        Traceback (most recent call last):
        ...
        quantforge.engine.orderbook.OrderRejected: cancel(order_id=1) rejected: unknown order id
        """
        self._check(book_cancel(self.state, check_int64("order_id", order_id)), "cancel", order_id=order_id)

    def reduce(self, order_id: int, size_lots: int) -> None:
        """Cancel ``size_lots`` of the resting order ``order_id``, which keeps its place in the queue
        (the ITCH ``X`` message); an order reduced to zero leaves the book.

        Parameters
        ----------
        order_id : int
            Id of a live order.
        size_lots : int
            Lots to cancel (lots), ``1 <= size_lots <=`` what the order has left.

        Raises
        ------
        OrderRejected
            ``order_id`` is not live, or ``size_lots`` is out of that range (``reason`` says which).

        Examples
        --------
        >>> from quantforge.engine.types import BUY
        >>> b = OrderBook(capacity=8, window=64)
        >>> b.add(1, BUY, 100, 5); b.add(2, BUY, 100, 3); b.reduce(1, 2)
        >>> b.orders()[1], b.level_orders(BUY, 100), b.level_qty(BUY, 100)
        ((1, 100, 3), [1, 2], 6)
        """
        oid, qty = _ints(order_id=order_id, size_lots=size_lots)
        self._check(book_reduce(self.state, oid, qty), "reduce", order_id=order_id, size_lots=size_lots)

    def execute(self, order_id: int, size_lots: int, price_ticks: int = 0, ts_ns: int = 0) -> None:
        """Execute ``size_lots`` of the resting order ``order_id`` against an unseen taker (the ITCH
        ``E`` and ``C`` messages): one maker ``FILL`` record, returned by :meth:`drain_fills`; an
        order executed in full leaves the book.

        Parameters
        ----------
        order_id : int
            Id of a live order.
        size_lots : int
            Lots executed (lots), ``1 <= size_lots <=`` what the order has left.
        price_ticks : int, default 0
            Execution price (ticks) when > 0 (ITCH ``C``, executed at a price other than the order's);
            0 records the order's own price.
        ts_ns : int, default 0
            Time of the execution (ns), written into the fill.

        Raises
        ------
        OrderRejected
            ``order_id`` is not live, or ``size_lots`` is out of that range (``reason`` says which).

        Examples
        --------
        >>> from quantforge.engine.types import SELL
        >>> b = OrderBook(capacity=8, window=64)
        >>> b.add(7, SELL, 101, 4); b.execute(7, 3, ts_ns=5)
        >>> [(int(f["order_id"]), int(f["price_ticks"]), int(f["size_lots"])) for f in b.drain_fills()]
        [(7, 101, 3)]
        >>> b.orders()
        {7: (-1, 101, 1)}
        """
        self._make_room()
        oid, qty, px, ts = _ints(order_id=order_id, size_lots=size_lots, price_ticks=price_ticks, ts_ns=ts_ns)
        self._check(book_execute(self.state, oid, qty, px, ts), "execute", order_id=order_id, size_lots=size_lots)

    def modify(self, order_id: int, price_ticks: int, size_lots: int, ts_ns: int = 0) -> None:
        """Change the price and size of the resting order ``order_id``, keeping its id and side.

        At the same price with a size that does not grow the order keeps its place in the queue;
        otherwise it is cancelled and entered again at the back of its new level, and matches
        whatever it crosses (its fills come back from :meth:`drain_fills`).

        Parameters
        ----------
        order_id : int
            Id of a live order.
        price_ticks : int
            New price (ticks), > 0 and within the book's price window.
        size_lots : int
            New size (lots), > 0.
        ts_ns : int, default 0
            Time of the change (ns): the order's new resting time when it is entered again.

        Raises
        ------
        OrderRejected
            ``order_id`` is not live, ``size_lots`` or ``price_ticks`` is not > 0, or the price is
            too far from the live orders for the window (``reason`` says which); the order is unchanged.

        Examples
        --------
        >>> from quantforge.engine.types import BUY
        >>> b = OrderBook(capacity=8, window=64)
        >>> b.add(1, BUY, 100, 5); b.add(2, BUY, 100, 5)
        >>> b.modify(1, 100, 4); b.level_orders(BUY, 100)  # smaller at the same price: keeps its place
        [1, 2]
        >>> b.modify(1, 100, 6); b.level_orders(BUY, 100)  # larger: to the back of the queue
        [2, 1]
        """
        self._make_room()
        oid, px, qty, ts = _ints(order_id=order_id, price_ticks=price_ticks, size_lots=size_lots, ts_ns=ts_ns)
        self._check(
            book_modify(self.state, oid, px, qty, ts),
            "modify",
            order_id=order_id,
            price_ticks=price_ticks,
            size_lots=size_lots,
        )

    def replace(self, order_id: int, new_order_id: int, price_ticks: int, size_lots: int, ts_ns: int = 0) -> None:
        """Cancel the resting order ``order_id`` and enter ``new_order_id`` on the same side (the ITCH
        ``U`` message); the new order goes to the back of its level and matches whatever it crosses.

        Parameters
        ----------
        order_id : int
            Id of a live order.
        new_order_id : int
            Id of the new order, >= 0, not live (it may equal ``order_id``).
        price_ticks : int
            Price of the new order (ticks), > 0 and within the book's price window.
        size_lots : int
            Size of the new order (lots), > 0.
        ts_ns : int, default 0
            Time of the replacement (ns).

        Raises
        ------
        OrderRejected
            ``order_id`` is not live, ``new_order_id`` is negative or another live order's,
            ``size_lots`` or ``price_ticks`` is not > 0, or the price does not fit the window
            (``reason`` says which); the book is unchanged.

        Examples
        --------
        >>> from quantforge.engine.types import SELL
        >>> b = OrderBook(capacity=8, window=64)
        >>> b.add(1, SELL, 105, 2); b.replace(1, 9, 104, 3)
        >>> b.orders(), b.best_ask
        ({9: (-1, 104, 3)}, 104)
        """
        self._make_room()
        oid, new_oid, px, qty, ts = _ints(
            order_id=order_id, new_order_id=new_order_id, price_ticks=price_ticks, size_lots=size_lots, ts_ns=ts_ns
        )
        self._check(
            book_replace(self.state, oid, new_oid, px, qty, ts),
            "replace",
            order_id=order_id,
            new_order_id=new_order_id,
            price_ticks=price_ticks,
            size_lots=size_lots,
        )

    def apply(self, events: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Apply an ``EVENT`` array in compiled code; returns (status per event, fills), the fills
        including any not yet drained from earlier operations.  Rejected events are reported in the
        status array, not raised."""
        check_records("events", events, EVENT, "EVENT")
        status = np.zeros(events.shape[0], np.int64)
        i = 0
        while True:
            i = book_apply_events(self.state, events, i, status)
            self._set_aside.append(self._take_buffer())
            if i >= events.shape[0]:
                return status, self.drain_fills()

    def drain_fills(self) -> np.ndarray:
        """Every fill written since the last drain, in order (a copy); then empties the buffer."""
        parts = [*self._set_aside, self._take_buffer()]
        self._set_aside = []
        return np.concatenate(parts, dtype=FILL)  # without dtype numpy drops the record padding

    @property
    def best_bid(self) -> int:
        return int(self.state.hdr[HDR_BEST_BID])

    @property
    def best_ask(self) -> int:
        return int(self.state.hdr[HDR_BEST_ASK])

    def __len__(self) -> int:
        return int(self.state.hdr[HDR_N_ORDERS])

    def queue_ahead(self, order_id: int) -> int:
        """Lots ahead of ``order_id`` at its price level; raises for an unknown id."""
        q = book_queue_ahead(self.state, check_int64("order_id", order_id))
        if q < 0:
            raise OrderRejected(UNKNOWN_ID, "queue_ahead", order_id=order_id)
        return int(q)

    def level_qty(self, side: int, price_ticks: int) -> int:
        return int(book_level_qty(self.state, _side_arg(side), check_int64("price_ticks", price_ticks)))

    def depth(self, side: int, n_levels: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """L2 snapshot: prices (ticks) and sizes (lots) of the best ``n_levels`` levels of ``side``."""
        n_levels = check_int("n_levels", n_levels, minimum=1)
        side = _side_arg(side)
        # a side never has more levels than the price window has ticks: no larger buffer is needed
        px = np.empty(min(n_levels, int(self.state.hdr[HDR_WINDOW])), np.int64)
        qty = np.empty_like(px)
        n = book_depth(self.state, side, px, qty)
        return px[:n], qty[:n]

    def orders(self) -> dict[int, tuple[int, int, int]]:
        """Every live order as ``{order_id: (side, price_ticks, size_lots)}`` (for inspection and tests)."""
        st = self.state
        live = np.nonzero(st.ords[:, ORD_ID] != NO_SLOT)[0]
        return {
            int(st.ords[s, ORD_ID]): (int(st.ords[s, ORD_SIDE]), int(st.ords[s, ORD_PRICE]), int(st.ords[s, ORD_SIZE]))
            for s in live
        }

    def level_orders(self, side: int, price_ticks: int) -> list[int]:
        """Order ids at one level in time priority (for inspection and tests)."""
        st = self.state
        li = check_int64("price_ticks", price_ticks) - int(st.hdr[HDR_BASE])
        s = side_index(_side_arg(side))
        out = []
        if 0 <= li < st.hdr[HDR_WINDOW]:
            slot = st.lv[s, li, LV_HEAD]
            while slot != NO_SLOT:
                out.append(int(st.ords[slot, ORD_ID]))
                slot = st.ords[slot, ORD_NEXT]
        return out
