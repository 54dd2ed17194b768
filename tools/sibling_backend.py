"""PEP 517 build backend of the paper packages: setuptools, plus "reidlab-common lives next door".

Why: `reidlab-common` is not published on an index, so `pip install -e papers/ssan` in a fresh environment
cannot find it by name. A PEP 508 direct reference to the sibling folder fixes that, but written into
pyproject.toml it breaks two other commands: `pip install -e ./common -e ./papers/ssan` ends in
ResolutionImpossible (pip compares an editable candidate and a direct-URL candidate by class and URL, so the
editable `./common` never satisfies `reidlab-common @ file:///.../common`: pypa/pip#10216, #12533), and installing
a paper next to an editable common replaces it with a copy. Relative paths are not allowed in a direct reference.

What this backend does: everything is setuptools' (`setuptools.build_meta`), with one change in the metadata
that pip prepares to resolve dependencies (`prepare_metadata_for_build_wheel` / `..._editable`): the plain
requirement `reidlab-common` becomes `reidlab-common @ file:///<absolute path of ../../common>` when

  - the sibling `common/` folder of this clone exists and is the reidlab-common project, and
  - the environment pip installs into has no reidlab-common yet (so an installed copy, editable or not, is
    used as it is and never replaced), and
  - the same pip command does not install that `common/` folder itself as an editable (`-e ./common`, also
    inside a `-r` requirements file): pip
    would then see two sources for one project; its arguments are read from the parent process where the
    system shows them (Linux /proc; elsewhere `ps`), a workaround until pip lets an editable satisfy a direct
    reference to the same folder.

Wheels themselves are built by setuptools unchanged: their METADATA keeps the plain `reidlab-common`
(as pyproject.toml declares it), so no absolute path of this machine ends up in a wheel or in the installed
metadata; uv reads the static pyproject.toml and takes reidlab-common from the workspace (`make install`).
`REIDLAB_SIBLING_COMMON=0` turns the rewrite off.
"""
from __future__ import annotations

import os, re, shlex, shutil, subprocess, sys
from pathlib import Path

from setuptools import build_meta as _st
from setuptools.build_meta import *  # noqa: F401,F403  (every hook we do not change)

COMMON = "reidlab-common"
__all__ = list(_st.__all__)   # the PEP 517 hooks; two of them redefined below


def sibling_common(project_dir: Path | None = None) -> Path | None:
    "The clone's common/ folder (two levels above a paper) if it holds the reidlab-common project"
    root = (project_dir or Path.cwd()).resolve()
    common = root.parent.parent/"common"
    try: text = (common/"pyproject.toml").read_text(encoding="utf-8")
    except OSError: return None
    return common if re.search(r'(?m)^name\s*=\s*"reidlab-common"\s*$', text) else None


def _target_python() -> str:
    "The interpreter pip installs into: ours, unless pip runs this backend in a build venv of its own"
    if "pip-build-env-" not in sys.prefix: return sys.executable   # pip's default isolation, or none
    args, cwd = _frontend_args()                                    # `--use-feature venv-isolation`: pip's interpreter
    if args:
        exe = Path(args[0])
        if not exe.is_absolute():
            if len(exe.parts) > 1 and cwd is not None: exe = cwd/exe
            else:
                path = os.pathsep.join(d for d in os.environ.get("PATH", "").split(os.pathsep) if "pip-build-env-" not in d)
                exe = Path(shutil.which(str(exe), path=path) or exe)
        if exe.is_file(): return str(exe)
    return sys.executable


def _installed_in_target() -> bool:
    "Whether the environment pip installs into has reidlab-common (-I: its own site-packages, not the build's path)"
    code = f"import importlib.metadata as m; m.distribution({COMMON!r})"
    try: return subprocess.run([_target_python(), "-I", "-c", code], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.SubprocessError): return False


def _frontend_args() -> tuple[list[str], Path | None]:
    "The command line and working directory of the process that runs this backend (pip), where visible"
    ppid = os.getppid()
    proc = Path(f"/proc/{ppid}")
    try: return [a.decode() for a in (proc/"cmdline").read_bytes().split(b"\0") if a], Path(os.readlink(proc/"cwd"))
    except OSError: pass
    try:   # macOS and other Unix systems without /proc: ps for the arguments, lsof for the working directory
        out = subprocess.run(["ps", "-o", "command=", "-p", str(ppid)], capture_output=True, text=True, timeout=10).stdout
        args = shlex.split(out)
    except (OSError, ValueError, subprocess.SubprocessError): return [], None
    try:
        lsof = subprocess.run(["lsof", "-a", "-p", str(ppid), "-d", "cwd", "-Fn"], capture_output=True, text=True, timeout=10).stdout
        cwd = next((Path(ln[1:]) for ln in lsof.splitlines() if ln.startswith("n")), None)
    except (OSError, subprocess.SubprocessError): cwd = None
    return args, cwd


def _editable_in_same_command(common: Path) -> bool:
    "Whether the frontend's own arguments ask for `common` as an editable (`-e ./common`, `--editable=../common`)"
    args, cwd = _frontend_args()
    for i, a in enumerate(list(args)):   # requirement files (`-r reqs.txt`) hold `-e ./common` lines too
        f = args[i + 1] if a in ("-r", "--requirement") and i + 1 < len(args) else a.split("=", 1)[1] if a.startswith("--requirement=") else None
        if f is None: continue
        f = Path(f) if Path(f).is_absolute() or cwd is None else cwd/f
        try: args = args + [w for ln in f.read_text(encoding="utf-8").splitlines() for w in shlex.split(ln, comments=True)]
        except (OSError, ValueError): pass
    wanted = []
    for i, a in enumerate(args):
        if a in ("-e", "--editable") and i + 1 < len(args): wanted.append(args[i + 1])
        elif a.startswith("--editable="): wanted.append(a.split("=", 1)[1])
        elif a.startswith("-e") and len(a) > 2 and not a.startswith("--"): wanted.append(a[2:])
    for w in wanted:
        w = w.split("[", 1)[0]
        if w.startswith("file://"): w = w[len("file://"):]
        p = Path(w)
        if not p.is_absolute():
            if cwd is None: continue
            p = cwd/p
        try:
            if p.resolve() == common: return True
        except OSError: continue
    return False


def common_reference(project_dir: Path | None = None) -> str | None:
    "`reidlab-common @ file:///...` when pip should take reidlab-common from the sibling folder, else None"
    if os.environ.get("REIDLAB_SIBLING_COMMON", "1") == "0": return None
    common = sibling_common(project_dir)
    if common is None or _installed_in_target() or _editable_in_same_command(common): return None
    return f"{COMMON} @ {common.as_uri()}"


def _point_at_sibling(metadata_directory: str, dist_info: str) -> str:
    ref = common_reference()
    if ref is None: return dist_info
    meta = Path(metadata_directory)/dist_info/"METADATA"
    text = meta.read_text(encoding="utf-8")
    # only the plain, unconditional requirement (no marker, no URL); version bounds would not apply to a folder
    new = re.sub(r"(?m)^Requires-Dist: reidlab[-_.]common\s*(\(?[<>=!~][^;\n@]*\)?)?\s*$", f"Requires-Dist: {ref}", text)
    if new != text: meta.write_text(new, encoding="utf-8")
    return dist_info


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    return _point_at_sibling(metadata_directory, _st.prepare_metadata_for_build_wheel(metadata_directory, config_settings))


def prepare_metadata_for_build_editable(metadata_directory, config_settings=None):
    return _point_at_sibling(metadata_directory, _st.prepare_metadata_for_build_editable(metadata_directory, config_settings))
