"""Trading models: one model, one module; closed forms here, heavy batched work in ``kernels``."""

from .surface import QuoteSurface, load_surface

__all__ = ["QuoteSurface", "load_surface"]
