"""The two walls of tenancy agree: the application layer returns what row-level security does.

Both are generated from the same rules of the record-type registry. Here, for random
organisations, records and principals (Hypothesis), every walled table is read twice
on PostgreSQL in one transaction: once with the application's criteria alone (the
database told that the system is reading), once with row-level security alone (the
application layer switched off). The rows must be the same.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select

from portal.extensions import db as database
from portal.identity import Principal, act_as_principal, apply_identity
from portal.models import (
    ApiToken,
    IdempotencyKey,
    Invitation,
    RecoveryCode,
    ResponseParty,
    User,
    UserRole,
    UserSession,
)
from portal.models.base import utc_now
from portal.models.need import NEED_STATUSES
from portal.models.user import ROLES
from portal.record_types import REGISTRY
from portal.tenancy import criteria_of, set_application_scoping
from tests import factories

pytestmark = pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)

ECONOMIES = ("AL", "BA", "XK", "ME", "MK", "RS")
KINDS = ("partner", "member", "secretariat")

organisations = st.lists(
    st.tuples(st.sampled_from(("partner", "member")), st.sampled_from(ECONOMIES)),
    min_size=1,
    max_size=4,
)
needs = st.lists(
    st.tuples(st.integers(0, 10), st.sampled_from(NEED_STATUSES)), min_size=0, max_size=8
)
responses = st.lists(
    st.tuples(
        st.integers(0, 10),
        st.sampled_from(("draft", "published")),
        st.sampled_from(("members", "restricted")),
        st.sets(st.sampled_from(ECONOMIES), max_size=3),
    ),
    min_size=0,
    max_size=8,
)
links = st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), max_size=10)
people = st.lists(
    st.tuples(st.integers(0, 10), st.sets(st.sampled_from(ROLES), min_size=1, max_size=3)),
    min_size=1,
    max_size=6,
)
# Drawn by kind first, so the Secretariat's one tenant is chosen as often as the others.
principals = st.tuples(
    st.sampled_from(KINDS),
    st.integers(0, 10),
    st.integers(0, 10),
    st.sets(st.sampled_from(ROLES), max_size=3),
)


def _pick(items, index):
    return items[index % len(items)] if items else None


def build_world(organisation_kinds, need_rows, response_rows, link_pairs, person_rows):
    """Write a random IISG as the system, in the open transaction; return its tenants and users."""
    cycle = factories.cycle()
    tenants = [factories.member_tenant(code="IISG-SEC", kind="secretariat")]
    for number, (kind, economy) in enumerate(organisation_kinds):
        code = f"ORG-{number}"
        if kind == "partner":
            tenants.append(factories.partner_tenant(code=code, economy=economy))
        else:
            tenants.append(factories.member_tenant(code=code))
    partners = [tenant for tenant in tenants if tenant.kind == "partner"]
    made_needs = [
        factories.need(cycle, _pick(partners, owner), status=status)
        for owner, status in need_rows
        if partners
    ]
    made_responses = []
    for owner, record_status, visibility, beneficiaries in response_rows:
        response = factories.response(
            _pick(tenants, owner), record_status=record_status, visibility=visibility
        )
        response.beneficiaries = [factories.economy(code) for code in sorted(beneficiaries)]
        response.parties = [ResponseParty(role="donor", name="A donor", tenant=response.tenant)]
        made_responses.append(response)
    database.session.add_all([*made_needs, *made_responses])
    pairs = {
        (_pick(made_responses, response), _pick(made_needs, need))
        for response, need in link_pairs
        if made_responses and made_needs
    }
    database.session.add_all(factories.support_link(response, need) for response, need in pairs)
    users = []
    for number, (tenant, roles) in enumerate(person_rows):
        person = User(
            email=f"person{number}@example.org",
            name=f"Person {number}",
            tenant=_pick(tenants, tenant),
            password_hash="not a real hash",
            role_grants=[UserRole(role=role) for role in sorted(roles)],
        )
        later = utc_now() + timedelta(days=1)
        database.session.add(person)
        database.session.flush()
        database.session.add_all(
            [
                UserSession(user_id=person.id, token_hash=f"session-{number}"),
                RecoveryCode(user_id=person.id, code_hash="not a real hash"),
                Invitation(user_id=person.id, token_hash=f"invitation-{number}", expires_at=later),
                ApiToken(
                    user_id=person.id,
                    name="script",
                    token_hash=f"token-{number}",
                    prefix="iisg_x",
                    expires_at=later,
                ),
                IdempotencyKey(user_id=person.id, key="retry-1", fingerprint="0" * 64),
            ]
        )
        users.append(person)
    database.session.flush()
    return tenants, users


def _key_columns(record_type):
    if record_type.mapped:
        return [
            getattr(record_type.model, column.key)
            for column in inspect(record_type.model).primary_key
        ]
    return list(record_type.model.c)


def rows_seen_by_the_application(principal, record_type) -> set[tuple]:
    """Return the rows the application's criteria alone let ``principal`` read."""
    act_as_principal(principal)
    # The database reads as the system: row-level security lets every row through.
    apply_identity(database.session.connection(), None)
    statement = select(*_key_columns(record_type))
    if not record_type.mapped:
        # A Core table has no mapped class to scope; its rule compiles all the same.
        statement = statement.where(criteria_of(principal, record_type.table))
    return {tuple(row) for row in database.session.execute(statement)}


def rows_seen_by_row_level_security(principal, record_type) -> set[tuple]:
    """Return the rows row-level security alone lets ``principal`` read."""
    act_as_principal(principal)
    set_application_scoping(False)
    try:
        return {tuple(row) for row in database.session.execute(select(*_key_columns(record_type)))}
    finally:
        set_application_scoping(True)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    organisation_kinds=organisations,
    need_rows=needs,
    response_rows=responses,
    link_pairs=links,
    person_rows=people,
    principal_choice=principals,
)
def test_the_application_layer_returns_what_row_level_security_returns(
    db, organisation_kinds, need_rows, response_rows, link_pairs, person_rows, principal_choice
):
    act_as_principal(None)
    try:
        tenants, users = build_world(
            organisation_kinds, need_rows, response_rows, link_pairs, person_rows
        )
        kind, tenant_choice, user_choice, roles = principal_choice
        of_kind = [tenant for tenant in tenants if tenant.kind == kind] or tenants
        tenant = _pick(of_kind, tenant_choice)
        members = [person for person in users if person.tenant is tenant] or users
        principal = Principal(
            user_id=_pick(members, user_choice).id,
            tenant_id=tenant.id,
            tenant_kind=tenant.kind,
            economy_id=tenant.economy_id,
            roles=frozenset(roles),
        )
        for record_type in REGISTRY.walled() + REGISTRY.trail():
            by_application = rows_seen_by_the_application(principal, record_type)
            by_database = rows_seen_by_row_level_security(principal, record_type)

            assert by_application == by_database, (record_type.table, principal)
    finally:
        act_as_principal(None)
        database.session.rollback()
