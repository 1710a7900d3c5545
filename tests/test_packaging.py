"""The distribution ships every subpackage: pyproject.toml lists each folder of the package that has
an ``__init__.py`` (setuptools installs only what is listed; an editable install would hide a miss)."""

from __future__ import annotations

import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOT_SHIPPED = {"tests"}


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {"quantforge"}
    for init in ROOT.rglob("__init__.py"):
        rel = init.parent.relative_to(ROOT)
        if rel.parts and (rel.parts[0] in NOT_SHIPPED or any(part.startswith(".") for part in rel.parts)):
            continue  # tests, and hidden folders such as the peers' virtual environments under bench/
        if rel.parts:
            found.add("quantforge." + ".".join(rel.parts))
    assert found - listed == set(), f"packages missing from pyproject.toml: {sorted(found - listed)}"
    assert listed - found == set(), f"pyproject.toml lists packages that do not exist: {sorted(listed - found)}"
