"""Benchmark: k-reciprocal re-ranking (reidlab_common.rerank) against the dense per-row reference, same run.

Cases (k1=20, k2=6, lambda=0.3, squared Euclidean distances of synthetic 512-d identity features):
  * dense reference (`k_reciprocal_rerank_reference`: N×N float32 matrices, full argsort, per-row loops)
    at --ref-scale of the Market size (default 1/4: the full Market size needs ~10 GB, run it with --ref-scale 1);
  * `k_reciprocal_rerank` (exact dense semantics from the three distance matrices, no N×N temporaries)
    at the same size as the reference, for the equality check, and at Market size;
  * `k_reciprocal_rerank_features` (sparse, from features) at Market size and at MSMT17 test size
    (N = 11,659 + 82,161 = 93,820), followed by an evaluation over its blocks.

  python benchmarks/bench_rerank.py [--quick] [--write] [--skip CASE ...]

--quick runs three cases at 1/10 of the size (reference, dense semantics, sparse) and never writes RESULTS.md.
"""
from __future__ import annotations

import argparse, sys, time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common_util import child_report, current_rss_gb, fmt, load_now, machine_line, run_case, write_section
from bench_eval import make_features


def dist(a, b):
    from reidlab_common.metrics import pairwise_distance
    return pairwise_distance(a, b, "euclidean", device="cpu")


def case(name: str, scale: float, ref_scale: float):
    import torch
    from reidlab_common.rerank import k_reciprocal_rerank, k_reciprocal_rerank_features, k_reciprocal_rerank_reference
    from reidlab_common.metrics import evaluate, evaluate_blocks
    dataset, kind = name.split(":")
    s = scale * (ref_scale if kind in ("reference", "dense_small") else 1.0)
    qf, gf, q_ids, g_ids, q_cams, g_cams = make_features(dataset, s)
    k_reciprocal_rerank_features(qf[:30], gf[:60], k1=5, k2=2)      # load compiled kernels, torch warm-up
    if kind in ("reference", "dense_small", "dense"):
        qg, qq, gg = dist(qf, gf), dist(qf, qf), dist(gf, gf)
        rss0 = current_rss_gb(); t0 = time.perf_counter()
        fn = k_reciprocal_rerank_reference if kind == "reference" else k_reciprocal_rerank
        out = fn(qg, qq, gg, 20, 6, 0.3)
        dt = time.perf_counter() - t0
        res = evaluate(out, q_ids, g_ids, q_cams, g_cams)
        if kind != "dense":
            np.save(Path("/tmp") / f"bench_rerank_{kind}_{s:.4f}.npy", out)
            other = Path("/tmp") / f"bench_rerank_{'dense_small' if kind == 'reference' else 'reference'}_{s:.4f}.npy"
            diff = float(np.abs(np.load(other) - out).max()) if other.exists() else None
        else: diff = None
        return child_report(seconds=dt, rss_gb_before=rss0, n=len(qf) + len(gf), mAP=res.mAP, R1=res.cmc[0], max_abs_diff=diff)
    rss0 = current_rss_gb(); t0 = time.perf_counter()
    rr = k_reciprocal_rerank_features(qf, gf, 20, 6, 0.3, metric="euclidean", device="cpu")
    dt = time.perf_counter() - t0
    res = evaluate_blocks(rr.blocks(), q_ids, g_ids, q_cams, g_cams)
    dt_eval = time.perf_counter() - t0 - dt
    return child_report(seconds=dt, eval_seconds=dt_eval, rss_gb_before=rss0, n=len(qf) + len(gf), mAP=res.mAP, R1=res.cmc[0],
                        jaccard_nnz=int(rr.jaccard.nnz))


CASES = [
    ("market:reference", "dense reference (N×N arrays, per-row loops)", None),
    ("market:dense_small", "`k_reciprocal_rerank` (dense semantics), same size as the reference", "market:reference"),
    ("market:dense", "`k_reciprocal_rerank` (dense semantics), Market size", None),
    ("market:sparse", "`k_reciprocal_rerank_features` (sparse), Market size", None),
    ("market:sparse:cold", "the same, fresh install (empty numba cache: kernels compiled in the process)", None),
    ("msmt17:sparse", "`k_reciprocal_rerank_features` (sparse), MSMT17 test size", None),
]


QUICK = ("market:reference", "market:dense_small", "market:sparse")   # --quick: three small processes (< 30 s)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true"); ap.add_argument("--write", action="store_true")
    ap.add_argument("--ref-scale", type=float, default=0.25, help="size of the dense reference relative to Market")
    ap.add_argument("--skip", nargs="*", default=[])
    ap.add_argument("--case"); ap.add_argument("--scale", type=float, default=1.0)
    a = ap.parse_args()
    if a.case: return case(a.case.replace(":cold", ""), a.scale, a.ref_scale)
    scale = 0.1 if a.quick else 1.0
    header = machine_line(); reps = {}
    for name, _, _ in CASES:
        if name in a.skip or (a.quick and name not in QUICK): continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        reps[name] = run_case(__file__, name, scale, ["--ref-scale", str(a.ref_scale)], cold=name.endswith(":cold"))
        reps[name]["load"] = load_now()
    rows = ["| case | N = Q+G | call (s) | whole process: wall / CPU (s) | load | peak RSS (GiB) | R1 | mAP | speed-up vs reference (call / whole process) | max abs diff vs reference |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for name, label, ref in CASES:
        r = reps.get(name)
        if r is None: continue
        if "error" in r: rows.append(f"| {label} | | failed: {r['error']} | | | | | | | |"); continue
        rr = reps.get(ref) or {}
        ratio = f"{rr['seconds'] / r['seconds']:.1f}× / {rr['process_s'] / r['process_s']:.1f}×" if "seconds" in rr else ""
        t = fmt(r["seconds"]) + (f" (+{r['eval_seconds']:.1f} evaluation)" if "eval_seconds" in r else "")
        diff = "" if r.get("max_abs_diff") is None else f"{r['max_abs_diff']:.1e}"
        rows.append(f"| {label} | {r['n']:,} | {t} | {r['process_s']:.2f} / {r['process_cpu_s']:.2f} | {r['load']} | {fmt(r['peak_rss_gb'])} (before: {r['rss_gb_before']:.2f}) | "
                    f"{100 * r['R1']:.2f} | {100 * r['mAP']:.4f} | {ratio} | {diff} |")
    cmd = "python benchmarks/bench_rerank.py" + (" --quick" if a.quick else "") + (" --write" if a.write else "") + \
          (f" --ref-scale {a.ref_scale}" if a.ref_scale != 0.25 else "") + (" --skip " + " ".join(a.skip) if a.skip else "")
    md = "\n".join([
        "## Re-ranking (reidlab_common.rerank)", "",
        f"Command: `{cmd}` ({'1/10 scale' if a.quick else 'full size'}; {header}).",
        "k1=20, k2=6, λ=0.3 on squared Euclidean distances of synthetic identity-structured 512-d features (as in",
        "bench_eval.py). The dense reference keeps every N×N array in memory (the full Market size needs ~10 GiB,",
        "so by default it runs at 1/4 of it; `--ref-scale 1` for the full size); the same-size `k_reciprocal_rerank`",
        "row is the equality check (max |difference| of the re-ranked matrices). Sparse times exclude the evaluation",
        "over the produced blocks, shown in brackets. \"before\" = RSS just before the timed call (inputs loaded).",
        "\"Whole process\": interpreter start, imports, kernel loading (a tiny warm-up call) or, in the fresh-install row,",
        "compilation, generating the inputs, the call and the evaluation; wall and CPU seconds. \"load\": 1-minute load",
        "average when the case ended; the 2 cores are shared, so compare ratios measured in the same run.", "", *rows])
    print(md)
    if a.write and not a.quick: write_section("rerank", md)


if __name__ == "__main__":
    main()
