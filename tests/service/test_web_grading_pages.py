"""The pages for grading free-text answers question by question: the questions with their
counts, one answer at a time (escaped, anonymous by default, claimed on opening), saving and
moving on to the next ungraded answer, another grader's claim refusing a save, a bad
adjustment coming back with what was typed, and nothing of it for a student."""

from __future__ import annotations

import base64
import re

from fastapi.testclient import TestClient
from sqlalchemy import event, select

from app.models import ManualGrade
from app.services import people
from app.services.manual.answers import store_answers
from app.web.grading_view import answer_view
from graders import Answer, Attachment
from tests.freetext.fixtures import png_bytes
from tests.service.conftest import People
from tests.service.test_queue import submit
from tests.service.test_web_sessions import csrf_of, sign_in
from tests.service.theory_answers import answer_theory

GRADING = "/courses/c1/assignments/rnn-theory/grading"
Q1 = GRADING + "/q1"
ANSWER = re.compile(r'name="answer" value="([0-9a-f]{32})"')


def students(client: TestClient, db, settings, count: int = 3) -> dict[str, str]:
    ids = {}
    for n in range(count):
        name = f"s{n:02d}"
        token = people.add_user(db, settings.catalog(), name, "student", "c1").token
        ids[name] = answer_theory(
            client, token, {"q1": f"**Translation** by {name} <script>x</script>"}
        )
    return ids


def shown(page: str) -> str:
    found = ANSWER.search(page)
    assert found, "the page shows no answer form"
    return found.group(1)


def test_the_questions_page_lists_the_counts_and_links_each_question(
    client: TestClient, people_: People, db, settings
):
    students(client, db, settings, 2)
    sign_in(client, people_.tokens["carol"])
    page = client.get(GRADING)
    assert page.status_code == 200, page.text
    assert f'href="{Q1}"' in page.text and "8 free-text questions" in page.text
    assert 'aria-current="page">Grade by hand' in page.text
    client.cookies.clear()
    sign_in(client, people_.tokens["alice"])
    assert client.get(GRADING).status_code == 404
    assert client.get(Q1).status_code == 404


def test_an_answer_is_shown_escaped_and_anonymous_and_is_claimed_on_opening(
    client: TestClient, people_: People, db, settings
):
    ids = students(client, db, settings)
    sign_in(client, people_.tokens["carol"])
    page = client.get(Q1)
    assert page.status_code == 200, page.text
    text = page.text
    assert "<strong>Translation</strong>" in text and "<script>x" not in text
    assert "&lt;script&gt;x&lt;/script&gt;" in text
    assert "1 of 3, 3 left" in text and "Answer 1" in text
    assert not any(f"by {name}" in text and f">{name}<" in text for name in ids)
    assert "<kbd>1</kbd>" in text and 'data-key="0"' not in text  # q1 has five items
    queue = client.get("/api/v1/courses/c1/assignments/rnn-theory/questions/q1/answers",
                       headers=people_.auth("carol")).json()  # fmt: skip
    assert queue["entries"][0]["claim"]["grader"] == "carol"
    named = client.get(Q1 + f"?answer={shown(text)}&names=1").text
    assert any(f"{name} (Answer 1)" in named for name in ids)


def test_save_and_next_grades_the_answer_and_opens_the_next_ungraded(
    client: TestClient, people_: People, db, settings
):
    students(client, db, settings)
    sign_in(client, people_.tokens["carol"])
    page = client.get(Q1).text
    first = shown(page)
    saved = client.post(
        Q1,
        data={"csrf": csrf_of(page), "answer": first, "item": ["s2s-app", "s2v-app"],
              "adjustment": "0.5", "comment": "Good", "action": "next"},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    after = client.get(saved.headers["location"]).text
    assert shown(after) != first
    assert "Saved. Answer 1 of 3." in after and "2 of 3, 2 left" in after
    with db.reader() as session:
        grade = session.scalars(select(ManualGrade)).one()
    assert (grade.submission_id, grade.score, grade.comment) == (first, 2.5, "Good")
    again = client.get(Q1 + f"?answer={first}").text
    assert 'value="s2s-app" checked' in again and 'value="0.5"' in again


def test_an_answer_another_grader_holds_says_who_and_cannot_be_saved(
    client: TestClient, people_: People, db, settings
):
    students(client, db, settings, 1)
    erin = people.add_user(db, settings.catalog(), "erin", "instructor", "c1").token
    sign_in(client, erin)
    held = shown(client.get(Q1).text)
    client.cookies.clear()
    sign_in(client, people_.tokens["carol"])
    page = client.get(Q1 + f"?answer={held}").text
    assert "<strong>erin</strong> is grading this answer until" in page
    assert 'value="next" id="save-next" disabled' in page
    refused = client.post(
        Q1, data={"csrf": csrf_of(page), "answer": held, "item": "s2s-app", "action": "save"}
    )
    assert refused.status_code == 409 and "erin is grading this answer" in refused.text
    with db.reader() as session:
        assert session.scalars(select(ManualGrade)).first() is None


def test_a_bad_adjustment_comes_back_with_what_was_typed(
    client: TestClient, people_: People, db, settings
):
    students(client, db, settings, 1)
    sign_in(client, people_.tokens["carol"])
    page = client.get(Q1).text
    answer = shown(page)
    form = {"csrf": csrf_of(page), "answer": answer, "item": "s2s-app", "comment": "Kept"}
    refused = client.post(Q1, data={**form, "adjustment": "lots", "action": "save"})
    assert refused.status_code == 422 and "the adjustment must be a number" in refused.text
    assert ">Kept</textarea>" in refused.text and 'value="s2s-app" checked' in refused.text
    unknown = client.post(Q1, data={**form, "item": "made-up", "action": "save"})
    assert unknown.status_code == 422 and "no rubric item made-up" in unknown.text
    nowhere = client.post(Q1, data={**form, "answer": "0" * 32, "action": "save"})
    assert nowhere.status_code == 404
    assert client.post(Q1, data={**form, "csrf": "x"}).status_code == 403
    assert client.get(GRADING + "/q99").status_code == 404
    assert client.get(Q1 + "?answer=nonsense").status_code == 404


def test_an_image_is_shown_only_from_real_png_bytes(
    client: TestClient, people_: People, db, settings
):
    token = people.add_user(db, settings.catalog(), "s00", "student", "c1").token
    picture = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    answer_theory(client, token, {"q6": {"text": "My sketch", "image": picture}})
    sign_in(client, people_.tokens["carol"])
    page = client.get(GRADING + "/q6").text
    assert 'src="data:image/png;base64,' in page and "My sketch" in page


def test_moving_on_by_a_link_gives_up_the_claim_on_the_answer_left(
    client: TestClient, people_: People, db, settings
):
    students(client, db, settings, 2)
    sign_in(client, people_.tokens["carol"])
    page = client.get(Q1).text
    first = shown(page)
    link = re.search(r'href="([^"]+)" id="next-ungraded"', page)
    assert link, "the page links the next ungraded answer"
    assert f"left={first}" in link.group(1)
    client.get(link.group(1).replace("&amp;", "&"))
    queue = client.get("/api/v1/courses/c1/assignments/rnn-theory/questions/q1/answers",
                       headers=people_.auth("carol")).json()  # fmt: skip
    held = {e["submission_id"]: e["claim"] for e in queue["entries"]}
    assert held[first] is None and queue["claimed"] == 1


def test_the_pages_queries_do_not_grow_with_the_answers(
    client: TestClient, people_: People, db, settings
):
    engine = client.app.state.db.engine  # type: ignore[attr-defined]

    def count() -> int:
        seen = []
        listener = lambda *_: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(Q1 + f"?answer={ids['s00']}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    ids = students(client, db, settings, 2)
    sign_in(client, people_.tokens["carol"])
    count()  # the first view makes rubric version 1 and the claim
    few = count()
    for n in range(2, 12):
        token = people.add_user(db, settings.catalog(), f"s{n:02d}", "student", "c1").token
        ids[f"s{n:02d}"] = answer_theory(client, token, {"q1": f"answer {n}"})
    assert count() == few


def test_a_notebook_answer_shows_only_its_own_real_images_and_no_markup(db, people_: People):

    sid, _run = submit(db, "alice")
    text = (
        "See ![cell](attachment:cell.png) and ![fake](attachment:fake.png) "
        "![far](https://example.org/x.png) <img src=x onerror=alert(1)>"
    )
    attachments = {
        "cell.png": Attachment("cell.png", "image/png", png_bytes()),
        "fake.png": Attachment("fake.png", "image/png", b"<svg onload=alert(1)></svg>"),
    }
    with db.session() as session:
        store_answers(session, sid, {"q1": Answer("q1", text, attachments)})
        shown = answer_view(session, sid, "q1")
        missing = answer_view(session, sid, "q2")
    assert shown.html.count('src="data:image/png;base64,') == 1
    assert "example.org" not in shown.html and "<svg" not in shown.html
    assert "onerror" not in shown.html.replace("onerror=alert(1)&gt;", "")
    assert "&lt;img src=x" in shown.html
    assert missing.empty


def test_names_and_name_order_are_kept_across_a_save(
    client: TestClient, people_: People, db, settings
):
    students(client, db, settings)
    sign_in(client, people_.tokens["carol"])
    page = client.get(Q1 + "?names=1&order=name").text
    first = shown(page)
    assert "s00 (Answer" in page and "1 of 3, 3 left" in page
    saved = client.post(
        Q1,
        data={"csrf": csrf_of(page), "answer": first, "item": "s2s-app", "action": "next",
              "names": "1", "order": "name"},
        follow_redirects=False,
    )  # fmt: skip
    location = saved.headers["location"]
    assert "names=1" in location and "order=name" in location
    after = client.get(location).text
    assert "s01 (Answer" in after and "2 of 3, 2 left" in after


def test_a_comment_saved_for_reuse_is_offered_on_the_next_answer_and_inserted(
    client: TestClient, people_: People, db, settings
):
    students(client, db, settings)
    sign_in(client, people_.tokens["carol"])
    page = client.get(Q1).text
    assert 'name="insert_comment"' not in page  # nothing saved yet
    said = "Name one application of each kind, and say what it maps."
    saved = client.post(
        Q1,
        data={"csrf": csrf_of(page), "answer": shown(page), "item": ["s2s-app"],
              "comment": said, "save_comment": "yes", "action": "next"},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    following = client.get(saved.headers["location"]).text
    assert f'<option value="{said}">' in following
    second = shown(following)
    client.post(
        Q1,
        data={"csrf": csrf_of(following), "answer": second, "item": ["s2v-app"],
              "comment": "", "insert_comment": said, "action": "save"},
    )  # fmt: skip
    with db.reader() as session:
        comments = dict(
            session.execute(select(ManualGrade.submission_id, ManualGrade.comment)).tuples().all()
        )
    assert comments[second] == said
    listed = client.get(
        "/api/v1/courses/c1/assignments/rnn-theory/questions/q1/comments",
        headers=people_.auth("carol"),
    ).json()
    assert [c["text"] for c in listed] == [said]  # saved once, used twice


def test_seed_001s_theory_answers_of_the_torch_notebook_are_graded_in_the_pages_too(
    client: TestClient, people_: People, db
):
    """rnn-cells-torch's free-text questions (seed 001's theory 1, 2 and 4), answered in
    the notebook's marked cells, are graded with their rubric like a quiz's."""
    from app.models import CourseAssignment, Submission
    from app.queue.claim import claim_next
    from app.queue.work import record
    from graders import Graded, Result, TestResult

    torch = "/courses/c1/assignments/rnn-cells-torch/grading"
    sid, run_id = submit(db, "alice")
    with db.session() as session:
        row = session.get(Submission, sid)
        assert row is not None
        row.course_assignment_id = session.scalars(
            select(CourseAssignment.id).where(
                CourseAssignment.assignment == "rnn-cells-torch",
                CourseAssignment.course_id == row.course_assignment.course_id,
            )
        ).one()
        store_answers(
            session,
            sid,
            {"theory1": Answer("theory1", "Gradients *shrink* through many tanh steps.")},
        )
    tests = [TestResult("basic_rnn_cell", 4.0, 4.0, "passed", "")] + [
        TestResult.pending(q, 2.0) for q in ("theory1", "theory2")
    ]
    assert claim_next(db, "w1") == run_id
    assert record(db, run_id, "w1", Graded(Result.graded("rnn-cells-torch", tests)))
    sign_in(client, people_.tokens["carol"])
    overview = client.get(torch).text
    for question in ("theory1", "theory2", "theory4"):
        assert f'href="{torch}/{question}"' in overview
    page = client.get(f"{torch}/theory1").text
    assert "Gradients <em>shrink</em> through many tanh steps." in page
    assert 'value="what"' in page  # the rubric's first item, as a toggle
    saved = client.post(
        f"{torch}/theory1",
        data={"csrf": csrf_of(page), "answer": sid, "item": ["what"], "action": "save"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    with db.reader() as session:
        grade = session.scalars(select(ManualGrade)).one()
    assert (grade.question_id, grade.score) == ("theory1", 1.0)
