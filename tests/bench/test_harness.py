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
    for bad in (
        {**good, "median": float("nan")},
        {**good, "median": 0.0},
        {**good, "median": "2"},
        {**good, "impl": None},
        {**skipped, "note": "absent"},
    ):
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


def _fake_nvml(*, energy_supported=True, init_fails=False):
    """A stand-in for pynvml: an H100 whose energy counter advances 250 mJ per call of the work."""
    import types

    nv = types.ModuleType("pynvml")
    state = {"energy_mj": 1_000_000, "inits": 0, "shutdowns": 0}

    def init():
        if init_fails:
            raise RuntimeError("NVML Shared Library Not Found")
        state["inits"] += 1

    def energy(h):
        if not energy_supported:
            raise RuntimeError("Not Supported")
        return state["energy_mj"]

    nv.nvmlInit = init
    nv.nvmlShutdown = lambda: state.__setitem__("shutdowns", state["shutdowns"] + 1)
    nv.nvmlDeviceGetHandleByIndex = lambda i: ("handle", i)
    nv.nvmlDeviceGetName = lambda h: b"NVIDIA H100 80GB HBM3"
    nv.nvmlSystemGetDriverVersion = lambda: "550.54.15"
    nv.nvmlSystemGetCudaDriverVersion = lambda: 12040
    nv.nvmlSystemGetNVMLVersion = lambda: "12.550.54.15"
    nv.nvmlDeviceGetTotalEnergyConsumption = energy
    nv.nvmlDeviceGetCurrentClocksThrottleReasons = lambda h: 0x1 | 0x4
    nv.nvmlDeviceGetClockInfo = lambda h, kind: {1: 1755, 2: 2619}[kind]
    nv.nvmlDeviceGetMaxClockInfo = lambda h, kind: {1: 1980, 2: 2619}[kind]
    nv.nvmlDeviceGetMemoryInfo = lambda h: types.SimpleNamespace(total=80 * 2**30, used=2**30, free=79 * 2**30)
    nv.nvmlDeviceGetPowerUsage = lambda h: 350_000
    nv.nvmlDeviceGetPowerManagementLimit = lambda h: 700_000
    nv.nvmlDeviceGetMemoryBusWidth = lambda h: 5120
    return nv, state


def test_gpu_measurement_records_nvml_readings(monkeypatch):
    """Through a fake NVML module injected as pynvml: cold and warm times, energy per operation from the
    counter's difference, the throttle reasons by name, clocks, versions, and the share of the peak
    bandwidth computed from NVML's bus width and memory clock."""
    import sys
    import time

    nv, state = _fake_nvml()
    monkeypatch.setitem(sys.modules, "pynvml", nv)
    calls = []

    def work():
        calls.append(1)
        state["energy_mj"] += 250
        time.sleep(0.002)
        return len(calls)

    with H.gpu_measurement(sample_s=0.001) as meter:
        first, rec = meter.measure(work, repeat=3, work_bytes=8e9)
    assert first == 1 and len(calls) == 4 and state == {"energy_mj": 1_001_000, "inits": 1, "shutdowns": 1}
    assert rec["energy_mj_per_op"] == 250 and rec["cold_s"] > 0 and rec["warm_median_s"] == sorted(rec["warm_s"])[1]
    assert abs(rec["mean_power_w"] - 0.25 / (sum(rec["warm_s"]) / 3)) < 1e-9
    assert rec["throttle_reasons"] == ["gpu_idle", "sw_power_cap"] and rec["sm_clock_mhz"] == [1755, 1755]
    d = rec["device"]
    assert d["name"] == "NVIDIA H100 80GB HBM3" and d["cuda_driver"] == "12.4" and d["driver"] == "550.54.15"
    assert d["clocks_mhz"] == {"sm": 1755, "sm_max": 1980, "memory": 2619, "memory_max": 2619}
    assert d["memory_gib"] == {"total": 80.0, "used": 1.0} and d["power_limit_w"] == 700.0
    peak = 2 * 2619e6 * 5120 / 8 / 1e9
    assert d["peaks"]["bandwidth_gb_s"] == round(peak, 1) and d["peaks"]["published_as"] == "H100"
    assert rec["peak_kind"] == "memory bandwidth"
    assert abs(rec["share_of_peak"] - 8e9 / rec["warm_median_s"] / 1e9 / round(peak, 1)) < 1e-12


def test_gpu_measurement_without_energy_counter_or_driver(monkeypatch):
    import pytest

    from quantforge.errors import HardwareError

    nv, _ = _fake_nvml(energy_supported=False)
    del nv.nvmlDeviceGetMemoryBusWidth  # an old binding: the bandwidth peak is the published one
    with H.gpu_measurement(nvml=nv) as meter:
        _, rec = meter.measure(lambda: None, repeat=1, work_flops=1e9, precision="float32")
    assert rec["energy_mj_per_op"] is None and rec["mean_power_w"] is None
    assert rec["device"]["peaks"]["bandwidth_source"] == "published (H100)" and rec["peak_kind"] == "float32 flop/s"
    assert abs(rec["share_of_peak"] - 1e9 / rec["warm_median_s"] / 1e12 / 67.0) < 1e-12
    bad, _ = _fake_nvml(init_fails=True)
    with pytest.raises(HardwareError, match="NVML does not start"):
        with H.gpu_measurement(nvml=bad):
            pass


def test_markdown_and_plot_of_a_suite(tmp_path):
    nv, state = _fake_nvml()
    with H.gpu_measurement(nvml=nv) as meter:
        _, rec = meter.measure(lambda: state.__setitem__("energy_mj", state["energy_mj"] + 7), repeat=2, work_bytes=1e6)
    rows = [
        {"benchmark": "b", "impl": "quantforge-cupy", "median": 4.0, "unit": "ops/s", "goal": 5.0, "gpu": rec},
        {"benchmark": "b", "impl": "peer", "median": 2.0, "unit": "ops/s"},
        {"benchmark": "c", "impl": "quantforge-numba", "median": 3e-6, "unit": "s"},
    ]
    payload = H.write_suite("t", rows, tmp_path)
    text = (tmp_path / "t.md").read_text()
    assert "quantforge-cupy on NVIDIA H100 80GB HBM3 (driver 550.54.15, CUDA 12.4)" in text and "7 mJ/op" in text
    png = H.plot_suite("t", payload, tmp_path)
    assert png == tmp_path / "t.png" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    skipped = H.write_suite(
        "u", [{"benchmark": "b", "impl": "x", "median": None, "unit": "s", "note": "not run: no GPU"}], tmp_path
    )
    assert H.plot_suite("u", skipped, tmp_path) is None
