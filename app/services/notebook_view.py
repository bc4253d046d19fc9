"""A submitted notebook made inert for a page: what each cell holds, nothing that can run.

Markdown becomes HTML through markdown-it (raw HTML in it is kept as text) and is then
sanitised by nh3 with a short list of tags and attributes: no script, no style, no event
handler, links only to http(s) and mailto. Outputs are shown as text; an image only when its
bytes really are PNG or JPEG (never SVG, which can carry script), as a ``data:`` URI.
Student HTML and JavaScript outputs are never rendered, only named. Everything is bounded:
text per output, outputs per cell, image bytes.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import nh3
from markdown_it import MarkdownIt

from graders import RejectedUpload, read_notebook

TEXT_CHARS = 20_000
"""Characters of one output (or one cell's source) shown; the rest is counted."""
OUTPUTS_PER_CELL = 50
IMAGE_BYTES = 2_000_000
"""Largest image shown; a larger one is named, not embedded."""

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}}
_SCHEMES = {"http", "https", "mailto"}
# ``attachment:`` reaches the filter, which turns a checked attachment into a ``data:`` URI.
_IMAGE_SCHEMES = {"attachment", "data"}
_NOT_LINKS = ("data:", "attachment:")
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}


@dataclass(frozen=True)
class OutputView:
    """One output of a code cell, as text or a checked image."""

    kind: Literal["stream", "text", "image", "error", "withheld"]
    text: str = ""
    name: str = ""
    """``stdout``/``stderr`` for a stream, the exception's name for an error, the MIME type
    of what was withheld."""
    image: str = ""
    """A ``data:image/png;base64,...`` URI, only for real PNG/JPEG bytes."""
    cut: int = 0
    """Characters left out of ``text``."""


@dataclass(frozen=True)
class CellView:
    """One cell: ``number`` counts every cell from 1, as feedback does ("in cell 31")."""

    number: int
    kind: str
    source: str
    html: str = ""
    """Sanitised HTML of a markdown cell (safe to insert without escaping)."""
    execution_count: int | None = None
    outputs: tuple[OutputView, ...] = ()
    cut: int = 0
    more_outputs: int = 0


@dataclass(frozen=True)
class NotebookView:
    """The cells of a notebook, or why it cannot be shown."""

    cells: tuple[CellView, ...] = ()
    problem: str = ""
    language: str = "python"
    extra: dict[str, Any] = field(default_factory=dict)


def view(data: bytes, max_bytes: int = 20_000_000) -> NotebookView:
    """The notebook in ``data`` made inert, cell by cell; a notebook that does not parse
    gives a view with only its ``problem``."""
    try:
        nb = read_notebook(data, max_bytes=max_bytes)
    except RejectedUpload as exc:
        return NotebookView(problem=str(exc))
    language = str(nb.metadata.get("kernelspec", {}).get("language") or "python")
    cells = tuple(_cell(number, cell) for number, cell in enumerate(nb.cells, start=1))
    return NotebookView(cells=cells, language=language)


def markdown_html(source: str, attachments: dict[str, Any] | None = None) -> str:
    """Markdown as sanitised HTML. Images may only be the cell's own PNG/JPEG attachments
    (``attachment:name``); any other image is left out, so a page never fetches anything a
    student names."""
    html = _markdown.render(source)
    html = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES | _IMAGE_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        # A relative link would lead into Markwell itself: a student's notebook links out only.
        url_relative="deny",
        attribute_filter=_filter(attachments or {}),
    )
    return html


def _filter(attachments: dict[str, Any]) -> Any:
    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            if not value.startswith("attachment:"):
                return None
            bundle = attachments.get(value.removeprefix("attachment:"))
            return (_image(bundle) or None) if isinstance(bundle, dict) else None
        if tag == "a" and attribute == "href" and value.lower().startswith(_NOT_LINKS):
            return None
        return value

    return keep


def _cell(number: int, cell: Any) -> CellView:
    source, cut = _bounded(str(cell.get("source", "")))
    kind = str(cell.get("cell_type", "raw"))
    if kind == "markdown":
        attachments = cell.get("attachments") or {}
        return CellView(number, kind, source, html=markdown_html(source, dict(attachments)))
    if kind != "code":
        return CellView(number, kind, source, cut=cut)
    outputs = list(cell.get("outputs", []))
    shown = tuple(_output(o) for o in outputs[:OUTPUTS_PER_CELL])
    count = cell.get("execution_count")
    return CellView(
        number,
        kind,
        source,
        execution_count=count if isinstance(count, int) else None,
        outputs=shown,
        cut=cut,
        more_outputs=max(0, len(outputs) - OUTPUTS_PER_CELL),
    )


def _output(output: Any) -> OutputView:
    kind = output.get("output_type")
    if kind == "stream":
        text, cut = _bounded(_plain(output.get("text", "")))
        return OutputView("stream", text, name=str(output.get("name", "stdout")), cut=cut)
    if kind == "error":
        lines = [_plain(line) for line in output.get("traceback", [])]
        text, cut = _bounded("\n".join(lines) or f"{output.get('ename')}: {output.get('evalue')}")
        return OutputView("error", text, name=str(output.get("ename", "")), cut=cut)
    data = output.get("data", {}) if kind in ("execute_result", "display_data") else {}
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            image = _image(data)
            if image:
                return OutputView("image", name=mime, image=image)
    if "text/plain" in data:
        text, cut = _bounded(_plain(data["text/plain"]))
        return OutputView("text", text, cut=cut)
    withheld = ", ".join(sorted(str(m) for m in data)) or str(kind)
    return OutputView("withheld", name=withheld)


def _image(bundle: dict[str, Any]) -> str:
    """A data URI for the bundle's PNG or JPEG, only if its bytes say they are one."""
    for mime, magic in _MAGIC.items():
        encoded = bundle.get(mime)
        if not isinstance(encoded, str) or len(encoded) > IMAGE_BYTES * 4 // 3 + 4:
            continue
        try:
            raw = base64.b64decode("".join(encoded.split()), validate=True)
        except (binascii.Error, ValueError):
            continue
        if raw.startswith(magic):
            return f"data:{mime};base64,{base64.b64encode(raw).decode()}"
    return ""


def _plain(text: Any) -> str:
    joined = "".join(text) if isinstance(text, list) else str(text)
    return _CONTROL.sub("", _ANSI.sub("", joined))


def _bounded(text: str) -> tuple[str, int]:
    if len(text) <= TEXT_CHARS:
        return text, 0
    return text[:TEXT_CHARS], len(text) - TEXT_CHARS
