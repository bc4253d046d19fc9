"""Answers out of a notebook's markdown cells: metadata first, then the marker; cells joined;
pictures kept when real; the placeholder left as it was is no answer; nothing raises."""

from __future__ import annotations

import base64
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_markdown_cell

from graders.freetext import Attachment, answer_cells, extract_answers
from tests.freetext.fixtures import PLACEHOLDER, answer_cell, notebook_with, png_bytes, starter


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_an_answer_cell_marked_both_ways_gives_its_text_without_the_marker():
    nb = notebook_with(answer_cell("q1", "Gradients vanish."))
    (answer,) = extract_answers(nb, ["q1"]).values()
    assert answer is not None
    assert (answer.question_id, answer.text, answer.attachments) == ("q1", "Gradients vanish.", {})


def test_metadata_alone_or_the_marker_alone_marks_a_cell():
    nb = notebook_with(
        answer_cell("q1", "By metadata.", marker=False),
        answer_cell("q2", "By marker.", metadata=False),
    )
    found = extract_answers(nb, ["q1", "q2"])
    assert {k: a.text for k, a in found.items() if a} == {"q1": "By metadata.", "q2": "By marker."}


def test_the_metadata_wins_over_a_marker_for_another_question():
    cell = answer_cell("q1", "<!-- answer: q2 -->\nMine is q1.", marker=False)
    found = extract_answers(notebook_with(cell), ["q1", "q2"])
    assert found["q1"] is not None and found["q1"].text == "Mine is q1."
    assert found["q2"] is None


def test_several_cells_of_one_question_are_joined_in_order():
    nb = notebook_with(
        answer_cell("q1", "First part."),
        new_markdown_cell("Not an answer."),
        answer_cell("q1", "Second part.", metadata=False),
    )
    answer = extract_answers(nb, ["q1"])["q1"]
    assert answer is not None and answer.text == "First part.\n\nSecond part."


def test_the_placeholder_left_as_it_was_or_an_empty_cell_is_no_answer():
    nb = notebook_with(answer_cell("q1", f"  {PLACEHOLDER}\n"), answer_cell("q2", "  \n"))
    assert extract_answers(nb, ["q1", "q2"], starter()) == {"q1": None, "q2": None}
    edited = notebook_with(answer_cell("q1", f"{PLACEHOLDER} Gradients vanish."))
    assert extract_answers(edited, ["q1"], starter())["q1"] is not None


def test_a_question_without_a_cell_is_not_answered():
    assert extract_answers(notebook_with(), ["q1"]) == {"q1": None}


def test_real_pictures_are_kept_as_attachments_and_others_dropped_with_a_note():
    cell = answer_cell("q1", "See ![](attachment:image.png)")
    cell["attachments"] = {
        "image.png": {"image/png": b64(png_bytes())},
        "fake.png": {"image/png": b64(b"<svg><script>alert(1)</script></svg>")},
        "bad.png": {"image/png": "not base64!"},
    }
    answer = extract_answers(notebook_with(cell), ["q1"])["q1"]
    assert answer is not None
    assert answer.attachments == {"image.png": Attachment("image.png", "image/png", png_bytes())}
    assert any("fake.png" in note for note in answer.notes)


def test_the_same_picture_name_in_two_cells_is_kept_twice_and_the_text_follows():
    cells = []
    for size in ((2, 2), (3, 3)):
        cell = answer_cell("q1", "![](attachment:image.png)")
        cell["attachments"] = {"image.png": {"image/png": b64(png_bytes(size))}}
        cells.append(cell)
    answer = extract_answers(notebook_with(*cells), ["q1"])["q1"]
    assert answer is not None
    assert list(answer.attachments) == ["image.png", "image-2.png"]
    assert answer.text == "![](attachment:image.png)\n\n![](attachment:image-2.png)"


def test_only_free_text_questions_are_read_from_question_records():
    from graders.quiz.questions import Question

    questions = [
        Question("q1", "free-text", "Why?", ""),
        Question("q2", "integer", "How many?", 3),
    ]
    assert list(extract_answers(notebook_with(), questions)) == ["q1"]


def test_a_notebook_may_be_given_as_json_bytes_or_a_path(tmp_path):
    nb = notebook_with(answer_cell("q1", "Yes."))
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    for given_as in (json.dumps(nb).encode(), json.dumps(nb), path, str(path)):
        answer = extract_answers(given_as, ["q1"])["q1"]
        assert answer is not None and answer.text == "Yes."


def test_a_source_as_a_list_of_lines_is_read():
    cell = {"cell_type": "markdown", "metadata": {}, "source": ["<!-- answer: q1 -->\n", "Yes."]}
    answer = extract_answers({"cells": [cell]}, ["q1"])["q1"]
    assert answer is not None and answer.text == "Yes."


def test_malformed_notebooks_and_cells_give_no_answer_and_never_raise(tmp_path):
    broken = [
        None,
        b"\xff\xfe not json",
        "{",
        tmp_path / "absent.ipynb",
        [],
        {"cells": "x"},
        {"cells": [None, 3, "x", [], {"cell_type": "markdown"}]},
        {"cells": [{"cell_type": "markdown", "source": 3, "metadata": {"markwell": []}}]},
        {"cells": [{"cell_type": "markdown", "source": None, "metadata": {"markwell": "q1"}}]},
        {"cells": [{"cell_type": "markdown", "metadata": {"markwell": {"answer": 1}}}]},
        {
            "cells": [
                {
                    "cell_type": "markdown",
                    "source": "<!-- answer: q1 -->",
                    "attachments": {"a": 3, 4: {}, "b": {"image/png": [1, 2]}},
                }
            ]
        },
    ]
    for nb in broken:
        assert extract_answers(nb, ["q1"]) == {"q1": None}, nb  # type: ignore[arg-type]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
cells = st.fixed_dictionaries(
    {},
    optional={
        "cell_type": st.sampled_from(["markdown", "code", 3]),
        "source": st.one_of(st.text(), st.just("<!-- answer: q1 -->\nhi"), json_values),
        "metadata": st.one_of(json_values, st.just({"markwell": {"answer": "q1"}})),
        "attachments": json_values,
    },
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(cells, json_values), max_size=5), st.one_of(st.none(), json_values))
def test_any_cells_and_starter_never_make_extraction_raise(found_cells, other):
    result = extract_answers({"cells": found_cells}, ["q1"], starter=other)  # type: ignore[arg-type]
    assert set(result) == {"q1"}


def test_a_starter_s_answer_cells_are_counted():
    assert answer_cells(starter(), ["q1", "q2", "q3"]) == {"q1": 1, "q2": 1, "q3": 0}
