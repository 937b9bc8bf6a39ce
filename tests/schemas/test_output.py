"""The output shapes: real rows of both databases, named, ISO-dated, exact and JSON-ready."""

import json
import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError
from sqlalchemy import select, update

from audit import context as audit_context
from portal.models import AcquisChapter, AuditEntry, Need, ResponseParty
from portal.models.base import utc_now
from portal.schemas import (
    audit_output,
    cycles_output,
    needs_output,
    output,
    reference_output,
    responses_output,
    support_links_output,
    tenants_output,
    users_output,
)
from portal.schemas.audit_output import AuditEntryOutputSchema, AuditExportOutputSchema
from portal.schemas.cycles_output import CycleOutputSchema
from portal.schemas.needs_output import NeedOutputSchema, NeedSummaryOutputSchema
from portal.schemas.responses import COMMON_CURRENCIES, LARGEST_BUDGET
from portal.schemas.responses_output import ResponseOutputSchema
from portal.schemas.support_links_output import SupportLinkOutputSchema
from portal.schemas.tenants_output import TenantOutputSchema
from portal.schemas.users_output import ApiUserOutputSchema, UserOutputSchema
from portal.services import audit as audit_service
from tests import factories
from tests.needs.cast import albanian_need, build_cast

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
SECRET_COLUMNS = {
    "password_hash",
    "totp_secret_encrypted",
    "pending_totp_secret_encrypted",
    "token_hash",
    "code_hash",
}
OUTPUT_MODULES = (
    audit_output,
    cycles_output,
    needs_output,
    reference_output,
    responses_output,
    support_links_output,
    tenants_output,
    users_output,
)
KOSOVO = {"code": "XK", "name": "Kosovo*"}
BORDERS = {"code": "WBBSi", "name": "Western Balkans Border Security initiative"}
COMMISSION = {"code": "EC-NEAR", "name": "European Commission DG NEAR", "kind": "member"}
KOSOVO_MINISTRY = {"code": "XK-MIA", "name": "Ministry of Internal Affairs", "kind": "partner"}


def json_ready(data):
    """Return ``data`` after a trip through JSON, which must need no custom encoder."""
    return json.loads(json.dumps(data))


@pytest.fixture
def records(db):
    """A Kosovo need in the open cycle, a Commission response to it, and the link between."""
    cycle = factories.cycle()
    kosovo = factories.partner_tenant(code="XK-MIA", economy="XK", name=KOSOVO_MINISTRY["name"])
    commission = factories.member_tenant(name=COMMISSION["name"])
    giz = factories.member_tenant(code="DE-GIZ", name="GIZ")
    chapters = db.session.scalars(
        select(AcquisChapter).where(AcquisChapter.number.in_((24, 23)))
    ).all()
    need = factories.need(
        cycle, kosovo, pillar="WBBSi", status="validated", priority="high", acquis_chapters=chapters
    )
    response = factories.response(
        commission,
        pillars=("WBBSi", "WBCTi"),
        title="Integrated border management",
        record_status="published",
        implementation_status="ongoing",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
        budget_amount=Decimal("1250000.00"),
        budget_currency="EUR",
        beneficiaries=[factories.economy("XK"), factories.economy("AL")],
        parties=[
            ResponseParty(role="donor", position=0, name=commission.name, tenant=commission),
            ResponseParty(role="implementer", position=0, name="GIZ", tenant=giz),
            ResponseParty(role="implementer", position=1, name="UNODC"),
        ],
    )
    link = factories.support_link(response, need, status="confirmed", confirmed_at=utc_now())
    db.session.add_all([cycle, need, response, link])
    db.session.commit()
    return SimpleNamespace(
        cycle=cycle, kosovo=kosovo, commission=commission, need=need, response=response, link=link
    )


def test_a_need_names_its_reference_data_beside_the_codes(records):
    need = records.need

    shown = NeedOutputSchema().dump(need)

    assert list(shown) == [
        "id",
        "code",
        "version",
        "cycle",
        "owner",
        "economy",
        "pillar",
        "category",
        "perspective",
        "acquis_chapters",
        "title",
        "description",
        "source_reference",
        "priority",
        "status",
        "return_comment",
        "previous_need_id",
        "created_at",
        "updated_at",
    ]
    assert (shown["id"], shown["version"], shown["status"], shown["priority"]) == (
        need.id,
        1,
        "validated",
        "high",
    )
    assert shown["cycle"] == {"id": records.cycle.id, "name": "2026-2027"}
    assert shown["owner"] == KOSOVO_MINISTRY
    assert shown["economy"] == KOSOVO
    assert shown["pillar"] == BORDERS
    assert shown["category"] == {"code": "legislative", "name": "Legislative"}
    assert shown["perspective"] == {"code": "prevention", "name": "Prevention"}
    assert shown["acquis_chapters"] == [
        {"number": 23, "title": "Judiciary and fundamental rights"},
        {"number": 24, "title": "Justice, freedom and security"},
    ]
    assert TIMESTAMP.fullmatch(shown["created_at"]) and TIMESTAMP.fullmatch(shown["updated_at"])
    assert json_ready(shown) == shown


def test_a_need_and_its_summary_show_its_code(records):
    shown = NeedOutputSchema().dump(records.need)
    summary = NeedSummaryOutputSchema().dump(records.need)

    assert list(shown)[:2] == ["id", "code"]
    assert shown["code"] == summary["code"] == records.need.code
    assert re.fullmatch(r"2026-XK-WBBSi-\d{3}", shown["code"])


def test_a_response_names_its_pillars_parties_and_beneficiaries(records):
    response = records.response

    shown = ResponseOutputSchema().dump(response)

    assert (shown["id"], shown["version"]) == (response.id, 1)
    assert shown["owner"] == COMMISSION
    assert shown["pillars"] == [
        {"code": "WBCTi", "name": "Western Balkans Counter-Terrorism initiative"},
        BORDERS,
    ]
    assert shown["donors"] == [COMMISSION]
    assert shown["implementers"] == [
        {"code": "DE-GIZ", "name": "GIZ", "kind": "member"},
        {"code": None, "name": "UNODC", "kind": None},
    ]
    assert shown["beneficiaries"] == [{"code": "AL", "name": "Albania"}, KOSOVO]
    assert shown["budget"] == {"amount": "1250000.00", "currency": "EUR"}
    assert (shown["starts_on"], shown["ends_on"]) == ("2026-01-01", "2027-12-31")
    assert (
        shown["support_type"],
        shown["implementation_status"],
        shown["record_status"],
        shown["visibility"],
    ) == ("training", "ongoing", "published", "members")
    assert TIMESTAMP.fullmatch(shown["created_at"]) and TIMESTAMP.fullmatch(shown["updated_at"])
    assert json_ready(shown) == shown


def test_a_response_without_a_budget_or_dates_shows_nulls(records, db):
    draft = factories.response(records.commission, title="Not yet costed")
    db.session.add(draft)
    db.session.commit()

    shown = ResponseOutputSchema().dump(draft)

    assert (shown["budget"], shown["starts_on"], shown["ends_on"]) == (None, None, None)
    assert (shown["donors"], shown["implementers"], shown["beneficiaries"]) == ([], [], [])
    assert json_ready(shown) == shown


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    amount=st.decimals(min_value=0, max_value=LARGEST_BUDGET, places=2),
    currency=st.sampled_from(COMMON_CURRENCIES),
)
def test_any_budget_comes_back_from_the_database_to_the_cent_as_text(records, db, amount, currency):
    response = records.response
    response.budget_amount, response.budget_currency = amount, currency
    db.session.commit()
    db.session.expire(response)

    budget = json_ready(ResponseOutputSchema().dump(response))["budget"]

    assert budget == {"amount": f"{amount:.2f}", "currency": currency}
    assert Decimal(budget["amount"]) == amount


def test_a_support_link_names_both_ends(records):
    link, need, response = records.link, records.need, records.response

    shown = SupportLinkOutputSchema().dump(link)

    assert (shown["id"], shown["version"], shown["status"], shown["coverage"]) == (
        link.id,
        1,
        "confirmed",
        "partial",
    )
    assert shown["need"] == {
        "id": need.id,
        **({"code": need.code} if hasattr(Need, "code") else {}),
        "title": need.title,
        "status": "validated",
        "pillar": BORDERS,
        "economy": KOSOVO,
    }
    assert shown["response"] == {
        "id": response.id,
        "title": "Integrated border management",
        "owner": COMMISSION,
    }
    assert TIMESTAMP.fullmatch(shown["confirmed_at"])
    assert shown["validated_at"] is None
    assert json_ready(shown) == shown


def test_a_cycle_shows_its_dates_and_adoption(db):
    cast = build_cast()

    shown = CycleOutputSchema().dump(cast.adopted_cycle)

    assert shown == {
        "id": cast.adopted_cycle.id,
        "version": 1,
        "name": "2021-2022",
        "status": "adopted",
        "starts_on": "2021-09-01",
        "ends_on": "2022-06-30",
        "submission_deadline": None,
        "board_meeting": "6th IISG Board Meeting, Sarajevo",
        "adopted_on": "2022-06-20",
        "created_at": shown["created_at"],
    }
    assert TIMESTAMP.fullmatch(shown["created_at"])
    assert json_ready(shown) == shown


def test_a_tenant_shows_the_economy_it_speaks_for(records):
    partner = TenantOutputSchema().dump(records.kosovo)
    member = TenantOutputSchema().dump(records.commission)

    assert partner == {
        "id": records.kosovo.id,
        **KOSOVO_MINISTRY,
        "economy": KOSOVO,
        "active": True,
        "created_at": partner["created_at"],
    }
    assert (member["kind"], member["economy"]) == ("member", None)
    assert TIMESTAMP.fullmatch(partner["created_at"])
    assert json_ready([partner, member]) == [partner, member]


def test_a_user_shows_who_they_are_and_never_how_they_sign_in(records, db):
    person = factories.user(records.kosovo, email="ana@xk.example", roles=("viewer", "editor"))
    db.session.commit()

    shown = UserOutputSchema().dump(person)
    text = json.dumps(shown)

    assert shown == {
        "id": person.id,
        "email": "ana@xk.example",
        "name": "Ana",
        "tenant": KOSOVO_MINISTRY,
        "roles": ["editor", "viewer"],
    }
    assert person.password_hash not in text
    assert ApiUserOutputSchema().dump(person) == {**shown, "tenant": "XK-MIA"}


def test_no_output_schema_has_a_field_for_a_secret_column():
    schemas = [
        value
        for module in OUTPUT_MODULES
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Schema)
        if value.__module__ == module.__name__
    ]

    named = {
        name
        for schema in schemas
        for field_name, field in schema._declared_fields.items()
        for name in (field_name, field.attribute, field.data_key)
    }

    assert len(schemas) >= 15
    assert not named & SECRET_COLUMNS


def test_output_schemas_take_nothing_in(records):
    with pytest.raises(ValidationError) as refused:
        NeedOutputSchema().load({"title": "Rewritten", "status": "adopted"})

    assert set(refused.value.messages) == {"title", "status"}


def test_an_audit_entry_shows_who_changed_what_where(records, db):
    need, title_before = records.need, records.need.title
    with audit_context.acting(
        actor_id=7,
        actor_kind="user",
        actor_label="ana@xk.example",
        request_id="req-42",
        client_address="192.0.2.10",
        reason="typo in the title",
    ):
        db.session.execute(update(Need).where(Need.id == need.id).values(title="Border checks"))
        db.session.commit()
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.table_name == "needs").order_by(AuditEntry.id.desc())
    ).first()

    shown = AuditEntryOutputSchema().dump(entry)

    assert list(shown) == [
        "id",
        "recorded_at",
        "table",
        "row_key",
        "operation",
        "changed_columns",
        "old_row",
        "new_row",
        "actor",
        "tenant",
        "request_id",
        "client_address",
        "reason",
        "event",
    ]
    assert (shown["id"], shown["table"], shown["row_key"], shown["operation"]) == (
        entry.id,
        "needs",
        str(need.id),
        "update",
    )
    assert "title" in shown["changed_columns"]
    assert (shown["old_row"]["title"], shown["new_row"]["title"]) == (title_before, "Border checks")
    assert shown["actor"] == {"id": 7, "kind": "user", "label": "ana@xk.example"}
    assert shown["tenant"] == KOSOVO_MINISTRY
    assert (shown["request_id"], shown["client_address"], shown["reason"], shown["event"]) == (
        "req-42",
        "192.0.2.10",
        "typo in the title",
        None,
    )
    assert TIMESTAMP.fullmatch(shown["recorded_at"])
    assert json_ready(shown) == shown


def test_an_audit_entry_of_platform_data_names_no_tenant(records, db):
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.table_name == "cycles", AuditEntry.operation == "I")
    ).one()

    shown = AuditEntryOutputSchema().dump(entry)

    assert (shown["table"], shown["operation"], shown["tenant"]) == ("cycles", "insert", None)
    assert shown["new_row"]["name"] == "2026-2027"


def test_audit_entries_of_a_user_never_show_the_secrets(records, db):
    person = factories.user(records.kosovo, email="ana@xk.example")
    db.session.commit()
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.table_name == "users").order_by(AuditEntry.id)
    ).all()

    text = json.dumps(AuditEntryOutputSchema(many=True).dump(entries))

    assert entries
    assert person.password_hash not in text
    assert person.totp_secret_encrypted.hex() not in text
    assert '"password_hash": "[redacted]"' in text


def test_the_download_rows_keep_their_flat_columns_and_stored_codes(records, db):
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    codes = {None: "PLATFORM", records.kosovo.id: "XK-MIA"}

    rows = AuditExportOutputSchema(tenant_codes=codes, many=True).dump(entries)

    by_table = {row["table_name"]: row for row in rows}
    assert tuple(rows[0]) == audit_service._EXPORT_COLUMNS
    assert by_table["cycles"]["tenant"] == "PLATFORM"
    assert by_table["needs"]["tenant"] == "XK-MIA"
    assert by_table["needs"]["operation"] == "I"
    # An organisation missing from the codes is shown by its number, as before.
    assert by_table["responses"]["tenant"] == str(records.commission.id)
    assert all(TIMESTAMP.fullmatch(row["recorded_at"]) for row in rows)
    assert json_ready(rows) == rows


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2026-11-23T14:30:00.000001Z", "2026-11-23T14:30:00.000001Z"),
        ("2026-11-23T15:30:00+01:00", "2026-11-23T14:30:00.000000Z"),
    ],
)
def test_a_timestamp_is_shown_in_utc_from_text_or_offset(stored, shown):
    class Stamped(output.OutputSchema):
        at = output.Timestamp()

    assert Stamped().dump({"at": stored}) == {"at": shown}


def test_a_need_from_the_cast_round_trips_through_json(db):
    need = albanian_need(build_cast(), status="returned", return_comment="Say which border.")

    shown = NeedOutputSchema().dump(need)

    assert (shown["status"], shown["return_comment"]) == ("returned", "Say which border.")
    assert shown["economy"] == {"code": "AL", "name": "Albania"}
    assert json_ready(shown) == shown
