"""Browser sign-in: sessions as server-side rows, their cookie, CSRF on every form, sign-in
links spent once, HTML error pages outside the API, the pages' security headers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import now, use_clock
from app.models import User, WebSession
from app.services import people, web_sessions
from app.services.web_sessions import digest

CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client, token: str, next_: str = "/"):
    page = client.get("/signin")
    return client.post(
        "/signin",
        data={"csrf": csrf_of(page.text), "token": token, "next": next_},
        follow_redirects=False,
    )


def test_the_home_page_is_the_sign_in_page_before_signing_in(client):
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'name="token"' in page.text
    assert "mw_presession" in page.cookies


def test_a_token_signs_in_with_a_session_cookie_and_only_its_digest_is_stored(client, people_, db):
    answer = sign_in(client, people_.tokens["alice"])
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    assert "mw_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP, no trusted proxy
    secret = client.cookies["mw_session"]
    with db.reader() as session:
        stored = session.scalars(select(WebSession.digest)).all()
    assert stored == [digest(secret)]
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/courses/c1"


def test_an_unknown_token_is_refused_on_the_sign_in_page(client):
    answer = sign_in(client, "mw_nope")
    assert answer.status_code == 401
    assert "unknown or revoked" in answer.text
    assert "mw_session" not in client.cookies


def test_the_cookie_is_secure_over_https_and_behind_a_trusted_proxy_only(client, people_, settings):
    forwarded = {"X-Forwarded-Proto": "https"}
    page = client.get("/signin")
    data = {"csrf": csrf_of(page.text), "token": people_.tokens["alice"], "next": "/"}
    untrusted = client.post("/signin", data=data, headers=forwarded, follow_redirects=False)
    assert "Secure" not in untrusted.headers["set-cookie"]
    settings.trust_proxy = True
    trusted = client.post("/signin", data=data, headers=forwarded, follow_redirects=False)
    assert "Secure" in trusted.headers["set-cookie"]
    settings.trust_proxy = False
    direct = client.post("https://testserver/signin", data=data, follow_redirects=False)
    assert "Secure" in direct.headers["set-cookie"]


def test_a_sign_in_without_the_csrf_token_is_a_403_page(client, people_):
    client.get("/signin")
    answer = client.post("/signin", data={"token": people_.tokens["alice"]})
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "mw_session" not in client.cookies


def test_a_post_with_another_browsers_csrf_token_is_refused(client, people_, settings, queue):
    from fastapi.testclient import TestClient

    from app.main import create_app

    sign_in(client, people_.tokens["alice"])
    with TestClient(create_app(settings, queue=queue)) as other:
        sign_in(other, people_.tokens["bob"])
        theirs = csrf_of(other.get("/courses/c1").text)
    answer = client.post("/signout", data={"csrf": theirs})
    assert answer.status_code == 403
    assert client.get("/courses/c1").status_code == 200  # still signed in


def test_next_after_signing_in_is_only_ever_a_local_path(client, people_):
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "evil"):
        client.cookies.clear()
        answer = sign_in(client, people_.tokens["alice"], evil)
        assert answer.headers["location"] == "/", evil
    client.cookies.clear()
    answer = sign_in(client, people_.tokens["alice"], "/courses/c1?x=1")
    assert answer.headers["location"] == "/courses/c1?x=1"


def test_a_page_needing_a_session_redirects_to_sign_in_and_back(client):
    answer = client.get("/courses/c1/assignments/rnn-numpy?tab=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin?next=/courses/c1/assignments/rnn-numpy%3Ftab%3D1"


def test_sign_out_deletes_the_session_row(client, people_, db):
    sign_in(client, people_.tokens["alice"])
    secret = client.cookies["mw_session"]
    page = client.get("/courses/c1")
    answer = client.post("/signout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert answer.status_code == 303
    with db.reader() as session:
        assert session.scalar(select(func.count()).select_from(WebSession)) == 0
    client.cookies.set("mw_session", secret)  # a copy of the cookie kept elsewhere
    assert client.get("/courses/c1", follow_redirects=False).status_code == 303


def test_revoking_a_user_ends_their_sessions_those_from_a_link_too(client, people_, db):
    sign_in(client, people_.tokens["alice"])
    assert client.get("/courses/c1").status_code == 200
    with db.session() as session:
        alice = session.scalar(select(User).where(User.name == "alice"))
        link = web_sessions.issue_signin_link_in(session, alice)
    secret = web_sessions.use_link(db, link, 1)
    assert secret is not None and web_sessions.lookup(db, secret, 1) is not None
    people.revoke(db, "alice")
    assert client.get("/courses/c1", follow_redirects=False).status_code == 303
    assert web_sessions.lookup(db, secret, 1) is None


def test_revoking_the_token_signed_in_with_ends_that_session_only(client, people_, db, settings):
    second = people.add_user(db, settings.catalog(), "alice", "student", "c1").token
    sign_in(client, people_.tokens["alice"])
    other = web_sessions.sign_in_with_token(db, second, 1)
    assert other is not None
    logout = client.delete("/api/v1/tokens/current", headers=people_.auth("alice"))
    assert logout.status_code == 204
    assert client.get("/courses/c1", follow_redirects=False).status_code == 303
    assert web_sessions.lookup(db, other, 1) is not None


def test_a_session_expires_and_idles_out(client, people_, settings):
    sign_in(client, people_.tokens["alice"])
    start = now()
    with use_clock(lambda: start + timedelta(hours=settings.session_idle_hours, minutes=1)):
        assert client.get("/courses/c1", follow_redirects=False).status_code == 303
    for hour in range(1, int(settings.session_hours) + 2):
        # seen every hour: never idle, but past its lifetime it ends all the same
        with use_clock(lambda h=hour: start + timedelta(hours=h)):
            code = client.get("/courses/c1", follow_redirects=False).status_code
        assert code == (200 if hour < settings.session_hours else 303), hour


def test_a_sign_in_link_asks_first_and_then_works_once(client, people_, db):
    with db.reader() as session:
        alice = session.scalar(select(User).where(User.name == "alice"))
    secret = web_sessions.issue_signin_link(db, alice)
    page = client.get(f"/signin/link/{secret}")
    assert page.status_code == 200 and "alice" in page.text
    assert client.get(f"/signin/link/{secret}").status_code == 200  # a scanner's visit
    used = client.post(
        f"/signin/link/{secret}", data={"csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert used.status_code == 303 and "mw_session" in client.cookies
    again = client.post(f"/signin/link/{secret}", data={"csrf": csrf_of(page.text)})
    assert again.status_code == 404
    assert client.get(f"/signin/link/{secret}").status_code == 404


def test_an_expired_sign_in_link_is_refused(client, people_, db):
    with db.session() as session:
        alice = session.scalar(select(User).where(User.name == "alice"))
        secret = web_sessions.issue_signin_link_in(session, alice, hours=1)
    later = now() + timedelta(hours=2)
    with use_clock(lambda: later):
        assert client.get(f"/signin/link/{secret}").status_code == 404


@pytest.mark.parametrize("path", ["/nowhere", "/courses/c1/x/y/z", "/submissions/" + "0" * 32])
def test_pages_outside_the_api_answer_html_not_found_pages(client, people_, path):
    sign_in(client, people_.tokens["alice"])
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "Page not found" in answer.text


def test_the_api_keeps_its_problem_documents(client):
    answer = client.get("/api/v1/nowhere")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/submissions").status_code == 401


def test_a_body_over_the_limit_on_a_page_is_a_413_page(client, settings):
    answer = client.post(
        "/signin",
        content=b"x",
        headers={"Content-Length": str(settings.notebook_bytes * 2)},
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")


def test_pages_carry_a_strict_content_security_policy(client):
    answer = client.get("/")
    policy = answer.headers["content-security-policy"]
    for part in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert part in policy
    assert answer.headers["referrer-policy"] == "same-origin"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in answer.text and " style=" not in answer.text
    assert client.get("/static/markwell.css").status_code == 200


def test_an_unexpected_failure_on_a_page_is_a_500_page_without_its_details(settings, queue):
    from fastapi.testclient import TestClient

    from app.main import create_app

    app = create_app(settings, queue=queue)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        answer = test_client.get("/boom")
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("text/html")
    assert "secret" not in answer.text and "Something went wrong" in answer.text
    assert "default-src 'self'" in answer.headers["content-security-policy"]
