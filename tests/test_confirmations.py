"""Every destructive action of the pages asks first, and acts only once confirmed.

Withdrawing a need or a support link, disputing a link, deactivating an organisation,
disabling a user, resetting their authenticator or ending their sessions, removing a
webhook, ending one's own session, revoking an API token and replacing one's recovery
codes: the button's form, posted as the page sends it, answers with a page that names
the record and says what will happen, and changes nothing; the form on that page, sent
as it is, acts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.models import (
    ApiToken,
    Need,
    RecoveryCode,
    SupportLink,
    Tenant,
    User,
    UserSession,
    Webhook,
)
from portal.services import api_tokens
from tests import factories
from tests.conftest import csrf_token
from tests.worlds import mapping_world

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
DISPUTE_REASON = "The programme trains judges, not border guards."
KEPT_CODE = "a recovery code the user wrote down"


@dataclass
class Destructive:
    """One destructive action, ready to be pressed: by whom, on which page, what it changes."""

    client: object
    page: str
    path: str
    # What the confirmation page must say: the record it acts on, and what will happen.
    named: list[str]
    # Read afresh from the database: the value before acting, and ``after`` once acted.
    state: Callable[[], object]
    after: object
    # What the person types into the button's form before pressing it.
    typed: dict | None = None


def fresh(db, model, key):
    db.session.expire_all()
    return db.session.get(model, key)


def live_sessions(db, user_id) -> int:
    db.session.expire_all()
    rows = db.session.scalars(
        select(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    )
    return len(rows.all())


@pytest.fixture
def scene(db, login, acting_as):
    """The mapping world, with a confirmed link, Albania's webhook and its tenant admin."""
    world = mapping_world(db)
    link = factories.support_link(
        world.responses.published, world.needs.albania_validated, status="confirmed"
    )
    hook = Webhook(
        tenant_id=world.tenants.albania.id,
        url="https://al.example/receiver",
        events=["*"],
        secret_encrypted=b"0",
    )
    albania_admin = factories.user(
        world.tenants.albania, email="admin@al.example", roles=("tenant_admin",)
    )
    db.session.add_all([link, hook])
    db.session.commit()
    return SimpleNamespace(
        world=world,
        link=link,
        hook=hook,
        albania_admin=albania_admin,
        db=db,
        login=login,
        acting_as=acting_as,
    )


def withdraw_need(scene) -> Destructive:
    db, need = scene.db, scene.world.needs.albania_submitted
    return Destructive(
        client=scene.login(scene.world.people.albania_editor),
        page=f"/needs/{need.id}",
        path=f"/needs/{need.id}/withdraw",
        named=[f"Withdraw need {need.code}?", "removes it from the analysis", "cannot be undone"],
        state=lambda: fresh(db, Need, need.id).status,
        after="withdrawn",
    )


def withdraw_link(scene) -> Destructive:
    db, link = scene.db, scene.link
    need = scene.world.needs.albania_validated
    return Destructive(
        client=scene.login(scene.world.people.commission_editor),
        page=f"/responses/{scene.world.responses.published.id}",
        path=f"/responses/links/{link.id}/withdraw",
        named=[need.code, "Commission border programme", "cannot be undone"],
        state=lambda: fresh(db, SupportLink, link.id) is not None,
        after=False,
    )


def dispute_link(scene) -> Destructive:
    db, link = scene.db, scene.link
    need = scene.world.needs.albania_validated
    return Destructive(
        client=scene.login(scene.world.people.albania_editor),
        page=f"/needs/{need.id}",
        path=f"/responses/links/{link.id}/dispute",
        named=[need.code, "Commission border programme", DISPUTE_REASON, "does not count"],
        state=lambda: fresh(db, SupportLink, link.id).status,
        after="disputed",
        typed={"reason": DISPUTE_REASON},
    )


def deactivate_organisation(scene) -> Destructive:
    db, albania = scene.db, scene.world.tenants.albania
    return Destructive(
        client=scene.login(scene.world.people.secretariat_admin),
        page=f"/admin/tenants/{albania.id}",
        path=f"/admin/tenants/{albania.id}/active",
        named=["Deactivate AL-MOI?", "signs out its users", "until an administrator activates"],
        state=lambda: fresh(db, Tenant, albania.id).active,
        after=False,
    )


def disable_user(scene) -> Destructive:
    db, person = scene.db, scene.world.people.serbia_editor
    return Destructive(
        client=scene.login(scene.world.people.secretariat_admin),
        page=f"/admin/users/{person.id}",
        path=f"/admin/users/{person.id}/active",
        named=["ed@rs.example", "cannot sign in", "until they are enabled again"],
        state=lambda: fresh(db, User, person.id).active,
        after=False,
    )


def reset_authenticator(scene) -> Destructive:
    db, person = scene.db, scene.world.people.serbia_editor
    return Destructive(
        client=scene.login(scene.world.people.secretariat_admin),
        page=f"/admin/users/{person.id}",
        path=f"/admin/users/{person.id}/reset-2fa",
        named=["ed@rs.example", "recovery codes at once", "set up a new authenticator"],
        state=lambda: fresh(db, User, person.id).totp_enrolled_at is not None,
        after=False,
    )


def end_sessions_of_user(scene) -> Destructive:
    db, person = scene.db, scene.world.people.serbia_editor
    scene.login(person)
    return Destructive(
        client=scene.login(scene.world.people.secretariat_admin),
        page=f"/admin/users/{person.id}",
        path=f"/admin/users/{person.id}/end-sessions",
        named=["ed@rs.example", "signed out of every browser"],
        state=lambda: live_sessions(db, person.id),
        after=0,
    )


def remove_webhook(scene) -> Destructive:
    db, hook = scene.db, scene.hook
    return Destructive(
        client=scene.login(scene.albania_admin),
        page="/admin/webhooks",
        path=f"/admin/webhooks/{hook.id}/delete",
        named=["https://al.example/receiver", "deletes its delivery log", "cannot be undone"],
        state=lambda: fresh(db, Webhook, hook.id) is not None,
        after=False,
    )


def end_own_session(scene) -> Destructive:
    db, person = scene.db, scene.world.people.albania_viewer
    scene.login(person)
    other = db.session.scalar(select(UserSession.id).where(UserSession.user_id == person.id))
    return Destructive(
        client=scene.login(person),
        page="/account/sessions",
        path=f"/account/sessions/{other}/end",
        named=["End this session?", "signed out at once"],
        state=lambda: fresh(db, UserSession, other).revoked_at is None,
        after=False,
    )


def revoke_token(scene) -> Destructive:
    db, person = scene.db, scene.world.people.albania_viewer
    scene.acting_as(None)
    token, _secret = api_tokens.create(
        person, {"name": "reporting script", "days": 30, "scope": "read"}
    )
    return Destructive(
        client=scene.login(person),
        page="/account/tokens",
        path=f"/account/tokens/{token.id}/revoke",
        named=["reporting script", token.prefix, "never works again"],
        state=lambda: fresh(db, ApiToken, token.id).revoked_at is None,
        after=False,
    )


def replace_recovery_codes(scene) -> Destructive:
    db, person = scene.db, scene.world.people.albania_viewer
    db.session.add(RecoveryCode(user_id=person.id, code_hash=KEPT_CODE))
    db.session.commit()

    def kept():
        db.session.expire_all()
        return db.session.scalar(select(RecoveryCode.id).where(RecoveryCode.code_hash == KEPT_CODE))

    return Destructive(
        client=scene.login(person),
        page="/account",
        path="/account/recovery-codes",
        named=["Make new recovery codes?", "current recovery codes stop working"],
        state=lambda: kept() is not None,
        after=False,
    )


ACTIONS = {
    arrange.__name__.replace("_", "-"): arrange
    for arrange in (
        withdraw_need,
        withdraw_link,
        dispute_link,
        deactivate_organisation,
        disable_user,
        reset_authenticator,
        end_sessions_of_user,
        remove_webhook,
        end_own_session,
        revoke_token,
        replace_recovery_codes,
    )
}


def form_on(page: str, path: str) -> str:
    """Return the HTML of the form on ``page`` that posts to ``path``."""
    start = page.index(f'action="{path}"')
    return page[start : page.index("</form>", start)]


def sent_by(form: str) -> dict[str, str]:
    """Return what a form sends without typing: its hidden fields."""
    return {name: html.unescape(value) for name, value in HIDDEN.findall(form)}


def press(action: Destructive):
    """Open the action's page and press its button: post its form as the page holds it."""
    page = action.client.get(action.page).get_data(as_text=True)
    fields = sent_by(form_on(page, action.path))
    return action.client.post(action.path, data={**fields, **(action.typed or {})})


@pytest.mark.parametrize("name", ACTIONS)
def test_an_unconfirmed_destructive_action_changes_nothing_and_says_what_it_would_do(scene, name):
    action = ACTIONS[name](scene)
    before = action.state()

    answer = press(action)

    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    said = html.unescape(re.sub(r"\s+", " ", page))
    for words in action.named:
        assert words in said
    confirmation = form_on(page, action.path)
    assert sent_by(confirmation)["confirm"] == "yes"
    assert sent_by(confirmation)["csrf_token"]
    assert action.state() == before != action.after


@pytest.mark.parametrize("name", ACTIONS)
def test_the_confirmation_pages_form_does_the_action(scene, name):
    action = ACTIONS[name](scene)
    asked = press(action).get_data(as_text=True)

    done = action.client.post(action.path, data=sent_by(form_on(asked, action.path)))

    assert done.status_code in (200, 302), done.get_data(as_text=True)
    assert action.state() == action.after


def test_cancelling_goes_back_to_the_record_and_keeps_it(scene):
    action = withdraw_need(scene)

    page = press(action).get_data(as_text=True)

    assert f'<a class="btn btn-outline-secondary" href="{action.page}">Cancel' in page
    assert action.state() == "submitted"


def test_activating_again_is_not_asked_about(scene, db):
    albania = scene.world.tenants.albania
    albania.active = False
    db.session.commit()
    client = scene.login(scene.world.people.secretariat_admin)
    page = f"/admin/tenants/{albania.id}"

    answer = client.post(
        f"{page}/active", data={"active": "1", "csrf_token": csrf_token(client, page)}
    )

    assert answer.status_code == 302
    assert fresh(db, Tenant, albania.id).active is True


@pytest.mark.parametrize("confirm", ["", "no", "YES", "yes please", "\x00"])
def test_only_the_confirmation_pages_own_answer_confirms(scene, confirm):
    action = withdraw_need(scene)
    page = action.client.get(action.page).get_data(as_text=True)
    fields = sent_by(form_on(page, action.path))

    answer = action.client.post(action.path, data={**fields, "confirm": confirm})

    assert answer.status_code == 200
    assert action.state() == "submitted"
