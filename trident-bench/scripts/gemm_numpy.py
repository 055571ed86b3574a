"""numpy/OpenBLAS side of gemm_vs_numpy.sh: times float32 A @ B (m x k times k x n).

Prints one line: numpy <m> <n> <k> <threads> <gflops_median> <gflops_best>.
Threads are set by the caller through OPENBLAS_NUM_THREADS.
Usage: python3 gemm_numpy.py [m n k] [runs]
"""
import os
import sys
import time

import numpy as np

m, n, k = (int(v) for v in sys.argv[1:4]) if len(sys.argv) > 3 else (1024, 1024, 1024)
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 15
rng = np.random.default_rng(1)
a = rng.random((m, k), dtype=np.float32)
b = rng.random((k, n), dtype=np.float32)
c = np.empty((m, n), dtype=np.float32)

end = time.perf_counter() + 2.0  # warm-up, like the Java side
while time.perf_counter() < end:
    np.matmul(a, b, out=c)
gf = []
for _ in range(runs):
    t0 = time.perf_counter()
    np.matmul(a, b, out=c)
    gf.append(2.0 * m * n * k / (time.perf_counter() - t0) / 1e9)
gf.sort()
print(f"numpy {m} {n} {k} {os.environ.get('OPENBLAS_NUM_THREADS', '?')} {gf[runs // 2]:.1f} {gf[-1]:.1f}")
