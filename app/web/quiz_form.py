"""The quiz page's form read into a save's JSON: one field per question (several for a
multiple choice), and for a free-text question that takes an image, a file field and a
"remove" box beside its text. A saved image stays until replaced or removed: the file field
of a page is empty again after every load."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData, UploadFile

from app.services.errors import Invalid
from graders.freetext import MAX_IMAGE_BYTES, image_kind

FIELD = "answer-"
"""Form fields ``answer-q1``...: one per question (several for a multiple choice)."""
IMAGE = "-image"
"""``answer-q6-image``: the file chosen for a free-text question's image."""
REMOVE = "-remove-image"
"""``answer-q6-remove-image=yes``: drop the saved image."""
MIME = {"png": "image/png", "jpeg": "image/jpeg"}


def _refused(detail: str) -> Invalid:
    return Invalid("invalid-answers", "Invalid answers", detail)


async def _image_url(upload: UploadFile, question: str) -> str:
    """The chosen file as a ``data:`` URL; :class:`Invalid` unless it is a PNG or JPEG under
    the cap (checked by its bytes, not by its name or the browser's type)."""
    data = await upload.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise _refused(f"{question}: the image is over {MAX_IMAGE_BYTES // 1000:,} kB")
    kind = image_kind(data)
    if kind is None:
        raise _refused(f"{question}: the file is not a PNG or JPEG image")
    return f"data:{MIME[kind]};base64,{base64.b64encode(data).decode()}"


def _saved_image(saved: Mapping[str, Any], question: str) -> str | None:
    value = saved.get(question)
    picture = value.get("image") if isinstance(value, dict) else None
    return picture if isinstance(picture, str) and picture else None


async def answers_body(
    form: FormData, view_questions: list[dict[str, Any]], saved: Mapping[str, Any]
) -> bytes:
    """The save's JSON from the form: every question of the form, an empty one cleared; a
    free-text answer's image from its file field, else the one ``saved`` (unless removed)."""
    answers: dict[str, Any] = {}
    for question in view_questions:
        qid = question["id"]
        name = FIELD + qid
        if question["type"] == "multiple":
            chosen = [v for v in form.getlist(name) if isinstance(v, str)]
            answers[qid] = chosen or None
            continue
        value = form.get(name)
        text = value.strip() if isinstance(value, str) else ""
        picture = None
        if question["type"] == "free-text" and question.get("image", "no") != "no":
            upload = form.get(name + IMAGE)
            if isinstance(upload, UploadFile) and upload.filename:
                picture = await _image_url(upload, qid)
            elif form.get(name + REMOVE) != "yes":
                picture = _saved_image(saved, qid)
        answers[qid] = {"text": text, "image": picture} if picture else (text or None)
    return json.dumps({"answers": answers}).encode()
