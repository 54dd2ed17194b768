"""Shared helpers for the benchmark scripts: run each case in a child process, read its peak RSS and
CPU time, print a Markdown table and rewrite one section of benchmarks/RESULTS.md.

Children run as a user's installed package would: Python byte-code is cached (in a private
`PYTHONPYCACHEPREFIX` folder, since the project's environment may forbid writing byte-code next to the
sources), and numba's compiled kernels go to a benchmark-owned cache folder (`NUMBA_CACHE_DIR`): a
persistent one for "warm" cases, a fresh empty one for "cold cache" cases (a fresh install)."""
from __future__ import annotations

import json, os, platform, re, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
BENCH_CACHE = Path(os.environ.get("REIDLAB_BENCH_CACHE", Path(tempfile.gettempdir()) / "reidlab-bench-cache"))


def child_report(**values) -> None:
    "Called inside a case: print the case's measurements as the last line of stdout"
    import resource
    values.setdefault("rss_gb_at_end", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)
    print("BENCH_JSON " + json.dumps(values), flush=True)


def current_rss_gb() -> float:
    "Resident memory of this process now, in GiB"
    import psutil
    return psutil.Process().memory_info().rss / 2**30


def child_env(cold: bool = False, numba_cache: str | None = None) -> dict:
    "Environment of a child: byte-code cached; numba cache `numba_cache`, else warm (shared folder) or cold (a fresh empty folder)"
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(BENCH_CACHE / "pycache")
    env["NUMBA_CACHE_DIR"] = numba_cache or (tempfile.mkdtemp(prefix="numba-cold-") if cold else str(BENCH_CACHE / "numba"))
    return env


def run_case(script: str, case: str, scale: float, extra: list[str] | None = None, timeout: int = 3600,
             cold: bool = False, numba_cache: str | None = None) -> dict:
    """Run `python script --case case --scale scale` in a fresh process; return its report plus its peak RSS
    (GiB), the whole process's wall time (`process_s`: interpreter start to exit) and CPU time (`process_cpu_s`)"""
    import resource
    cmd = [sys.executable, script, "--case", case, "--scale", str(scale), *(extra or [])]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=child_env(cold, numba_cache))
    out, err = proc.communicate(timeout=timeout)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if proc.returncode != 0:
        return {"case": case, "error": (err or out).strip().splitlines()[-1] if (err or out).strip() else f"exit {proc.returncode}"}
    line = [l for l in out.splitlines() if l.startswith("BENCH_JSON ")][-1]
    rep = json.loads(line[len("BENCH_JSON "):])
    rep.update(case=case, process_s=wall, process_cpu_s=cpu, peak_rss_gb=rep.get("rss_gb_at_end"))
    return rep


def load_now() -> str:
    "The 1-minute load average now, for the tables (the machine is shared: say how busy it was)"
    return f"{os.getloadavg()[0]:.1f}"


def machine_line() -> str:
    import psutil
    load = os.getloadavg()
    return (f"{platform.machine()}, {os.cpu_count()} CPU cores, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
            f"load average at start {load[0]:.1f}")


def write_section(name: str, markdown: str) -> None:
    "Replace the text between <!-- section:name --> and <!-- /section:name --> in RESULTS.md (appended if absent)"
    text = RESULTS.read_text()
    pat = re.compile(rf"(<!-- section:{re.escape(name)} -->\n)(.*?)(<!-- /section:{re.escape(name)} -->)", re.S)
    if not pat.search(text):
        text = text.rstrip() + f"\n\n<!-- section:{name} -->\n<!-- /section:{name} -->\n"
    RESULTS.write_text(pat.sub(lambda m: m.group(1) + markdown.rstrip() + "\n" + m.group(3), text, count=1))


def fmt(x, digits=2):
    return "—" if x is None else f"{x:.{digits}f}"
