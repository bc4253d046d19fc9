"""Uploads that are not gradable notebooks get a reason, never a traceback."""

from __future__ import annotations

import io
import json
import zipfile

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from app.cli import main
from graders import RejectedUpload, read_notebook
from graders.notebook import nesting_depth


def notebook_bytes(*cells) -> bytes:
    return nbformat.writes(new_notebook(cells=list(cells))).encode()


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.ipynb", notebook_bytes(new_code_cell("1")))
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"this is not json", "not valid JSON"),
        (b'{"cells": [', "not valid JSON"),
        (b"[1, 2, 3]", "not a Jupyter notebook"),
        (b'{"hello": "world"}', "not a Jupyter notebook"),
        (json.dumps({"cells": []}).encode(), "format version"),
        (
            json.dumps(
                {"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "metadata": {}}
            ).encode(),
            "format version 3",
        ),
        (b"\xff\xfe{\x00}\x00", "not UTF-8"),
        (b"\x7fELF\x02\x01\x01" + b"\0" * 100, "program"),
        (b"%PDF-1.7 ...", "PDF"),
        (json.dumps({"nbformat": 4, "nbformat_minor": 5, "cells": "x"}).encode(), "malformed"),
    ],
)
def test_unusable_files_are_rejected_with_a_reason(data, reason):
    with pytest.raises(RejectedUpload, match=reason):
        read_notebook(data)


def test_zip_renamed_ipynb_is_rejected():
    with pytest.raises(RejectedUpload, match="zip archive"):
        read_notebook(zip_bytes())


def test_notebook_over_the_size_limit_is_rejected_before_parsing():
    data = notebook_bytes(new_code_cell("x = '" + "a" * 5000 + "'"))
    with pytest.raises(RejectedUpload, match="the limit is 1,000 bytes"):
        read_notebook(data, max_bytes=1000)


def test_notebook_without_code_cells_is_rejected():
    with pytest.raises(RejectedUpload, match="no code cells"):
        read_notebook(notebook_bytes(new_markdown_cell("# only prose"), new_code_cell("  ")))


def test_valid_notebook_is_accepted():
    nb = read_notebook(notebook_bytes(new_code_cell("x = 1")))
    assert nb.cells[0].source == "x = 1"


def test_cli_run_rejects_a_bad_file_with_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.ipynb"
    bad.write_bytes(zip_bytes())
    assert main(["run", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "zip archive" in err[0]


def test_cli_run_names_a_missing_file(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.ipynb")]) == 2
    assert "no such file" in capsys.readouterr().err


def deeply_nested(levels: int = 50_000) -> dict[str, bytes]:
    """About 200 KB of JSON nesting ``levels`` deep: lists in the cells, objects in metadata."""
    return {
        "lists in cells": b'{"cells": ' + b"[" * levels + b"]" * levels + b"}",
        "objects in metadata": (
            b'{"nbformat": 4, "nbformat_minor": 5, "cells": [], "metadata": '
            + b'{"a": ' * levels
            + b"1"
            + b"}" * levels
            + b"}"
        ),
    }


@pytest.mark.parametrize("shape", ["lists in cells", "objects in metadata"])
def test_a_deeply_nested_notebook_is_rejected_with_the_depth(shape):
    with pytest.raises(RejectedUpload, match="nests deeper than 100 levels"):
        read_notebook(deeply_nested()[shape])


def test_nesting_is_counted_outside_strings_only():
    brackets = "[" * 5000
    nb = read_notebook(notebook_bytes(new_code_cell(f"x = '{brackets}'")))
    assert nb.cells[0].source.endswith(brackets + "'")
    assert nesting_depth('{"a": "[{", "b": [1, {"c": "\\"["}]}') == 3


def huge_integer_notebook(digits: int = 5_000) -> bytes:
    """A notebook whose metadata holds an integer longer than Python reads from text."""
    return (
        b'{"nbformat": 4, "nbformat_minor": 5, "cells": [], "metadata": {"n": '
        + b"9" * digits
        + b"}}"
    )


def test_an_integer_too_long_to_read_is_rejected_with_a_reason():
    with pytest.raises(RejectedUpload, match="integer of over 4,300 digits"):
        read_notebook(huge_integer_notebook())


def test_cli_grade_rejects_an_integer_too_long_to_read_without_a_traceback(tmp_path, capsys):
    path = tmp_path / "digits.ipynb"
    path.write_bytes(huge_integer_notebook())
    assert main(["grade", "rnn-numpy", str(path)]) == 2
    err = capsys.readouterr().err
    assert "integer of over 4,300 digits" in err and "Traceback" not in err


def empty_cells(count: int) -> bytes:
    cells = ",".join(['{"cell_type": "raw", "metadata": {}, "source": ""}'] * count)
    return (
        b'{"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [' + cells.encode() + b"]}"
    )


def test_a_notebook_over_the_cell_cap_is_rejected_naming_the_cap():
    with pytest.raises(RejectedUpload, match="5,001 cells; the limit is 5,000 cells"):
        read_notebook(empty_cells(5_001))
    with pytest.raises(RejectedUpload, match="the limit is 10 cells"):
        read_notebook(empty_cells(11), max_cells=10)


def test_the_cell_cap_is_checked_before_nbformat_builds_anything(monkeypatch):
    import graders.notebook

    def never(*args, **kwargs):
        raise AssertionError("nbformat parsed a notebook over the cell cap")

    monkeypatch.setattr(graders.notebook, "_reads", never)
    # Cells with no cell_type: only the count of parsed cells catches them.
    unmarked = b'{"nbformat": 4, "nbformat_minor": 4, "cells": [' + b",".join([b"{}"] * 20) + b"]}"
    for data in (empty_cells(330_000), unmarked):
        with pytest.raises(RejectedUpload, match="the limit is"):
            read_notebook(data, max_bytes=50_000_000, max_cells=10)


def test_a_notebook_at_the_cell_cap_is_read():
    data = notebook_bytes(new_code_cell("x = 1"), *[new_markdown_cell("") for _ in range(4)])
    assert len(read_notebook(data, max_cells=5).cells) == 5
