"""Serving precomputed quote surfaces: ``quantforge serve`` and its readers.

A publisher (:class:`Publisher`, run by :func:`run`) reads a TOML configuration
(:func:`load_config`), computes every instrument's surface in batches, and publishes each new
version three ways: into shared-memory seqlock tables for readers on the same host
(:class:`SurfaceReader`: one quote read in place, or a whole snapshot), as Arrow IPC (and Parquet)
files (:mod:`.arrow`), and over HTTP (:func:`create_app`: JSON or Arrow, ETags, Prometheus metrics).
It refreshes on a schedule and reloads its configuration on SIGHUP, keeping the last good surfaces
when a new configuration is refused.

Layout: :mod:`.config` (the TOML file), :mod:`.arrow` (surfaces as Arrow tables and files),
:mod:`.tables` (shared memory), :mod:`.http` (the ASGI application), :mod:`.publisher` (the
publisher and its server loop).  Names are imported on first use, so that a reader of shared memory
does not import the HTTP stack, and pyarrow, Starlette and uvicorn (the ``serve`` extra) are
imported only by what needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ConfigError": "config",
    "ServeConfig": "config",
    "Instrument": "config",
    "Grid": "config",
    "MODELS": "config",
    "load_config": "config",
    "parse_config": "config",
    "surface_to_arrow": "arrow",
    "surface_from_arrow": "arrow",
    "ipc_bytes": "arrow",
    "read_ipc_bytes": "arrow",
    "write_ipc": "arrow",
    "read_ipc": "arrow",
    "write_parquet": "arrow",
    "read_parquet": "arrow",
    "ARROW_FILE": "arrow",
    "ARROW_STREAM": "arrow",
    "SharedSurfaces": "tables",
    "SurfaceReader": "tables",
    "Quote": "tables",
    "PublisherBusy": "tables",
    "published_surfaces": "tables",
    "create_app": "http",
    "Publisher": "publisher",
    "Publication": "publisher",
    "compute_surfaces": "publisher",
    "run": "publisher",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
