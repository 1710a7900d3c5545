"""``quantforge demo``: the experiment of section 4 of Avellaneda & Stoikov (2008).

For each risk aversion gamma, ``paths`` market makers trade from s0 = 100 over T = 1 in steps of
dt = 0.005 (sigma = 2, A = 140, k = 1.5, q0 = 0).  The *inventory* strategy quotes from the model's
quote surface; the *symmetric* strategy quotes the inventory strategy's average spread centred on the
mid.  Both strategies see the same random numbers (same Philox stream), so their difference is the
strategy's and not the noise's.  The demo prints one table per gamma, writes ``report.json`` and a
figure (a sample path with quotes and inventory, and the profit histograms of both strategies).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from .errors import InvalidParameters, check_int, check_positive
from .kernels.backend import resolve_backend
from .kernels.market_making import MarketMakingPaths, simulate_market_making
from .models import avellaneda_stoikov as AS
from .models import cartea_jaimungal as CJ
from .models import glft as GLFT

__all__ = ["run_demo", "section4_experiment", "engine_day"]

MODELS = ("as", "glft", "cj")

# Inventory bound (lots) of the bounded models: wide enough that it binds only for the smallest gamma's tails.
Q_BOUND = 50


def _surface_tables(model: str, gamma: float, market: dict, n_steps: int):
    """Bid/ask depth tables (n_steps, n_q) over the simulation's steps, and q_min, for one model.

    ``as``: eqs. (29)-(30) of Avellaneda & Stoikov, unbounded inventory.  ``glft``: the exact
    Guéant–Lehalle–Fernandez-Tapia quotes with the same (gamma, sigma, A, k) and inventory bounded
    by +-Q_BOUND.  ``cj``: Cartea–Jaimungal with fill rate lambda e^{-kappa delta} = A e^{-k delta},
    running penalty phi = gamma sigma^2 / 2 (the mean-variance risk term of the other two models) and
    terminal penalty alpha = 0, because the experiment marks the final inventory at the mid.
    """
    dt, T, sigma, A, k = market["dt"], market["T"], market["sigma"], market["A"], market["k"]
    tau = dt * np.arange(1, n_steps + 1)  # time to horizon of steps n-1 ... 0, ascending
    if model == "as":
        params = AS.ASParams(gamma=gamma, sigma=sigma, k=k, A=A, T=T)
        surf = AS.quote_surfaces(params, tau, market["q0"] - n_steps, market["q0"] + n_steps)[0]
    elif model == "glft":
        surf = GLFT.quote_surfaces(GLFT.GLFTParams(gamma=gamma, sigma=sigma, A=A, k=k), tau, Q_BOUND)[0]
    elif model == "cj":
        params = CJ.CJParams(kappa_plus=k, kappa_minus=k, lambda_plus=A, lambda_minus=A, phi=0.5 * gamma * sigma**2, alpha=0.0)
        surf = CJ.quote_surfaces(params, tau, -Q_BOUND, Q_BOUND)[0]
    else:
        raise InvalidParameters(f"model must be one of {', '.join(MODELS)}; got {model!r}")
    # step j has time to horizon T - j dt, the row n_steps - 1 - j of the ascending grid
    return surf.bid_depth[::-1], surf.ask_depth[::-1], surf.q_min, surf


def section4_experiment(
    gamma: float, *, paths: int, seed: int, backend: str | None = None, model: str = "as", market: dict | None = None
) -> dict[str, MarketMakingPaths]:
    """Run the inventory and the symmetric strategy for one gamma; returns both path sets.

    The spread reported for both (``MarketMakingPaths.summary()['spread']``) is the inventory
    strategy's quoted spread ``delta_a + delta_b`` averaged over steps and paths, the time term
    ``gamma sigma^2 (T - t)`` of eq. (30) included; the symmetric strategy quotes half of it on each
    side of the mid at every step.
    """
    m = dict(AS.PAPER_SECTION4 if market is None else market)
    n_steps = int(round(m["T"] / m["dt"]))
    bid, ask, q_min, _ = _surface_tables(model, gamma, m, n_steps)
    common = dict(s0=m["s0"], sigma=m["sigma"], A=m["A"], k=m["k"], dt=m["dt"], n_paths=paths, seed=seed, q0=m["q0"], backend=backend)
    inventory = simulate_market_making(bid, ask, q_min=q_min, record_path=True, **common)
    half = 0.5 * float(np.nanmean(inventory.mean_spread))
    # the symmetric strategy keeps the model's inventory bounds: no quote where the model posts none
    flat_bid = np.where(np.isposinf(bid), np.inf, half)
    flat_ask = np.where(np.isposinf(ask), np.inf, half)
    symmetric = simulate_market_making(flat_bid, flat_ask, q_min=q_min, record_path=True, **common)
    return {"inventory": inventory, "symmetric": symmetric}


ENGINE_TICK = 2.0
"""Tick size (price units) of the simulated day's market: the synthetic book's spread is one tick, so
the models' depths (0.6 to 1.5 price units here) put the quotes at or near the touch."""
ENGINE_MAX_POSITION = 20
"""The day's pre-trade limit on |inventory| (lots)."""


def engine_day(model: str, gamma: float, *, seed: int, n_events: int) -> dict:
    """One simulated trading day through the engine (feed -> ring -> book -> surface -> risk gate ->
    orders -> fills) quoting from ``model``'s surface for ``gamma``; the report's ``engine`` entry."""
    from .engine.day import run_trading_day_on

    m = dict(AS.PAPER_SECTION4)
    *_, surf = _surface_tables(model, gamma, m, int(round(m["T"] / m["dt"])))
    day = run_trading_day_on(surf, tick_size=ENGINE_TICK, seed=seed, n_events=n_events,
                             max_position_lots=ENGINE_MAX_POSITION)
    return {"model": model, "gamma": gamma, "tick_size": ENGINE_TICK, "max_position_lots": ENGINE_MAX_POSITION} | day


def _print_engine(day: dict, console) -> None:
    from rich.table import Table

    t = Table(title=f"one simulated day through the engine ({day['model']}, gamma = {day['gamma']:g})",
              title_justify="left")
    lat = day["latency_ns"]
    t.add_column("quantity")
    t.add_column("value", justify="right")
    rows = {
        "market events": f"{day['events']:,}",
        "order actions (new / replace / cancel)": (f"{day['new'] + day['replaced'] + day['cancelled']:,} "
                                                   f"({day['new']:,} / {day['replaced']:,} / {day['cancelled']:,})"),
        "feed events refused by the book": (f"{day['book_rejected']:,}" + "".join(
            f", {n} {name.replace('_', ' ')}" for name, n in day["book_rejects"].items() if n)),
        "fills (lots)": f"{day['fills']:,} ({day['filled_lots']:,})",
        "final inventory (lots)": f"{day['final_inventory']}",
        "PnL (marked to mid)": f"{day['pnl']:.2f}",
        "tick-to-quote latency p50 / p99 / p99.9": f"{lat['p50']:.0f} / {lat['p99']:.0f} / {lat['p99.9']:.0f} ns",
        "updates per second": f"{day['updates_per_s']:.3g}",
        "kill switch": "tripped" if day["kill_switch"] else "not tripped",
    }
    for k, v in rows.items():
        t.add_row(k, v)
    console.print(t)


def _figure(results: dict, gammas: list[float], path: Path, model: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(gammas)
    fig = plt.figure(figsize=(max(10, 4 * n), 9), constrained_layout=True)
    grid = fig.add_gridspec(3, n, height_ratios=[2, 1, 1.6])
    rec = results[gammas[0]]["inventory"].record
    ax = fig.add_subplot(grid[0, :])
    ax.plot(rec[:, 0], rec[:, 1], color="black", lw=1.2, label="mid")
    ax.plot(rec[:-1, 0], rec[:-1, 2], color="tab:blue", lw=0.8, label="bid quote")
    ax.plot(rec[:-1, 0], rec[:-1, 3], color="tab:red", lw=0.8, label="ask quote")
    ax.set_title(f"Sample path, inventory strategy ({model.upper()}), gamma = {gammas[0]:g}")
    ax.set_ylabel("price")
    ax.legend(loc="upper left")
    axq = fig.add_subplot(grid[1, :], sharex=ax)
    axq.step(rec[:, 0], rec[:, 4], where="post", color="tab:green")
    axq.set_ylabel("inventory (lots)")
    axq.set_xlabel("time")
    for i, g in enumerate(gammas):
        axh = fig.add_subplot(grid[2, i])
        inv, sym = results[g]["inventory"].profit, results[g]["symmetric"].profit
        bins = np.linspace(min(inv.min(), sym.min()), max(inv.max(), sym.max()), 40)
        axh.hist(sym, bins=bins, alpha=0.55, label="symmetric", color="tab:orange")
        axh.hist(inv, bins=bins, alpha=0.55, label="inventory", color="tab:purple")
        axh.set_title(f"profit, gamma = {g:g}")
        axh.set_xlabel("profit")
        if i == 0:
            axh.legend()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _print_tables(rows: list[dict], gammas: list[float], console) -> None:
    from rich.table import Table

    for g in gammas:
        t = Table(title=f"gamma = {g:g}", title_justify="left")
        for col in ("strategy", "spread", "mean profit", "std profit", "mean final q", "std final q"):
            t.add_column(col, justify="left" if col == "strategy" else "right")
        for r in rows:
            if r["gamma"] == g:
                t.add_row(r["strategy"], f"{r['spread']:.2f}", f"{r['profit_mean']:.2f}", f"{r['profit_std']:.2f}",
                          f"{r['q_mean']:.2f}", f"{r['q_std']:.2f}")
        console.print(t)


def run_demo(
    *, paths: int = 1000, gammas=(0.1, 0.01, 1.0), backend: str | None = "auto", seed: int = 2008,
    out: Path = Path("demo-report"), model: str = "as", events: int = 1_000_000,
) -> dict:
    """Run the experiment for every gamma, print the tables, write report.json and demo.png into ``out``.

    With ``events > 0`` it also runs :func:`engine_day` for the first gamma (report key ``engine``).
    """
    from rich.console import Console
    from rich.progress import Progress

    paths = check_int("paths", paths, minimum=1)
    events = check_int("events", events, minimum=0)
    seed = check_int("seed", seed, minimum=0, maximum=2**64 - 1)
    gammas = [check_positive("gamma", g) for g in gammas]
    if model not in MODELS:
        raise InvalidParameters(f"model must be one of {', '.join(MODELS)}; got {model!r}")
    name = resolve_backend(backend)
    console = Console()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results, rows = {}, []
    t0 = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"simulating {paths} paths x {len(gammas)} gammas on {name}", total=len(gammas))
        for g in gammas:
            results[g] = section4_experiment(g, paths=paths, seed=seed, backend=name, model=model)
            for strategy in ("inventory", "symmetric"):
                s = results[g][strategy].summary()
                rows.append({"gamma": g, "strategy": strategy, "spread": s["spread"], "profit_mean": s["profit_mean"],
                             "profit_std": s["profit_std"], "q_mean": s["q_mean"], "q_std": s["q_std"]})
            progress.advance(task)
    elapsed = time.perf_counter() - t0
    console.print(f"Avellaneda–Stoikov section 4: model {model}, backend {name}, {paths} paths per gamma, seed {seed}, {elapsed:.2f} s")
    _print_tables(rows, gammas, console)
    report = {"backend": name, "seed": seed, "paths": paths, "model": model, "experiments": rows}
    if events:
        with console.status(f"one simulated day of {events:,} market events through the engine"):
            report["engine"] = engine_day(model, gammas[0], seed=seed, n_events=events)
        _print_engine(report["engine"], console)
    _figure(results, gammas, out / "demo.png", model)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    console.print(f"figure written to {out.resolve() / 'demo.png'}")
    return report
