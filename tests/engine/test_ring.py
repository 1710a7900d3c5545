"""engine/ring.py: FIFO semantics against collections.deque in one process, and across two processes
10^7 self-checking records (bench/ring_traffic.py) with none lost, duplicated, reordered or corrupted,
in batches and one by one through the mailbox; the mailbox against the slots in one process; round
trips through an echo process; a consumer waiting on an empty ring ends in RingTimeout, never a hang."""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections import deque

import numpy as np
import pytest

from quantforge.bench import ring_traffic as traffic
from quantforge.bench.ring_traffic import SEQ_RECORD
from quantforge.engine import ring as R

N_MESSAGES = int(os.environ.get("QF_RING_MESSAGES", 10_000_000))


def test_fifo_against_deque_with_wraparound():
    ring = R.SpscRing.create(SEQ_RECORD, 64)
    try:
        rng = np.random.default_rng(0)
        model: deque[int] = deque()
        nxt = 0
        for _ in range(2000):
            k = int(rng.integers(1, 100))
            src = np.zeros(k, SEQ_RECORD)
            src["seq"] = np.arange(nxt, nxt + k)
            reached = R.ring_push_batch(ring.hdr, ring.data, src, 0, 1)
            assert reached == min(k, 64 - len(model))  # pushes exactly what fits
            model.extend(range(nxt, nxt + reached))
            nxt += reached
            out = np.zeros(int(rng.integers(1, 100)), SEQ_RECORD)
            got = R.ring_pop_batch(ring.hdr, ring.data, out, 1)
            assert out["seq"][:got].tolist() == [model.popleft() for _ in range(got)]
            assert len(ring) == len(model)
        one = np.zeros(2, SEQ_RECORD)
        while R.ring_try_pop(ring.hdr, ring.data, one, 0):
            assert one[0]["seq"] == model.popleft()
        assert not model and not R.ring_try_pop(ring.hdr, ring.data, one, 0)
    finally:
        ring.close()


def test_bad_arguments():
    with pytest.raises(R.InvalidParameters, match="power of two"):
        R.SpscRing.create(SEQ_RECORD, 100)
    ring = R.SpscRing.create(SEQ_RECORD, 16)
    try:
        with pytest.raises(R.InvalidParameters, match="not a ring"):
            R.SpscRing.attach(ring.name, np.dtype("i8"))
        with pytest.raises(TypeError, match="dtype"):
            ring.send(np.zeros(3, np.int64))
    finally:
        ring.close()
    with pytest.raises(R.InvalidParameters, match="no shared block"):
        R.SpscRing.attach(ring.name, SEQ_RECORD)


def test_two_processes_ten_million_messages():
    ctx = mp.get_context("spawn")
    ring = R.SpscRing.create(SEQ_RECORD, 1 << 16)
    try:
        proc = ctx.Process(target=traffic.produce_sequence, args=(ring.name, N_MESSAGES, 60.0))
        proc.start()
        t0 = time.perf_counter()
        errors = traffic.consume_sequence(ring, N_MESSAGES, timeout_s=60.0, peer_alive=proc.is_alive)
        elapsed = time.perf_counter() - t0
        proc.join(30)
        assert proc.exitcode == 0
        assert errors[:2].tolist() == [0, 0]
        assert ring.hdr[R.RING_HEAD] == ring.hdr[R.RING_TAIL] == N_MESSAGES and ring.writer_done
        print(f"{N_MESSAGES} messages in {elapsed:.2f} s (includes the producer's start)")
    finally:
        ring.close()


def test_mailbox_and_slot_paths_agree_in_one_process():
    """ring_send posts each record in the mailbox and its slot; ring_receive takes the mailbox only
    when it holds the record wanted, so a consumer that lags (the mailbox already holds a later
    record), a batch producer (stamp -head: slots only) and a batch consumer all see the same FIFO."""
    ring = R.SpscRing.create(SEQ_RECORD, 8)
    try:
        assert ring.hdr[R.RING_HAS_MAILBOX] == 1
        one = np.zeros(2, SEQ_RECORD)
        for v in range(3):  # three sends: the mailbox holds record 2, records 0 and 1 come from slots
            one[0]["seq"] = v
            assert R.ring_send(ring.hdr, ring.data, ring.mailbox, one, 0)
        got = []
        for _ in range(3):
            stamp = int(ring.hdr[R.RING_STAMP])
            assert R.ring_receive(ring.hdr, ring.data, ring.mailbox, one, 1)
            got.append((int(one[1]["seq"]), stamp == ring.hdr[R.RING_TAIL]))  # taken from the mailbox?
        assert got == [(0, False), (1, False), (2, True)]
        batch = np.zeros(3, SEQ_RECORD)
        batch["seq"] = [3, 4, 5]
        assert R.ring_push_batch(ring.hdr, ring.data, batch, 0, 1) == 3
        assert ring.hdr[R.RING_STAMP] == -6  # "up to head 6, in the slots"
        for v in (3, 4):
            assert R.ring_receive(ring.hdr, ring.data, ring.mailbox, one, 1) and one[1]["seq"] == v
        one[0]["seq"] = 6
        assert R.ring_send(ring.hdr, ring.data, ring.mailbox, one, 0)
        out = np.zeros(4, SEQ_RECORD)
        assert R.ring_pop_batch(ring.hdr, ring.data, out, 1) == 2 and out["seq"][:2].tolist() == [5, 6]
        assert not R.ring_receive(ring.hdr, ring.data, ring.mailbox, one, 1) and len(ring) == 0
        for v in range(7, 7 + 8):  # a full ring refuses a send, mailbox or not
            one[0]["seq"] = v
            assert R.ring_send(ring.hdr, ring.data, ring.mailbox, one, 0)
        assert not R.ring_send(ring.hdr, ring.data, ring.mailbox, one, 0)
    finally:
        ring.close()


def test_records_too_large_for_the_mailbox_use_the_slots():
    big = np.dtype([("w", "i8", 8)])  # 64 bytes > 56
    ring = R.SpscRing.create(big, 4)
    try:
        assert ring.hdr[R.RING_HAS_MAILBOX] == 0 and ring.mailbox.base is None  # private, not in shared memory
        src, dst = np.zeros(1, big), np.zeros(1, big)
        for v in range(6):
            src[0]["w"] = np.arange(v, v + 8)
            assert R.ring_send(ring.hdr, ring.data, ring.mailbox, src, 0)
            assert R.ring_receive(ring.hdr, ring.data, ring.mailbox, dst, 0)
            assert dst[0]["w"].tolist() == list(range(v, v + 8))
        assert ring.hdr[R.RING_STAMP] == 0
    finally:
        ring.close()


def test_two_processes_one_record_at_a_time_through_the_mailbox():
    """A producer sending as fast as it can while the consumer receives one by one: the consumer often
    finds the mailbox overwritten mid-copy and must fall back to the slot; none lost or torn."""
    n = 2_000_000
    ctx = mp.get_context("spawn")
    ring = R.SpscRing.create(SEQ_RECORD, 1 << 10)
    try:
        proc = ctx.Process(target=traffic.produce_sequence, args=(ring.name, n, 60.0, True))
        proc.start()
        errors = traffic.consume_sequence(ring, n, timeout_s=60.0, peer_alive=proc.is_alive, one_by_one=True)
        proc.join(30)
        assert proc.exitcode == 0
        assert errors[:2].tolist() == [0, 0]
        assert errors[2] <= n  # how many came through the mailbox depends on the timing
        assert ring.hdr[R.RING_HEAD] == ring.hdr[R.RING_TAIL] == n
        print(f"{errors[2]:,} of {n:,} records taken from the mailbox")
    finally:
        ring.close()


def test_round_trips_through_an_echo_process():
    ctx = mp.get_context("spawn")
    out, back = R.SpscRing.create(SEQ_RECORD, 1024), R.SpscRing.create(SEQ_RECORD, 1024)
    try:
        n = 20_000
        proc = ctx.Process(target=traffic.echo, args=(out.name, back.name, n, 60.0))
        proc.start()
        rtt = traffic.ping(out, back, n, timeout_s=60.0, peer_alive=proc.is_alive)
        proc.join(30)
        assert proc.exitcode == 0 and rtt > 0
        assert out.hdr[R.RING_TAIL] == back.hdr[R.RING_TAIL] == n
    finally:
        out.close()
        back.close()


def test_recv_into_a_kept_buffer_and_claim_in_place():
    ring = R.SpscRing.create(SEQ_RECORD, 16)
    try:
        src = np.zeros(40, SEQ_RECORD)
        src["seq"] = np.arange(40)
        out = np.zeros(6, SEQ_RECORD)
        got = []
        sent = 0
        while len(got) < 40:
            sent = R.ring_push_batch(ring.hdr, ring.data, src, sent, 1)
            k = ring.recv_into(out, timeout_s=1.0)
            got += out["seq"][:k].tolist()
        assert got == list(range(40))
        with pytest.raises(R.RingTimeout, match="no record"):
            ring.recv_into(out, timeout_s=0.05)
        ring.mark_writer_done()
        assert ring.recv_into(out) == 0 and ring.recv(4).shape == (0,)
        with pytest.raises(TypeError, match="out must be"):
            ring.recv_into(np.zeros(4, np.int64))
        with pytest.raises(TypeError, match="out must be"):
            ring.recv_into(np.zeros(0, SEQ_RECORD))
    finally:
        ring.close()


def test_the_huge_page_hint_is_reported_on_the_ring(monkeypatch):
    import mmap

    from quantforge.engine import affinity

    ring = R.SpscRing.create(SEQ_RECORD, 1 << 10)
    try:
        assert ring.hugepages is affinity.hugepage_hint(ring._shm)  # what the kernel says for this memory
        other = R.SpscRing.attach(ring.name, SEQ_RECORD)
        assert other.hugepages is False  # only the creator advises
        other.close()
    finally:
        ring.close()
    monkeypatch.delattr(mmap, "MADV_HUGEPAGE", raising=False)
    ring = R.SpscRing.create(SEQ_RECORD, 16)
    try:
        assert ring.hugepages is False  # no madvise hint on this platform: a reported no-op
    finally:
        ring.close()
