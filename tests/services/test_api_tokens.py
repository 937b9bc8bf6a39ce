"""API tokens: shown once, stored as digests, expiring, revocable, listed with last use."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.models import ApiToken, UserSession
from portal.models.base import utc_now
from tests import factories
from tests.conftest import csrf_token


@pytest.fixture
def ana(db):
    person = factories.user(factories.member_tenant(), roles=("editor",))
    db.session.commit()
    return person


def cli_token(runner, email, *extra):
    result = runner.invoke(args=["tokens", "create", email, "--name", "reporting", *extra])
    assert result.exit_code == 0, result.output
    return re.search(r"^(iisg_\S+)$", result.output, re.MULTILINE).group(1)


def call_api(client, secret):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})


def test_a_token_identifies_its_user_and_is_stored_only_as_a_digest(runner, client, ana, db):
    secret = cli_token(runner, ana.email)

    response = call_api(client, secret)

    assert response.status_code == 200
    assert response.get_json() == {
        "id": ana.id,
        "email": ana.email,
        "name": ana.name,
        "tenant": "EC-NEAR",
        "roles": ["editor"],
    }
    stored = db.session.scalar(select(ApiToken))
    assert secret not in (stored.token_hash, stored.prefix)
    assert secret.startswith(stored.prefix)


def test_use_is_recorded_and_listed(runner, login, ana, db):
    secret = cli_token(runner, ana.email)
    call_api(login.app.test_client(), secret)

    page = login(ana).get("/account/tokens").get_data(as_text=True)

    db.session.expire_all()
    assert db.session.scalar(select(ApiToken.last_used_at)) is not None
    assert "reporting" in page and "never" not in page


@pytest.mark.parametrize("change", ["revoked", "expired", "user_disabled"])
def test_revoked_expired_or_orphaned_tokens_are_refused(runner, client, ana, db, change):
    secret = cli_token(runner, ana.email)
    if change == "revoked":
        db.session.execute(update(ApiToken).values(revoked_at=utc_now()))
    elif change == "expired":
        db.session.execute(update(ApiToken).values(expires_at=utc_now() - timedelta(seconds=1)))
    else:
        ana.active = False
    db.session.commit()

    response = call_api(client, secret)

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorised"


def test_a_token_does_not_open_pages_and_a_cookie_does_not_open_the_api(runner, login, ana):
    secret = cli_token(runner, ana.email)
    signed_in = login(ana)

    page = login.app.test_client().get("/", headers={"Authorization": f"Bearer {secret}"})
    api = signed_in.get("/api/v1/me")

    assert page.status_code == 302
    assert api.status_code == 401


def test_creating_a_token_in_the_browser_needs_a_recent_sign_in(login, ana, db):
    client = login(ana)
    db.session.execute(
        update(UserSession).values(reauthenticated_at=utc_now() - timedelta(minutes=11))
    )
    db.session.commit()

    response = client.post(
        "/account/tokens",
        data={"name": "nightly", "days": "30", "csrf_token": csrf_token(client, "/account/tokens")},
    )

    assert response.headers["Location"].startswith("/account/confirm")
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_a_token_created_in_the_browser_is_shown_once(login, ana):
    client = login(ana)

    created = client.post(
        "/account/tokens",
        data={
            "name": "nightly",
            "days": "30",
            "scope": "read",
            "csrf_token": csrf_token(client, "/account/tokens"),
        },
    )
    secret = re.search(r'id="new-token"[^>]*>(iisg_[^<]+)<', created.get_data(as_text=True))
    later = client.get("/account/tokens").get_data(as_text=True)

    assert secret is not None
    assert secret.group(1) not in later
    assert call_api(login.app.test_client(), secret.group(1)).status_code == 200


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"name": "", "days": "30", "scope": "read"}, "name"),
        ({"name": "x", "days": "0", "scope": "read"}, "days"),
        ({"name": "x", "days": "400", "scope": "read"}, "days"),
        ({"name": "x", "days": "soon", "scope": "read"}, "days"),
        ({"name": "x", "days": "30", "scope": "admin"}, "scope"),
        ({"name": "x", "days": "30"}, "scope"),
    ],
)
def test_bad_token_input_names_the_field_and_creates_nothing(login, ana, db, form, field):
    client = login(ana)

    response = client.post(
        "/account/tokens", data={**form, "csrf_token": csrf_token(client, "/account/tokens")}
    )

    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_a_bad_validity_at_the_command_line_exits_1_naming_it(runner, ana, db):
    result = runner.invoke(args=["tokens", "create", ana.email, "--name", "x", "--days", "0"])

    assert result.exit_code == 1
    assert "days: A token is valid for 1 to 365 days." in result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_revoking_a_token_stops_it_at_once(runner, login, ana):
    secret = cli_token(runner, ana.email)
    client = login(ana)
    page = client.get("/account/tokens").get_data(as_text=True)
    token_id = re.search(r"/account/tokens/(\d+)/revoke", page).group(1)

    client.post(
        f"/account/tokens/{token_id}/revoke",
        data={"csrf_token": csrf_token(client, "/account/tokens"), "confirm": "yes"},
    )

    assert call_api(login.app.test_client(), secret).status_code == 401


def scope_of_the_token(db):
    db.session.expire_all()
    return db.session.scalar(select(ApiToken.scope))


def test_a_token_from_the_command_line_may_write_unless_told_otherwise(runner, ana, db):
    cli_token(runner, ana.email)

    assert scope_of_the_token(db) == "write"


def test_the_command_line_makes_a_read_token_when_asked(runner, ana, db):
    result = runner.invoke(
        args=["tokens", "create", ana.email, "--name", "reporting", "--scope", "read"]
    )

    assert result.exit_code == 0, result.output
    assert "scope read" in result.output
    assert scope_of_the_token(db) == "read"


def test_a_bad_scope_at_the_command_line_exits_1_naming_it(runner, ana, db):
    result = runner.invoke(args=["tokens", "create", ana.email, "--name", "x", "--scope", "admin"])

    assert result.exit_code == 1
    assert "scope: A token's scope is read (it may only read) or write" in result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_the_form_offers_the_scopes_with_read_chosen(login, ana):
    page = login(ana).get("/account/tokens").get_data(as_text=True)

    offered = dict(re.findall(r'<input[^>]*id="scope-(\w+)"[^>]*value="\w+"( checked)?', page))
    assert offered == {"read": " checked", "write": ""}


@pytest.mark.parametrize("scope", ["read", "write"])
def test_a_token_is_made_with_the_scope_chosen_and_listed_with_it(login, ana, db, scope):
    client = login(ana)

    client.post(
        "/account/tokens",
        data={
            "name": "nightly",
            "days": "30",
            "scope": scope,
            "csrf_token": csrf_token(client, "/account/tokens"),
        },
    )
    page = client.get("/account/tokens").get_data(as_text=True)

    assert scope_of_the_token(db) == scope
    listed = re.findall(r'<td class="token-scope">([^<]+)</td>', page)
    assert listed == ["read and write" if scope == "write" else "only read"]


def test_a_refused_form_keeps_the_scope_chosen(login, ana):
    client = login(ana)

    refused = client.post(
        "/account/tokens",
        data={
            "name": "",
            "days": "30",
            "scope": "write",
            "csrf_token": csrf_token(client, "/account/tokens"),
        },
    ).get_data(as_text=True)

    assert re.search(r'id="scope-write"[^>]*checked', refused)
    assert not re.search(r'id="scope-read"[^>]*checked', refused)
