"""Benchmark: evaluation (reidlab_common.metrics) against a plain per-query NumPy reference, same run.

Sizes: Market-1501 test (3,368 queries × 15,913 gallery) from a float32 distance matrix, and MSMT17
test (11,659 × 82,161) from 512-d features and from a float32 distance matrix. Synthetic features:
one random centre per identity plus noise, L2-normalised, 6 (Market) / 15 (MSMT17) cameras; squared
Euclidean distances. Every case runs in its own process; peak memory is that process's peak RSS.

  python benchmarks/bench_eval.py            # full sizes, prints the table
  python benchmarks/bench_eval.py --quick    # 1/10 of the queries and gallery
  python benchmarks/bench_eval.py --write    # also rewrite the `evaluation` section of RESULTS.md
"""
from __future__ import annotations

import argparse, sys, time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common_util import child_report, current_rss_gb, fmt, load_now, machine_line, run_case, write_section

NOISE = 2.2   # per-dimension noise around the identity centre: mAP in the tens of percent, like a weak model
SIZES = {"market": (3368, 15913, 751, 6), "msmt17": (11659, 82161, 3060, 15)}


def make_features(name: str, scale: float, dim: int = 512, seed: int = 0):
    n_q, n_g, n_ids, n_cams = SIZES[name]
    n_q, n_g, n_ids = max(50, int(n_q * scale)), max(200, int(n_g * scale)), max(20, int(n_ids * scale))
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_ids, dim)).astype(np.float32)
    q_ids, g_ids = rng.integers(0, n_ids, n_q), rng.integers(0, n_ids, n_g)
    def feats(ids):
        f = centres[ids] + NOISE * rng.standard_normal((len(ids), dim)).astype(np.float32)
        return f / np.linalg.norm(f, axis=1, keepdims=True)
    return feats(q_ids), feats(g_ids), q_ids, g_ids, rng.integers(0, n_cams, n_q), rng.integers(0, n_cams, n_g)


def distances(qf, gf, rows=1024):
    "float32 squared Euclidean distances, filled block by block (no float64 copy)"
    out = np.empty((len(qf), len(gf)), np.float32)
    g_sq = (gf * gf).sum(1)
    for s in range(0, len(qf), rows):
        q = qf[s:s + rows]
        out[s:s + rows] = (q * q).sum(1)[:, None] + g_sq[None] - 2 * (q @ gf.T)
    return out


def _sz(name, scale):
    n_q, n_g = SIZES[name][:2]
    return f"{max(50, int(n_q * scale)):,}×{max(200, int(n_g * scale)):,}"


def reference_rows(dist_rows, q_ids, q_cams, g_ids, g_cams, max_rank=50):
    "Plain per-query reference (torchreid eval_market1501 + mINP): a full argsort of every row"
    cmc_sum, aps, inps = np.zeros(max_rank), [], []
    for i, row in enumerate(dist_rows):
        order = np.argsort(row)
        keep = ~((g_ids[order] == q_ids[i]) & (g_cams[order] == q_cams[i]))
        m = (g_ids[order] == q_ids[i])[keep].astype(np.int32)
        if not m.any(): continue
        cmc = m.cumsum(); cmc[cmc > 1] = 1
        cmc_sum += cmc[:max_rank]
        pos = np.flatnonzero(m)
        aps.append(np.mean((np.arange(len(pos)) + 1) / (pos + 1)))
        inps.append(len(pos) / (pos[-1] + 1))
    return cmc_sum, aps, inps


def save_inputs(scale: float) -> str:
    "Write each dataset's features, ids, cameras and the float32 distance matrix to .npy files once; return the folder"
    import tempfile
    folder = Path(tempfile.mkdtemp(prefix="bench-eval-"))
    for name in SIZES:
        qf, gf, q_ids, g_ids, q_cams, g_cams = make_features(name, scale)
        for k, v in dict(qf=qf, gf=gf, q_ids=q_ids, g_ids=g_ids, q_cams=q_cams, g_cams=g_cams).items():
            np.save(folder / f"{name}_{k}.npy", v)
        if name == "market": np.save(folder / f"{name}_dist.npy", distances(qf, gf))
    return str(folder)


def load_inputs(folder: str, name: str, *keys):
    return [np.load(Path(folder) / f"{name}_{k}.npy") for k in keys]


def case(name: str, scale: float, inputs: str):
    "One case in its own process; the whole process (start, imports, input load, call) is timed by the parent"
    dataset, kind = name.split(":")
    q_ids, g_ids, q_cams, g_cams = load_inputs(inputs, dataset, "q_ids", "g_ids", "q_cams", "g_cams")
    if kind == "reference":
        qf, gf = load_inputs(inputs, dataset, "qf", "gf")
        t0 = time.perf_counter()
        cmc_sum, aps, inps = np.zeros(50), [], []
        for s in range(0, len(qf), 1024):     # distances block by block, then one argsort per query
            c, a, n = reference_rows(distances(qf[s:s + 1024], gf), q_ids[s:s + 1024], q_cams[s:s + 1024], g_ids, g_cams)
            cmc_sum += c; aps += a; inps += n
        dt = time.perf_counter() - t0
        return child_report(seconds=dt, R1=cmc_sum[0] / len(aps), mAP=float(np.mean(aps)), mINP=float(np.mean(inps)),
                            note="includes computing the distances")
    if kind == "distmat_reference":
        (d,) = load_inputs(inputs, dataset, "dist")
        rss0 = current_rss_gb(); t0 = time.perf_counter()
        cmc_sum, aps, inps = reference_rows(d, q_ids, q_cams, g_ids, g_cams)
        dt = time.perf_counter() - t0
        return child_report(seconds=dt, rss_gb_before=rss0, R1=cmc_sum[0] / len(aps), mAP=float(np.mean(aps)), mINP=float(np.mean(inps)))
    from reidlab_common.metrics import evaluate, evaluate_features
    if kind == "features":
        qf, gf = load_inputs(inputs, dataset, "qf", "gf")
        rss0 = current_rss_gb(); t0 = time.perf_counter()
        res = evaluate_features(qf, gf, q_ids, g_ids, q_cams, g_cams, metric="euclidean", device="cpu")
        dt = time.perf_counter() - t0
        return child_report(seconds=dt, rss_gb_before=rss0, R1=res.cmc[0], mAP=res.mAP, mINP=res.mINP)
    if dataset == "market":
        (d,) = load_inputs(inputs, dataset, "dist")
    else:
        qf, gf = load_inputs(inputs, dataset, "qf", "gf")
        d = distances(qf, gf)
        del qf, gf
    rss0 = current_rss_gb(); t0 = time.perf_counter()
    res = evaluate(d, q_ids, g_ids, q_cams, g_cams)
    dt = time.perf_counter() - t0
    return child_report(seconds=dt, rss_gb_before=rss0, matrix_gb=d.nbytes / 2**30, R1=res.cmc[0], mAP=res.mAP, mINP=res.mINP)


CASES = [  # (case, label, compared-to case)
    ("market:distmat_reference", "Market size, distance matrix: per-query NumPy reference", None),
    ("market:distmat", "Market size, distance matrix: `evaluate`", "market:distmat_reference"),
    ("market:distmat:cold", "the same, fresh install (empty numba cache)", "market:distmat_reference"),
    ("market:features", "Market, 512-d features: `evaluate_features` (CPU)", "market:reference"),
    ("market:reference", "Market, 512-d features: blocked distances + per-query NumPy reference", None),
    ("msmt17:reference", "MSMT17 size, 512-d features: blocked distances + per-query NumPy reference", None),
    ("msmt17:features", "MSMT17, 512-d features: `evaluate_features` (CPU)", "msmt17:reference"),
    ("msmt17:distmat", "MSMT17, float32 distance matrix (3.6 GiB): `evaluate`", None),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1/10 of every size")
    ap.add_argument("--write", action="store_true", help="rewrite the evaluation section of benchmarks/RESULTS.md")
    ap.add_argument("--skip", nargs="*", default=[], help="case names to skip, e.g. msmt17:distmat")
    ap.add_argument("--case"); ap.add_argument("--scale", type=float, default=1.0); ap.add_argument("--inputs")
    a = ap.parse_args()
    if a.case: return case(a.case.replace(":cold", ""), a.scale, a.inputs)
    scale = 0.1 if a.quick else 1.0
    header = machine_line()
    inputs = save_inputs(scale)
    reps = {}
    for name, label, _ in CASES:
        if name in a.skip: continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        reps[name] = run_case(__file__, name, scale, ["--inputs", inputs], cold=name.endswith(":cold"))
        reps[name]["load"] = load_now()
    import shutil; shutil.rmtree(inputs, ignore_errors=True)
    rows = ["| case | call (s) | whole process: wall / CPU (s) | load | peak RSS (GiB) | R1 | mAP | mINP | call speed-up | whole-process speed-up |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for name, label, ref in CASES:
        r = reps.get(name)
        if r is None: continue
        if "error" in r: rows.append(f"| {label} | failed: {r['error']} | | | | | | | | |"); continue
        rr = reps.get(ref, {})
        ratio = f"{rr['seconds'] / r['seconds']:.1f}×" if "seconds" in rr else ""
        wratio = f"{rr['process_s'] / r['process_s']:.1f}×" if "process_s" in rr else ""
        extra = f" (before: {r['rss_gb_before']:.2f})" if "rss_gb_before" in r else ""
        rows.append(f"| {label} | {fmt(r['seconds'])} | {r['process_s']:.2f} / {r['process_cpu_s']:.2f} | {r['load']} | "
                    f"{fmt(r['peak_rss_gb'])}{extra} | {100 * r['R1']:.2f} | {100 * r['mAP']:.4f} | {100 * r['mINP']:.4f} | {ratio} | {wratio} |")
    cmd = "python benchmarks/bench_eval.py" + (" --quick" if a.quick else "") + (" --write" if a.write else "") + \
          (" --skip " + " ".join(a.skip) if a.skip else "")
    md = "\n".join([
        "## Evaluation (reidlab_common.metrics)", "",
        f"Command: `{cmd}` ({'1/10 scale' if a.quick else 'full size'}: Market {_sz('market', scale)}, MSMT17 {_sz('msmt17', scale)}; {header}).",
        "Synthetic identity-structured 512-d features (random centre per id + N(0, 2.2²) noise per dimension, L2-normalised), squared Euclidean",
        "distances, Market protocol, step AP, written once to .npy files. Each case runs in its own process: \"call\" is the",
        "timed call; \"whole process\" is everything a user waits for (interpreter start, imports, numba kernels if any,",
        "loading the inputs from .npy, the call), wall and CPU seconds; \"load\" is the 1-minute load average when the",
        "case ended (2 shared cores: under load wall times stretch, compare the ratios, measured in the same run).",
        "Peak RSS is the process's peak, \"before\" its RSS just before the call. The reference computes the same",
        "metrics the way torchreid's `eval_market1501` does (a full argsort of every row); identical R1/mAP/mINP columns",
        "are the same-run check. The evaluation needs no compiled kernel, so a fresh install is as fast as a later run.", "", *rows])
    print(md)
    if a.write and not a.quick: write_section("evaluation", md)


if __name__ == "__main__":
    main()
