"""The publisher behind ``quantforge serve``: computes every configured surface in batches and
publishes each new version to shared memory (``serve.tables``), to files (``serve.arrow``) and over
HTTP (``serve.http``); recomputes on a schedule and reloads its configuration on SIGHUP.

A configuration that cannot be read, breaks a rule or whose surfaces cannot be computed is refused
with its message on stderr (and in ``/healthz`` and ``/metrics``); the last good surfaces stay
published.  SIGTERM and SIGINT stop the server gracefully: the shared blocks and the index are
removed before the process exits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.surface import SurfaceTable, make_surface_table
from ..errors import HardwareError, QuantForgeError
from ..models.surface import QuoteSurface
from .arrow import ipc_bytes, write_ipc, write_parquet
from .config import ServeConfig, load_config
from .tables import SharedSurfaces

__all__ = ["Publication", "Publisher", "compute_surfaces", "run"]


def compute_surfaces(config: ServeConfig) -> dict[str, QuoteSurface]:
    """Every instrument's surface, one batched ``quote_surfaces`` call per (model, grid) group.

    Raises
    ------
    QuantForgeError
        What the models raise (``NumericalInstability`` for quotes that are not finite, ...).
    """
    out: dict[str, QuoteSurface] = {}
    for spec, grid, members in config.batches():
        if len(members) == 1:
            params = members[0].params
        else:
            params = spec.params_class(
                **{
                    f.name: np.array([getattr(m.params, f.name) for m in members])
                    for f in dataclasses.fields(spec.params_class)
                }
            )
        for ins, surface in zip(members, spec.surfaces(params, grid, config.backend)):
            out[ins.id] = surface
    return {ins.id: out[ins.id] for ins in config.instruments}


@dataclass
class Publication:
    """One published version of a surface, with its lookup table and its encoded bodies (made once)."""

    id: str
    surface: QuoteSurface
    version: int
    stamp_ns: int
    table: SurfaceTable
    _bodies: dict[str, tuple[bytes, str]] = field(default_factory=dict, repr=False)

    @property
    def extra(self) -> dict[str, Any]:
        """The publication facts stored with the surface: id, version, time."""
        return {"surface_id": self.id, "version": self.version, "published_ns": self.stamp_ns}

    def summary(self) -> dict[str, Any]:
        """What ``/v1/surfaces`` lists for this surface."""
        s = self.surface
        return {
            "id": self.id,
            "model": s.model,
            "version": self.version,
            "published_ns": self.stamp_ns,
            "published": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.stamp_ns / 1e9)),
            "shape": list(s.bid_depth.shape),
            "params": s.params,
            "units": s.units,
        }

    def _encoded(self, kind: str) -> tuple[bytes, str]:
        if kind not in self._bodies:
            if kind == "json":
                body = json.dumps({**self.extra, **self.surface.to_dict()}, separators=(",", ":")).encode()
            else:
                body = ipc_bytes(self.surface, self.extra, stream=kind == "arrow-stream")
            self._bodies[kind] = (body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
        return self._bodies[kind]

    def body(self, kind: str) -> bytes:
        """The surface as ``json``, ``arrow`` (IPC file) or ``arrow-stream`` bytes."""
        return self._encoded(kind)[0]

    def etag(self, kind: str) -> str:
        """A strong ETag of :meth:`body` (a digest of the bytes)."""
        return self._encoded(kind)[1]


class Publisher:
    """Computes and publishes the surfaces of a configuration (module docstring).

    Parameters
    ----------
    config : ServeConfig
        The configuration; its first version is computed and published before this returns.
    log : callable, optional
        Where messages go (default: a line on stderr).

    Raises
    ------
    QuantForgeError
        If the first computation fails (``ConfigError``, a model error), or ``PublisherBusy``.
    """

    def __init__(self, config: ServeConfig, log: Callable[[str], None] | None = None):
        self.config = config
        self.log = log or (lambda m: print(f"quantforge serve: {m}", file=sys.stderr, flush=True))
        self.publications: dict[str, Publication] = {}
        self._versions: dict[str, int] = {}
        self._lock = threading.Lock()  # one refresh, reload or close at a time (they run in worker threads)
        self._closed = False
        self.counters = {"refreshes": 0, "refresh_failures": 0, "reloads_applied": 0, "reloads_refused": 0}
        self.last_error: str | None = None
        self.last_refresh_s = 0.0
        self.shared = SharedSurfaces(config.name)
        try:
            self._publish(compute_surfaces(config))
        except BaseException:
            self.shared.close()
            raise

    @property
    def name(self) -> str:
        return self.config.name

    def _publish(self, surfaces: dict[str, QuoteSurface]) -> None:
        t0 = time.perf_counter()
        stamp = time.time_ns()
        out_dir = self.config.out_dir
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
        fresh = {}
        for sid, surface in surfaces.items():
            version = self._versions.get(sid, 0) + 1
            self.shared.publish(sid, surface, version, stamp)
            pub = Publication(
                sid,
                surface,
                version,
                stamp,
                make_surface_table(
                    surface.bid_depth,
                    surface.ask_depth,
                    surface.time_to_horizon_s,
                    surface.q_min,
                    surface.bid_size_lots,
                    surface.ask_size_lots,
                ),
            )
            if out_dir is not None:
                if "arrow" in self.config.formats:
                    write_ipc(surface, out_dir / f"{sid}.arrow", pub.extra)
                if "parquet" in self.config.formats:
                    write_parquet(surface, out_dir / f"{sid}.parquet", pub.extra)
            fresh[sid] = pub
            self._versions[sid] = version
        for sid in set(self.publications) - set(fresh):
            self.shared.remove(sid)
            self._versions.pop(sid, None)
            if out_dir is not None:
                for suffix in (".arrow", ".parquet"):
                    (out_dir / f"{sid}{suffix}").unlink(missing_ok=True)
        self.shared.write_index(surfaces)
        self.publications = fresh  # one reference swap: a request sees the old set or the new one
        self.counters["refreshes"] += 1
        self.last_refresh_s = time.perf_counter() - t0

    def refresh(self) -> bool:
        """Recompute and publish a new version of every surface; on failure keep the last ones
        published, log why and return False."""
        with self._lock:
            if self._closed:
                return False
            try:
                self._publish(compute_surfaces(self.config))
            except (QuantForgeError, OSError, FloatingPointError) as exc:
                self.counters["refresh_failures"] += 1
                self.last_error = f"refresh failed: {exc}"
                self.log(f"{self.last_error}; the last good surfaces stay published")
                return False
            self.last_error = None
            return True

    def reload(self) -> bool:
        """Read the configuration file again and, if it is good and its surfaces compute, publish
        them; otherwise log why, keep the last good surfaces and return False.  The publisher's
        name, address and port stay those it started with."""
        with self._lock:
            if self._closed or self.config.path is None:
                return False
            try:
                config = load_config(self.config.path)
                surfaces = compute_surfaces(config)
            except (QuantForgeError, OSError, FloatingPointError) as exc:
                self.counters["reloads_refused"] += 1
                self.last_error = f"configuration refused: {exc}"
                self.log(f"{self.last_error}; the last good surfaces stay published")
                return False
            kept = ("name", "host", "port")
            changed = [k for k in kept if getattr(config, k) != getattr(self.config, k)]
            if changed:
                self.log(f"reload: {', '.join(changed)} take effect at the next start")
            self.config = dataclasses.replace(config, **{k: getattr(self.config, k) for k in kept})
            self._publish(surfaces)
            self.counters["reloads_applied"] += 1
            self.last_error = None
            self.log(f"configuration reloaded: {len(surfaces)} surfaces")
            return True

    def health(self) -> dict[str, Any]:
        """What ``/healthz`` answers: ``ok``, or ``stale`` after a failed refresh or refused reload."""
        newest = max((p.stamp_ns for p in self.publications.values()), default=0)
        return {
            "status": "stale" if self.last_error else "ok",
            "publisher": self.name,
            "surfaces": len(self.publications),
            "last_published_ns": newest,
            "age_s": (time.time_ns() - newest) / 1e9 if newest else None,
            "last_error": self.last_error,
        }

    def metric_lines(self) -> list[str]:
        """The publisher's Prometheus metrics (text exposition format)."""
        now = time.time_ns()
        pubs = list(self.publications.values())
        c = self.counters
        return [
            "# HELP quantforge_surface_version Version of each published surface.",
            "# TYPE quantforge_surface_version gauge",
            *(f'quantforge_surface_version{{surface="{p.id}"}} {p.version}' for p in pubs),
            "# HELP quantforge_surface_age_seconds Seconds since each surface's current version was published.",
            "# TYPE quantforge_surface_age_seconds gauge",
            *(f'quantforge_surface_age_seconds{{surface="{p.id}"}} {(now - p.stamp_ns) / 1e9:.6f}' for p in pubs),
            "# HELP quantforge_refreshes_total Publications of a new version of every surface.",
            "# TYPE quantforge_refreshes_total counter",
            f"quantforge_refreshes_total {c['refreshes']}",
            "# HELP quantforge_refresh_failures_total Refreshes that failed (the last good surfaces stayed published).",
            "# TYPE quantforge_refresh_failures_total counter",
            f"quantforge_refresh_failures_total {c['refresh_failures']}",
            "# HELP quantforge_config_reloads_total Configuration reloads (SIGHUP), applied or refused.",
            "# TYPE quantforge_config_reloads_total counter",
            f'quantforge_config_reloads_total{{result="applied"}} {c["reloads_applied"]}',
            f'quantforge_config_reloads_total{{result="refused"}} {c["reloads_refused"]}',
            "# HELP quantforge_refresh_duration_seconds Time the last publication took (files and shared memory).",
            "# TYPE quantforge_refresh_duration_seconds gauge",
            f"quantforge_refresh_duration_seconds {self.last_refresh_s:.6f}",
        ]

    def close(self) -> None:
        """Remove the shared blocks and the index (waits for a refresh in progress)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self.shared.close()


async def _refresh_loop(publisher: Publisher, reload_requested: asyncio.Event) -> None:
    while True:
        try:
            await asyncio.wait_for(reload_requested.wait(), timeout=publisher.config.refresh_s)
        except TimeoutError:
            await asyncio.to_thread(publisher.refresh)
            continue
        reload_requested.clear()
        await asyncio.to_thread(publisher.reload)


def run(config_path: str | Path, *, port: int | None = None, announce: Callable[[str], None] | None = None) -> int:
    """Serve a configuration until SIGTERM or SIGINT (``quantforge serve``); returns the exit status.

    Parameters
    ----------
    config_path : str or Path
        The TOML configuration (:mod:`quantforge.serve.config`).
    port : int, optional
        Overrides ``[serve] port`` (0: a free port).
    announce : callable, optional
        Receives the line naming the address once the socket listens (default: printed to stdout).

    Raises
    ------
    ConfigError, PublisherBusy, QuantForgeError
        If the configuration is refused or the first computation fails: nothing is published.
    HardwareError
        If uvicorn or Starlette is missing (``quantforge[serve]``).
    """
    try:
        import uvicorn
    except ImportError as exc:
        raise HardwareError(
            f"uvicorn is needed for quantforge serve but cannot be imported ({exc}); install quantforge[serve]"
        ) from None
    from .http import create_app

    config = load_config(config_path)
    if port is not None:
        config = dataclasses.replace(config, port=port)
    token = config.token()
    publisher = Publisher(config)
    try:
        app = create_app(publisher, token)
        sock = socket.create_server((config.host, config.port))
        # accepted connections inherit it: a response's header and body writes go out at once instead
        # of the body waiting for the client's delayed ACK of the headers (Nagle), 40 ms per request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        host, bound = sock.getsockname()[:2]
        server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False))
        # uvicorn handles SIGTERM/SIGINT while it serves and raises them again afterwards: with these
        # handlers in place that second delivery is harmless, and the blocks are removed below.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: None)

        async def main() -> None:
            reload_requested = asyncio.Event()
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, reload_requested.set)
            refresher = asyncio.create_task(_refresh_loop(publisher, reload_requested))
            (announce or (lambda line: print(line, flush=True)))(
                f"quantforge serve: publisher {publisher.name!r}, {len(publisher.publications)} surfaces; "
                f"http://{host}:{bound}; shared memory qf-{publisher.name}-<id>"
                + (f"; files in {config.out_dir}" if config.out_dir else "")
            )
            try:
                await server.serve(sockets=[sock])
            finally:
                refresher.cancel()

        asyncio.run(main())
    finally:
        publisher.close()
    return 0
