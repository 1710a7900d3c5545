"""Quote surfaces as Apache Arrow tables, IPC files and streams, and Parquet files.

A surface is one row per grid point, in C order over (regime, time, inventory), with the columns
``regime`` (int32), ``time_to_horizon_s`` (float64), ``inventory_lots`` (int64), ``bid_depth``,
``ask_depth`` (float64, ``+inf`` = that side is not quoted) and ``bid_size_lots``, ``ask_size_lots``
(int64): the long form every dataframe library reads.  What is not per point travels in the schema's
metadata, under keys starting ``quantforge.``: the surface schema version, model, parameters and units
(JSON), the shape ``([n_regimes,] n_t, n_q)``, and the publication's surface id, version and time
(``published_ns``) where there is one.  Reading checks the metadata and that the grid columns are
the grid, so a table that is not a surface is refused rather than misread.

pyarrow (the ``serve`` extra) is imported on first use.

References
----------
Apache Arrow Columnar Format, IPC streaming and file formats (https://arrow.apache.org/docs/format/Columnar.html).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import HardwareError, InvalidParameters
from ..models.surface import SCHEMA_VERSION, QuoteSurface

__all__ = [
    "surface_to_arrow",
    "surface_from_arrow",
    "publication_metadata",
    "ipc_bytes",
    "read_ipc_bytes",
    "write_ipc",
    "read_ipc",
    "write_parquet",
    "read_parquet",
    "ARROW_FILE",
    "ARROW_STREAM",
]

ARROW_FILE = "application/vnd.apache.arrow.file"
"""Media type of the Arrow IPC file format."""
ARROW_STREAM = "application/vnd.apache.arrow.stream"
"""Media type of the Arrow IPC streaming format."""

_COLUMNS = ("regime", "time_to_horizon_s", "inventory_lots", "bid_depth", "ask_depth", "bid_size_lots", "ask_size_lots")
_PREFIX = "quantforge."


def _pa() -> Any:
    try:
        import pyarrow
        import pyarrow.ipc  # noqa: F401  (a submodule pyarrow does not import by itself)
    except ImportError as exc:
        raise HardwareError(
            f"pyarrow is needed for Arrow surfaces but cannot be imported ({exc}); install quantforge[serve]"
        ) from None
    return pyarrow


def surface_to_arrow(surface: QuoteSurface, extra: dict[str, Any] | None = None) -> Any:
    """The surface as a ``pyarrow.Table`` (module docstring: columns and metadata).

    Parameters
    ----------
    surface : QuoteSurface
    extra : dict, optional
        Publication facts stored in the metadata as ``quantforge.<key>`` (JSON values): the
        publisher stores ``surface_id``, ``version`` and ``published_ns``.

    Returns
    -------
    pyarrow.Table
        ``n_regimes * n_t * n_q`` rows.
    """
    pa = _pa()
    shape = surface.bid_depth.shape
    n_r = 1 if len(shape) == 2 else shape[0]
    n_t, n_q = shape[-2:]
    regime, t_idx, q_idx = (
        a.ravel() for a in np.meshgrid(np.arange(n_r), np.arange(n_t), np.arange(n_q), indexing="ij")
    )
    columns = {
        "regime": regime.astype(np.int32),
        "time_to_horizon_s": surface.time_to_horizon_s[t_idx],
        "inventory_lots": surface.inventory_lots[q_idx],
        "bid_depth": surface.bid_depth.ravel(),
        "ask_depth": surface.ask_depth.ravel(),
        "bid_size_lots": surface.bid_size_lots.ravel(),
        "ask_size_lots": surface.ask_size_lots.ravel(),
    }
    meta = {
        "schema_version": surface.version,
        "model": surface.model,
        "params": surface.params,
        "units": surface.units,
        "shape": list(shape),
        **(extra or {}),
    }
    metadata = {f"{_PREFIX}{k}": json.dumps(v) for k, v in meta.items()}
    return pa.table(columns, metadata=metadata)


def publication_metadata(table: Any) -> dict[str, Any]:
    """Every ``quantforge.*`` metadata entry of an Arrow table (or schema), JSON-decoded."""
    schema = getattr(table, "schema", table)
    raw = schema.metadata or {}
    out = {}
    for k, v in raw.items():
        key = k.decode() if isinstance(k, bytes) else k
        if key.startswith(_PREFIX):
            try:
                out[key[len(_PREFIX) :]] = json.loads(v)
            except ValueError:
                raise InvalidParameters(f"Arrow metadata {key!r} is not JSON: {v[:80]!r}") from None
    return out


def surface_from_arrow(table: Any) -> QuoteSurface:
    """The :class:`QuoteSurface` an Arrow table written by :func:`surface_to_arrow` holds.

    Raises
    ------
    InvalidParameters
        If the table lacks the metadata or columns, has another surface schema version, or its grid
        columns are not the grid of its shape.
    """
    meta = publication_metadata(table)
    missing = [k for k in ("schema_version", "model", "params", "units", "shape") if k not in meta]
    if missing:
        raise InvalidParameters(f"the Arrow table is not a quantforge surface: no metadata {_PREFIX}{missing[0]}")
    if meta["schema_version"] != SCHEMA_VERSION:
        raise InvalidParameters(
            f"the Arrow surface has schema version {meta['schema_version']!r}; this quantforge reads {SCHEMA_VERSION}"
        )
    names = table.column_names
    for c in _COLUMNS:
        if c not in names:
            raise InvalidParameters(f"the Arrow surface has no column {c!r} (columns: {', '.join(names)})")
    shape = tuple(int(x) for x in meta["shape"])
    if len(shape) not in (2, 3) or min(shape) < 1 or table.num_rows != int(np.prod(shape)):
        raise InvalidParameters(f"the Arrow surface's shape {shape} does not match its {table.num_rows} rows")
    col = {c: table.column(c).to_numpy() for c in _COLUMNS}
    grid = (1,) * (3 - len(shape)) + shape
    t = col["time_to_horizon_s"].reshape(grid)
    q = col["inventory_lots"].reshape(grid)
    if not (
        np.array_equal(t, np.broadcast_to(t[0, :, :1], grid))
        and np.array_equal(q, np.broadcast_to(q[0, :1, :], grid))
        and np.array_equal(col["regime"].reshape(grid), np.broadcast_to(np.arange(grid[0])[:, None, None], grid))
    ):
        raise InvalidParameters("the Arrow surface's regime, time and inventory columns are not a grid in C order")
    return QuoteSurface(
        model=meta["model"],
        params=meta["params"],
        units=meta["units"],
        version=meta["schema_version"],
        time_to_horizon_s=t[0, :, 0],
        inventory_lots=q[0, 0, :],
        bid_depth=col["bid_depth"].reshape(shape),
        ask_depth=col["ask_depth"].reshape(shape),
        bid_size_lots=col["bid_size_lots"].reshape(shape),
        ask_size_lots=col["ask_size_lots"].reshape(shape),
    )


def ipc_bytes(surface: QuoteSurface, extra: dict[str, Any] | None = None, *, stream: bool = False) -> bytes:
    """The surface as the bytes of an Arrow IPC file (or, ``stream=True``, an IPC stream)."""
    pa = _pa()
    table = surface_to_arrow(surface, extra)
    sink = pa.BufferOutputStream()
    opener = pa.ipc.new_stream if stream else pa.ipc.new_file
    with opener(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def read_ipc_bytes(data: bytes) -> QuoteSurface:
    """The surface in Arrow IPC bytes, file or stream format (told apart by the file format's magic)."""
    pa = _pa()
    buf = pa.py_buffer(data)
    try:
        table = (pa.ipc.open_file(buf) if data[:6] == b"ARROW1" else pa.ipc.open_stream(buf)).read_all()
    except pa.ArrowInvalid as exc:
        raise InvalidParameters(f"not an Arrow IPC file or stream: {exc}") from None
    return surface_from_arrow(table)


def _write_atomically(path: Path, write) -> Path:
    """Write through a temporary name in the same folder, then rename: readers never see half a file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    tmp.replace(path)
    return path


def write_ipc(surface: QuoteSurface, path: str | Path, extra: dict[str, Any] | None = None) -> Path:
    """Write the surface as an Arrow IPC file (atomically: a reader sees the old file or the new one)."""
    data = ipc_bytes(surface, extra)
    return _write_atomically(Path(path), lambda p: p.write_bytes(data))


def read_ipc(path: str | Path) -> QuoteSurface:
    """Read a surface from an Arrow IPC file or stream."""
    return read_ipc_bytes(Path(path).read_bytes())


def write_parquet(surface: QuoteSurface, path: str | Path, extra: dict[str, Any] | None = None) -> Path:
    """Write the surface as a Parquet file (atomically), with the Arrow schema's metadata."""
    _pa()
    import pyarrow.parquet as pq

    table = surface_to_arrow(surface, extra)
    return _write_atomically(Path(path), lambda p: pq.write_table(table, p))


def read_parquet(path: str | Path) -> QuoteSurface:
    """Read a surface from a Parquet file written by :func:`write_parquet` (or any writer of the same table)."""
    _pa()
    import pyarrow.parquet as pq

    return surface_from_arrow(pq.read_table(Path(path)))
