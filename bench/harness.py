"""Timing, machine facts and the result files shared by every benchmark suite.

A suite is a module ``quantforge.bench.suite_<name>`` with a function
``run(quick: bool) -> list[dict]``; each dict is one measurement ``{"benchmark", "impl", "median",
"unit", ...}`` where ``impl`` is ``quantforge-<backend>`` for ours and the peer's package name for a
peer, and ``goal`` (optional) is the figure the row aims at, in its unit.  :func:`add_ratios` fills
``ratio_vs`` for every row of a benchmark against the others, :func:`write_suite` writes
``<out>/<suite>.json`` and ``<out>/<suite>.md``, and :func:`plot_suite` ``<out>/<suite>.png``.

A GPU row is timed inside :func:`gpu_measurement`, whose :meth:`GPUMeter.measure` records, through
NVML, the device, driver, CUDA and library versions, clocks, memory and power, the energy per
operation from the device's energy counter, the throttle reasons seen during the run, the cold
(first call, compilation included) and warm median times, and the share of the device's peak
bandwidth or flop/s the row reaches.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

__all__ = [
    "median_time",
    "contention_note",
    "one_numba_thread",
    "machine_info",
    "check_rows",
    "add_ratios",
    "write_suite",
    "markdown_table",
    "plot_suite",
    "gpu_measurement",
    "GPUMeter",
    "PUBLISHED_PEAKS",
    "THROTTLE_REASONS",
    "HIGHER_IS_BETTER",
]

# Units whose larger value is better; for all others (seconds, ns/op) smaller is better.
HIGHER_IS_BETTER = ("/s",)


def median_time(
    fn: Callable[[], object], *, repeat: int = 7, warmup: int = 1, min_time_s: float = 0.0
) -> tuple[float, list[float]]:
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
        measured = (
            f"other work kept the {len(cpus)} usable cores {100 * busy:.0f}% busy in a {sample_s:g} s sample "
            f"before this piece (1-min load average {load:.2f})"
        )
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
        {
            "name": g.name,
            "memory_gib": round(g.memory_total_bytes / 2**30, 1),
            "driver": g.driver,
            "cc": g.compute_capability,
        }
        for g in gpu_devices()
    ]
    pkgs = [
        "quantforge",
        "numpy",
        "scipy",
        "numba",
        "llvmlite",
        "jax",
        "jaxlib",
        "cupy-cuda12x",
        "cupy-cuda13x",
        "diffrax",
        "hftbacktest",
    ]
    return {
        "cpu": cpu_info(),
        "gpu": gpus,
        "backends": list(available_backends()),
        "versions": {p: v for p in pkgs if (v := _version(p))},
        "platform": platform.platform(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
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
            raise PerformanceError(
                f"row {r['benchmark']!r} / {r['impl']!r}: median must be a finite number > 0, got {m!r}"
            )
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
    notes += [_gpu_note(r) for r in payload["results"] if r.get("gpu")]
    if notes:
        lines += ["", *(f"- {n}" for n in dict.fromkeys(notes))]
    return "\n".join(lines) + "\n"


def _gpu_note(row: dict) -> str:
    g = row["gpu"]
    d = g["device"]
    share = f"{100 * g['share_of_peak']:.1f}% of peak {g['peak_kind']}" if "share_of_peak" in g else "no peak known"
    energy = (
        f"{g['energy_mj_per_op']:.3g} mJ/op" if g.get("energy_mj_per_op") is not None else "energy counter unsupported"
    )
    return (
        f"{row['impl']} on {d['name']} (driver {d['driver']}, CUDA {d['cuda_driver']}): cold {g['cold_s']:.3g} s, "
        f"warm median {g['warm_median_s']:.3g} s; {share}; {energy}; throttle reasons "
        f"{', '.join(g['throttle_reasons']) or 'none'}"
    )


def write_suite(suite: str, results: list[dict], out: str | Path) -> dict:
    """Write ``<out>/<suite>.json`` and ``<out>/<suite>.md``; returns the payload."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    payload = {"suite": suite, "machine": machine_info(), "results": add_ratios(check_rows(results))}
    # strict JSON: a NaN or infinite figure is a bug in the suite, not something to write down
    (out / f"{suite}.json").write_text(json.dumps(payload, indent=2, allow_nan=False) + "\n")
    (out / f"{suite}.md").write_text(markdown_table(suite, payload))
    return payload


# ------------------------------------------------------------------------------------------- plots
def plot_suite(suite: str, payload: dict, out: str | Path) -> Path | None:
    """Write ``<out>/<suite>.png``: per benchmark, every measured row's median (log scale), the
    ratio of quantforge's best row against each peer written on the peer's bar, and a dashed line
    at a row's ``goal``.  Returns the path, or None when no row was measured (nothing to draw)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups: dict[str, list[dict]] = {}
    for r in payload["results"]:
        if r["median"] is not None:
            groups.setdefault(r["benchmark"], []).append(r)
    if not groups:
        return None
    heights = [0.9 + 0.32 * len(rows) for rows in groups.values()]
    fig, axes = plt.subplots(
        len(groups), 1, figsize=(10, sum(heights) + 0.6), squeeze=False, gridspec_kw={"height_ratios": heights}
    )
    for ax, (bench, rows) in zip(axes[:, 0], groups.items()):
        higher = rows[0]["unit"].endswith(HIGHER_IS_BETTER)
        ours = [r for r in rows if r["impl"].startswith("quantforge")]
        best = (max if higher else min)(ours, key=lambda r: r["median"]) if ours else None
        y = range(len(rows))
        ax.barh(
            list(y),
            [r["median"] for r in rows],
            color=["tab:blue" if r["impl"].startswith("quantforge") else "tab:gray" for r in rows],
        )
        ax.set_yticks(list(y), [r["impl"] for r in rows], fontsize=7)
        ax.set_xscale("log")
        ax.invert_yaxis()
        for i, r in enumerate(rows):
            label = f" {r['median']:.3g}"
            if best is not None and not r["impl"].startswith("quantforge"):
                label += f"  (quantforge {best['ratio_vs'].get(r['impl'], float('nan')):.2f}x better)"
            ax.text(r["median"], i, label, va="center", fontsize=7)
        for goal in dict.fromkeys(r["goal"] for r in rows if isinstance(r.get("goal"), (int, float))):
            ax.axvline(goal, color="tab:red", linestyle="--", linewidth=1)
            ax.text(goal, -0.6, f"goal {goal:.3g}", color="tab:red", fontsize=7, ha="center", va="bottom")
        ax.set_title(bench if len(bench) <= 110 else bench[:107] + "...", fontsize=8, loc="left")
        ax.set_xlabel(f"{rows[0]['unit']} ({'higher' if higher else 'lower'} is better)", fontsize=7)
        ax.tick_params(axis="x", labelsize=7)
    gpu = ", ".join(g["name"] for g in payload["machine"]["gpu"]) or "no GPU"
    fig.suptitle(f"quantforge bench {suite}: {payload['machine']['cpu']['model']}; {gpu}", fontsize=9)
    fig.tight_layout()
    path = Path(out) / f"{suite}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ------------------------------------------------------------------------------------------- GPU rows
# Published peaks (vendor data sheets; vector units, no tensor cores): memory bandwidth in GB/s and
# float64 / float32 TFLOP/s, by a substring of the name NVML reports (the longest match wins).
PUBLISHED_PEAKS: dict[str, dict[str, float]] = {
    "H200": {"bandwidth_gb_s": 4800.0, "float64_tflops": 34.0, "float32_tflops": 67.0},
    "H100 NVL": {"bandwidth_gb_s": 3900.0, "float64_tflops": 30.0, "float32_tflops": 60.0},
    "H100 PCIe": {"bandwidth_gb_s": 2000.0, "float64_tflops": 26.0, "float32_tflops": 51.0},
    "H100": {"bandwidth_gb_s": 3350.0, "float64_tflops": 34.0, "float32_tflops": 67.0},
    "A100-SXM4-80GB": {"bandwidth_gb_s": 2039.0, "float64_tflops": 9.7, "float32_tflops": 19.5},
    "A100": {"bandwidth_gb_s": 1555.0, "float64_tflops": 9.7, "float32_tflops": 19.5},
    "L40S": {"bandwidth_gb_s": 864.0, "float64_tflops": 1.43, "float32_tflops": 91.6},
    "L4": {"bandwidth_gb_s": 300.0, "float64_tflops": 0.47, "float32_tflops": 30.3},
    "A10": {"bandwidth_gb_s": 600.0, "float64_tflops": 0.98, "float32_tflops": 31.2},
    "V100": {"bandwidth_gb_s": 900.0, "float64_tflops": 7.8, "float32_tflops": 15.7},
    "T4": {"bandwidth_gb_s": 320.0, "float64_tflops": 0.25, "float32_tflops": 8.1},
}

# NVML's clock throttle (clock event) reason bits, nvml.h
THROTTLE_REASONS: dict[int, str] = {
    0x1: "gpu_idle",
    0x2: "applications_clocks_setting",
    0x4: "sw_power_cap",
    0x8: "hw_slowdown",
    0x10: "sync_boost",
    0x20: "sw_thermal_slowdown",
    0x40: "hw_thermal_slowdown",
    0x80: "hw_power_brake_slowdown",
    0x100: "display_clock_setting",
}
_NVML_CLOCK_SM, _NVML_CLOCK_MEM = 1, 2  # nvmlClockType_t: NVML_CLOCK_SM, NVML_CLOCK_MEM


def _text(x: Any) -> str:
    return x.decode() if isinstance(x, bytes) else str(x)


class GPUMeter:
    """NVML readings around GPU rows, made by :func:`gpu_measurement`; :meth:`measure` times one row."""

    def __init__(self, nvml: Any, index: int, sample_s: float):
        self.nvml, self.index, self.sample_s = nvml, index, sample_s
        self.handle = nvml.nvmlDeviceGetHandleByIndex(index)

    def _try(self, name: str, *args: Any) -> Any:
        """An NVML reading, or None where this device or driver does not support it."""
        fn = getattr(self.nvml, name, None)
        if fn is None:
            return None
        try:
            return fn(*args)
        except Exception:  # NVMLError_NotSupported and friends: the reading is absent, not the row
            return None

    def _throttle_mask(self) -> int | None:
        for name in ("nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons"):
            mask = self._try(name, self.handle)
            if mask is not None:
                return int(mask)
        return None

    def device(self) -> dict[str, Any]:
        """The device's facts: name, driver, CUDA driver version, library versions, clocks (MHz),
        memory (GiB), power limit (W) and the peaks used for shares."""
        h, nv = self.handle, self.nvml
        cuda = self._try("nvmlSystemGetCudaDriverVersion")
        mem = self._try("nvmlDeviceGetMemoryInfo", h)
        limit = self._try("nvmlDeviceGetPowerManagementLimit", h)
        name = _text(nv.nvmlDeviceGetName(h))
        return {
            "index": self.index,
            "name": name,
            "driver": _text(self._try("nvmlSystemGetDriverVersion") or ""),
            "cuda_driver": f"{cuda // 1000}.{cuda % 1000 // 10}" if cuda else None,
            "nvml": _text(self._try("nvmlSystemGetNVMLVersion") or ""),
            "libraries": {
                p: v
                for p in ("cupy-cuda12x", "cupy-cuda13x", "numba", "numba-cuda", "jax", "jaxlib", "nvidia-ml-py")
                if (v := _version(p))
            },
            "clocks_mhz": {
                "sm": self._try("nvmlDeviceGetClockInfo", h, _NVML_CLOCK_SM),
                "sm_max": self._try("nvmlDeviceGetMaxClockInfo", h, _NVML_CLOCK_SM),
                "memory": self._try("nvmlDeviceGetClockInfo", h, _NVML_CLOCK_MEM),
                "memory_max": self._try("nvmlDeviceGetMaxClockInfo", h, _NVML_CLOCK_MEM),
            },
            "memory_gib": {"total": round(mem.total / 2**30, 2), "used": round(mem.used / 2**30, 2)} if mem else None,
            "power_limit_w": limit / 1000 if limit else None,
            "peaks": self.peaks(name),
        }

    def peaks(self, name: str) -> dict[str, Any]:
        """Peak bandwidth (from NVML's bus width and maximum memory clock where it answers, else the
        published figure) and published float64/float32 flop/s."""
        h = self.handle
        out: dict[str, Any] = {}
        key = max((k for k in PUBLISHED_PEAKS if k in name), key=len, default=None)
        if key is not None:
            out.update(PUBLISHED_PEAKS[key])
            out["published_as"] = key
        bus = self._try("nvmlDeviceGetMemoryBusWidth", h)
        clock = self._try("nvmlDeviceGetMaxClockInfo", h, _NVML_CLOCK_MEM)
        if bus and clock:  # double data rate: two transfers per memory clock
            out["bandwidth_gb_s"] = round(2 * clock * 1e6 * bus / 8 / 1e9, 1)
            out["bandwidth_source"] = "NVML: 2 x max memory clock x bus width"
        elif key is not None:
            out["bandwidth_source"] = f"published ({key})"
        return out

    def measure(
        self,
        fn: Callable[[], Any],
        *,
        repeat: int = 5,
        work_bytes: float | None = None,
        work_flops: float | None = None,
        precision: str = "float64",
    ) -> tuple[Any, dict[str, Any]]:
        """Time ``fn`` (which must wait for its device work) cold once, then ``repeat`` times warm,
        reading the energy counter around the warm runs and sampling the throttle reasons, clocks and
        power every ``sample_s`` while they run.

        Returns
        -------
        (first result, record)
            ``record`` holds ``cold_s``, ``warm_median_s``, ``warm_s``, ``energy_mj_per_op`` (None
            where the counter is unsupported), ``mean_power_w``, ``throttle_reasons`` (names seen),
            ``sm_clock_mhz`` (min, max seen), ``device`` (:meth:`device`), and with ``work_bytes`` or
            ``work_flops`` the achieved rate and ``share_of_peak``.
        """
        t0 = time.perf_counter()
        first = fn()
        cold = time.perf_counter() - t0
        seen = {"mask": 0, "clocks": [], "power_mw": []}
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                mask = self._throttle_mask()
                if mask is not None:
                    seen["mask"] |= mask
                clock = self._try("nvmlDeviceGetClockInfo", self.handle, _NVML_CLOCK_SM)
                if clock is not None:
                    seen["clocks"].append(clock)
                power = self._try("nvmlDeviceGetPowerUsage", self.handle)
                if power is not None:
                    seen["power_mw"].append(power)
                stop.wait(self.sample_s)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        e0 = self._try("nvmlDeviceGetTotalEnergyConsumption", self.handle)
        times = []
        try:
            for _ in range(repeat):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
        finally:
            e1 = self._try("nvmlDeviceGetTotalEnergyConsumption", self.handle)
            stop.set()
            sampler.join()
        warm = statistics.median(times)
        energy = (e1 - e0) / repeat if e0 is not None and e1 is not None else None
        record: dict[str, Any] = {
            "cold_s": cold,
            "warm_median_s": warm,
            "warm_s": times,
            "energy_mj_per_op": energy,
            "mean_power_w": energy / 1000 / statistics.fmean(times) if energy is not None else None,
            "sampled_power_w": [min(seen["power_mw"]) / 1000, max(seen["power_mw"]) / 1000]
            if seen["power_mw"]
            else None,
            "throttle_reasons": [n for bit, n in THROTTLE_REASONS.items() if seen["mask"] & bit],
            "sm_clock_mhz": [min(seen["clocks"]), max(seen["clocks"])] if seen["clocks"] else None,
            "device": self.device(),
        }
        peaks = record["device"]["peaks"]
        if work_bytes is not None and peaks.get("bandwidth_gb_s"):
            record["bandwidth_gb_s"] = work_bytes / warm / 1e9
            record["share_of_peak"] = record["bandwidth_gb_s"] / peaks["bandwidth_gb_s"]
            record["peak_kind"] = "memory bandwidth"
        elif work_flops is not None and peaks.get(f"{precision}_tflops"):
            record["tflops"] = work_flops / warm / 1e12
            record["share_of_peak"] = record["tflops"] / peaks[f"{precision}_tflops"]
            record["peak_kind"] = f"{precision} flop/s"
        return first, record


@contextlib.contextmanager
def gpu_measurement(device_index: int = 0, *, nvml: Any = None, sample_s: float = 0.01) -> Iterator[GPUMeter]:
    """NVML opened for the GPU rows of a suite: ``with gpu_measurement() as meter: meter.measure(fn)``.

    Parameters
    ----------
    device_index : int
        The NVML index of the device the rows run on.
    nvml : module, optional
        The NVML binding (default: ``pynvml`` from ``nvidia-ml-py``, the ``gpu`` extra, imported here).
    sample_s : float
        Interval of the throttle-reason, clock and power samples during a row.

    Raises
    ------
    HardwareError
        If pynvml cannot be imported or NVML does not start (no NVIDIA driver).
    """
    from ..errors import HardwareError
    from ..kernels.backend import require

    nv = nvml if nvml is not None else require("pynvml", purpose="the GPU rows' device readings")
    try:
        nv.nvmlInit()
    except Exception as exc:  # NVMLError_LibraryNotFound, DriverNotLoaded, ...
        raise HardwareError(f"NVML does not start ({exc}): no NVIDIA driver here") from None
    try:
        yield GPUMeter(nv, device_index, sample_s)
    finally:
        nv.nvmlShutdown()
