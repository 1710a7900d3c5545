"""The ``quantforge`` command line (also ``python -m quantforge``): thin wrappers over the library.

Commands: ``demo`` (a market-making model in the Avellaneda–Stoikov experiment, and one engine day;
writes report.json and demo.png), ``bench`` (benchmark suites), ``serve`` (publish quote surfaces:
shared memory, Arrow files, HTTP), ``execute`` (one parent order worked by an execution algorithm
through the engine's book on a synthetic day, and its transaction-cost analysis), ``risk --demo``
(one-day 99% VaR backtests on the S&P 500: Kupiec, Christoffersen, Basel traffic light), ``info``
(backends, devices, CPU).  Bad arguments print one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from .errors import QuantForgeError


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {n}")
    return n


def _nonnegative_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {n}")
    return n


def _seed(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None
    if not 0 <= n < 2**64:
        raise argparse.ArgumentTypeError(f"seed must satisfy 0 <= seed < 2**64 (the Philox key), got {n}")
    return n


def _out_dir(text: str) -> str:
    """An output folder: refused here, in one line, when it names a file or cannot be created (the demo
    would otherwise stop with a traceback from inside mkdir)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a folder, got an empty name")
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a file, not a folder")
    parent = path
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} cannot be created: {str(parent)!r} is a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text!r} cannot be written: no write permission in {str(parent)!r}")
    return text


def _backend_name(text: str) -> str:
    """A backend name (whether it works here is checked when the command runs)."""
    from .kernels.backend import BACKENDS

    if text not in ("auto", *BACKENDS):
        raise argparse.ArgumentTypeError(f"backend must be one of auto, {', '.join(BACKENDS)}; got {text!r}")
    return text


def _gammas(text: str) -> list[float]:
    out = []
    for part in text.split(","):
        try:
            g = float(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"gamma {part!r} is not a number") from None
        if not (g > 0 and g < float("inf")):
            raise argparse.ArgumentTypeError(f"gamma must be a finite number > 0, got {part.strip()}")
        out.append(g)
    if not out:
        raise argparse.ArgumentTypeError("at least one gamma is needed")
    return out


def _cmd_info(args) -> int:
    from .kernels.backend import BACKENDS, available_backends, backend_version, cpu_info, gpu_devices, resolve_backend

    avail = available_backends()
    print("quantforge backends:")
    for b in BACKENDS:
        v = backend_version(b)
        state = "available" if b in avail else ("installed, no device" if v else "not installed")
        print(f"  {b:6s} {v or '-':12s} {state}")
    try:
        print(f"  auto -> {resolve_backend(None)}")
    except QuantForgeError as exc:
        print(f"  auto -> error: {exc}")
    gpus = gpu_devices()
    print("GPUs:" if gpus else "GPUs: none found (NVML absent or no device)")
    for g in gpus:
        print(
            f"  [{g.index}] {g.name}, {g.memory_total_bytes / 2**30:.1f} GiB, driver {g.driver}, cc {g.compute_capability}"
        )
    c = cpu_info()
    print(
        f"CPU: {c['model']} ({c['usable_cores']}/{c['logical_cores']} cores usable), {c['machine']}, Python {c['python']}"
    )
    try:
        from .engine import affinity
    except ImportError:
        return 0
    print(affinity.describe())
    return 0


def _cmd_bench(args) -> int:
    from .bench import SUITES
    from .bench.harness import markdown_table, plot_suite, write_suite

    names = args.suites or list(SUITES)
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        print(f"quantforge bench: unknown suite {unknown[0]!r}; valid: {', '.join(SUITES)}", file=sys.stderr)
        return 2
    for name in names:
        module = importlib.import_module(SUITES[name])
        results = module.run(quick=args.quick)
        payload = write_suite(name, results, args.out)
        print(markdown_table(name, payload))
        if args.plot:
            png = plot_suite(name, payload, args.out)
            print(f"plot: {png}" if png else f"plot: none for {name} (no row was measured)")
    print(f"results written to {Path(args.out).resolve()}")
    return 0


def _port(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"a port lies in 0..65535, got {n}")
    return n


def _cmd_serve(args) -> int:
    from .serve.config import load_config
    from .serve.publisher import compute_surfaces, run

    if not args.check:
        return run(args.config, port=args.port)
    config = load_config(args.config)
    surfaces = compute_surfaces(config)
    print(f"{args.config}: publisher {config.name!r}, {len(surfaces)} surfaces, refresh every {config.refresh_s:g} s")
    for sid, surface in surfaces.items():
        print(
            f"  {sid}: {surface.model}, {surface.bid_depth.shape[0]} times x {surface.bid_depth.shape[1]} inventories"
        )
    return 0


_SERVE_DESCRIPTION = """\
Publish precomputed quote surfaces.  The TOML config names the instruments, each with its model
(avellaneda-stoikov, glft, cartea-jaimungal), parameters and grid; the surfaces are computed in
batches and each new version is published into shared-memory seqlock tables (qf-<name>-<id>, read
in place by quantforge.serve.SurfaceReader), as Arrow IPC / Parquet files (out_dir), and over HTTP
(127.0.0.1 by default): /v1/surfaces, /v1/surfaces/{id} (JSON or Arrow by Accept, ETag),
/v1/quote?surface=&t=&q=, /healthz, /metrics.  Refreshes every refresh_s and on SIGHUP (config
reload: a bad config is refused and the last good surfaces stay published); SIGTERM or SIGINT stop
it and remove the shared-memory tables.  Needs quantforge[serve]."""


def _cmd_demo(args) -> int:
    from .demo import run_demo

    report = run_demo(
        paths=args.paths,
        gammas=args.gammas,
        backend=args.backend,
        seed=args.seed,
        out=Path(args.out),
        model=args.model,
        events=args.events,
    )
    print(f"report written to {Path(args.out).resolve() / 'report.json'}")
    return 0 if report else 1


_DEMO_DESCRIPTION = """\
The experiment of section 4 of Avellaneda & Stoikov (2008): for each risk aversion gamma, --paths
market makers quote the chosen model's optimal bid and ask (the inventory strategy) and as many quote
that strategy's average spread around the mid (the symmetric strategy), on the same random numbers.
It prints, per gamma and strategy, the average quoted spread and the mean and standard deviation of
the profit and of the final inventory.  With --events > 0 the first gamma's quote surface then trades
one simulated day through the CPU engine (ITCH feed, shared-memory ring, L3 order book, pre-trade risk
gate, queue-position fills) and it prints fills, PnL, tick-to-quote latency and how the model's quotes
round to the instrument's ticks.  Progress is plain lines when the output is not a terminal."""

_DEMO_EPILOG = """\
models (--model):
  as    Avellaneda–Stoikov (2008), eqs. (29)-(30): reservation price and spread, unbounded inventory
  glft  Guéant–Lehalle–Fernandez-Tapia (2013): exact quotes, inventory bounded by +-50 lots
  cj    Cartea–Jaimungal (2015), ch. 10: running inventory penalty phi = gamma sigma^2 / 2

files written to --out:
  report.json  the tables' rows; the model, its parameters and grid; the seed; library versions and
               the machine (CPU, GPUs, backend versions); the engine day (key "engine")
  demo.png     a sample path with its quotes and inventory; the profit histograms per gamma; the
               quote surface (bid and ask depth over time to horizon x inventory); the engine day
               (inventory with its fills, PnL marked to the mid)"""

_BENCH_DESCRIPTION = """\
Run benchmark suites: quantforge and its peers on the same input in one run.  Each suite writes
OUT/<suite>.json (the machine, then per benchmark and implementation the median, its unit and the
ratios against the peers) and prints a Markdown table."""


def _bench_epilog() -> str:
    from .bench import SUITE_DESCRIPTIONS, SUITES

    width = max(map(len, SUITES))
    return "suites:\n" + "\n".join(f"  {name:{width}s}  {SUITE_DESCRIPTIONS.get(name, '')}".rstrip() for name in SUITES)


def _positive_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    if not 0 < x < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text}")
    return x


def _nonnegative_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not 0 <= x < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text}")
    return x


def _rate(text: str) -> float:
    x = _positive_float(text)
    if x >= 1:
        raise argparse.ArgumentTypeError(f"a participation rate lies strictly between 0 and 1, got {text}")
    return x


def _events(text: str) -> int:
    n = _positive_int(text)
    if n < 5_000:
        raise argparse.ArgumentTypeError(f"at least 5000 events are needed (a warm-up of 2000 and the order), got {n}")
    return n


def _cmd_execute(args) -> int:
    from .execution import run_parent_order, write_report

    res = run_parent_order(
        args.algo,
        args.side,
        args.quantity,
        args.horizon,
        urgency=args.urgency,
        rate=args.rate,
        n_events=args.events,
        seed=args.seed,
    )
    print(res.summary())
    print(
        f"fill model: {res.fill_model[0]:.4g} lots/s x exp(-{res.fill_model[1]:.4g} delta); day of "
        f"{res.market.n_events} events over {res.market.session_s:.0f} s, seed {res.market.seed}"
    )
    print(res.tca().summary())
    if args.out is not None:
        paths = write_report(res, args.out)
        print(f"report written to {paths['json'].resolve()} (and children.csv, tca.png)")
    return 0


_EXECUTE_DESCRIPTION = """\
Work one parent order through the engine: a synthetic day of L3 events (the order starts after a
warm-up that fills the book and calibrates the fill model), the executor's child orders in the
Numba order book with latency, queue position and partial fills, and the transaction-cost analysis
of the result: implementation shortfall against the decision price split into delay, timing, impact
and opportunity (Perold 1988), slippage against arrival, interval VWAP and TWAP (bps, positive:
worse), fill rate, participation, the share filled passively and spread capture."""

_EXECUTE_EPILOG = """\
algorithms (--algo):
  twap      equal slices
  vwap      slices by the U-shaped intraday volume profile (the order starts at the open)
  pov       --rate of the market's realised volume
  ac        Almgren-Chriss (2000) implementation shortfall with urgency kappa T = --urgency
  adaptive  Almgren-Chriss re-solved every slice from the measured volatility and depth, faster in the money

files written to --out: tca.json (the TCA row, the order, the day, the loop's counters),
children.csv (every child order and its fate), tca.png (schedule vs executed, cost breakdown)"""


def _cmd_risk(args) -> int:
    from .risk import sp500_backtest_report

    for result in sp500_backtest_report(args.out, window=args.window, backend=args.backend):
        print(result.summary())
    print(f"report written to {(Path(args.out) / 'report.md').resolve()} (and report.json, var_backtest.png)")
    return 0


_RISK_DESCRIPTION = """\
One-day 99% VaR of the S&P 500 (daily log-returns of the adjusted close shipped with the arch
package, 1999-2018, read offline), forecast each day from the days before it by historical
simulation, filtered historical simulation (GARCH(1,1) refitted every 250 days), the parametric
normal with the RiskMetrics EWMA volatility and its Cornish-Fisher correction, and backtested:
exceptions against the expected 1%, Kupiec's proportion of failures, Christoffersen's independence
and conditional coverage, the Basel traffic light of the last 250 days and of each 250-day block.
Writes report.json, report.md (the table) and var_backtest.png (returns against VaR, exceptions
marked) to --out."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="quantforge", description="Market making and optimal execution engine.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    d = sub.add_parser(
        "demo",
        help="simulate a market-making model's quotes (Avellaneda–Stoikov section 4) and one "
        "engine day; writes report.json and demo.png",
        description=_DEMO_DESCRIPTION,
        epilog=_DEMO_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d.add_argument("--paths", type=_positive_int, default=1000, help="simulated paths per gamma (default 1000)")
    d.add_argument(
        "--gammas", type=_gammas, default=[0.1, 0.01, 1.0], help="comma-separated risk aversions (default 0.1,0.01,1)"
    )
    d.add_argument("--backend", type=_backend_name, default="auto", help="numpy, numba, jax, cupy or auto")
    d.add_argument("--seed", type=_seed, default=2008, help="Philox seed (default 2008)")
    d.add_argument(
        "--out", type=_out_dir, default="demo-report", help="folder for report.json and demo.png (default demo-report/)"
    )
    d.add_argument(
        "--model",
        default="as",
        choices=["as", "glft", "cj"],
        help="market-making model whose quotes are simulated (listed below)",
    )
    d.add_argument(
        "--events",
        type=_nonnegative_int,
        default=1_000_000,
        help="market events in the simulated engine day (default 1000000; 0 skips it)",
    )
    d.set_defaults(func=_cmd_demo)

    b = sub.add_parser(
        "bench",
        help="run benchmark suites against their peers",
        description=_BENCH_DESCRIPTION,
        epilog=_bench_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    b.add_argument("suites", nargs="*", help="suite names, listed below (default: all)")
    b.add_argument("--quick", action="store_true", help="small sizes: each suite well under 30 s")
    b.add_argument("--out", type=_out_dir, default="bench-results", help="output folder (default bench-results/)")
    b.add_argument(
        "--plot", action="store_true", help="also write OUT/<suite>.png: medians, ratios against peers, goals"
    )
    b.set_defaults(func=_cmd_bench)

    s = sub.add_parser(
        "serve",
        help="publish quote surfaces from a TOML config: shared memory, Arrow files, HTTP",
        description=_SERVE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("config", help="the TOML configuration (instruments, models, parameters, grids, refresh, backend)")
    s.add_argument("--port", type=_port, default=None, help="HTTP port, overriding the config's (0: a free port)")
    s.add_argument("--check", action="store_true", help="validate the config and compute its surfaces once, then exit")
    s.set_defaults(func=_cmd_serve)

    x = sub.add_parser(
        "execute",
        help="work one parent order through the engine on a synthetic day and print its TCA",
        description=_EXECUTE_DESCRIPTION,
        epilog=_EXECUTE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    x.add_argument("--algo", required=True, choices=["twap", "vwap", "pov", "ac", "adaptive"], help="algorithm (below)")
    x.add_argument("--side", required=True, choices=["buy", "sell"], help="buy or sell")
    x.add_argument("--quantity", type=_positive_int, required=True, help="parent order size (lots of 100 shares)")
    x.add_argument("--horizon", type=_positive_float, required=True, help="horizon (seconds)")
    x.add_argument(
        "--urgency", type=_nonnegative_float, default=1.0, help="kappa T of ac and adaptive (0: TWAP-like; default 1)"
    )
    x.add_argument("--rate", type=_rate, default=0.1, help="participation of pov (default 0.1)")
    x.add_argument("--events", type=_events, default=200_000, help="market events in the day (default 200000)")
    x.add_argument("--seed", type=_seed, default=0, help="seed of the synthetic order flow (default 0)")
    x.add_argument(
        "--out", type=_out_dir, default=None, help="folder for tca.json, children.csv and tca.png (default: none)"
    )
    x.set_defaults(func=_cmd_execute)

    r = sub.add_parser(
        "risk",
        help="VaR backtests on real data (S&P 500): Kupiec, Christoffersen, traffic light",
        description=_RISK_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument(
        "--demo",
        action="store_true",
        required=True,
        help="run the S&P 500 backtest of historical, filtered historical, parametric and Cornish-Fisher VaR",
    )
    r.add_argument(
        "--out",
        type=_out_dir,
        default="risk-report",
        help="folder for report.json, report.md and var_backtest.png (default risk-report/)",
    )
    r.add_argument(
        "--window", type=_positive_int, default=500, help="rolling window of the forecasts, days (default 500)"
    )
    r.add_argument(
        "--backend",
        type=_backend_name,
        default="auto",
        help="numpy, numba, jax, cupy or auto (tail statistics and EWMA)",
    )
    r.set_defaults(func=_cmd_risk)

    i = sub.add_parser("info", help="backends, devices and CPU facts")
    i.set_defaults(func=_cmd_info)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except QuantForgeError as exc:
        print(f"quantforge {args.command}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # an output folder or input file the system refused (permissions, a full disk)
        print(f"quantforge {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
