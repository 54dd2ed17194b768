"""Benchmark: GSMLP label prediction (reidlab_gsmlp_smlc.labels) against upstream's dense form, same run.

B = 128 anchors, D = 2048, memories of the three training-set sizes (Market 12,936 / Duke 16,522 / MSMT17 32,621
images) filled with synthetic clustered unit features (17 images per identity, per-image noise so that anchors
range from m = 1 to well above L). τ = 0.6, L = 10, candidate_padding = "stable" (upstream's rule with a stable
sort), so all paths must return identical labels.
  * dense: upstream's computation re-derived (andreYoo/GSMLP-SMLC @ ed197ab, lib/multilabelprediction/gsmlp.py):
    the N×N adjacency A = MMᵀ with zero diagonal, torch.cdist(A[t], A), per-anchor sort/top-k loop;
  * chunked: `gsmlp_labels(..., method="chunked")`, adjacency rows in blocks (same float32 arithmetic);
  * gram: `gsmlp_labels(bank, ...)` with G = MᵀM, q, n kept by `MemoryBank(track_gram=True)`; the exact refresh
    of G, q, n (once per epoch and after an overhaul) and the incremental upkeep of one batch write are timed too.
Each case runs in its own process; "extra" is the peak resident memory above the process's memory just before
the call (memory bank already built). The dense form runs only up to --dense-max-n (default 12,936: upstream needs
+2.22 / +8.27 GiB at the two larger sizes on a CPU run; the machine is shared).

  python benchmarks/bench_gsmlp_smlc_labels.py [--quick] [--write] [--dense-max-n 12936] [--threads 1]
"""
from __future__ import annotations

import argparse, hashlib, sys, time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common_util import child_report, current_rss_gb, fmt, machine_line, run_case, write_section

SIZES = {"Market-1501": 12936, "DukeMTMC-reID": 16522, "MSMT17": 32621}
B, TAU, L = 128, 0.6, 10
UPSTREAM_EXTRA_GB = {12936: 1.40, 16522: 2.22, 32621: 8.27}     # measured CPU runs of upstream's function


def memory_rows(n: int, dim: int, out, seed: int = 0):
    "Fill `out` (n, dim) with clustered unit features in row blocks (no full-size temporaries); return true ids"
    import torch
    g = torch.Generator().manual_seed(seed)
    n_ids = max(2, n // 17)
    centres = torch.randn(n_ids, dim, generator=g)
    ids = torch.arange(n) % n_ids
    ids = ids[torch.randperm(n, generator=g)]
    for i in range(0, n, 2048):
        j = min(n, i + 2048)
        noise = 0.5 + 0.7 * torch.rand(j - i, 1, generator=g)
        out[i:j] = torch.nn.functional.normalize(centres[ids[i:j]] + noise * torch.randn(j - i, dim, generator=g), dim=1)
    anchors = torch.randperm(n, generator=g)[:B]
    return ids, anchors


def dense_upstream(m, t, tau: float, min_candidates: int):
    "Upstream's form: N×N adjacency (zero diagonal), cdist against all of it, a Python loop over anchors"
    import torch
    n = m.shape[0]
    a = m @ m.T
    a.fill_diagonal_(0)
    d = torch.cdist(a[t], a)
    s_all = m[t] @ m.T
    out = torch.zeros(len(t), n, dtype=torch.bool)
    for b, anchor in enumerate(t.tolist()):
        s = s_all[b]
        above = s >= tau
        cnt = int(above.sum())
        if cnt == 1: out[b, anchor] = True; continue
        k = min(max(cnt, min_candidates), n)
        cand = torch.sort(torch.where(above, s, torch.full_like(s, -1.0)), descending=True, stable=True).indices[:k]
        row = d[b].clone(); row[anchor] = 0
        near = torch.sort(row, stable=True).indices[:min(k + 1, n)]
        keep = cand[torch.isin(cand, near)]
        out[b, keep] = True; out[b, anchor] = True
    return out


def measure(name: str, n: int, dim: int) -> dict:
    import torch
    from reidlab_gsmlp_smlc.labels import gsmlp_labels
    from reidlab_gsmlp_smlc.memory import MemoryBank
    extra = {}
    if name == "gram":
        bank = MemoryBank(n, dim, track_gram=True)
        _, t = memory_rows(n, dim, bank.memory)
        gsmlp_labels(bank.memory[:300], torch.arange(8))                   # warm-up (kernels, thread pool)
        rss0 = current_rss_gb(); t0 = time.perf_counter()
        bank.refresh_gram()
        extra["refresh_seconds"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        y = gsmlp_labels(bank, t, TAU, L, "stable")
        dt = time.perf_counter() - t0
        f = torch.nn.functional.normalize(torch.randn(len(t), dim), dim=1)
        t0 = time.perf_counter()
        bank.update(f, t)
        extra["update_seconds"] = time.perf_counter() - t0
    else:
        m = torch.empty(n, dim)
        _, t = memory_rows(n, dim, m)
        gsmlp_labels(m[:300], torch.arange(8), method="chunked")
        rss0 = current_rss_gb(); t0 = time.perf_counter()
        y = dense_upstream(m, t, TAU, L) if name == "dense" else gsmlp_labels(m, t, TAU, L, "stable", method="chunked")
        dt = time.perf_counter() - t0
    packed = np.packbits(y.numpy(), axis=1)
    np.save(Path("/tmp") / f"bench_gsmlp_labels_{name}_{n}_{dim}.npy", packed)
    return dict(seconds=dt, rss_gb_before=rss0, n=n, positives=float(y.sum(1).double().mean()),
                labels=hashlib.sha1(packed.tobytes()).hexdigest(), **extra)


def case(name: str, n: int, dim: int):
    return child_report(**measure(name, n, dim))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true"); ap.add_argument("--write", action="store_true")
    ap.add_argument("--dim", type=int, default=2048); ap.add_argument("--dense-max-n", type=int, default=12936)
    ap.add_argument("--threads", type=int, default=0, help="torch threads in every case (0: torch's default)")
    ap.add_argument("--case"); ap.add_argument("--scale", type=float, default=1.0); ap.add_argument("--n", type=int)
    a = ap.parse_args()
    if a.threads:
        import torch
        torch.set_num_threads(a.threads)
    if a.case: return case(a.case, a.n, a.dim)
    scale, dim = (0.1, 256) if a.quick else (1.0, a.dim)
    header = machine_line()
    ref_dense = None
    rows = ["| size | path | time per call (s) | peak extra RSS (GiB) | labels = dense | labels = chunked | speed-up vs dense | positives / anchor |",
            "|---|---|---|---|---|---|---|---|"]
    notes = []
    for ds, full_n in SIZES.items():
        n = int(full_n * scale)
        res = {}
        for kind in ("dense", "chunked", "gram"):
            if kind == "dense" and n > a.dense_max_n:
                res[kind] = None
                continue
            print(f"running {kind} N={n} ...", file=sys.stderr, flush=True)
            if a.quick: res[kind] = {**measure(kind, n, dim), "peak_rss_gb": None}     # in-process: no memory figures
            else: res[kind] = run_case(__file__, kind, scale, ["--n", str(n), "--dim", str(dim), "--threads", str(a.threads)])
        dense, chunked, gram = res["dense"], res["chunked"], res["gram"]
        dense_s = dense["seconds"] if dense and "error" not in dense else None
        est = None
        if dense_s is None and not a.quick and ref_dense is not None:
            est = ref_dense[1] * (n / ref_dense[0]) ** 2          # 2N²D dominates
        for kind, r in (("dense (upstream form)", dense), ("chunked", chunked), ("gram (tracked G, q)", gram)):
            if r is None:
                up = UPSTREAM_EXTRA_GB.get(full_n)
                rows.append(f"| {ds} N={n:,} | {kind} | not run" + (f" (≈{est:.0f} s by N² scaling)" if est else "") +
                            f" | not run (upstream measured +{up} GiB)" * (up is not None) + " | | | | |")
                continue
            if "error" in r: rows.append(f"| {ds} N={n:,} | {kind} | failed: {r['error']} | | | | | |"); continue
            extra = None if r["peak_rss_gb"] is None else max(r["peak_rss_gb"] - r["rss_gb_before"], 0.0)
            same_d = "" if dense is None or "error" in dense or r is dense else ("yes" if r["labels"] == dense["labels"] else "NO")
            same_c = "" if r is chunked or r is dense or "error" in chunked else ("yes" if r["labels"] == chunked["labels"] else "NO")
            base = dense_s if dense_s is not None else est
            speed = "" if r is dense or base is None else f"{base / r['seconds']:.0f}×" + ("" if dense_s is not None else " (vs estimate)")
            rows.append(f"| {ds} N={n:,} | {kind} | {fmt(r['seconds'])} | {fmt(extra)} | {same_d} | {same_c} | {speed} | {r['positives']:.2f} |")
            if r is gram:
                notes.append(f"{ds}: exact refresh of G, q, n {fmt(r['refresh_seconds'])} s (once per epoch / overhaul); "
                             f"incremental upkeep of one {B}-row write {fmt(r['update_seconds'])} s")
        if dense_s is not None: ref_dense = (n, dense_s)
    cmd = "python benchmarks/bench_gsmlp_smlc_labels.py" + (" --quick" if a.quick else "") + (" --write" if a.write else "") + \
          (f" --threads {a.threads}" if a.threads else "")
    md = "\n".join([
        "## GSMLP label prediction (reidlab_gsmlp_smlc.labels)", "",
        f"Command: `{cmd}` ({'1/10 scale, D=256, all cases in one process (no memory figures)' if a.quick else f'full size, D={dim}'}; {header}).",
        f"B = {B} anchors, τ = {TAU}, L = {L}, candidate_padding=\"stable\" (upstream's rule), synthetic clustered unit",
        "memories (17 images per identity, varied noise). dense = upstream's form (N×N adjacency + `torch.cdist`, per-anchor",
        "loop), chunked = exact blocked cdist, gram = float64 Gram identity with G, q, n kept by the memory bank. One run",
        "per row, each in its own process; extra = peak RSS above the process just before the call (memory already built).",
        "The dense form is run only where memory allows on this shared machine; elsewhere its time is an N² extrapolation",
        "and its memory the upstream function's measured peak. Timings are noisy when other jobs share the cores.", "",
        *rows, "", *[f"- {x}" for x in notes]])
    print(md)
    if a.write: write_section("gsmlp_labels", md)


if __name__ == "__main__":
    main()
