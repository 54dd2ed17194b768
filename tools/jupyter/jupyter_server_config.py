"""Jupyter Server / JupyterLab settings of the reidlab project.

`make install` links this file into .venv/etc/jupyter/ and overrides.json (Lab's defaults: no news pop-up or
update check, long code lines wrapped) into .venv/share/jupyter/lab/settings/, so every `jupyter lab` started
from .venv (`make lab` among them) uses them.
"""
import sys, warnings
from pathlib import Path

_tools = Path(__file__).resolve().parents[1]   # tools/ of the clone this file belongs to
c = get_config()  # noqa: F821  (provided by the Jupyter config loader)

# New notebooks and consoles start the project's kernel (the stored kernelspec of every notebook names it too).
c.MultiKernelManager.default_kernel_name = "reidlab"

# Kernel traffic encrypted with CurveZMQ keys (the kernels declare support; pyzmq ships with it), so ipykernel
# has no "Kernel is running over TCP without encryption" to warn about; tests/integration/nbrun.py does the same.
try:
    import zmq
    if zmq.has("curve"): c.KernelManager.transport_encryption = "auto"
except ImportError:
    pass

# Saving a notebook under nbs/ stores it clean (outputs, execution counts and Lab's extra metadata dropped, cell
# tags kept, the project's kernelspec), exactly as `make export` would: opening, running and saving a notebook
# leaves the git tree clean, and `tools/nbx.py check` has nothing to report. Notebooks elsewhere
# (outputs/ from papermill, your own scratch notebooks) are saved as they are.
sys.path.insert(0, str(_tools))
from nbx import pre_save_hook  # noqa: E402

c.ContentsManager.pre_save_hook = pre_save_hook
# Jupyter Server applies the configuration again when Lab's extension loads, and warns that the hook "overrides"
# itself; it is the same hook.
warnings.filterwarnings("ignore", message=r"Overriding existing pre_save_hook \(pre_save_hook\)")
