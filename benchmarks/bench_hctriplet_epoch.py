"""One HcTri paper-preset training epoch: images/s and peak memory, fp32 vs AMP (reidlab_hctriplet).

The epoch is the paper recipe's: ResNet-50 two-stream (share_net=2, last stride 1), six GeM strips,
HcTri + per-strip CE, SGD with two LR groups, the cross-modality sampler with upstream's batch count
(SYSU-MM01: P=6, K=8, 96 images per step, floor(22258/48)+1 = 464 steps; RegDB: P=8, K=4, 64 images,
65 steps), the paper's augmentation, 288×144 inputs. The data are synthetic: random uint8 images behind the
official label structure (395 SYSU / 206 RegDB identities with the official image counts), so the sampler,
loader, transforms, model and losses do exactly the work of a real epoch (no disk reads; a small pool of
distinct images is indexed modulo its size to keep memory low). Random init (no ImageNet file needed).

Modes, each in its own process (so peak memory is its own):
  fp32   float32, as upstream trains
  amp    bfloat16 autocast (GeM and the losses stay float32); float16 + GradScaler where bf16 is unsupported

  python benchmarks/bench_hctriplet_epoch.py [--dataset sysu|regdb] [--steps N] [--device auto] [--write]
  python benchmarks/bench_hctriplet_epoch.py --quick        # CPU smoke run: demo model (ResNet-18, 96×48), 2 steps

--steps defaults to the full epoch on a GPU and to 2 steps on a CPU (a full CPU epoch takes hours); the epoch
time is then extrapolated from the measured steps and marked so. On a CPU the batch is also cut to P×K = 2×2
per modality (the paper batch needs ~10 GB of activations) unless --full-batch is given. --write replaces the `hctriplet` section of
benchmarks/RESULTS.md (it keeps the note about GPU availability when no GPU was used).
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
OFFICIAL = {"sysu": (395, 22258, 11909), "regdb": (206, 2060, 2060)}


class ModuloImages:
    "A small pool of uint8 images standing in for `n` images: index i gives pool[i % pool size]"
    def __init__(self, pool, n: int):
        self.pool, self.n = pool, n

    def __len__(self) -> int: return self.n

    def __getitem__(self, i):
        return self.pool[int(i) % len(self.pool)]


def fake_arrays(dataset: str, height: int, width: int, pool: int = 256, seed: int = 0):
    "TrainingArrays with the official label structure of `dataset` and random images"
    import numpy as np
    from reidlab_common.datasets import TrainingArrays
    n_ids, n_vis, n_the = OFFICIAL[dataset]
    rng = np.random.default_rng(seed)
    def labels(n):
        lab = np.concatenate([np.arange(n_ids), rng.integers(0, n_ids, n - n_ids)])
        return np.sort(lab)
    imgs = rng.integers(0, 256, (pool, height, width, 3), dtype=np.uint8)
    return TrainingArrays(ModuloImages(imgs, n_vis), labels(n_vis), ModuloImages(imgs[::-1].copy(), n_the), labels(n_the))


def one(mode: str, dataset: str, steps: int | None, device: str, quick: bool, full_batch: bool) -> dict:
    import numpy as np
    import torch
    from reidlab_common.core import get_device, seed_everything
    from reidlab_hctriplet.train import build_model, build_optimizer, forward_batch, get_config, make_loss_fn, training_loader

    dev = get_device(device)
    seed_everything(0)
    cfg = get_config(dataset, "demo" if quick else "paper", pretrained=None, device=str(dev),
                     num_workers=0 if dev.type == "cpu" else min(8, os.cpu_count() or 1))
    if dev.type == "cpu" and not quick and not full_batch: cfg = cfg.replace(num_ids=2, num_pos=2)   # ~10 GB of activations otherwise
    arrays = fake_arrays(dataset, cfg.height, cfg.width)
    loader = training_loader(cfg, arrays)
    n_steps = len(loader) if steps is None else min(steps, len(loader))
    model = build_model(cfg, OFFICIAL[dataset][0]).to(dev).train()
    opt = build_optimizer(cfg, model)
    loss_fn = make_loss_fn(cfg)
    amp = mode == "amp"
    amp_dtype = torch.bfloat16
    if amp and dev.type == "cuda" and not torch.cuda.is_bf16_supported(): amp_dtype = torch.float16
    scaler = torch.amp.GradScaler(dev.type, enabled=amp and amp_dtype == torch.float16)
    if dev.type == "cuda": torch.cuda.reset_peak_memory_stats(dev)

    def step(batch):
        batch = [b.to(dev, non_blocking=True) for b in batch]
        with torch.autocast(dev.type, dtype=amp_dtype, enabled=amp):
            out = forward_batch(model, batch)
            loss, _ = loss_fn(batch, out)
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(opt); scaler.update()
        return float(loss.detach())

    it = iter(loader)
    step(next(it))                                   # warm-up (cuDNN autotuning, allocator), not timed
    if dev.type == "cuda": torch.cuda.synchronize(dev)
    t0, images, losses = time.perf_counter(), 0, []
    for batch in it:                                 # the warm-up took one batch: a full run times len(loader) - 1 steps
        if len(losses) >= n_steps: break
        losses.append(step(batch)); images += len(batch[0]) + len(batch[1])
    done = len(losses)
    if dev.type == "cuda": torch.cuda.synchronize(dev)
    secs = time.perf_counter() - t0
    import resource
    return dict(mode=mode + (f" ({str(amp_dtype).split('.')[-1]})" if amp else ""), dataset=dataset, steps=done,
                steps_per_epoch=len(loader), images_per_step=cfg.num_ids * cfg.num_pos * 2, seconds=secs,
                images_per_s=images / secs, epoch_s=secs / max(1, done) * len(loader),
                extrapolated=done < len(loader) - 1, finite=bool(np.isfinite(losses).all()),
                gpu_peak_gib=torch.cuda.max_memory_allocated(dev) / 2**30 if dev.type == "cuda" else None,
                rss_peak_gib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
                device=torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"CPU, {torch.get_num_threads()} threads",
                size=f"{cfg.height}×{cfg.width}", model=f"ResNet-{cfg.depth}")


def table(rows: list[dict]) -> str:
    lines = ["| dataset | mode | model, input | steps timed / epoch | images/step | images/s | epoch time | peak GPU memory (GiB) | peak RSS (GiB) |",
             "|---|---|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['dataset']} | {r['mode']} | – | – | – | – | – | – | error: {r['error']} |"); continue
        epoch = f"{r['epoch_s'] / 60:.1f} min" + (" (extrapolated)" if r["extrapolated"] else "")
        gpu = "–" if r["gpu_peak_gib"] is None else f"{r['gpu_peak_gib']:.2f}"
        lines.append(f"| {r['dataset']} | {r['mode']} | {r['model']}, {r['size']} | {r['steps']} / {r['steps_per_epoch']} | {r['images_per_step']} | "
                     f"{r['images_per_s']:.1f} | {epoch} | {gpu} | {r['rss_peak_gib']:.2f} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", nargs="*", default=None, choices=["sysu", "regdb"])
    ap.add_argument("--modes", nargs="*", default=["fp32", "amp"], choices=["fp32", "amp"])
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--full-batch", action="store_true", help="on a CPU, keep the paper's P×K (needs ~10 GB of RAM for SYSU)")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.case:                                   # child process: one mode, one dataset
        mode, dataset = a.case.split(":")
        print("BENCH_JSON " + json.dumps(one(mode, dataset, a.steps, a.device, a.quick, a.full_batch)), flush=True)
        return
    import torch
    gpu = torch.cuda.is_available() and a.device in ("auto", "cuda") or a.device.startswith("cuda")
    datasets = a.dataset or (["sysu", "regdb"] if gpu else ["sysu"])
    steps = a.steps if a.steps is not None else (None if gpu else 2)
    rows = []
    for dataset in datasets:
        for mode in a.modes:
            cmd = [sys.executable, __file__, "--case", f"{mode}:{dataset}", "--device", a.device] + (["--steps", str(steps)] if steps else []) + (["--quick"] if a.quick else []) + (["--full-batch"] if a.full_batch else [])
            t = time.time()
            p = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent)
            line = [l for l in p.stdout.splitlines() if l.startswith("BENCH_JSON ")]
            rows.append(json.loads(line[-1][11:]) if p.returncode == 0 and line else
                        dict(mode=mode, dataset=dataset, error=((p.stderr or p.stdout).strip().splitlines() or [f"exit {p.returncode}"])[-1][:200]))
            print(f"{dataset} {mode}: {time.time() - t:.0f} s", file=sys.stderr, flush=True)
    md = table(rows)
    print(md)
    if a.write and not a.quick:
        from bench_common_util import machine_line, write_section
        dev = rows[0].get("device", "?")
        cmd = "python benchmarks/bench_hctriplet_epoch.py --write" + (f" --steps {a.steps}" if a.steps else "")
        note = ("" if gpu else "\n**GPU: not measured.** No GPU was available when this section was written; the rows below are a "
                "reduced CPU run (ResNet-50 at 288×144 as in the paper, but P×K = 2×2 and 2 steps; the epoch time is extrapolated "
                "at that batch size) that shows the script works. "
                "On a GPU machine the same command times the full epoch of both datasets with and without AMP.\n")
        text = (f"## HcTri paper-preset epoch (reidlab_hctriplet)\n\n"
                f"One training epoch of the paper recipe (ResNet-50 two-stream, share_net=2, six GeM strips, HcTri + CE, 288×144, "
                f"SYSU P×K = 6×8, RegDB 8×4, upstream batch count) on synthetic data with the official label structure; "
                f"random init; fp32 (as upstream) vs AMP (bf16 autocast, GeM and losses in fp32).\n{note}\n"
                f"Device: {dev}; {machine_line()}; torch {torch.__version__}.\n\n{md}\n\n"
                f"Timings taken while other jobs share the machine are noisy; rerun on a quiet machine.\n\nCommand: `{cmd}`\n")
        write_section("hctriplet", text)
        print("wrote the hctriplet section of benchmarks/RESULTS.md", file=sys.stderr)


if __name__ == "__main__":
    main()
