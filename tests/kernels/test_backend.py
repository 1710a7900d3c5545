import subprocess
import sys

import numpy as np
import pytest

from quantforge.errors import HardwareError, InvalidParameters
from quantforge.kernels import backend as bk


def test_auto_picks_an_available_backend():
    assert bk.resolve_backend(None) in bk.available_backends()
    assert bk.resolve_backend("auto") == bk.resolve_backend(None)


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


def test_unknown_backend_in_get_backend_is_refused():
    with pytest.raises(InvalidParameters, match="'tpu'"):
        bk.get_backend("tpu")


def test_backend_objects_give_namespace_device_and_host_arrays():
    be = bk.get_backend("numpy")
    assert be.xp is np and be.device == "cpu" and not be.is_gpu
    a = be.asarray([1, 2], dtype=np.float64)
    assert be.to_host(a) is a
    assert bk.get_backend(be) is be


def test_jax_x64_keeps_64_bit_dtypes():
    be = bk.get_backend("jax")
    with be.x64():
        a = be.asarray(np.arange(3, dtype=np.uint64))
        assert str(a.dtype) == "uint64"
        host = be.to_host(be.synchronize(a * 2))
    assert isinstance(host, np.ndarray) and host.tolist() == [0, 2, 4]


def test_registry_loads_fast_paths_lazily_and_auto_prefers_them(monkeypatch):
    monkeypatch.setattr(bk, "_REGISTRY", {})
    bk.register_fast_path("test.kernel", "numba", "math:sqrt")
    assert bk.fast_paths("test.kernel") == ("numba",)
    assert bk.fast_path("test.kernel", "numba")(4.0) == 2.0
    assert bk.fast_path("test.kernel", "jax") is None
    assert bk.fast_path("other.kernel", "numba") is None
    monkeypatch.setattr(bk, "available_backends", lambda: ("numpy", "numba", "jax", "cupy"))
    assert bk.resolve_backend(None, kernel="test.kernel") == "numba"  # no cupy fast path: the next fastest
    assert bk.resolve_backend(None, kernel="other.kernel") == "numpy"  # nothing registered: the reference
    assert bk.resolve_backend("jax", kernel="test.kernel") == "jax"  # an explicit choice is kept


@pytest.mark.parametrize("backend, target, match", [("tpu", "math:sqrt", "backend"), ("numba", "math.sqrt", "target")])
def test_register_fast_path_refuses_bad_entries(backend, target, match):
    with pytest.raises(InvalidParameters, match=match):
        bk.register_fast_path("test.kernel", backend, target)


def test_cuda_simulator_resolves_cupy_but_auto_never_picks_it(monkeypatch):
    monkeypatch.setenv("NUMBA_ENABLE_CUDASIM", "1")
    assert bk.cuda_simulated()
    assert "cupy" in bk.available_backends()
    assert bk.resolve_backend("cupy") == "cupy"
    assert bk.resolve_backend(None) != "cupy"
