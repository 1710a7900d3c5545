"""engine/affinity.py on a fake sysfs tree (two NUMA nodes with non-contiguous CPU lists, two
hyper-threads per core) and on this machine: parsing, the compact CPU-list form, pinning validated
against this process's affinity mask, and the no-op paths where the platform cannot pin or advise."""

from __future__ import annotations

import mmap
import os

import pytest

from quantforge.engine import affinity as A
from quantforge.errors import InvalidParameters

pytestmark = pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="Linux scheduler affinity calls")


@pytest.fixture
def fake_sysfs(tmp_path):
    """8 CPUs 0-3,8-11 online: node0 = 0-1,8-9 (package 0), node1 = 2-3,10-11 (package 1); CPU c and
    c + 8 are hyper-threads of one core."""

    def put(rel, text):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text + "\n")

    put("devices/system/cpu/online", "0-3,8-11")
    for c in (0, 1, 2, 3, 8, 9, 10, 11):
        base = c % 8
        put(f"devices/system/cpu/cpu{c}/topology/core_id", str(base))
        put(f"devices/system/cpu/cpu{c}/topology/physical_package_id", str(base // 2))
        put(f"devices/system/cpu/cpu{c}/topology/thread_siblings_list", f"{base},{base + 8}")
    put("devices/system/node/node0/cpulist", "0-1,8-9")
    put("devices/system/node/node1/cpulist", "2-3,10-11")
    put("kernel/mm/transparent_hugepage/enabled", "always [madvise] never")
    return tmp_path


def test_cpulists_parse_and_format_round_trip():
    assert A.parse_cpulist("0-3,8,10-11\n") == [0, 1, 2, 3, 8, 10, 11]
    assert A.parse_cpulist("") == []
    for cpus in ([0], [0, 1, 2, 3, 8, 9, 10, 11], [1, 3, 5], [4, 5, 7, 100, 101, 102], []):
        assert A.parse_cpulist(A.format_cpulist(cpus)) == cpus
    assert A.format_cpulist([11, 0, 2, 1, 3, 8, 10, 9]) == "0-3,8-11"
    for bad in ("0-a", "3-1", "x", "-2"):
        with pytest.raises(InvalidParameters, match="not a CPU list"):
            A.parse_cpulist(bad)


def test_topology_from_a_fake_tree(fake_sysfs):
    assert A.numa_nodes(fake_sysfs) == {0: [0, 1, 8, 9], 1: [2, 3, 10, 11]}
    topo = {t["cpu"]: t for t in A.cpu_topology(fake_sysfs)}
    assert sorted(topo) == [0, 1, 2, 3, 8, 9, 10, 11]
    assert topo[10] == {"cpu": 10, "core": 2, "package": 1, "node": 1, "siblings": [2, 10]}
    assert topo[1]["node"] == 0 and topo[9]["siblings"] == [1, 9]
    text = A.describe(fake_sysfs)
    assert "CPUs online: 8 (4 physical cores, 2 package(s))" in text
    assert "node0: CPUs 0-1,8-9, node1: CPUs 2-3,10-11" in text  # not "0-9": the lists have holes
    assert "transparent huge pages: always [madvise] never" in text
    assert f"may run on CPUs {A.format_cpulist(os.sched_getaffinity(0))}" in text


def test_a_tree_without_topology_or_nodes(tmp_path):
    topo = A.cpu_topology(tmp_path)
    assert [t["cpu"] for t in topo] == list(range(os.cpu_count() or 1))
    assert all(t["core"] == t["package"] == t["node"] == -1 and t["siblings"] == [t["cpu"]] for t in topo)
    assert A.numa_nodes(tmp_path) == {}
    assert "no NUMA information" in A.describe(tmp_path) and "transparent huge pages: unknown" in A.describe(tmp_path)


def test_pin_within_the_affinity_mask():
    before = os.sched_getaffinity(0)
    cpu = min(before)
    try:
        done, msg = A.pin(cpu)
        assert done and os.sched_getaffinity(0) == {cpu} and f"CPUs {cpu}" in msg
        others = sorted(before - {cpu})
        if others:  # narrowed to one CPU, the others are no longer this thread's to choose
            with pytest.raises(InvalidParameters, match="not among the CPUs this thread may run on"):
                A.pin(others[0])
    finally:
        os.sched_setaffinity(0, before)
    outside = max(set(range(max(before) + 2)) - before)
    with pytest.raises(InvalidParameters, match=rf"cpus \[{outside}\] are not among"):
        A.pin([cpu, outside])
    assert os.sched_getaffinity(0) == before  # a refused pin changes nothing
    with pytest.raises(InvalidParameters, match="at least one"):
        A.pin([])
    with pytest.raises(TypeError, match="cpus must be an integer"):
        A.pin([0.5])
    with pytest.raises(InvalidParameters, match="cpus must be >= 0"):
        A.pin(-1)


def test_no_op_paths_say_so(monkeypatch):
    class Plain:  # a block whose buffer has no madvise (e.g. not an mmap)
        buf = bytearray(16)

    assert A.hugepage_hint(Plain()) is False

    class Refusing:
        class buf:
            @staticmethod
            def madvise(*args):
                raise OSError("EINVAL")

    assert A.hugepage_hint(Refusing()) is False
    m = mmap.mmap(-1, 1 << 21)

    class Mapped:
        buf = m

    thp = os.path.exists("/sys/kernel/mm/transparent_hugepage/enabled")  # the kernel has huge pages
    assert A.hugepage_hint(Mapped()) is (thp and hasattr(mmap, "MADV_HUGEPAGE"))
    monkeypatch.delattr(mmap, "MADV_HUGEPAGE", raising=False)
    assert A.hugepage_hint(Mapped()) is False
    assert "madvise hint: not available (no-op)" in A.describe()
    m.close()
    monkeypatch.delattr(os, "sched_setaffinity")
    done, msg = A.pin(min(os.sched_getaffinity(0)))
    assert not done and "not available" in msg
    assert "pinning: not available (no-op)" in A.describe()
