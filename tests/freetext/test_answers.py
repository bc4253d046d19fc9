"""A quiz's free-text answer: text, or text and an image that is kept only when it is a real
PNG or JPEG the question allows."""

from __future__ import annotations

import base64

import pytest

from graders.freetext import (
    MAX_IMAGE_BYTES,
    MAX_TEXT_CHARS,
    Answer,
    UnreadableAnswer,
    answer_from_json,
    image_from_data_url,
)
from tests.freetext.fixtures import jpeg_bytes, png_bytes


def url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def test_a_string_is_the_answer_s_text():
    assert answer_from_json("Gradients vanish.", "q1") == Answer("q1", "Gradients vanish.")


def test_an_image_is_kept_as_what_its_bytes_are_whatever_its_declared_type():
    answer = answer_from_json({"text": "See the sketch", "image": url(jpeg_bytes())}, "q2")
    assert answer.image is not None
    assert (answer.image.mime, answer.image.name) == ("image/jpeg", "image.jpg")
    mislabelled = answer_from_json({"image": url(png_bytes(), "image/jpeg")}, "q2")
    assert mislabelled.image is not None and mislabelled.image.mime == "image/png"
    assert not mislabelled.empty
    assert answer.to_json()["image"] == url(jpeg_bytes(), "image/jpeg")


def test_a_forged_image_is_dropped_with_a_note_and_the_text_kept():
    svg = url(b"<svg><script>alert(1)</script></svg>", "image/svg+xml")
    forged = url(b"\x89PNG\r\n\x1a\n<html></html>")
    for bad in (svg, forged, "data:image/png;base64,@@@", "https://example.com/a.png", 3):
        answer = answer_from_json({"text": "Hi", "image": bad}, "q2")
        assert (answer.text, answer.image) == ("Hi", None)
        assert answer.notes and answer.notes[0].startswith("The image was not kept"), bad


def test_an_image_is_not_kept_where_the_question_takes_text_only():
    answer = answer_from_json({"text": "Hi", "image": url(png_bytes())}, "q1", image="no")
    assert answer.image is None and "text answer only" in answer.notes[0]


def test_an_image_over_the_cap_is_refused_before_it_is_decoded():
    picture, why = image_from_data_url("data:image/png;base64," + "A" * (2 * MAX_IMAGE_BYTES))
    assert picture is None and "larger than" in why


def test_nothing_or_empty_text_is_an_empty_answer():
    for value in (None, "", "  ", {}, {"text": None}, {"text": "", "image": None}):
        assert answer_from_json(value, "q1").empty, value


def test_a_long_text_is_cut_with_a_note():
    answer = answer_from_json("x" * (MAX_TEXT_CHARS + 10), "q1")
    assert len(answer.text) == MAX_TEXT_CHARS and answer.notes


@pytest.mark.parametrize(
    "value", [3, 2.5, True, ["a"], {"text": 3}, {"txt": "a"}, {"text": "a", "extra": 1}]
)
def test_anything_else_is_unreadable_with_a_message(value):
    with pytest.raises(UnreadableAnswer) as caught:
        answer_from_json(value, "q1")
    assert caught.value.message
