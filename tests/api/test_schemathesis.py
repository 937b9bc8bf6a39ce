"""The API against its own OpenAPI document: generated requests, by several roles.

schemathesis reads the document the API serves and generates requests for every
operation, within the document (positive) and outside it (negative: wrong types,
missing fields, values out of range), sent with the tokens of a partner editor, a
member editor, a Secretariat editor and a Secretariat auditor. Every answer must be no
server error and must match what the document says of that operation: its status codes,
its content type, its headers and its body's schema. It runs once per backend.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.models import Need
from tests import factories

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Generated cases per operation, role and mode: enough for over 1,000 requests a run.
EXAMPLES = 8
LEAST_REQUESTS = 1000


def _world(db):
    """A small but complete world: needs in each status, a published response, a link."""
    cycle = factories.cycle()
    albania = factories.partner_tenant()
    commission = factories.member_tenant()
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    needs = [
        factories.need(cycle, albania, title=f"Need {status}", status=status)
        for status in ("draft", "submitted", "validated", "returned")
    ]
    response = factories.response(commission, record_status="published", visibility="members")
    db.session.add_all([*needs, response])
    db.session.flush()
    db.session.add(factories.support_link(response, needs[2]))
    people = [
        factories.user(albania, email="editor@al.example", roles=("editor",)),
        factories.user(commission, email="editor@ec.example", roles=("editor",)),
        factories.user(secretariat, email="editor@sec.example", roles=("editor",)),
        factories.user(secretariat, email="auditor@sec.example", roles=("auditor",)),
        # Webhooks are their organisation's tenant administrators'.
        factories.user(albania, email="admin@al.example", roles=("tenant_admin",)),
    ]
    db.session.commit()
    return people


def test_generated_requests_keep_to_the_document(make_app, db, api):
    app = make_app(API_RATE_LIMIT="1000000 per minute")
    people = _world(db)
    clients = [api(person) for person in people]
    document = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].document()
    schema = schemathesis.openapi.from_dict(document)
    schema.app = app
    sent, failures = [0], []

    def generated(operation, mode, headers):
        """Return a run of generated cases of one operation, sent with ``headers``."""

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case):
            sent[0] += 1
            try:
                case.call_and_validate(headers=headers, checks=CHECKS, app=app)
            except (Exception, BaseExceptionGroup) as error:  # collected, not shrunk
                failures.append(f"{case.method} {case.formatted_path}: {error!r}"[:3000])

        return call

    for client in clients:
        headers = {"Authorization": f"Bearer {client.secret}"}
        for result in schema.get_all_operations():
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                generated(result.ok(), mode, headers)()

    print("\n\n".join(failures))
    assert failures == []
    assert sent[0] >= LEAST_REQUESTS
    # The writes it generated went through the same rules as any other.
    assert db.session.query(Need).count() >= 4
