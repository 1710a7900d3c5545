"""Suite ``execution``: the Almgren–Chriss frontier, the Monte Carlo of implementation shortfall, and the
executor inside the engine's event loop.

``AC frontier``: the optimal trajectory, expected cost and variance for 10^4 risk aversions (log-spaced
over six decades) on 390 one-minute intervals.  quantforge: :func:`quantforge.kernels.execution.liquidation_frontier`
(numba: one trajectory per ``lambda`` by the overflow-free recurrence, summed on the fly; jax: the
reference under ``jit``).  numpy: the same closed form written the plain way, every trajectory as one
``(n_lambda, 391)`` array of ``sinh`` ratios, then the sums.  Unit: frontier points per second.

``MC cost``: the implementation shortfall of 5 schedules (TWAP, VWAP, Almgren–Chriss at urgencies 1, 3
and 6) of one 6.5-hour day in 390 slices on 10^5 paths (``--quick``: 10^4) of GBM with Merton jumps
(2% daily volatility, 2 jumps a day), plus the linear impact model.  quantforge:
:func:`quantforge.execution.simulate_costs` (numba: the price paths and the five weighted sums fused in
one kernel; jax: the sde family's jax kernel and a matrix product).  numpy: the plain implementation,
chunks of 2^12 paths of PCG64 normals, Poisson jump counts and normal jump sizes, the exact log step,
``cumsum`` and ``exp`` for the paths and one matrix product with the trade lists.  Each row records
its strategies' mean costs with their standard errors, so the rows can be checked to agree.  Unit:
path-steps per second (a path-step prices all five strategies).

``executor in the engine loop``: events per second of one day of synthetic L3 events (10^6; ``--quick``:
2 x 10^5) through :func:`quantforge.execution.event_loop.run_execution` with a TWAP and with an
adaptive executor working a parent order through the day, against the same loop with no order
(the executor never starts) and the engine's own batch ``book_apply_events`` on the same events.  The
goal is an executor costing less than 25% of the loop's throughput.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ..engine.book import HDR_N_FILLS, book_apply_events, new_book_state
from ..execution import (
    AdaptiveExecutor,
    AlmgrenChriss,
    LinearImpact,
    ScheduleExecutor,
    SyntheticMarket,
    Tactics,
    ac_schedule,
    simulate_costs,
    twap_schedule,
    vwap_schedule,
)
from ..execution.event_loop import run_execution
from ..execution.executors import executor_config
from ..execution.layouts import BIN_WORDS, CHILD, OWN_FILL, S, new_state
from ..execution.simulation import FIRST_OID
from ..kernels.backend import available_backends
from ..kernels.execution import liquidation_frontier, liquidation_parameters
from ..kernels.sde import Merton
from .harness import contention_note, median_time, one_numba_thread

GOALS = {"frontier_vs_numpy": 5.0, "mc_vs_numpy": 5.0, "executor_share": 0.25}
DAY_S = 23_400.0
N_STEPS = 390
X_LOTS = 100_000
S0 = 50.0
VOL = 0.02 / math.sqrt(DAY_S)  # per square-root second
LAM_JUMPS = 2.0 / DAY_S  # per second
JUMP_MEAN, JUMP_VOL = -0.005, 0.01
IMPACT = LinearImpact(gamma=2.5e-7, eta=2.5e-6 * 60.0, epsilon=0.01)  # per second and share
_CHUNK = 1 << 12


def _met(ok: bool) -> str:
    return "met" if ok else "missed"


# ---------------------------------------------------------------------------------------- frontier
def frontier_numpy(
    lams: np.ndarray, x: float, horizon: float, n: int, sigma: float, gamma: float, eta: float, epsilon: float
) -> tuple[np.ndarray, np.ndarray]:
    """(E, V) of every ``lambda`` the plain numpy way: all trajectories as one array, then the sums."""
    tau = horizon / n
    eta_t = eta - 0.5 * gamma * tau
    kappa = np.arccosh(1.0 + lams * sigma**2 * tau**2 / (2.0 * eta_t)) / tau
    t = np.arange(n + 1) * tau
    k = kappa[:, None]
    holdings = x * np.sinh(k * (horizon - t)) / np.sinh(k * horizon)
    trades = holdings[:, :-1] - holdings[:, 1:]
    e = 0.5 * gamma * x * x + epsilon * x + eta_t / tau * (trades**2).sum(axis=1)
    v = sigma**2 * tau * (holdings[:, 1:] ** 2).sum(axis=1)
    return e, v


def frontier_rows(n_lambdas: int, repeat: int) -> list[dict]:
    """The AC frontier: quantforge (numba, parallel and one thread; jax) against numpy."""
    bench = f"AC frontier, {n_lambdas} lambdas x {N_STEPS} steps, float64"
    x, sigma = 1e6, 0.95 / math.sqrt(DAY_S / N_STEPS)  # the paper's example scaled to one-minute steps
    prm = liquidation_parameters(x, float(N_STEPS), N_STEPS, sigma, 2.5e-7, 2.5e-6, 0.0625)
    lams = np.logspace(-10, -5, n_lambdas)  # kappa T from 0.3 to 95: where the plain sinh ratio does not overflow
    want_e, want_v = frontier_numpy(lams, x, float(N_STEPS), N_STEPS, sigma, 2.5e-7, 2.5e-6, 0.0625)
    rows: list[dict] = []
    shared = contention_note()

    def add(impl, fn, note):
        e, v = fn()
        median, _ = median_time(fn, repeat=repeat, warmup=1)
        err = float(max(np.max(np.abs(e / want_e - 1)), np.max(np.abs(v / want_v - 1))))
        rows.append(
            {
                "benchmark": bench,
                "impl": impl,
                "median": n_lambdas / median,
                "unit": "points/s",
                "seconds": median,
                "max_rel_diff_vs_numpy": err,
                "note": note,
            }
        )

    def ours(backend):
        def fn():
            f = liquidation_frontier(lams, prm, N_STEPS, backend=backend)
            return f.expected_cost, f.variance

        return fn

    add(
        "quantforge-numba",
        ours("numba"),
        "quantforge-numba: parallel over blocks of lambda, each trajectory by the "
        f"overflow-free sinh recurrence and summed on the fly (no n_lambda x n_steps array); {shared}",
    )
    add("quantforge-numba-1thread", one_numba_thread(ours("numba")), "quantforge-numba-1thread: the same on one thread")
    if "jax" in available_backends():
        add("quantforge-jax", ours("jax"), "quantforge-jax: the array-API reference under jit")
    add(
        "numpy",
        lambda: frontier_numpy(lams, x, float(N_STEPS), N_STEPS, sigma, 2.5e-7, 2.5e-6, 0.0625),
        "numpy: the closed form as one (n_lambda, n_steps + 1) array of sinh ratios, then the sums, one thread",
    )
    best = max(r["median"] for r in rows if r["impl"].startswith("quantforge"))
    ratio = best / rows[-1]["median"]
    rows[0]["goal_vs_numpy"] = GOALS["frontier_vs_numpy"]
    rows[0]["note"] += (
        f"; best quantforge row {ratio:.1f}x numpy, goal >= {GOALS['frontier_vs_numpy']:g}x: {_met(ratio >= GOALS['frontier_vs_numpy'])}"
    )
    return rows


# ----------------------------------------------------------------------------------- Monte Carlo
def strategies() -> tuple[list, list[str]]:
    """The five schedules of the Monte Carlo rows: one day in 390 one-minute slices."""
    ac = AlmgrenChriss(sigma=S0 * VOL, impact=IMPACT)
    scheds = [twap_schedule(X_LOTS, DAY_S, N_STEPS), vwap_schedule(X_LOTS, DAY_S, N_STEPS)]
    scheds += [ac_schedule(X_LOTS, DAY_S, N_STEPS, ac, urgency=u) for u in (1.0, 3.0, 6.0)]
    return scheds, ["twap", "vwap", "ac-u1", "ac-u3", "ac-u6"]


def mc_numpy(trades: np.ndarray, n_paths: int, seed: int) -> np.ndarray:
    """The random part of each strategy's cost, ``sum_k n_k (S_{k-1} - S_0)``, shape (n_strategies, n_paths):
    Merton paths by the exact log step in chunks of paths, then one matrix product."""
    rng = np.random.default_rng(seed)
    dt = DAY_S / N_STEPS
    kappa = math.expm1(JUMP_MEAN + 0.5 * JUMP_VOL**2)
    drift = (-LAM_JUMPS * kappa - 0.5 * VOL**2) * dt
    out = np.empty((trades.shape[0], n_paths))
    for p0 in range(0, n_paths, _CHUNK):
        m = min(_CHUNK, n_paths - p0)
        counts = rng.poisson(LAM_JUMPS * dt, (m, N_STEPS - 1))
        jumps = counts * JUMP_MEAN + JUMP_VOL * np.sqrt(counts) * rng.standard_normal((m, N_STEPS - 1))
        steps = drift + VOL * math.sqrt(dt) * rng.standard_normal((m, N_STEPS - 1)) + jumps
        prices = np.empty((m, N_STEPS))
        prices[:, 0] = 0.0
        prices[:, 1:] = S0 * np.expm1(np.cumsum(steps, axis=1))  # S_k - S_0 for k = 0 .. N - 1
        out[:, p0 : p0 + m] = trades @ prices.T
    return out


def mc_rows(n_paths: int, repeat: int) -> list[dict]:
    """The Monte Carlo of shortfall: quantforge (numba, parallel and one thread; jax) against numpy."""
    bench = f"MC shortfall, {n_paths} paths x 5 strategies x {N_STEPS} steps, Merton jumps"
    scheds, names = strategies()
    model = Merton(mu=0.0, sigma=VOL, lam=LAM_JUMPS, jump_mean=JUMP_MEAN, jump_vol=JUMP_VOL)
    trades = np.stack([s.child_lots for s in scheds]).astype(np.float64)
    tau = DAY_S / N_STEPS
    expected = np.array([IMPACT.expected_cost(t, tau) for t in trades])
    rows: list[dict] = []
    shared = contention_note()

    def add(impl, fn, note):
        costs = fn()
        median, _ = median_time(fn, repeat=repeat, warmup=1)
        mean = costs.mean(axis=1)
        se = costs.std(axis=1, ddof=1) / math.sqrt(n_paths)
        rows.append(
            {
                "benchmark": bench,
                "impl": impl,
                "median": n_paths * N_STEPS / median,
                "unit": "path-steps/s",
                "seconds": median,
                "strategies": names,
                "mean_cost": mean.tolist(),
                "stderr": se.tolist(),
                "expected_cost": expected.tolist(),
                "note": note,
            }
        )

    def ours(backend):
        return lambda: simulate_costs(scheds, IMPACT, model, S0, n_paths, names=names, seed=1, backend=backend).costs

    add(
        "quantforge-numba",
        ours("numba"),
        "quantforge-numba: Merton paths (the sde family's Philox stream) and the "
        f"five weighted sums fused in one kernel, 16-path SIMD blocks, parallel; {shared}",
    )
    add("quantforge-numba-1thread", one_numba_thread(ours("numba")), "quantforge-numba-1thread: the same on one thread")
    if "jax" in available_backends():
        add(
            "quantforge-jax",
            ours("jax"),
            "quantforge-jax: the sde family's jax kernel (paths in chunks of 2^12) and a matrix product",
        )
    add(
        "numpy",
        lambda: expected[:, None] + mc_numpy(trades, n_paths, 1),
        "numpy: chunks of 2^12 paths of PCG64 normals and Poisson jump counts, exact log step, cumsum and expm1, one "
        "matrix product with the trade lists",
    )
    best = max(r["median"] for r in rows if r["impl"].startswith("quantforge"))
    ratio = best / rows[-1]["median"]
    agree = all(
        abs(a - b) < 4 * math.hypot(sa, sb)
        for r in rows[1:]
        for a, b, sa, sb in zip(rows[0]["mean_cost"], r["mean_cost"], rows[0]["stderr"], r["stderr"])
    )
    rows[0]["note"] += (
        f"; best quantforge row {ratio:.1f}x numpy, goal >= {GOALS['mc_vs_numpy']:g}x: "
        f"{_met(ratio >= GOALS['mc_vs_numpy'])}; mean costs of every row within 4 s.e. of each "
        f"other: {agree}"
    )
    return rows


# ------------------------------------------------------------------------------ executor in the loop
def loop_rate(events: np.ndarray, executor, start_ns: int | None) -> tuple[float, dict]:
    """(events per second, counters) of one pass of the execution loop over ``events``; ``start_ns`` None:
    the order never starts (the loop with no executor at work)."""
    start = int(events["ts_ns"][-1]) + 1 if start_ns is None else start_ns
    cfg = executor_config(executor, start_ns=start, decision_ns=start, first_oid=FIRST_OID, fill_a=50.0, fill_k=1.0)
    sched = np.round(np.asarray(executor.times_s) * 1e9).astype(np.int64)
    plan_cum = executor.targets()
    si, sf, pend = new_state()
    ch = np.zeros(1 << 14, CHILD)
    fl = np.zeros(1 << 14, OWN_FILL)
    bins = np.zeros((executor.n_slices + 1, BIN_WORDS), np.int64)
    status = np.zeros(events.shape[0], np.int64)
    bk = new_book_state(capacity=1 << 14, window=1 << 14)
    i = 0
    t0 = time.perf_counter()
    while i < events.shape[0]:
        i, code = run_execution(
            bk, events, i, events.shape[0], cfg, sched, plan_cum, si, sf, pend, ch, fl, bins, status
        )
        if code:
            ch = np.concatenate([ch, np.zeros(ch.shape[0], CHILD)])
            fl = np.concatenate([fl, np.zeros(fl.shape[0], OWN_FILL)])
    dt = time.perf_counter() - t0
    return events.shape[0] / dt, {
        "children": int(si[S.N_CHILDREN]),
        "fills": int(si[S.N_FILLS]),
        "filled": int(si[S.FILLED]),
        "decisions": int(si[S.DECISIONS]),
        "accounting_breaks": int(si[S.ACCOUNTING_BREAKS]),
    }


def book_rate(events: np.ndarray) -> float:
    """Events per second of the engine's batch ``book_apply_events`` (its fill buffer drained when it stops)."""
    bk = new_book_state(capacity=1 << 14, window=1 << 14)
    status = np.zeros(events.shape[0], np.int64)
    t0 = time.perf_counter()
    i = 0
    while i < events.shape[0]:
        i = book_apply_events(bk, events, i, status)
        bk.hdr[HDR_N_FILLS] = 0  # the fills are not needed here
    return events.shape[0] / (time.perf_counter() - t0)


def executor_rows(n_events: int, repeat: int) -> list[dict]:
    """Events/s of the loop with a TWAP and an adaptive executor, with no order, and of the bare book."""
    market = SyntheticMarket(n_events=n_events, session_s=DAY_S, seed=2, move_prob=0.002)
    ev = market.events()
    start = int(ev["ts_ns"][n_events // 20])
    horizon = 0.9 * (int(ev["ts_ns"][-1]) - start) * 1e-9
    t = Tactics(fill_a=50.0, fill_k=1.0, finish=False)
    twap = ScheduleExecutor(twap_schedule(20_000, horizon, 60), t)
    adaptive = AdaptiveExecutor("sell", 20_000, horizon, 60, urgency=2.0, tactics=t)
    bench = f"execution loop, {n_events} synthetic L3 events"
    shared = contention_note()
    runs = {}
    for impl, ex, s in (
        ("quantforge-numba-no-order", twap, None),
        ("quantforge-numba-twap", twap, start),
        ("quantforge-numba-adaptive", adaptive, start),
    ):
        loop_rate(ev[: min(20_000, n_events)], ex, s)  # compile (or load) outside the timing
        rates = [loop_rate(ev, ex, s) for _ in range(repeat)]
        runs[impl] = (float(np.median([r[0] for r in rates])), rates[0][1])
    book_rate(ev[:1000])
    book = float(np.median([book_rate(ev) for _ in range(repeat)]))
    base = runs["quantforge-numba-no-order"][0]
    rows = []
    for impl, (rate, counters) in runs.items():
        note = (
            f"{impl}: run_execution over the day, one thread; {counters['decisions']} decision steps, "
            f"{counters['children']} child orders, {counters['fills']} fills"
        )
        if impl != "quantforge-numba-no-order":
            share = 1.0 - rate / base
            note += (
                f"; the executor costs {share:.0%} of the loop's throughput (vs no order), goal < "
                f"{GOALS['executor_share']:.0%}: {_met(share < GOALS['executor_share'])}; "
                f"{1.0 - rate / book:.0%} below the bare book"
            )
        else:
            note += f"; the loop (priority checks, fill drains, statistics) with no order; {shared}"
        rows.append({"benchmark": bench, "impl": impl, "median": rate, "unit": "events/s", "note": note, **counters})
    rows.append(
        {
            "benchmark": bench,
            "impl": "engine-book_apply_events",
            "median": book,
            "unit": "events/s",
            "note": "engine-book_apply_events: the engine's batch book update (prefetching, no executor, no "
            "statistics): the ceiling of any loop over this book",
        }
    )
    return rows


def run(quick: bool = False) -> list[dict]:
    repeat = 3 if quick else 5
    rows = frontier_rows(10_000, repeat)
    rows += mc_rows(10_000 if quick else 100_000, repeat if quick else 3)
    rows += executor_rows(200_000 if quick else 1_000_000, repeat)
    return rows
