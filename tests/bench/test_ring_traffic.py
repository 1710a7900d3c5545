"""bench/ring_traffic.py: its drivers never hang on a dead or absent peer (RingTimeout), and a ping
answered with the wrong sequence number is a protocol error, not a timeout.  The traffic's use as a
check of the ring itself (records lost, reordered or torn across processes) is in tests/engine/test_ring.py."""

from __future__ import annotations

import multiprocessing as mp
import time

import numpy as np
import pytest

from quantforge.bench import ring_traffic as traffic
from quantforge.bench.ring_traffic import SEQ_RECORD
from quantforge.engine import ring as R


def test_absent_or_killed_peer_times_out():
    ring = R.SpscRing.create(SEQ_RECORD, 1 << 10)
    try:
        t0 = time.monotonic()
        with pytest.raises(R.RingTimeout, match="no progress"):
            traffic.consume_sequence(ring, 10, timeout_s=0.3)
        assert time.monotonic() - t0 < 5
        ctx = mp.get_context("spawn")
        proc = ctx.Process(target=traffic.produce_sequence, args=(ring.name, 10**12, 60.0))
        proc.start()
        while ring.hdr[R.RING_HEAD] == 0 and proc.is_alive():
            time.sleep(0.01)
        proc.kill()
        proc.join(10)
        with pytest.raises(R.RingTimeout, match="peer process is gone"):
            traffic.consume_sequence(ring, 10**12, timeout_s=30.0, peer_alive=proc.is_alive)
    finally:
        ring.close()


def test_an_echo_out_of_order_is_a_protocol_error():
    """The 'peer' answered ping 0 with sequence number 5: a wrong answer, not a missing one."""
    out, back = R.SpscRing.create(SEQ_RECORD, 16), R.SpscRing.create(SEQ_RECORD, 16)
    try:
        wrong = np.zeros(1, SEQ_RECORD)
        wrong["seq"] = 5
        assert R.ring_push_batch(back.hdr, back.data, wrong, 0, 1) == 1
        with pytest.raises(traffic.RingProtocolError, match="ping 0 came back as sequence number 5") as e:
            traffic.ping(out, back, 3, timeout_s=2.0)
        assert not isinstance(e.value, R.RingTimeout)
    finally:
        out.close()
        back.close()
