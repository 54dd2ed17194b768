import os, sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))   # nbrun, the notebook runner

@pytest.fixture(autouse=True, scope="session")
def _quiet_home(tmp_path_factory):
    "Keep Jupyter, IPython and matplotlib from writing into the user's home during tests"
    home = tmp_path_factory.mktemp("home")
    for var, sub in [("JUPYTER_CONFIG_DIR", "jupyter"), ("JUPYTER_RUNTIME_DIR", "jupyter_runtime"),
                     ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "mpl")]:
        os.environ.setdefault(var, str(home/sub))
    os.environ.setdefault("MPLBACKEND", "Agg")
    yield

