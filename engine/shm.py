"""Named shared-memory blocks for the ring and the seqlock table: a file in ``/dev/shm`` (or the
temporary directory where there is none) mapped with ``mmap``.

``multiprocessing.shared_memory`` would do, but before Python 3.13 every process that merely attaches
registers the block with a resource tracker that unlinks it when that process exits, which breaks a
long-lived publisher with short-lived readers; a plain mapped file has one owner who unlinks it.
"""

from __future__ import annotations

import mmap
import os
import re
import secrets
import tempfile

from ..errors import InvalidParameters, check_int, check_memory

__all__ = ["SharedBlock", "SHM_DIR"]

SHM_DIR = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
"""Where the blocks live: one file per block, named as the block."""


class SharedBlock:
    """A named block of ``size`` bytes shared between processes.

    Parameters
    ----------
    name : str or None
        Block name (letters, digits, ``_.-``); ``None`` with ``create=True`` picks a fresh one.
    size : int
        Bytes (only with ``create=True``; an attached block has the size it was created with).
    create : bool
        Create (and own: :meth:`close` unlinks it) or attach to an existing block.
    """

    def __init__(self, name: str | None = None, size: int = 0, create: bool = False):
        if name is None:
            if not create:
                raise InvalidParameters("name is required to attach to a shared block")
            name = "qf_" + secrets.token_hex(8)
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,200}", name):
            raise InvalidParameters(f"name must be letters, digits or _.- (at most 200), got {name!r}")
        self.name = name
        self.owner = create
        path = os.path.join(SHM_DIR, name)
        if create:
            size = check_int("size", size, minimum=1)
            check_memory("size", size, size, "the shared block")
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                raise InvalidParameters(f"a shared block named {name!r} exists already; pick another name") from None
            try:
                os.ftruncate(fd, size)
            except OSError:
                os.close(fd)
                os.unlink(path)
                raise
        else:
            try:
                fd = os.open(path, os.O_RDWR)
            except FileNotFoundError:
                raise InvalidParameters(
                    f"no shared block named {name!r} (was it created, or already closed?)"
                ) from None
            size = os.fstat(fd).st_size
        try:
            self.buf = mmap.mmap(fd, size)
        finally:
            os.close(fd)
        self.size = size
        self._path = path

    def close(self) -> None:
        """Unmap (views of ``buf`` must be gone); the owner also removes the name."""
        self.buf.close()
        if self.owner and os.path.exists(self._path):
            os.unlink(self._path)
