"""The assignment folder format: a valid folder reads into typed records, and every malformed
one is refused with the file and the field that are wrong."""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from graders.assignments import load_catalog, load_module, load_mutant, read_assignment
from graders.errors import AssignmentError, UnknownAssignment

MANIFEST = """
id = "double"
title = "Doubling"

[limits]
cell_seconds = 5

[[checks]]
function = "double"
inputs = "double_inputs"
outputs = ["twice", "same"]
points = {twice = 3, same = 1}
rtol = 1e-9

[[checks]]
function = "half"
inputs = "half_inputs"
points = 2
"""

MUTANT = '''
"""double adds instead of multiplying."""
import numpy as np

TARGET = "double"


def double(x):
    return x + 2, x
'''


def make_folder(root: Path, manifest: str = MANIFEST, mutant: str | None = MUTANT) -> Path:
    folder = root / "double"
    (folder / "mutants").mkdir(parents=True)
    (folder / "assignment.toml").write_text(textwrap.dedent(manifest))
    (folder / "reference.py").write_text(
        "def double(x):\n    return 2 * x, x\n\ndef half(x):\n    return x / 2\n"
    )
    (folder / "checks.py").write_text(
        "def double_inputs(rng, ref):\n    return (rng.normal(size=3),)\n"
        "def half_inputs(rng, ref):\n    return (rng.normal(size=3),)\n"
    )
    for name in ("solution.ipynb", "starter.ipynb"):
        nbformat.write(
            new_notebook(cells=[new_code_cell("def double(x):\n    pass")]), folder / name
        )
    if mutant is not None:
        (folder / "mutants" / "adds.py").write_text(textwrap.dedent(mutant))
    return folder


def test_a_valid_folder_reads_into_checks_outputs_points_and_mutants(tmp_path):
    a = read_assignment(make_folder(tmp_path))
    assert (a.id, a.title, a.kind) == ("double", "Doubling", "notebook")
    assert a.limits().cell_seconds == 5
    double, half = a.checks
    assert [(o.name, o.points) for o in double.outputs] == [("twice", 3.0), ("same", 1.0)]
    assert double.test_name(double.outputs[0]) == "double/twice"
    assert (double.reference, double.rtol, double.random_cases) == ("double", 1e-9, 2)
    assert half.test_name(half.outputs[0]) == "half"
    assert a.max_score == 6
    (mutant,) = a.mutants_of("double")
    assert (mutant.id, mutant.description) == ("adds", "double adds instead of multiplying.")
    assert load_mutant(mutant)(3) == (5, 3)
    assert load_module(a, "reference.py").double(2) == (4, 2)


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (('id = "double"', 'id = "Double Trouble"'), "id", "lower-case"),
        (('title = "Doubling"', ""), "title", "is required"),
        (("cell_seconds = 5", "cell_seconds = -5"), "limits.cell_seconds", ">= 0"),
        (("cell_seconds = 5", "cel_seconds = 5"), "limits.cel_seconds", "unknown field"),
        (("points = 2", 'points = "two"'), "checks[1].points", "must be a number or a table"),
        (("points = 2", "points = true"), "checks[1].points", "not a boolean"),
        (("{twice = 3, same = 1}", "{twice = 3}"), "checks[0].points", "missing ['same']"),
        (('function = "half"', 'function = "double"'), "checks[1].function", "checked twice"),
        (('function = "half"', 'function = "half-it"'), "checks[1].function", "identifier"),
        (('inputs = "half_inputs"', ""), "checks[1].inputs", "is required"),
        (("rtol = 1e-9", "rtol = nan"), "checks[0].rtol", "finite"),
        (("rtol = 1e-9", "tolerance = 1e-9"), "checks[0].tolerance", "unknown field"),
        (("rtol = 1e-9", "random_cases = 0"), "checks[0].random_cases", "nothing to grade"),
        (("rtol = 1e-9", "in_place = 1"), "checks[0].in_place", "true or false"),
    ],
)
def test_a_malformed_manifest_names_the_file_and_the_field(tmp_path, change, field, problem):
    folder = make_folder(tmp_path, MANIFEST.replace(*change))
    with pytest.raises(AssignmentError) as caught:
        read_assignment(folder)
    assert caught.value.path == str(folder / "assignment.toml")
    assert caught.value.field == field
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"{folder / 'assignment.toml'}: {field}: ")


def test_invalid_toml_is_refused_with_the_parser_message(tmp_path):
    folder = make_folder(tmp_path, MANIFEST + "\n[[checks]\n")
    with pytest.raises(AssignmentError, match="not valid TOML"):
        read_assignment(folder)


@pytest.mark.parametrize(
    ("mutant", "field", "problem"),
    [
        (
            MUTANT.replace('"""double adds instead of multiplying."""', ""),
            "docstring",
            "first line",
        ),
        (MUTANT.replace('TARGET = "double"', 'TARGET = "triple"'), "TARGET", "defines no function"),
        (MUTANT.replace('TARGET = "double"', ""), "TARGET", "must name"),
        (
            MUTANT.replace("def double", "def triple").replace('"double"', '"triple"'),
            "TARGET",
            "not a checked function",
        ),
    ],
)
def test_a_malformed_mutant_names_its_file(tmp_path, mutant, field, problem):
    folder = make_folder(tmp_path, mutant=mutant)
    with pytest.raises(AssignmentError) as caught:
        read_assignment(folder)
    assert caught.value.path == str(folder / "mutants" / "adds.py")
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_a_missing_solution_notebook_is_named(tmp_path):
    folder = make_folder(tmp_path)
    (folder / "solution.ipynb").unlink()
    with pytest.raises(AssignmentError) as caught:
        read_assignment(folder)
    assert caught.value.path == str(folder / "solution.ipynb")


def test_catalog_finds_folders_on_extra_paths_and_refuses_duplicate_ids(tmp_path):
    make_folder(tmp_path / "course")
    catalog = load_catalog([tmp_path / "course"], builtin=False)
    assert list(catalog) == ["double"]
    assert load_catalog([tmp_path / "course" / "double"], builtin=False)["double"].id == "double"
    with pytest.raises(UnknownAssignment, match="known: double"):
        catalog["triple"]
    make_folder(tmp_path / "other")
    with pytest.raises(AssignmentError, match="already defined"):
        load_catalog([tmp_path / "course", tmp_path / "other"], builtin=False)


def test_reference_modules_of_two_assignments_do_not_collide(tmp_path):
    a = read_assignment(make_folder(tmp_path / "a"))
    b_folder = make_folder(tmp_path / "b", MANIFEST.replace('id = "double"', 'id = "double-b"'))
    (b_folder / "reference.py").write_text(
        "def double(x):\n    return 20 * x, x\n\ndef half(x):\n    return x\n"
    )
    b = read_assignment(b_folder)
    assert load_module(a, "reference.py").double(1) == (2, 1)
    assert load_module(b, "reference.py").double(1) == (20, 1)


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (
            ('outputs = ["twice", "same"]', 'outputs = ["twice", 3]'),
            "checks[0].outputs[1]",
            "not int",
        ),
        (("rtol = 1e-9", 'accept = ["half", "a-b"]'), "checks[0].accept[1]", "'a-b' is not"),
        (("rtol = 1e-9", "notes = {double = 3}"), "checks[0].notes.double", "a string, not int"),
        (("{twice = 3, same = 1}", '{twice = "3", same = 1}'), "checks[0].points.twice", "not str"),
    ],
)
def test_a_wrong_item_inside_a_field_is_named_by_its_index_or_key(tmp_path, change, field, problem):
    folder = make_folder(tmp_path, MANIFEST.replace(*change))
    with pytest.raises(AssignmentError) as caught:
        read_assignment(folder)
    assert (caught.value.field, caught.value.path) == (field, str(folder / "assignment.toml"))
    assert problem in caught.value.problem


def test_a_misspelt_field_is_named_before_the_field_it_misses(tmp_path):
    folder = make_folder(
        tmp_path, MANIFEST.replace('inputs = "half_inputs"', 'input = "half_inputs"')
    )
    with pytest.raises(AssignmentError) as caught:
        read_assignment(folder)
    assert caught.value.field == "checks[1].input"
    assert caught.value.problem.startswith("unknown field (known: accept, atol, call,")
