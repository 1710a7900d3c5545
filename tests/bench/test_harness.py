"""bench/harness.py: the contention note every suite prints beside its timings."""

from quantforge.bench import harness as H


def test_contention_note_follows_the_measured_load(monkeypatch):
    """The note says 'contended' only when other work kept the usable cores busy in its sample."""
    samples = iter([(100, 1000), (100 + 5, 1000 + 100), (100, 1000), (100 + 60, 1000 + 100)])
    monkeypatch.setattr(H, "_cpu_times", lambda cpus: next(samples))
    quiet, busy = H.contention_note(0.0), H.contention_note(0.0)
    assert "5% busy" in quiet and quiet.endswith("a quiet machine")
    assert "60% busy" in busy and busy.endswith("timings are contended")
    monkeypatch.setattr(H, "_cpu_times", lambda cpus: None)
    monkeypatch.setattr(H.os, "getloadavg", lambda: (0.1, 0.1, 0.1))
    assert "no /proc/stat sample" in H.contention_note(0.0) and H.contention_note(0.0).endswith("a quiet machine")
    real = H._cpu_times(set(range(64)))  # this machine's /proc/stat, where there is one
    assert real is None or 0 <= real[0] <= real[1]
