"""Backend selection and device facts.

A *backend* is the array library a batched kernel runs on:

``numpy``   the reference; always present.
``numba``   CPU, compiled and parallel over paths (``numba.prange``).
``jax``     XLA on the CPU or a GPU (``jax.jit``); float64 kernels run under ``jax.enable_x64``.
``cupy``    NVIDIA GPU; arrays are CuPy arrays, custom kernels are ``numba.cuda`` kernels launched on
            them (the same kernels run under numba's CUDA simulator in the CPU test suite).

``auto`` picks the fastest backend that works here: ``cupy`` when a CUDA device answers, else
``numba``, else ``numpy``.  The environment variable ``QUANTFORGE_BACKEND`` overrides ``auto``;
every public batched function also takes ``backend=``.

Nothing here imports jax, cupy, numba.cuda or pynvml at module import time: availability is probed
on first use and cached, so ``import quantforge`` stays cheap and never opens a GPU context.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import platform
from dataclasses import dataclass, field
from typing import Any

from ..errors import HardwareError, InvalidParameters

__all__ = [
    "BACKENDS",
    "resolve_backend",
    "available_backends",
    "backend_version",
    "require",
    "gpu_devices",
    "cpu_info",
    "GPUDevice",
]

BACKENDS: tuple[str, ...] = ("numpy", "numba", "jax", "cupy")
_ENV = "QUANTFORGE_BACKEND"

# Which pip extra provides each optional package, for the error message when it is missing.
_EXTRA = {"numba": "quantforge (core)", "jax": "quantforge[jax]", "cupy": "quantforge[gpu]", "pynvml": "quantforge[gpu]"}


def require(module: str, *, purpose: str = "") -> Any:
    """Import an optional dependency or raise ``HardwareError`` naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        extra = _EXTRA.get(top, f"the package {top!r}")
        why = f" for {purpose}" if purpose else ""
        raise HardwareError(f"{module} is needed{why} but cannot be imported ({exc}); install {extra}") from None


@functools.lru_cache(maxsize=None)
def _has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


@functools.lru_cache(maxsize=None)
def _cupy_works() -> bool:
    """True when CuPy imports and a CUDA device answers a trivial kernel."""
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        return False
    if not _has_module("cupy"):
        return False
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() < 1:
            return False
        int((cupy.arange(4) * 2).sum())
        return True
    except Exception:  # any driver/runtime failure means "not usable here"
        return False


def available_backends() -> tuple[str, ...]:
    """The backends that work on this machine, in order of preference for ``auto`` (fastest last)."""
    found = ["numpy"]
    if _has_module("numba"):
        found.append("numba")
    if _has_module("jax"):
        found.append("jax")
    if _cupy_works():
        found.append("cupy")
    return tuple(found)


def _auto() -> str:
    avail = available_backends()
    for name in ("cupy", "numba", "numpy"):
        if name in avail:
            return name
    return "numpy"


def resolve_backend(backend: str | None = None) -> str:
    """Resolve a backend name (``None`` or ``"auto"`` → ``QUANTFORGE_BACKEND`` or the fastest here).

    Raises
    ------
    InvalidParameters
        For a name that is not a backend; the message lists the valid names.
    HardwareError
        For a known backend that is not usable on this machine; the message names the extra.
    """
    name = backend
    if name is None or name == "auto":
        env = os.environ.get(_ENV, "").strip().lower()
        name = env if env and env != "auto" else _auto()
        source = f"environment variable {_ENV}" if env and env != "auto" else "auto"
    else:
        source = "backend"
    if not isinstance(name, str) or name not in BACKENDS:
        valid = ", ".join(("auto",) + BACKENDS)
        raise InvalidParameters(f"{source} must be one of {valid}; got {name!r}")
    if name not in available_backends():
        if name == "cupy":
            raise HardwareError("backend 'cupy' needs CuPy and a CUDA GPU, and none answered; install quantforge[gpu]")
        require(name, purpose=f"backend {name!r}")
    return name


def backend_version(name: str) -> str | None:
    """The installed version of a backend's package, or ``None`` if it is not installed."""
    module = {"numpy": "numpy", "numba": "numba", "jax": "jax", "cupy": "cupy"}[name]
    if not _has_module(module):
        return None
    from importlib.metadata import PackageNotFoundError, version

    for dist in (module, "cupy-cuda13x", "cupy-cuda12x"):
        try:
            return version(dist)
        except PackageNotFoundError:
            continue
    return None


@dataclass(frozen=True)
class GPUDevice:
    """One GPU as NVML reports it."""

    index: int
    name: str
    memory_total_bytes: int
    driver: str = ""
    compute_capability: str = ""
    extra: dict = field(default_factory=dict)


def gpu_devices() -> list[GPUDevice]:
    """The NVIDIA GPUs on this machine, through NVML when present; an empty list when there are none."""
    if not _has_module("pynvml"):
        return []
    try:
        import pynvml

        pynvml.nvmlInit()
    except Exception:
        return []
    try:
        driver = pynvml.nvmlSystemGetDriverVersion()
        driver = driver.decode() if isinstance(driver, bytes) else str(driver)
        devices = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            h = pynvml.nvmlDeviceGetHandleByIndex(i)
            name = pynvml.nvmlDeviceGetName(h)
            name = name.decode() if isinstance(name, bytes) else str(name)
            mem = pynvml.nvmlDeviceGetMemoryInfo(h).total
            try:
                major, minor = pynvml.nvmlDeviceGetCudaComputeCapability(h)
                cc = f"{major}.{minor}"
            except Exception:
                cc = ""
            devices.append(GPUDevice(i, name, int(mem), driver, cc))
        return devices
    finally:
        pynvml.nvmlShutdown()


def cpu_info() -> dict:
    """CPU facts for reports: model name, logical cores, usable cores, machine, python."""
    model = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    return {
        "model": model,
        "logical_cores": os.cpu_count() or 1,
        "usable_cores": usable,
        "machine": platform.machine(),
        "system": platform.system(),
        "python": platform.python_version(),
    }
