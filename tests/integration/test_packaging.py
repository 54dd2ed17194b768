"""Installing with plain pip, as a user does from a clone, resolved offline.

A paper depends on `reidlab-common`, which is not on an index: pip takes it from the sibling `common/` folder
(the papers' build backend, tools/sibling_backend.py), while `pip install -e ./common -e ./papers/<paper>` keeps
both editable and an installed reidlab-common is never replaced. pip's own resolver decides here, with
`--dry-run --report`, no index and no download: a throw-away environment sees this environment's third-party
packages (torch, numpy, ...) as installed, but no reidlab package, so only reidlab-common is left to resolve.
"""
import json, os, subprocess, sys, sysconfig, venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAPERS = sorted(p.parent.name for p in (ROOT/"papers").glob("*/pyproject.toml"))
PIP_ENV = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": "", "PIP_NO_INPUT": "1",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1", "REIDLAB_SIBLING_COMMON": "1"}


@pytest.fixture(scope="module")
def bare_env(tmp_path_factory):
    "A venv holding (as links) every package of this one except reidlab's and pip: reidlab-common is not installed"
    d = tmp_path_factory.mktemp("bare")/"venv"
    venv.EnvBuilder(with_pip=False).create(d)
    py = d/"bin"/"python"
    target = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if "reidlab" in entry.name.lower() or entry.name == "pip" or entry.name.startswith("pip-"): continue
        (target/entry.name).symlink_to(entry)
    return py


def resolve(args, python=None, tmp=None):
    "pip's resolution of `pip install ARGS` (run from the repository root), offline: {name: download_info}"
    report = tmp/"report.json"
    cmd = [sys.executable, "-m", "pip", *(["--python", str(python)] if python else []), "install", "--dry-run",
           "--no-index", "--no-build-isolation", "--quiet", "--report", str(report), *args]
    r = subprocess.run(cmd, cwd=ROOT, env=PIP_ENV, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"{' '.join(args)}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return {i["metadata"]["name"]: i["download_info"] for i in json.loads(report.read_text())["install"]}


def _is_editable(info): return info.get("dir_info", {}).get("editable", False)


def test_pip_install_one_paper_brings_common_from_the_sibling_folder(bare_env, tmp_path):
    "`pip install -e papers/<paper>` for every paper (one command), and the `notebooks` extra"
    got = resolve([arg for p in PAPERS for arg in ("-e", f"papers/{p}")] + ["-e", "papers/ssan[notebooks]"], bare_env, tmp_path)
    assert got["reidlab-common"]["url"] == (ROOT/"common").as_uri(), got["reidlab-common"]
    assert not _is_editable(got["reidlab-common"])      # a regular copy of the sibling folder
    for p in PAPERS:
        info = got[f"reidlab-{p.replace('_', '-')}"]
        assert info["url"] == (ROOT/"papers"/p).as_uri() and _is_editable(info), info


@pytest.mark.parametrize("args", [["-e", "./common", "-e", "./papers/ssan"], ["-r", "REQS"]],
                         ids=["command-line", "requirements-file"])
def test_pip_install_common_and_paper_editable_together(bare_env, tmp_path, args):
    "`pip install -e ./common -e ./papers/ssan` (or the paper first, from a requirements file): both editable"
    if args == ["-r", "REQS"]:
        (tmp_path/"reqs.txt").write_text("-e ./papers/ssan\n-e common\n")
        args = ["-r", str(tmp_path/"reqs.txt")]
    got = resolve(args, bare_env, tmp_path)
    assert got["reidlab-common"] == {"url": (ROOT/"common").as_uri(), "dir_info": {"editable": True}}
    assert got["reidlab-ssan"] == {"url": (ROOT/"papers"/"ssan").as_uri(), "dir_info": {"editable": True}}


def test_an_installed_common_is_kept(tmp_path):
    "Here reidlab-common is installed (editable, by `make install`): installing a paper with pip leaves it alone"
    got = resolve(["-e", "papers/ssan"], None, tmp_path)
    assert "reidlab-common" not in got and _is_editable(got["reidlab-ssan"]), got


def test_paper_wheel_metadata_has_no_local_path(tmp_path):
    "The built wheel says `reidlab-common`, as pyproject.toml does: the folder only steers pip's resolution"
    import shutil
    src = tmp_path/"clone"                                  # a copy: building writes build/ into the source folder
    shutil.copytree(ROOT/"papers"/"ssan", src/"papers"/"ssan", ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    (src/"tools").mkdir(); shutil.copy2(ROOT/"tools"/"sibling_backend.py", src/"tools")
    (src/"common").mkdir(); shutil.copy2(ROOT/"common"/"pyproject.toml", src/"common")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--quiet",
                        "-w", str(tmp_path), str(src/"papers"/"ssan")], env=PIP_ENV, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    import zipfile
    (whl,) = tmp_path.glob("reidlab_ssan-*.whl")
    meta = zipfile.ZipFile(whl).read(f"{whl.name.split('-')[0]}-{whl.name.split('-')[1]}.dist-info/METADATA").decode()
    assert "Requires-Dist: reidlab-common\n" in meta and "file:" not in meta, meta


def test_uv_lock_is_in_sync_with_the_pyprojects():
    "`make install` runs `uv sync --locked`: uv.lock must match every pyproject.toml"
    uv = Path(sys.prefix)/"bin"/"uv"
    if not uv.exists(): pytest.skip("uv is not installed in this environment (make install brings it)")
    r = subprocess.run([str(uv), "lock", "--check", "--offline"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
