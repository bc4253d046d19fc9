"""Kernels run on Pythons outside /usr, in folders the sandbox's user cannot enter.

pyenv, uv and conda install Python under a home directory such as /root (mode 0700). Each
test builds a venv on such a Python (pyenv's own when this machine has one) and starts real
kernels with both launchers; where the sandbox cannot use the Python at all, the doctor says
which path and why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Literal

import pytest

from graders import Finding, Limits, SandboxConfig, SandboxError, diagnose, run_notebook
from graders.sandbox import sandbox
from graders.sandbox.interpreter import find_interpreter
from tests.make_notebook import notebook

VERSION = f"python{sys.version_info.major}.{sys.version_info.minor}"
REAL_PYTHON = Path(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))
"""The interpreter this test suite's venv is built on (under /usr, which the sandbox binds)."""
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])


def _pyenv_python() -> Path | None:
    versions = Path.home() / ".pyenv" / "versions"
    found = sorted(versions.glob(f"{VERSION[6:]}.*/bin/{VERSION}")) if versions.is_dir() else []
    return found[-1] if found else None


BUILDS = ["symlinked", "copied", "linked-twice"] + (["pyenv"] if _pyenv_python() else [])


def build_python(home: Path, how: str) -> Path:
    """A Python installation under ``home`` (a 0700 folder, like /root); its interpreter."""
    if how == "pyenv":
        found = _pyenv_python()
        assert found is not None
        return found
    prefix = home / "python"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "lib").mkdir()
    (prefix / "lib" / VERSION).symlink_to(sysconfig.get_paths()["stdlib"])
    binary = prefix / "bin" / VERSION
    if how == "copied":
        shutil.copy2(REAL_PYTHON, binary)
    elif how == "symlinked":
        binary.symlink_to(REAL_PYTHON)
    else:  # a hop through a folder of links, as /etc/alternatives is
        (home / "alternatives").mkdir()
        (home / "alternatives" / "python3").symlink_to(REAL_PYTHON)
        binary.symlink_to(home / "alternatives" / "python3")
    return binary


def build_venv(home: Path, how: str) -> Path:
    """A venv in ``home`` on a Python built there, with this suite's packages (hard links)."""
    home.mkdir(mode=0o700)
    os.chmod(home, 0o700)
    python = build_python(home, how)
    venv = home / "venv"
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(venv)], check=True)
    site = venv / "lib" / VERSION / "site-packages"
    site.rmdir()
    subprocess.run(["cp", "-al", str(SITE_PACKAGES), str(site)], check=True)
    return venv


@pytest.fixture(scope="module", params=BUILDS)
def hidden_venv(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_venv(tmp_path_factory.mktemp("interp") / "home", request.param)


@pytest.mark.parametrize("launcher", ["bwrap", "fork"])
def test_a_venv_on_a_python_the_sandbox_user_cannot_reach_runs_kernels(
    hidden_venv: Path, launcher: Literal["bwrap", "fork"]
) -> None:
    config = SandboxConfig(python_prefix=hidden_venv, launcher=launcher)
    nb = notebook(
        "import sys, json, numpy\n"
        "def where():\n"
        "    return [sys.prefix, sys.base_prefix, numpy.ones(2).tolist()]"
    )
    with run_notebook(nb, Limits(), config) as session:
        prefix, base, ones = session.call("where").value
    assert prefix == str(hidden_venv)
    assert base.startswith(str(hidden_venv.parent)) or "pyenv" in base
    assert ones == [1.0, 1.0]


def test_the_bound_trees_are_the_venv_and_the_python_it_is_built_on(tmp_path: Path) -> None:
    venv = build_venv(tmp_path / "home", "linked-twice")
    python = find_interpreter(venv)
    assert python.executable == venv / "bin" / "python"
    assert python.trees == (tmp_path / "home" / "python", venv)
    # The hop outside both trees is made again inside the sandbox.
    assert python.links == ((tmp_path / "home" / "alternatives" / "python3", str(REAL_PYTHON)),)


def _unreadable(tmp_path: Path, folder: str) -> tuple[Path, Path]:
    venv = build_venv(tmp_path / "home", "symlinked")
    blocked = tmp_path / "home" / folder
    os.chmod(blocked, 0o700)
    return venv, blocked


@pytest.mark.parametrize("folder", ["python", f"venv/lib/{VERSION}/site-packages"])
def test_the_doctor_names_the_python_folder_the_sandbox_cannot_read(
    tmp_path: Path, folder: str
) -> None:
    venv, blocked = _unreadable(tmp_path, folder)
    findings: list[Finding] = list(diagnose(SandboxConfig(python_prefix=venv)))
    failed = [f for f in findings if not f.ok]
    assert failed, findings
    first = failed[0]
    assert first.name == "python"
    assert str(blocked) in first.detail and "0700" in first.detail
    assert "cannot enter" in first.detail
    assert f"chmod o+rX {blocked}" in first.fix
    text = " ".join(f"{f.detail} {f.fix}" for f in findings)
    assert "update bubblewrap" not in text and "ipykernel" not in text


def test_a_sandbox_on_a_python_it_cannot_read_refuses_to_start_and_says_why(
    tmp_path: Path,
) -> None:
    venv, blocked = _unreadable(tmp_path, "python")
    with pytest.raises(SandboxError) as caught:
        sandbox.start(["-c", "pass"], {}, Limits(), SandboxConfig(python_prefix=venv))
    assert str(blocked) in caught.value.problem
    assert "chmod" in caught.value.fix
