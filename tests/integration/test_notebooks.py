"""Every notebook runs once, top to bottom, at smoke size, in a real Jupyter kernel (see nbrun.py).

`#| test` cells are not run here (they are the exported tests in tests/<package>/); everything else is,
so each notebook's code runs exactly once in `make test`. Reproduce notebooks also write their results
table, which is checked. Notebooks that train take a `smoke` parameter: the test run sets it, so every
cell runs on a tiny synthetic dataset for an epoch or two; `make reproduce` runs the full demos."""
import json
from pathlib import Path

import pytest

import nbrun

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p for p in ROOT.glob("nbs/*/*.ipynb") if not p.name.startswith(("_", ".")))


def nb_id(p): return f"{p.parent.name}/{p.stem}"


def _check_results(out_dir: Path, nb: Path):
    res = json.loads((out_dir/"results.json").read_text())
    assert res["preset"] == "demo" and res["synthetic"] is True, f"{nb}: a run without data must be a labelled demo"
    assert res["rows"] and all(r["ours"] is None or 0 <= r["ours"] <= 100 for r in res["rows"]), res["rows"][:3]
    assert "synthetic" in (out_dir/"results.md").read_text().lower()


@pytest.mark.notebook
@pytest.mark.parametrize("nb", NOTEBOOKS, ids=nb_id)
def test_notebook_runs_once_at_smoke_size(nb, tmp_path):
    params = {"smoke": True}
    if "out_dir" in nbrun.declared_parameters(nbrun.nbformat.read(nb, as_version=4)): params["out_dir"] = str(tmp_path/"out")
    run = nbrun.run(nb, params)
    print(f"{nb_id(nb)}: {run.cells_run} cells in {run.seconds:.1f} s ({run.cells_skipped} test/slow cells left to pytest)")
    if nb.name.startswith("reproduce_"): _check_results(tmp_path/"out", nb)


def test_runner_skips_test_cells_and_names_a_stuck_cell(tmp_path):
    "The runner itself: test cells are left out, parameters injected, a stuck cell is named, errors name the cell"
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("smoke = False\nx = 1", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("#| test\nraise RuntimeError('a test cell must not run here')"),
                nbformat.v4.new_code_cell("assert smoke is True and x == 1\nprint('ran')"),
                nbformat.v4.new_code_cell("import time; time.sleep(30)")]
    p = tmp_path/"t.ipynb"; nbformat.write(nb, p)
    with pytest.raises(AssertionError, match=r"cell 3 did not finish.*time\.sleep"):
        nbrun.run(p, {"smoke": True}, limit_s=20)
    nb.cells[3] = nbformat.v4.new_code_cell("1/0")
    nbformat.write(nb, p)
    with pytest.raises(AssertionError, match=r"cell 3 failed"):
        nbrun.run(p, {"smoke": True})
    nb.cells = nb.cells[:3]; nbformat.write(nb, p)
    r = nbrun.run(p, {"smoke": True})
    assert r.cells_run == 3 and r.cells_skipped == 1     # parameters, injected parameters, the check
    assert any("ran" in o.get("text", "") for _, outs in r.outputs for o in outs)
