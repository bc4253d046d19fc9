"""``[sandbox]`` and ``requires`` in assignment.toml: validated like every table, applied over
the grader's own sandbox settings, and a missing module makes the assignment unavailable."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from graders import AssignmentError, SandboxConfig, read_assignment
from tests.small_assignment import write_assignment


def read(tmp_path: Path, extra: str):
    return read_assignment(write_assignment(tmp_path, "doubling", extra))


def problem(tmp_path: Path, extra: str) -> str:
    with pytest.raises(AssignmentError) as info:
        read(tmp_path, extra)
    return str(info.value)


def test_the_sandbox_table_adds_its_preloads_after_the_graders_and_sets_the_threads(tmp_path):
    a = read(tmp_path, '[sandbox]\npreload = ["torch", "torch._dynamo"]\nthreads = 2\n')
    assert (a.preload, a.threads) == (("torch", "torch._dynamo"), 2)
    base = SandboxConfig(preload=("matplotlib", "torch"), launcher="bwrap")
    config = a.sandbox(base)
    assert config.preload == ("matplotlib", "torch", "torch._dynamo")
    assert config.threads == 2
    assert config.launcher == "bwrap"
    assert a.sandbox(config) == config  # applying it twice changes nothing


def test_an_assignment_without_a_sandbox_table_keeps_the_graders_sandbox(tmp_path):
    a = read(tmp_path, "")
    base = SandboxConfig(preload=("matplotlib",))
    assert a.sandbox(base) is base
    assert a.sandbox().threads == 1
    assert a.requires == () and a.needed_modules == ()


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ("[sandbox]\nthread = 2\n", "sandbox.thread: unknown field (known: preload, threads)"),
        ("[sandbox]\nthreads = 0\n", "sandbox.threads: must be between 1 and 256"),
        ('[sandbox]\nthreads = "2"\n', "sandbox.threads: must be an integer"),
        ('[sandbox]\npreload = "torch"\n', "sandbox.preload: must be a list"),
        ('[sandbox]\npreload = ["torch nn"]\n', "'torch nn' is not a module name"),
        ('requires = ["torch-cpu"]\n', "requires[0]: 'torch-cpu' is not a module name"),
        ("[limits]\nprocesses = 16\n[sandbox]\nthreads = 16\n", "cannot fit the task limit"),
    ],
)
def test_a_wrong_sandbox_table_or_requires_is_refused_by_name(tmp_path, extra, words):
    assert words in problem(tmp_path, extra)


def test_a_quiz_has_no_sandbox_table(tmp_path):
    folder = tmp_path / "pop"
    folder.mkdir()
    (folder / "assignment.toml").write_text(
        'id = "pop"\ntitle = "Pop"\nkind = "quiz"\nrequires = ["torch"]\n'
        '[[questions]]\nid = "q1"\nprompt = "Which?"\ntype = "single"\n'
        'options = ["a", "b"]\nanswer = "a"\npoints = 1\n'
    )
    with pytest.raises(AssignmentError, match="requires: a quiz runs no kernel"):
        read_assignment(folder)


def test_a_required_module_the_sandbox_python_lacks_makes_the_assignment_unavailable(tmp_path):
    a = read(tmp_path, 'requires = ["markwell_no_such_module", "numpy"]\n')
    why = a.unavailable()
    assert why.startswith("needs markwell_no_such_module, which the sandbox's Python cannot")
    assert "numpy" not in why
    assert read(tmp_path / "other", 'requires = ["numpy"]\n').unavailable() == ""


def test_preloads_count_as_requirements_by_their_top_level_package(tmp_path):
    a = read(tmp_path, '[sandbox]\npreload = ["markwell_no_such_module.sub"]\n')
    assert a.needed_modules == ("markwell_no_such_module",)
    assert "needs markwell_no_such_module" in a.unavailable()


def test_the_torch_extra_is_named_as_the_way_to_install_torch(tmp_path):
    a = read(tmp_path, 'requires = ["torch"]\n')
    bare = tmp_path / "venv"  # a Python environment without torch
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(bare)], check=True)
    config = SandboxConfig(python_prefix=bare)
    assert "pip install -e '.[torch]'" in a.unavailable(config)
