"""Free-text answers out of a notebook's markdown cells.

The starter marks each answer cell twice: metadata ``{"markwell": {"answer": "q1"}}`` and a
marker line ``<!-- answer: q1 -->`` in its source (a student's editor may drop either). The
metadata is read first, then the marker; several cells for one question are joined in order.
The answer is the markdown without marker lines, with the cells' attachments. What is left
empty, or equal to the starter's placeholder, is no answer.

The notebook is the student's: anything in it may be malformed, and nothing here raises.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graders.freetext.answers import MAX_TEXT_CHARS, Answer, Attachment, decode_base64, picture
from graders.freetext.images import MAX_IMAGE_BYTES

if TYPE_CHECKING:
    from graders.quiz.questions import Question

MARKER = re.compile(r"^[ \t]*<!--\s*answer:\s*([A-Za-z0-9_-]{1,64})\s*-->[ \t]*\r?$", re.M)
"""The marker line: ``<!-- answer: q1 -->``."""
MAX_ATTACHMENTS = 20
"""Pictures kept per answer."""
MAX_NOTEBOOK_BYTES = 20_000_000

Notebook = Mapping[str, Any] | bytes | str | Path


def extract_answers(
    notebook: Notebook | None,
    questions: Iterable[Question | str],
    starter: Notebook | None = None,
) -> dict[str, Answer | None]:
    """Each free-text question's answer in ``notebook`` (``None``: not answered).

    ``questions`` are the assignment's questions (only ``free-text`` ones are read) or their
    ids; ``starter`` is the starter notebook, whose answer cells hold the placeholder text.
    ``notebook`` may be a parsed notebook, its JSON (bytes or text) or a path.
    """
    ids = [_question_id(q) for q in questions]
    wanted = [i for i in ids if i]
    cells = _answer_cells(_cells(notebook), wanted)
    placeholders = _placeholders(starter, wanted)
    found: dict[str, Answer | None] = {}
    for qid in wanted:
        answer = _joined(qid, cells.get(qid, []))
        found[qid] = None if _unanswered(answer, placeholders.get(qid)) else answer
    return found


def answer_cells(notebook: Notebook | None, questions: Iterable[Question | str]) -> dict[str, int]:
    """How many answer cells each free-text question has in ``notebook`` (a starter must
    have at least one for each)."""
    wanted = [i for i in map(_question_id, questions) if i]
    cells = _answer_cells(_cells(notebook), wanted)
    return {qid: len(cells.get(qid, [])) for qid in wanted}


def _unanswered(answer: Answer | None, placeholder: str | None) -> bool:
    if answer is None or answer.empty:
        return True
    return not answer.attachments and _same(answer.text, placeholder)


def _question_id(question: object) -> str:
    if isinstance(question, str):
        return question
    if getattr(question, "type", None) != "free-text":
        return ""
    qid = getattr(question, "id", "")
    return qid if isinstance(qid, str) else ""


def _cells(notebook: object) -> list[Mapping[str, Any]]:
    if isinstance(notebook, Path | str | bytes | bytearray):
        notebook = _load(notebook)
    if not isinstance(notebook, Mapping):
        return []
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        return []
    return [c for c in cells if isinstance(c, Mapping) and c.get("cell_type") == "markdown"]


def _load(source: Path | str | bytes | bytearray) -> object:
    try:
        if isinstance(source, Path) or (isinstance(source, str) and source.lstrip()[:1] != "{"):
            path = Path(source)
            if path.stat().st_size > MAX_NOTEBOOK_BYTES:
                return None
            source = path.read_bytes()
        if len(source) > MAX_NOTEBOOK_BYTES:
            return None
        return json.loads(source)
    except (OSError, ValueError, RecursionError):
        return None


def _source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source")
    if isinstance(source, list):  # nbformat's on-disk form: a list of lines
        source = "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _metadata_id(cell: Mapping[str, Any]) -> str:
    metadata = cell.get("metadata")
    mine = metadata.get("markwell") if isinstance(metadata, Mapping) else None
    qid = mine.get("answer") if isinstance(mine, Mapping) else None
    return qid if isinstance(qid, str) else ""


def _answer_cells(
    cells: list[Mapping[str, Any]], wanted: list[str]
) -> dict[str, list[Mapping[str, Any]]]:
    found: dict[str, list[Mapping[str, Any]]] = {}
    for cell in cells:
        qid = _metadata_id(cell)
        if qid not in wanted:
            markers = [m for m in MARKER.findall(_source(cell)) if m in wanted]
            qid = markers[0] if markers else ""
        if qid:
            found.setdefault(qid, []).append(cell)
    return found


def _joined(qid: str, cells: list[Mapping[str, Any]]) -> Answer | None:
    if not cells:
        return None
    texts: list[str] = []
    attachments: dict[str, Attachment] = {}
    notes: list[str] = []
    for cell in cells:
        text = MARKER.sub("", _source(cell))
        for name, attachment in _attachments(cell, notes):
            if len(attachments) >= MAX_ATTACHMENTS:
                notes.append(f"Only {MAX_ATTACHMENTS} pictures were kept.")
                break
            kept = _free_name(name, attachments)
            if kept != name:  # Jupyter names every pasted picture image.png
                text = text.replace(f"attachment:{name}", f"attachment:{kept}")
            attachments[kept] = Attachment(kept, attachment.mime, attachment.data)
        texts.append(_tidy(text))
    text = "\n\n".join(t for t in texts if t)
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        notes.append(f"The answer was cut at {MAX_TEXT_CHARS:,} characters.")
    return Answer(qid, text, attachments, notes=tuple(dict.fromkeys(notes)))


def _tidy(text: str) -> str:
    """The cell's text with the lines the marker left blank at its ends dropped."""
    return re.sub(r"\n{3,}", "\n\n", text.replace("\r\n", "\n")).strip()


def _attachments(cell: Mapping[str, Any], notes: list[str]) -> list[tuple[str, Attachment]]:
    bundle = cell.get("attachments")
    if not isinstance(bundle, Mapping):
        return []
    kept = []
    for name, mimes in bundle.items():
        if not isinstance(name, str) or not isinstance(mimes, Mapping):
            continue
        found = None
        for encoded in mimes.values():
            if isinstance(encoded, list):
                encoded = "".join(e for e in encoded if isinstance(e, str))
            if not isinstance(encoded, str) or len(encoded) > (MAX_IMAGE_BYTES * 4) // 3 + 100:
                continue
            data = decode_base64(encoded)
            found = picture(data, name) if data is not None else None
            if found is not None:
                break
        if found is None:
            notes.append(f"The attachment {name[:80]} was not kept: it is not a PNG or JPEG.")
        else:
            kept.append((name, found))
    return kept


def _free_name(name: str, taken: Mapping[str, object]) -> str:
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    number = 2
    while f"{stem}-{number}{dot}{ext}" in taken:
        number += 1
    return f"{stem}-{number}{dot}{ext}"


def _placeholders(starter: Notebook | None, wanted: list[str]) -> dict[str, str]:
    if starter is None:
        return {}
    cells = _answer_cells(_cells(starter), wanted)
    placeholders = {}
    for qid in wanted:
        answer = _joined(qid, cells.get(qid, []))
        if answer is not None:
            placeholders[qid] = answer.text
    return placeholders


def _same(text: str, placeholder: str | None) -> bool:
    """The student left the starter's placeholder as it was (spacing aside)."""
    return placeholder is not None and text.split() == placeholder.split()
