"""execution/plots.py: the TCA figure is written as a PNG with both panels' content, and a bad order
index is refused by name."""

from __future__ import annotations

import numpy as np
import pytest

from quantforge.errors import InvalidParameters
from quantforge.execution import ExecutionRecord, transaction_costs


def _report():
    r = ExecutionRecord(
        "buy",
        100,
        10.0,
        10.0,
        10.1,
        [10.0, 10.02],
        [40, 50],
        [10.005, 10.01],
        [0.01, 0.01],
        [True, False],
        fill_time_s=[5.0, 50.0],
        schedule_times_s=np.array([0.0, 30.0, 60.0]),
        schedule_cum=np.array([0.0, 50.0, 100.0]),
        executed_cum=np.array([0.0, 40.0, 90.0]),
    )
    return transaction_costs([r, r])


def test_the_png_is_written(tmp_path):
    path = _report().plot(tmp_path / "tca.png", order=1)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_an_order_outside_the_report_is_refused(tmp_path):
    with pytest.raises(InvalidParameters, match=r"order must be < 2 \(orders in the report\), got 2"):
        _report().plot(tmp_path / "x.png", order=2)
