"""The notebooks as JupyterLab runs them: the project's named kernel, the project's Lab settings, clean saves.

- A reproduce notebook (HcTri on RegDB, smoke size) runs in the installed `reidlab` kernel through nbclient,
  cell by cell with its outputs recorded as Lab records them: no warning on the kernel's stderr or in any cell,
  plots displayed inline (image/png), the results table displayed rendered (text/html or text/markdown).
- JupyterLab started from .venv (what `make lab` runs) has the news pop-up off, starts the `reidlab` kernel by
  default, and its kernels print no "running over TCP without encryption" warning.
- Saving a notebook under nbs/ from Lab, with Lab's metadata and outputs, stores exactly what `make export`
  stores: opening, running and saving a notebook leaves the git tree clean.
The Lab parts need `make install` (it installs the kernel and links tools/jupyter/ into .venv); they are
skipped in an environment without them.
"""
import json, os, re, secrets, socket, subprocess, sys, time, urllib.request
from pathlib import Path

import pytest

import nbrun

ROOT = Path(__file__).resolve().parents[2]
NB = ROOT/"nbs"/"hctriplet"/"reproduce_regdb.ipynb"
VENV = Path(sys.prefix)
WARNING = re.compile(r"warn", re.I)


def _kernel_installed():
    from jupyter_client.kernelspec import KernelSpecManager
    return "reidlab" in KernelSpecManager().find_kernel_specs()


needs_kernel = pytest.mark.skipif(not _kernel_installed(), reason="the `reidlab` kernel is not installed (make install)")
needs_lab_setup = pytest.mark.skipif(not (VENV/"etc"/"jupyter"/"jupyter_server_config.py").exists(),
                                     reason="the project's Jupyter settings are not installed in this environment (make install)")


def _displayed(outputs, mime):
    return [o for o in outputs if mime in o.get("data", {})]


@pytest.mark.notebook
@needs_kernel
def test_reproduce_notebook_in_the_project_kernel(tmp_path):
    from nbclient import NotebookClient
    nb, _ = nbrun.prepare(NB, {"smoke": True, "out_dir": str(tmp_path/"out")})
    client = NotebookClient(nb, kernel_name="reidlab", config=nbrun.kernel_config(), timeout=600, startup_timeout=600,
                            resources={"metadata": {"path": str(NB.parent)}})
    t0 = time.monotonic()
    with open(tmp_path/"kernel_stderr.txt", "w") as err:
        client.execute(stderr=err)
    seconds = time.monotonic() - t0
    kernel_err = (tmp_path/"kernel_stderr.txt").read_text()
    code = [c for c in nb.cells if c.cell_type == "code"]
    outs = [o for c in code for o in c.outputs]
    cell_err = "".join(o.get("text", "") for o in outs if o.get("output_type") == "stream" and o.get("name") == "stderr")
    print(f"{NB.name}: {len(code)} cells in {seconds:.1f} s; kernel stderr {len(kernel_err)} chars, cell stderr {len(cell_err)} chars")
    assert not WARNING.search(kernel_err), f"the kernel printed a warning:\n{kernel_err}"
    assert not WARNING.search(cell_err), f"a cell printed a warning:\n{cell_err}"
    assert not [o for o in outs if o.get("output_type") == "error"]

    images = _displayed(outs, "image/png")
    last = code[-1]   # the results table
    tables = _displayed(last.outputs, "text/html") + _displayed(last.outputs, "text/markdown")
    if 'print(paths["md"].read_text())' in "".join(c.source for c in code) and not (images and tables):
        missing = [what for what, ok in [("inline plots", images), ("the rendered results table", tables)] if not ok]
        pytest.xfail(f"not displayed yet: {' and '.join(missing)}; this reproduce notebook still prints results.md as "
                     "plain text (`reidlab_common.report.show_results(paths)` replaces that line at integration)")
    assert images, "no plot was displayed inline (image/png)"
    assert tables, f"the results table is not displayed rendered: {[list(o.get('data', o)) for o in last.outputs]}"
    shown = "".join(str(o["data"].get("text/html", "")) + str(o["data"].get("text/markdown", "")) for o in tables)
    assert "synthetic" in shown.lower(), "the displayed demo table must say it is synthetic data"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


@needs_kernel
@needs_lab_setup
def test_jupyterlab_settings_and_default_kernel(tmp_path):
    "JupyterLab from .venv: news pop-up off, long lines wrapped, `reidlab` kernel by default, no TCP warning"
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path/"runtime")}
    log = open(tmp_path/"lab.log", "w")
    lab = subprocess.Popen([str(VENV/"bin"/"jupyter"), "lab", "--no-browser", "--ip", "127.0.0.1", f"--port={port}",
                            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}",
                            *(["--allow-root"] if os.geteuid() == 0 else [])],
                           stdout=log, stderr=subprocess.STDOUT, env=env)

    def api(path, method="GET"):
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     headers={"Authorization": f"token {token}"}, data=b"{}" if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=30) as r: return json.loads(r.read() or b"null")
    try:
        for _ in range(240):
            try: api("/api/status"); break
            except OSError: time.sleep(0.5)
        def default(plugin, key):   # Lab's settings defaults after overrides.json (no user settings in a fresh setup)
            return api(f"/lab/api/settings/{plugin}")["schema"]["properties"][key]["default"]
        assert default("@jupyterlab/apputils-extension:notification", "fetchNews") == "false"
        assert default("@jupyterlab/apputils-extension:notification", "checkForUpdates") is False
        assert default("@jupyterlab/notebook-extension:tracker", "codeCellConfig")["lineWrap"] is True
        assert api("/api/kernelspecs")["default"] == "reidlab"
        kernel = api("/api/kernels", "POST")
        assert kernel["name"] == "reidlab"
        from jupyter_client import BlockingKernelClient
        kc = BlockingKernelClient(connection_file=str(tmp_path/"runtime"/f"kernel-{kernel['id']}.json"))
        kc.load_connection_file(); kc.start_channels()
        try:
            kc.wait_for_ready(timeout=300)                   # the kernel answers over the server's transport
            reply = kc.execute_interactive("import sys; print(sys.prefix)", timeout=120)
            assert reply["content"]["status"] == "ok"
        finally:
            kc.stop_channels()
        api(f"/api/kernels/{kernel['id']}", "DELETE")
    finally:
        lab.terminate(); lab.wait(60); log.close()
    text = (tmp_path/"lab.log").read_text()
    assert "without encryption" not in text, text[-3000:]


@needs_lab_setup
def test_saving_from_lab_keeps_the_tree_clean(tmp_path):
    "A notebook saved by Lab (outputs, language_info, Lab's kernelspec) is stored as `tools/nbx.py clean` stores it"
    from jupyter_server.services.contents.filemanager import FileContentsManager
    from traitlets.config.loader import PyFileConfigLoader
    from nbdev.clean import process_write
    import nbformat
    sys.path.insert(0, str(ROOT/"tools"))
    import nbx
    cfg = PyFileConfigLoader("jupyter_server_config.py", path=str(VENV/"etc"/"jupyter")).load_config()
    cm = FileContentsManager(config=cfg, root_dir=str(ROOT))
    rel = NB.relative_to(ROOT).as_posix()
    model = cm.get(rel)                                      # what Lab opens
    nb = model["content"]
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (reidlab)", "language": "python", "name": "reidlab"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"}
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code":
            c.execution_count = i
            c.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran\n")]
            c.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00"}
    model = {"type": "notebook", "format": "json", "content": nb}
    cm.run_pre_save_hooks(model=model, path=rel)            # what Lab's save runs before writing
    saved = nbformat.writes(nbformat.from_dict(model["content"]), version=nbformat.NO_CONVERT) + "\n"
    ref = tmp_path/NB.name
    ref.write_bytes(NB.read_bytes())
    process_write(warn_msg="", proc_nb=nbx._clean_nb, f_in=ref)  # what `make export` stores
    assert saved == ref.read_text(), "a notebook saved from JupyterLab differs from the cleaned notebook"
    assert json.loads(saved)["metadata"] == {"kernelspec": nbx.KERNELSPEC}


def test_check_reports_without_modifying_the_tree(tmp_path):
    "`tools/nbx.py check` on a copy of the sources with an edited export cell: fails, names the file, changes nothing"
    sys.path.insert(0, str(ROOT/"tools"))
    import nbx
    nbx._copy_sources(tmp_path)
    nb_path = tmp_path/"nbs"/"common"/"19_vocab.ipynb"
    nb = json.loads(nb_path.read_text())
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).startswith("#| export"))
    cell["source"] = "".join(cell["source"]) + "\nADDED_BY_THE_TEST = 1"
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "an output Lab saved\n"}]
    nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    before = nbx._snapshot(tmp_path)
    r = subprocess.run([sys.executable, str(tmp_path/"tools"/"nbx.py"), "check"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert r.returncode != 0, r.stdout
    assert "nbs/common/19_vocab.ipynb (differs)" in r.stderr and "common/reidlab_common/vocab.py (differs)" in r.stderr, r.stderr
    assert nbx._snapshot(tmp_path) == before, "check modified the working tree"
