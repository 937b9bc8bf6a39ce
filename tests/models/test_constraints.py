"""The database itself refuses data that breaks the domain's rules, on both backends."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from portal.models import PartnerEconomy, Tenant, User
from tests.factories import cycle, member_tenant, need, partner_tenant, reference, response


def assert_refused(db, *objects):
    db.session.add_all(objects)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_valid_need_is_stored_with_version_one(db):
    stored = need(cycle(), partner_tenant())
    db.session.add(stored)
    db.session.commit()

    assert stored.version == 1
    assert stored.status == "draft"


@pytest.mark.parametrize(
    "changes", [{"status": "approved"}, {"priority": "urgent"}, {"title": None}]
)
def test_needs_refuse_unknown_statuses_priorities_and_missing_titles(db, changes):
    assert_refused(db, need(cycle(), partner_tenant(), **changes))


def test_only_one_secretariat_tenant_can_exist(db):
    db.session.add(Tenant(code="IISG-SEC", name="IISG Secretariat", kind="secretariat"))
    db.session.flush()

    assert_refused(db, Tenant(code="SEC-2", name="Second secretariat", kind="secretariat"))


def test_partner_tenants_need_an_economy_and_members_have_none(db):
    assert_refused(db, Tenant(code="X-MOI", name="No economy", kind="partner"))
    assert_refused(
        db,
        Tenant(code="EC", name="EC", kind="member", economy=reference(PartnerEconomy, "AL")),
    )


def test_tenant_codes_are_unique(db):
    db.session.add(partner_tenant())
    db.session.flush()

    assert_refused(db, partner_tenant())


def test_only_one_cycle_can_be_open(db):
    db.session.add(cycle("2024-2025"))
    db.session.flush()

    assert_refused(db, cycle("2026-2027"))


def test_an_adopted_cycle_must_record_its_board_meeting(db):
    assert_refused(db, cycle(status="adopted"))


def test_a_cycle_cannot_end_before_it_starts(db):
    assert_refused(db, cycle(ends_on=date(2026, 1, 1)))


def test_user_emails_must_be_stored_lower_case(db):
    assert_refused(db, User(email="Ana@Example.org", name="Ana", tenant=partner_tenant()))


def test_user_emails_are_unique(db):
    tenant = partner_tenant()
    db.session.add(User(email="ana@example.org", name="Ana", tenant=tenant))
    db.session.flush()

    assert_refused(db, User(email="ana@example.org", name="Ana Again", tenant=tenant))


@pytest.mark.parametrize(
    "changes",
    [
        {"budget_amount": Decimal("-1.00"), "budget_currency": "EUR"},
        {"budget_amount": Decimal("1000.00")},
        {"starts_on": date(2026, 5, 1), "ends_on": date(2026, 4, 30)},
        {"support_type": "consultancy"},
        {"visibility": "public"},
    ],
)
def test_responses_refuse_bad_budgets_dates_and_unknown_values(db, changes):
    assert_refused(db, response(member_tenant(), **changes))


def test_needs_cannot_point_to_a_missing_cycle(db):
    stored = need(cycle(), partner_tenant())
    db.session.add(stored)
    db.session.flush()
    stored.cycle = None
    stored.cycle_id = 999_999

    with pytest.raises(IntegrityError):
        db.session.flush()
