"""A wheel carries the catalog and the migrations, and an installed Markwell finds them there.

The whole check (a fresh venv outside the checkout that grades, lists and serves) is
scripts/check-install, run by scripts/test; these are its quick parts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.migrate import MIGRATIONS, head
from graders.assignments.catalog import BUILTIN

REPO = Path(__file__).resolve().parents[1]
CODE = ("pyproject.toml", "setup.py", "README.md", "graders", "app", "reference", "migrations")
JUNK = (
    "reference/rnn-numpy/__pycache__/reference.cpython-311.pyc",
    "reference/rnn-numpy/mutants/softmax-wrong-axis.pyc",
    "reference/lstm-scratch/.ipynb_checkpoints/solution-checkpoint.ipynb",
    "migrations/versions/__pycache__/0001_initial.cpython-311.pyc",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of a copy of the checkout, with caches planted where editors leave them."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in CODE:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, src / name)
    for junk in JUNK:
        (src / junk).parent.mkdir(parents=True, exist_ok=True)
        (src / junk).write_bytes(b"not for the wheel")
    pip = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work), str(src)]
    subprocess.run(pip, check=True, capture_output=True)
    (found,) = work.glob("markwell-*.whl")
    return found


def test_a_wheel_carries_reference_and_migrations_without_caches(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("reference", "migrations"):
        files = {
            f"markwell_data/{p.relative_to(REPO).as_posix()}"
            for p in (REPO / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        assert files <= names
        assert {n for n in names if n.startswith(f"markwell_data/{folder}/")} == files
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if ".ipynb_checkpoints" in n]
    assert {n.split("/")[0] for n in names if ".dist-info" not in n} == {
        "app",
        "graders",
        "markwell_data",
    }
    assert wheel.stat().st_size < 1 << 20


def test_a_wheel_carries_every_template_and_static_file_of_the_pages(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    pages = REPO / "app" / "web"
    files = {
        p.relative_to(REPO).as_posix()
        for folder in ("templates", "static")
        for p in (pages / folder).rglob("*")
        if p.is_file()
    }
    assert "app/web/templates/instructor/dashboard.html" in files
    assert files - names == set()


def test_a_wheel_marks_the_engine_as_typed(wheel: Path) -> None:
    assert "graders/py.typed" in zipfile.ZipFile(wheel).namelist()


def test_an_installed_wheel_finds_its_catalog_and_migrations_in_markwell_data(
    wheel: Path, tmp_path: Path
) -> None:
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target)]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True)
    # The installed packages come first on the path; dependencies from this environment.
    probe = (
        "import json; from app import migrate; from graders import load_catalog\n"
        "from graders.assignments.catalog import BUILTIN\n"
        "print(json.dumps({'catalog': str(BUILTIN), 'migrations': str(migrate.MIGRATIONS),\n"
        "    'ids': sorted(load_catalog()), 'head': migrate.head()}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    seen = json.loads(out)
    assert seen["catalog"] == str(target / "markwell_data" / "reference")
    assert seen["migrations"] == str(target / "markwell_data" / "migrations")
    assert seen["ids"] == [
        "lstm-quiz",
        "lstm-scratch",
        "rnn-cells-torch",
        "rnn-numpy",
        "rnn-quiz",
        "rnn-theory",
    ]
    assert seen["head"] == head()


def test_a_checkout_uses_its_own_reference_and_migrations_folders() -> None:
    assert BUILTIN == REPO / "reference"
    assert MIGRATIONS == REPO / "migrations"
