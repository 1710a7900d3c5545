"""kernels/hawkes/cuda.py under numba's CUDA simulator on small inputs: the one-thread-per-path kernel gives
the reference's paths, directly and through the public API (the cupy backend resolves under the simulator)."""

import os
import subprocess
import sys
import textwrap


def test_cuda_kernel_gives_the_reference_paths_under_the_simulator():
    code = textwrap.dedent(
        """
        import numpy as np
        from quantforge.kernels.hawkes import ExponentialKernel, HawkesProcess, SumExponentialKernel, simulate
        from quantforge.kernels.hawkes import cuda as hc, reference
        from quantforge.kernels.hawkes.api import _groups
        from quantforge.kernels.rng import Philox
        procs = [HawkesProcess([0.6, 0.3], ExponentialKernel([[0.3, 0.2], [0.25, 0.1]], [[2.0, 1.0], [1.0, 3.0]])),
                 HawkesProcess([0.4], SumExponentialKernel([[[0.2, 0.3]]], [0.5, 4.0]))]
        for proc in procs:
            decays, gidx, jump = _groups(proc)
            k0, k1 = Philox(13, 2).key
            args = (np.arange(7, 12, dtype=np.uint64), 12.0, proc.baseline, float(proc.baseline.sum()), decays, gidx,
                    jump, k0, k1, 2, 60)
            got = hc.simulate_dz(*args)
            want = reference.simulate_dz(np, *args)
            assert np.array_equal(got[2], want[2]) and np.array_equal(got[3], want[3]), (got, want)
            for r, n in enumerate(want[2]):  # rows are filled up to each path's count
                assert np.array_equal(got[1][r, :n], want[1][r, :n])
                assert np.allclose(got[0][r, :n], want[0][r, :n], rtol=1e-13)
            gpu = simulate(proc, 12.0, 4, seed=5, path_offset=2, backend="cupy")
            cpu = simulate(proc, 12.0, 4, seed=5, path_offset=2, backend="numpy")
            assert np.array_equal(gpu.offsets, cpu.offsets) and np.array_equal(gpu.marks, cpu.marks)
            assert np.allclose(gpu.times, cpu.times, rtol=1e-13)
        print("ok")
        """
    )
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr[-3000:]
