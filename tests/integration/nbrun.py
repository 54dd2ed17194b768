"""Run a notebook once, top to bottom, in a real Jupyter kernel, the way the test suite needs it.

- `#| test` cells are left out: they already run as the exported pytest functions in
  tests/<package>/test_<notebook>.py, so running them here would run every test twice.
  `#| slow`, `#| notest` and `#| eval: false` cells are left out too.
- Parameters are injected after the cell tagged `parameters`, as papermill does; `smoke=True` is
  passed only to notebooks whose parameters cell defines `smoke`.
- One generous time limit per notebook (not per cell): each cell may use whatever the notebook has
  left, so a slow machine never fails a test, while a stuck kernel is still stopped, with a message
  naming the cell. The limit is `REIDLAB_NOTEBOOK_LIMIT_S` seconds (default 3600).
- The kernel runs with `REIDLAB_PROGRESS=lines` (`reidlab_common.engine.progress_mode`): progress as a few plain
  lines in the outputs, never widgets nobody will see.
"""
from __future__ import annotations

import os, re, time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_LIMIT_S = float(os.environ.get("REIDLAB_NOTEBOOK_LIMIT_S", 3600))
SKIPPED_DIRECTIVES = ("test", "slow", "notest", "eval: false", "eval:false")


def directives(source: str) -> list[str]:
    "The `#| ...` directives at the top of a code cell, e.g. ['test name_of_test'] or ['export']"
    out = []
    for line in source.splitlines():
        m = re.match(r"\s*#\|\s*(.*)", line)
        if not m: break
        out.append(m.group(1).strip())
    return out


def skipped(source: str) -> bool:
    "True for cells the notebook run leaves out (exported tests, slow cells, cells marked not to run)"
    for d in directives(source):
        word = d.split()[0] if d.split() else ""
        if word in ("test", "slow", "notest") or d.replace(" ", "") == "eval:false": return True
    return False


def parameters_cell(nb) -> int | None:
    "Index of the cell tagged `parameters`, if any"
    idx = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    return idx[0] if idx else None


def declared_parameters(nb) -> dict:
    "The names and defaults the `parameters` cell defines"
    i = parameters_cell(nb)
    if i is None: return {}
    ns: dict = {}
    exec(nb.cells[i].source, ns)
    return {k: v for k, v in ns.items() if not k.startswith("__")}


@dataclass
class NotebookRun:
    path: Path
    seconds: float = 0.0
    cells_run: int = 0
    cells_skipped: int = 0
    outputs: list = field(default_factory=list)   # (cell index, outputs) of every executed cell


def prepare(path: Path, parameters: dict | None = None):
    "The notebook as it will run: skipped cells removed, parameters injected after the tagged cell"
    nb = nbformat.read(path, as_version=4)
    params = dict(parameters or {})
    declared = declared_parameters(nb)
    if "smoke" in params and "smoke" not in declared: params.pop("smoke")
    unknown = set(params) - set(declared)
    if unknown: raise ValueError(f"{path}: parameters {sorted(unknown)} are not in its `parameters` cell ({sorted(declared)})")
    cells, n_skipped = [], 0
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code" and skipped(c.source): n_skipped += 1; continue
        c.metadata["reidlab_index"] = i
        cells.append(c)
        if params and "parameters" in c.get("metadata", {}).get("tags", []):
            src = "# parameters injected by the test run\n" + "\n".join(f"{k} = {v!r}" for k, v in params.items())
            inj = nbformat.v4.new_code_cell(src)
            inj.metadata["reidlab_index"] = f"{i} (injected parameters)"
            cells.append(inj)
    nb.cells = cells
    return nb, n_skipped


def default_kernel() -> str:
    "The project's kernel `reidlab` (every notebook names it; `make install` installs it), else ipykernel's `python3`"
    from jupyter_client.kernelspec import KernelSpecManager
    return "reidlab" if "reidlab" in KernelSpecManager().find_kernel_specs() else "python3"


def kernel_config():
    "Kernel traffic encrypted with CurveZMQ keys when pyzmq has them (ipykernel warns about plain TCP otherwise)"
    import zmq
    from traitlets.config import Config
    cfg = Config()
    if zmq.has("curve"): cfg.KernelManager.transport_encryption = "auto"
    return cfg


def kernel_env() -> dict:
    "The kernel's environment: this process's, with progress as plain lines"
    return {**os.environ, "REIDLAB_PROGRESS": "lines"}


def run(path: str | os.PathLike, parameters: dict | None = None, limit_s: float | None = None,
        kernel_name: str | None = None) -> NotebookRun:
    "Execute the notebook in a fresh kernel (cwd: its folder); raise AssertionError naming the failing or stuck cell"
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    path = Path(path)
    kernel_name = kernel_name or default_kernel()
    limit = NOTEBOOK_LIMIT_S if limit_s is None else limit_s
    nb, n_skipped = prepare(path, parameters)
    res = NotebookRun(path=path, cells_skipped=n_skipped)
    client = NotebookClient(nb, timeout=int(limit), kernel_name=kernel_name, startup_timeout=600, config=kernel_config(),
                            resources={"metadata": {"path": str(path.parent)}}, allow_errors=False, record_timing=False)
    t0 = time.monotonic()
    with client.setup_kernel(env=kernel_env()):
        for j, cell in enumerate(nb.cells):
            if cell.cell_type != "code": continue
            left = limit - (time.monotonic() - t0)
            where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}, cell {cell.metadata['reidlab_index']}"
            first = next((ln for ln in cell.source.splitlines() if ln.strip() and not ln.startswith("#|")), "")[:100]
            if left <= 0:
                raise AssertionError(f"{where}: the notebook used its whole {limit:.0f} s limit before this cell ({first!r})")
            client.timeout = max(1, int(left))
            try: client.execute_cell(cell, j)
            except CellTimeoutError:
                raise AssertionError(f"{where} did not finish: the notebook reached its {limit:.0f} s limit in this cell "
                                     f"({first!r}); the kernel is stuck or the machine far slower than expected") from None
            except DeadKernelError as e:
                raise AssertionError(f"{where}: the kernel died in this cell ({first!r}): {e}") from None
            except CellExecutionError as e:
                raise AssertionError(f"{where} failed ({first!r}):\n{e}") from None
            res.cells_run += 1
            res.outputs.append((cell.metadata["reidlab_index"], cell.get("outputs", [])))
    res.seconds = time.monotonic() - t0
    return res


def images(run_result: NotebookRun) -> int:
    "Number of image/png outputs the run displayed"
    return sum("image/png" in o.get("data", {}) for _, outs in run_result.outputs for o in outs)
