"""The notebook pipeline itself: `nbx.py check` catches unexported edits and lost `parameters` tags,
and cleaning keeps cell tags while dropping outputs."""
import json, shutil, subprocess, sys
from pathlib import Path

import pytest

LIMIT_S = 3600   # a stuck child is stopped; a slow, loaded machine is not a failure

ROOT = Path(__file__).resolve().parents[2]
PARAMS_SRC = 'data_root = None\npreset = "auto"\ncheckpoint = None\ndevice = "auto"\nseed = 0\nout_dir = None\nsmoke = False'


def _copy_repo(dst: Path) -> Path:
    ignore = shutil.ignore_patterns("*.egg-info", "__pycache__", ".ipynb_checkpoints", "outputs")
    for rel in ["nbs", "common", "papers", "tests", "tools"]:
        shutil.copytree(ROOT/rel, dst/rel, ignore=ignore)
    return dst


def _check(repo: Path):
    return subprocess.run([sys.executable, "tools/nbx.py", "check"], cwd=repo, capture_output=True, text=True, timeout=LIMIT_S)


def _code_cell(src, tags=None):
    return {"cell_type": "code", "execution_count": None, "id": "c" + str(abs(hash(src)) % 10**7), "metadata": {"tags": tags} if tags else {},
            "outputs": [], "source": src}


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    repo = _copy_repo(tmp_path_factory.mktemp("repo"))
    # a minimal reproduce notebook, so the tag rule has something to check even before papers have theirs
    nb = {"cells": [_code_cell(PARAMS_SRC, ["parameters"]), _code_cell("print(data_root)")],
          "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    (repo/"nbs"/"llm"/"reproduce_fixture_regdb.ipynb").write_text(json.dumps(nb, indent=1) + "\n")
    subprocess.run([sys.executable, "tools/nbx.py", "export", "clean"], cwd=repo, check=True, capture_output=True, timeout=LIMIT_S)
    return repo


def test_check_passes_when_in_sync(repo):
    r = _check(repo)
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_fails_after_unexported_edit(repo):
    nb_path = repo/"nbs"/"common"/"00_core.ipynb"
    nb = json.loads(nb_path.read_text())
    nb["cells"].append(_code_cell("#| export\ndef added_but_not_exported(): return 1"))
    nb_path.write_text(json.dumps(nb, indent=1) + "\n")
    r = _check(repo)
    assert r.returncode != 0 and "common/reidlab_common/core.py (differs)" in r.stderr, r.stderr
    assert "added_but_not_exported" not in (repo/"common"/"reidlab_common"/"core.py").read_text()  # check never modifies the tree
    subprocess.run([sys.executable, "tools/nbx.py", "export", "clean"], cwd=repo, check=True, capture_output=True, timeout=LIMIT_S)
    assert _check(repo).returncode == 0  # `make export` (export + clean) brought it back in sync


def test_check_fails_when_parameters_tag_is_lost(repo):
    nb_path = repo/"nbs"/"llm"/"reproduce_fixture_regdb.ipynb"
    nb = json.loads(nb_path.read_text())
    del nb["cells"][0]["metadata"]["tags"]  # what plain nbdev-clean does to papermill's parameters cell
    nb_path.write_text(json.dumps(nb, indent=1) + "\n")
    r = _check(repo)
    assert r.returncode != 0 and "reproduce_fixture_regdb.ipynb: no cell tagged `parameters`" in r.stderr, r.stderr


def test_clean_keeps_tags_and_drops_outputs(repo):
    nb_path = repo/"nbs"/"llm"/"reproduce_fixture_clean.ipynb"
    cell = _code_cell(PARAMS_SRC, ["parameters"])
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hello"}]
    cell["execution_count"] = 3
    cell["metadata"]["collapsed"] = True
    nb = {"cells": [cell], "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    nb_path.write_text(json.dumps(nb) + "\n")
    subprocess.run([sys.executable, "tools/nbx.py", "clean", "--only", "llm"], cwd=repo, check=True, capture_output=True, timeout=LIMIT_S)
    c = json.loads(nb_path.read_text())["cells"][0]
    assert c["metadata"] == {"tags": ["parameters"]} and c["outputs"] == [] and c["execution_count"] is None


def test_nbtests_export_is_stable(repo):
    r = subprocess.run([sys.executable, "tools/nbtests.py", "--check"], cwd=repo, capture_output=True, text=True, timeout=LIMIT_S)
    assert r.returncode == 0 and "up to date" in r.stdout, r.stdout + r.stderr
