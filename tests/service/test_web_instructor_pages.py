"""The instructor's pages on the dashboards' known class (tests/service/test_dashboard.py):
the overview matrix, the assignment dashboard and its queue, the filtered submissions, one
student, one submission with its notebook inert and its download; none of them for anyone
but the course's instructors."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from app.models import Submission, SubmissionFile
from app.services import people
from tests.service.test_dashboard import Class, klass  # noqa: F401 (fixture)
from tests.service.test_web_sessions import sign_in

C1 = "/courses/c1"
BOARD = C1 + "/assignments/rnn-numpy/dashboard"
LIST = C1 + "/assignments/rnn-numpy/submissions"


@pytest.fixture
def instructor(client, db, settings, klass):  # noqa: F811
    token = people.add_user(db, settings.catalog(), "carol", "instructor", "c1").token
    sign_in(client, token)
    return client


def test_the_overview_shows_each_students_counted_score_and_says_the_flags_in_words(
    instructor,
):
    page = instructor.get(C1 + "/overview")
    assert page.status_code == 200
    text = page.text
    for word in ("missing", "pending", "rejected", "late"):
        assert f'class="flag flag-{word}">{word}' in text, word
    assert C1 + "/students/alice" in text and BOARD in text
    assert "Not submitted yet" in text and "hank" in text  # rnn-numpy is overdue


def test_the_overview_filters_by_name_and_sorts_either_way(instructor):
    only = instructor.get(C1 + "/overview?name=ER").text
    assert "/students/erin" in only and "/students/alice" not in only
    assert "1 of 7 students match" in only
    backwards = instructor.get(C1 + "/overview?sort=-name").text
    assert backwards.index("/students/ivy") < backwards.index("/students/alice")


def test_the_dashboard_draws_every_chart_from_a_table_on_the_page(instructor):
    page = instructor.get(BOARD)
    assert page.status_code == 200
    text = page.text
    for table in ("hist-table", "tests-table", "timing-table"):
        assert f'data-table="{table}"' in text and f'id="{table}"' in text
    assert text.count('role="img"') == 3
    assert "2 of 5 students with a counted score scored 90 % or more" in text
    assert f"{LIST}?mistake=rnn-cell-missing-bias" in text
    assert f"{LIST}?bin=100" in text and f"{LIST}?test=softmax" in text
    assert "<script>" not in text.replace("<script type", "").replace("<script defer", "")


def test_the_dashboards_size_does_not_grow_with_the_roster(instructor, db, settings, klass):  # noqa: F811
    before = len(instructor.get(BOARD).content)
    for n in range(40):
        people.add_user(db, settings.catalog(), f"student{n:02d}", "student", "c1")
        klass.submit(f"student{n:02d}", klass.target().due_at)
    after = len(instructor.get(BOARD).content)
    assert abs(after - before) < 200


def test_the_queue_is_small_json_the_page_reads_with_its_session(instructor):
    answer = instructor.get(BOARD + "/queue")
    assert answer.headers["content-type"].startswith("application/json")
    state = answer.json()
    assert state["queued"] == 1 and state["running"] == 0
    assert set(state) == {
        "queued", "running", "graded_recently", "failed_recently", "oldest_queued_at"
    }  # fmt: skip


def test_a_mistake_lists_the_submissions_that_made_it_each_linking_to_its_page(instructor, db):
    page = instructor.get(LIST + "?mistake=rnn-cell-missing-bias").text
    assert "2 submissions that made the mistake" in page
    with db.reader() as session:
        ids = session.scalars(select(Submission.id)).all()
    linked = set(re.findall(r"/courses/c1/submissions/([0-9a-f]{32})", page))
    assert len(linked) == 2 and linked <= set(ids)


def test_the_list_filters_by_bin_test_and_student_and_refuses_nothing(instructor):
    assert "1 student of the students in the score band" in instructor.get(LIST + "?bin=100").text
    failed = instructor.get(LIST + "?test=softmax").text
    assert "1 student of the students who did not pass the test" in failed
    assert "/students/ivy" in failed
    mine = instructor.get(LIST + "?student=alice").text
    assert "2 submissions of the student" in mine
    for odd in ("?bin=7", "?mistake=%00", "?page=-3", "?page=99999999", "?test=" + "x" * 500):
        assert instructor.get(LIST + odd).status_code == 200, odd


def test_a_students_page_marks_the_counted_submission(instructor):
    page = instructor.get(C1 + "/students/alice")
    assert page.status_code == 200
    assert page.text.count('class="counted"') == 1
    assert instructor.get(C1 + "/students/nobody").status_code == 404


def _with_notebook(db, sid: str, content: bytes, filename: str) -> None:
    with db.session() as session:
        session.add(SubmissionFile(submission_id=sid, content=content))
        session.get_one(Submission, sid).filename = filename


HOSTILE = {
    "nbformat": 4,
    "nbformat_minor": 5,
    "metadata": {},
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "id": "a",
         "source": "<script>alert(1)</script> [x](javascript:alert(1)) "
                   "<img src=x onerror=alert(1)>"},
        {"cell_type": "code", "metadata": {}, "id": "b", "execution_count": 1,
         "source": "print('<b>hi</b>')",
         "outputs": [
             {"output_type": "display_data", "metadata": {},
              "data": {"text/html": "<script>alert(2)</script>",
                       "image/svg+xml": "<svg onload=alert(3)></svg>"}},
             {"output_type": "stream", "name": "stdout", "text": "<b>hi</b>\n"},
         ]},
    ],
}  # fmt: skip


def test_a_submission_shows_the_notebook_inert_beside_its_feedback(instructor, db, klass):  # noqa: F811
    sid = klass.submit("bob", klass.target().due_at)
    _with_notebook(db, sid, json.dumps(HOSTILE).encode(), '<img src=x onerror="x()">.ipynb')
    page = instructor.get(f"{C1}/submissions/{sid}")
    assert page.status_code == 200
    text = page.text
    assert "<script>alert" not in text and "<img src=x" not in text
    assert 'href="javascript:' not in text and "<svg" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=&#34;x()&#34;&gt;.ipynb" in text
    assert "&lt;b&gt;hi&lt;/b&gt;" in text
    assert f'action="/courses/c1/submissions/{sid}/regrade"' in text
    assert 'name="csrf"' in text


def test_the_raw_notebook_is_a_download_never_a_page(instructor, db, klass):  # noqa: F811
    sid = klass.submit("bob", klass.target().due_at)
    _with_notebook(db, sid, b'{"cells": []}', 'a"b\r\nc.ipynb')
    answer = instructor.get(f"{C1}/submissions/{sid}/notebook")
    assert answer.status_code == 200 and answer.content == b'{"cells": []}'
    assert answer.headers["content-type"] == "application/x-ipynb+json"
    assert answer.headers["x-content-type-options"] == "nosniff"
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="a_b__c.ipynb"')


@pytest.mark.parametrize("who", ["alice", "dave"])
def test_every_instructor_page_is_not_found_for_anyone_else(client, db, settings, klass, who):  # noqa: F811
    sid = klass.submit("alice", klass.target().due_at)
    _with_notebook(db, sid, b"{}", "a.ipynb")
    role, course = ("student", "c1") if who == "alice" else ("instructor", "c2")
    sign_in(client, people.add_user(db, settings.catalog(), who, role, course).token)
    for path in (
        C1 + "/overview",
        BOARD,
        BOARD + "/queue",
        LIST,
        C1 + "/students/alice",
        f"{C1}/submissions/{sid}",
        f"{C1}/submissions/{sid}/notebook",
        "/courses/nope/overview",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "Page not found" in answer.text, path


def test_a_page_of_the_overview_holds_the_same_cells_as_the_whole(db, klass):  # noqa: F811
    from app.models import Course
    from app.services.dashboard import course_overview

    with db.reader() as session:
        course = session.scalar(select(Course).where(Course.slug == "c1"))
        whole = {r.student: r.cells for r in course_overview(session, course).students}
        paged = course_overview(session, course, limit=3, offset=2)
        backwards = course_overview(session, course, limit=2, descending=True)
        named = course_overview(session, course, name="I")
    assert [r.student for r in paged.students] == ["erin", "frank", "gina"]
    assert all(whole[r.student] == r.cells for r in paged.students)
    assert [r.student for r in backwards.students] == ["ivy", "hank"]
    assert [r.student for r in named.students] == ["alice", "erin", "gina", "ivy"]
    assert (named.matching, named.total_students) == (4, 7)


def test_static_files_and_the_api_are_compressed_and_pages_are_not(instructor, people_):
    chart = instructor.get(
        "/static/vendor/chart.js/chart.umd.min.js", headers={"Accept-Encoding": "gzip"}
    )
    assert chart.headers["content-encoding"] == "gzip"
    assert chart.headers["x-content-type-options"] == "nosniff"
    api = instructor.get(
        "/api/v1/courses/c1/overview",
        headers={"Accept-Encoding": "gzip", **people_.auth("carol")},
    )
    assert api.status_code == 200 and api.headers.get("content-encoding") == "gzip"
    page = instructor.get(C1 + "/overview", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in page.headers  # it carries the CSRF token


def test_the_overview_pages_its_students_a_hundred_at_a_time(instructor, db, settings):
    catalog = settings.catalog()
    for n in range(100):
        people.add_user(db, catalog, f"s{n:03d}", "student", "c1")
    first = instructor.get(C1 + "/overview").text
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    second = instructor.get(C1 + "/overview?page=2").text
    assert second.count('<th scope="row">') == 7  # 107 students in all
    assert 'href="?page=1"' in second
    assert instructor.get(C1 + "/overview?page=x%00").status_code == 200
