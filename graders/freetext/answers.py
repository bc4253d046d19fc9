"""A free-text answer: its text, the pictures it carries, and how a quiz gives one.

A quiz's answers file gives a free-text answer as a string, or as
``{"text": "...", "image": "data:image/png;base64,..."}``. An image is kept only when it is
really a PNG or JPEG (:func:`~graders.freetext.images.image_kind`) and under the size cap;
otherwise the answer keeps its text and says why the image was not kept.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from graders.freetext.images import MAX_IMAGE_BYTES, MIME, image_kind
from graders.result import json_kind

ImagePolicy = Literal["no", "allowed", "required"]
"""Whether a free-text question's answer may be (or must include) an image."""

MAX_TEXT_CHARS = 50_000
"""Longest answer text kept; a longer one is cut there (an essay is a few thousand)."""
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg"}

_DATA_URL = re.compile(r"data:([\w.+/-]*)((?:;[\w.+-]+=[\w.+-]+)*);base64,", re.ASCII)


class UnreadableAnswer(ValueError):
    """An answer that is not a free-text answer at all; ``message`` says what to give."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Attachment:
    """A picture of an answer: a notebook cell's attachment or a quiz answer's image."""

    name: str
    mime: str
    """``image/png`` or ``image/jpeg``: what the bytes are, whatever was declared."""
    data: bytes

    def data_url(self) -> str:
        """The picture as a ``data:`` URL, to show it."""
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True)
class Answer:
    """One free-text answer, as the service stores it and the instructor grades it."""

    question_id: str
    text: str
    attachments: dict[str, Attachment] = field(default_factory=dict)
    """A notebook answer's cell attachments by name (``attachment:NAME`` in its markdown)."""
    image: Attachment | None = None
    """A quiz answer's image."""
    notes: tuple[str, ...] = ()
    """What was left out and why (an image that is no PNG or JPEG, a text cut short)."""

    @property
    def empty(self) -> bool:
        """No text and no picture: the question was not answered."""
        return not self.text.strip() and self.image is None and not self.attachments

    def to_json(self) -> dict[str, Any]:
        """The answer as JSON (pictures as data URLs)."""
        return {
            "question": self.question_id,
            "text": self.text,
            "attachments": {n: a.data_url() for n, a in self.attachments.items()},
            "image": self.image.data_url() if self.image else None,
            "notes": list(self.notes),
        }


def answer_from_json(
    value: object, question_id: str = "", image: ImagePolicy = "allowed"
) -> Answer:
    """A quiz's free-text answer as given: a string, ``{"text": ...}``, ``{"image": ...}``
    or both. An image is kept only if ``image`` allows it and it is a real PNG or JPEG under
    the cap; an ``empty`` answer is a question left unanswered. Raises
    :class:`UnreadableAnswer` for anything else (a number, a list, other members)."""
    if value is None:
        return Answer(question_id, "")
    if isinstance(value, str):
        return _with_text(question_id, value)
    if not isinstance(value, dict):
        raise UnreadableAnswer(
            f'Give the answer as text, or as {{"text": ..., "image": ...}}, not {json_kind(value)}.'
        )
    extra = sorted(str(k) for k in value if k not in ("text", "image"))
    if extra:
        raise UnreadableAnswer(
            f'A free-text answer has "text" and "image" only, not {", ".join(extra[:3])}.'
        )
    text = value.get("text")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise UnreadableAnswer(f'The answer\'s "text" must be text, not {json_kind(text)}.')
    answer = _with_text(question_id, text)
    url = value.get("image")
    if url is None or url == "":
        return answer
    if image == "no":
        return _note(answer, "The image was not kept: this question takes a text answer only.")
    picture, why = image_from_data_url(url)
    if picture is None:
        return _note(answer, f"The image was not kept: {why}")
    return Answer(question_id, answer.text, image=picture, notes=answer.notes)


def image_from_data_url(url: object, name: str = "image") -> tuple[Attachment | None, str]:
    """The picture of a ``data:...;base64,`` URL, or ``None`` and why it is not kept."""
    if not isinstance(url, str):
        return None, f"it must be a data: URL, not {json_kind(url)}."
    match = _DATA_URL.match(url)
    if match is None:
        return None, "it is not a base64 data: URL (data:image/png;base64,...)."
    encoded = url[match.end() :]
    if len(encoded) > (MAX_IMAGE_BYTES * 4) // 3 + 4:  # before decoding: no huge copies
        return None, f"it is larger than {MAX_IMAGE_BYTES:,} bytes."
    data = decode_base64(encoded)
    if data is None:
        return None, "its base64 data is not valid."
    return _picture(data, name)


def decode_base64(text: str) -> bytes | None:
    """Strict base64 (line breaks and spaces allowed), or ``None``."""
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def _picture(data: bytes, name: str) -> tuple[Attachment | None, str]:
    if len(data) > MAX_IMAGE_BYTES:
        return None, f"it is larger than {MAX_IMAGE_BYTES:,} bytes."
    kind = image_kind(data)
    if kind is None:
        return None, "it is not a whole PNG or JPEG image."
    mime = MIME[kind]
    return Attachment(f"{name}.{EXTENSIONS[mime]}", mime, data), ""


def picture(data: bytes, name: str) -> Attachment | None:
    """``data`` as an attachment called ``name`` when it is a real PNG or JPEG under the cap
    (its ``mime`` is what the bytes are)."""
    kind = image_kind(data)
    return None if kind is None else Attachment(name, MIME[kind], data)


def _with_text(question_id: str, text: str) -> Answer:
    if len(text) > MAX_TEXT_CHARS:
        note = f"The answer was cut at {MAX_TEXT_CHARS:,} characters."
        return Answer(question_id, text[:MAX_TEXT_CHARS], notes=(note,))
    return Answer(question_id, text)


def _note(answer: Answer, note: str) -> Answer:
    return Answer(
        answer.question_id, answer.text, answer.attachments, answer.image, (*answer.notes, note)
    )
