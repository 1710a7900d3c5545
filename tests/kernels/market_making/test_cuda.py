"""kernels/market_making/cuda.py under numba's CUDA simulator: the kernel against the reference, and
the same kernel through the public API (the cupy backend resolves under the simulator)."""

import os
import subprocess
import sys
import textwrap


def test_cuda_kernel_matches_the_reference_under_the_simulator():
    code = textwrap.dedent(
        """
        import numpy as np
        from quantforge.kernels.market_making import simulate_market_making
        from quantforge.kernels.market_making import cuda as mc, reference
        from quantforge.kernels.rng import Philox
        rng = np.random.default_rng(0)
        bid = rng.uniform(0.1, 1, (6, 13)); ask = rng.uniform(0.1, 1, (6, 13)); ask[2, 6] = np.inf
        out = mc.simulate(bid, ask, -6, 0, 100.0, 0.3, 140.0, 1.5, 0.05, 5, 3, *Philox(9, 1).key, 1)
        ref = reference.simulate(bid, ask, -6, 0, 100.0, 0.3, 140.0, 1.5, 0.05, 5, 3, *Philox(9, 1).key, 1, xp=np)
        assert all(np.allclose(a, b, rtol=1e-12) for a, b in zip(out, ref)), (out, ref)
        kw = dict(q_min=-6, s0=100.0, sigma=0.3 / 0.05 ** 0.5, A=140.0, k=1.5, dt=0.05, n_paths=5, seed=9, stream=1)
        gpu = simulate_market_making(bid, ask, backend="cupy", **kw)
        cpu = simulate_market_making(bid, ask, backend="numpy", **kw)
        assert np.array_equal(gpu.final_q, cpu.final_q) and np.allclose(gpu.profit, cpu.profit, rtol=1e-12)
        print("ok")
        """
    )
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr
