"""An open-addressing hash map from order ids (int64 >= 0) to pool slots, in two int64 arrays, for
compiled code.

The book looks up every cancel, reduce and execute by order id, so the map must be O(1) without
allocating: ``mp[i] = (key, value)`` rows over a power-of-two table (``mask = len - 1``) with linear
probing from the home slot ``(key * 0x9E3779B97F4A7C15) >> 29 & mask`` (Fibonacci hashing: the
multiplication spreads consecutive exchange ids over the table) and ``-1`` keys marking empty rows.
Deletion is Knuth's backward shift, so there are no tombstones and a probe sequence never grows with
the number of deletions.  The caller keeps the load factor at most 1/2 and never inserts a key twice.

References
----------
Knuth, D. (1998), *TAOCP* vol. 3, §6.4, Algorithm R (deletion with linear probing) and §6.4 (multiplicative hashing).
"""

from __future__ import annotations

import numpy as np

from ..kernels.jit import engine_jit

__all__ = ["EMPTY", "MAP_KEY", "MAP_VALUE", "new_map", "map_home", "map_find", "map_insert", "map_delete"]

EMPTY = -1
"""Key of an empty row (order ids are >= 0)."""

MAP_KEY = 0  #: column of ``mp`` holding a row's key
MAP_VALUE = 1  #: column of ``mp`` holding a row's value


def new_map(capacity: int) -> np.ndarray:
    """An empty table for up to ``capacity`` keys (load factor <= 1/2): shape ``(2^k, 2)`` int64."""
    rows = 1 << max(4, int(2 * capacity - 1).bit_length())
    mp = np.zeros((rows, 2), np.int64)
    mp[:, MAP_KEY] = EMPTY
    return mp


@engine_jit(inline=True)
def map_home(key, mask):
    """Home row of ``key``."""
    h = np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)
    return np.int64((h >> np.uint64(29)) & np.uint64(mask))


@engine_jit(inline=True)
def map_find(mp, mask, key):
    """Value stored for ``key``, or -1."""
    i = map_home(key, mask)
    while True:
        k = mp[i, MAP_KEY]
        if k == key:
            return mp[i, MAP_VALUE]
        if k == EMPTY:
            return -1
        i = (i + 1) & mask


@engine_jit(inline=True)
def map_insert(mp, mask, key, val):
    """Store ``key -> val``; ``key`` must be absent."""
    i = map_home(key, mask)
    while mp[i, MAP_KEY] != EMPTY:
        i = (i + 1) & mask
    mp[i, MAP_KEY] = key
    mp[i, MAP_VALUE] = val


@engine_jit(inline=True)
def map_delete(mp, mask, key):
    """Remove ``key`` (which must be present), shifting later entries of its probe run back."""
    i = map_home(key, mask)
    while mp[i, MAP_KEY] != key:
        i = (i + 1) & mask
    j = i
    while True:
        j = (j + 1) & mask
        kj = mp[j, MAP_KEY]
        if kj == EMPTY:
            break
        h = map_home(kj, mask)
        # Entry j may move back to the hole i only if its home is not cyclically in (i, j].
        if (i <= j and i < h <= j) or (i > j and (h > i or h <= j)):
            continue
        mp[i, MAP_KEY] = kj
        mp[i, MAP_VALUE] = mp[j, MAP_VALUE]
        i = j
    mp[i, MAP_KEY] = EMPTY
