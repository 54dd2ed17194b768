"""Every non-reproduce notebook runs top to bottom (what nbdev-test does), `#| slow` cells skipped."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPRODUCE_NBS = sorted(ROOT.glob("nbs/*/reproduce_*.ipynb"))
OTHER_NBS = sorted(p for p in ROOT.glob("nbs/*/*.ipynb") if not p.name.startswith(("reproduce_", "_", ".")))


def nb_id(p): return f"{p.parent.name}/{p.stem}"


@pytest.mark.notebook
@pytest.mark.parametrize("nb", OTHER_NBS, ids=nb_id)
def test_notebook_runs_top_to_bottom(nb):
    from nbdev.test import test_nb
    ok, _ = test_nb(nb, skip_flags=["notest", "slow"], showerr=True)
    assert ok, f"{nb} failed (traceback above)"
