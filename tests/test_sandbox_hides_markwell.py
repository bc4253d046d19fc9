"""A sandbox shows its student nothing of Markwell's own installation in the bound venv.

A wheel install puts ``graders``, ``app``, ``markwell_data`` (model solutions, mutants,
checks) and the dist-info inside the venv the sandbox binds; an editable install leaves
finder files there that name the source tree. The test lays such an installation out in a
venv of its own (the whole wheel install is scripts/check-install's job) and runs real kernels
on it with both launchers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest

from graders import Limits, SandboxConfig, diagnose, run_notebook
from graders.sandbox import config
from graders.sandbox.installation import HiddenPlaces, hidden_places
from graders.sandbox.interpreter import find_interpreter
from tests.make_notebook import notebook

VERSION = f"python{sys.version_info.major}.{sys.version_info.minor}"
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
SECRET = "the model solution"

INSTALLED = {
    "graders/__init__.py": "from graders.session import run_notebook\n",
    "graders/sandbox/config.py": "INSIDE_IN = '/run/markwell/in'\n",
    "app/__init__.py": "",
    "markwell_data/reference/secret.txt": SECRET,
    "markwell_data/reference/rnn-numpy/solution.ipynb": SECRET,
    "markwell_data/migrations/env.py": SECRET,
    "markwell-0.1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: markwell\n",
    "markwell-0.1.0.dist-info/RECORD": "graders/__init__.py,,\n",
    "__editable___markwell_finder.py": "MAPPING = {'graders': '/srv/markwell/graders'}\n",
}


@pytest.fixture(scope="module")
def installed_venv() -> Iterator[Path]:
    """A venv (on this suite's packages, hard-linked) with a Markwell laid out in it."""
    home = Path(tempfile.mkdtemp(prefix="markwell-installed-"))
    os.chmod(home, 0o755)  # readable by every user, as a venv under /opt or /srv is
    try:
        venv = home / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        site = venv / "lib" / VERSION / "site-packages"
        site.rmdir()
        subprocess.run(["cp", "-al", str(SITE_PACKAGES), str(site)], check=True)
        for name, text in INSTALLED.items():
            (site / name).parent.mkdir(parents=True, exist_ok=True)
            (site / name).write_text(text)
        yield venv
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _installed_paths(venv: Path) -> list[str]:
    site = venv / "lib" / VERSION / "site-packages"
    names = [*INSTALLED, "graders", "graders/sandbox", "app", "markwell_data"]
    names += [n for n in os.listdir(site) if n.startswith("__editable__") and "markwell" in n]
    names += [f"__pycache__/{n}" for n in os.listdir(site / "__pycache__") if "markwell" in n]
    return sorted(str(site / n) for n in set(names))


LOOK = """
import os, sys, numpy

def seen(paths):
    found = {}
    for path in paths:
        try:
            if os.path.isdir(path):
                entries = os.listdir(path)
                if entries:
                    found[path] = entries
            else:
                with open(path, "rb") as fh:
                    data = fh.read()
                if data:
                    found[path] = data.decode(errors="replace")
        except OSError:
            pass
    return found

def writable(folders):
    made = []
    for folder in folders:
        try:
            with open(os.path.join(folder, "planted.py"), "w") as fh:
                fh.write("x = 1")
            made.append(folder)
        except OSError:
            pass
    return made

def finders():
    loaded = [name for name in sys.modules if name.startswith("__editable__")]
    hooks = [repr(f) for f in [*sys.meta_path, *sys.path_hooks] if "editable" in repr(f).lower()]
    return loaded + hooks + [p for p in sys.path if "__editable__" in p]

def ones():
    return numpy.ones(3).tolist()
"""


def test_the_hidden_places_are_the_installations_folders_and_files(installed_venv: Path) -> None:
    site = installed_venv / "lib" / VERSION / "site-packages"
    hidden = hidden_places(find_interpreter(installed_venv))
    folders = {site / n for n in ("graders", "app", "markwell_data", "markwell-0.1.0.dist-info")}
    assert folders <= set(hidden.folders)
    assert site / "__editable___markwell_finder.py" in hidden.files
    # Only the outermost place: a mount over a folder hides what lies inside it.
    assert site / "markwell_data" / "reference" not in hidden.all
    assert all(str(p).startswith(str(installed_venv)) for p in hidden.all)


@pytest.mark.parametrize("launcher", ["bwrap", "fork"])
def test_student_code_can_neither_list_nor_read_markwells_installed_files(
    installed_venv: Path, launcher: Literal["bwrap", "fork"]
) -> None:
    paths = _installed_paths(installed_venv)
    config = SandboxConfig(python_prefix=installed_venv, launcher=launcher)
    with run_notebook(notebook(LOOK), Limits(), config) as session:
        seen = session.call("seen", paths).value
        writable = session.call("writable", [p for p in paths if "." not in Path(p).name]).value
        finders = session.call("finders").value
        ones = session.call("ones").value
    assert seen == {}
    assert writable == []
    # The fork server read the editable finder's .pth before any sandbox: it forgot it since.
    assert finders == []
    assert ones == [1.0, 1.0, 1.0]  # the kernel still starts and runs NumPy


def test_the_doctors_isolation_probe_passes_on_an_installed_markwell(installed_venv: Path) -> None:
    findings = list(diagnose(SandboxConfig(python_prefix=installed_venv)))
    isolation = [f for f in findings if f.name.startswith("isolation")]
    assert [f.name for f in isolation] == ["isolation (fork)", "isolation (bwrap)"]
    assert all(f.ok for f in isolation), isolation


def test_the_doctors_isolation_probe_names_what_an_unhidden_installation_shows(
    installed_venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "hidden_places", lambda python: HiddenPlaces((), ()))
    chosen = SandboxConfig(python_prefix=installed_venv, launcher="bwrap")
    findings = list(diagnose(chosen))
    (isolation,) = [f for f in findings if f.name.startswith("isolation")]
    assert not isolation.ok
    assert "status 3" in isolation.detail  # the probe's: it saw what it must not
    assert f"can see {installed_venv}/lib/{VERSION}/site-packages/" in isolation.detail
