"""``quantforge demo``: the experiment of section 4 of Avellaneda & Stoikov (2008) with the quotes of
one of the library's market-making models, and one simulated trading day through the engine.

For each risk aversion gamma, ``paths`` market makers trade from s0 = 100 over T = 1 in steps of
dt = 0.005 (sigma = 2, A = 140, k = 1.5, q0 = 0).  The *inventory* strategy quotes from the quote
surface of the chosen model (:data:`MODEL_NAMES`: ``as`` Avellaneda–Stoikov, ``glft``
Guéant–Lehalle–Fernandez-Tapia, ``cj`` Cartea–Jaimungal); the *symmetric* strategy quotes the
inventory strategy's average spread centred on the mid.  Both strategies see the same random
numbers (same Philox stream), so their difference is the strategy's and not the noise's.  With
``events > 0`` the first gamma's surface also quotes one simulated day of market events through the
engine (:func:`engine_day`).

The demo prints one table per gamma (its progress as plain lines when the output is not a terminal)
and writes into its output folder:

- ``report.json``: the rows of the tables; the model, its parameters and grid, the seed, the
  library versions and the machine; the engine day (key ``engine``), with how the model's quotes
  round to the instrument's ticks (:func:`quote_rounding`);
- ``demo.png`` (:func:`demo_figure`): a sample path with its quotes and inventory, the profit
  histograms of both strategies, the quote surface (bid and ask depth over time to horizon ×
  inventory) and the engine day (inventory with its fills, PnL marked to the mid).
"""

from __future__ import annotations

import json
import platform
import sys
import time
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import InvalidParameters, check_int, check_memory, check_positive
from .kernels.backend import BACKENDS, backend_version, cpu_info, gpu_devices, resolve_backend
from .kernels.market_making import MarketMakingPaths, simulate_market_making
from .models import avellaneda_stoikov as AS
from .models import cartea_jaimungal as CJ
from .models import glft as GLFT

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .models.surface import QuoteSurface

__all__ = ["run_demo", "section4_experiment", "engine_day", "quote_rounding", "demo_figure", "MODELS", "MODEL_NAMES"]

MODELS = ("as", "glft", "cj")

MODEL_NAMES = {
    "as": "Avellaneda–Stoikov (2008)",
    "glft": "Guéant–Lehalle–Fernandez-Tapia (2013)",
    "cj": "Cartea–Jaimungal (2015)",
}
"""The model behind each ``--model`` choice, as the demo's header and report name it."""

# Inventory bound (lots) of the bounded models: wide enough that it binds only for the smallest gamma's tails.
Q_BOUND = 50


def _model_params(model: str, gamma: float, market: dict):
    """The parameters of ``model`` for one gamma in ``market``.

    ``as``: eqs. (29)-(30) of Avellaneda & Stoikov, unbounded inventory.  ``glft``: the exact
    Guéant–Lehalle–Fernandez-Tapia quotes with the same (gamma, sigma, A, k) and inventory bounded
    by +-Q_BOUND.  ``cj``: Cartea–Jaimungal with fill rate lambda e^{-kappa delta} = A e^{-k delta},
    running penalty phi = gamma sigma^2 / 2 (the mean-variance risk term of the other two models) and
    terminal penalty alpha = 0, because the experiment marks the final inventory at the mid.
    """
    sigma, A, k = market["sigma"], market["A"], market["k"]
    if model == "as":
        return AS.ASParams(gamma=gamma, sigma=sigma, k=k, A=A, T=market["T"])
    if model == "glft":
        return GLFT.GLFTParams(gamma=gamma, sigma=sigma, A=A, k=k)
    if model == "cj":
        return CJ.CJParams(
            kappa_plus=k, kappa_minus=k, lambda_plus=A, lambda_minus=A, phi=0.5 * gamma * sigma**2, alpha=0.0
        )
    raise InvalidParameters(f"model must be one of {', '.join(MODELS)}; got {model!r}")


def _inventory_range(model: str, market: dict, n_steps: int) -> tuple[int, int]:
    """(q_min, q_max) of the surface: out of reach for ``as`` (one fill per step at most), ±Q_BOUND otherwise."""
    if model == "as":
        return market["q0"] - n_steps, market["q0"] + n_steps
    return -Q_BOUND, Q_BOUND


def _surface_tables(model: str, gamma: float, market: dict, n_steps: int):
    """Bid/ask depth tables (n_steps, n_q) over the simulation's steps, q_min and the surface, for one model."""
    params = _model_params(model, gamma, market)
    q_min, q_max = _inventory_range(model, market, n_steps)
    tau = market["dt"] * np.arange(1, n_steps + 1)  # time to horizon of steps n-1 ... 0, ascending
    if model == "as":
        surf = AS.quote_surfaces(params, tau, q_min, q_max)[0]
    elif model == "glft":
        surf = GLFT.quote_surfaces(params, tau, q_max)[0]
    else:
        surf = CJ.quote_surfaces(params, tau, q_min, q_max)[0]
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
    gamma = check_positive("gamma", gamma)
    paths = check_int("paths", paths, minimum=1)
    _check_model(model)
    m = _check_market(AS.PAPER_SECTION4 if market is None else market)
    n_steps = int(round(m["T"] / m["dt"]))
    bid, ask, q_min, _ = _surface_tables(model, gamma, m, n_steps)
    common = dict(
        s0=m["s0"],
        sigma=m["sigma"],
        A=m["A"],
        k=m["k"],
        dt=m["dt"],
        n_paths=paths,
        seed=seed,
        q0=m["q0"],
        backend=backend,
    )
    inventory = simulate_market_making(bid, ask, q_min=q_min, record_path=True, **common)
    half = 0.5 * float(np.nanmean(inventory.mean_spread))
    # the symmetric strategy keeps the model's inventory bounds: no quote where the model posts none
    flat_bid = np.where(np.isposinf(bid), np.inf, half)
    flat_ask = np.where(np.isposinf(ask), np.inf, half)
    symmetric = simulate_market_making(flat_bid, flat_ask, q_min=q_min, record_path=True, **common)
    return {"inventory": inventory, "symmetric": symmetric}


ENGINE_TICK = 2.0
"""Tick size (price units) of the simulated day's instrument.  The synthetic book's spread is one
tick and only quotes at or next to the touch fill there, so the tick is large against the models'
depths (0.6 to 1.5 price units near q = 0): a quote whose depth is under half a tick joins the touch.
Models whose depths differ by less than a tick therefore often post the same prices; the report says
how often (:func:`quote_rounding`)."""
ENGINE_MAX_POSITION = 20
"""The day's pre-trade limit on |inventory| (lots)."""
ENGINE_SESSION_S = 23_400.0
"""Length of the day (s): 09:30 to 16:00."""
ENGINE_MOVE_PROB = 0.002
"""Probability per market event of a one-tick step of the synthetic market's fair price."""
ENGINE_MID_TICKS = 10_000
"""The synthetic market's opening mid (ticks)."""
ENGINE_ROUNDING_INVENTORY = 3
"""The opening quotes of :func:`quote_rounding` are reported for inventories -3 .. 3 (lots)."""


def _ticks_behind_touch(depth: np.ndarray, tick_size: float) -> np.ndarray:
    """Ticks behind the touch of the engine's quote at ``depth`` (price units) in a one-tick market;
    NaN where the side is not quoted.

    With best bid b, best ask b + 1 and mid b + 1/2 the engine posts ``min(floor(mid - depth / tick), b)``
    and ``max(ceil(mid + depth / tick), b + 1)`` (engine/loop.py), both ``max(ceil(depth / tick - 1/2), 0)``
    ticks behind their touch.
    """
    d = np.where(np.isfinite(depth), depth, np.nan) / tick_size
    return np.maximum(np.ceil(d - 0.5), 0.0)


def quote_rounding(
    model: str, gamma: float, tick_size: float = ENGINE_TICK, max_position_lots: int = ENGINE_MAX_POSITION
) -> dict:
    """How ``model``'s quotes for ``gamma`` land on an instrument of tick ``tick_size``.

    In the engine's one-tick market a depth becomes a number of ticks behind the touch (a depth under
    half a tick joins the touch), so two models whose depths differ by less than a tick may post the
    same prices and trade the same day.  The comparison runs over the day's states: every time of the
    surface grid and every inventory the position limit allows.

    Parameters
    ----------
    model : {"as", "glft", "cj"}
        The model, as in :data:`MODELS`.
    gamma : float
        Risk aversion (> 0) in the section 4 market.
    tick_size : float
        Price of one tick (price units, > 0).
    max_position_lots : int
        Inventories -max_position_lots .. max_position_lots are compared.

    Returns
    -------
    dict
        JSON-able: ``tick_size``; ``opening_ticks_behind_touch``, the quotes at the open (longest time to
        horizon) for the inventories ``-3 .. 3``: ``inventory``, ``bid`` and ``ask`` (ticks behind the
        touch, ``None`` where the side is not quoted); ``same_quotes_as``, for every other model the
        fraction (0 to 1) of the (time, inventory) states in which it posts the same two prices.

    Raises
    ------
    InvalidParameters
        For an unknown model, a gamma that is not > 0, a tick size that is not > 0.

    Examples
    --------
    >>> r = quote_rounding("glft", 0.1)
    >>> r["opening_ticks_behind_touch"]["bid"][3], r["same_quotes_as"]["cj"] > 0.9
    (0, True)
    """
    _check_model(model)
    gamma = check_positive("gamma", gamma)
    tick_size = check_positive("tick_size", tick_size)
    # the bounded models' surfaces hold inventories -Q_BOUND..Q_BOUND
    max_position_lots = check_int("max_position_lots", max_position_lots, minimum=0, maximum=Q_BOUND)
    m = dict(AS.PAPER_SECTION4)
    n_steps = int(round(m["T"] / m["dt"]))
    ladders = {}
    for name in MODELS:
        bid, ask, q_min, _ = _surface_tables(name, gamma, m, n_steps)
        cols = np.arange(-max_position_lots, max_position_lots + 1) - q_min
        ladders[name] = (_ticks_behind_touch(bid[:, cols], tick_size), _ticks_behind_touch(ask[:, cols], tick_size))

    def same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (a == b) | (np.isnan(a) & np.isnan(b))

    bid, ask = ladders[model]
    opening = slice(max_position_lots - ENGINE_ROUNDING_INVENTORY, max_position_lots + ENGINE_ROUNDING_INVENTORY + 1)

    def as_list(row: np.ndarray) -> list:
        return [None if np.isnan(x) else int(x) for x in row[opening]]

    return {
        "tick_size": tick_size,
        "opening_ticks_behind_touch": {
            "inventory": list(range(-ENGINE_ROUNDING_INVENTORY, ENGINE_ROUNDING_INVENTORY + 1)),
            "bid": as_list(bid[0]),
            "ask": as_list(ask[0]),
        },
        "same_quotes_as": {
            other: float(np.mean(same(bid, b) & same(ask, a))) for other, (b, a) in ladders.items() if other != model
        },
    }


def _engine_run(model: str, gamma: float, seed: int, n_events: int) -> tuple[dict, np.ndarray]:
    """The engine day's report entry and its own fills (``engine.types.FILL`` records)."""
    from .engine.day import run_trading_day_on

    m = dict(AS.PAPER_SECTION4)
    *_, surf = _surface_tables(model, gamma, m, int(round(m["T"] / m["dt"])))
    day = run_trading_day_on(
        surf,
        tick_size=ENGINE_TICK,
        seed=seed,
        n_events=n_events,
        max_position_lots=ENGINE_MAX_POSITION,
        session_s=ENGINE_SESSION_S,
        move_prob=ENGINE_MOVE_PROB,
        mid_ticks=ENGINE_MID_TICKS,
        keep_fills=True,
    )
    fills = day.pop("fill_records")
    report = {"model": model, "gamma": gamma, "tick_size": ENGINE_TICK, "max_position_lots": ENGINE_MAX_POSITION} | day
    report["rounding"] = quote_rounding(model, gamma, ENGINE_TICK, ENGINE_MAX_POSITION)
    return report, fills


def engine_day(model: str, gamma: float, *, seed: int, n_events: int) -> dict:
    """One simulated trading day through the engine (feed -> ring -> book -> surface -> risk gate ->
    orders -> fills) quoting from ``model``'s surface for ``gamma``; the report's ``engine`` entry,
    with the quotes' rounding to the instrument's ticks under ``rounding`` (:func:`quote_rounding`)."""
    _check_model(model)
    gamma = check_positive("gamma", gamma)
    seed = check_int("seed", seed, minimum=0, maximum=2**63 - 1)
    n_events = check_int("n_events", n_events, minimum=1)
    return _engine_run(model, gamma, seed, n_events)[0]


def _check_model(model) -> None:
    if not isinstance(model, str) or model not in MODELS:
        raise InvalidParameters(f"model must be one of {', '.join(MODELS)}; got {model!r}")


def _check_market(market) -> dict:
    """The experiment's market as a dict after checking its keys and the grid it implies (the
    simulation checks the values themselves)."""
    if not isinstance(market, dict):
        raise TypeError(f"market must be a dict like PAPER_SECTION4, got {type(market).__name__}")
    missing = {"s0", "T", "sigma", "dt", "q0", "k", "A"} - set(market)
    if missing:
        raise InvalidParameters(f"market is missing {sorted(missing)} (see avellaneda_stoikov.PAPER_SECTION4)")
    m = dict(market)
    n_steps = check_positive("market['T']", m["T"]) / check_positive("market['dt']", m["dt"])
    if not 1 <= round(n_steps) <= 10**7:
        raise InvalidParameters(f"market['T'] / market['dt'] must give 1 to 10**7 steps, got {n_steps:.3g}")
    return m


def _day_path(fills: np.ndarray, *, seed: int, n_events: int, points: int = 400) -> dict[str, np.ndarray]:
    """Inventory and PnL over the engine day, from its own fills and the market's mid.

    Own orders never enter the market book, so the mid the engine marks to is the synthetic market's
    alone: it is replayed here from the same stream (seed, session, fair-price walk) through an
    :class:`~quantforge.engine.orderbook.OrderBook` and sampled at ``points`` evenly spaced events.
    Times are hours since the open; the last PnL point is the report's ``pnl``.
    """
    from .engine.day import DAY_START_NS
    from .engine.orderbook import OrderBook
    from .engine.synthetic import synthetic_events

    session_ns = int(round(ENGINE_SESSION_S * 1e9))
    market = synthetic_events(
        n_events,
        seed=seed,
        mid_ticks=ENGINE_MID_TICKS,
        start_ns=DAY_START_NS,
        mean_gap_ns=max(1, session_ns // n_events),
        move_prob=ENGINE_MOVE_PROB,
    )
    book = OrderBook(capacity=1 << 13, window=1 << 14)
    ends = np.unique(np.linspace(0, n_events, min(points, n_events) + 1).astype(np.int64))[1:]
    ts, mid2, lo, last = [], [], 0, np.nan
    for hi in ends:
        book.apply(market[lo:hi])
        if book.best_bid >= 0 and book.best_ask >= 0:
            last = float(book.best_bid + book.best_ask)
        ts.append(int(market["ts_ns"][hi - 1]))
        mid2.append(last)
        lo = hi
    ts = np.asarray(ts, dtype=np.int64)
    signed = fills["side"].astype(np.int64) * fills["size_lots"]
    q_after = np.cumsum(signed)
    cash_after = -np.cumsum(signed * fills["price_ticks"])
    n_before = np.searchsorted(fills["ts_ns"], ts, side="right")
    q = np.where(n_before > 0, q_after[n_before - 1] if q_after.size else 0, 0)
    cash = np.where(n_before > 0, cash_after[n_before - 1] if cash_after.size else 0, 0)
    hours = 1.0 / 3.6e12
    return {
        "time_h": (ts - DAY_START_NS) * hours,
        "inventory": q,
        "pnl": ENGINE_TICK * (cash + 0.5 * q * np.asarray(mid2)),
        "fill_time_h": (fills["ts_ns"] - DAY_START_NS) * hours,
        "fill_inventory": q_after,
        "fill_side": fills["side"].astype(np.int64),
        "session_h": ENGINE_SESSION_S / 3600.0,
    }


def _print_engine(day: dict, say, table) -> None:
    lat = day["latency_ns"]
    rounding = day["rounding"]
    opening = rounding["opening_ticks_behind_touch"]
    q0 = opening["inventory"].index(0)
    rows = {
        "market events": f"{day['events']:,}",
        "order actions (new / replace / cancel)": (
            f"{day['new'] + day['replaced'] + day['cancelled']:,} "
            f"({day['new']:,} / {day['replaced']:,} / {day['cancelled']:,})"
        ),
        "feed events refused by the book": (
            f"{day['book_rejected']:,}"
            + "".join(f", {n} {name.replace('_', ' ')}" for name, n in day["book_rejects"].items() if n)
        ),
        "fills (lots)": f"{day['fills']:,} ({day['filled_lots']:,})",
        "final inventory (lots)": f"{day['final_inventory']}",
        "PnL (marked to mid)": f"{day['pnl']:.2f}",
        "tick-to-quote latency p50 / p99 / p99.9": f"{lat['p50']:.0f} / {lat['p99']:.0f} / {lat['p99.9']:.0f} ns",
        "updates per second": f"{day['updates_per_s']:.3g}",
        "kill switch": "tripped" if day["kill_switch"] else "not tripped",
        "ticks behind the touch at the open, q = 0": f"bid {opening['bid'][q0]} / ask {opening['ask'][q0]}",
        "same prices as (share of states)": ", ".join(
            f"{other} {share:.0%}" for other, share in rounding["same_quotes_as"].items()
        ),
    }
    table(
        f"one simulated day through the engine ({day['model']}, gamma = {day['gamma']:g})",
        ["quantity", "value"],
        list(rows.items()),
    )


def _finite_range(*arrays: np.ndarray) -> tuple[float, float]:
    values = np.concatenate([a[np.isfinite(a)] for a in arrays])
    return (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)


def demo_figure(
    results: dict, gammas: list[float], model: str, surface: QuoteSurface | None = None, path: dict | None = None
) -> Figure:
    """The demo's figure (a ``matplotlib.figure.Figure``, not attached to pyplot).

    Rows: a sample path of the inventory strategy with its quotes (first gamma); its inventory; the
    profit histograms of both strategies per gamma; with ``surface`` (a ``QuoteSurface``) the bid and
    ask depth over time to horizon × inventory, for the inventories the engine day may hold; with
    ``path`` (the engine day's inventory and PnL, see ``_day_path``) the day, fills marked.
    """
    from matplotlib.figure import Figure

    from .models.surface import QuoteSurface as Surface

    _check_model(model)
    if isinstance(gammas, (str, bytes)) or not hasattr(gammas, "__len__") or len(gammas) == 0:
        raise InvalidParameters(f"gammas must be a non-empty sequence, got {gammas!r}")
    if not isinstance(results, dict) or any(
        not isinstance(results.get(g), dict)
        or not all(isinstance(results[g].get(s), MarketMakingPaths) for s in ("inventory", "symmetric"))
        for g in gammas
    ):
        raise InvalidParameters(
            "results must map every gamma to section4_experiment's {'inventory', 'symmetric'} paths"
        )
    if results[gammas[0]]["inventory"].record is None:
        raise InvalidParameters("results[gammas[0]]['inventory'] must have a recorded path (record_path=True)")
    if surface is not None and not isinstance(surface, Surface):
        raise TypeError(f"surface must be a QuoteSurface or None, got {type(surface).__name__}")
    if path is not None and not isinstance(path, dict):
        raise TypeError(f"path must be a dict (the engine day's inventory and PnL) or None, got {type(path).__name__}")
    n = len(gammas)
    heights = [2, 1, 1.6] + [1.8] * (surface is not None) + [1.6] * (path is not None)
    fig = Figure(figsize=(max(10, 4 * n), 3 * sum(heights) / 1.5), layout="constrained")
    grid = fig.add_gridspec(len(heights), n, height_ratios=heights)
    rec = results[gammas[0]]["inventory"].record
    ax = fig.add_subplot(grid[0, :])
    ax.plot(rec[:, 0], rec[:, 1], color="black", lw=1.2, label="mid")
    ax.plot(rec[:-1, 0], rec[:-1, 2], color="tab:blue", lw=0.8, label="bid quote")
    ax.plot(rec[:-1, 0], rec[:-1, 3], color="tab:red", lw=0.8, label="ask quote")
    ax.set_title(f"Sample path, inventory strategy ({MODEL_NAMES[model]}), gamma = {gammas[0]:g}")
    ax.set_ylabel("price")
    ax.legend(loc="upper left")
    axq = fig.add_subplot(grid[1, :], sharex=ax)
    axq.step(rec[:, 0], rec[:, 4], where="post", color="tab:green")
    axq.set_ylabel("inventory (lots)")
    axq.set_xlabel("time t (T = 1)")
    for i, g in enumerate(gammas):
        axh = fig.add_subplot(grid[2, i])
        inv, sym = results[g]["inventory"].profit, results[g]["symmetric"].profit
        bins = np.linspace(min(inv.min(), sym.min()), max(inv.max(), sym.max()), 40)
        axh.hist(sym, bins=bins, alpha=0.55, label="symmetric", color="tab:orange")
        axh.hist(inv, bins=bins, alpha=0.55, label="inventory", color="tab:purple")
        axh.set_title(f"profit, gamma = {g:g}")
        axh.set_xlabel("profit (price units)")
        axh.set_ylabel("paths")
        if i == 0:
            axh.legend()
    row = 3
    if surface is not None:
        q = np.asarray(surface.inventory_lots)
        keep = np.abs(q) <= ENGINE_MAX_POSITION
        tau = np.asarray(surface.time_to_horizon_s)
        sides = {"bid depth δb": surface.bid_depth[:, keep], "ask depth δa": surface.ask_depth[:, keep]}
        lo, hi = _finite_range(*sides.values())
        cells = fig.add_subplot(grid[row, :]).get_subplotspec().subgridspec(1, 2)
        fig.axes[-1].remove()
        for j, (label, depth) in enumerate(sides.items()):
            axs = fig.add_subplot(cells[0, j])
            mesh = axs.pcolormesh(
                tau,
                q[keep],
                np.where(np.isfinite(depth), depth, np.nan).T,
                shading="nearest",
                cmap="viridis",
                vmin=lo,
                vmax=hi,
            )
            axs.set_title(f"quote surface ({model}, gamma = {gammas[0]:g}): {label}")
            axs.set_xlabel("time to horizon T − t")
            axs.set_ylabel("inventory q (lots)")
            fig.colorbar(mesh, ax=axs, label="depth from the mid (price units)")
        row += 1
    if path is not None:
        axd = fig.add_subplot(grid[row, :])
        t = np.concatenate([[0.0], path["fill_time_h"], [path["session_h"]]])
        q = np.concatenate(
            [[0], path["fill_inventory"], [path["fill_inventory"][-1] if path["fill_inventory"].size else 0]]
        )
        axd.step(t, q, where="post", color="tab:green", lw=0.9, label="inventory")
        buys = path["fill_side"] > 0
        axd.scatter(
            path["fill_time_h"][buys],
            path["fill_inventory"][buys],
            marker="^",
            s=6,
            lw=0,
            color="tab:blue",
            label="buy fill",
            zorder=3,
        )
        axd.scatter(
            path["fill_time_h"][~buys],
            path["fill_inventory"][~buys],
            marker="v",
            s=6,
            lw=0,
            color="tab:red",
            label="sell fill",
            zorder=3,
        )
        axd.set_xlabel("time since the open (h)")
        axd.set_ylabel("inventory (lots)")
        axd.set_title(f"one simulated day through the engine ({model}, gamma = {gammas[0]:g}, tick {ENGINE_TICK:g})")
        axp = axd.twinx()
        axp.plot(path["time_h"], path["pnl"], color="black", lw=1.0, label="PnL")
        axp.set_ylabel("PnL (price units, marked to mid)")
        handles = [h for a in (axd, axp) for h in a.get_legend_handles_labels()[0]]
        axd.legend(handles=handles, loc="upper left", fontsize="small")
    return fig


def _interactive(stream) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def _progress(console, interactive: bool, description: str, total: int):
    """A progress bar on a terminal; elsewhere (CI logs, pipes) one plain line per step."""
    if interactive:
        from rich.progress import Progress

        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(description, total=total)
            yield lambda note: progress.advance(task)
    else:
        console.print(description, markup=False, highlight=False, soft_wrap=True)
        done = [0]

        def step(note: str) -> None:
            done[0] += 1
            console.print(f"  {note} ({done[0]}/{total})", markup=False, highlight=False, soft_wrap=True)

        yield step


def _versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    out: dict[str, str | None] = {"quantforge": __version__, "python": platform.python_version()}
    out |= {name: backend_version(name) for name in BACKENDS}
    for dist in ("matplotlib", "rich"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = None
    return out


def run_demo(
    *,
    paths: int = 1000,
    gammas: Sequence[float] = (0.1, 0.01, 1.0),
    backend: str | None = "auto",
    seed: int = 2008,
    out: Path = Path("demo-report"),
    model: str = "as",
    events: int = 1_000_000,
    interactive: bool | None = None,
) -> dict:
    """Run the experiment for every gamma, print the tables, write report.json and demo.png into ``out``.

    With ``events > 0`` it also runs :func:`engine_day` for the first gamma (report key ``engine``).
    ``interactive`` (default: whether standard output is a terminal) chooses a progress bar and
    styled tables, or plain lines without terminal escapes for logs.  Returns the report.
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    paths = check_int("paths", paths, minimum=1)
    events = check_int("events", events, minimum=0)
    # the day's events and their ITCH bytes, checked before the simulations rather than after them
    check_memory("events", events, events * 134.0, "the engine day's market events")
    seed = check_int("seed", seed, minimum=0, maximum=2**64 - 1)
    if isinstance(gammas, (str, bytes)) or not hasattr(gammas, "__iter__"):
        raise TypeError(f"gammas must be a sequence of risk aversions, got {type(gammas).__name__}")
    gammas = [check_positive("gamma", g) for g in gammas]
    if not gammas:
        raise InvalidParameters("gammas must hold at least one risk aversion")
    _check_model(model)
    if not isinstance(out, (str, Path)):
        raise TypeError(f"out must be a folder path (str or Path), got {type(out).__name__}")
    if Path(out).exists() and not Path(out).is_dir():
        raise InvalidParameters(f"out={str(out)!r} is a file; the demo writes report.json and demo.png into a folder")
    name = resolve_backend(backend)
    if interactive is None:
        interactive = _interactive(sys.stdout)
    console = Console() if interactive else Console(force_terminal=False, no_color=True, highlight=False)

    def say(text: str) -> None:
        console.print(text, markup=False, soft_wrap=True)

    def table(title: str, columns: list[str], rows: list) -> None:
        t = Table(title=title, title_justify="left", box=box.HEAVY_HEAD if interactive else box.ASCII)
        for i, col in enumerate(columns):
            t.add_column(col, justify="left" if i == 0 else "right")
        for r in rows:
            t.add_row(*r)
        console.print(t)

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results, rows = {}, []
    t0 = time.perf_counter()
    with _progress(
        console, interactive, f"simulating {paths} paths x {len(gammas)} gammas on {name} ({model})", len(gammas)
    ) as advance:
        for g in gammas:
            results[g] = section4_experiment(g, paths=paths, seed=seed, backend=name, model=model)
            for strategy in ("inventory", "symmetric"):
                s = results[g][strategy].summary()
                rows.append(
                    {
                        "gamma": g,
                        "strategy": strategy,
                        "spread": s["spread"],
                        "profit_mean": s["profit_mean"],
                        "profit_std": s["profit_std"],
                        "q_mean": s["q_mean"],
                        "q_std": s["q_std"],
                    }
                )
            advance(f"gamma = {g:g} done")
    elapsed = time.perf_counter() - t0
    say(
        f"model: {MODEL_NAMES[model]}; market: section 4 of Avellaneda–Stoikov (2008); backend {name}, "
        f"{paths} paths per gamma, seed {seed}, {elapsed:.2f} s"
    )
    for g in gammas:
        table(
            f"gamma = {g:g}",
            ["strategy", "spread", "mean profit", "std profit", "mean final q", "std final q"],
            [
                (
                    r["strategy"],
                    f"{r['spread']:.2f}",
                    f"{r['profit_mean']:.2f}",
                    f"{r['profit_std']:.2f}",
                    f"{r['q_mean']:.2f}",
                    f"{r['q_std']:.2f}",
                )
                for r in rows
                if r["gamma"] == g
            ],
        )
    m = dict(AS.PAPER_SECTION4)
    n_steps = int(round(m["T"] / m["dt"]))
    surface = _surface_tables(model, gammas[0], m, n_steps)[3]
    q_min, q_max = _inventory_range(model, m, n_steps)
    report = {
        "backend": name,
        "seed": seed,
        "paths": paths,
        "model": model,
        "model_name": MODEL_NAMES[model],
        "parameters": {
            "market": {key: m[key] for key in ("s0", "T", "dt", "sigma", "A", "k", "q0")},
            "model": [_model_params(model, g, m).as_dict() for g in gammas],
        },
        "grid": {
            "time_to_horizon": {"n": n_steps, "first": m["dt"], "last": m["dt"] * n_steps, "unit": "T"},
            "inventory_lots": {"min": q_min, "max": q_max},
        },
        "versions": _versions(),
        "machine": {"cpu": cpu_info(), "gpus": [asdict(g) for g in gpu_devices()]},
        "experiments": rows,
    }
    path = None
    if events:
        message = f"one simulated day of {events:,} market events through the engine"
        if interactive:
            with console.status(message):
                report["engine"], fills = _engine_run(model, gammas[0], seed, events)
        else:
            say(message)
            report["engine"], fills = _engine_run(model, gammas[0], seed, events)
        _print_engine(report["engine"], say, table)
        path = _day_path(fills, seed=seed, n_events=events)
    demo_figure(results, gammas, model, surface, path).savefig(out / "demo.png", dpi=110)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    say(f"figure written to {out.resolve() / 'demo.png'}")
    return report
