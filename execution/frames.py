"""Tables of results as pandas DataFrames, with pandas optional (the ``tca`` extra).

Results in :mod:`quantforge.execution` keep their tables as numpy structured arrays, which need
nothing beyond numpy; :func:`to_frame` turns one into a DataFrame when pandas is installed and
otherwise says which extra provides it.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from ..errors import HardwareError

__all__ = ["to_frame", "PANDAS_EXTRA"]

PANDAS_EXTRA = "quantforge[tca]"


def to_frame(table: np.ndarray, index: str | None = None) -> Any:
    """A pandas DataFrame of a structured array (one column per field), indexed by field ``index``.

    Raises
    ------
    HardwareError
        When pandas cannot be imported; the message names the extra that installs it.
    """
    try:
        pd = importlib.import_module("pandas")
    except ImportError as exc:
        raise HardwareError(
            f"pandas is needed for to_frame() but cannot be imported ({exc}); install "
            f"{PANDAS_EXTRA}, or use the structured array itself"
        ) from None
    frame = pd.DataFrame({name: table[name] for name in table.dtype.names})
    return frame.set_index(index) if index is not None else frame
