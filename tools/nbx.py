"""Run nbdev over every package of the monorepo (common/ and papers/*/).

nbdev finds its config ([tool.nbdev] in a pyproject.toml) by walking up from the current
directory, and our notebooks live outside the package folders (nbs/<name>/), so every nbdev
command must run with the package folder as its working directory. This script does that.

  python tools/nbx.py export       nbdev-export each package, then tests/ from `#| test` cells
  python tools/nbx.py clean        clean nbs/**/*.ipynb: nbdev's cleaning KEEPING cell tags, outputs dropped,
                                   the project's kernel (`reidlab`) as the stored kernelspec
  python tools/nbx.py check        fail if notebooks, generated modules or generated tests are out of
                                   sync, a notebook is not clean, or a reproduce notebook lost its
                                   `parameters` tag (CI runs this). It exports and cleans a copy of the
                                   sources in a temporary folder and compares: the working tree is never
                                   modified; `make export` (export + clean) fixes what it lists.
  python tools/nbx.py test [--only common] [--flags slow]   nbdev-test: run the notebooks in-process
"""
import argparse, hashlib, json, shutil, subprocess, sys, tempfile
from pathlib import Path

from fastcore.xtras import working_directory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'tools'))
SYNCED = ['nbs', 'common/reidlab_common', 'tests', *[f'papers/{p.name}/reidlab_{p.name}' for p in sorted((ROOT/'papers').glob('*'))]]


def packages(only=None):
    dirs = [ROOT/'common', *sorted(p.parent for p in (ROOT/'papers').glob('*/pyproject.toml'))]
    return [d for d in dirs if (d/'pyproject.toml').exists() and (not only or d.name in only)]


def notebooks(only=None):
    for d in packages(only):
        for nb in sorted((ROOT/'nbs'/d.name).glob('*.ipynb')): yield nb


def export(only=None):
    from nbdev.doclinks import nbdev_export
    import nbtests
    for d in packages(only):
        with working_directory(d): nbdev_export.__wrapped__()
    for f in nbtests.export_all(ROOT/'tests'): print('tests:', f.relative_to(ROOT))


# The kernel every notebook names: installed with reidlab-common (common/jupyter/kernel.json, into
# <env>/share/jupyter/kernels/reidlab), so Jupyter front ends pick the environment reidlab lives in.
# Stored exactly as JupyterLab writes it, so that opening and saving a notebook changes nothing.
KERNELSPEC = {"display_name": "Python 3 (reidlab)", "language": "python", "name": "reidlab"}


def _clean_nb(nb):
    "nbdev's cleaning keeping cell tags (papermill's `parameters`), then drop every output; the project's kernelspec"
    from nbdev.clean import clean_nb
    clean_nb(nb, allowed_cell_metadata_keys=['tags'])
    nb['metadata'] = {**{k: v for k, v in nb['metadata'].items() if k != 'kernelspec'}, 'kernelspec': dict(KERNELSPEC)}
    nb['cells'] = [c for c in nb['cells'] if 'injected-parameters' not in c['metadata'].get('tags', [])]
    for c in nb['cells']:
        if c['cell_type'] == 'code': c['outputs'], c['execution_count'] = [], None
        if c['metadata'].get('tags') == []: del c['metadata']['tags']


def clean(only=None):
    "Clean nbs/<pkg>/*.ipynb in place; independent of the working directory (usable from git hooks)"
    from nbdev.clean import process_write
    for nb in notebooks(only):
        process_write(warn_msg=f'Failed to clean {nb}', proc_nb=_clean_nb, f_in=nb)


def pre_save_hook(model, path, contents_manager, **kwargs):
    "Jupyter Server pre-save hook (tools/jupyter/jupyter_server_config.py): store notebooks under nbs/ clean"
    if model.get('type') != 'notebook' or not isinstance(model.get('content'), dict): return
    try: full = (Path(contents_manager.root_dir)/path.lstrip('/')).resolve()
    except (OSError, ValueError): return
    if (ROOT/'nbs') in full.parents: _clean_nb(model['content'])


def missing_parameters_tag():
    "Reproduce notebooks without a cell tagged `parameters` (papermill would then ignore -p silently)"
    bad = []
    for nb in sorted(ROOT.glob('nbs/*/reproduce_*.ipynb')):
        cells = json.loads(nb.read_text())['cells']
        if not any('parameters' in c.get('metadata', {}).get('tags', []) for c in cells): bad.append(nb)
    return bad


def _snapshot(root=ROOT):
    files = {}
    for rel in SYNCED:
        base = root/rel
        if not base.exists(): continue
        for f in base.rglob('*'):
            if f.is_file() and '__pycache__' not in f.parts and '.ipynb_checkpoints' not in f.parts:
                files[f.relative_to(root).as_posix()] = hashlib.sha256(f.read_bytes()).hexdigest()
    return files


def _copy_sources(dest):
    "What export and clean read and write, copied to `dest` in the same layout (so relative paths match)"
    skip = shutil.ignore_patterns('__pycache__', '.ipynb_checkpoints', '*.egg-info', '.hypothesis')

    def ignore(folder, names):   # also sockets, fifos and the like: only files and folders are sources
        return set(skip(folder, names)) | {n for n in names if not (Path(folder, n).is_file() or Path(folder, n).is_dir())}
    for rel in ['nbs', 'tests', 'tools']: shutil.copytree(ROOT/rel, dest/rel, ignore=ignore)
    for d in packages():
        (dest/d.relative_to(ROOT)).mkdir(parents=True, exist_ok=True)
        shutil.copy2(d/'pyproject.toml', dest/d.relative_to(ROOT)/'pyproject.toml')
        for lib in d.glob('reidlab_*'):
            if lib.is_dir(): shutil.copytree(lib, dest/lib.relative_to(ROOT), ignore=ignore)


def out_of_sync():
    "Files that `export clean` would change, found on a temporary copy: the working tree is left as it is"
    with tempfile.TemporaryDirectory(prefix='reidlab-check-') as td:
        tmp = Path(td)
        _copy_sources(tmp)
        r = subprocess.run([sys.executable, str(tmp/'tools'/'nbx.py'), 'export', 'clean'], cwd=tmp,
                           capture_output=True, text=True)
        if r.returncode: sys.exit(f'check: exporting a copy of the notebooks failed:\n{r.stdout}{r.stderr}')
        before, after = _snapshot(ROOT), _snapshot(tmp)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return [(k, 'to be created' if k not in before else 'to be removed' if k not in after else 'differs') for k in changed]


def check():
    problems = [f'  {k} ({why})' for k, why in out_of_sync()]
    problems += [f'  {nb.relative_to(ROOT)}: no cell tagged `parameters`' for nb in missing_parameters_tag()]
    if problems:
        sys.exit('check: notebooks and generated code/tests are out of sync (nothing was changed; `make export` '
                 're-exports and cleans, then commit notebooks and generated files together):\n' + '\n'.join(problems))
    print('check: notebooks clean; modules and tests in sync; reproduce notebooks tagged')


def test(only=None, flags=''):
    from nbdev.test import nbdev_test
    failed = []
    for d in packages(only):
        print(f'== {d.name}', flush=True)
        with working_directory(d):
            try: nbdev_test.__wrapped__(flags=flags, timing=True, cell_timeout=0)   # no per-cell limit: a slow machine is not a failure
            except SystemExit as e:
                if e.code: failed.append(d.name)
    if failed: sys.exit(f'notebook tests failed in: {" ".join(failed)}')


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('cmd', nargs='+', choices=['export', 'clean', 'test', 'check'])
    ap.add_argument('--only', nargs='*', help='package folder names, e.g. common hctriplet')
    ap.add_argument('--flags', default='', help='nbdev-test flags to run anyway, e.g. slow')
    a = ap.parse_args()
    for c in a.cmd:
        if c == 'test': test(a.only, a.flags)
        elif c == 'check': check()
        else: globals()[c](a.only)
