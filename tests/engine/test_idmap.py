"""engine/idmap.py against a dict: random inserts, finds and backward-shift deletions on a small table
(long probe runs that wrap around its end), at the load factor the book allows (1/2)."""

from __future__ import annotations

import random

import numpy as np

from quantforge.engine import idmap as M


def test_against_a_dict_with_wrapping_probe_runs():
    mp = M.new_map(32)
    mask = mp.shape[0] - 1
    assert mp.shape == (64, 2) and (mp[:, M.MAP_KEY] == M.EMPTY).all()
    rng = random.Random(0)
    model: dict[int, int] = {}
    keys = [rng.randrange(0, 1 << 62) for _ in range(200)] + list(range(64))  # consecutive ids share home runs
    for step in range(30_000):
        key = rng.choice(keys)
        if key in model and rng.random() < 0.5:
            M.map_delete(mp, mask, key)
            del model[key]
        elif key not in model and len(model) < 32:
            M.map_insert(mp, mask, key, step)
            model[key] = step
        assert M.map_find(mp, mask, key) == model.get(key, -1)
        if step % 1000 == 0:
            assert all(M.map_find(mp, mask, k) == model.get(k, -1) for k in keys)
            assert int(np.count_nonzero(mp[:, M.MAP_KEY] != M.EMPTY)) == len(model)
    homes = {M.map_home(k, mask) for k in range(64)}
    assert len(homes) > 16  # consecutive ids spread over the table
