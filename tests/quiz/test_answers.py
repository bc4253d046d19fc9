"""Answer files: read when they have the documented form, rejected with the reason otherwise."""

from __future__ import annotations

import json

import pytest

from graders import RejectedUpload, read_answers, read_assignment
from graders.quiz import MAX_ANSWER_FILE_BYTES
from tests.quiz.helpers import write_quiz


@pytest.fixture
def quiz(tmp_path):
    return read_assignment(write_quiz(tmp_path))


def test_an_answer_file_is_read_as_given():
    data = '{"answers": {"q1": "d", "q3": ["b", "d"], "q5": "0.24491", "q6": 9, "q7": null}}'
    answers = read_answers(data)
    assert answers == {"q1": "d", "q3": ["b", "d"], "q5": "0.24491", "q6": 9, "q7": None}
    assert read_answers(data.encode()) == answers
    assert read_answers(b"\xef\xbb\xbf" + data.encode()) == answers  # a byte-order mark
    assert read_answers('{"answers": {}}') == {}


def test_with_the_quiz_the_question_ids_are_checked(quiz):
    assert read_answers('{"answers": {"q1": "d"}}', quiz) == {"q1": "d"}
    with pytest.raises(RejectedUpload) as rejected:
        read_answers('{"answers": {"q1": "d", "q11": "a"}}', quiz)
    assert rejected.value.reason == (
        'tiny-quiz has no question "q11": its questions are q1, q2, q3, q4, q5, q6'
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n", "the answer file is not UTF-8 text (it should be JSON)"),
        ("", "the answer file is empty"),
        (b" \n", "the answer file is empty"),
        ("d", "the answer file is not valid JSON: Expecting value (line 1, column 1)"),
        ("{'answers': {}}", "the answer file is not valid JSON: Expecting property name"),
        ('{"answers": {"q1": "d",}}', "the answer file is not valid JSON"),
        (
            '{"answers": {"q1": "d", "q1": "a"}}',
            'the answer file gives "q1" twice: answer each question once',
        ),
        ('{"answers": {}, "answers": {}}', 'the answer file gives "answers" twice'),
        (
            '["d"]',
            'an answer file is a JSON object {"answers": {"q1": "...", ...}}, not a list',
        ),
        ('"d"', "not a string"),
        ("null", "not null"),
        ("3", "not a number"),
        ('{"q1": "d"}', 'this one has no "answers"'),
        ('{"answers": {}, "student": "x"}', '"student" is not part of it'),
        ('{"answers": ["d"]}', 'its "answers" is a list, not an object'),
        ('{"answers": "d"}', 'its "answers" is a string, not an object'),
        ("[" * 100_000 + "]" * 100_000, "the answer file cannot be read as JSON"),
        ('{"answers": {"q1": ' + "9" * 5000 + "}}", "the answer file cannot be read as JSON"),
    ],
)
def test_files_that_cannot_be_graded_are_rejected_with_the_reason(data, reason):
    with pytest.raises(RejectedUpload) as rejected:
        read_answers(data)
    assert reason in rejected.value.reason


def test_a_huge_file_is_rejected_before_it_is_parsed():
    data = json.dumps({"answers": {"q1": "x" * MAX_ANSWER_FILE_BYTES}})
    with pytest.raises(RejectedUpload, match=r"is 1,000,0\d\d bytes; answer files are at most"):
        read_answers(data)
    with pytest.raises(RejectedUpload, match="bytes; answer files are at most 1,000,000"):
        read_answers(data.encode())
    # Characters are counted as UTF-8 bytes.
    wide = json.dumps({"answers": {"q1": "\u00e9" * 600_000}}, ensure_ascii=False)
    assert len(wide) < MAX_ANSWER_FILE_BYTES
    with pytest.raises(RejectedUpload, match="bytes"):
        read_answers(wide)


def test_json_constants_are_read_and_graded_as_refused_answers(quiz):
    from graders import grade_answers

    answers = read_answers('{"answers": {"q3": NaN, "q5": Infinity}}', quiz)
    result = grade_answers(quiz, answers)
    by_name = {t.name: t for t in result.tests}
    assert by_name["q3"].feedback.startswith("NaN (not a number) cannot be graded")
    assert by_name["q5"].feedback.startswith("An infinity cannot be graded")


@pytest.mark.parametrize(
    "data",
    [
        '{"answers": {"q1": ' + "[" * 50_000 + "]" * 50_000 + "}}",
        '{"answers": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + "}",
    ],
)
def test_a_deeply_nested_answer_file_is_rejected_with_the_depth(data):
    with pytest.raises(RejectedUpload) as rejected:
        read_answers(data)
    assert "nests deeper than 20 levels (50,00" in rejected.value.reason
