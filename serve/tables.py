"""Same-host publication of quote surfaces: one seqlock surface table per surface in shared memory,
and the reader's side (a quote read in place, a whole-table snapshot, the version's age).

A publisher named ``desk`` keeps surface ``X`` in the shared block ``qf-desk-X`` (a
``engine.seqlock.SeqlockTable`` made by ``create_surface``) and describes its surfaces (model,
parameters, units, grid) in the file ``qf-desk.json`` beside the blocks, written atomically.  Blocks
are plain mapped files (``engine/shm.py``): attaching registers nothing with a resource tracker, so
a reader never unlinks a block and no warning is printed when it exits.  The publisher removes its
blocks and index on exit; when it died without doing so (SIGKILL, power), the next publisher of the
same name removes what it left at start, after checking that the process named in each block is
gone.  Readers of a killed publisher keep reading its last complete version and see its age grow.
"""

from __future__ import annotations

import json
import os
from collections import namedtuple
from pathlib import Path

import numpy as np

from ..engine.seqlock import SeqlockTable, pack_surface, unpack_surface
from ..engine.shm import SHM_DIR
from ..errors import InvalidParameters, QuantForgeError
from ..models.surface import QuoteSurface

__all__ = [
    "SharedSurfaces",
    "SurfaceReader",
    "Quote",
    "PublisherBusy",
    "table_name",
    "index_path",
    "published_surfaces",
]

Quote = namedtuple("Quote", ["version", "bid_depth", "ask_depth", "bid_size_lots", "ask_size_lots", "flags"])
Quote.__doc__ = """One quote read in place: the version it came from, depths (price units, ``inf``: side not
quoted), sizes (lots) and the ``engine.surface`` ``CLAMP_*`` flags."""


class PublisherBusy(QuantForgeError):
    """Another live process publishes under the same publisher name."""


def table_name(publisher: str, surface_id: str) -> str:
    """The shared block of one surface: ``qf-<publisher>-<surface_id>``."""
    return f"qf-{publisher}-{surface_id}"


def index_path(publisher: str) -> Path:
    """The publisher's index file, beside its blocks: ``qf-<publisher>.json``."""
    return Path(SHM_DIR) / f"qf-{publisher}.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def published_surfaces(publisher: str) -> dict[str, dict]:
    """The index of a running publisher: surface id -> ``{model, params, units, shape, table}``.

    Raises
    ------
    InvalidParameters
        If no publisher of that name has published on this host.
    """
    try:
        return json.loads(index_path(publisher).read_text())["surfaces"]
    except FileNotFoundError:
        raise InvalidParameters(f"no publisher {publisher!r} on this host (no {index_path(publisher)})") from None


class SharedSurfaces:
    """The publisher's shared-memory side: creates, republishes, replaces and removes surface tables.

    Parameters
    ----------
    publisher : str
        The publisher's name (letters, digits, ``_``: the blocks' prefix must not be another name's).

    Raises
    ------
    PublisherBusy
        If a live process already publishes under that name.
    """

    def __init__(self, publisher: str):
        if not publisher.replace("_", "").isalnum() or not publisher.isascii():
            raise InvalidParameters(f"publisher name must be letters, digits or _, got {publisher!r}")
        self.publisher = publisher
        self._tables: dict[str, SeqlockTable] = {}
        self._remove_stale()

    def _stale(self) -> list[Path]:
        return [p for p in Path(SHM_DIR).glob(f"qf-{self.publisher}-*") if p.is_file()]

    def _remove_stale(self) -> None:
        """Remove the blocks and index a dead publisher of this name left; refuse to share a live one's."""
        for path in self._stale():
            try:
                table = SeqlockTable.attach(path.name)
            except (InvalidParameters, ValueError, OSError):
                path.unlink(missing_ok=True)  # not a table (or empty): nothing can be reading it
                continue
            pid = table.writer_pid
            table.close()
            if pid != os.getpid() and _alive(pid):
                raise PublisherBusy(
                    f"publisher {self.publisher!r} is already running as process {pid} (block {path}); "
                    "choose another [serve] name, or stop it (if that process is not a quantforge "
                    f"publisher, remove {SHM_DIR}/qf-{self.publisher}-*)"
                )
            path.unlink(missing_ok=True)
        index_path(self.publisher).unlink(missing_ok=True)

    def publish(self, surface_id: str, surface: QuoteSurface, version: int, stamp_ns: int) -> None:
        """Publish ``surface`` (2-D) as ``version``; a surface of a new shape replaces its table (the
        old one is retired first, so its readers re-attach)."""
        if surface.bid_depth.ndim != 2:
            raise InvalidParameters(f"surface {surface_id!r}: only 2-D (time x inventory) surfaces go to shared memory")
        shape = surface.bid_depth.shape
        table = self._tables.get(surface_id)
        if table is not None and table.surface_shape != shape:
            self.remove(surface_id)
            table = None
        if table is None:
            table = self._tables[surface_id] = SeqlockTable.create_surface(
                *shape, name=table_name(self.publisher, surface_id)
            )
        table.publish(
            pack_surface(
                surface.bid_depth,
                surface.ask_depth,
                surface.time_to_horizon_s,
                surface.q_min,
                surface.bid_size_lots,
                surface.ask_size_lots,
            ),
            version,
            stamp_ns,
        )

    def remove(self, surface_id: str) -> None:
        """Retire and remove one surface's table."""
        table = self._tables.pop(surface_id)
        table.retire()
        table.close()

    def write_index(self, surfaces: dict[str, QuoteSurface]) -> None:
        """Describe the published surfaces for readers (atomically: write, then rename)."""
        doc = {
            "publisher": self.publisher,
            "pid": os.getpid(),
            "surfaces": {
                sid: {
                    "model": s.model,
                    "params": s.params,
                    "units": s.units,
                    "shape": list(s.bid_depth.shape),
                    "table": table_name(self.publisher, sid),
                }
                for sid, s in surfaces.items()
            },
        }
        path = index_path(self.publisher)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(doc))
        tmp.replace(path)

    @property
    def names(self) -> list[str]:
        """The shared blocks published now."""
        return [t.name for t in self._tables.values()]

    def close(self) -> None:
        """Retire and remove every table and the index."""
        for sid in list(self._tables):
            self.remove(sid)
        index_path(self.publisher).unlink(missing_ok=True)


class SurfaceReader:
    """A same-host reader of one published surface.

    Parameters
    ----------
    publisher, surface_id : str
        The publisher's name and the surface's id, as in its configuration.

    Examples
    --------
    ``SurfaceReader("desk", "AAPL").quote(0.5, 3)`` is the quote at 0.5 time units to the horizon
    with an inventory of 3 lots, read in place from the last complete version.
    """

    def __init__(self, publisher: str, surface_id: str):
        self.publisher, self.surface_id = publisher, surface_id
        self._table = self._attach()

    def _attach(self) -> SeqlockTable:
        name = table_name(self.publisher, self.surface_id)
        try:
            return SeqlockTable.attach(name)
        except InvalidParameters:
            raise InvalidParameters(
                f"publisher {self.publisher!r} has no surface {self.surface_id!r} on this host "
                f"(no shared block {name!r})"
            ) from None

    def _current(self) -> SeqlockTable:
        """The table, re-attached by name when the publisher has replaced it (a new grid shape)."""
        if self._table.retired:
            try:
                fresh = self._attach()
            except InvalidParameters:
                return self._table  # replaced but not yet created again: the retired one's last version stands
            self._table.close()
            self._table = fresh
        return self._table

    def quote(self, time_to_horizon_s: float, inventory_lots: int, linear: bool = False) -> Quote:
        """The quote at ``time_to_horizon_s`` and ``inventory_lots`` (nearest grid time, or ``linear``
        in time), read in place from the last complete version (``engine.seqlock.seqlock_quote``)."""
        return Quote(*self._current().quote(time_to_horizon_s, inventory_lots, linear))

    def snapshot(self) -> tuple[int, QuoteSurface]:
        """The whole current version, copied out: ``(version, surface)`` with the model, parameters and
        units of the publisher's index."""
        table = self._current()
        version, values = table.read()
        if version == 0:
            raise InvalidParameters(f"surface {self.surface_id!r}: nothing has been published yet")
        n_t, n_q = table.surface_shape
        arrays = unpack_surface(values, n_t, n_q)
        meta = published_surfaces(self.publisher).get(
            self.surface_id, {"model": "unknown", "params": {}, "units": None}
        )
        q_min = arrays.pop("q_min")
        extra = {"units": meta["units"]} if meta.get("units") else {}
        surface = QuoteSurface(
            model=meta["model"], params=meta["params"], inventory_lots=np.arange(q_min, q_min + n_q), **arrays, **extra
        )
        return version, surface

    @property
    def version(self) -> int:
        """The version readers get now."""
        return self._current().published()[0]

    def age_s(self) -> float:
        """Seconds since the version readers get now was published."""
        return self._current().age_s()

    def publisher_alive(self) -> bool:
        """Whether the process that publishes this surface still runs."""
        return _alive(self._table.writer_pid)

    def close(self) -> None:
        """Unmap (the publisher owns the block's name)."""
        self._table.close()

    def __enter__(self) -> SurfaceReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
