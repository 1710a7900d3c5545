"""serve/tables.py: a reader's in-place quote and snapshot equal the library's surface
(engine.surface.surface_lookup on it); a second process snapshots and quotes while the publisher
republishes two alternating surfaces and never sees a mix; a new grid shape replaces the table and
readers follow; a dead publisher's blocks are removed at the next start, a live one's are refused;
closing leaves nothing in shared memory and no resource-tracker warning."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from quantforge.engine.seqlock import SEQLOCK_WRITER_PID, SeqlockTable
from quantforge.engine.shm import SHM_DIR
from quantforge.engine.surface import make_surface_table, surface_lookup
from quantforge.errors import InvalidParameters
from quantforge.models import ASParams, as_quote_surfaces
from quantforge.serve.tables import PublisherBusy, SharedSurfaces, SurfaceReader, published_surfaces, table_name

TAUS = np.linspace(0.0, 1.0, 25)


def _surfaces(gammas, q=50):
    return as_quote_surfaces(ASParams(gamma=gammas, sigma=2.0, k=1.5), TAUS, -q, q)


def _left(publisher):
    return sorted(p.name for p in Path(SHM_DIR).glob(f"qf-{publisher}[-.]*"))


def test_reader_quotes_and_snapshots_equal_the_library(tmp_path):
    pub = f"t{os.getpid()}a"
    a, b = _surfaces([0.1, 0.4])
    shared = SharedSurfaces(pub)
    try:
        shared.publish("X", a, 1, time.time_ns())
        shared.write_index({"X": a})
        assert published_surfaces(pub)["X"]["model"] == "avellaneda-stoikov"
        reader = SurfaceReader(pub, "X")
        lib = make_surface_table(
            a.bid_depth, a.ask_depth, a.time_to_horizon_s, a.q_min, a.bid_size_lots, a.ask_size_lots
        )
        rng = np.random.default_rng(4)
        for t, q in zip(rng.uniform(-0.1, 1.1, 300), rng.integers(-60, 60, 300)):
            for linear in (False, True):
                got = reader.quote(float(t), int(q), linear)
                assert got.version == 1 and tuple(got)[1:] == tuple(surface_lookup(lib, float(t), int(q), linear))
        version, snap = reader.snapshot()
        assert version == 1 and snap.model == a.model and snap.params == a.params and snap.units == a.units
        for name in ("time_to_horizon_s", "inventory_lots", "bid_depth", "ask_depth", "bid_size_lots", "ask_size_lots"):
            np.testing.assert_array_equal(getattr(snap, name), getattr(a, name))
        assert reader.publisher_alive() and 0 <= reader.age_s() < 60
        shared.publish("X", _surfaces([0.1], q=10)[0], 2, time.time_ns())  # a new shape: a new table
        assert reader.quote(0.5, 0).version == 2 and reader.snapshot()[1].bid_depth.shape == (25, 21)
        reader.close()
        with pytest.raises(InvalidParameters, match="has no surface 'Y'"):
            SurfaceReader(pub, "Y")
    finally:
        shared.close()
    assert _left(pub) == []
    with pytest.raises(InvalidParameters, match="no publisher"):
        published_surfaces(pub)


_READER = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    from quantforge.models import ASParams, as_quote_surfaces
    from quantforge.serve.tables import SurfaceReader
    pub, n = sys.argv[1], int(sys.argv[2])
    a, b = as_quote_surfaces(ASParams(gamma=[0.1, 0.4], sigma=2.0, k=1.5), np.linspace(0.0, 1.0, 25), -50, 50)
    reader = SurfaceReader(pub, "X")
    stats = {"snapshots": 0, "quotes": 0, "torn": 0, "went_back": 0, "versions": set()}
    last = 0
    for i in range(n):
        v, s = reader.snapshot()
        want = a if v % 2 else b
        if not (np.array_equal(s.bid_depth, want.bid_depth) and np.array_equal(s.ask_depth, want.ask_depth)):
            stats["torn"] += 1
        q = reader.quote(0.5, 7)
        j = 7 + 50
        if q.bid_depth != (a if q.version % 2 else b).bid_depth[12, j]:
            stats["torn"] += 1
        stats["went_back"] += v < last or q.version < v
        last = q.version
        stats["snapshots"] += 1
        stats["quotes"] += 1
        stats["versions"].add(v)
    reader.close()
    stats["versions"] = len(stats["versions"])
    print(json.dumps(stats))
""")


def test_a_second_process_never_reads_a_mix_while_the_publisher_rewrites():
    """Odd versions are surface a, even ones surface b: a snapshot or quote of version v must be
    exactly that surface's numbers."""
    pub = f"t{os.getpid()}b"
    a, b = _surfaces([0.1, 0.4])
    shared = SharedSurfaces(pub)
    try:
        shared.publish("X", a, 1, time.time_ns())
        shared.write_index({"X": a})
        proc = subprocess.Popen(
            [sys.executable, "-c", _READER, pub, "3000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        v = 1
        deadline = time.monotonic() + 60
        while proc.poll() is None:
            assert time.monotonic() < deadline, "reader did not finish"
            v += 1
            shared.publish("X", a if v % 2 else b, v, time.time_ns())
        out, err = proc.communicate()
        assert proc.returncode == 0, err
        stats = json.loads(out)
        assert stats["torn"] == 0 and stats["went_back"] == 0 and stats["snapshots"] == 3000
        assert stats["versions"] > 10  # the publisher really rewrote the table during the reads
        assert "resource_tracker" not in err and "leaked" not in err
    finally:
        shared.close()
    assert _left(pub) == []


def test_stale_blocks_of_a_dead_publisher_are_removed_and_a_live_one_is_refused():
    pub = f"t{os.getpid()}c"
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import os, signal, time
        from quantforge.serve.tables import SharedSurfaces
        from quantforge.models import ASParams, as_quote_surfaces
        import numpy as np
        shared = SharedSurfaces("{pub}")
        (s,) = as_quote_surfaces(ASParams(gamma=0.1, sigma=2.0, k=1.5), np.linspace(0, 1, 5), -2, 2)
        shared.publish("OLD", s, 1, time.time_ns())
        shared.write_index({{"OLD": s}})
        os.kill(os.getpid(), signal.SIGKILL)
    """),
        ]
    )
    assert killed.returncode == -9 and _left(pub) == [f"qf-{pub}-OLD", f"qf-{pub}.json"]
    shared = SharedSurfaces(pub)
    assert _left(pub) == []
    shared.publish("X", _surfaces([0.1])[0], 1, time.time_ns())
    try:
        live = SeqlockTable.create_surface(3, 3, name=table_name(pub, "LIVE"))
        live.hdr[SEQLOCK_WRITER_PID] = os.getppid()  # another process, alive
        with pytest.raises(PublisherBusy, match=f"publisher '{pub}' is already running as process {os.getppid()}"):
            SharedSurfaces(pub)
        live.close()
    finally:
        shared.close()
    assert _left(pub) == []
    with pytest.raises(InvalidParameters, match="publisher name"):
        SharedSurfaces("bad-name")
