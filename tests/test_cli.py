"""The command line: demo end to end, one-line errors with exit status 2, info, bench plumbing."""

import json
import os
import subprocess
import sys

import pytest

from quantforge.bench.harness import add_ratios, markdown_table, write_suite
from quantforge.cli import build_parser, main


def test_demo_end_to_end_through_python_m(tmp_path):
    out = tmp_path / "report"
    # stdout is a pipe, as in a CI log; FORCE_COLOR and TTY_COMPATIBLE would make rich emit escapes
    env = os.environ | {"FORCE_COLOR": "1", "TTY_COMPATIBLE": "1"}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "quantforge",
            "demo",
            "--paths",
            "60",
            "--gammas",
            "0.1,1",
            "--backend",
            "numpy",
            "--seed",
            "5",
            "--events",
            "20000",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["backend"] == "numpy" and report["seed"] == 5 and report["paths"] == 60
    rows = report["experiments"]
    assert [(x["gamma"], x["strategy"]) for x in rows] == [
        (0.1, "inventory"),
        (0.1, "symmetric"),
        (1.0, "inventory"),
        (1.0, "symmetric"),
    ]
    for x in rows:
        assert set(x) == {"gamma", "strategy", "spread", "profit_mean", "profit_std", "q_mean", "q_std"}
        assert all(isinstance(v, float) for k, v in x.items() if k != "strategy")
    day = report["engine"]
    assert day["model"] == "as" and day["gamma"] == 0.1 and day["events"] == 20_000 and day["seed"] == 5
    assert day["orders"] == day["orders_filled"] + day["cancelled"] + day["replaced"] + day["live_orders"]
    assert abs(day["final_inventory"]) <= day["max_position_lots"]
    assert day["latency_ns"]["p50"] <= day["latency_ns"]["p99"] <= day["latency_ns"]["p99.9"]
    assert "one simulated day through the engine" in r.stdout
    assert (out / "demo.png").stat().st_size > 10_000
    assert "gamma = 0.1" in r.stdout and "symmetric" in r.stdout
    # plain lines for a log: no terminal escapes, no blank first line, progress one line per gamma
    lines = r.stdout.splitlines()
    assert "\x1b" not in r.stdout and lines[0].strip()
    assert "  gamma = 0.1 done (1/2)" in lines and "  gamma = 1 done (2/2)" in lines
    assert "model: Avellaneda–Stoikov (2008);" in r.stdout


def test_demo_report_does_not_depend_on_the_backend(tmp_path):
    reports = []
    for b in ("numpy", "numba"):
        assert (
            main(
                [
                    "demo",
                    "--paths",
                    "40",
                    "--gammas",
                    "0.5",
                    "--backend",
                    b,
                    "--events",
                    "0",
                    "--out",
                    str(tmp_path / b),
                ]
            )
            == 0
        )
        reports.append(json.loads((tmp_path / b / "report.json").read_text())["experiments"])
    for x, y in zip(*reports):
        for key in ("spread", "profit_mean", "profit_std", "q_mean", "q_std"):
            assert x[key] == pytest.approx(y[key], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["demo", "--gammas", "-1"], "gamma must be a finite number > 0"),
        (["demo", "--gammas", "0.1,nan"], "gamma must be a finite number > 0"),
        (["demo", "--paths", "0"], "positive integer"),
        (["demo", "--events", "-5"], "non-negative integer"),
        (["demo", "--seed", "-3"], "0 <= seed < 2**64"),
        (["demo", "--seed", "1.5"], "expected an integer seed"),
        (["demo", "--backend", "tpu"], "backend must be one of auto, numpy, numba, jax, cupy"),
        (["bench", "nosuchsuite"], "unknown suite 'nosuchsuite'"),
    ],
)
def test_bad_arguments_give_one_line_and_status_2(argv, needle, tmp_path, capsys):
    code = None
    try:
        code = main(argv + (["--out", str(tmp_path)] if argv[0] == "demo" else []))
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1


def _help(argv, capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    return capsys.readouterr().out


def test_demo_help_says_what_it_computes_and_which_files_it_writes(capsys):
    from quantforge.demo import MODEL_NAMES

    text = _help(["demo", "--help"], capsys)
    assert "section 4 of Avellaneda & Stoikov (2008)" in text and "symmetric strategy" in text
    assert "one simulated day through the CPU engine" in text
    for name in MODEL_NAMES.values():
        assert name in text
    files = text.split("files written to --out:")[1]
    assert "report.json" in files and "demo.png" in files and "quote surface" in files and "machine" in files
    summary = " ".join(_help(["--help"], capsys).split())
    assert "demo simulate a market-making model's quotes" in summary and "report.json and demo.png" in summary


def test_bench_help_lists_every_suite_with_its_line(capsys):
    from quantforge.bench import SUITE_DESCRIPTIONS, SUITES

    text = _help(["bench", "--help"], capsys)
    listed = text.split("suites:\n")[1].splitlines()
    assert [line.split()[0] for line in listed] == list(SUITES)
    for name, line in zip(SUITES, listed):
        assert line.split(None, 1)[1] == SUITE_DESCRIPTIONS[name]


def test_every_registered_bench_suite_has_a_description():
    from quantforge.bench import SUITE_DESCRIPTIONS, SUITES

    assert set(SUITE_DESCRIPTIONS) == set(SUITES)
    for name, text in SUITE_DESCRIPTIONS.items():
        assert text.strip() and "\n" not in text and len(text) <= 100, name


def test_info_lists_backends_and_auto(capsys):
    from quantforge.kernels.backend import available_backends, resolve_backend

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ") and line.split()}
    for name in ("numpy", "numba", "jax", "cupy"):
        state = "available" if name in available_backends() else "not"
        assert state in lines[name], lines[name]
    assert f"auto -> {resolve_backend(None)}" in out
    assert "CPU:" in out


def test_bench_files_and_ratios(tmp_path):
    rows = [
        {"benchmark": "normals", "impl": "quantforge-numba", "median": 4.0e8, "unit": "normals/s"},
        {"benchmark": "normals", "impl": "numpy", "median": 1.0e8, "unit": "normals/s"},
        {"benchmark": "book", "impl": "quantforge-numba", "median": 20.0, "unit": "ns/event"},
        {"benchmark": "book", "impl": "sortedcontainers", "median": 500.0, "unit": "ns/event"},
    ]
    add_ratios(rows)
    assert rows[0]["ratio_vs"] == {"numpy": 4.0}
    assert rows[2]["ratio_vs"] == {"sortedcontainers": 25.0}  # times: smaller is better
    payload = write_suite("demo_suite", rows, tmp_path)
    data = json.loads((tmp_path / "demo_suite.json").read_text())
    assert {"cpu", "gpu", "versions"} <= set(data["machine"]) and data["results"][0]["impl"] == "quantforge-numba"
    assert "| normals | quantforge-numba |" in markdown_table("demo_suite", payload)


def test_serve_check_prints_the_surfaces_and_refuses_a_bad_config(tmp_path, capsys):
    cfg = tmp_path / "serve.toml"
    cfg.write_text(
        '[grid]\nhorizon = 1.0\nn_t = 5\nq_min = -2\nq_max = 2\n\n[[instrument]]\nid = "AS"\nmodel = "as"\n'
        "params = { gamma = 0.1, sigma = 2.0, k = 1.5 }\n"
    )
    assert main(["serve", str(cfg), "--check"]) == 0
    out = capsys.readouterr().out
    assert "publisher 'quantforge', 1 surfaces" in out and "AS: avellaneda-stoikov, 5 times x 5 inventories" in out
    cfg.write_text(cfg.read_text().replace("gamma = 0.1", "gamma = -1"))
    assert main(["serve", str(cfg), "--check"]) == 2
    err = capsys.readouterr().err
    assert (
        "quantforge serve:" in err and "params: gamma must be > 0, got -1" in err and len(err.strip().splitlines()) == 1
    )
    with pytest.raises(SystemExit) as exc:
        main(["serve", str(cfg), "--port", "70000"])
    assert exc.value.code == 2 and "a port lies in 0..65535" in capsys.readouterr().err
    assert "/v1/quote?surface=&t=&q=" in _help(["serve", "--help"], capsys)
    assert build_parser().parse_args(["bench", "--plot"]).plot is True


def test_risk_demo_writes_the_sp500_backtest_and_refuses_bad_flags(tmp_path, capsys):
    pytest.importorskip("arch")
    assert main(["risk", "--demo", "--out", str(tmp_path), "--backend", "numba"]) == 0
    out = capsys.readouterr().out
    assert out.count("exceptions in 4530 days") == 4 and "report written to" in out
    report = json.loads((tmp_path / "report.json").read_text())
    assert [r["method"] for r in report["results"]] == [
        "historical",
        "filtered_historical",
        "parametric",
        "cornish_fisher",
    ]
    assert (tmp_path / "var_backtest.png").stat().st_size > 10_000
    for argv, needle in (
        (["risk"], "required: --demo"),
        (["risk", "--demo", "--window", "0"], "positive integer"),
        (["risk", "--demo", "--bogus"], "unrecognized arguments"),
    ):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        err = capsys.readouterr().err
        assert exc.value.code == 2 and needle in err and err.count("\n") == 1
