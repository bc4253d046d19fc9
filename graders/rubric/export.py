"""A rubric written back in ``rubrics.toml``'s format: what the grading page edits is saved
to the assignment folder, and reads back the same (``rubric_from_dict``)."""

from __future__ import annotations

import json

from graders.rubric.model import Rubric


def rubric_to_toml(rubric: Rubric) -> str:
    """``rubric`` as the text of a ``rubrics.toml``."""
    lines: list[str] = []
    for question in rubric.questions:
        if lines:
            lines.append("")
        lines.append(f"[{_key(question.id)}]")
        lines.append(f"floor = {'true' if question.floor else 'false'}")
        for item in question.items:
            lines += ["", f"[[{_key(question.id)}.items]]"]
            lines.append(f"id = {_string(item.id)}")
            lines.append(f"text = {_string(item.text)}")
            lines.append(f"points = {_number(item.points)}")
            if item.group:
                lines.append(f"group = {_string(item.group)}")
    return "\n".join(lines) + "\n"


def _key(key: str) -> str:
    bare = key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else _string(key)


def _string(text: str) -> str:
    # A JSON string is a TOML basic string, but for DEL, which TOML wants escaped.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))
