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

This module is the one place that knows how the backends differ.  :func:`get_backend` turns a name
into a :class:`Backend`: its array namespace (``xp``), its device, host transfer and the float64
set-up (``x64``, which only jax needs).  Kernel families register their fast paths here by name
(:func:`register_fast_path`, a ``"module:function"`` target imported on first use) and look them
up with :func:`fast_path`; a kernel without a fast path for a backend runs its reference
implementation on that backend's ``xp``.  No other module branches on a backend's name.

Nothing here imports jax, cupy, numba.cuda or pynvml at module import time: availability is probed
on first use and cached, so ``import quantforge`` stays cheap and never opens a GPU context.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import os
import platform
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import HardwareError, InvalidParameters

__all__ = [
    "BACKENDS",
    "Backend",
    "cuda_simulated",
    "get_backend",
    "to_host",
    "register_fast_path",
    "fast_path",
    "fast_paths",
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
_EXTRA = {
    "numba": "quantforge (core)",
    "jax": "quantforge[jax]",
    "cupy": "quantforge[gpu]",
    "pynvml": "quantforge[gpu]",
}


def require(module: str, *, purpose: str = "") -> Any:
    """Import an optional dependency or raise ``HardwareError`` naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        extra = _EXTRA.get(top, f"the package {top!r}")
        why = f" for {purpose}" if purpose else ""
        raise HardwareError(f"{module} is needed{why} but cannot be imported ({exc}); install {extra}") from None


@functools.cache
def _has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def cuda_simulated() -> bool:
    """True under numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``).

    The ``cupy`` backend's numba.cuda kernels then run on the CPU, slowly but statement by statement,
    which is how the test suite checks them without a GPU: the backend resolves (its namespace is
    numpy when CuPy is absent) but ``auto`` never picks it.
    """
    return os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"


@functools.cache
def _cupy_works() -> bool:
    """True when CuPy imports and a CUDA device answers a trivial kernel."""
    if cuda_simulated():
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
    if _cupy_works() or cuda_simulated():
        found.append("cupy")
    return tuple(found)


def _auto(kernel: str | None = None) -> str:
    avail = available_backends()
    for name in ("cupy", "numba"):
        if name == "cupy" and cuda_simulated():
            continue
        if name in avail and (kernel is None or name in fast_paths(kernel)):
            return name
    return "numpy"


def resolve_backend(backend: str | None = None, *, kernel: str | None = None) -> str:
    """Resolve a backend name (``None`` or ``"auto"`` → ``QUANTFORGE_BACKEND`` or the fastest here).

    With ``kernel``, ``auto`` (without the environment override) picks the fastest available
    backend that has a fast path registered for that kernel, else ``numpy``; an explicit name is
    taken as given and runs the reference implementation where it has no fast path.

    Raises
    ------
    InvalidParameters
        For a name that is not a backend; the message lists the valid names.
    HardwareError
        For a known backend that is not usable on this machine; the message names the extra.
    """
    if backend is not None and not isinstance(backend, str):
        raise TypeError(f"backend must be a str (auto, {', '.join(BACKENDS)}) or None, got {type(backend).__name__}")
    name = backend
    if name is None or name == "auto":
        env = os.environ.get(_ENV, "").strip().lower()
        name = env if env and env != "auto" else _auto(kernel)
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


# ---------------------------------------------------------------------------------------------
# Backends as objects: namespace, device, host transfer, float64 set-up
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Backend:
    """A resolved backend: what a kernel needs to run its reference implementation there.

    Attributes
    ----------
    name : str
        ``numpy``, ``numba``, ``jax`` or ``cupy``.
    device : str
        ``"cpu"``, or ``"gpu"`` for cupy and for jax when its default device is a GPU.
    """

    name: str

    @property
    def xp(self) -> Any:
        """The array namespace of the reference implementations (numpy for ``numpy`` and ``numba``)."""
        if self.name == "jax":
            return require("jax.numpy", purpose="backend 'jax'")
        if self.name == "cupy" and not (cuda_simulated() and not _has_module("cupy")):
            # CuPy's main namespace predates parts of the array API standard (astype, concat, ...);
            # array-api-compat's wrapper supplies them, and the gpu extras install it
            if _has_module("array_api_compat"):
                return require("array_api_compat.cupy", purpose="backend 'cupy'")
            return require("cupy", purpose="backend 'cupy'")
        return np

    @property
    def device(self) -> str:
        if self.name == "cupy":
            return "gpu"
        if self.name == "jax":
            jax = require("jax", purpose="backend 'jax'")
            return "gpu" if jax.default_backend() in ("gpu", "cuda", "rocm") else "cpu"
        return "cpu"

    @property
    def is_gpu(self) -> bool:
        return self.device == "gpu"

    def x64(self) -> contextlib.AbstractContextManager:
        """A context in which float64 and uint64 arrays are what they say (jax narrows them otherwise)."""
        return _jax_x64() if self.name == "jax" else contextlib.nullcontext()

    def asarray(self, a: Any, dtype: Any = None) -> Any:
        """``a`` as an array of this backend (on its device); call inside :meth:`x64` for 64-bit dtypes."""
        return self.xp.asarray(a, dtype=dtype) if dtype is not None else self.xp.asarray(a)

    def to_host(self, a: Any) -> np.ndarray:
        """``a`` as a numpy array on the host (no copy when it already is one)."""
        return to_host(a)

    def synchronize(self, a: Any = None) -> Any:
        """Wait until ``a`` (and, on cupy, all queued device work) is computed; returns ``a``.

        Timings of asynchronous backends (cupy's stream, jax's dispatch) are meaningless without it.
        """
        if self.name == "cupy" and _has_module("cupy") and not cuda_simulated():
            import cupy

            cupy.cuda.get_current_stream().synchronize()
        elif self.name == "jax" and a is not None:
            jax = require("jax", purpose="backend 'jax'")
            jax.block_until_ready(a)
        return a


@contextlib.contextmanager
def _jax_x64() -> Iterator[None]:
    jax = require("jax", purpose="backend 'jax'")
    enable = getattr(jax, "enable_x64", None)
    if enable is None:  # older jax keeps the context manager in jax.experimental
        from jax.experimental import enable_x64 as enable
    with enable(True):
        yield


@functools.cache
def _backend(name: str) -> Backend:
    return Backend(name)


def get_backend(backend: str | Backend | None = None, *, kernel: str | None = None) -> Backend:
    """Resolve ``backend`` (a name, ``auto``/``None``, or a :class:`Backend`) to a :class:`Backend`.

    Raises the errors of :func:`resolve_backend` for unknown or unusable names.
    """
    if isinstance(backend, Backend):
        return backend
    return _backend(resolve_backend(backend, kernel=kernel))


def to_host(a: Any) -> np.ndarray:
    """Any array of any backend (numpy, cupy, jax, numba.cuda device array) as a host numpy array."""
    if isinstance(a, np.ndarray):
        return a
    if hasattr(a, "copy_to_host"):  # numba.cuda device array, also under the CUDA simulator
        return a.copy_to_host()
    if hasattr(a, "get") and callable(a.get) and not isinstance(a, dict):  # cupy
        return a.get()
    return np.asarray(a)


# ---------------------------------------------------------------------------------------------
# The fast-path registry
# ---------------------------------------------------------------------------------------------
_REGISTRY: dict[str, dict[str, str]] = {}


def register_fast_path(kernel: str, backend: str, target: str) -> None:
    """Declare that ``kernel`` has a fast path on ``backend``, found at ``target`` (``"module:name"``).

    The module is imported only when :func:`fast_path` first asks for it, so registering costs
    nothing and a family's dispatcher never imports its own fast-path modules.
    """
    if backend not in BACKENDS:
        raise InvalidParameters(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    if ":" not in target:
        raise InvalidParameters(f"target must be 'module:function'; got {target!r}")
    _REGISTRY.setdefault(kernel, {})[backend] = target
    _load.cache_clear()


def fast_paths(kernel: str) -> tuple[str, ...]:
    """The backends with a fast path registered for ``kernel``."""
    return tuple(_REGISTRY.get(kernel, {}))


@functools.cache
def _load(target: str) -> Callable[..., Any]:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def fast_path(kernel: str, backend: str | Backend) -> Callable[..., Any] | None:
    """The fast path of ``kernel`` on ``backend``, or ``None`` when the reference should run there."""
    name = backend.name if isinstance(backend, Backend) else backend
    target = _REGISTRY.get(kernel, {}).get(name)
    return None if target is None else _load(target)
