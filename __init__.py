"""quantforge: market making and optimal execution, from the model to the hot path.

Importing this package is cheap: jax, cupy, numba.cuda, pynvml and the serving stack are imported
lazily, where they are used.
"""

from .errors import (
    ConvergenceFailure,
    ExecutionError,
    HardwareError,
    InvalidParameters,
    MatrixError,
    ModelError,
    NumericalError,
    NumericalInstability,
    PerformanceError,
    QuantForgeError,
    RiskError,
    SDEError,
)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "QuantForgeError",
    "ModelError",
    "InvalidParameters",
    "NumericalInstability",
    "ConvergenceFailure",
    "MatrixError",
    "SDEError",
    "ExecutionError",
    "RiskError",
    "PerformanceError",
    "NumericalError",
    "HardwareError",
]
