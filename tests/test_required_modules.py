"""``requires``: an assignment whose kernels need a module the sandbox's Python lacks is listed
as unavailable, skipped by name in validation, graded ``error`` with the reason, and leaves
the rest of Markwell working; and the grading process imports PyTorch only for an assignment
that needs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from app.cli import main
from app.settings import get_settings
from graders import grade, grade_folder, load_catalog
from tests.make_notebook import notebook
from tests.small_assignment import SOLUTION, write_assignment

REPO = Path(__file__).resolve().parents[1]
MISSING = 'requires = ["markwell_no_such_module"]\n'


@pytest.fixture
def course(tmp_path, monkeypatch):
    root = tmp_path / "course"
    write_assignment(root, "needs-missing", MISSING)
    write_assignment(root, "plain")
    monkeypatch.setenv("MARKWELL_ASSIGNMENTS_PATH", str(root))
    get_settings.cache_clear()
    yield root
    get_settings.cache_clear()


def test_assignments_lists_the_unavailable_one_and_how_to_install_what_it_lacks(course, capsys):
    assert main(["assignments"]) == 0
    out, err = capsys.readouterr()
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "[unavailable: needs markwell_no_such_module" in lines["needs-missing"]
    assert "unavailable" not in lines["plain"]
    assert "unavailable" not in lines["rnn-numpy"]
    assert "unavailable here (uploads refused): needs-missing" in err


def test_validate_skips_the_unavailable_assignment_by_name(course, capsys):
    assert main(["validate", "needs-missing"]) == 1  # asked for by name, not validated
    out = capsys.readouterr().out
    assert "[skip] needs-missing: needs markwell_no_such_module" in out
    assert "markwell validate: skipped (unavailable here): needs-missing" in out
    assert main(["validate", "plain"]) == 0
    assert "[ok  ] plain solution" in capsys.readouterr().out


def test_grading_it_is_an_error_saying_what_is_missing_and_the_others_grade(course, tmp_path):
    catalog = load_catalog([course], builtin=False)
    result = grade(catalog["needs-missing"], notebook(SOLUTION)).result
    assert result.status == "error"
    assert result.reason.startswith("needs-missing cannot be graded here: needs markwell_no_such")
    path = tmp_path / "s.ipynb"
    nbformat.write(notebook(SOLUTION), path)
    [(_, graded)] = grade_folder(catalog["needs-missing"], [path])
    assert graded.result.status == "error" and "markwell_no_such_module" in graded.result.reason
    assert grade(catalog["plain"], notebook(SOLUTION)).result.score == 1


WORKER = """
import json, sys
from app.queue.embedded import WarmPools
from app.services.results.dispatch import Work, graded_outcome
from app.settings import Settings

settings = Settings()
catalog = settings.catalog()
for assignment_id in catalog:  # what markwell assignments and an upload ask
    assignment = catalog[assignment_id]
    if assignment.kind == "notebook":
        assignment.unavailable(assignment.sandbox(settings.sandbox()))
content = open(sys.argv[1], "rb").read()
pools = WarmPools(settings)
try:
    graded = graded_outcome(
        None, Work("s1", "plain", None, content), catalog, settings.limits(),
        settings.sandbox(), pools,
    )
finally:
    pools.close()
print(json.dumps([graded.result.status, graded.result.score, "torch" in sys.modules]))
"""


def test_the_grading_process_never_imports_torch_for_an_assignment_without_it(tmp_path):
    root = tmp_path / "course"
    write_assignment(root, "plain")
    write_assignment(root, "torchy", 'requires = ["torch"]\n[sandbox]\npreload = ["torch"]\n')
    path = tmp_path / "s.ipynb"
    nbformat.write(notebook(SOLUTION), path)
    env = dict(os.environ, MARKWELL_ASSIGNMENTS_PATH=str(root), MARKWELL_LAUNCHER="fork")
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(WORKER), str(path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == ["graded", 1.0, False]
