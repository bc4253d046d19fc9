"""Reading an uploaded notebook: every way it can be unusable gets a reason, never a traceback."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from itertools import accumulate
from pathlib import Path
from typing import NoReturn, cast

import nbformat
from nbformat import NotebookNode

from graders.errors import RejectedUpload

# nbformat has no type hints.
_reads = cast(Callable[..., NotebookNode], nbformat.reads)
_validate = cast(Callable[[NotebookNode], None], nbformat.validate)

_MAGIC = {
    b"PK\x03\x04": "a zip archive",
    b"\x1f\x8b": "a gzip file",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\x7fELF": "a program (ELF binary)",
}


MAX_NESTING = 100
"""Deepest nesting of lists and objects read from a notebook. Real notebooks nest about ten
levels; parsing and validating JSON recurse once per level, so a document nesting thousands
of levels would exhaust Python's stack."""

MAX_CELLS = 5000
"""Most cells read from a notebook. A course notebook has at most a few hundred; building and
validating nbformat's objects costs time and memory per cell (330,000 empty cells take
seconds and hundreds of MB), so a notebook with more is refused before that."""

# A JSON string, escapes included: the unrolled loop keeps the regular expression linear.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def nesting_depth(text: str) -> int:
    """How deeply the lists and objects of a JSON text nest (0 for a bare value), found by a
    linear scan of the brackets outside strings, without parsing (nor recursion)."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate((1 if c in "[{" else -1 for c in brackets), initial=0))


def read_notebook(
    source: bytes | str | Path, max_bytes: int = 20_000_000, max_cells: int = MAX_CELLS
) -> NotebookNode:
    """Parse and validate a student's notebook; raise :class:`RejectedUpload` with a reason.

    Limits come first, cheapest first: the size, an upper bound on the cells counted in the
    text (every cell has a ``"cell_type"`` key), the nesting, then the cells parsed, all
    before nbformat builds anything."""
    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else source
    if len(data) > max_bytes:
        raise RejectedUpload(
            f"the notebook is {len(data):,} bytes; the limit is {max_bytes:,} bytes "
            "(clear large outputs with Kernel > Restart & Clear Output, then save)"
        )
    if not data.strip():
        raise RejectedUpload("the file is empty")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise RejectedUpload(f"the file is {what}, not a Jupyter notebook (.ipynb)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RejectedUpload(
            f"the file is not UTF-8 text (bad byte at offset {exc.start}); "
            "a notebook is a JSON text file"
        ) from None
    marked = text.count('"cell_type"')
    if marked > max_cells:
        _too_many_cells(marked, max_cells)
    depth = nesting_depth(text)
    if depth > MAX_NESTING:
        raise RejectedUpload(
            f"the notebook nests deeper than {MAX_NESTING} levels ({depth:,} levels of lists "
            "and objects); a notebook saved by Jupyter never does"
        )
    raw = _parse_json(text)
    if not isinstance(raw, dict) or ("cells" not in raw and "worksheets" not in raw):
        raise RejectedUpload("the file is JSON but not a Jupyter notebook (no 'cells')")
    cells = raw.get("cells")
    if isinstance(cells, list) and len(cells) > max_cells:
        _too_many_cells(len(cells), max_cells)
    major = raw.get("nbformat")
    if not isinstance(major, int):
        raise RejectedUpload("the notebook does not say its format version ('nbformat')")
    if major < 4:
        raise RejectedUpload(
            f"the notebook is in format version {major}; save it with Jupyter 4 or newer (format 4)"
        )
    try:
        nb = _reads(text, as_version=4)
        _validate(nb)
    except Exception as exc:  # nbformat raises several unrelated types
        raise RejectedUpload(f"the notebook is malformed: {_first_line(exc)}") from None
    if not any(c.cell_type == "code" and c.source.strip() for c in nb.cells):
        raise RejectedUpload("the notebook has no code cells to run")
    return nb


def _parse_json(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RejectedUpload(
            f"the file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "was it saved completely?"
        ) from None
    except ValueError as exc:
        # Valid JSON that Python refuses to read: an integer longer than int's digit limit.
        if "digits" in str(exc):
            reason = (
                f"the notebook holds an integer of over {sys.get_int_max_str_digits():,} "
                "digits, too long to read"
            )
        else:
            reason = f"the notebook's JSON cannot be read: {_first_line(exc)}"
        raise RejectedUpload(reason) from None


def _too_many_cells(count: int, max_cells: int) -> NoReturn:
    raise RejectedUpload(
        f"the notebook has {count:,} cells; the limit is {max_cells:,} cells "
        "(a notebook saved by Jupyter for a course has far fewer: delete the empty ones)"
    )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
