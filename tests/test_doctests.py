"""The Examples sections of the public docstrings run as written."""

import doctest
import importlib

import pytest

MODULES = ["quantforge.kernels.rng", "quantforge.kernels.hjb", "quantforge.models.glft", "quantforge.models.cartea_jaimungal"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
