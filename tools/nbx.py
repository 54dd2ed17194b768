"""Run nbdev over every package of the monorepo (common/ and papers/*/).

nbdev finds its config ([tool.nbdev] in a pyproject.toml) by walking up from the current
directory, and our notebooks live outside the package folders (nbs/<name>/), so every nbdev
command must run with the package folder as its working directory. This script does that.

  python tools/nbx.py export       nbdev-export each package, then tests/ from `#| test` cells
  python tools/nbx.py clean        clean nbs/**/*.ipynb: nbdev's cleaning KEEPING cell tags, outputs dropped
  python tools/nbx.py check        fail if notebooks, generated modules or generated tests are out of
                                   sync, a notebook is not clean, or a reproduce notebook lost its
                                   `parameters` tag (CI runs this)
  python tools/nbx.py test [--only common] [--flags slow]   nbdev-test: run the notebooks in-process
"""
import argparse, hashlib, json, sys
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


def _clean_nb(nb):
    "nbdev's cleaning keeping cell tags (papermill's `parameters`), then drop every output"
    from nbdev.clean import clean_nb
    clean_nb(nb, allowed_cell_metadata_keys=['tags'])
    nb['cells'] = [c for c in nb['cells'] if 'injected-parameters' not in c['metadata'].get('tags', [])]
    for c in nb['cells']:
        if c['cell_type'] == 'code': c['outputs'], c['execution_count'] = [], None
        if c['metadata'].get('tags') == []: del c['metadata']['tags']


def clean(only=None):
    "Clean nbs/<pkg>/*.ipynb in place; independent of the working directory (usable from git hooks)"
    from nbdev.clean import process_write
    for nb in notebooks(only):
        process_write(warn_msg=f'Failed to clean {nb}', proc_nb=_clean_nb, f_in=nb)


def missing_parameters_tag():
    "Reproduce notebooks without a cell tagged `parameters` (papermill would then ignore -p silently)"
    bad = []
    for nb in sorted(ROOT.glob('nbs/*/reproduce_*.ipynb')):
        cells = json.loads(nb.read_text())['cells']
        if not any('parameters' in c.get('metadata', {}).get('tags', []) for c in cells): bad.append(nb)
    return bad


def _snapshot():
    files = {}
    for rel in SYNCED:
        base = ROOT/rel
        if not base.exists(): continue
        for f in base.rglob('*'):
            if f.is_file() and '__pycache__' not in f.parts and '.ipynb_checkpoints' not in f.parts:
                files[f.relative_to(ROOT).as_posix()] = hashlib.sha256(f.read_bytes()).hexdigest()
    return files


def check():
    before = _snapshot()
    export(); clean()
    after = _snapshot()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    problems = [f'  {k} ({"new" if k not in before else "removed" if k not in after else "changed"})' for k in changed]
    problems += [f'  {nb.relative_to(ROOT)}: no cell tagged `parameters`' for nb in missing_parameters_tag()]
    if problems:
        sys.exit('notebooks and generated code/tests were out of sync (now re-exported and cleaned: review, then '
                 'commit notebooks and generated files together):\n' + '\n'.join(problems))
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
