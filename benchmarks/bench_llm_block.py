"""The LLM block (reidlab_llm.model.LowRankLocalMatching): fused attention vs the explicit matching matrix, same run.

Input: the stem map of a 288×144 image, (B, 64, 72, 36), B = 64 (the paper's batch, 2·P·K with P=8, K=4):
N = 2,592 positions matched against N2 = 648 pooled regions (kv_pool=True, the paper's model) or against all
2,592 positions (kv_pool=False, ablation A4). "explicit" forms A = softmax(QKᵀ/√d_k) (B × N × N2 floats, upstream's
form of the computation, re-derived); "fused" calls `scaled_dot_product_attention` and never forms A. Cases:

  eval          forward in eval mode (no dropout)
  train p=0.1   forward + backward in training mode with the paper's attention dropout 0.1
  train p=0     forward + backward without dropout

On a CPU, PyTorch's fused kernel has no dropout: a training step with dropout > 0 runs PyTorch's reference kernel,
which forms A like the explicit path does (GPU kernels apply dropout inside the kernel). The explicit A4 cases at
B = 64 would need several GiB for the matching matrices alone, so they are measured at a small batch and the peak
is extrapolated per image (the matrices dominate; both measured and extrapolated rows are shown).

Every case runs in its own process; memory = that process's peak RSS, "before" = its RSS just before the first call
(input and weights allocated), "extra" = peak − before. Times are the best of --repeats calls after that first one.
The output of every eval case is compared with the explicit path's (max |difference|).

  python benchmarks/bench_llm_block.py              # full size (B = 64 at 72×36), prints the table (a few minutes on 2 cores)
  python benchmarks/bench_llm_block.py --quick      # tiny (B = 2 at 16×8), in one process, < 30 s
  python benchmarks/bench_llm_block.py --write      # also rewrite the `llm_block` section of RESULTS.md
"""
from __future__ import annotations

import argparse, json, os, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common_util import child_report, current_rss_gb, fmt, machine_line, run_case, write_section

# (name, impl, mode, kv_pool, batch, dropout); batch None = the full batch
CASES = [
    ("explicit eval", "explicit", "eval", True, None, 0.0),
    ("fused eval", "fused", "eval", True, None, 0.0),
    ("explicit train p=0.1", "explicit", "train", True, None, 0.1),
    ("fused train p=0.1", "fused", "train", True, None, 0.1),
    ("explicit train p=0", "explicit", "train", True, None, 0.0),
    ("fused train p=0", "fused", "train", True, None, 0.0),
    ("A4 explicit eval (small batch)", "explicit", "eval", False, "small", 0.0),
    ("A4 explicit train p=0.1 (small batch)", "explicit", "train", False, "small", 0.1),
    ("A4 fused eval", "fused", "eval", False, None, 0.0),
    ("A4 fused train p=0", "fused", "train", False, None, 0.0),
]


def one_case(impl, mode, kv_pool, batch, dropout, h, w, repeats, out_path=None) -> dict:
    "Time one case in this process; return its measurements"
    import torch
    from reidlab_common.core import seed_everything
    from reidlab_llm.model import LowRankLocalMatching
    seed_everything(0)
    blk = LowRankLocalMatching(kv_pool=kv_pool, dropout=dropout, impl=impl)
    blk.train(mode == "train")
    g = torch.Generator().manual_seed(1)
    x = torch.randn(batch, 64, h, w, generator=g)
    with torch.no_grad(): blk.bn.running_var.uniform_(0.5, 2.0, generator=g)

    def call():
        if mode == "eval":
            with torch.no_grad(): return blk(x)
        xr = x.detach().requires_grad_(True)
        y = blk(xr)
        y.sum().backward()
        blk.zero_grad(set_to_none=True)
        return y.detach()

    before = current_rss_gb()
    t = time.perf_counter(); y = call(); first = time.perf_counter() - t
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); call(); times.append(time.perf_counter() - t)
    if out_path and mode == "eval": torch.save(y, out_path)
    n, n2 = h * w, (h * w // 4 if kv_pool else h * w)
    return dict(time_s=min(times) if times else first, first_s=first, before_gb=before, batch=batch, n=n, n2=n2,
                matrix_gb=batch * n * n2 * 4 / 2**30, threads=torch.get_num_threads())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="B=2 at 16×8, all cases in this process")
    ap.add_argument("--write", action="store_true", help="rewrite the llm_block section of RESULTS.md (never with --quick)")
    ap.add_argument("--batch", type=int, default=64); ap.add_argument("--small-batch", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--case", help=argparse.SUPPRESS); ap.add_argument("--scale", help=argparse.SUPPRESS)
    ap.add_argument("--spec", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.case:                                    # child process: one case
        s = json.loads(a.spec)
        child_report(**one_case(s["impl"], s["mode"], s["kv_pool"], s["batch"], s["dropout"], s["h"], s["w"], s["repeats"], s.get("out")))
        return
    h, w, batch, small = (16, 8, 2, 1) if a.quick else (72, 36, a.batch, a.small_batch)
    header = machine_line()
    rows = []
    with tempfile.TemporaryDirectory() as td:
        for name, impl, mode, kv_pool, b, p in CASES:
            bb = small if b == "small" else batch
            out = str(Path(td)/f"{len(rows)}.pt") if mode == "eval" else None
            spec = dict(impl=impl, mode=mode, kv_pool=kv_pool, batch=bb, dropout=p, h=h, w=w, repeats=0 if a.quick else a.repeats, out=out)
            if a.quick:
                r = one_case(**{k: v for k, v in spec.items() if k != "out"}, out_path=out)
                import resource
                r["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
            else:
                r = run_case(__file__, name, 1.0, ["--spec", json.dumps(spec)], timeout=3600)
            r.update(name=name, impl=impl, mode=mode, kv_pool=kv_pool, dropout=p, out=out)
            rows.append(r)
            print(f"{name}: {fmt(r.get('time_s'), 3)} s, peak {fmt(r.get('peak_rss_gb'))} GiB {r.get('error', '')}", file=sys.stderr, flush=True)
        import torch
        ref = {}
        for r in rows:
            if r.get("out") and "error" not in r and os.path.exists(r["out"]):
                y = torch.load(r["out"], weights_only=True)
                key = (r["kv_pool"], r["batch"])
                if r["impl"] == "explicit": ref[key] = y
                elif key in ref: r["max_diff"] = float((y - ref[key]).abs().max())
    md = table(rows, a, h, w, batch, small, header)
    print(md)
    if a.write and not a.quick:
        write_section("llm_block", md)
        print("wrote the llm_block section of RESULTS.md", file=sys.stderr)


def table(rows, a, h, w, batch, small, header) -> str:
    by = {r["name"]: r for r in rows}
    lines = [
        "## LLM block: fused vs explicit matching (reidlab_llm)", "",
        f"Command: `python benchmarks/bench_llm_block.py{' --quick' if a.quick else ''}"
        f"{f' --repeats {a.repeats}' if a.repeats != 2 and not a.quick else ''}{f' --batch {a.batch}' if a.batch != 64 and not a.quick else ''}` ({'quick: ' if a.quick else ''}B = {batch} stem maps "
        f"of 64×{h}×{w}{' (a 288×144 input)' if (h, w) == (72, 36) else ''}; {header}). `LowRankLocalMatching` (d_k = d_v = 64, one head); "
        f"explicit = softmax(QKᵀ/√d_k) formed, then AV (upstream's form); fused = `scaled_dot_product_attention`. "
        f"Time: {'the first call' if a.quick else f'best of {a.repeats} call(s) after a first one'}; memory: "
        f"{'one process for all cases in quick mode, so peaks accumulate' if a.quick else 'each case in its own process'}. "
        "\"matrix\" = one float32 copy of A (B·N·N2·4 bytes). Timings are noisy when other jobs share the cores.", "",
        "| case | B | N × N2 | matrix (GiB) | time (s) | peak RSS (GiB) | before (GiB) | extra (GiB) | speed-up vs explicit | max abs diff vs explicit |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['name']} | | | | error: {r['error'][:100]} | | | | | |"); continue
        twin = by.get(r["name"].replace("fused", "explicit")) if r["impl"] == "fused" else None
        speed = f"{twin['time_s'] / r['time_s']:.1f}×" if twin and "error" not in twin and twin.get("batch") == r["batch"] else ""
        extra = r["peak_rss_gb"] - r["before_gb"]
        diff = f"{r['max_diff']:.1e}" if "max_diff" in r else ""
        lines.append(f"| {r['name']} | {r['batch']} | {r['n']:,} × {r['n2']:,} | {r['matrix_gb']:.2f} | {r['time_s']:.3f} | "
                     f"{r['peak_rss_gb']:.2f} | {r['before_gb']:.2f} | {extra:.2f} | {speed} | {diff} |")
    # A4 at the full batch in the explicit form: extrapolated from the small-batch run (extra memory per image)
    copies = []
    for mode in ("eval", "train p=0.1"):
        s = by.get(f"A4 explicit {mode} (small batch)")
        if not s or "error" in s: continue
        extra = s["peak_rss_gb"] - s["before_gb"]
        copies.append(f"{extra / s['matrix_gb']:.1f} ({mode})")
        full = extra / s["batch"] * batch
        lines.append(f"| A4 explicit {mode}, estimated | {batch} | {s['n']:,} × {s['n2']:,} | {s['matrix_gb'] / s['batch'] * batch:.2f} | "
                     f"not run | | | ≈ {full:.1f} | | |")
    lines += ["", "Estimated rows: the small-batch explicit A4 run's extra memory per image × B; that run holds "
              + (", ".join(copies) or "?") + " float32 copies of A at its peak. The fused A4 rows at the full batch are measured. "
              "On a CPU the fused path with dropout > 0 runs PyTorch's reference kernel and needs about as much memory as the "
              "explicit one, so A4 training with the paper's dropout needs a GPU (fused kernels apply dropout in-kernel)."]
    return "\n".join(lines)

if __name__ == "__main__":
    main()
