"""Shared helpers for the benchmark scripts: run each case in a child process, read its peak RSS,
print a Markdown table and rewrite one section of benchmarks/RESULTS.md."""
from __future__ import annotations

import json, os, platform, re, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"


def child_report(**values) -> None:
    "Called inside a case: print the case's measurements as the last line of stdout"
    import resource
    values.setdefault("rss_gb_at_end", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)
    print("BENCH_JSON " + json.dumps(values), flush=True)


def current_rss_gb() -> float:
    "Resident memory of this process now, in GiB"
    import psutil
    return psutil.Process().memory_info().rss / 2**30


def run_case(script: str, case: str, scale: float, extra: list[str] | None = None, timeout: int = 3600) -> dict:
    "Run `python script --case case --scale scale` in a fresh process; return its report plus its peak RSS (GiB)"
    cmd = [sys.executable, script, "--case", case, "--scale", str(scale), *(extra or [])]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    out, err = proc.communicate(timeout=timeout)
    # the child has been waited for by communicate(); its rusage is in RUSAGE_CHILDREN, so take the
    # difference of the maximum instead: run_case is called sequentially and each child is measured alone
    import resource
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    if proc.returncode != 0:
        return {"case": case, "error": (err or out).strip().splitlines()[-1] if (err or out).strip() else f"exit {proc.returncode}"}
    line = [l for l in out.splitlines() if l.startswith("BENCH_JSON ")][-1]
    rep = json.loads(line[len("BENCH_JSON "):])
    rep.update(case=case, wall_process_s=time.perf_counter() - t0, peak_rss_gb=rep.get("rss_gb_at_end", peak))
    return rep


def machine_line() -> str:
    import psutil
    load = os.getloadavg()
    return (f"{platform.machine()}, {os.cpu_count()} CPU cores, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
            f"load average at start {load[0]:.1f}")


def write_section(name: str, markdown: str) -> None:
    "Replace the text between <!-- section:name --> and <!-- /section:name --> in RESULTS.md"
    text = RESULTS.read_text()
    pat = re.compile(rf"(<!-- section:{re.escape(name)} -->\n)(.*?)(<!-- /section:{re.escape(name)} -->)", re.S)
    if not pat.search(text): raise SystemExit(f"section {name!r} not found in {RESULTS}")
    RESULTS.write_text(pat.sub(lambda m: m.group(1) + markdown.rstrip() + "\n" + m.group(3), text, count=1))


def fmt(x, digits=2):
    return "—" if x is None else f"{x:.{digits}f}"
