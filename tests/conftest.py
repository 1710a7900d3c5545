"""Shared fixtures: the ``backend`` fixture runs a test on every backend usable here; tests marked
``gpu`` are skipped cleanly where no CUDA device answers."""

from __future__ import annotations

import pytest

from quantforge.kernels.backend import available_backends, cuda_simulated

CPU_BACKENDS = [b for b in ("numpy", "numba", "jax") if b in available_backends()]
HAS_GPU = "cupy" in available_backends() and not cuda_simulated()


def pytest_collection_modifyitems(config, items):
    if HAS_GPU:
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU (cupy backend not available here)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(params=CPU_BACKENDS + (["cupy"] if HAS_GPU else []))
def backend(request):
    """Each backend available on this machine, numpy (the reference) first."""
    return request.param


@pytest.fixture(autouse=True)
def _no_backend_env(monkeypatch):
    """Tests choose backends explicitly; a developer's QUANTFORGE_BACKEND must not leak in."""
    monkeypatch.delenv("QUANTFORGE_BACKEND", raising=False)
    yield
