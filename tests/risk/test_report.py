"""risk/report.py: the S&P 500 series shipped with arch, and the report files."""

import json

import numpy as np
import pytest

pytest.importorskip("arch")

from quantforge.risk import sp500_backtest_report, sp500_returns  # noqa: E402


def test_sp500_returns():
    dates, r = sp500_returns()
    assert r.size == 5030 and str(dates[0]) == "1999-01-05" and str(dates[-1]) == "2018-12-31"
    assert np.all(np.isfinite(r)) and abs(r.mean()) < 1e-3 and 0.008 < r.std() < 0.02


def test_report_files(tmp_path):
    results = sp500_backtest_report(tmp_path, methods=("historical", "parametric"))
    assert [b.method for b in results] == ["historical", "parametric"]
    payload = json.loads((tmp_path / "report.json").read_text())
    assert payload["results"][0]["n_days"] == 4530 and payload["results"][0]["n_exceptions"] == results[0].n_exceptions
    assert "| historical simulation | 4530 |" in (tmp_path / "report.md").read_text()
    assert (tmp_path / "var_backtest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
