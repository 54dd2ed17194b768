"""Every benchmark script still runs (at reduced scale, `--quick`, which never rewrites RESULTS.md).

Speed is not asserted here: the numbers live in benchmarks/RESULTS.md, measured on a quiet machine."""
import subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(p for p in (ROOT/"benchmarks").glob("bench_*.py") if not p.name.startswith("bench_common"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_benchmark_runs_quick(script):
    before = (ROOT/"benchmarks"/"RESULTS.md").read_text()
    r = subprocess.run([sys.executable, str(script), "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "| " in r.stdout and "error:" not in r.stdout, r.stdout[-3000:]   # a table, and no case that failed
    assert (ROOT/"benchmarks"/"RESULTS.md").read_text() == before
