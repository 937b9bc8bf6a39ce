"""The leak matrix: every route x every role x another tenant's objects.

Routes come from the app's URL map, so each page or API endpoint added later is in the
matrix automatically; a route whose URL names an object must have that kind of object
registered in ``OBJECTS_BY_ARGUMENT`` (a test fails otherwise). For each principal every
route is requested with the ids of another tenant's objects: the answer must be the
documented status (404 for what the principal may not see, 403 where a whole section is
closed to it), no body may contain the other tenant's data, and nothing may change.

It runs on SQLite and PostgreSQL, and on PostgreSQL once more with the application layer
off, where row-level security alone must hold.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.authz import (
    can_manage_tenants,
    can_manage_webhooks,
    can_open_administration,
    can_publish_reports,
    can_read_audit_trail,
)
from portal.identity import Principal, act_as_principal
from portal.models import (
    AcquisChapter,
    ApiToken,
    DataImport,
    Job,
    Need,
    Pillar,
    ReportFile,
    Response,
    SupportLink,
    Tenant,
    User,
    UserSession,
    Webhook,
)
from portal.services import api_tokens, sessions
from portal.tenancy import SECRETARIAT_NEED_STATUSES, SHARED_NEED_STATUSES
from tests import factories
from tests.conftest import IN_BOTH_LAYERS, LEAK_CASES, csrf_token

# Which kind of object each URL argument names, and how to pick the other tenant's one.
OBJECTS_BY_ARGUMENT = {
    "user_id": lambda other: other["user"].id,
    "session_id": lambda other: other["session"].id,
    "token_id": lambda other: other["token"].id,
    "tenant_id": lambda other: other["tenant"].id,
    # Reference data belongs to no tenant; only its administration is closed.
    "pillar_id": lambda other: other["pillar"].id,
    "chapter_id": lambda other: other["chapter"].id,
    # The audit trail: the history of the other tenant's draft need, and its chain.
    "table": lambda other: "needs",
    "row_key": lambda other: str(other["draft_need"].id),
    "chain_id": lambda other: other["tenant"].id,
    # Cycles belong to no tenant either; only moving them on is an administrator's.
    "cycle_id": lambda other: other["cycle"].id,
    # A reference list of the API, read by everyone: it belongs to no tenant.
    "list_name": lambda other: "pillars",
    # The other tenant's draft: nobody else may even know it exists.
    "need_id": lambda other: other["need"].id,
    # The draft response and a link to a draft need: nobody else may see either.
    "response_id": lambda other: other["response"].id,
    "link_id": lambda other: other["link"].id,
    # Background work a Serbian user started: theirs alone (and the Secretariat admins').
    "job_id": lambda other: other["job"].id,
    # An organisation's webhook: its tenant administrators' alone.
    "webhook_id": lambda other: other["webhook"].id,
    # A file a Serbian editor uploaded to import: theirs alone, whoever asks.
    "import_id": lambda other: other["import"].id,
    # Which template to download: belongs to no tenant.
    "kind": lambda other: "needs",
    "extension": lambda other: "csv",
    # The year of a response mapping report: belongs to no tenant.
    "year": lambda other: 2026,
    # A published edition of a report: public, to everyone.
    "edition_id": lambda other: other["edition"].id,
    "file_format": lambda other: "html",
    # A report the worker made for a Serbian user: theirs alone.
    "file_id": lambda other: other["report_file"].id,
}
# Routes outside the matrix, with the reason.
OUTSIDE = {
    "static": "files, no data",
    "bootstrap.static": "files, no data",
}
STATUSES = ("draft", "submitted", "returned", "withdrawn", "validated", "adopted")


def routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if rule.endpoint in OUTSIDE or rule.endpoint.startswith("auth."):
            continue
        yield rule


@pytest.fixture
def world(db, app):
    """Albania's people in every role; Serbia's objects of every kind and status."""
    cycle = factories.cycle()
    albania = factories.partner_tenant()
    serbia = factories.partner_tenant(code="RS-MOI", economy="RS", name="Serbian Ministry")
    commission = factories.member_tenant()
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    other_user = factories.user(serbia, email="hidden.person@rs.example", roles=("editor",))
    serbian_needs = {}
    for status in STATUSES:
        serbian_needs[status] = factories.need(
            cycle, serbia, title=f"Serbian {status} need", status=status
        )
        db.session.add(serbian_needs[status])
    serbian_responses = {}
    for record_status in ("draft", "published"):
        # The Secretariat reads every published response (§4), so the published one is
        # marked as secret only for the others (see ``markers``).
        title = (
            "Serbian secret response draft"
            if record_status == "draft"
            else "Serbian restricted response published"
        )
        response = factories.response(
            serbia, title=title, record_status=record_status, visibility="restricted"
        )
        response.beneficiaries = [factories.economy("RS")]
        serbian_responses[record_status] = response
        db.session.add(response)
    # Links in every status, between Serbia's own needs and responses.
    serbian_links = {
        (status, record_status): factories.support_link(
            serbian_responses[record_status],
            serbian_needs[need_status],
            status=status,
            note=f"Serbian {'secret' if record_status == 'draft' else 'restricted'} note {status}",
        )
        for status, need_status in zip(
            ("proposed", "confirmed", "disputed", "validated"),
            ("draft", "submitted", "validated", "adopted"),
            strict=True,
        )
        for record_status in ("draft", "published")
    }
    db.session.add_all(serbian_links.values())
    principals = {
        f"albania-{role}": factories.user(albania, email=f"{role}@al.example", roles=(role,))
        for role in ("viewer", "editor", "tenant_admin", "auditor")
    }
    principals["commission-editor"] = factories.user(
        commission, email="editor@ec.example", roles=("editor",)
    )
    for role in ("editor", "auditor", "admin"):
        principals[f"secretariat-{role}"] = factories.user(
            secretariat, email=f"{role}@sec.example", roles=(role,)
        )
    db.session.commit()
    with app.test_request_context():
        other_session, _ = sessions.start(other_user.id, "192.0.2.9", "browser")
        sessions.complete(other_session, "totp")
    db.session.commit()
    other_token, other_secret = api_tokens.create(
        other_user, {"name": "nightly", "days": 5, "scope": "write"}
    )
    other_job = Job(
        name="import_needs",
        actor_id=other_user.id,
        status="succeeded",
        message="Serbian secret job result",
    )
    db.session.add(other_job)
    other_webhook = Webhook(
        tenant_id=serbia.id,
        url="https://hidden-receiver.rs.example/iisg",
        events=["need.*"],
        secret_encrypted=b"\x00" * 40,
    )
    db.session.add(other_webhook)
    other_import = DataImport(
        kind="needs",
        actor_id=other_user.id,
        filename="serbian-secret-upload.csv",
        file_format="csv",
        sha256="0" * 64,
        size=10,
        content=b"code,title\n",
        status="checked",
        outcome={"rows": [], "counts": {}},
    )
    db.session.add(other_import)
    edition = factories.publication()
    db.session.add(edition)
    db.session.flush()
    other_report = ReportFile(
        job_id=other_job.id,
        actor_id=other_user.id,
        name="serbian-secret-report.pdf",
        media_type="application/pdf",
        size=9,
        content=b"%PDF-1.7\n",
    )
    db.session.add(other_report)
    db.session.commit()
    other = {
        "tenant": serbia,
        "pillar": factories.reference(Pillar, "WBBSi"),
        "chapter": db.session.scalar(select(AcquisChapter).where(AcquisChapter.number == 24)),
        "cycle": cycle,
        "need": serbian_needs["draft"],
        "user": other_user,
        "session": other_session,
        "token": other_token,
        "draft_need": serbian_needs["draft"],
        "response": serbian_responses["draft"],
        "link": serbian_links[("proposed", "draft")],
        "job": other_job,
        "webhook": other_webhook,
        "import": other_import,
        "edition": edition,
        "report_file": other_report,
        "user_marker": other_user.email,
        "job_marker": other_job.message,
        "import_marker": other_import.filename,
        "markers": [
            other_token.prefix,
            "Serbian secret response",
            "hidden-receiver.rs.example",
            other_report.name,
        ],
    }
    return {"principals": principals, "other": other}


def serbian_rows(db, other):
    """Return everything of the other tenant that the matrix must leave untouched."""
    db.session.expire_all()
    rows = [
        db.session.get(Tenant, other["tenant"].id),
        db.session.get(User, other["user"].id),
        db.session.get(UserSession, other["session"].id),
        db.session.get(ApiToken, other["token"].id),
        db.session.get(Webhook, other["webhook"].id),
        *db.session.scalars(select(Need).where(Need.tenant_id == other["tenant"].id)),
        *db.session.scalars(select(Response).where(Response.tenant_id == other["tenant"].id)),
        *db.session.scalars(select(SupportLink).order_by(SupportLink.id)),
    ]
    return [
        {column.key: getattr(row, column.key) for column in row.__table__.columns} for row in rows
    ]


def is_api(rule) -> bool:
    """Return whether the route is one of the JSON API's, called with a bearer token."""
    return rule.rule.startswith("/api/")


def section(rule) -> str:
    """Return the part of the portal a route belongs to, the API's resources as the pages'."""
    blueprint = rule.endpoint.partition(".")[0]
    return blueprint.removeprefix("api_")


def reads_every_trail(principal: Principal, rule) -> bool:
    """Return whether this is the audit trail and the principal a Secretariat auditor (§4)."""
    return section(rule) == "audit" and principal.in_secretariat and principal.has("auditor")


def legitimately_visible(principal: Principal, rule) -> bool:
    """Return whether §4 lets this principal see the other tenant's object on this route."""
    if reads_every_trail(principal, rule):
        return True
    # The API reads cycles and reference lists to everyone: they belong to no tenant
    # (the pages only administer them).
    if is_api(rule) and {"cycle_id", "list_name"} & set(rule.arguments):
        return True
    # An import template: the columns and this installation's reference lists.
    if set(rule.arguments) == {"kind", "extension"}:
        return True
    # A Secretariat admin manages every user and organisation: not a leak.
    return principal.has("admin") and any(
        argument in rule.arguments
        for argument in (
            "user_id",
            "tenant_id",
            "pillar_id",
            "chapter_id",
            "cycle_id",
            "job_id",
        )
    )


def hidden_need_titles(principal: Principal) -> list[str]:
    """Return the titles of the other tenant's needs that §4 hides from this principal."""
    shown = SECRETARIAT_NEED_STATUSES if principal.in_secretariat else SHARED_NEED_STATUSES
    return [f"Serbian {status} need" for status in STATUSES if status not in shown]


def markers(principal: Principal, other, rule) -> list[str]:
    """Return the other tenant's data this principal must never be shown on this route."""
    if reads_every_trail(principal, rule):
        return []
    hidden = hidden_need_titles(principal)
    # Published restricted responses are read by the Secretariat, and only there (§4).
    if not principal.in_secretariat:
        hidden.append("Serbian restricted")
    if principal.has("admin"):
        # The Secretariat admin lists every user by design (§4), but not their imports.
        return [other["import_marker"], *other["markers"], *hidden]
    return [
        other["user_marker"],
        other["job_marker"],
        other["import_marker"],
        *other["markers"],
        *hidden,
    ]


def expected_status(principal: Principal, rule) -> int:
    """Return the documented answer for a route naming another tenant's object."""
    # A report of a cycle or a year: every reader reads it, holding what they may see
    # (its body is checked like every other). Publishing is for the Secretariat's
    # administrators; a refused publication comes back to the list, saying why.
    if rule.endpoint == "reports.report_file":
        return 404
    if rule.endpoint.startswith("reports."):
        if "POST" in rule.methods:
            return 302 if can_publish_reports(principal) else 403
        return 200
    # The published editions: everyone's, the signed out's too.
    if rule.endpoint.startswith("public."):
        return 200
    if section(rule) == "webhooks" and not can_manage_webhooks(principal):
        return 403
    if section(rule) == "audit" and not can_read_audit_trail(principal):
        return 403
    if rule.endpoint.startswith("admin."):
        if not can_open_administration(principal):
            return 403
        # Webhooks are their organisation's tenant administrators' business only.
        if "webhook_id" in rule.arguments and not can_manage_webhooks(principal):
            return 403
        closed = {"tenant_id", "pillar_id", "chapter_id", "cycle_id"} & set(rule.arguments)
        if closed and not can_manage_tenants(principal):
            return 403
    return 404


def text_of(response) -> str:
    """Return the text a reader sees in an answer: a PDF report's too."""
    if response.mimetype == "application/pdf":
        pages = PdfReader(io.BytesIO(response.get_data())).pages
        return " ".join(" ".join(page.extract_text() for page in pages).split())
    return response.get_data(as_text=True)


def test_every_url_argument_names_a_registered_kind_of_object(app):
    arguments = {argument for rule in routes(app) for argument in rule.arguments}

    assert arguments <= set(OBJECTS_BY_ARGUMENT), "register the new kind of object"


@IN_BOTH_LAYERS
def test_no_route_leaks_another_tenants_data(
    request, make_app, db, login, world, application_layer
):
    app = make_app(
        ENCRYPTION_KEY=login.app.config["ENCRYPTION_KEY"],
        TENANCY_APPLICATION_LAYER=application_layer,
    )
    login.app = app
    other = world["other"]
    before = serbian_rows(db, other)
    problems, cases = [], 0

    for name, person in world["principals"].items():
        client = login(person)
        token = csrf_token(client, "/account")
        db.session.expire_all()
        principal = Principal.of(db.session.get(User, person.id))
        # The API is called as a script would: with the person's own bearer token.
        act_as_principal(None)
        _, secret = api_tokens.create(
            db.session.get(User, person.id), {"name": "m", "days": 1, "scope": "write"}
        )
        for rule in routes(app):
            values = {argument: OBJECTS_BY_ARGUMENT[argument](other) for argument in rule.arguments}
            if values and legitimately_visible(principal, rule):
                continue
            path = rule.build(values, append_unknown=False)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if is_api(rule):
                    response = client.open(
                        path,
                        method=method,
                        json={} if method in ("POST", "PATCH") else None,
                        headers={"Authorization": f"Bearer {secret}", "If-Match": "*"},
                    )
                else:
                    data = {"csrf_token": token} if method == "POST" else None
                    response = client.open(path, method=method, data=data)
                cases += 1
                if is_api(rule) and response.status_code == 401:
                    problems.append(f"{name} {method} {path}: the token was not accepted")
                body = text_of(response)
                leaked = [marker for marker in markers(principal, other, rule) if marker in body]
                if leaked:
                    problems.append(f"{name} {method} {path}: body shows {leaked}")
                if values and response.status_code != expected_status(principal, rule):
                    problems.append(
                        f"{name} {method} {path}: {response.status_code}, "
                        f"expected {expected_status(principal, rule)}"
                    )
        # The client signs out last, so its own session is the only thing it changed.
        client.post("/auth/logout", data={"csrf_token": token})

    LEAK_CASES[request.node.callspec.id] = cases
    assert problems == []
    assert serbian_rows(db, other) == before
    assert cases > 100


@pytest.mark.parametrize("database_template", ["sqlite", "postgresql"], indirect=True)
def test_the_signed_out_reach_the_public_page_and_nothing_else(client, db, world):
    """The anonymous principal: every route, requested without signing in."""
    other, problems, cases = world["other"], [], 0
    everything = [other["user_marker"], other["job_marker"], other["import_marker"]]
    everything += [*other["markers"], "Serbian restricted", "Serbian", "hidden.person"]
    for rule in routes(app=client.application):
        values = {argument: OBJECTS_BY_ARGUMENT[argument](other) for argument in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            cases += 1
            body = text_of(response)
            shown = [marker for marker in everything if marker in body]
            if shown:
                problems.append(f"{method} {path}: body shows {shown}")
            public = rule.endpoint.startswith("public.") or rule.endpoint in (
                "main.healthz",
                "main.readyz",
                "main.favicon",
            )
            if public and method == "GET":
                if response.status_code != 200:
                    problems.append(f"{method} {path}: {response.status_code}, expected 200")
            elif response.status_code not in (302, 401, 400, 405):
                problems.append(f"{method} {path}: {response.status_code} without signing in")
    LEAK_CASES[f"signed-out-{db.engine.dialect.name}"] = cases
    assert problems == []
    assert cases > 100
