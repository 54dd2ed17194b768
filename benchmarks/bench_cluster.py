"""Benchmark: k-reciprocal Jaccard distance + adaptive eps + DBSCAN (reidlab_common.rerank / cluster)
against the dense computation, same run.

Synthetic L2-normalised identity features (MSMT17-train: 1,041 ids, 32,621 images, --dim 2048 by default),
k1=30, k2=6, upstream neighbour quirk (k1 columns), eps from the smallest 0.16 %, min_samples=4.
  * dense: `jaccard_distance_reference` (N×N float32 arrays, per-row loops) + dense adaptive eps + sklearn
    DBSCAN on the dense matrix, at --dense-n items (it does not fit at 32,621: ~13 GB);
  * sparse at the same N (labels must be identical) and at 32,621.

  python benchmarks/bench_cluster.py [--quick] [--write] [--dim 2048] [--dense-n 4000] [--settle SECONDS]

--quick runs three cases at 1/10 of the size (dense, sparse at the same N, small clusters) and never writes RESULTS.md.
"""
from __future__ import annotations

import argparse, hashlib, sys, time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common_util import child_report, current_rss_gb, fmt, load_now, machine_line, run_case, write_section

N_TRAIN, N_IDS = 32621, 1041


def make(n: int, dim: int, seed: int = 0, n_ids: int | None = None):
    rng = np.random.default_rng(seed)
    n_ids = n_ids or max(10, int(N_IDS * n / N_TRAIN))
    centres = rng.standard_normal((n_ids, dim)).astype(np.float32)
    ids = rng.integers(0, n_ids, n)
    f = centres[ids] + 1.0 * rng.standard_normal((n, dim)).astype(np.float32)
    return f / np.linalg.norm(f, axis=1, keepdims=True), ids


def case(name: str, n: int, dim: int, n_ids: int | None = None):
    from sklearn.cluster import DBSCAN
    from sklearn.metrics import adjusted_rand_score
    from reidlab_common.rerank import jaccard_distance, jaccard_distance_reference
    from reidlab_common.cluster import adaptive_eps, adaptive_eps_cutoff, dbscan
    f, ids = make(n, dim, n_ids=n_ids)
    w = jaccard_distance(f[:300], k1=30, k2=6, max_distance=adaptive_eps_cutoff())   # load every compiled kernel the call uses
    dbscan(w, adaptive_eps(w), 4)
    rss0 = current_rss_gb(); t0 = time.perf_counter()
    if name == "dense":
        d = jaccard_distance_reference(f, k1=30, k2=6)
        t1 = time.perf_counter()
        eps = adaptive_eps(d)
        labels = DBSCAN(eps=eps, min_samples=4, metric="precomputed").fit_predict(d)
    else:
        d = jaccard_distance(f, k1=30, k2=6, backend="faiss" if name == "sparse_faiss" else "auto",
                             max_distance=adaptive_eps_cutoff())     # only the pairs eps and DBSCAN read
        t1 = time.perf_counter()
        eps = adaptive_eps(d)
        labels = dbscan(d, eps, 4)
    dt = time.perf_counter() - t0
    path = Path("/tmp") / f"bench_cluster_{n}_{dim}_{n_ids}.npy"
    same = None
    if name == "dense": np.save(path, labels)
    elif path.exists(): same = bool(np.array_equal(np.load(path), labels))
    return child_report(seconds=dt, jaccard_seconds=t1 - t0, rss_gb_before=rss0, n=n, eps=eps,
                        n_clusters=int(labels.max() + 1), noise=int((labels == -1).sum()),
                        ari=float(adjusted_rand_score(ids, labels)), same_as_dense=same,
                        labels=hashlib.sha1(np.ascontiguousarray(labels, np.int64).tobytes()).hexdigest())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true"); ap.add_argument("--write", action="store_true")
    ap.add_argument("--dim", type=int, default=2048); ap.add_argument("--dense-n", type=int, default=4000)
    ap.add_argument("--case"); ap.add_argument("--scale", type=float, default=1.0); ap.add_argument("--n", type=int)
    ap.add_argument("--ids", type=int, default=None)
    ap.add_argument("--settle", type=float, default=0.0, help="seconds of idle before each case (the previous case's load gone)")
    a = ap.parse_args()
    if a.case: return case(a.case.replace(":cold", ""), a.n, a.dim, a.ids)
    scale = 0.1 if a.quick else 1.0
    n_small, n_full, n_market = max(300, int(a.dense_n * scale)), int(N_TRAIN * scale), int(12936 * scale)
    header = machine_line()
    plan = [("dense", n_small, "dense Jaccard (N×N arrays) + dense eps + sklearn DBSCAN"),
            ("sparse", n_small, "`jaccard_distance` + `adaptive_eps` + `dbscan` (sparse), same N"),
            ("sparse:cold", n_small, "the same, fresh install (empty numba cache: kernels compiled in the process)"),
            ("sparse_market", n_market, "`jaccard_distance` + `adaptive_eps` + `dbscan`, Market-1501-train size (751 ids: clusters smaller than k1)"),
            ("sparse", n_full, "`jaccard_distance` + `adaptive_eps` + `dbscan` (sparse, exact kNN), MSMT17-train size"),
            ("sparse_faiss", n_full, "the same with faiss-cpu `IndexFlatL2` kNN (float32 top-k), MSMT17-train size")]
    rows = ["| case | N | call (s) (Jaccard part) | per 1,000 items (s) | whole process: wall / CPU (s) | load | peak RSS (GiB) | eps | clusters / noise | ARI vs true ids | same labels as dense | speed-up (call / whole process) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    ref = full = None
    if a.quick: plan = plan[:2] + plan[3:4]     # dense, sparse at the same N, the small-cluster case: three small processes
    for kind, n, label in plan:
        print(f"running {kind} N={n} ...", file=sys.stderr, flush=True)
        time.sleep(a.settle)
        ids = ["--ids", str(max(10, int(751 * scale)))] if kind == "sparse_market" else []
        r = run_case(__file__, kind.replace("_market", ""), scale, ["--n", str(n), "--dim", str(a.dim), *ids], cold=kind.endswith(":cold"))
        r["load"] = load_now()
        if "error" in r: rows.append(f"| {label} | {n:,} | failed: {r['error']} | | | | | | | | | |"); continue
        if kind == "dense": ref = r
        if kind == "sparse" and n == n_full: full = r
        ratio = f"{ref['seconds'] / r['seconds']:.1f}× / {ref['process_s'] / r['process_s']:.1f}×" if kind.startswith("sparse") and ref and n == ref["n"] else ""
        if kind == "sparse_faiss" and full: ratio = f"exact kNN path {r['seconds'] / full['seconds']:.1f}× faster"
        same = "" if r["same_as_dense"] is None else ("yes" if r["same_as_dense"] else "NO")
        if kind == "sparse_faiss" and full:
            same = "same as the exact-kNN row: " + ("yes" if r["labels"] == full["labels"] else "NO")
        rows.append(f"| {label} | {n:,} | {fmt(r['seconds'])} ({r['jaccard_seconds']:.1f}) | {1000 * r['seconds'] / n:.2f} | "
                    f"{r['process_s']:.2f} / {r['process_cpu_s']:.2f} | {r['load']} | {fmt(r['peak_rss_gb'])} "
                    f"(before: {r['rss_gb_before']:.2f}) | {r['eps']:.4f} | {r['n_clusters']} / {r['noise']} | {r['ari']:.3f} | {same} | {ratio} |")
    cmd = "python benchmarks/bench_cluster.py" + (" --quick" if a.quick else "") + (" --write" if a.write else "") + \
          (f" --dim {a.dim}" if a.dim != 2048 else "") + (f" --dense-n {a.dense_n}" if a.dense_n != 4000 else "") + (f" --settle {a.settle:g}" if a.settle else "")
    md = "\n".join([
        "## Jaccard distance and DBSCAN (reidlab_common.rerank / cluster)", "",
        f"Command: `{cmd}` ({'1/10 scale' if a.quick else 'full size'}; {header}).",
        f"Synthetic L2-normalised {a.dim}-d identity features, k1=30, k2=6 (k1 neighbour columns, as upstream), eps from",
        "the smallest 0.16 %, min_samples=4; the sparse rows keep only the pairs eps and DBSCAN read",
        "(`max_distance=adaptive_eps_cutoff()`); kNN by `exact_knn` (bf16 candidate products where the CPU has native bf16,",
        "float64 refinement) unless the row says faiss. The dense computation does not fit in memory at 32,621",
        "(≈13 GB of N×N arrays), so it runs at the smaller N, where the sparse path must give identical labels.",
        "\"Whole process\": interpreter start, imports, kernel loading (the same steps run first on 300 items) or, in the fresh-install",
        "row, compilation, generating the features, the call; wall and CPU seconds. \"load\": 1-minute load average when",
        "the case ended; the 2 cores are shared, so compare ratios measured in the same run." +
        (f" Each case started after {a.settle:g} s of idle (`--settle`), so that the previous case's load had passed." if a.settle else ""),
        "", *rows])
    print(md)
    if a.write and not a.quick: write_section("cluster", md)


if __name__ == "__main__":
    main()
