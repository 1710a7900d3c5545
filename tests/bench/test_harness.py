"""bench/harness.py: the contention note, the row contract (median null for a row not run, strict
JSON), and the one-thread wrapper."""

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


def test_rows_that_break_the_contract_are_refused(tmp_path):
    import json

    import pytest

    from quantforge.errors import PerformanceError

    good = {"benchmark": "b", "impl": "quantforge-numba", "median": 2.0, "unit": "ns"}
    skipped = {"benchmark": "b", "impl": "peer", "median": None, "unit": "ns", "note": "not run: absent"}
    assert H.check_rows([good, skipped]) == [good, skipped]
    for bad in ({**good, "median": float("nan")}, {**good, "median": 0.0}, {**good, "median": "2"},
                {**good, "impl": None}, {**skipped, "note": "absent"}):
        with pytest.raises(PerformanceError):
            H.check_rows([bad])
    with pytest.raises(PerformanceError, match="no rows"):
        H.check_rows([])
    payload = H.write_suite("t", [dict(good), dict(skipped)], tmp_path)
    assert payload["results"][0]["ratio_vs"] == {} and payload["results"][1]["ratio_vs"] == {}
    text = (tmp_path / "t.md").read_text()
    assert "| b | peer | not run | ns |" in text

    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")

    assert json.loads((tmp_path / "t.json").read_text(), parse_constant=refuse)["results"][1]["median"] is None


def test_one_numba_thread_restores_the_pool():
    import numba

    before = numba.get_num_threads()
    seen = H.one_numba_thread(numba.get_num_threads)()
    assert seen == 1 and numba.get_num_threads() == before
