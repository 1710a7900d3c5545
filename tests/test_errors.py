"""The exception hierarchy and the validation helpers every module uses."""

import math

import numpy as np
import pytest

from quantforge import errors as E


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_check_finite_names_parameter_and_value(bad):
    with pytest.raises(E.InvalidParameters, match=r"^sigma must be finite, got"):
        E.check_finite("sigma", bad)


def test_checks_accept_good_values_and_return_floats():
    assert E.check_positive("k", 2) == 2.0 and isinstance(E.check_positive("k", 2), float)
    assert E.check_nonnegative("sigma", 0) == 0.0
    assert E.check_in_range("H", 0.3, 0.0, 1.0, low_open=True, high_open=True) == 0.3
    assert E.check_int("n", np.int32(5), minimum=1) == 5
    assert E.check_choice("model", "as", ["as", "glft"]) == "as"


def test_checks_refuse_with_clear_messages():
    with pytest.raises(E.InvalidParameters, match=r"k must be > 0, got -1.0"):
        E.check_positive("k", -1)
    with pytest.raises(E.InvalidParameters, match=r"H must lie in \(0.0, 1.0\), got 1.0"):
        E.check_in_range("H", 1.0, 0.0, 1.0, low_open=True, high_open=True)
    with pytest.raises(TypeError, match="n must be an integer, got float"):
        E.check_int("n", 2.5)
    with pytest.raises(TypeError, match="n must be an integer, got bool"):
        E.check_int("n", True)
    with pytest.raises(TypeError, match="gamma must be a real number, got str"):
        E.check_positive("gamma", "0.1")
    with pytest.raises(E.InvalidParameters, match=r"model must be one of 'as', 'glft'; got 'cj'"):
        E.check_choice("model", "cj", ["as", "glft"])
    with pytest.raises(E.InvalidParameters, match=r"x must be finite everywhere; x\[\(1, 0\)\] = nan"):
        E.check_all_finite("x", np.array([[1.0, 2.0], [np.nan, 3.0]]))


def test_check_array_never_casts_silently():
    with pytest.raises(TypeError, match="dtype uint32 .native byte order., got int64"):
        E.check_array("counter", np.zeros(4, np.int64), dtype=np.uint32)
    with pytest.raises(TypeError, match="got >u4"):
        E.check_array("counter", np.zeros(4, ">u4"), dtype=np.uint32)
    out = E.check_array("lam", [1, 2], dtype=np.float64, cast=True)
    assert out.dtype == np.float64
    with pytest.raises(E.InvalidParameters, match=r"shape \(\.\.\., 4\)"):
        E.check_array("c", np.zeros(3, np.uint32), dtype=np.uint32, last_dim=4)
