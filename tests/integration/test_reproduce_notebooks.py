"""The reproduce notebooks honour the papermill parameters contract (their smoke-size run is in test_notebooks.py)."""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPRODUCE_NBS = sorted(ROOT.glob("nbs/*/reproduce_*.ipynb"))


def nb_id(p): return f"{p.parent.name}/{p.stem}"

CONTRACT = {"data_root": None, "preset": "auto", "checkpoint": None, "device": "auto", "seed": 0, "out_dir": None,
            "smoke": False}   # smoke=True: a tiny dataset and a short run, for the test suite only


def _parameters_cell(nb):
    cells = json.loads(Path(nb).read_text())["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{nb}: expected exactly one cell tagged `parameters`, found {len(tagged)}"
    return "".join(tagged[0]["source"])


@pytest.mark.parametrize("nb", REPRODUCE_NBS, ids=nb_id)
def test_parameters_cell_has_the_contract_defaults(nb):
    ns = {}
    exec(_parameters_cell(nb), ns)
    for k, v in CONTRACT.items():
        assert k in ns, f"{nb}: parameters cell lacks {k}"
        assert ns[k] == v, f"{nb}: {k} defaults to {ns[k]!r}, the contract says {v!r}"


@pytest.mark.parametrize("nb", REPRODUCE_NBS, ids=nb_id)
def test_papermill_really_overrides_data_root(nb, tmp_path):
    "A guard: if papermill's parameters were ignored (lost tag), the demo would run and this would pass silently"
    import papermill as pm
    missing = tmp_path/"no_such_dataset_folder"
    with pytest.raises(pm.PapermillExecutionError) as e:
        pm.execute_notebook(str(nb), str(tmp_path/"out.ipynb"), parameters={"data_root": str(missing), "out_dir": str(tmp_path/"o")},
                            kernel_name="python3", cwd=str(nb.parent), progress_bar=False)
    assert str(missing) in str(e.value) and "does not exist" in str(e.value)
