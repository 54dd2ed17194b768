"""Benchmark: cold start, the time a user waits before the first result in a fresh process.

One child process runs, on small inputs, the first and then a second call of each entry point:
`evaluate` (Market protocol), `k_reciprocal_rerank_features` (sparse re-ranking) and `jaccard_distance` +
`adaptive_eps` + `dbscan` (pseudo-label clustering). The first call pays for compiling (or loading) the
numba kernels it needs; the second call does not, so first − second is that overhead. The libraries
(numpy, scipy, scikit-learn, torch, numba) are imported before, and timed separately.

  * "fresh install": numba's cache folder is new and empty (`NUMBA_CACHE_DIR` = a new temp dir), so every
    kernel is compiled;
  * "later process": the cache filled by the run before, so kernels are loaded from disk.

Each is reported as wall time and CPU time of the process (the machine is shared: CPU time is the
steadier number; wall time on a busy machine is several times larger).

  python benchmarks/bench_cold_start.py [--quick] [--write]      (--quick: the fresh-install process only)
"""
from __future__ import annotations

import argparse, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common_util import child_report, load_now, machine_line, run_case, write_section

STEPS = [("eval", "`evaluate` (200 × 1,000 distances)"),
         ("rerank", "`k_reciprocal_rerank_features` (100 + 300 items, 64-d)"),
         ("cluster", "`jaccard_distance` + `adaptive_eps` + `dbscan` (600 items, 64-d)")]


def case(name: str, scale: float):
    t_start = time.perf_counter(); c_start = time.process_time()
    clock = lambda: (time.perf_counter(), time.process_time())
    w0, c0 = clock()
    import numpy as np, scipy.sparse, sklearn.cluster, torch, numba            # noqa: F401  libraries
    w1, c1 = clock()
    from reidlab_common.metrics import evaluate
    from reidlab_common.rerank import k_reciprocal_rerank_features, jaccard_distance
    from reidlab_common.cluster import adaptive_eps, dbscan
    w2, c2 = clock()
    rng = np.random.default_rng(0)
    d = rng.random((200, 1000)).astype(np.float32)
    q_ids, g_ids, q_cams, g_cams = rng.integers(0, 50, 200), rng.integers(0, 50, 1000), rng.integers(0, 6, 200), rng.integers(0, 6, 1000)
    f = rng.standard_normal((400, 64)).astype(np.float32)
    centres = rng.standard_normal((40, 64)).astype(np.float32)
    x = centres[rng.integers(0, 40, 600)] + 0.3 * rng.standard_normal((600, 64)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    calls = {"eval": lambda: evaluate(d, q_ids, g_ids, q_cams, g_cams),
             "rerank": lambda: k_reciprocal_rerank_features(f[:100], f[100:], 20, 6, 0.3, device="cpu").dense(),
             "cluster": lambda: dbscan((j := jaccard_distance(x, 30, 6)), adaptive_eps(j), 4)}
    out = dict(import_libs_s=w1 - w0, import_libs_cpu_s=c1 - c0, import_reidlab_s=w2 - w1, import_reidlab_cpu_s=c2 - c1)
    for step, _ in STEPS:
        for run in ("first", "second"):
            a, b = clock(); calls[step](); e, g = clock()
            out[f"{step}_{run}_s"], out[f"{step}_{run}_cpu_s"] = e - a, g - b
    out["in_process_s"], out["in_process_cpu_s"] = time.perf_counter() - t_start, time.process_time() - c_start
    child_report(**out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the fresh-install process only; RESULTS.md untouched")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--case"); ap.add_argument("--scale", type=float, default=1.0)
    a = ap.parse_args()
    if a.case: return case(a.case, a.scale)
    header = machine_line()
    cache = tempfile.mkdtemp(prefix="numba-fresh-")     # empty: a fresh install; the next process finds it filled
    runs = [("fresh install (empty numba cache)", run_case(__file__, "cold", 1.0, numba_cache=cache), load_now())]
    if not a.quick:       # --quick: the fresh-install process only (< 30 s)
        runs.append(("later process (kernels cached on disk)", run_case(__file__, "warm", 1.0, numba_cache=cache), load_now()))
    rows = ["| process | load | libraries import | reidlab import | " + " | ".join(f"{lbl.split(' (')[0]}: first call (second)" for _, lbl in STEPS)
            + " | first calls − second calls (compile or load) | whole process |",
            "|---|---|---|---|" + "---|" * len(STEPS) + "---|---|"]
    for label, r, load in runs:
        if "error" in r: rows.append(f"| {label} | {load} | failed: {r['error']} |" + " |" * (len(STEPS) + 3)); continue
        cell = lambda k, r=r: f"{r[k + '_s']:.2f} s / {r[k + '_cpu_s']:.2f} s CPU"
        over_w = sum(r[f"{s}_first_s"] - r[f"{s}_second_s"] for s, _ in STEPS)
        over_c = sum(r[f"{s}_first_cpu_s"] - r[f"{s}_second_cpu_s"] for s, _ in STEPS)
        steps = " | ".join(f"{r[f'{s}_first_s']:.2f} s / {r[f'{s}_first_cpu_s']:.2f} CPU ({r[f'{s}_second_s']:.2f} s)" for s, _ in STEPS)
        rows.append(f"| {label} | {load} | {cell('import_libs')} | {cell('import_reidlab')} | {steps} | "
                    f"**{over_w:.2f} s / {over_c:.2f} s CPU** | {r['process_s']:.2f} s / {r['process_cpu_s']:.2f} s CPU |")
    cmd = "python benchmarks/bench_cold_start.py" + (" --write" if a.write else "")
    md = "\n".join([
        "## Cold start: the first call in a fresh process", "",
        f"Command: `{cmd}` ({header}).",
        "One child process each; the libraries (numpy, scipy, scikit-learn, torch, numba) are imported first and timed",
        "apart. Each entry point is called twice on small inputs: first − second is what compiling (fresh install:",
        "empty `NUMBA_CACHE_DIR`) or loading (later process: kernels cached on disk) the numba kernels costs.",
        "Times are wall / CPU seconds; \"load\" is the 1-minute load average when the process ended (2 cores shared",
        "with other jobs: wall times under load are several times the CPU times).",
        "Steps: " + "; ".join(f"{s}: {lbl}" for s, lbl in STEPS) + ".", "", *rows])
    print(md)
    if a.write and not a.quick: write_section("cold_start", md)


if __name__ == "__main__":
    main()
