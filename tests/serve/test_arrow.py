"""serve/arrow.py against pyarrow itself: what we write, pyarrow reads as the table built here from
the arrays (columns, order, metadata); what pyarrow writes (IPC file, IPC stream, Parquet), we read as
the surface; a round trip reproduces the IPC bytes exactly; tables that are not surfaces are refused."""

from __future__ import annotations

import json

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")
import pyarrow.ipc  # noqa: E402, F401  (pa.ipc is a submodule pyarrow does not import by itself)
import pyarrow.parquet as pq  # noqa: E402

from quantforge.errors import InvalidParameters  # noqa: E402
from quantforge.models import ASParams, as_quote_surfaces, build_surfaces  # noqa: E402
from quantforge.serve import arrow as A  # noqa: E402


@pytest.fixture(scope="module")
def surface():
    s = as_quote_surfaces(ASParams(gamma=0.1, sigma=2.0, k=1.5), np.linspace(0.0, 1.0, 7), -3, 3)
    return s


def _independent_table(s, extra=None):
    """The expected Arrow table, built from the surface's arrays with numpy and pyarrow only."""
    n_t, n_q = s.bid_depth.shape
    meta = {
        "schema_version": s.version,
        "model": s.model,
        "params": s.params,
        "units": s.units,
        "shape": [n_t, n_q],
        **(extra or {}),
    }
    return pa.table(
        {
            "regime": np.zeros(n_t * n_q, np.int32),
            "time_to_horizon_s": np.repeat(s.time_to_horizon_s, n_q),
            "inventory_lots": np.tile(s.inventory_lots, n_t),
            "bid_depth": s.bid_depth.ravel(),
            "ask_depth": s.ask_depth.ravel(),
            "bid_size_lots": s.bid_size_lots.ravel(),
            "ask_size_lots": s.ask_size_lots.ravel(),
        },
        metadata={f"quantforge.{k}": json.dumps(v) for k, v in meta.items()},
    )


def _same(a, b):
    assert (a.model, a.params, a.units, a.version) == (b.model, b.params, b.units, b.version)
    for name in ("time_to_horizon_s", "inventory_lots", "bid_depth", "ask_depth", "bid_size_lots", "ask_size_lots"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y), name


def test_pyarrow_reads_what_we_write(surface, tmp_path):
    (s,) = surface
    extra = {"surface_id": "X", "version": 4, "published_ns": 123}
    path = A.write_ipc(s, tmp_path / "x.arrow", extra)
    got = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
    want = _independent_table(s, extra)
    assert got.equals(want) and got.schema.metadata == want.schema.metadata
    assert np.isinf(got.column("bid_depth").to_numpy()).sum() == np.isinf(s.bid_depth).sum()
    stream = pa.ipc.open_stream(A.ipc_bytes(s, extra, stream=True)).read_all()
    assert stream.equals(want)
    A.write_parquet(s, tmp_path / "x.parquet", extra)
    pq_table = pq.read_table(tmp_path / "x.parquet")
    assert pq_table.equals(want) and A.publication_metadata(pq_table) == A.publication_metadata(want)


def test_we_read_what_pyarrow_writes(surface, tmp_path):
    (s,) = surface
    table = _independent_table(s)
    with pa.OSFile(str(tmp_path / "p.arrow"), "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
        w.write_table(table)
    _same(A.read_ipc(tmp_path / "p.arrow"), s)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    _same(A.read_ipc_bytes(sink.getvalue().to_pybytes()), s)
    pq.write_table(table, tmp_path / "p.parquet")
    _same(A.read_parquet(tmp_path / "p.parquet"), s)


def test_round_trips_are_byte_identical(surface):
    (s,) = surface
    for stream in (False, True):
        data = A.ipc_bytes(s, {"version": 2}, stream=stream)
        back = A.read_ipc_bytes(data)
        _same(back, s)
        assert A.ipc_bytes(back, {"version": 2}, stream=stream) == data


def test_regime_surfaces_round_trip():
    rng = np.random.default_rng(2)
    bid = rng.uniform(0, 1, (1, 3, 4, 5))
    bid[0, 1, :, -1] = np.inf
    (s,) = build_surfaces(
        model="regimes",
        params=[{"k": 1.0}],
        time_to_horizon_s=np.array([0.0, 0.5, 1.0, 2.0]),
        inventory_lots=np.arange(-2, 3),
        bid_depth=bid,
        ask_depth=bid + 1,
    )
    table = A.surface_to_arrow(s)
    assert table.num_rows == 60 and table.column("regime").to_pylist()[::20] == [0, 1, 2]
    _same(A.read_ipc_bytes(A.ipc_bytes(s)), s)


def test_tables_that_are_not_surfaces_are_refused(surface):
    (s,) = surface
    good = _independent_table(s)
    with pytest.raises(InvalidParameters, match="no metadata quantforge.schema_version"):
        A.surface_from_arrow(good.replace_schema_metadata({}))
    meta = dict(good.schema.metadata)
    meta[b"quantforge.schema_version"] = b"99"
    with pytest.raises(InvalidParameters, match="schema version 99"):
        A.surface_from_arrow(good.replace_schema_metadata(meta))
    with pytest.raises(InvalidParameters, match="no column 'ask_depth'"):
        A.surface_from_arrow(good.drop_columns(["ask_depth"]))
    shuffled = good.take(np.random.default_rng(0).permutation(good.num_rows))
    with pytest.raises(InvalidParameters, match="not a grid in C order"):
        A.surface_from_arrow(shuffled)
    with pytest.raises(InvalidParameters, match="does not match its"):
        A.surface_from_arrow(good.slice(0, 5))
    with pytest.raises(InvalidParameters, match="not an Arrow IPC"):
        A.read_ipc_bytes(b"not arrow at all")
