"""CPU and NUMA topology from Linux sysfs, pinning of processes and threads to CPUs, and a huge-page
hint for shared ring memory.

A latency-sensitive loop wants its own core (no migration, warm caches) on the NUMA node that holds
its memory; the producer and consumer of a ring want two cores that share a cache.  Everything here
reads ``/sys/devices/system/{cpu,node}`` and calls ``os.sched_setaffinity`` / ``mmap.madvise``; where
those do not exist (macOS, Windows, containers without sysfs) each function is a no-op that says so
in its return value, never an error.  The sysfs root is a parameter (``sysfs``), so the parsing is
tested on a fake tree.
"""

from __future__ import annotations

import mmap
import os
from pathlib import Path

from ..errors import InvalidParameters, check_int

__all__ = [
    "parse_cpulist",
    "format_cpulist",
    "cpu_topology",
    "numa_nodes",
    "usable_cpus",
    "pin",
    "hugepage_hint",
    "describe",
]

SYSFS = Path("/sys")


def parse_cpulist(text: str) -> list[int]:
    """Parse a sysfs CPU list such as ``"0-3,8,10-11"``; a malformed list raises ``InvalidParameters``."""
    out: list[int] = []
    for part in text.strip().split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        try:
            first, last = int(lo), int(hi or lo)
        except ValueError:
            raise InvalidParameters(f"not a CPU list: {text!r}") from None
        if first < 0 or last < first:
            raise InvalidParameters(f"not a CPU list: {text!r}")
        out.extend(range(first, last + 1))
    return out


def format_cpulist(cpus) -> str:
    """The sysfs form of a set of CPUs, runs joined by ``-``: ``[0, 1, 2, 3, 8, 9]`` → ``"0-3,8-9"``."""
    cs = sorted(set(cpus))
    runs = []
    i = 0
    while i < len(cs):
        j = i
        while j + 1 < len(cs) and cs[j + 1] == cs[j] + 1:
            j += 1
        runs.append(str(cs[i]) if i == j else f"{cs[i]}-{cs[j]}")
        i = j + 1
    return ",".join(runs)


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def numa_nodes(sysfs=SYSFS) -> dict[int, list[int]]:
    """NUMA node → its CPUs; ``{}`` where sysfs has no node information."""
    nodes = {}
    for d in sorted(Path(sysfs).glob("devices/system/node/node[0-9]*"), key=lambda p: int(p.name[4:])):
        cpus = _read(d / "cpulist")
        if cpus is not None:
            nodes[int(d.name[4:])] = parse_cpulist(cpus)
    return nodes


def cpu_topology(sysfs=SYSFS) -> list[dict]:
    """One dict per online CPU: ``cpu``, ``core`` (physical core id), ``package`` (socket), ``node``
    (NUMA node, -1 if unknown) and ``siblings`` (hyper-threads sharing the core); where sysfs gives
    no online list, CPUs ``0..os.cpu_count()-1`` with unknown (-1) core, package and node."""
    root = Path(sysfs) / "devices/system"
    online = _read(root / "cpu/online")
    cpus = parse_cpulist(online) if online else list(range(os.cpu_count() or 1))
    node_of = {c: n for n, cs in numa_nodes(sysfs).items() for c in cs}
    out = []
    for c in cpus:
        top = root / f"cpu/cpu{c}/topology"
        core, pkg, sib = _read(top / "core_id"), _read(top / "physical_package_id"), _read(top / "thread_siblings_list")
        out.append(
            {
                "cpu": c,
                "core": int(core) if core else -1,
                "package": int(pkg) if pkg else -1,
                "node": node_of.get(c, -1),
                "siblings": parse_cpulist(sib) if sib else [c],
            }
        )
    return out


def usable_cpus() -> list[int]:
    """CPUs this process may run on (its affinity mask), or all CPUs where there is no such call."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def pin(cpus, pid: int = 0) -> tuple[bool, str]:
    """Restrict process/thread ``pid`` (0: the caller's thread) to ``cpus``.

    Returns ``(done, message)``; ``done`` is False (and nothing changes) where the platform cannot pin
    or the kernel refuses.  CPUs outside the ones ``pid`` may run on now (``os.sched_getaffinity``:
    its cgroup's and container's limits, and any earlier pinning) raise ``InvalidParameters``.
    """
    cpus = sorted({check_int("cpus", c, minimum=0) for c in ([cpus] if isinstance(cpus, int) else cpus)})
    if not cpus:
        raise InvalidParameters("cpus must name at least one CPU")
    if not hasattr(os, "sched_setaffinity"):
        return False, "os.sched_setaffinity is not available on this platform; not pinned"
    allowed = os.sched_getaffinity(pid)
    bad = [c for c in cpus if c not in allowed]
    if bad:
        raise InvalidParameters(
            f"cpus {bad} are not among the CPUs {'this thread' if pid == 0 else pid} may run on "
            f"({format_cpulist(allowed)})"
        )
    try:
        os.sched_setaffinity(pid, cpus)
    except OSError as exc:
        return False, f"sched_setaffinity({pid}, {cpus}) refused: {exc}"
    return True, f"pinned {pid or 'this thread'} to CPUs {format_cpulist(cpus)}"


def hugepage_hint(block) -> bool:
    """Ask the kernel to back ``block.buf`` (an ``mmap``) with transparent huge pages; False where
    ``madvise(MADV_HUGEPAGE)`` is unavailable or refused (the memory works either way)."""
    buf = getattr(block, "buf", None)
    advice = getattr(mmap, "MADV_HUGEPAGE", None)
    if advice is None or not hasattr(buf, "madvise"):
        return False
    try:
        buf.madvise(advice)
    except (OSError, ValueError):
        return False
    return True


def describe(sysfs=SYSFS) -> str:
    """A short report of CPUs, cores, NUMA nodes, this process's affinity and huge-page support."""
    topo = cpu_topology(sysfs)
    cores = {(t["package"], t["core"]) for t in topo}
    nodes = numa_nodes(sysfs)
    thp = _read(Path(sysfs) / "kernel/mm/transparent_hugepage/enabled")
    lines = [
        f"CPUs online: {len(topo)} ({len(cores)} physical cores, {len({t['package'] for t in topo})} package(s))",
        "NUMA nodes: "
        + (
            ", ".join(f"node{n}: CPUs {format_cpulist(cs)}" if cs else f"node{n}: none" for n, cs in nodes.items())
            if nodes
            else "no NUMA information (sysfs absent)"
        ),
        f"this process may run on CPUs {format_cpulist(usable_cpus())}",
        f"pinning: {'available' if hasattr(os, 'sched_setaffinity') else 'not available (no-op)'}",
        f"transparent huge pages: {thp if thp else 'unknown'}; madvise hint: "
        f"{'available' if hasattr(mmap, 'MADV_HUGEPAGE') else 'not available (no-op)'}",
    ]
    return "\n".join(lines)
