"""Webhooks: events from the trail, only to who may read them, signed, retried, switched off."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import identity, jobs, webhook_sending
from portal.exceptions import ValidationFailed
from portal.extensions import db
from portal.models import Need, Webhook, WebhookDelivery
from portal.models.base import utc_now
from portal.schemas import parse
from portal.schemas.webhooks import WebhookSchema
from portal.services import webhooks
from tests import factories
from tests.conftest import csrf_token


class Receiver:
    """A local HTTP server standing in for an organisation's system."""

    def __init__(self):
        self.received = []
        self.status = 200
        self.delay = 0.0
        self.trickle = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.path, dict(self.headers), body))
                time.sleep(receiver.delay)
                if receiver.trickle:
                    # A status line a byte at a time: each read is quick, the whole is not.
                    for byte in b"HTTP/1.1 200 OK\r\n":
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(0.2)
                    return
                self.send_response(receiver.status)
                if receiver.status in (301, 302):
                    # Back to this very receiver: a followed redirect would be seen here.
                    self.send_header("Location", receiver.url + "/moved")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *arguments):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/iisg-events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[str]:
        return [json.loads(body)["event"] for _path, _headers, body in self.received]


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.server.shutdown()
    made.server.server_close()


@pytest.fixture
def as_person(db):
    yield identity.act_as
    identity.forget()
    identity.act_as_principal(None)


@pytest.fixture
def world(db):
    cycle = factories.cycle()
    db.session.add(cycle)
    albania = factories.partner_tenant()
    commission = factories.member_tenant()
    people = {
        "albania admin": factories.user(albania, email="adm@al.example", roles=("tenant_admin",)),
        "albania editor": factories.user(albania, email="ed@al.example", roles=("editor",)),
        "commission admin": factories.user(
            commission, email="adm@ec.example", roles=("tenant_admin",)
        ),
    }
    db.session.commit()
    # The worker has read the trail so far: what follows is news.
    _send()
    return cycle, people


def _send() -> int:
    jobs.submit("seal_and_checkpoint").get()
    return jobs.submit("send_webhooks").get()


def _register(person, url, events, as_person) -> tuple[Webhook, str]:
    as_person(person)
    hook, secret = webhooks.register(parse(WebhookSchema(), {"url": url, "events": events}))
    identity.act_as_principal(None)
    return hook, secret


def _draft_and_submit(world, as_person) -> int:
    cycle, people = world
    as_person(people["albania editor"])
    need = factories.need(cycle, people["albania editor"].tenant, title="Border cameras")
    db.session.add(need)
    db.session.commit()
    need.status = "submitted"
    db.session.commit()
    identity.act_as_principal(None)
    return need.id


def test_an_organisation_is_told_of_its_changes_signed_and_others_not_of_its_drafts(
    app, world, receiver, as_person
):
    _cycle, people = world
    own, secret = _register(people["albania admin"], receiver.url, ["need.*"], as_person)
    _register(people["commission admin"], receiver.url + "/member", ["*"], as_person)

    need_id = _draft_and_submit(world, as_person)
    arrived = _send()

    assert receiver.events() == ["need.created", "need.submitted"], [
        (path, json.loads(body)) for path, _headers, body in receiver.received
    ]
    assert arrived == 2
    assert {path for path, _headers, _body in receiver.received} == {"/iisg-events"}
    path, headers, body = receiver.received[1]
    timestamp, digest = (part.split("=", 1)[1] for part in headers["X-IISG-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(digest, expected.hexdigest())
    assert abs(int(timestamp) - time.time()) < 60
    payload = json.loads(body)
    assert payload["record"] == {
        "type": "need",
        "id": need_id,
        "url": f"{app.config['BASE_URL']}/api/v1/needs/{need_id}",
    }
    assert headers["X-IISG-Event"] == "need.submitted"
    delivered = db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == own.id)
    ).all()
    assert {(item.status, item.response_code) for item in delivered} == {("delivered", 200)}


def test_a_change_rolled_back_sends_nothing(app, world, receiver, as_person):
    cycle, people = world
    _register(people["albania admin"], receiver.url, ["*"], as_person)
    as_person(people["albania editor"])
    db.session.add(factories.need(cycle, people["albania editor"].tenant, title="Never kept"))
    db.session.flush()
    db.session.rollback()
    identity.act_as_principal(None)

    assert _send() == 0
    assert receiver.received == []


def test_a_failing_receiver_is_tried_again_later_and_a_delivery_arrives_once(
    app, world, receiver, as_person
):
    _cycle, people = world
    _register(people["albania admin"], receiver.url, ["need.submitted"], as_person)
    _draft_and_submit(world, as_person)
    receiver.status = 503

    first = _send()
    delivery = db.session.scalar(select(WebhookDelivery))
    waits = delivery.next_attempt_at - delivery.last_attempt_at
    again_too_soon = _send()
    delivery.next_attempt_at = utc_now() - timedelta(seconds=1)
    db.session.commit()
    receiver.status = 200
    then = _send()
    later = _send()

    db.session.expire_all()
    delivery = db.session.scalar(select(WebhookDelivery))
    assert (first, again_too_soon, then, later) == (0, 0, 1, 0)
    assert timedelta(seconds=29) < waits <= timedelta(seconds=31)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 2, 200)
    assert receiver.events() == ["need.submitted"] * 2


@pytest.mark.parametrize(
    ("status", "delay", "error"),
    [(302, 0.0, "Found"), (200, 2.0, "no complete answer within")],
)
def test_a_redirect_is_not_followed_and_a_slow_receiver_is_cut_off(
    app, world, receiver, as_person, monkeypatch, status, delay, error
):
    monkeypatch.setattr(webhook_sending, "TIMEOUT_SECONDS", 0.5)
    _cycle, people = world
    _register(people["albania admin"], receiver.url, ["need.submitted"], as_person)
    _draft_and_submit(world, as_person)
    receiver.status, receiver.delay = status, delay

    arrived = _send()

    delivery = db.session.scalar(select(WebhookDelivery))
    assert arrived == 0
    assert delivery.status == "pending" and error in delivery.error
    assert len(receiver.received) == 1


def test_a_webhook_that_keeps_failing_is_switched_off_and_its_administrators_told(
    make_app, receiver, capsys
):
    app = make_app(WEBHOOK_GIVE_UP_AFTER=timedelta(0))
    with app.app_context():
        cycle = factories.cycle()
        db.session.add(cycle)
        albania = factories.partner_tenant()
        admin = factories.user(albania, email="adm@al.example", roles=("tenant_admin",))
        editor = factories.user(albania, email="ed@al.example", roles=("editor",))
        db.session.commit()
        _send()
        identity.act_as(admin)
        hook, _secret = webhooks.register({"url": receiver.url, "events": ["need.*"]})
        identity.act_as(editor)
        for number in range(webhooks.DISABLE_AFTER + 1):
            db.session.add(factories.need(cycle, albania, title=f"Need {number}"))
            db.session.commit()
        identity.act_as_principal(None)
        receiver.status = 500

        _send()
        _send()

        db.session.expire_all()
        hook = db.session.get(Webhook, hook.id)
        statuses = db.session.scalars(select(WebhookDelivery.status)).all()
    assert hook.active is False and "given up on" in hook.disabled_reason
    assert statuses.count("failed") == webhooks.DISABLE_AFTER
    assert statuses.count("pending") == 1  # not sent: the webhook is off
    logged = capsys.readouterr().err
    assert '"event": "webhook_disabled"' in logged and "adm@al.example" in logged


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://example.org/hook", "must be an https:// address"),
        ("ftp://example.org/hook", "must be an https:// address"),
        ("https://user:pw@example.org/hook", "user name or password"),
        ("https://example.org:99999/hook", "port"),
        ("", "at most 2000 characters"),
    ],
)
def test_an_address_a_webhook_may_not_have_is_refused_naming_the_field(app, db, url, reason):
    with pytest.raises(ValidationFailed) as refused:
        parse(WebhookSchema(), {"url": url, "events": ["need.*"]})

    assert reason in refused.value.fields["url"]


def test_an_unknown_event_is_refused_naming_it(app, db):
    with pytest.raises(ValidationFailed) as refused:
        parse(WebhookSchema(), {"url": "https://example.org/hook", "events": ["need.eaten"]})

    assert "need.eaten is not an event" in str(refused.value.fields["events"])


def test_in_production_only_public_addresses_are_called(app):
    answer = webhook_sending.post("https://127.0.0.1:9/hook", b"{}", {}, production=True)
    plain = webhook_sending.post("http://127.0.0.1:9/hook", b"{}", {}, production=True)

    assert answer.status is None and "not a public address" in answer.error
    assert plain.status is None and "must be an https:// address" in plain.error


def test_only_tenant_administrators_register_webhooks(app, world, as_person):
    _cycle, people = world
    as_person(people["albania editor"])
    from portal.exceptions import Forbidden

    with pytest.raises(Forbidden):
        webhooks.register({"url": "https://example.org/hook", "events": ["*"]})


def test_a_secret_sealed_for_one_organisation_does_not_open_for_another():
    key = bytes(32)
    sealed = webhook_sending.seal_secret(key, 1, "whsec_abc")

    assert webhook_sending.open_secret(key, 1, sealed) == "whsec_abc"
    with pytest.raises(ValueError):
        webhook_sending.open_secret(key, 2, sealed)


def test_the_need_as_sent_is_one_the_receiver_may_read(app, world, receiver, as_person):
    # The Albanian webhook hears of its own need; the record it names reads as a need.
    _cycle, people = world
    _register(people["albania admin"], receiver.url, ["need.created"], as_person)
    need_id = _draft_and_submit(world, as_person)
    _send()

    assert json.loads(receiver.received[0][2])["record"]["id"] == need_id
    assert db.session.get(Need, need_id).title == "Border cameras"


def test_a_tenant_administrator_registers_follows_and_removes_a_webhook_on_the_pages(
    app, world, login, receiver, as_person
):
    _cycle, people = world
    client = login(people["albania admin"])
    token = csrf_token(client, "/admin/webhooks")

    created = client.post(
        "/admin/webhooks",
        data={"csrf_token": token, "url": receiver.url, "events": ["need.created", "need.*"]},
    )
    page = created.get_data(as_text=True)
    hook = db.session.scalar(select(Webhook))
    shown_secret = page.split('id="new-secret" class="fs-6 text-break">')[1].split("<")[0]
    _draft_and_submit(world, as_person)
    _send()
    log = client.get(f"/admin/webhooks/{hook.id}").get_data(as_text=True)
    removed = client.post(
        f"/admin/webhooks/{hook.id}/delete", data={"csrf_token": token, "confirm": "yes"}
    )

    assert created.status_code == 201
    assert shown_secret.startswith("whsec_")
    assert (
        hook.events == ["need.*", "need.created"]
        and hook.tenant_id == people["albania admin"].tenant_id
    )
    assert "need.submitted" in log and "delivered" in log
    assert removed.status_code == 302
    assert db.session.scalar(select(Webhook)) is None


@pytest.mark.parametrize(
    ("form", "field", "reason"),
    [
        ({"url": "http://example.org/x", "events": ["*"]}, "url", "https://"),
        ({"url": "https://example.org/x"}, "events", "Choose at least one event."),
        ({"url": "https://example.org/x", "events": ["need.eaten"]}, "events", "not an event"),
    ],
)
def test_a_webhook_form_with_bad_input_names_the_field_and_registers_nothing(
    app, world, login, form, field, reason
):
    _cycle, people = world
    client = login(people["albania admin"])

    answer = client.post(
        "/admin/webhooks", data={"csrf_token": csrf_token(client, "/admin/webhooks"), **form}
    )

    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.get_data(as_text=True)
    assert reason in answer.get_data(as_text=True)
    assert db.session.scalar(select(Webhook)) is None


def test_webhooks_are_closed_to_who_is_not_a_tenant_administrator(app, world, login):
    _cycle, people = world
    client = login(people["albania editor"])

    assert client.get("/admin/webhooks").status_code == 403


def test_the_signature_check_in_the_documentation_accepts_a_delivery_and_refuses_forgeries(
    app, world, receiver, as_person
):
    documented = (Path(__file__).resolve().parent.parent / "docs" / "webhooks.md").read_text()
    code = documented.split("```python\n")[1].split("```")[0]
    namespace = {}
    exec(compile(code, "docs/webhooks.md", "exec"), namespace)  # noqa: S102 - our own docs
    verified = namespace["verified"]
    _cycle, people = world
    _hook, secret = _register(people["albania admin"], receiver.url, ["need.created"], as_person)
    _draft_and_submit(world, as_person)
    _send()
    _path, headers, body = receiver.received[0]
    header = headers["X-IISG-Signature"]

    assert verified(secret, header, body)
    assert not verified(secret, header, body.replace(b"need", b"nede"))
    assert not verified("whsec_other", header, body)
    assert not verified(secret, header, body, tolerance=-1)
    assert not verified(secret, "garbage", body)


def test_a_deactivated_organisation_is_told_nothing(app, world, receiver, as_person):
    _cycle, people = world
    _register(people["albania admin"], receiver.url, ["*"], as_person)
    people["albania admin"].tenant.active = False
    db.session.commit()
    _draft_and_submit(world, as_person)

    assert _send() == 0
    assert receiver.received == []


def test_a_receiver_answering_a_byte_at_a_time_is_cut_off(
    app, world, receiver, as_person, monkeypatch
):
    monkeypatch.setattr(webhook_sending, "TIMEOUT_SECONDS", 1)
    _cycle, people = world
    _register(people["albania admin"], receiver.url, ["need.submitted"], as_person)
    _draft_and_submit(world, as_person)
    receiver.trickle = True
    started = time.monotonic()

    arrived = _send()

    delivery = db.session.scalar(select(WebhookDelivery))
    assert arrived == 0 and time.monotonic() - started < 3
    assert "no complete answer within 1 s" in delivery.error


def test_a_need_drafted_and_validated_between_two_runs_tells_others_only_of_its_validation(
    app, world, receiver, as_person
):
    cycle, people = world
    _register(people["commission admin"], receiver.url, ["*"], as_person)
    as_person(people["albania editor"])
    need = factories.need(cycle, people["albania editor"].tenant, title="Border cameras")
    db.session.add(need)
    db.session.commit()
    for status in ("submitted", "returned", "submitted", "validated"):
        need.status = status
        db.session.commit()
    identity.act_as_principal(None)

    _send()

    assert receiver.events() == ["need.validated"]


def test_one_delivery_that_cannot_be_sent_does_not_stop_the_others(app, world, receiver, as_person):
    _cycle, people = world
    broken, _secret = _register(people["albania admin"], receiver.url + "/broken", ["*"], as_person)
    _register(people["albania admin"], receiver.url, ["*"], as_person)
    broken.secret_encrypted = b"not a sealed secret at all"
    db.session.commit()
    _draft_and_submit(world, as_person)

    arrived = _send()

    failed = db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == broken.id)
    ).all()
    assert arrived == 2
    assert {path for path, _headers, _body in receiver.received} == {"/iisg-events"}
    assert {item.error for item in failed} == {"could not be sent: ValueError"}


def test_a_deactivated_organisations_queued_deliveries_are_not_sent(
    app, world, receiver, as_person
):
    _cycle, people = world
    _register(people["albania admin"], receiver.url, ["need.submitted"], as_person)
    _draft_and_submit(world, as_person)
    jobs.submit("seal_and_checkpoint").get()
    from portal.services import webhooks as service

    service.dispatch()
    db.session.commit()
    people["albania admin"].tenant.active = False
    db.session.commit()

    assert service.deliver() == 0
    assert receiver.received == []


def test_a_withdrawn_link_is_told_to_the_owners_of_its_need_and_response(
    app, world, receiver, as_person
):
    cycle, people = world
    commission = people["commission admin"].tenant
    need = factories.need(cycle, people["albania editor"].tenant, status="validated")
    response = factories.response(commission, record_status="published", visibility="members")
    db.session.add_all([need, response])
    db.session.flush()
    link = factories.support_link(response, need)
    db.session.add(link)
    db.session.commit()
    _send()
    _register(people["albania admin"], receiver.url + "/al", ["link.deleted"], as_person)
    _register(people["commission admin"], receiver.url + "/ec", ["link.deleted"], as_person)
    db.session.delete(db.session.get(type(link), link.id))
    db.session.commit()

    _send()

    assert sorted(path for path, _headers, _body in receiver.received) == [
        "/iisg-events/al",
        "/iisg-events/ec",
    ]


@pytest.mark.parametrize(
    "url",
    ["https://10.0.0.1/hook", "https://[::ffff:127.0.0.1]/hook", "https://[64:ff9b::a00:1]/x"],
)
def test_in_production_a_private_address_is_refused_when_registered(make_app, url):
    app = make_app(ENV_NAME="production")
    with app.app_context(), pytest.raises(ValidationFailed) as refused:
        parse(WebhookSchema(), {"url": url, "events": ["*"]})

    assert "is not a public address" in refused.value.fields["url"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://receiver.example/é", "ASCII"),
        ("https://[::1/hook", "not a valid address"),
        ("https://[zz]/hook", "not a valid address"),
        ("https://receiver.example/a b", "ASCII"),
    ],
)
def test_a_malformed_address_is_refused_not_a_server_error(app, db, url, reason):
    with pytest.raises(ValidationFailed) as refused:
        parse(WebhookSchema(), {"url": url, "events": ["*"]})

    assert reason in refused.value.fields["url"]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("10.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("64:ff9b::a00:1", False),
        ("2002:a00:1::", False),
        ("::127.0.0.1", False),
        ("2001:4860:4860::8888", True),
    ],
)
def test_ipv6_forms_carrying_a_private_ipv4_address_are_not_public(address, public):
    import ipaddress

    assert webhook_sending._public(ipaddress.ip_address(address)) is public


def test_the_sending_run_holds_a_lock_that_lapses_on_a_sqlite_queue(make_app, tmp_path):
    app = make_app(QUEUE_IMMEDIATE=False, QUEUE_FILE=str(tmp_path / "queue.sqlite3"))
    with app.app_context():
        assert jobs._claim_run("probe", 60) is True
        held = jobs._claim_run("probe", 60)
        jobs.queue().put("run-lock:probe", utc_now().timestamp() - 1)  # a run long dead
        lapsed = jobs._claim_run("probe", 60)

        assert jobs.send_webhooks() == 0  # runs (nothing to send) on the SQLite queue

    assert (held, lapsed) == (False, True)
