"""DDP through torchrun on the CPU (gloo): 2 processes, each with half of every global batch, end with the
same weights (and the same EMA teacher) as 1 process on the whole batch (reidlab_common.engine.Trainer +
DistributedBatchSampler + EMATeacher); rank 0 alone holds the run-folder lock and writes last.pt/prev.pt.

The file is also the worker script: `torchrun --nproc-per-node 2 tests/integration/test_ddp.py OUT_DIR`.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Sampler, TensorDataset

LIMIT_S = 3600   # a stuck child is stopped; a slow, loaded machine is not a failure

GLOBAL_BATCH, N, EPOCHS = 8, 32, 2


class SeededBatches(Sampler):
    "Global batches of a permutation drawn from (seed, epoch)"
    def __init__(self, n, batch_size, seed=0): self.n, self.bs, self.seed, self.epoch = n, batch_size, seed, 0
    def set_epoch(self, epoch): self.epoch = epoch
    def __len__(self): return self.n // self.bs
    def __iter__(self):
        perm = torch.randperm(self.n, generator=torch.Generator().manual_seed(self.seed * 1000 + self.epoch)).tolist()
        return iter([perm[i:i + self.bs] for i in range(0, self.n - self.bs + 1, self.bs)])


def train(out_dir, distributed: bool):
    from reidlab_common.engine import (DistributedBatchSampler, EMATeacher, TrainConfig, Trainer, make_param_groups,
                                       setup_distributed, warmup_multistep)
    info = setup_distributed("cpu") if distributed else None
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn(N, 6, generator=gen), torch.randint(0, 3, (N,), generator=gen)
    batches = SeededBatches(N, GLOBAL_BATCH, seed=5)
    if distributed: batches = DistributedBatchSampler(batches)
    loader = DataLoader(TensorDataset(x, y, torch.arange(N)), batch_sampler=batches)
    opt = torch.optim.SGD(make_param_groups(0.1, [("body", model[0].parameters(), 0.5), ("head", model[2].parameters(), 1.0)]),
                          lr=0.1, momentum=0.9)
    seen = []
    loss_fn = lambda batch, logits: seen.append(batch[2].tolist()) or (nn.functional.cross_entropy(logits, batch[1]), {})
    ema = EMATeacher(0.8)
    trainer = Trainer(model, opt, loss_fn, loader, TrainConfig(epochs=EPOCHS, out_dir=out_dir, progress=False, device="cpu", tensorboard=False),
                      lr_schedule=warmup_multistep(1, (1,), 0.5), hooks=[ema])
    trainer.fit()
    if info is not None:
        torch.save(seen, Path(out_dir)/f"seen_rank{info.rank}.pt")
        if info.is_main:
            torch.save(trainer.module.state_dict(), Path(out_dir)/"final_weights.pt")
            torch.save(ema.teacher.state_dict(), Path(out_dir)/"final_teacher.pt")
    return trainer, seen


@pytest.mark.slow   # about 25 s on 2 busy cores: two interpreters importing torch
@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch.distributed not available")
def test_ddp_two_processes_match_one(tmp_path):
    t0 = time.time()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]/"common"), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", __file__, str(tmp_path/"ddp")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=LIMIT_S)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ddp = torch.load(tmp_path/"ddp"/"final_weights.pt", weights_only=True)
    trainer, seen_single = train(tmp_path/"single", distributed=False)
    single = trainer.module.state_dict()
    seen = [torch.load(tmp_path/"ddp"/f"seen_rank{r}.pt") for r in (0, 1)]
    assert [a + b for a, b in zip(*seen, strict=True)] == seen_single                   # each rank got its half of every global batch
    assert all(len(a) == GLOBAL_BATCH // 2 for a in seen[0] + seen[1])
    assert ddp.keys() == single.keys()
    for k in single:
        assert torch.allclose(ddp[k], single[k], atol=1e-6, rtol=1e-5), (k, (ddp[k] - single[k]).abs().max())
    torch.manual_seed(0)
    init = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3)).state_dict()
    assert all((ddp[k] - init[k]).abs().max() > 1e-3 for k in init)        # the weights did move
    ckpt = torch.load(tmp_path/"ddp"/"last.pt", weights_only=True)
    assert ckpt["epoch"] == EPOCHS and ckpt["world_size"] == 2 and len(ckpt["rng"]) == 2
    assert ckpt["history"][0]["steps"] == N // GLOBAL_BATCH
    assert torch.load(tmp_path/"ddp"/"prev.pt", weights_only=True)["epoch"] == EPOCHS - 1
    assert (tmp_path/"ddp"/".lock").read_text().strip().isdigit()                  # written by rank 0 while it trained
    teacher = torch.load(tmp_path/"ddp"/"final_teacher.pt", weights_only=True)
    single_teacher = trainer.hooks[0].teacher.state_dict()
    assert ckpt["hooks"][0]["updates"] == EPOCHS * N // GLOBAL_BATCH
    for k in single_teacher:
        assert torch.allclose(teacher[k], single_teacher[k], atol=1e-6, rtol=1e-5), k
        assert torch.equal(teacher[k], ckpt["hooks"][0]["teacher"][k])
    print(f"DDP test took {time.time() - t0:.1f} s")


if __name__ == "__main__":
    torch.set_num_threads(1)
    train(sys.argv[1], distributed=True)
    import torch.distributed as dist
    dist.barrier(); dist.destroy_process_group()
