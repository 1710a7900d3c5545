"""Replay an L3 stream into hftbacktest 2.4.4's market-by-order depth and time it (peer of the
``engine`` suite's book benchmark).

Runs in hftbacktest's own virtual environment (it pins ``numpy<2.3``), not in quantforge's, so it
imports nothing from quantforge.  Input: an ``.npz`` of the engine stream's columns (``kind``,
``side``, ``order_id``, ``new_order_id``, ``price_ticks``, ``size_lots``, ``ts_ns`` with the
``EV_*`` codes of ``engine/types.py`` passed as ``codes``).  The stream is converted to
hftbacktest's ``event_dtype`` the way its own Databento MBO converter does (``ADD_ORDER_EVENT`` /
``CANCEL_ORDER_EVENT`` / ``MODIFY_ORDER_EVENT`` with ``BUY_EVENT``/``SELL_EVENT``; an execution or
a partial cancel becomes a modify to the remaining size, or a cancel at zero; a replace becomes a
cancel and an add; a print against hidden liquidity a ``TRADE_EVENT``) with ``tick_size = lot_size
= 1`` so prices and sizes are exact.  Its depth does not match orders, so a marketable add becomes
the modifies/cancels of the resting orders it takes (price-time priority, computed by the converter)
and an add of its remainder.  Each variant builds a fresh ``L3FIFOQueueModel`` backtest
(whose local processor keeps an L3 ``ROIVectorMarketDepth`` or ``HashMapMarketDepth``) and times
one ``elapse`` over the whole stream after a warm-up run that compiles the jitted bindings; the
median of ``repeat`` runs is reported per source event.  Output: one JSON object on stdout.

Usage: ``python hftbacktest_replay.py STREAM.npz [--repeat N] [--levels L]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np


def convert(cols: dict, hbt) -> np.ndarray:
    """The engine stream as hftbacktest events (LOCAL_EVENT only: the book a strategy sees).

    hftbacktest's market-by-order depth does not match orders, so an add priced through the opposite
    touch is converted as an exchange's L3 feed reports it: the resting orders it takes, in price-time
    priority (computed here), become modifies to their remaining sizes (cancels at zero), and only its
    remainder is added.
    """
    codes = {k: int(v) for k, v in zip(cols["code_names"], cols["codes"])}
    kind, side, oid, new_oid = cols["kind"], cols["side"], cols["order_id"], cols["new_order_id"]
    px, qty, ts = cols["price_ticks"], cols["size_lots"], cols["ts_ns"]
    n = kind.shape[0]
    out = np.zeros(2 * n + 64, hbt.event_dtype)
    live: dict[int, list] = {}  # order id -> [side, price, size]
    levels = {1: {}, -1: {}}  # side -> price -> {order id: None}, in time priority
    flag = {1: hbt.BUY_EVENT, -1: hbt.SELL_EVENT}
    j = 0

    def put(ev, i, o, p, q):
        nonlocal j, out
        if j == out.shape[0]:
            out = np.concatenate([out, np.zeros(out.shape[0], hbt.event_dtype)])
        r = out[j]
        r["ev"] = ev | hbt.LOCAL_EVENT
        r["exch_ts"] = r["local_ts"] = ts[i]
        r["px"], r["qty"], r["order_id"] = p, q, o
        j += 1

    def take(i, o, q):
        """``q`` lots of resting order ``o`` leave the book (executed, cancelled or matched)."""
        rec = live[o]
        rec[2] -= q
        if rec[2] > 0:
            put(hbt.MODIFY_ORDER_EVENT | flag[rec[0]], i, o, rec[1], rec[2])
            return
        del live[o]
        lv = levels[rec[0]][rec[1]]
        del lv[o]
        if not lv:
            del levels[rec[0]][rec[1]]
        put(hbt.CANCEL_ORDER_EVENT | flag[rec[0]], i, o, 0.0, 0.0)

    def add(i, o, s, p, q):
        other = levels[-s]
        while q > 0 and other:
            best = min(other) if s > 0 else max(other)
            if (s > 0 and p < best) or (s < 0 and p > best):
                break
            for maker in list(other[best]):
                f = min(q, live[maker][2])
                take(i, maker, f)
                q -= f
                if q == 0:
                    break
        if q > 0:
            live[o] = [s, p, q]
            levels[s].setdefault(p, {})[o] = None
            put(hbt.ADD_ORDER_EVENT | flag[s], i, o, p, q)

    for i in range(n):
        k = int(kind[i])
        o = int(oid[i])
        if k == codes["EV_ADD"]:
            add(i, o, int(side[i]), int(px[i]), int(qty[i]))
        elif k == codes["EV_CANCEL"]:
            take(i, o, live[o][2])
        elif k in (codes["EV_REDUCE"], codes["EV_EXECUTE"]):
            take(i, o, int(qty[i]))
        elif k == codes["EV_REPLACE"]:
            s = live[o][0]
            take(i, o, live[o][2])
            add(i, int(new_oid[i]), s, int(px[i]), int(qty[i]))
        elif k == codes["EV_TRADE"]:
            put(hbt.TRADE_EVENT | (hbt.SELL_EVENT if int(side[i]) > 0 else hbt.BUY_EVENT), i, 0, px[i], qty[i])
        else:
            raise ValueError(f"event kind {k} at {i} has no hftbacktest equivalent")
    return out[:j]


def build(hbt, events: np.ndarray, depth: str, lo: float, hi: float):
    asset = (
        hbt.BacktestAsset()
        .data(events)
        .linear_asset(1.0)
        .constant_order_latency(0, 0)
        .l3_fifo_queue_model()
        .no_partial_fill_exchange()
        .tick_size(1.0)
        .lot_size(1.0)
        .roi_lb(lo)
        .roi_ub(hi)
        .last_trades_capacity(0)
    )
    if depth == "roivec":
        return hbt.ROIVectorMarketDepthBacktest([asset])
    return hbt.HashMapMarketDepthBacktest([asset])


def top_levels(d, levels: int) -> dict:
    """Best bid/ask ticks and the sizes of the first ``levels`` non-empty levels per side."""
    bb, ba = int(d.best_bid_tick), int(d.best_ask_tick)
    out = {"best_bid": bb, "best_ask": ba, "bids": [], "asks": []}
    for key, start, step, qty_at in (("bids", bb, -1, d.bid_qty_at_tick), ("asks", ba, 1, d.ask_qty_at_tick)):
        p, scanned = start, 0
        while len(out[key]) < levels and scanned < 100_000:
            q = qty_at(p)
            if q > 0:
                out[key].append([p, int(round(q))])
            p += step
            scanned += 1
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("stream")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--levels", type=int, default=5)
    args = ap.parse_args(argv)
    import hftbacktest as hbt

    cols = dict(np.load(args.stream, allow_pickle=False))
    n_src = int(cols["kind"].shape[0])
    events = convert(cols, hbt)
    adds = cols["price_ticks"][cols["price_ticks"] > 0]
    lo, hi = float(adds.min() - 64), float(adds.max() + 64)
    result = {
        "hftbacktest": hbt.__version__,
        "numpy": np.__version__,
        "source_events": n_src,
        "hftbacktest_events": int(events.shape[0]),
        "variants": {},
    }
    for depth in ("roivec", "hashmap"):
        times = []
        book = None
        for r in range(args.repeat + 1):  # run 0 compiles the jitted bindings
            bt = build(hbt, events, depth, lo, hi)
            t0 = time.perf_counter()
            rc = bt.elapse(1 << 62)
            dt = time.perf_counter() - t0
            if rc != 1:
                raise RuntimeError(f"{depth}: elapse returned {rc} (1 = end of data; anything else is an error)")
            if r > 0:
                times.append(dt)
            book = top_levels(bt.depth(0), args.levels)
            bt.close()
        result["variants"][depth] = {
            "ns_per_event": statistics.median(times) / n_src * 1e9,
            "times_s": times,
            "book": book,
        }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
