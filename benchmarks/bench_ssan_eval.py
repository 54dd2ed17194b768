"""Benchmark: SSAN text-to-image evaluation at ICFG-PEDES size, upstream's form against reidlab_ssan's, same run.

ICFG-PEDES test: 19,848 captions (queries) × 19,848 images, four similarity variants (global, local,
non-local, all). Synthetic features with SSAN's shapes (global 1024, local 6×1024, non-local 6×512): one
random centre per identity and family (1,000 identities) plus noise; caption i describes image i.

  upstream   re-derived from zifyloo/SSAN (commit 5678369) src/test_during_train.py: the three families
             L2-normalised, four full float32 N_img × N_txt matrices ((local + global) + non_local), then
             for every caption and variant a NumPy argsort of its full row (reversed), the positives
             located with isin, CMC and trapezoidal AP per query in Python
  ours       reidlab_ssan.evaluate.evaluate_variants: captions in chunks sized from a 128 MiB budget, the
             three cosine blocks and their sum per chunk, ranked by reidlab_common.metrics.evaluate_t2i
             (positives only, no row sort), results combined over chunks

Each case runs in its own process; peak memory is that process's peak RSS; CPU time is the process's
(all threads), which stays meaningful on a shared machine where wall time does not. Both report R@1/5/10 and mAP per
variant; the table shows the largest difference between them.

  python benchmarks/bench_ssan_eval.py              # full ICFG-PEDES size
  python benchmarks/bench_ssan_eval.py --scale 0.25 # a quarter of the captions and images
  python benchmarks/bench_ssan_eval.py --quick      # 2% of the size, never writes RESULTS.md
  python benchmarks/bench_ssan_eval.py --write      # also rewrite the `ssan_eval` section of RESULTS.md
"""
from __future__ import annotations

import argparse, sys, time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common_util import child_report, machine_line, run_case, write_section

N_ICFG, N_IDS, NOISE = 19848, 1000, 6.0
DIMS = {"glob": (1, 1024), "local": (6, 1024), "non_local": (6, 512)}
VARIANTS = ("global", "local", "non_local", "all")


def make_features(scale: float, seed: int = 0):
    "(image Features, text Features, image ids, caption ids) with SSAN's shapes, float32"
    import torch
    from reidlab_ssan.model import Features
    n = max(200, int(N_ICFG * scale)); n_ids = max(20, int(N_IDS * scale))
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, n_ids, n)
    img, txt = {}, {}
    for fam, (k, d) in DIMS.items():
        centres = rng.standard_normal((n_ids, k * d), dtype=np.float32)
        img[fam] = torch.from_numpy(centres[ids] + NOISE * rng.standard_normal((n, k * d), dtype=np.float32)).view(n, k, d)
        txt[fam] = torch.from_numpy(centres[ids] + NOISE * rng.standard_normal((n, k * d), dtype=np.float32)).view(n, k, d)
    f = lambda x: Features(x["glob"][:, 0], x["local"], x["non_local"])
    return f(img), f(txt), ids, ids.copy()


def upstream_evaluate(image_features, text_features, image_pids, text_pids) -> dict:
    "Upstream's form: four full matrices, then one argsort per caption row and variant"
    import torch
    def norm(x): x = x.reshape(x.shape[0], -1); return x / x.norm(dim=1, keepdim=True)
    sims = {}
    with torch.no_grad():
        for name, fam in (("global", "glob"), ("local", "local"), ("non_local", "non_local")):
            sims[name] = (norm(getattr(image_features, fam)) @ norm(getattr(text_features, fam)).T).numpy()   # N_img × N_txt
    sims["all"] = (sims["local"] + sims["global"]) + sims["non_local"]
    out = {}
    for v in VARIANTS:
        sim_t = sims[v].T
        cmc_hits, aps = np.zeros(len(image_pids)), []
        for q in range(sim_t.shape[0]):
            order = np.argsort(sim_t[q])[::-1]
            good = np.argwhere(image_pids == text_pids[q]).flatten()
            rows_good = np.argwhere(np.isin(order, good)).flatten()
            cmc = np.zeros(len(order)); cmc[rows_good[0]:] = 1
            cmc_hits += cmc
            ap = 0.0
            for i, r in enumerate(rows_good):
                prec = (i + 1) / (r + 1)
                old = i / r if r != 0 else 1.0
                ap += (prec + old) / 2 / len(good)
            aps.append(ap)
        cmc = cmc_hits / sim_t.shape[0]
        out[v] = dict(R1=float(cmc[0]), R5=float(cmc[4]), R10=float(cmc[9]), mAP=float(np.mean(aps)))
    return out


def ours_evaluate(image_features, text_features, image_pids, text_pids) -> dict:
    from reidlab_ssan.evaluate import evaluate_variants
    res = evaluate_variants(image_features, text_features, image_pids, text_pids, device="cpu")
    return {v: dict(R1=r.rank(1), R5=r.rank(5), R10=r.rank(10), mAP=r.mAP) for v, r in res.items()}


def case(name: str, scale: float) -> None:
    import torch
    img, txt, i_ids, t_ids = make_features(scale)
    t, c = time.perf_counter(), time.process_time()
    res = (upstream_evaluate if name == "upstream" else ours_evaluate)(img, txt, i_ids, t_ids)
    child_report(seconds=time.perf_counter() - t, cpu_seconds=time.process_time() - c, metrics=res, n=len(i_ids),
                 threads=torch.get_num_threads())


def table(reps: dict, scale: float) -> str:
    n = next((r["n"] for r in reps.values() if "n" in r), 0)
    lines = [f"{n:,} captions × {n:,} images, 4 variants; {machine_line()}; torch threads {next(iter(reps.values())).get('threads', '?')}.", "",
             "| implementation | wall time (s) | CPU time (s) | peak RSS (GiB) | speed-up (CPU time) |", "|---|---:|---:|---:|---:|"]
    ref = reps.get("upstream", {}).get("cpu_seconds")
    for name, label in (("upstream", "upstream: 4 full matrices + per-query argsort"), ("ours", "ours: chunked, positives only")):
        r = reps[name]
        if "error" in r: lines.append(f"| {label} | – | – | – | error: {r['error']} |"); continue
        sp = f"{ref / r['cpu_seconds']:.1f}×" if ref else "–"
        lines.append(f"| {label} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | {r['peak_rss_gb']:.2f} | {sp} |")
    if all("metrics" in r for r in reps.values()):
        diff = max(abs(reps["upstream"]["metrics"][v][m] - reps["ours"]["metrics"][v][m]) for v in VARIANTS for m in ("R1", "R5", "R10", "mAP"))
        a = reps["ours"]["metrics"]["all"]
        lines += ["", f"Largest difference between the two over the 4 variants × (R@1, R@5, R@10, mAP): {diff:.2e} "
                      f"(\"all\": R@1 {100 * a['R1']:.2f}, mAP {100 * a['mAP']:.2f} on these synthetic features)."]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0); ap.add_argument("--quick", action="store_true")
    ap.add_argument("--write", action="store_true"); ap.add_argument("--case", help=argparse.SUPPRESS)
    a = ap.parse_args()
    scale = 0.02 if a.quick else a.scale
    if a.case: return case(a.case, scale)
    reps = {}
    for name in ("upstream", "ours"):
        reps[name] = run_case(__file__, name, scale)
        print(f"{name}: {reps[name].get('seconds', reps[name].get('error'))}", file=sys.stderr, flush=True)
    text = table(reps, scale)
    print(text)
    if "error" in reps["upstream"] or "error" in reps["ours"]: sys.exit(1)
    if a.write and not a.quick:
        cmd = "python benchmarks/bench_ssan_eval.py" + (f" --scale {a.scale}" if a.scale != 1.0 else "") + " --write"
        write_section("ssan_eval", "## SSAN text-to-image evaluation (ICFG-PEDES size)\n\n" + text + f"\n\nCommand: `{cmd}`\n")


if __name__ == "__main__":
    main()
