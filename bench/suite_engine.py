"""Benchmark suite ``engine``: the CPU hot path against its peers on the same input, in one run.

(a) L3 book building on one synthetic stream (``engine.synthetic.synthetic_events``): the Numba book
(``book_apply_events``) against hftbacktest 2.4.4's market-by-order depth (replayed by
``bench/hftbacktest_replay.py`` in hftbacktest's own virtual environment, because it pins
``numpy<2.3``) and against a price-time book on ``sortedcontainers.SortedDict`` in plain Python; the
three final books are compared (best bid/ask and the top levels' sizes).  (b) Tick-to-quote through
the whole event loop (``engine.loop.run_loop``) with an Avellaneda–Stoikov surface: updates/s and
the per-event latency percentiles from the loop's own cycle-counter histogram.  (c) The shared-memory
SPSC ring between two processes, carrying the self-checking traffic of ``bench/ring_traffic.py``:
throughput and round trip.  (d) The seqlock table: cost of one consistent read of a surface-sized
table.

The hftbacktest environment is ``bench/.venv-hftbacktest`` (or ``$QUANTFORGE_HFTBACKTEST_VENV``),
created on first use with ``python -m venv`` and ``pip install hftbacktest==2.4.4``; when that fails
the peer's rows carry the error in their note and no number.

Goals of the engine: book <= 40 ns/event and >= 1.4x hftbacktest's best replay; loop >= 1e7
updates/s with p99 <= 1 us; ring >= 5e7 msgs/s and round trip <= 400 ns.

References
----------
Avellaneda, M. and Stoikov, S. (2008), "High-frequency trading in a limit order book", Quant.
Finance 8(3), eqs. (29)-(30) (reservation price and spread used for the surface).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ..engine import affinity
from ..engine import ring as R
from ..engine import seqlock as S
from ..engine import types as T
from ..engine.atomics import load_acquire, store_release
from ..engine.book import HDR_BEST_ASK, HDR_BEST_BID, HDR_N_FILLS, book_apply_events, book_depth, new_book_state
from ..engine.loop import STATE_FIELDS, cycles_per_ns, latency_percentiles, make_config, new_loop_state, run_loop
from ..engine.shm import SharedBlock
from ..engine.surface import make_surface_table
from ..engine.synthetic import synthetic_events
from ..kernels.jit import jit
from . import ring_traffic, seqlock_traffic
from .harness import contention_note

__all__ = [
    "run",
    "SortedBook",
    "book_top",
    "book_rows",
    "loop_rows",
    "ring_rows",
    "seqlock_rows",
    "hftbacktest_python",
    "as_surface",
    "GOALS",
]

HFTBACKTEST = "hftbacktest==2.4.4"
GOALS = {
    "book_ns": 40.0,
    "book_vs_hftbacktest": 1.4,
    "loop_updates_s": 1e7,
    "loop_p99_ns": 1000.0,
    "ring_msgs_s": 5e7,
    "ring_rtt_ns": 400.0,
}
LEVELS = 5  # top levels per side compared across the three books
_CODE_NAMES = ("EV_ADD", "EV_CANCEL", "EV_REDUCE", "EV_EXECUTE", "EV_REPLACE", "EV_TRADE", "EV_MARKET", "EV_MODIFY")


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


# --------------------------------------------------------------------------- (a) book building
class SortedBook:
    """L3 book in plain Python: per side a ``SortedDict`` price -> [total lots, {order id: lots}]
    (dicts keep insertion order, so each level is FIFO) and an order map.

    It builds the book from a replayed feed (add, cancel, partial cancel, execute, replace; prints
    against hidden orders leave it unchanged); an add priced through the opposite touch is matched in
    price-time priority at the resting orders' prices and its remainder rests.
    """

    def __init__(self):
        from sortedcontainers import SortedDict

        self.sides = {1: SortedDict(), -1: SortedDict()}
        self.orders: dict[int, list] = {}

    def _rest(self, oid, side, price, qty):
        other = self.sides[-side]
        while qty > 0 and other:
            best = other.keys()[0] if side > 0 else other.keys()[-1]
            if (side > 0 and price < best) or (side < 0 and price > best):
                break
            for maker, lots in list(other[best][1].items()):
                q = min(qty, lots)
                self._take(maker, q)
                qty -= q
                if qty == 0:
                    break
        if qty == 0:
            return
        levels = self.sides[side]
        lv = levels.get(price)
        if lv is None:
            lv = levels[price] = [0, {}]
        lv[0] += qty
        lv[1][oid] = qty
        self.orders[oid] = [side, price, qty]

    def _take(self, oid, qty):
        o = self.orders[oid]
        levels = self.sides[o[0]]
        lv = levels[o[1]]
        lv[0] -= qty
        o[2] -= qty
        if o[2] == 0:
            del lv[1][oid]
            del self.orders[oid]
            if not lv[1]:
                del levels[o[1]]
        else:
            lv[1][oid] = o[2]

    def apply(self, kind, side, oid, new_oid, price, qty) -> None:
        """Replay columns given as Python lists (``EV_*`` kinds)."""
        add, cancel, reduce_, execute, replace, trade = (
            int(T.EV_ADD),
            int(T.EV_CANCEL),
            int(T.EV_REDUCE),
            int(T.EV_EXECUTE),
            int(T.EV_REPLACE),
            int(T.EV_TRADE),
        )
        orders = self.orders
        for i in range(len(kind)):
            k = kind[i]
            if k == add:
                self._rest(oid[i], side[i], price[i], qty[i])
            elif k == cancel:
                self._take(oid[i], orders[oid[i]][2])
            elif k == reduce_ or k == execute:
                self._take(oid[i], qty[i])
            elif k == replace:
                s = orders[oid[i]][0]
                self._take(oid[i], orders[oid[i]][2])
                self._rest(new_oid[i], s, price[i], qty[i])
            elif k != trade:
                raise ValueError(f"event kind {k} is not replayed by SortedBook")

    def top(self, levels: int = LEVELS) -> dict:
        bids, asks = self.sides[1], self.sides[-1]
        return {
            "best_bid": bids.keys()[-1] if bids else -1,
            "best_ask": asks.keys()[0] if asks else -1,
            "bids": [[p, bids[p][0]] for p in reversed(bids.keys()[-levels:])],
            "asks": [[p, asks[p][0]] for p in asks.keys()[:levels]],
        }


def book_top(bk, levels: int = LEVELS) -> dict:
    """The compiled book ``bk`` (a ``BookState``) in :meth:`SortedBook.top`'s form, for comparing the books."""
    out = {"best_bid": int(bk.hdr[HDR_BEST_BID]), "best_ask": int(bk.hdr[HDR_BEST_ASK])}
    for key, side in (("bids", 1), ("asks", -1)):
        px, qty = np.empty(levels, np.int64), np.empty(levels, np.int64)
        n = book_depth(bk, side, px, qty)
        out[key] = [[int(p), int(q)] for p, q in zip(px[:n], qty[:n])]
    return out


def _quantforge_build(events, capacity, window):
    """Build the book from ``events``; returns (seconds, state).  Fills are drained between calls."""
    bk = new_book_state(capacity, window, fill_capacity=4 * capacity + 16)
    status = np.zeros(events.shape[0], np.int64)
    t0 = time.perf_counter()
    i = 0
    while i < events.shape[0]:
        i = book_apply_events(bk, events, i, status)
        bk.hdr[HDR_N_FILLS] = 0
    dt = time.perf_counter() - t0
    if np.any(status != 0):
        raise RuntimeError(f"quantforge book rejected {int(np.count_nonzero(status))} events of the synthetic stream")
    return dt, bk


def hftbacktest_python(create: bool = True) -> tuple[str | None, str]:
    """Path of the python in hftbacktest's environment, or ``(None, reason)``.  With ``create`` a
    missing environment is made (``python -m venv``) and hftbacktest installed into it (pip, PyPI)."""
    venv = Path(os.environ.get("QUANTFORGE_HFTBACKTEST_VENV", Path(__file__).parent / ".venv-hftbacktest"))
    py = venv / "bin" / "python"
    steps = [([str(py), "-c", "import hftbacktest"], None)]
    if create:
        steps = [
            ([sys.executable, "-m", "venv", str(venv)], lambda: py.exists()),
            ([str(py), "-m", "pip", "install", "-q", HFTBACKTEST], lambda: _imports_hftbacktest(py)),
        ] + steps
    elif not py.exists():
        return None, f"hftbacktest environment {venv} absent (`quantforge bench engine` creates it)"
    for cmd, done in steps:
        if done is not None and done():
            continue
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, f"`{' '.join(cmd)}` failed: {e}"
        if p.returncode != 0:
            last = (p.stderr or p.stdout).strip().splitlines()
            return None, f"`{' '.join(cmd)}` failed: {last[-1] if last else f'exit status {p.returncode}'}"
    return str(py), ""


def _imports_hftbacktest(py: Path) -> bool:
    return py.exists() and subprocess.run([str(py), "-c", "import hftbacktest"], capture_output=True).returncode == 0


def _hftbacktest_replay(events, python: str, repeat: int) -> dict:
    cols = {f: events[f] for f in ("kind", "side", "order_id", "new_order_id", "price_ticks", "size_lots", "ts_ns")}
    with tempfile.TemporaryDirectory(prefix="qf-engine-") as tmp:
        stream = Path(tmp) / "stream.npz"
        np.savez(
            stream, **cols, code_names=np.array(_CODE_NAMES), codes=np.array([int(getattr(T, c)) for c in _CODE_NAMES])
        )
        p = subprocess.run(
            [
                python,
                str(Path(__file__).with_name("hftbacktest_replay.py")),
                str(stream),
                "--repeat",
                str(repeat),
                "--levels",
                str(LEVELS),
            ],
            capture_output=True,
            text=True,
            timeout=900,
        )
    if p.returncode != 0:
        last = (p.stderr or p.stdout).strip().splitlines()
        raise RuntimeError(last[-1] if last else f"exit status {p.returncode}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def book_rows(
    n: int, repeat: int = 5, sorted_repeat: int = 3, hftbacktest: bool = True, create_venv: bool = True, seed: int = 7
) -> list[dict]:
    """(a): ns/event and events/s of the three books on one stream of ``n`` events, with the
    agreement of their final books in the note."""
    shared = contention_note()
    events = synthetic_events(n, seed=seed)
    capacity, window = 1 << 13, 1 << 14
    _quantforge_build(events[: min(n, 1000)], capacity, window)  # compile
    qf_times = []
    for _ in range(repeat):
        dt, bk = _quantforge_build(events, capacity, window)
        qf_times.append(dt)
    qf_ns = statistics.median(qf_times) / n * 1e9
    books = {"quantforge": book_top(bk)}

    cols = [events[f].tolist() for f in ("kind", "side", "order_id", "new_order_id", "price_ticks", "size_lots")]
    sc_times = []
    for _ in range(sorted_repeat):
        sb = SortedBook()
        t0 = time.perf_counter()
        sb.apply(*cols)
        sc_times.append(time.perf_counter() - t0)
    sc_ns = statistics.median(sc_times) / n * 1e9
    books["sortedcontainers"] = sb.top()

    hft, hft_note = {}, ""
    if hftbacktest:
        python, why = hftbacktest_python(create=create_venv)
        if python is None:
            hft_note = why
        else:
            try:
                res = _hftbacktest_replay(events, python, repeat)
                hft = {v: r["ns_per_event"] for v, r in res["variants"].items()}
                books.update({f"hftbacktest-{v}": r["book"] for v, r in res["variants"].items()})
                hft_note = (
                    f"hftbacktest {res['hftbacktest']} (numpy {res['numpy']}) replays {res['hftbacktest_events']:,} "
                    f"L3 events converted from the {n:,} (LOCAL_EVENT add/cancel/modify: attributed adds as plain "
                    f"adds, executions with or without a price as modifies or cancels; trade prints as "
                    f"TRADE_EVENT; its depth does not match, so each marketable add arrives as the "
                    f"modifies/cancels of the orders it takes, computed by the converter in price-time "
                    f"priority, and an add of its remainder; L3FIFOQueueModel backtest, one elapse over the "
                    f"stream, median of {repeat} warm runs, timed inside its process, per source event)"
                )
            except (RuntimeError, OSError, subprocess.TimeoutExpired, ValueError, KeyError) as e:
                hft_note = f"hftbacktest replay failed: {e}"
    else:
        hft_note = "hftbacktest=False"

    ref = books["quantforge"]
    agree = [k for k, b in books.items() if b == ref]
    differ = [k for k in books if k not in agree]
    agreement = (
        f"final books (best bid/ask {ref['best_bid']}/{ref['best_ask']} ticks and top {LEVELS} levels' sizes "
        f"per side) agree: {', '.join(agree)}" + (f"; DIFFER: {', '.join(differ)}" if differ else "")
    )
    bench_ns = f"L3 book build, {n:,} synthetic events (ns/event)"
    bench_rate = f"L3 book build, {n:,} synthetic events (events/s)"
    best = min(hft, key=hft.get) if hft else None
    rows = []
    goal = f"goal <= {GOALS['book_ns']:g} ns/event: {_met(qf_ns <= GOALS['book_ns'])}"
    if best:
        ratio = hft[best] / qf_ns
        goal += (
            f"; {ratio:.2f}x hftbacktest's best replay ({best}), goal >= {GOALS['book_vs_hftbacktest']}x: "
            f"{_met(ratio >= GOALS['book_vs_hftbacktest'])}"
        )
    qf_note = f"book_apply_events, median of {repeat}; {goal}; {agreement}; {shared}"
    rows += [
        {"benchmark": bench_ns, "impl": "quantforge-numba", "median": qf_ns, "unit": "ns/event", "note": qf_note},
        {"benchmark": bench_rate, "impl": "quantforge-numba", "median": 1e9 / qf_ns, "unit": "events/s"},
    ]
    if hft:
        for v, ns in sorted(hft.items(), key=lambda kv: kv[1]):
            impl = "hftbacktest" if v == best else f"hftbacktest-{v}"
            note = f"{v} depth; " + hft_note
            rows += [
                {"benchmark": bench_ns, "impl": impl, "median": ns, "unit": "ns/event", "note": note},
                {"benchmark": bench_rate, "impl": impl, "median": 1e9 / ns, "unit": "events/s"},
            ]
    else:
        rows += [
            {
                "benchmark": bench_ns,
                "impl": "hftbacktest",
                "median": None,
                "unit": "ns/event",
                "note": "not run: " + hft_note,
            }
        ]
    sc_note = f"plain-Python price-time book on sortedcontainers.SortedDict, median of {sorted_repeat}"
    rows += [
        {"benchmark": bench_ns, "impl": "sortedcontainers", "median": sc_ns, "unit": "ns/event", "note": sc_note},
        {"benchmark": bench_rate, "impl": "sortedcontainers", "median": 1e9 / sc_ns, "unit": "events/s"},
    ]
    rows[0]["books"] = books
    return rows


# ------------------------------------------------------------------------- (b) tick to quote
def as_surface(
    horizon_s: float, gamma: float = 0.1, sigma: float = 0.05, k: float = 100.0, q_max: int = 20, n_t: int = 61
):
    """Avellaneda–Stoikov depths (price units) over time to horizon x inventory -q_max..q_max:
    ``delta_b = q gamma sigma^2 tau + s/2``, ``delta_a = -q gamma sigma^2 tau + s/2`` with the spread
    ``s = gamma sigma^2 tau + (2/gamma) ln(1 + gamma/k)`` (eqs. 29-30); the side that would grow the
    position beyond ``q_max`` is not quoted (+inf)."""
    tau = np.linspace(0.0, horizon_s, n_t)[:, None]
    q = np.arange(-q_max, q_max + 1)[None, :]
    spread = gamma * sigma**2 * tau + (2.0 / gamma) * np.log1p(gamma / k)
    skew = q * gamma * sigma**2 * tau
    bid = np.broadcast_to(skew + spread / 2, (n_t, q.size)).copy()
    ask = np.broadcast_to(-skew + spread / 2, (n_t, q.size)).copy()
    bid[:, -1] = np.inf
    ask[:, 0] = np.inf
    return make_surface_table(bid, ask, tau[:, 0], -q_max)


def loop_rows(n: int, repeat: int = 5, seed: int = 11, max_live: int = 128) -> list[dict]:
    """(b): updates/s and latency percentiles of ``run_loop`` over ``n`` events of a thin book
    (``max_live`` resting orders), whose touch moves often enough for the quotes to be re-priced."""
    shared = contention_note()
    events = synthetic_events(n, seed=seed, max_live=max_live)
    t_start, t_end = int(events["ts_ns"][0]), int(events["ts_ns"][-1]) + 1
    surf = as_surface((t_end - t_start) * 1e-9)
    cfg = make_config(
        tick_size=0.01, horizon_end_ns=t_end, max_position_lots=20, max_order_lots=10, band_ticks=50, loss_limit=1e12
    )

    def once(evs):
        bk = new_book_state(1 << 13, 1 << 14)
        st = new_loop_state(cfg, max_actions=1 << 16, max_fills=1 << 16)  # overflow is counted, not stored
        t0 = time.perf_counter()
        run_loop(bk, evs, surf, cfg, st)
        return time.perf_counter() - t0, st

    once(events[: min(n, 1000)])  # compile
    times, hists = [], []
    for _ in range(repeat):
        dt, st = once(events)
        times.append(dt)
        hists.append(st.hist)
    hist = np.sum(hists, axis=0)
    cpn = cycles_per_ns()
    pct = latency_percentiles(hist, cpn)
    recorded = int(hist.sum())
    hist_note = (
        f"per-event cycle-counter histogram (4-cycle buckets, {cpn:.3f} cycles/ns) over {repeat * n:,} events"
        if recorded == repeat * n
        else f"INVALID: the loop's latency histogram holds {recorded:,} of {repeat * n:,} events"
    )
    rate = n / statistics.median(times)
    s = dict(zip(STATE_FIELDS, st.s.tolist()))
    stored = st.fills["size_lots"][: s["n_fills"]]
    fill_lots, empty = int(stored.sum()), int(np.count_nonzero(stored <= 0))
    all_stored = s["n_fills"] <= st.fills.shape[0]
    consistent = s["events"] == n and empty == 0 and (fill_lots == s["volume"] or not all_stored)
    bench = f"tick-to-quote loop, {n:,} events ({max_live} live orders)"
    info = (
        f"run_loop (book + AS surface lookup + risk gate + queue-model fills), median of {repeat}; "
        f"last run: {s['n_actions']:,} order actions, {s['n_fills']:,} own fills, final position "
        f"{s['position']} lots"
        + (
            ""
            if consistent
            else f"; INCONSISTENT loop state ({s['n_fills']:,} own fills, {empty} of the stored "
            f"ones of <= 0 lots, summing to {fill_lots} lots against a volume of "
            f"{s['volume']}; events {s['events']} of {n})"
        )
    )
    return [
        {
            "benchmark": bench + " (updates/s)",
            "impl": "quantforge-numba",
            "median": rate,
            "unit": "updates/s",
            "note": f"{info}; goal >= {GOALS['loop_updates_s']:.0e}/s: {_met(rate >= GOALS['loop_updates_s'])}; {shared}",
        },
        {
            "benchmark": bench + " (p50 latency)",
            "impl": "quantforge-numba",
            "median": pct["p50"],
            "unit": "ns",
            "note": hist_note,
        },
        {
            "benchmark": bench + " (p99 latency)",
            "impl": "quantforge-numba",
            "median": pct["p99"],
            "unit": "ns",
            "note": f"goal p99 <= {GOALS['loop_p99_ns']:g} ns: {_met(pct['p99'] <= GOALS['loop_p99_ns'])}",
        },
        {
            "benchmark": bench + " (p99.9 latency)",
            "impl": "quantforge-numba",
            "median": pct["p99.9"],
            "unit": "ns",
            "note": f"overflow fraction {pct.get('overflow_fraction', float('nan')):.2e}",
        },
    ]


# ------------------------------------------------------------------------------------ (c) ring
@jit(nogil=True)
def _bounce(words, mine, theirs, start, stop, first, spin_limit):
    """One side of a cache-line ping-pong: for ``i = start .. stop - 1`` write ``i`` to ``words[mine]``
    (release) and wait for the other side's ``i`` in ``words[theirs]`` (acquire); the side that is not
    ``first`` waits before it writes.  Returns the next ``i`` (``stop`` unless a wait ran past
    ``spin_limit``)."""
    for i in range(start, stop):
        if first:
            store_release(words, mine, i)
        spins = 0
        while load_acquire(words, theirs) != i:
            spins += 1
            if spins >= spin_limit:
                return i
        if not first:
            store_release(words, mine, i)
    return stop


def _bounce_peer(name: str, n: int, cpu) -> None:
    if cpu is not None:
        affinity.pin(cpu)
    block = SharedBlock(name)
    try:
        _bounce(np.ndarray((32,), np.int64, buffer=block.buf), 16, 0, 1, n + 2, False, 1 << 34)
    finally:
        block.close()


def line_floor_ns(n: int, cpus: list[int] | None, timeout_s: float = 60.0) -> float:
    """Round trip of one cache line each way between two processes (one word in each of two
    128-byte blocks, no ring): the machine's floor under any two-process queue's round trip, in ns.
    ``cpus``: pin the two sides to ``cpus[0]`` (this thread, for the call) and ``cpus[1]``, or ``None``."""
    ctx = mp.get_context("spawn")
    block = SharedBlock(None, 256, create=True)
    words = np.ndarray((32,), np.int64, buffer=block.buf)
    words[:] = 0
    own_mask = os.sched_getaffinity(0) if cpus else None
    proc = ctx.Process(target=_bounce_peer, args=(block.name, n, cpus[1] if cpus else None))

    def run(start, stop):
        deadline = time.monotonic() + timeout_s
        while start < stop:
            reached = _bounce(words, 0, 16, start, stop, True, 1 << 22)
            if reached == start and (not proc.is_alive() or time.monotonic() > deadline):
                raise R.RingTimeout(
                    f"cache-line ping-pong: no answer to exchange {start}"
                    + ("" if proc.is_alive() else " (peer process is gone)")
                )
            start = reached

    try:
        proc.start()
        if cpus:
            affinity.pin(cpus[0])
        run(1, 2)  # the peer has started
        t0 = time.perf_counter()
        run(2, n + 2)
        dt = time.perf_counter() - t0
        proc.join(timeout_s)
        return dt / n * 1e9
    finally:
        if own_mask:
            os.sched_setaffinity(0, own_mask)
        if proc.is_alive():
            proc.kill()
        block.close()


def _round_trip_ns(ctx, n_pings: int, cpus: list[int] | None, timeout_s: float) -> float:
    """Mean ping-echo round trip (ns) over ``n_pings`` on a new pair of rings with a new echo process,
    the two sides pinned to ``cpus[0]`` (this thread, for the call) and ``cpus[1]`` if given."""
    own_mask = os.sched_getaffinity(0) if cpus else None
    out, back = R.SpscRing.create(ring_traffic.SEQ_RECORD, 1024), R.SpscRing.create(ring_traffic.SEQ_RECORD, 1024)
    try:
        proc = ctx.Process(
            target=ring_traffic.echo, args=(out.name, back.name, n_pings, timeout_s, cpus[1] if cpus else None)
        )
        proc.start()
        if cpus:
            affinity.pin(cpus[0])
        rtt = ring_traffic.ping(out, back, n_pings, timeout_s=timeout_s, peer_alive=proc.is_alive) * 1e9
        proc.join(timeout_s)
        return rtt
    finally:
        if own_mask:
            os.sched_setaffinity(0, own_mask)
        out.close()
        back.close()


def ring_rows(
    n_msgs: int, n_pings: int, batches: int = 5, capacity: int = 1 << 16, timeout_s: float = 60.0
) -> list[dict]:
    """(c): two-process SPSC ring throughput (16-byte self-checking records) and round trip.

    One producer process writes ``batches * n_msgs`` records; each batch of ``n_msgs`` is timed on
    the consumer side and counts only what the producer wrote inside the batch's window, so records
    buffered before the clock started do not inflate the rate (so ``n_msgs`` should be many times
    ``capacity``)."""
    shared = contention_note()
    ctx = mp.get_context("spawn")
    ring = R.SpscRing.create(ring_traffic.SEQ_RECORD, capacity)
    hugepages = "taken" if ring.hugepages else "not taken (a no-op here)"
    errors = np.zeros(2, np.int64)
    rates = []
    try:
        total = batches * n_msgs
        proc = ctx.Process(target=ring_traffic.produce_sequence, args=(ring.name, total, timeout_s))
        proc.start()
        deadline = time.monotonic() + timeout_s
        while ring.hdr[R.RING_HEAD] == 0:
            if not proc.is_alive() or time.monotonic() > deadline:
                raise R.RingTimeout("ring benchmark: producer process never wrote")
            time.sleep(0.0005)
        nxt = 0  # next sequence number expected; a poll may read past a batch's end
        for _ in range(batches):
            start, stop = nxt, min(nxt + n_msgs, total)
            h0, t0 = int(ring.hdr[R.RING_HEAD]), time.perf_counter()
            last = time.monotonic()
            while nxt < stop:
                new = ring_traffic.ring_consume_sequence(ring.hdr, ring.data, nxt, stop, 1 << 16, errors)
                if new == nxt:
                    if not proc.is_alive() or time.monotonic() - last > timeout_s:
                        raise R.RingTimeout(f"ring benchmark: producer stalled at {nxt} of {total}")
                    os.sched_yield()
                else:
                    nxt, last = new, time.monotonic()
            dt, h1 = time.perf_counter() - t0, int(ring.hdr[R.RING_HEAD])
            rates.append(min(nxt - start, h1 - h0) / dt)
        proc.join(timeout_s)
    finally:
        ring.close()
    rate = statistics.median(rates)

    # the two spinning sides on two different CPUs, each pinned, when this process may use two; each
    # batch on a fresh pair of rings and a fresh echo process, because the round trip depends on where
    # the lines land (which cache slice is their home), and one placement would speak for all
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    pinned = len(cpus) >= 2
    rtts = [_round_trip_ns(ctx, n_pings, cpus[:2] if pinned else None, timeout_s) for _ in range(batches)]
    placement = f"ping on CPU {cpus[0]}, echo on CPU {cpus[1]}, pinned" if pinned else "not pinned"
    floors = [line_floor_ns(n_pings, cpus[:2] if pinned else None, timeout_s) for _ in range(batches)]
    floor = statistics.median(floors)
    rtt = statistics.median(rtts)
    return [
        {
            "benchmark": "SPSC ring, 2 processes, 16-byte records (msgs/s)",
            "impl": "quantforge-numba",
            "median": rate,
            "unit": "msgs/s",
            "note": f"median of {batches} batches of {n_msgs:,} through a {capacity:,}-record ring (range "
            f"{min(rates):.2e}..{max(rates):.2e}); errors (lost or reordered, corrupted) {errors.tolist()}; "
            f"huge-page hint {hugepages}; goal >= {GOALS['ring_msgs_s']:.0e}/s: {_met(rate >= GOALS['ring_msgs_s'])}; {shared}",
        },
        {
            "benchmark": "SPSC ring, 2 processes, round trip (ns)",
            "impl": "quantforge-numba",
            "median": rtt,
            "unit": "ns",
            "note": f"median over {batches} batches of the mean of {n_pings:,} ping-echo round trips, each batch on "
            f"new rings with a new echo process (batch means {min(rtts):.0f}..{max(rtts):.0f} ns; "
            f"{placement}); one-record ring_send/ring_receive (the mailbox line); goal <= "
            f"{GOALS['ring_rtt_ns']:g} ns: {_met(rtt <= GOALS['ring_rtt_ns'])}; {rtt / floor:.2f}x the "
            f"one-line ping-pong floor of this machine",
        },
        {
            "benchmark": "SPSC ring, 2 processes, round trip (ns)",
            "impl": "cache-line-ping-pong",
            "median": floor,
            "unit": "ns",
            "note": f"cache-line-ping-pong: the floor, one int64 per 128-byte block written and polled by the two "
            f"processes, no ring (median over {batches} batches of {n_pings:,}, each on a new block: batch means "
            f"{min(floors):.0f}..{max(floors):.0f} ns; {placement})",
        },
    ]


# ------------------------------------------------------------------------------- (d) seqlock
@jit(nogil=True)
def _read_many(hdr, slots, out, n):
    bad = 0
    for _ in range(n):
        if S.seqlock_read(hdr, slots, out, 1 << 16) < 0:
            bad += 1
    return bad


def seqlock_rows(n_reads: int, n_t: int = 61, n_q: int = 41, writer_s: float = 60.0) -> list[dict]:
    """(d): ns per consistent read of a packed surface (``n_t`` x ``n_q``), without and with a writer
    process publishing at full speed."""
    shared = contention_note()
    n_values = S.surface_size(n_t, n_q)
    table = S.SeqlockTable.create(n_values)
    rows = []
    try:
        surf = as_surface(1.0, n_t=n_t, q_max=(n_q - 1) // 2)
        table.publish(
            S.pack_surface(
                np.minimum(surf.bid_depth, 1e300), np.minimum(surf.ask_depth, 1e300), surf.t_grid, -(n_q // 2)
            ),
            1,
        )
        out = np.empty(n_values)
        _read_many(table.hdr, table.slots, out, 10)
        bench = f"seqlock read, {n_t}x{n_q} surface ({n_values:,} float64, {n_values * 8 / 1024:.0f} KiB) (ns/read)"
        t0 = time.perf_counter()
        bad = _read_many(table.hdr, table.slots, out, n_reads)
        quiet = (time.perf_counter() - t0) / n_reads * 1e9
        rows.append(
            {
                "benchmark": bench,
                "impl": "quantforge-numba",
                "median": quiet,
                "unit": "ns/read",
                "note": f"no writer; {bad} failed reads; copy bandwidth {n_values * 8 / quiet:.1f} GB/s",
            }
        )
        proc = mp.get_context("spawn").Process(target=seqlock_traffic.write_patterns, args=(table.name, 2, writer_s))
        proc.start()
        try:
            deadline = time.monotonic() + writer_s
            while table.read()[0] < 3:
                if not proc.is_alive() or time.monotonic() > deadline:
                    raise S.SeqlockTimeout("seqlock benchmark: writer process never published")
                time.sleep(0.001)
            v0 = table.read()[0]
            t0 = time.perf_counter()
            bad = _read_many(table.hdr, table.slots, out, n_reads)
            busy = (time.perf_counter() - t0) / n_reads * 1e9
            v1 = table.read()[0]
        finally:
            proc.kill()
            proc.join(10)
        rows.append(
            {
                "benchmark": bench.replace("(ns/read)", "under a publishing writer (ns/read)"),
                "impl": "quantforge-numba",
                "median": busy,
                "unit": "ns/read",
                "note": f"worst case: a writer process republishing back to back ({v1 - v0:,} versions during the "
                f"reads), so most copies are overtaken and retried; {bad} failed reads; "
                f"{shared}",
            }
        )
    finally:
        table.close()
    return rows


def run(quick: bool) -> list[dict]:
    """The suite: 1M events (``quick``: 100k), 1e7 ring messages (1e6), see the module docstring."""
    n = 100_000 if quick else 1_000_000
    rows = book_rows(n, repeat=3 if quick else 5, sorted_repeat=1 if quick else 3)
    rows += loop_rows(n, repeat=3 if quick else 5)
    rows += ring_rows(1_000_000 if quick else 10_000_000, 20_000 if quick else 200_000)
    rows += seqlock_rows(20_000 if quick else 200_000)
    return rows
