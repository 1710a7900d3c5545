"""kernels/execution/cuda.py under numba's CUDA simulator: the frontier kernel against the reference, and
through the public API (the cupy backend resolves under the simulator)."""

import os
import subprocess
import sys
import textwrap


def test_cuda_frontier_matches_the_reference_under_the_simulator():
    code = textwrap.dedent(
        """
        import numpy as np
        from quantforge.kernels.execution import liquidation_frontier, liquidation_parameters
        from quantforge.kernels.execution import cuda as ec, reference
        lams = np.array([0.0, 1e-9, 1e-6, 1e-3, 1e60])
        for drift in (0.0, 0.01):
            prm = liquidation_parameters(1e6, 5.0, 6, 0.95, 2.5e-7, 2.5e-6, 0.0625, drift)
            got = ec.frontier(lams, prm, 6, True)
            want = reference.frontier(lams, prm, 6, xp=np)
            assert all(np.allclose(g, w, rtol=1e-11, atol=1e-6) for g, w in zip(got, want)), (got, want)
            api = liquidation_frontier(lams, prm, 6, return_trajectories=True, backend="cupy")
            assert np.allclose(api.expected_cost, want[1], rtol=1e-12)
        print("ok")
        """
    )
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr
