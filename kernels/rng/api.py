"""The public functions of the rng family: validation, backend choice and dispatch (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._typing import ArrayLike, BackendName, DeviceArray, UInt32Array
from ...errors import InvalidParameters, NumericalError, check_array, check_int, check_memory
from ..backend import fast_path, get_backend, register_fast_path
from .core import LAM_MAX, MAX_U32, PHILOX_M0, PHILOX_M1, PHILOX_W0, PHILOX_W1, DrawKind
from .reference import pairs_xp, philox_xp, poisson_xp

__all__ = ["philox4x32", "Philox", "DrawKind", "PHILOX_M0", "PHILOX_M1", "PHILOX_W0", "PHILOX_W1"]

for _backend, _module in (("numba", "numba"), ("jax", "jax"), ("cupy", "cuda")):
    register_fast_path("rng.draws", _backend, f"{__package__}.{_module}:draws")
for _backend, _module in (("numba", "numba"), ("cupy", "cuda")):
    register_fast_path("rng.words", _backend, f"{__package__}.{_module}:words")
    register_fast_path("rng.poisson", _backend, f"{__package__}.{_module}:poisson")

_KINDS = {"uniform": DrawKind.UNIFORM, "normal": DrawKind.NORMAL, "exponential": DrawKind.EXPONENTIAL}


def philox4x32(
    counter: UInt32Array, key: UInt32Array, rounds: int = 10, backend: BackendName = None, *, to_host: bool = True
) -> DeviceArray:
    """Philox4x32-R block function: 32-bit words out for counters and keys in.

    Parameters
    ----------
    counter : uint32 array, shape (..., 4)
        Counters, word 0 first (Random123's ``ctr.v[0]``).
    key : uint32 array, shape (..., 2)
        Keys; broadcast against ``counter``'s leading dimensions.
    rounds : int, default 10
        Number of rounds, 1 to 16 (Philox4x32-10 is the standard, crush-resistant choice).
    backend : str, optional
        ``numpy``, ``numba``, ``jax``, ``cupy`` or ``auto``.

    Returns
    -------
    uint32 array of shape (broadcast leading dims..., 4)

    Raises
    ------
    TypeError
        If ``counter`` or ``key`` is not a uint32 numpy array (no silent casting).
    InvalidParameters
        For a wrong last dimension, incompatible leading shapes or ``rounds`` out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from quantforge.kernels.rng import philox4x32
    >>> [hex(w) for w in philox4x32(np.zeros(4, np.uint32), np.zeros(2, np.uint32), backend="numpy")]
    ['0x6627e8d5', '0xe169c58d', '0xbc57ac4c', '0x9b00dbd8']
    """
    counter = check_array("counter", counter, dtype=np.uint32, last_dim=4)
    key = check_array("key", key, dtype=np.uint32, last_dim=2)
    rounds = check_int("rounds", rounds, minimum=1, maximum=16)
    be = get_backend(backend, kernel="rng.words")
    try:
        lead = np.broadcast_shapes(counter.shape[:-1], key.shape[:-1])
    except ValueError:
        raise InvalidParameters(
            f"counter shape {counter.shape} and key shape {key.shape} have incompatible leading dimensions"
        ) from None
    ctr = np.ascontiguousarray(np.broadcast_to(counter, lead + (4,))).reshape(-1, 4)
    k = np.ascontiguousarray(np.broadcast_to(key, lead + (2,))).reshape(-1, 2)
    impl = fast_path("rng.words", be)
    if impl is not None:
        return impl(ctr, k, rounds, to_host=to_host).reshape(lead + (4,))
    xp = be.xp
    with be.x64():
        c = [be.asarray(ctr[:, i].astype(np.uint64)) for i in range(4)]
        k0 = be.asarray(k[:, 0].astype(np.uint64))
        k1 = be.asarray(k[:, 1].astype(np.uint64))
        out = xp.astype(xp.stack(philox_xp(xp, *c, k0, k1, rounds), axis=-1), xp.uint32)
    out = be.to_host(out) if to_host else out
    return out.reshape(lead + (4,))


@dataclass(frozen=True)
class Philox:
    """A Philox4x32-10 random stream keyed by ``(seed, stream)``; draws addressed by (path, draw).

    Parameters
    ----------
    seed : int
        0 <= seed < 2**64; the Philox key.
    stream : int, default 0
        0 <= stream < 2**32; the last counter word.  Different streams of one seed are independent.

    Notes
    -----
    Every method returns an array of shape ``(n_paths, n_draws)`` for paths
    ``[path_offset, path_offset + n_paths)`` and draws ``[draw_offset, draw_offset + n_draws)``.
    The values depend only on (seed, stream, path, draw): generating the paths in one call, in chunks,
    or on another backend or thread count gives the same numbers.

    Examples
    --------
    >>> from quantforge.kernels.rng import Philox
    >>> g = Philox(seed=7)
    >>> a = g.normals(4, 6, backend="numpy")
    >>> bool((a[:, 2:5] == g.normals(4, 3, draw_offset=2, backend="numpy")).all())
    True
    """

    seed: int
    stream: int = 0

    def __post_init__(self):
        check_int("seed", self.seed, minimum=0, maximum=2**64 - 1)
        check_int("stream", self.stream, minimum=0, maximum=MAX_U32)

    @property
    def key(self) -> tuple[int, int]:
        """The two key words ``(seed & 0xFFFFFFFF, seed >> 32)``."""
        return int(self.seed) & MAX_U32, (int(self.seed) >> 32) & MAX_U32

    def _check(self, n_paths, n_draws, path_offset, draw_offset, draws_per_block):
        n_paths = check_int("n_paths", n_paths, minimum=0)
        n_draws = check_int("n_draws", n_draws, minimum=0)
        path_offset = check_int("path_offset", path_offset, minimum=0)
        draw_offset = check_int("draw_offset", draw_offset, minimum=0)
        if path_offset + n_paths > MAX_U32 + 1:
            raise InvalidParameters(f"path_offset + n_paths must be <= 2**32, got {path_offset + n_paths}")
        if (draw_offset + n_draws) > (MAX_U32 + 1) * draws_per_block:
            raise InvalidParameters(f"draw_offset + n_draws must be <= {(MAX_U32 + 1) * draws_per_block}")
        # the output and the Philox words behind it (two per float64 draw)
        check_memory("n_draws", n_draws, 16.0 * n_paths * n_draws, f"{n_paths} x {n_draws} draws")
        return n_paths, n_draws, path_offset, draw_offset

    def _draw(self, kind, n_paths, n_draws, path_offset, draw_offset, backend, to_host):
        n_paths, n_draws, path_offset, draw_offset = self._check(n_paths, n_draws, path_offset, draw_offset, 2)
        be = get_backend(backend, kernel="rng.draws")
        k0, k1 = self.key
        code = _KINDS[kind]
        impl = fast_path("rng.draws", be)
        with be.x64():
            if impl is not None:
                return impl(code, k0, k1, self.stream, n_paths, n_draws, path_offset, draw_offset, to_host=to_host)
            out = pairs_xp(
                be.xp, code, n_paths, n_draws, path_offset, draw_offset // 2, draw_offset % 2, self.stream, k0, k1
            )
            return be.to_host(out) if to_host else out

    def uniforms(
        self,
        n_paths: int,
        n_draws: int,
        *,
        path_offset: int = 0,
        draw_offset: int = 0,
        backend: BackendName = None,
        to_host: bool = True,
    ) -> DeviceArray:
        """Uniform variates in the open interval (0, 1), float64, shape (n_paths, n_draws)."""
        return self._draw("uniform", n_paths, n_draws, path_offset, draw_offset, backend, to_host)

    def normals(
        self,
        n_paths: int,
        n_draws: int,
        *,
        path_offset: int = 0,
        draw_offset: int = 0,
        backend: BackendName = None,
        to_host: bool = True,
    ) -> DeviceArray:
        """Standard normal variates (Box–Muller), float64, shape (n_paths, n_draws)."""
        return self._draw("normal", n_paths, n_draws, path_offset, draw_offset, backend, to_host)

    def exponentials(
        self,
        n_paths: int,
        n_draws: int,
        *,
        path_offset: int = 0,
        draw_offset: int = 0,
        backend: BackendName = None,
        to_host: bool = True,
    ) -> DeviceArray:
        """Exponential(1) variates ``-log(u)``, float64, shape (n_paths, n_draws)."""
        return self._draw("exponential", n_paths, n_draws, path_offset, draw_offset, backend, to_host)

    def poisson(
        self,
        lam: ArrayLike,
        n_paths: int,
        n_draws: int,
        *,
        path_offset: int = 0,
        draw_offset: int = 0,
        backend: BackendName = None,
        to_host: bool = True,
    ) -> DeviceArray:
        """Poisson(lam) counts, int64, shape (n_paths, n_draws).

        ``lam`` is a non-negative finite scalar or an array broadcastable to (n_paths, n_draws),
        at most 1e9.  Inversion below 10, PTRS transformed rejection from 10 on.
        """
        n_paths, n_draws, path_offset, draw_offset = self._check(n_paths, n_draws, path_offset, draw_offset, 1)
        lam_arr = check_array("lam", lam, dtype=np.float64, cast=True)
        if lam_arr.size and (not np.all(np.isfinite(lam_arr)) or lam_arr.min() < 0 or lam_arr.max() > LAM_MAX):
            bad = lam_arr[~(np.isfinite(lam_arr) & (lam_arr >= 0) & (lam_arr <= LAM_MAX))].ravel()[0]
            raise InvalidParameters(f"lam must be finite and in [0, {LAM_MAX:g}], got {bad!r}")
        try:
            lam_b = np.ascontiguousarray(np.broadcast_to(lam_arr, (n_paths, n_draws)))
        except ValueError:
            raise InvalidParameters(
                f"lam of shape {lam_arr.shape} does not broadcast to ({n_paths}, {n_draws})"
            ) from None
        be = get_backend(backend, kernel="rng.poisson")
        k0, k1 = self.key
        impl = fast_path("rng.poisson", be)
        if impl is not None:
            out = impl(lam_b, k0, k1, self.stream, path_offset, draw_offset, to_host=to_host)
        else:
            with be.x64():
                out = poisson_xp(
                    be.xp, be.asarray(lam_b), n_paths, n_draws, path_offset, draw_offset, self.stream, k0, k1
                )
                out = be.to_host(out) if to_host else out
        if isinstance(out, np.ndarray) and out.size and out.min() < 0:
            raise NumericalError("Poisson sampler exhausted its rejection attempts (probability < 1e-60)")
        return out
