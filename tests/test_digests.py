"""Daily digests: what waits for each person, mailed once a day, and switched on the account."""

from __future__ import annotations

import email
import email.policy
import socket
from datetime import date, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal import jobs
from portal.extensions import db
from portal.models import Invitation, User
from portal.models.base import utc_now
from portal.services import digests
from tests import factories
from tests.conftest import csrf_token


class Mailbox:
    """What a local SMTP server received: (recipients, message) pairs."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message.get_content()))
        return "250 Message accepted"

    def to(self, address: str) -> list[str]:
        return [text for recipients, text in self.messages if address in recipients]


@pytest.fixture
def mailbox():
    box = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Controller(box, hostname="127.0.0.1", port=port)
    server.start()
    box.url = f"smtp://127.0.0.1:{port}"
    yield box
    server.stop()


def _world():
    """People of each role with something waiting for some of them."""
    cycle = factories.cycle()
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    albania = factories.partner_tenant()
    member = factories.member_tenant()
    people = {
        "secretariat editor": factories.user(
            secretariat, email="sec@iisg.example", roles=("editor",)
        ),
        "partner editor": factories.user(albania, email="ed@al.example", roles=("editor",)),
        "partner viewer": factories.user(albania, email="view@al.example", roles=("viewer",)),
        "partner admin": factories.user(albania, email="adm@al.example", roles=("tenant_admin",)),
        "member editor": factories.user(member, email="ed@ec.example", roles=("editor",)),
        "opted out": factories.user(secretariat, email="quiet@iisg.example", roles=("editor",)),
    }
    people["opted out"].digests = False
    submitted = factories.need(cycle, albania, title="Border cameras", status="submitted")
    returned = factories.need(cycle, albania, title="Forensics lab", status="returned")
    validated = factories.need(cycle, albania, title="Cyber unit", status="validated")
    response = factories.response(member, record_status="published", visibility="members")
    db.session.add_all([submitted, returned, validated, response])
    db.session.flush()
    db.session.add(factories.support_link(response, validated, status="proposed"))
    newcomer = factories.user(albania, email="new@al.example", roles=("viewer",), enrolled=False)
    db.session.flush()
    db.session.add(
        Invitation(
            user_id=newcomer.id,
            token_hash="0" * 64,
            expires_at=utc_now() + timedelta(hours=20),
        )
    )
    db.session.commit()
    return people


def test_each_person_is_mailed_what_waits_for_them_once_a_day(make_app, mailbox):
    app = make_app(SMTP_URL=mailbox.url)
    with app.app_context():
        _world()

        sent = jobs.submit("send_digests").get()
        again = jobs.submit("send_digests").get()

    assert (sent, again) == (3, 0)
    (secretariat,) = mailbox.to("sec@iisg.example")
    assert "Needs submitted, waiting for your validation (1):" in secretariat
    assert "Border cameras" in secretariat and "Forensics lab" not in secretariat
    (partner,) = mailbox.to("ed@al.example")
    assert "Needs returned to you by the Secretariat (1):" in partner
    assert "Forensics lab" in partner
    assert "Support links to your needs, waiting for your confirmation (1):" in partner
    assert "Border cameras" not in partner
    (admin,) = mailbox.to("adm@al.example")
    assert "Invitations to your organisation that expire within two days (1):" in admin
    assert "new@al.example" in admin
    # Nothing waits for a viewer or a member editor today; who switched it off gets none.
    for quiet in ("view@al.example", "ed@ec.example", "quiet@iisg.example"):
        assert mailbox.to(quiet) == []


def test_without_smtp_the_digest_is_logged(make_app, capsys):
    app = make_app(SMTP_URL=None)
    with app.app_context():
        _world()
        sent = jobs.submit("send_digests").get()

    logged = capsys.readouterr().err
    assert sent == 3
    assert '"event": "digest"' in logged and "sec@iisg.example" in logged


def test_member_editors_are_reminded_of_stale_responses_before_the_response_round(
    make_app, mailbox
):
    today = utc_now().date()
    round_on = today + timedelta(days=14)
    app = make_app(SMTP_URL=mailbox.url, RESPONSE_ROUND_ON=(round_on.month, round_on.day))
    with app.app_context():
        _world()
        member = db.session.scalar(select(User).where(User.email == "ed@ec.example")).tenant
        old = factories.response(member, title="Old programme")
        old.updated_at = utc_now() - timedelta(days=400)
        db.session.add(old)
        db.session.commit()
        db.session.execute(
            type(old)
            .__table__.update()
            .where(type(old).__table__.c.id == old.id)
            .values(updated_at=utc_now() - timedelta(days=400))
        )
        db.session.commit()

        jobs.submit("send_digests").get()

    (reminder,) = mailbox.to("ed@ec.example")
    assert f"before the response mapping round of {round_on.isoformat()} (1):" in reminder
    assert "Old programme" in reminder


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2027, 2, 15), date(2027, 3, 1)),
        (date(2027, 2, 14), None),
        (date(2027, 3, 1), None),
        (date(2026, 12, 31), None),
    ],
)
def test_the_response_round_reminder_falls_the_configured_days_before(today, expected):
    config = {"RESPONSE_ROUND_ON": (3, 1), "RESPONSE_ROUND_REMINDER_DAYS": 14}

    assert digests.response_round_reminder(today, config) == expected


def test_a_round_on_29_february_is_reminded_of_in_other_years_too():
    config = {"RESPONSE_ROUND_ON": (2, 29), "RESPONSE_ROUND_REMINDER_DAYS": 14}

    assert digests.response_round_reminder(date(2027, 2, 14), config) == date(2027, 2, 28)
    assert digests.response_round_reminder(date(2028, 2, 15), config) == date(2028, 2, 29)


def test_a_user_switches_the_digest_off_and_on_on_the_account_page(app, db, login, make_app):
    person = factories.user(factories.partner_tenant(), email="ed@al.example", roles=("editor",))
    db.session.commit()
    client = login(person)

    page = client.get("/account").get_data(as_text=True)
    off = client.post(
        "/account/digests",
        data={"digests": "off", "csrf_token": csrf_token(client, "/account")},
        follow_redirects=True,
    )
    after_off = db.session.scalar(select(User.digests).where(User.id == person.id))
    on = client.post(
        "/account/digests",
        data={"digests": "on", "csrf_token": csrf_token(client, "/account")},
        follow_redirects=True,
    )
    after_on = db.session.scalar(select(User.digests).where(User.id == person.id))

    assert "Switch the daily digest off" in page
    assert "The daily digest is off." in off.get_data(as_text=True)
    assert (after_off, after_on) == (False, True)
    assert "The daily digest is on." in on.get_data(as_text=True)


@pytest.mark.parametrize("value", ["", "maybe", None])
def test_a_bad_digest_choice_is_refused_naming_the_field_and_changes_nothing(app, db, login, value):
    person = factories.user(factories.partner_tenant(), email="ed@al.example", roles=("editor",))
    db.session.commit()
    client = login(person)
    data = {"csrf_token": csrf_token(client, "/account")}
    if value is not None:
        data["digests"] = value

    answer = client.post("/account/digests", data=data)

    assert answer.status_code == 422
    assert 'id="digests-error"' in answer.get_data(as_text=True)
    assert db.session.scalar(select(User.digests).where(User.id == person.id)) is True


def test_only_people_who_can_sign_in_get_a_digest(make_app, mailbox):
    app = make_app(SMTP_URL=mailbox.url)
    with app.app_context():
        people = _world()
        secretariat = people["secretariat editor"].tenant
        invited = factories.user(secretariat, email="invited@iisg.example", roles=("editor",))
        invited.password_hash = None
        disabled = factories.user(secretariat, email="gone@iisg.example", roles=("editor",))
        disabled.active = False
        people["partner editor"].tenant.active = False
        db.session.commit()

        jobs.submit("send_digests").get()

    assert mailbox.to("sec@iisg.example")
    for nobody in ("invited@iisg.example", "gone@iisg.example", "ed@al.example"):
        assert mailbox.to(nobody) == [], nobody


def test_an_address_the_server_refuses_does_not_keep_the_others_digests(
    make_app, mailbox, capsys, monkeypatch
):
    from portal import mail

    real_send = mail.send

    def refusing(recipient, subject, body):
        if recipient == "sec@iisg.example":
            raise ConnectionRefusedError("no route to the mailbox")
        return real_send(recipient, subject, body)

    monkeypatch.setattr(mail, "send", refusing)
    app = make_app(SMTP_URL=mailbox.url)
    with app.app_context():
        _world()
        sent = jobs.submit("send_digests").get()

    assert sent == 2
    assert mailbox.to("ed@al.example") and mailbox.to("adm@al.example")
    assert '"event": "digest_not_sent"' in capsys.readouterr().err


def test_two_runs_at_once_mail_nobody_twice(make_app, mailbox):
    # Two workers' schedules: each asks for every person, the first claim wins.
    app = make_app(SMTP_URL=mailbox.url)
    with app.app_context():
        _world()
        today = utc_now().date()
        store = jobs.queue()
        claimed = []

        def claim(user_id):
            first = store.put_if_empty(f"digest:{today.isoformat()}:{user_id}", "1")
            claimed.append(first)
            return first

        first = digests.send_all(today, claim)
        second = digests.send_all(today, claim)

    assert (first, second) == (3, 0)
    assert len(mailbox.messages) == 3
