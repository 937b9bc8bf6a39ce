"""Odd input the API once answered with a 500 or took wrongly, found by a review of it.

Each test states the contract (docs/api.md): a refusal in the envelope, nothing written.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.models import Need, SupportLink
from tests.worlds import audit_world, mapping_world


@pytest.fixture
def world(db):
    return mapping_world(db)


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def assert_enveloped(response, *statuses):
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True))
    assert response.is_json
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}


# --- 500s on odd input ---------------------------------------------------------------------


def test_deeply_nested_json_is_a_bad_request_not_a_500(api, world, db):
    """A 200 kB body of nested arrays: json.loads raises RecursionError, which
    ApiParser (_raw_load_json / _handle_invalid_json_error) does not catch."""
    before = count(db, Need)
    editor = api(world.people.albania_editor)
    nested = "[" * 100_000 + "]" * 100_000

    created = editor.post("needs", data=nested, content_type="application/json")
    step = editor.post(
        f"needs/{world.needs.albania_draft.id}/submit", data=nested, content_type="application/json"
    )

    assert_enveloped(created, 400)
    assert_enveloped(step, 400)
    assert count(db, Need) == before


def test_a_lone_surrogate_in_a_text_field_is_refused_not_a_500(api, world, db):
    """JSON may escape a lone surrogate ("\\ud800"); it passes ``printable`` and every
    schema, then the driver cannot encode it (UnicodeEncodeError at INSERT): 500."""
    before = count(db, Need)
    body = (
        '{"pillar": "WBCTi", "category": "legislative", "perspective": "prevention",'
        ' "title": "Border \\ud800 police", "description": "x", "priority": "high"}'
    )

    answer = api(world.people.albania_editor).post(
        "needs", data=body, content_type="application/json"
    )

    assert_enveloped(answer, 400, 422)
    assert count(db, Need) == before


@pytest.mark.parametrize(
    "path",
    [
        "audit/entries?actor=%00",
        "audit/entries?tenant=%00",
        "audit/entries?row_key=%00",
        "audit/entries?request_id=%00",
        "audit/records/needs/%00",
        "audit/records/ne%00eds/1",
    ],
)
def test_a_nul_in_an_audit_filter_or_record_address_is_not_a_500(api, db, path):
    """PostgreSQL refuses NUL in text; the audit filters (AuditFilterSchema /
    AuditEntryListArguments) and the records/<table>/<row_key> address lack the
    ``printable`` check every other API parameter has. 500 on PostgreSQL only."""
    people = audit_world(db)

    answer = api(people["albanian_auditor"], scope="read").get(path)

    assert answer.status_code != 500, answer.get_data(as_text=True)
    assert answer.is_json


@pytest.mark.parametrize(
    "path",
    [
        "audit/entries?until=9999-12-31",
        "audit/records/needs/1?at=9999-12-31T23:59:59-14:00",
        "audit/records/needs/1?at=0001-01-01T00:00:00%2B14:00",
    ],
)
def test_an_extreme_audit_date_is_refused_not_a_500(api, db, path):
    """services.audit._filtered adds a day to ``until`` (OverflowError at 9999-12-31);
    record_at calls ``moment.astimezone(UTC)`` (OverflowError past year 9999 / before 1)."""
    people = audit_world(db)

    answer = api(people["albanian_auditor"], scope="read").get(path)

    assert answer.status_code != 500
    assert answer.is_json


# --- PATCH semantics -------------------------------------------------------------------------


def test_a_patch_can_empty_a_needs_source_reference(api, world, db):
    """NeedPatchSchema keeps FormSchema's blank_means_not_given for source_reference, so
    "" is dropped (200, nothing changes) and null is refused (422): the field can be set
    through the API but never emptied. ResponsePatchSchema fixed this for responses."""
    editor = api(world.people.albania_editor)
    need_id = world.needs.albania_draft.id
    set_ = editor.patch(
        f"needs/{need_id}", json={"source_reference": "Strategy 2025"}, headers={"If-Match": "*"}
    )
    assert set_.status_code == 200
    assert set_.get_json()["source_reference"] == "Strategy 2025"

    emptied = editor.patch(
        f"needs/{need_id}", json={"source_reference": ""}, headers={"If-Match": "*"}
    )

    assert emptied.status_code == 200
    assert emptied.get_json()["source_reference"] == ""


def test_a_fractional_id_in_a_body_is_refused_not_truncated(api, world, db):
    """LinkProposalSchema.need_id is fields.Integer(strict=False): 1.7 loads as 1, so the
    link is made to another need than the one sent (also acquis_chapters: [1.9] -> 1)."""
    need = world.needs.albania_validated

    answer = api(world.people.commission_editor).post(
        f"responses/{world.responses.published.id}/links",
        data=f'{{"need_id": {need.id}.7, "coverage": "full"}}',
        content_type="application/json",
    )

    assert_enveloped(answer, 422)
    assert count(db, SupportLink) == 0


# --- idempotency -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "step", "headers"),
    [
        ("POST", "return", {}),  # 422 comment required
        ("POST", "validate", {"If-Match": '"99"'}),  # 412
        ("POST", "withdraw", {"If-Match": '"99"'}),  # 412
        ("DELETE", "", {}),  # 428
        ("DELETE", "", {"If-Match": '"99"'}),  # 412
    ],
)
def test_a_visible_need_the_caller_may_not_change_is_403_first(api, world, method, step, headers):
    """needs.py ``_step`` reads If-Match and the body before the service asks the policy,
    and delete_need takes ``get_need`` (not a for-delete getter) and evaluates
    matched_version() before need_service.delete_need's policy: a member's editor who
    sees a validated need gets 422/412/428 instead of 403 (docs/api.md: 404 and 403
    come first). Responses and links do it right (get_*_for_edit / get_link_for)."""
    member = api(world.people.commission_editor)
    path = f"needs/{world.needs.albania_validated.id}" + (f"/{step}" if step else "")

    answer = member.open(method, path, headers=headers)

    assert_enveloped(answer, 403)


# --- never HTML -----------------------------------------------------------------------------


def test_verifying_the_trail_is_never_answered_from_a_kept_answer(api, db):
    people = audit_world(db)
    auditor = api(people["albanian_auditor"], scope="read")

    first = auditor.post("audit/verify", headers={"Idempotency-Key": "nightly-check"})
    again = auditor.post("audit/verify", headers={"Idempotency-Key": "nightly-check"})

    assert first.status_code == again.status_code == 200
    assert "Idempotent-Replayed" not in again.headers
