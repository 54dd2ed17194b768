"""Every benchmark script still runs (at reduced scale, `--quick`, which never rewrites RESULTS.md).

Speed is not asserted here: the numbers live in benchmarks/RESULTS.md, measured against a reference in the
same run. What is asserted: a table, no failed case, RESULTS.md untouched, and the scripts of the shared
evaluation / re-ranking / clustering code report the whole-process time beside the call time."""
import subprocess, sys
from pathlib import Path

import pytest

LIMIT_S = 3600   # a stuck child is stopped; a slow, loaded machine is not a failure

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(p for p in (ROOT/"benchmarks").glob("bench_*.py") if not p.name.startswith("bench_common"))
WHOLE_PROCESS = {"bench_eval", "bench_rerank", "bench_cluster", "bench_cold_start"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_benchmark_runs_quick(script):
    before = (ROOT/"benchmarks"/"RESULTS.md").read_text()
    r = subprocess.run([sys.executable, str(script), "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=LIMIT_S)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "| " in r.stdout and "error:" not in r.stdout and "failed:" not in r.stdout, r.stdout[-3000:]
    if script.stem in WHOLE_PROCESS:
        assert "whole process" in r.stdout and "load" in r.stdout, r.stdout[-3000:]
    assert (ROOT/"benchmarks"/"RESULTS.md").read_text() == before
