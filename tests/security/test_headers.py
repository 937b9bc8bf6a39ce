"""Response headers, cookies, CSRF and the ``next`` redirect."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from portal.extensions import db as database
from portal.models import UserSession
from tests import factories
from tests.conftest import CSRF_FIELD, AuthActions, build_app, fresh_code


@pytest.fixture
def ana(db):
    """An enrolled viewer of a member tenant."""
    person = factories.user(factories.member_tenant())
    db.session.commit()
    return person


@pytest.fixture
def make_app(database_url):
    """Return a builder of extra apps on the test's database, with settings changed."""
    built = []

    def make(**settings):
        other = build_app(database_url, **settings)
        built.append(other)
        return other

    yield make
    for other in built:
        with other.app_context():
            database.engine.dispose()


def session_count() -> int:
    database.session.expire_all()
    return database.session.scalar(select(func.count()).select_from(UserSession))


def csp_directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    directives = (part.strip().split(None, 1) for part in policy.split(";") if part.strip())
    return {parts[0]: parts[1] if len(parts) > 1 else "" for parts in directives}


def session_cookie_header(app, response) -> str:
    """Return the Set-Cookie header that carries the session cookie."""
    name = app.config["SESSION_COOKIE_NAME"]
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    return headers[0]


def cookie_attributes(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


@pytest.fixture(params=["/healthz", "/auth/login", "signed-in /"])
def page(request, client, login, ana):
    """A response of each kind: public, a sign-in page, and a signed-in page."""
    if request.param == "signed-in /":
        response = login(ana).get("/")
    else:
        response = client.get(request.param)
    assert response.status_code == 200
    return request.param, response


def test_every_kind_of_page_carries_a_strict_content_security_policy(page):
    _, response = page

    directives = csp_directives(response)
    policy = response.headers["Content-Security-Policy"]
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "'self'" in directives["script-src"]


def test_every_kind_of_page_forbids_sniffing_and_sets_a_referrer_policy(page):
    _, response = page

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }


@pytest.mark.parametrize("path", ["/auth/login", "/auth/2fa"])
def test_sign_in_pages_are_not_cached(client, login, ana, path):
    login.password_step(client, ana.email)

    response = client.get(path)

    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/", "/account", "/account/sessions"])
def test_signed_in_pages_are_not_cached(login, ana, path):
    response = login(ana).get(path)

    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


def test_error_pages_carry_the_headers_too(client):
    missing = client.get("/no-such-page")
    refused = client.post("/auth/login", data={"email": "x@example.org", "password": "x"})

    assert (missing.status_code, refused.status_code) == (404, 400)
    for response in (missing, refused):
        assert csp_directives(response)["frame-ancestors"] == "'none'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_strict_transport_security_without_tls_in_tests(client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


def test_strict_transport_security_is_sent_when_configured(make_app):
    secure = make_app(HSTS=True)

    for path in ("/healthz", "/auth/login"):
        header = secure.test_client().get(path).headers["Strict-Transport-Security"]
        max_age = int(re.search(r"max-age=(\d+)", header).group(1))
        assert max_age >= 365 * 24 * 60 * 60


def test_the_session_cookie_is_http_only_and_same_site_lax(app, client, login, ana):
    response = login.password_step(client, ana.email)

    assert response.status_code == 302
    attributes = cookie_attributes(session_cookie_header(app, response))
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "secure" not in attributes


def test_the_session_cookie_is_secure_when_configured(make_app):
    secure = make_app(SESSION_COOKIE_SECURE=True)
    with secure.app_context():
        person = factories.user(factories.member_tenant())
        database.session.commit()
        email = person.email
    client = secure.test_client()

    response = AuthActions(secure).password_step(client, email)

    assert response.status_code == 302
    attributes = cookie_attributes(session_cookie_header(secure, response))
    assert {"secure", "httponly", "samesite=lax"} <= attributes


def test_a_login_post_without_a_csrf_token_is_refused_and_opens_no_session(client, ana, db):
    client.get("/auth/login")

    response = client.post("/auth/login", data={"email": ana.email, "password": factories.PASSWORD})

    assert response.status_code == 400
    assert session_count() == 0


def test_a_login_post_with_a_forged_csrf_token_is_refused(client, ana, db):
    client.get("/auth/login")

    response = client.post(
        "/auth/login",
        data={"email": ana.email, "password": factories.PASSWORD, "csrf_token": "forged"},
    )

    assert response.status_code == 400
    assert session_count() == 0


def test_a_logout_post_without_a_csrf_token_is_refused(login, ana, db):
    client = login(ana)

    response = client.post("/auth/logout")

    assert response.status_code == 400
    assert client.get("/").status_code == 200
    database.session.expire_all()
    assert database.session.scalars(select(UserSession.revoked_at)).all() == [None]


def sign_in_from(client, login, user, next_target: str | None = None):
    """Open the sign-in page (with ``next``), then complete both factors; return the answer."""
    query = {"next": next_target} if next_target is not None else {}
    page = client.get("/auth/login", query_string=query)
    token = CSRF_FIELD.search(page.get_data(as_text=True)).group(1)
    password = client.post(
        "/auth/login",
        data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert password.headers["Location"] == "/auth/2fa"
    return login.code_step(client, fresh_code(user.id, user.email))


def lands_on_the_dashboard(location: str) -> bool:
    parts = urlsplit(location)
    return parts.path == "/" and parts.netloc in ("", "localhost") and not parts.query


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/x",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "http:/evil.example",
    ],
)
def test_a_hostile_next_is_ignored_after_sign_in(client, login, ana, target):
    response = sign_in_from(client, login, ana, target)

    assert response.status_code == 302
    location = response.headers["Location"]
    assert lands_on_the_dashboard(location), location
    assert "evil" not in location


def test_a_next_path_on_this_site_is_honoured(client, login, ana):
    response = sign_in_from(client, login, ana, "/account")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200


def test_the_page_asked_for_while_signed_out_is_reached_after_sign_in(client, login, ana):
    login_url = urlsplit(client.get("/account/sessions").headers["Location"])
    assert login_url.path == "/auth/login"

    response = sign_in_from(client, login, ana, parse_qs(login_url.query)["next"][0])

    assert response.headers["Location"] == "/account/sessions"
