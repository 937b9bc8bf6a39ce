"""Every route asks a policy: checked by requesting each one, not by reading the source.

The app notes each policy ``require`` asks and, at the end of the request, fails a view
that answered without asking one (``AUTHORISATION_CHECK_STRICT``, on in tests). The walk
below requests every rule of the URL map but the exempt ones, with objects its users
can see, so each view runs to its policies; a rule added later is walked as well.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import request
from sqlalchemy import select

from portal import authz
from portal.authz import (
    EXEMPT_ENDPOINTS,
    AuthorisationNotChecked,
    can_read_records,
    is_exempt,
    require,
)
from portal.identity import current_principal
from portal.models import AcquisChapter, DataImport, Job, Pillar, ReportFile, Webhook
from portal.models.user import ROLES
from portal.services import api_tokens, sessions
from tests import factories
from tests.conftest import csrf_token


@dataclass
class Visit:
    """What the app noted about one request: did the view run, which policies did it ask."""

    endpoint: str | None
    method: str
    view_ran: bool
    asked: list[str]


def watch(app) -> list[Visit]:
    """Return a list that fills with a Visit per request the app answers."""
    visits: list[Visit] = []

    # Registered last, so it runs before the check, which may raise.
    @app.after_request
    def note(response):
        visits.append(
            Visit(request.endpoint, request.method, authz.view_ran(), authz.policies_asked())
        )
        return response

    return visits


def walked_rules(app):
    """Return the rules the walk requests: every one but the exempt endpoints."""
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))
    return [rule for rule in rules if not is_exempt(rule.endpoint)]


def walk(app, client, values: dict, bearer: str, visits: list[Visit]):
    """Request every walked rule by every method; return those that asked no policy, and
    those whose view never ran."""
    token = csrf_token(client, "/account")
    unasked, unreached = [], []
    for rule in walked_rules(app):
        path = rule.build({argument: values[argument] for argument in rule.arguments})[1]
        # The API takes only bearer tokens, the pages only the session cookie.
        headers = {"Authorization": f"Bearer {bearer}"} if path.startswith("/api/") else {}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method == "POST" else None
            seen = len(visits)
            try:
                client.open(path, method=method, data=data, headers=headers)
            except AuthorisationNotChecked:
                unasked.append(f"{method} {path} ({rule.endpoint})")
            if not any(visit.view_ran for visit in visits[seen:]):
                unreached.append(f"{method} {path} ({rule.endpoint})")
    return unasked, unreached


@pytest.fixture
def world(db, app):
    """Albania's need, the Commission's response linking to it, and three people who walk.

    Each walker can see every object named in a URL, so that views run past their
    lookups; the one holding every role also passes every gate in front of a view.
    """
    cycle = factories.cycle()
    albania = factories.partner_tenant()
    commission = factories.member_tenant()
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    need = factories.need(cycle, albania, title="Albanian validated need", status="validated")
    response = factories.response(commission, record_status="published")
    link = factories.support_link(response, need)
    db.session.add_all([cycle, need, response, link])
    walkers = {
        "albania-viewer": factories.user(albania, email="viewer@al.example"),
        "albania-editor": factories.user(albania, email="editor@al.example", roles=("editor",)),
        "secretariat-every-role": factories.user(
            secretariat, email="everything@sec.example", roles=ROLES
        ),
    }
    target = factories.user(albania, email="target@al.example")
    db.session.commit()
    # Background work of the walkers' own, and a webhook of Albania's.
    job = Job(name="import_needs", actor_id=walkers["albania-editor"].id, status="succeeded")
    hook = Webhook(
        tenant_id=albania.id, url="https://al.example/hook", events=["*"], secret_encrypted=b"0"
    )
    everyone = walkers["secretariat-every-role"]
    upload = DataImport(
        kind="responses",
        actor_id=everyone.id,
        filename="responses.csv",
        file_format="csv",
        sha256="0" * 64,
        size=10,
        content=b"external_reference,title,pillars,support_type\nR-1,T,WBCTi,training\n",
        status="checked",
        outcome={"rows": [], "counts": {"error": 0}},
    )
    edition = factories.publication()
    db.session.add_all([job, hook, upload, edition])
    db.session.flush()
    made = ReportFile(
        job_id=job.id,
        actor_id=everyone.id,
        name="report.pdf",
        media_type="application/pdf",
        size=9,
        content=b"%PDF-1.7\n",
    )
    db.session.add(made)
    db.session.commit()
    # A session and a token of its own to end, so the walker keeps the ones it uses.
    spare_token, _secret = api_tokens.create(
        everyone, {"name": "spare", "days": 5, "scope": "write"}
    )
    with app.test_request_context():
        spare, _ = sessions.start(everyone.id, "192.0.2.1", "browser")
        sessions.complete(spare, "totp")
    db.session.commit()
    bearers = {
        name: api_tokens.create(person, {"name": "walk", "days": 5, "scope": "write"})
        for name, person in walkers.items()
    }
    values = {
        "user_id": target.id,
        "session_id": spare.id,
        "token_id": spare_token.id,
        "tenant_id": albania.id,
        "pillar_id": factories.reference(Pillar, "WBCTi").id,
        "chapter_id": db.session.scalar(select(AcquisChapter.id).where(AcquisChapter.number == 24)),
        "table": "needs",
        "row_key": str(need.id),
        "chain_id": albania.id,
        "cycle_id": cycle.id,
        "list_name": "pillars",
        "need_id": need.id,
        "response_id": response.id,
        "link_id": link.id,
        "job_id": job.id,
        "webhook_id": hook.id,
        "import_id": upload.id,
        "kind": "needs",
        "extension": "csv",
        "year": 2026,
        "edition_id": edition.id,
        "file_format": "html",
        "file_id": made.id,
    }
    return {
        "walkers": walkers,
        "bearers": {name: secret for name, (_token, secret) in bearers.items()},
        "values": values,
    }


def test_every_exempt_endpoint_exists(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    blueprints = {endpoint.rpartition(".")[0] for endpoint in endpoints}

    for entry, reason in EXEMPT_ENDPOINTS.items():
        assert reason.strip(), entry
        if entry.endswith(".*"):
            assert entry[:-2] in blueprints, entry
        else:
            assert entry in endpoints, entry


def test_the_walk_covers_every_url_argument(app, world):
    arguments = {argument for rule in walked_rules(app) for argument in rule.arguments}

    assert arguments <= set(world["values"]), "give the walk an object of the new kind"


def test_every_route_asks_a_policy(app, db, login, world):
    visits = watch(app)
    last = "secretariat-every-role"
    # The partners first: the last walker deactivates their organisation on its way.
    for name, person in world["walkers"].items():
        client = login(person)
        unasked, unreached = walk(app, client, world["values"], world["bearers"][name], visits)

        assert not unasked, f"{name}: these answered without asking a policy: {unasked}"
        if name == last:
            # Someone must get past every gate, or the walk proves nothing.
            assert not unreached, f"{name}: never reached these views: {unreached}"
    assert len(walked_rules(app)) > 50


def test_a_route_added_without_a_policy_fails_the_walk(app, db, login, world):
    app.add_url_rule("/needs/unguarded", "needs.unguarded", lambda: "no policy asked")
    visits = watch(app)
    name = "secretariat-every-role"
    client = login(world["walkers"][name])

    unasked, _ = walk(app, client, world["values"], world["bearers"][name], visits)

    assert unasked == ["GET /needs/unguarded (needs.unguarded)"]


def test_a_section_gate_does_not_answer_for_the_view_behind_it(app, db, login, world):
    # The administration's gate asks a policy before every view of the section; a view
    # of its own must still ask one.
    app.add_url_rule("/admin/unguarded", "admin.unguarded", lambda: "no policy asked")
    client = login(world["walkers"]["secretariat-every-role"])

    with pytest.raises(AuthorisationNotChecked, match=r"admin\.unguarded \(GET /admin/unguarded\)"):
        client.get("/admin/unguarded")


def test_a_refusal_counts_as_asking(app, db, login, world):
    def refused():
        require(lambda _principal: False, current_principal())
        return "never shown"

    app.add_url_rule("/needs/refused", "needs.refused", refused)
    client = login(world["walkers"]["albania-viewer"])

    assert client.get("/needs/refused").status_code == 403


def test_a_request_stopped_before_its_view_is_not_reported(app, db, world):
    app.add_url_rule("/needs/unguarded", "needs.unguarded", lambda: "no policy asked")

    response = app.test_client().get("/needs/unguarded")

    # The sign-in gate answered; the view never ran, so it read nothing.
    assert response.status_code == 302


def test_in_production_the_check_logs_and_the_response_goes_out(make_app, db, login, world, capfd):
    app = make_app(
        AUTHORISATION_CHECK_STRICT=False, ENCRYPTION_KEY=login.app.config["ENCRYPTION_KEY"]
    )
    app.add_url_rule("/needs/unguarded", "needs.unguarded", lambda: "no policy asked")
    app.add_url_rule(
        "/needs/guarded",
        "needs.guarded",
        lambda: require(can_read_records, current_principal()) or "asked",
    )
    login.app = app
    client = login(world["walkers"]["albania-viewer"])
    capfd.readouterr()

    unguarded = client.get("/needs/unguarded")
    complaints = capfd.readouterr().err
    guarded = client.get("/needs/guarded")

    assert unguarded.status_code == 200
    assert unguarded.get_data(as_text=True) == "no policy asked"
    assert '"event": "authorisation_not_checked"' in complaints
    assert '"endpoint": "needs.unguarded"' in complaints
    assert '"level": "error"' in complaints
    assert guarded.status_code == 200
    assert "authorisation_not_checked" not in capfd.readouterr().err
