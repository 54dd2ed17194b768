"""`make bench`: run every benchmarks/bench_*.py with --write, one after the other (quiet machine wanted).

Each script measures reidlab against a reference in the same run, prints a Markdown table of times,
peak memory and ratios, and rewrites its own section of benchmarks/RESULTS.md with the command used.
Pass --quick to run each at reduced scale (a smoke test; RESULTS.md is then left alone).
"""
import subprocess, sys, time
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    quick = "--quick" in sys.argv[1:]
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        if script.name.startswith("bench_common"): continue
        args = [sys.executable, str(script), "--quick" if quick else "--write"]
        print(f"== {script.name} ({' '.join(args[2:])})", flush=True)
        t = time.time()
        if subprocess.run(args, cwd=HERE.parent).returncode: failed.append(script.name)
        print(f"== {script.name}: {time.time() - t:.0f} s", flush=True)
    if failed: sys.exit(f"benchmarks failed: {', '.join(failed)}")
