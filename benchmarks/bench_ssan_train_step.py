"""Benchmark: one SSAN training step, upstream's form against reidlab_ssan's, same run.

The same SSAN network and classifiers (CUHK-PEDES configuration: ResNet-50 at 384×128, vocabulary 5000,
11,000 classes, K=6, D=1024), one batch of images with a caption and a CR caption each (lengths 10..40 of
100, like CUHK-PEDES), adaptive CR margins; forward, total loss, backward and an Adam step.

  upstream   re-derived from zifyloo/SSAN (commit 5678369) src/model/*.py, src/loss/*.py, src/train.py: the
             bi-LSTM called four times (global and local embeddings, caption and CR caption), the word
             attention in a loop over samples, every per-part 1×1 convolution (image, text, MV-NLN) and
             per-part classifier called in a loop, and semi-hard mining on host NumPy copies with a loop
             over anchors (6 calls per step, each a device-to-host copy)
  ours       reidlab_ssan: one LSTM call on the stacked batch, vectorised WAM with a length mask, batched
             per-part maps and classifiers, mining on the device with masks (reidlab_ssan.losses)

Before timing, the upstream-form forward is checked against ours in eval mode (same weights): the table
reports the largest feature difference (relative to the family's largest value). Each case runs in its own
process (peak RSS is its own); CPU time is the process's (all threads).

  python benchmarks/bench_ssan_train_step.py              # batch 64 on a GPU, 8 on the CPU
  python benchmarks/bench_ssan_train_step.py --batch 16 --steps 3
  python benchmarks/bench_ssan_train_step.py --quick      # tiny model (ResNet-18, 96×32), never writes
  python benchmarks/bench_ssan_train_step.py --write      # also rewrite the `ssan_train_step` section of RESULTS.md
"""
from __future__ import annotations

import argparse, sys, time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common_util import child_report, machine_line, run_case, write_section

FULL = dict(vocab_size=5000, num_classes=11000, part=6, dim=1024, depth=50, height=384, width=128)
QUICK = dict(vocab_size=100, num_classes=20, part=6, dim=64, depth=18, height=64, width=32, embed_dim=32, non_local_dim=32)


# ---------------------------------------------------------------- upstream's form, on our module's weights
def _lstm_upstream(net, ids, lengths, table):
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    enc = net.text_encoder
    emb = enc.dropout(getattr(enc, f"embed_{table}")(ids))
    order = torch.argsort(lengths, descending=True); undo = torch.argsort(order)
    packed = pack_padded_sequence(emb[order], lengths[order], batch_first=True)
    out, _ = pad_packed_sequence(enc.lstm(packed)[0], batch_first=True, total_length=ids.shape[1])
    out = out[undo.to(out.device)]
    return (out[..., :enc.hidden] + out[..., enc.hidden:]) / 2


def _mvnln_upstream(m, v):
    "v (B, K, D): per-part convolutions in loops, one BatchNorm per part (views of our buffers)"
    import torch, torch.nn.functional as F
    K, D = m.parts, m.dim
    conv = lambda lin, k, x: F.conv2d(x[:, :, None, None], lin.weight[k][:, :, None, None])[:, :, 0, 0]
    p = torch.stack([F.leaky_relu(conv(m.key, k, v[:, k]), 0.25) for k in range(K)], 1)
    c = torch.stack([F.leaky_relu(conv(m.query, k, v[:, k]), 0.25) for k in range(K)], 1)
    p = p / (p.norm(dim=-1, keepdim=True) + 1e-8); c = c / (c.norm(dim=-1, keepdim=True) + 1e-8)
    att = (torch.einsum("njc,nkc->njk", p, c) - 1e6 * torch.eye(K, device=v.device)).softmax(1)
    z = torch.einsum("njk,njc->nkc", att, p)
    outs = []
    for k in range(K):
        sl = slice(k * D, (k + 1) * D)
        u = F.batch_norm(conv(m.up, k, z[:, k]), m.up_bn.running_mean[sl], m.up_bn.running_var[sl], m.up_bn.weight[sl],
                         m.up_bn.bias[sl], m.training, 0.1, 1e-5)
        outs.append(conv(m.out, k, v[:, k] + F.leaky_relu(u, 0.25)))
    return torch.stack(outs, 1)


def _parts_upstream(net, u):
    import torch, torch.nn.functional as F
    W = net.part_proj.weight
    return F.leaky_relu(torch.stack([F.conv2d(u[:, k, :, None, None], W[k][:, :, None, None])[:, :, 0, 0] for k in range(W.shape[0])], 1), 0.25)


def upstream_images(net, images):
    import torch.nn.functional as F
    from reidlab_ssan.model import Features
    fmap = net.image_backbone(images)
    local = _parts_upstream(net, F.adaptive_max_pool2d(fmap, (net.part, 1))[..., 0].transpose(1, 2))
    return Features(net.global_proj(F.adaptive_max_pool2d(fmap, 1).flatten(1)), local, _mvnln_upstream(net.non_local, local))


def upstream_texts(net, ids, lengths):
    import torch
    from reidlab_ssan.model import Features
    h_g, h_l = _lstm_upstream(net, ids, lengths, "global"), _lstm_upstream(net, ids, lengths, "local")
    glob = net.global_proj(h_g.amax(1))                                   # max over all 100 positions, padding included
    A = net.word_attention.score.weight
    u = []
    for n, l in enumerate(lengths.tolist()):                              # the word attention, sample by sample
        H = h_l[n, :l]
        a = torch.sigmoid(H @ A.T).T
        u.append((a[:, :, None] * H[None]).amax(1))
    local = _parts_upstream(net, torch.stack(u))
    return Features(glob, local, _mvnln_upstream(net.non_local, local))


def _mine_numpy(S, labels, margins, auto):
    "Semi-hard triplets on host copies, anchor by anchor, with upstream's fallback"
    trip, neg = [], None
    for i in range(len(S)):
        if auto and margins[i] < 0.16: continue
        neg = np.where(labels != labels[i])[0]
        d = S[i, neg] - S[i, i] + margins[i]
        semi = np.where((d > 0) & (d < margins[i]))[0]
        if len(semi): trip.append((i, neg[np.random.choice(semi)]))
    if not trip and neg is not None and len(neg): trip.append((len(S) - 1, neg[0]))
    return trip


def _rank_upstream(x, y, labels, margins, auto):
    x, y = x.flatten(1), y.flatten(1)
    S = (x / (x.norm(dim=1, keepdim=True) + 1e-8)) @ (y / (y.norm(dim=1, keepdim=True) + 1e-8)).T
    lab, m = labels.cpu().numpy(), margins.detach().cpu().numpy()
    total = S.new_zeros(())
    for M in (S, S.T):
        for i, j in _mine_numpy(M.detach().cpu().numpy(), lab, m, auto):
            total = total + (margins[i] - M[i, i] + M[i, j]).clamp_min(0)
    return total


def upstream_loss(net, img, txt, cr, labels, margin=0.2, beta=0.1):
    import torch, torch.nn.functional as F
    total = 0.0
    for fam, w in (("glob", 1.0), ("local", 0.5), ("non_local", 0.5)):
        clf = net.classifiers[fam]
        fi, ft, fc = getattr(img, fam), getattr(txt, fam), getattr(cr, fam)
        fi3, ft3 = (fi[:, None], ft[:, None]) if fi.dim() == 2 else (fi, ft)
        idl = sum(F.cross_entropy(F.linear(fi3[:, p], clf.weight[p], clf.bias[p]), labels) +
                  F.cross_entropy(F.linear(ft3[:, p], clf.weight[p], clf.bias[p]), labels) for p in range(clf.weight.shape[0])) / clf.weight.shape[0]
        B = labels.shape[0]
        main = _rank_upstream(fi, ft, labels, torch.full((B,), margin, device=fi.device), False)
        with torch.no_grad():
            def diag(a, b):
                a, b = a.flatten(1), b.flatten(1)
                return ((a / (a.norm(dim=1, keepdim=True) + 1e-8)) * (b / (b.norm(dim=1, keepdim=True) + 1e-8))).sum(1)
            lam = (diag(fi, fc).abs() / diag(fi, ft).abs()).clamp_max(1)
        crl = _rank_upstream(fi, fc, labels, margin * (1 + lam) / 2, True)
        total = total + w * (idl + main + beta * crl)
    return total


# ---------------------------------------------------------------- one process per case
def case(name: str, cfg: dict, batch: int, steps: int, device: str) -> dict:
    import torch
    from reidlab_common.core import get_device, seed_everything
    from reidlab_ssan.losses import ssan_objective
    from reidlab_ssan.model import SSAN
    dev = get_device(device)
    seed_everything(0)
    cfg = dict(cfg); h, w = cfg.pop("height"), cfg.pop("width")
    net = SSAN(**cfg).to(dev)
    g = torch.Generator().manual_seed(1)
    images = torch.randn(batch, 3, h, w, generator=g).to(dev)
    def captions():
        lengths = torch.randint(10, 41, (batch,), generator=g)
        ids = torch.zeros(batch, 100, dtype=torch.long)
        for i, l in enumerate(lengths.tolist()): ids[i, :l] = torch.randint(1, cfg["vocab_size"], (l,), generator=g)
        return ids.to(dev), lengths
    (ids, lens), (cr_ids, cr_lens) = captions(), captions()
    labels = torch.randint(0, cfg["num_classes"], (batch,), generator=g).to(dev)
    diff = None
    if name == "upstream":                                              # same forward as ours (eval mode, same weights)
        net.eval()
        with torch.no_grad():
            a, b = upstream_images(net, images), upstream_texts(net, ids, lens)
            c, d = net.encode_images(images), net.encode_texts(ids, lens)
            diff = max(float((x - y).abs().max() / y.abs().max()) for x, y in zip((*a, *b), (*c, *d)))
        net.train()
    groups = net.param_groups()
    opt = torch.optim.Adam([dict(params=groups["backbone"], lr=1e-4), dict(params=groups["new"], lr=1e-3)])
    mine_gen = torch.Generator(device=dev).manual_seed(2)
    def step():
        if name == "upstream":
            loss = upstream_loss(net, upstream_images(net, images), upstream_texts(net, ids, lens), upstream_texts(net, cr_ids, cr_lens), labels)
        else:
            loss = ssan_objective(net(images, ids, lens, cr_ids, cr_lens), labels, net.classifiers, adaptive=True, generator=mine_gen).total
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        return float(loss)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    step(); sync()
    if dev.type == "cuda": torch.cuda.reset_peak_memory_stats()
    times, cpus = [], []
    for _ in range(steps):
        t, c = time.perf_counter(), time.process_time()
        loss = step(); sync()
        times.append(time.perf_counter() - t); cpus.append(time.process_time() - c)
    gpu_peak = torch.cuda.max_memory_allocated() / 2**30 if dev.type == "cuda" else None
    i = int(np.argmin(times))
    return dict(step_s=times[i], cpu_s=cpus[i], loss=loss, diff=diff, gpu_peak_gib=gpu_peak, batch=batch, steps=steps,
                device=torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"CPU ({torch.get_num_threads()} threads)",
                torch=torch.__version__)


def table(reps: dict, args, cfg: dict) -> str:
    ok = [r for r in reps.values() if "step_s" in r]
    dev = ok[0]["device"] if ok else args.device
    lines = [f"Device: {dev}; {machine_line()}; batch {args.batch}, ResNet-{cfg['depth']} at {cfg['height']}×{cfg['width']}, "
             f"vocabulary {cfg['vocab_size']}, {cfg['num_classes']} classes, K={cfg['part']}, D={cfg['dim']}; best of {args.steps} steps after one warm-up step.", "",
             "| implementation | step wall (s) | step CPU (s) | peak memory (GiB) | speed-up (wall) |", "|---|---:|---:|---:|---:|"]
    ref = reps.get("upstream", {}).get("step_s")
    for name, label in (("upstream", "upstream form: 4 LSTM calls, per-sample WAM, per-part loops, host mining"),
                        ("ours", "ours: 1 LSTM call, vectorised WAM, batched parts, device mining")):
        r = reps[name]
        if "step_s" not in r: lines.append(f"| {label} | – | – | – | error: {r.get('error')} |"); continue
        mem = r["gpu_peak_gib"] if r.get("gpu_peak_gib") is not None else r["peak_rss_gb"]
        lines.append(f"| {label} | {r['step_s']:.2f} | {r['cpu_s']:.2f} | {mem:.2f} | {ref / r['step_s']:.2f}× |" if ref else
                     f"| {label} | {r['step_s']:.2f} | {r['cpu_s']:.2f} | {mem:.2f} | – |")
    up = reps.get("upstream", {})
    if up.get("diff") is not None:
        lines += ["", f"Peak memory: {'GPU max allocated' if up.get('gpu_peak_gib') is not None else 'process peak RSS'}. "
                      f"Largest difference between the two forwards' features (eval mode, same weights), relative to the "
                      f"largest feature value of its family: {up['diff']:.1e}."]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int); ap.add_argument("--steps", type=int, default=2); ap.add_argument("--device", default="auto")
    ap.add_argument("--quick", action="store_true"); ap.add_argument("--write", action="store_true")
    ap.add_argument("--case", help=argparse.SUPPRESS); ap.add_argument("--scale", type=float, help=argparse.SUPPRESS)
    a = ap.parse_args()
    import torch
    if a.quick: torch.set_num_threads(1)                                # a smoke run: no thread start-up, no spinning
    cuda = torch.cuda.is_available() if a.device == "auto" else a.device.startswith("cuda")
    if a.batch is None: a.batch = 2 if a.quick else 64 if cuda else 8
    if a.quick: a.steps = 1
    cfg = dict(QUICK if a.quick else FULL)
    if a.case: return child_report(**case(a.case, cfg, a.batch, a.steps, a.device))
    extra = ["--batch", str(a.batch), "--steps", str(a.steps), "--device", a.device] + (["--quick"] if a.quick else [])
    reps = {}
    for name in ("upstream", "ours"):
        if a.quick:                      # a smoke run: both cases in this process (memory is then not each case's own)
            import resource
            reps[name] = {**case(name, dict(cfg), a.batch, a.steps, a.device), "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}
        else: reps[name] = run_case(__file__, name, 1.0, extra)
        print(f"{name}: {reps[name].get('step_s', reps[name].get('error'))}", file=sys.stderr, flush=True)
    text = table(reps, a, cfg)
    print(text)
    if any("step_s" not in r for r in reps.values()): sys.exit(1)
    if a.write and not a.quick:
        cmd = f"python benchmarks/bench_ssan_train_step.py --batch {a.batch} --steps {a.steps} --write"
        write_section("ssan_train_step", "## SSAN training step\n\n" + text + f"\n\nCommand: `{cmd}`\n")


if __name__ == "__main__":
    main()
