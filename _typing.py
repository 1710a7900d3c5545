"""Array type aliases for the public API's hints (as arch's ``typing`` module does).

``ArrayLike`` is anything numpy accepts as an array; ``Float64Array`` and friends are numpy arrays
of a known dtype; ``DeviceArray`` is an array of any backend (numpy, cupy, jax), returned when a
caller asks for ``to_host=False``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["ArrayLike", "Float64Array", "Int64Array", "UInt32Array", "BoolArray", "DeviceArray", "BackendName"]

ArrayLike = npt.ArrayLike
Float64Array = npt.NDArray[np.float64]
Int64Array = npt.NDArray[np.int64]
UInt32Array = npt.NDArray[np.uint32]
BoolArray = npt.NDArray[np.bool_]
DeviceArray = Any  # numpy.ndarray, cupy.ndarray or jax.Array
BackendName = str | None
