"""CPU and NUMA topology from Linux sysfs, pinning of processes and threads to CPUs, and a huge-page
hint for shared ring memory.

A latency-sensitive loop wants its own core (no migration, warm caches) on the NUMA node that holds
its memory; the producer and consumer of a ring want two cores that share a cache.  Everything here
reads ``/sys/devices/system/{cpu,node}`` and calls ``os.sched_setaffinity`` / ``mmap.madvise``; where
those do not exist (macOS, Windows, containers without sysfs) each function is a no-op that says so
in its return value, never an error.
"""

from __future__ import annotations

import mmap
import os
from pathlib import Path

from ..errors import InvalidParameters

__all__ = ["parse_cpulist", "cpu_topology", "numa_nodes", "usable_cpus", "pin", "hugepage_hint", "describe"]

_SYS = Path("/sys/devices/system")


def parse_cpulist(text: str) -> list[int]:
    """Parse a sysfs CPU list such as ``"0-3,8,10-11"``."""
    out: list[int] = []
    for part in text.strip().split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def numa_nodes() -> dict[int, list[int]]:
    """NUMA node → its CPUs; ``{}`` where sysfs has no node information."""
    nodes = {}
    for d in sorted(_SYS.glob("node/node[0-9]*")):
        cpus = _read(d / "cpulist")
        if cpus is not None:
            nodes[int(d.name[4:])] = parse_cpulist(cpus)
    return nodes


def cpu_topology() -> list[dict]:
    """One dict per online CPU: ``cpu``, ``core`` (physical core id), ``package`` (socket), ``node``
    (NUMA node, -1 if unknown) and ``siblings`` (hyper-threads sharing the core)."""
    online = _read(_SYS / "cpu/online")
    cpus = parse_cpulist(online) if online else list(range(os.cpu_count() or 1))
    node_of = {c: n for n, cs in numa_nodes().items() for c in cs}
    out = []
    for c in cpus:
        top = _SYS / f"cpu/cpu{c}/topology"
        core, pkg, sib = _read(top / "core_id"), _read(top / "physical_package_id"), _read(top / "thread_siblings_list")
        out.append({
            "cpu": c,
            "core": int(core) if core else -1,
            "package": int(pkg) if pkg else -1,
            "node": node_of.get(c, -1),
            "siblings": parse_cpulist(sib) if sib else [c],
        })
    return out


def usable_cpus() -> list[int]:
    """CPUs this process may run on (its affinity mask), or all CPUs where there is no such call."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def pin(cpus, pid: int = 0) -> tuple[bool, str]:
    """Restrict process/thread ``pid`` (0: the caller's thread) to ``cpus``.

    Returns ``(done, message)``; ``done`` is False (and nothing changes) where the platform cannot pin.
    Unknown CPUs raise ``InvalidParameters``.
    """
    cpus = sorted({int(c) for c in ([cpus] if isinstance(cpus, int) else cpus)})
    if not cpus:
        raise InvalidParameters("cpus must name at least one CPU")
    if not hasattr(os, "sched_setaffinity"):
        return False, "os.sched_setaffinity is not available on this platform; not pinned"
    allowed = set(range(os.cpu_count() or 1))
    bad = [c for c in cpus if c not in allowed]
    if bad:
        raise InvalidParameters(f"cpus {bad} do not exist (this machine has CPUs 0..{max(allowed)})")
    try:
        os.sched_setaffinity(pid, cpus)
    except OSError as exc:
        return False, f"sched_setaffinity({pid}, {cpus}) refused: {exc}"
    return True, f"pinned {pid or 'this thread'} to CPUs {cpus}"


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


def describe() -> str:
    """A short report of CPUs, cores, NUMA nodes, this process's affinity and huge-page support."""
    topo = cpu_topology()
    cores = {(t["package"], t["core"]) for t in topo}
    nodes = numa_nodes()
    thp = _read(Path("/sys/kernel/mm/transparent_hugepage/enabled"))
    lines = [
        f"CPUs online: {len(topo)} ({len(cores)} physical cores, {len({t['package'] for t in topo})} package(s))",
        "NUMA nodes: " + (", ".join(f"node{n}: CPUs {cs[0]}-{cs[-1]}" if cs else f"node{n}: none" for n, cs in nodes.items())
                          if nodes else "no NUMA information (sysfs absent)"),
        f"this process may run on CPUs {usable_cpus()}",
        f"pinning: {'available' if hasattr(os, 'sched_setaffinity') else 'not available (no-op)'}",
        f"transparent huge pages: {thp if thp else 'unknown'}; madvise hint: "
        f"{'available' if hasattr(mmap, 'MADV_HUGEPAGE') else 'not available (no-op)'}",
    ]
    return "\n".join(lines)
