"""Every public function and method (the ``__all__`` of each package a user imports) has type hints
for all its parameters and its return value, written with the aliases of ``quantforge._typing``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import quantforge

# Scalar cores and fast-path modules are internal to their family; what users import is the
# packages' __init__ (and the top-level modules such as quantforge.demo).
PACKAGES = sorted(
    info.name
    for info in pkgutil.walk_packages(quantforge.__path__, prefix="quantforge.")
    if info.ispkg and not info.name.startswith("quantforge.bench")
) + ["quantforge", "quantforge.demo", "quantforge.errors"]


def _public_callables(module):
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj) and obj.__module__.startswith("quantforge"):
            for attr, member in vars(obj).items():
                if inspect.isfunction(member) and not attr.startswith("_"):
                    yield f"{name}.{attr}", member


@pytest.mark.parametrize("package", PACKAGES)
def test_public_functions_have_type_hints(package):
    module = importlib.import_module(package)
    missing = []
    for name, fn in _public_callables(module):
        sig = inspect.signature(fn)
        params = [
            p for p, v in sig.parameters.items() if p not in ("self", "cls") and v.annotation is inspect.Parameter.empty
        ]
        if params or sig.return_annotation is inspect.Signature.empty:
            missing.append(
                f"{name}({', '.join(params)}){' -> ?' if sig.return_annotation is inspect.Signature.empty else ''}"
            )
    assert not missing, f"{package}: public callables without full type hints: {missing}"
