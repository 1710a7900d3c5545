import subprocess
import sys

import pytest

from quantforge.errors import HardwareError, InvalidParameters
from quantforge.kernels import backend as bk


def test_auto_picks_an_available_backend():
    assert bk.resolve_backend(None) in bk.available_backends()
    assert bk.resolve_backend("auto") == bk.resolve_backend(None)


def test_explicit_backend_is_returned():
    assert bk.resolve_backend("numpy") == "numpy"


def test_unknown_backend_lists_valid_names():
    with pytest.raises(InvalidParameters) as exc:
        bk.resolve_backend("tensorflow")
    msg = str(exc.value)
    assert "'tensorflow'" in msg
    for name in ("auto", "numpy", "numba", "jax", "cupy"):
        assert name in msg


def test_environment_variable_overrides_auto(monkeypatch):
    monkeypatch.setenv("QUANTFORGE_BACKEND", "numpy")
    assert bk.resolve_backend(None) == "numpy"
    monkeypatch.setenv("QUANTFORGE_BACKEND", "bogus")
    with pytest.raises(InvalidParameters, match="QUANTFORGE_BACKEND"):
        bk.resolve_backend(None)


@pytest.mark.skipif("cupy" in bk.available_backends(), reason="a GPU is present")
def test_missing_gpu_names_the_extra():
    with pytest.raises(HardwareError, match=r"quantforge\[gpu\]"):
        bk.resolve_backend("cupy")


def test_require_names_extra():
    with pytest.raises(HardwareError, match="not_a_real_module_xyz"):
        bk.require("not_a_real_module_xyz")


def test_missing_jax_names_its_extra(monkeypatch):
    # sys.modules[name] = None makes the import fail as if the package were not installed
    monkeypatch.setitem(sys.modules, "jax", None)
    with pytest.raises(HardwareError, match=r"quantforge\[jax\]"):
        bk.require("jax", purpose="the jax backend")


def test_importing_quantforge_imports_no_optional_backend():
    code = (
        "import sys, quantforge, quantforge.kernels, quantforge.engine, quantforge.models;"
        "bad=[m for m in ('jax','cupy','numba.cuda','pynvml','dask','fastapi','matplotlib') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_cpu_info_has_cores():
    info = bk.cpu_info()
    assert info["usable_cores"] >= 1 and info["logical_cores"] >= info["usable_cores"]
