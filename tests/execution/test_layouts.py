"""execution/layouts.py: the records are aligned and hold what the loop writes, the state words are
distinct, and a fresh state has no order, no price and an empty queue."""

from __future__ import annotations

from quantforge.engine.book import NO_PRICE
from quantforge.execution.layouts import (
    CHILD,
    EXEC_CONFIG,
    OWN_FILL,
    PENDING_SLOTS,
    PENDING_WORDS,
    F,
    Fate,
    Halt,
    S,
    new_state,
)


def test_records_are_aligned_structs():
    for dt in (CHILD, OWN_FILL, EXEC_CONFIG):
        assert dt.isalignedstruct
        assert all(dt.fields[n][1] % min(8, dt.fields[n][0].itemsize) == 0 for n in dt.names)
    assert {"oid", "ts_sent", "ts_arrived", "ts_done", "price_ticks", "size_lots", "filled_lots", "fate"} <= set(
        CHILD.names
    )


def test_state_words_are_distinct_and_fresh_state_is_empty():
    assert sorted(int(m) for m in S if m is not S.SIZE) == list(range(S.SIZE))
    assert sorted(int(m) for m in F if m is not F.SIZE) == list(range(F.SIZE))
    si, sf, pend = new_state()
    assert si.shape == (S.SIZE,) and sf.shape == (F.SIZE,) and pend.shape == (PENDING_SLOTS, PENDING_WORDS)
    assert si[S.PASSIVE] == -1 and si[S.HALT] == Halt.RUNNING and si[S.PEND_COUNT] == 0
    assert si[S.LAST_MID2] == NO_PRICE and si[S.ARRIVAL_MID2] == NO_PRICE and not sf.any()
    assert Fate.IN_FLIGHT == 0  # a zeroed child log reads "in flight", never "filled"
