"""execution/frames.py: structured arrays become DataFrames with pandas, and a missing pandas is an
error that names the extra to install."""

from __future__ import annotations

import builtins

import numpy as np
import pytest

from quantforge.errors import HardwareError
from quantforge.execution.frames import PANDAS_EXTRA, to_frame

TABLE = np.array([("a", 1.0), ("b", 2.5)], dtype=[("name", "U4"), ("x", "f8")])


def test_a_frame_with_one_column_per_field():
    pd = pytest.importorskip("pandas")
    frame = to_frame(TABLE, index="name")
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == ["x"] and frame.loc["b", "x"] == 2.5
    assert list(to_frame(TABLE).columns) == ["name", "x"]


def test_without_pandas_the_error_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(__import__("sys").modules, "pandas", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(HardwareError, match=r"pandas is needed for to_frame\(\).*install quantforge\[tca\]"):
        to_frame(TABLE)
    assert PANDAS_EXTRA == "quantforge[tca]"
