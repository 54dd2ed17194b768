"""Training-step throughput and peak memory of a ResNet-50 P×K step at 288×144 (reidlab_common backbones + losses).

One step = forward of P·K images through ResNet-50 (last stride 1) + GeM + BN-neck + classifier, label-smoothed
cross-entropy + batch-hard triplet, backward, SGD (Nesterov) step: what every paper here runs.
Modes, each in its own process so peak memory is its own:
  fp32            NCHW float32 (the reference; ratios are relative to it)
  channels_last   float32, channels_last memory format
  bf16            bfloat16 autocast (GeM and losses stay float32); on the CPU only if the build supports it
  fp16            float16 autocast + GradScaler (GPU only)

  python benchmarks/bench_train_step.py [--p 8 --k 4] [--steps 3] [--device auto] [--write] [--quick]

Defaults: P=8, K=4 (32 images) on a GPU; P=4, K=4 (16 images) on the CPU, to stay under ~4 GB of RAM.
--write replaces the train_step section of benchmarks/RESULTS.md (table + command), --quick runs a tiny
smoke version (64×32 inputs, 1 step) and never writes.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODES = ("fp32", "channels_last", "bf16", "fp16")


def one(mode: str, device: str, p: int, k: int, steps: int, height: int, width: int) -> dict:
    import torch
    from torch import nn
    from reidlab_common.backbones import BNNeck, GeM, resnet_trunk
    from reidlab_common.core import get_device, seed_everything
    from reidlab_common.losses import batch_hard_triplet_loss, label_smoothed_cross_entropy

    dev = get_device(device)
    if mode == "fp16" and dev.type != "cuda": return {"mode": mode, "status": "not measured: float16 autocast + GradScaler is GPU-only here"}
    seed_everything(0)

    class Net(nn.Module):
        def __init__(self, n_ids):
            super().__init__()
            self.trunk, self.pool, self.neck = resnet_trunk(50, last_stride=1), GeM(3.0), BNNeck(2048, n_ids)
        def forward(self, x):
            f = self.pool(self.trunk(x))
            return (f, *self.neck(f))

    n = p * k
    model = Net(p).to(dev)
    if mode == "channels_last": model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)
    amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(mode)
    scaler = torch.amp.GradScaler(dev.type, enabled=mode == "fp16")
    x = torch.randn(n, 3, height, width, device=dev)
    if mode == "channels_last": x = x.contiguous(memory_format=torch.channels_last)
    y = torch.arange(p, device=dev).repeat_interleave(k)

    def step():
        with torch.autocast(dev.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
            f, _, logits = model(x)
            loss = label_smoothed_cross_entropy(logits, y, 0.1) + batch_hard_triplet_loss(f, y, 0.3).loss
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward(); scaler.step(opt); scaler.update()
        return float(loss)

    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    try:
        step(); sync()                      # warm-up (allocations, kernel selection)
        if dev.type == "cuda": torch.cuda.reset_peak_memory_stats()
        times = []
        for _ in range(steps):
            t = time.perf_counter(); loss = step(); sync(); times.append(time.perf_counter() - t)
    except RuntimeError as e:
        return {"mode": mode, "status": f"not measured: {str(e).splitlines()[0][:120]}"}
    if dev.type == "cuda": peak = torch.cuda.max_memory_allocated() / 2**30; mem_kind = "GPU max allocated"
    else: peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20; mem_kind = "process peak RSS"
    best = min(times)
    return {"mode": mode, "status": "ok", "images": n, "step_s": best, "median_step_s": sorted(times)[len(times) // 2],
            "images_per_s": n / best, "peak_gib": peak, "mem_kind": mem_kind, "loss": loss, "steps": steps,
            "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"CPU ({os.cpu_count()} cores, {torch.get_num_threads()} threads)",
            "torch": torch.__version__}


def table(results: list, args) -> str:
    ref = next((r for r in results if r["mode"] == "fp32" and r["status"] == "ok"), None)
    ok = [r for r in results if r["status"] == "ok"]
    dev = ok[0]["device"] if ok else args.device
    n = ok[0]["images"] if ok else args.p * args.k
    lines = [f"Device: {dev}; torch {ok[0]['torch'] if ok else '?'}; P×K = {args.p}×{args.k} = {n} images at {args.height}×{args.width}; "
             f"best of {args.steps} steps after 1 warm-up step; peak memory = {ok[0]['mem_kind'] if ok else '-'}.", "",
             "| mode | step (s) | images/s | vs fp32 | peak memory (GiB) |", "|---|---:|---:|---:|---:|"]
    for r in results:
        if r["status"] != "ok":
            lines.append(f"| {r['mode']} | – | – | – | {r['status']} |"); continue
        ratio = f"{r['images_per_s'] / ref['images_per_s']:.2f}×" if ref else "–"
        lines.append(f"| {r['mode']} | {r['step_s']:.3f} | {r['images_per_s']:.1f} | {ratio} | {r['peak_gib']:.2f} |")
    return "\n".join(lines)


def write_section(text: str, command: str) -> None:
    path = HERE/"RESULTS.md"
    body = path.read_text()
    start, end = "<!-- section:train_step -->", "<!-- /section:train_step -->"
    if start not in body or end not in body: sys.exit(f"{path} lacks the train_step section markers")
    section = (f"{start}\n## Training step (reidlab_common.engine)\n\n"
               "ResNet-50 (last stride 1) + GeM + BN-neck + classifier, label-smoothed CE + batch-hard triplet, "
               "backward and SGD step. The reference is the float32 NCHW step of the same run; ratios are "
               "throughput relative to it.\n\n"
               f"{text}\n\nCommand: `{command}`\n"
               f"{end}")
    head, rest = body.split(start, 1)
    path.write_text(head + section + rest.split(end, 1)[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="auto"); ap.add_argument("--p", type=int); ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--steps", type=int, default=3); ap.add_argument("--height", type=int, default=288); ap.add_argument("--width", type=int, default=144)
    ap.add_argument("--modes", nargs="*", default=list(MODES)); ap.add_argument("--write", action="store_true")
    ap.add_argument("--quick", action="store_true"); ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--note", default="", help="text appended below the table (e.g. 'machine busy')")
    args = ap.parse_args()
    import torch
    cuda = torch.cuda.is_available() if args.device == "auto" else args.device.startswith("cuda")
    if args.p is None: args.p = 8 if cuda else 4
    if args.quick: args.height, args.width, args.steps, args.p, args.k = 64, 32, 1, 2, 2
    if args.one:
        print(json.dumps(one(args.one, args.device, args.p, args.k, args.steps, args.height, args.width)))
        return
    results = []
    for mode in args.modes:
        cmd = [sys.executable, __file__, "--one", mode, "--device", args.device, "--p", str(args.p), "--k", str(args.k),
               "--steps", str(args.steps), "--height", str(args.height), "--width", str(args.width)]
        out = subprocess.run(cmd, capture_output=True, text=True)
        try: results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        except (IndexError, json.JSONDecodeError):
            results.append({"mode": mode, "status": f"failed: {(out.stderr.strip().splitlines() or ['?'])[-1][:120]}"})
        print(f"{mode}: {results[-1].get('status')} {results[-1].get('images_per_s', '')}", file=sys.stderr, flush=True)
    text = table(results, args) + (f"\n\n{args.note}" if args.note else "")
    print(text)
    if args.write and not args.quick:
        shown, skip = [], False
        for a in sys.argv[1:]:
            if skip or a == "--write": skip = False; continue
            if a == "--note": skip = True; continue
            if a.startswith("--note="): continue
            shown.append(a)
        write_section(text, " ".join(["python benchmarks/bench_train_step.py", *shown, "--write"]))
        print(f"wrote the train_step section of {HERE/'RESULTS.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
