"""The peer of the CDC function in the benchmark: the original work's way of keeping the response
model up to date, a scikit-learn refit of the whole table on every change batch.

    python sklearn-cdc.py <table.bin> <repeats>

The table is what the CDC state holds, written by test/bench/parts/cdc.ts: int32 rows and width,
the width features' scales as float64 (a stored value is the real value times its scale), then
rows x (width + 1) int32 values, the label last. The features are standardised once (population
deviation, StandardScaler); each repeat then times `RidgeClassifier(alpha=1.0).fit` alone, the
model the CDC function keeps, after one untimed warm-up fit. Leaving the standardisation out of
the timing favours the peer. BLAS runs on one thread (the bench sets OMP_NUM_THREADS and
OPENBLAS_NUM_THREADS).

Prints JSON: wall and CPU milliseconds of each refit, and the model's numbers on the CDC model's
scale (0/1 label; RidgeClassifier fits -1/+1, so its coefficients are twice ours and its intercept
is 2 b0 - 1), for the bench to compare with ours.
"""
import json
import sys
import time

import numpy as np
from sklearn.linear_model import RidgeClassifier
from sklearn.preprocessing import StandardScaler


def main() -> None:
    path, repeats = sys.argv[1], int(sys.argv[2])
    with open(path, "rb") as f:
        rows, width = (int(v) for v in np.frombuffer(f.read(8), dtype="<i4"))
        scales = np.frombuffer(f.read(8 * width), dtype="<f8")
        data = np.frombuffer(f.read(), dtype="<i4").reshape(rows, width + 1)
    x = data[:, :width] / scales
    y = data[:, width]
    scaler = StandardScaler()
    z = scaler.fit_transform(x)
    model = RidgeClassifier(alpha=1.0).fit(z, y)
    wall, cpu = [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        model = RidgeClassifier(alpha=1.0).fit(z, y)
        cpu.append((time.process_time() - cpu_started) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    constant = scaler.var_ == 0
    print(json.dumps({
        "rows": rows,
        "wallMs": wall,
        "cpuMs": cpu,
        "intercept": (float(np.atleast_1d(model.intercept_)[0]) + 1) / 2,
        "coefficients": [0.0 if c else float(w) / 2 for w, c in zip(np.atleast_2d(model.coef_)[0], constant)],
        "mean": [float(m) for m in scaler.mean_],
        "std": [0.0 if c else float(s) for s, c in zip(np.sqrt(scaler.var_), constant)],
        "versions": {"scikit-learn": __import__("sklearn").__version__, "numpy": np.__version__},
    }))


if __name__ == "__main__":
    main()
