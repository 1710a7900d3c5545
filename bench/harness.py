"""Timing, machine facts and the result files shared by every benchmark suite.

A suite is a module ``quantforge.bench.suite_<name>`` with a function
``run(quick: bool) -> list[dict]``; each dict is one measurement ``{"benchmark", "impl", "median",
"unit", ...}`` where ``impl`` is ``quantforge-<backend>`` for ours and the peer's package name for a
peer.  :func:`add_ratios` fills ``ratio_vs`` for every row of a benchmark against the others, and
:func:`write_suite` writes ``<out>/<suite>.json`` and ``<out>/<suite>.md``.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import time
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable

__all__ = ["median_time", "contention_note", "one_numba_thread", "machine_info", "check_rows", "add_ratios", "write_suite", "markdown_table", "HIGHER_IS_BETTER"]

# Units whose larger value is better; for all others (seconds, ns/op) smaller is better.
HIGHER_IS_BETTER = ("/s",)


def median_time(fn: Callable[[], object], *, repeat: int = 7, warmup: int = 1, min_time_s: float = 0.0) -> tuple[float, list[float]]:
    """Median wall time of ``fn()`` over ``repeat`` runs after ``warmup`` runs; returns (median, all).

    With ``min_time_s`` the runs continue past ``repeat`` until that much time has been spent.
    """
    for _ in range(warmup):
        fn()
    times: list[float] = []
    spent = 0.0
    while len(times) < repeat or spent < min_time_s:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        times.append(dt)
        spent += dt
        if len(times) >= 1000:
            break
    return statistics.median(times), times


_BUSY_LIMIT = 0.10  # other jobs' share of the usable cores above which a piece's timings count as contended


def _cpu_times(cpus) -> tuple[int, int] | None:
    """(busy, total) jiffies of ``cpus`` from /proc/stat, or None where it is unreadable."""
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return None
    busy = total = 0
    for line in lines:
        name, *vals = line.split()
        if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
            v = [int(x) for x in vals]
            total += sum(v[:8])
            busy += sum(v[:8]) - v[3] - v[4]  # all but idle and iowait
    return (busy, total) if total else None


def contention_note(sample_s: float = 0.25) -> str:
    """How busy the usable cores were with other work in a ``sample_s`` sample taken while this process
    slept, just before a piece of a suite, and the 1-minute load average; ends in "timings are
    contended" or "a quiet machine"."""
    cpus = os.sched_getaffinity(0)
    load = os.getloadavg()[0]
    a = _cpu_times(cpus)
    time.sleep(sample_s)
    b = _cpu_times(cpus)
    if a is None or b is None or b[1] == a[1]:
        contended = load > 0.5
        measured = f"1-min load average {load:.2f} on {len(cpus)} usable cores (no /proc/stat sample)"
    else:
        busy = (b[0] - a[0]) / (b[1] - a[1])
        contended = busy > _BUSY_LIMIT
        measured = (f"other work kept the {len(cpus)} usable cores {100 * busy:.0f}% busy in a {sample_s:g} s sample "
                    f"before this piece (1-min load average {load:.2f})")
    return measured + (": timings are contended" if contended else ": a quiet machine")


def one_numba_thread(fn: Callable[[], object]) -> Callable[[], object]:
    """``fn`` run with numba's thread pool limited to one thread (restored afterwards), for a row
    beside one-thread peers."""
    import numba

    def wrapped():
        before = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            return fn()
        finally:
            numba.set_num_threads(before)

    return wrapped


def _version(dist: str) -> str | None:
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def machine_info() -> dict:
    """CPU, GPU (through NVML) and package versions of the machine running the benchmark."""
    from ..kernels.backend import available_backends, cpu_info, gpu_devices

    gpus = [
        {"name": g.name, "memory_gib": round(g.memory_total_bytes / 2**30, 1), "driver": g.driver, "cc": g.compute_capability}
        for g in gpu_devices()
    ]
    pkgs = ["quantforge", "numpy", "scipy", "numba", "llvmlite", "jax", "jaxlib", "cupy-cuda12x", "cupy-cuda13x", "diffrax", "hftbacktest"]
    return {
        "cpu": cpu_info(),
        "gpu": gpus,
        "backends": list(available_backends()),
        "versions": {p: v for p in pkgs if (v := _version(p))},
        "platform": platform.platform(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def check_rows(results: list[dict]) -> list[dict]:
    """Refuse rows that break the result contract (module docstring): each has a ``benchmark``, an
    ``impl`` and a ``unit`` (strings) and a finite ``median`` > 0 — or ``median`` ``None`` with a note
    starting "not run" that says why.  Raises ``PerformanceError`` naming the row."""
    from ..errors import PerformanceError

    if not results:
        raise PerformanceError("a suite returned no rows")
    for r in results:
        if not all(isinstance(r.get(k), str) for k in ("benchmark", "impl", "unit")):
            raise PerformanceError(f"row {r!r}: benchmark, impl and unit must be strings")
        m = r.get("median")
        if m is None:
            if not str(r.get("note", "")).startswith("not run"):
                raise PerformanceError(f"row {r['benchmark']!r} / {r['impl']!r}: no median and no 'not run' note")
        elif isinstance(m, bool) or not isinstance(m, (int, float)) or not math.isfinite(m) or m <= 0:
            raise PerformanceError(f"row {r['benchmark']!r} / {r['impl']!r}: median must be a finite number > 0, got {m!r}")
    return results


def add_ratios(results: list[dict]) -> list[dict]:
    """Set ``ratio_vs[other_impl]`` on every row: how many times better this row is than the other.

    For rates (unit ending in ``/s``) that is ``mine / theirs``; for times it is ``theirs / mine``.
    A row whose ``median`` is ``None`` was not run (its note says why) and takes part in no ratio.
    """
    by_bench: dict[str, list[dict]] = {}
    for r in results:
        by_bench.setdefault(r["benchmark"], []).append(r)
    for rows in by_bench.values():
        for r in rows:
            higher = r["unit"].endswith(HIGHER_IS_BETTER)
            r["ratio_vs"] = {
                o["impl"]: (r["median"] / o["median"] if higher else o["median"] / r["median"])
                for o in rows
                if o is not r and _measured(o) and _measured(r)
            }
    return results


def _measured(row: dict) -> bool:
    return row["median"] is not None and row["median"] > 0


def markdown_table(suite: str, payload: dict) -> str:
    """A Markdown table of one suite's results with the machine it ran on."""
    m = payload["machine"]
    gpu = ", ".join(g["name"] for g in m["gpu"]) or "none"
    lines = [
        f"# Benchmark suite `{suite}`",
        "",
        f"CPU: {m['cpu']['model']} ({m['cpu']['usable_cores']} usable cores); GPU: {gpu}; "
        f"{', '.join(f'{k} {v}' for k, v in m['versions'].items())}; {m['date']}",
        "",
        "| benchmark | impl | median | unit | ratios (× better than) |",
        "|---|---|---:|---|---|",
    ]
    for r in payload["results"]:
        ratios = ", ".join(f"{k}: {v:.2f}×" for k, v in r.get("ratio_vs", {}).items())
        median = "not run" if r["median"] is None else f"{r['median']:.4g}"
        lines.append(f"| {r['benchmark']} | {r['impl']} | {median} | {r['unit']} | {ratios} |")
    notes = [r["note"] for r in payload["results"] if r.get("note")]
    if notes:
        lines += ["", *(f"- {n}" for n in dict.fromkeys(notes))]
    return "\n".join(lines) + "\n"


def write_suite(suite: str, results: list[dict], out: str | Path) -> dict:
    """Write ``<out>/<suite>.json`` and ``<out>/<suite>.md``; returns the payload."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    payload = {"suite": suite, "machine": machine_info(), "results": add_ratios(check_rows(results))}
    # strict JSON: a NaN or infinite figure is a bug in the suite, not something to write down
    (out / f"{suite}.json").write_text(json.dumps(payload, indent=2, allow_nan=False) + "\n")
    (out / f"{suite}.md").write_text(markdown_table(suite, payload))
    return payload
