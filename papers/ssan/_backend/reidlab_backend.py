"""Build backend of this paper: setuptools, with reidlab-common taken from the sibling `common/` folder by pip.

The logic lives once, in the repository's tools/sibling_backend.py (read its docstring); outside a clone of the
repository (an sdist) this is plain setuptools.
"""
import sys
from pathlib import Path

_tools = Path(__file__).resolve().parents[3]/"tools"
if (_tools/"sibling_backend.py").is_file():
    sys.path.insert(0, str(_tools))
    from sibling_backend import *  # noqa: F401,F403
else:
    from setuptools.build_meta import *  # noqa: F401,F403
