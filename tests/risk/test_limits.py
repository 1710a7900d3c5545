"""risk/limits.py: validated limits, their records, the engine gate's settings and the breach table."""

import numpy as np
import pytest

from quantforge.engine.types import Instrument
from quantforge.errors import InvalidParameters, RiskError
from quantforge.risk import BREACH, LIMIT, Limit, breach_table, engine_limits, limit_records


def test_limits_become_records_and_engine_settings():
    limits = [
        Limit("position", 10, "reduce_only"),
        Limit("position", 5, "halt", instrument=1),
        Limit("var", 1e5),
        Limit("loss", 2e4, "halt"),
        Limit("loss", 1e4, "warn"),
    ]
    rec = limit_records(limits, 3)
    assert rec.dtype == LIMIT and len(rec) == 3 + 1 + 1 + 2
    assert rec["instrument"].tolist() == [0, 1, 2, 1, -1, -1, -1]
    inst = Instrument("XYZ", 0.01, 100)
    assert engine_limits(limits, inst, 1) == {"max_position_lots": 5, "loss_limit": 2e4}
    assert engine_limits(limits, inst, 0) == {"max_position_lots": 10, "loss_limit": 2e4}
    assert engine_limits([Limit("var", 1.0)], inst) == {"max_position_lots": None, "loss_limit": None}


def test_bad_limits_are_refused():
    with pytest.raises(InvalidParameters, match="kind must be one of"):
        Limit("leverage", 1.0)
    with pytest.raises(InvalidParameters, match="action must be one of"):
        Limit("loss", 1.0, "panic")
    with pytest.raises(RiskError, match=r"threshold of a concentration limit must be in \(0, 1\]"):
        Limit("concentration", 1.5)
    with pytest.raises(RiskError, match="threshold of a loss limit must be > 0"):
        Limit("loss", -1.0)
    with pytest.raises(RiskError, match="position limit on instrument 4, but there are 2"):
        limit_records([Limit("position", 1, instrument=4)], 2)


def test_breach_table():
    b = np.zeros(1, BREACH)
    b[0] = (7, 2, 5, -1, 1.5, 1.0, 3, 0)
    assert breach_table(b) == [
        {"ts_ns": 7, "limit": 2, "kind": "var", "instrument": -1, "value": 1.5, "threshold": 1.0, "action": "halt"}
    ]
