"""The auditor's pages read as people speak: labels and names, compact rows, whole histories.

Columns are shown by their labels and ids by the names behind them, as far as the reader
may read those names; a record's history holds its support links' changes; the as-of
moment is typed in one unambiguous format, in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from portal.models import Invitation, SupportLink
from tests import factories
from tests.statement_support import count_statements


@pytest.fixture
def linked(db):
    """An Albanian need linked to a Commission response: proposed, confirmed, validated.

    Each step is its own change of the link, by the Albanian editor (confirming) and the
    Secretariat's validator (validating). Auditors: Albania's, the Commission's and the
    Secretariat's; the Secretariat's administrator invites an Albanian user.
    """
    cycle = factories.cycle()
    albania = factories.partner_tenant()
    commission = factories.member_tenant(name="European Commission DG NEAR")
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    need = factories.need(cycle, albania, status="validated", title="Albanian border surveillance")
    response = factories.response(
        commission, record_status="published", title="Regional border training"
    )
    db.session.add_all([need, response])
    people = {
        "partner_auditor": factories.user(
            albania, email="auditor@al.example", roles=("auditor",), name="Arta Auditor"
        ),
        "member_auditor": factories.user(
            commission, email="auditor@ec.example", roles=("auditor",), name="Emil Auditor"
        ),
        "secretariat_auditor": factories.user(
            secretariat, email="auditor@sec.example", roles=("auditor",), name="Sara Auditor"
        ),
        "editor": factories.user(
            albania, email="editor@al.example", roles=("editor",), name="Edi Editor"
        ),
        "validator": factories.user(
            secretariat, email="validator@sec.example", roles=("editor",), name="Vera Validator"
        ),
        "admin": factories.user(
            secretariat, email="admin@sec.example", roles=("admin",), name="Adam Administrator"
        ),
        "invited": factories.user(albania, email="new@al.example", name="Nora Newcomer"),
    }
    db.session.commit()
    link = factories.support_link(response, need)
    db.session.add(link)
    db.session.commit()
    db.session.execute(
        update(SupportLink)
        .where(SupportLink.id == link.id)
        .values(
            status="confirmed", confirmed_by_id=people["editor"].id, confirmed_at=datetime.now(UTC)
        )
    )
    db.session.commit()
    db.session.execute(
        update(SupportLink)
        .where(SupportLink.id == link.id)
        .values(
            status="validated",
            validated_by_id=people["validator"].id,
            validated_at=datetime.now(UTC),
        )
    )
    db.session.add(
        Invitation(
            user_id=people["invited"].id,
            token_hash="0" * 64,
            expires_at=datetime.now(UTC) + timedelta(days=7),
            created_by_id=people["admin"].id,
        )
    )
    db.session.commit()
    return {**people, "need": need, "response": response, "link": link, "albania": albania}


def test_an_entry_shows_column_labels_and_the_names_behind_ids(linked, login):
    client = login(linked["secretariat_auditor"])
    validator = linked["validator"]

    page = client.get("/audit?table=support_links").get_data(as_text=True)

    assert "Validated by" in page
    assert "Vera Validator" in page
    assert "Edi Editor" in page  # who confirmed
    assert "Albanian border surveillance" in page  # the need the link is to
    assert not re.search(rf"validated_by_id\W+{validator.id}\b", page)
    assert f">{validator.id}</ins>" not in page


def test_a_record_page_names_the_organisation_and_references_of_its_entries(linked, login):
    client = login(linked["partner_auditor"])
    need = linked["need"]

    page = client.get(f"/audit/records/needs/{need.id}").get_data(as_text=True)

    assert "Organisation" in page and "Ministry AL-MOI" in page
    assert "Pillar" in page and "WBCTi" in page
    assert not re.search(r"tenant_id\W+\d", page)


def test_a_partner_auditor_is_not_shown_a_name_it_may_not_read(linked, login):
    partner = login(linked["partner_auditor"])
    secretariat = login(linked["secretariat_auditor"])
    admin = linked["admin"]
    query = "/audit?table=invitations"

    as_partner = partner.get(query).get_data(as_text=True)
    as_secretariat = secretariat.get(query).get_data(as_text=True)

    # The invitation is Albania's (its user's), made by the Secretariat's administrator,
    # whose user record and entries a partner's auditor may not read.
    assert "Created by" in as_partner
    assert "Adam Administrator" not in as_partner
    assert f"user #{admin.id}" in as_partner
    assert "Adam Administrator" in as_secretariat


def test_a_needs_history_includes_its_links_confirmation_and_validation(linked, login):
    client = login(linked["secretariat_auditor"])
    need, link = linked["need"], linked["link"]

    page = client.get(f"/audit/records/needs/{need.id}").get_data(as_text=True)

    assert f'href="/audit/records/support_links/{link.id}"' in page
    assert "Support link" in page
    assert "Confirmed by" in page and "Edi Editor" in page
    assert "Validated by" in page and "Vera Validator" in page


def test_a_responses_history_includes_its_links_for_its_own_auditor(linked, login):
    client = login(linked["member_auditor"])
    response, link = linked["response"], linked["link"]

    page = client.get(f"/audit/records/responses/{response.id}").get_data(as_text=True)

    assert f'href="/audit/records/support_links/{link.id}"' in page
    assert "Validated by" in page


def test_a_partner_auditor_reads_no_link_entries_of_another_organisations_chain(linked, login):
    # The link joins the response's chain (the Commission's): not the partner auditor's.
    client = login(linked["partner_auditor"])
    need, link = linked["need"], linked["link"]

    response = client.get(f"/audit/records/needs/{need.id}")

    assert response.status_code == 200
    assert f"/audit/records/support_links/{link.id}" not in response.get_data(as_text=True)


def test_the_trail_lists_each_entry_in_one_compact_row_with_its_details_folded(linked, login):
    client = login(linked["secretariat_auditor"])

    page = client.get("/audit?table=support_links").get_data(as_text=True)

    rows = re.findall(
        r"<tr class=\"audit-entry\">(.*?)</tr>\s*(?=<tr class=\"audit-entry\"|</tbody>)", page, re.S
    )
    assert len(rows) == 3  # inserted, confirmed, validated
    for row in rows:
        assert row.count("<details") == 1
        details = row[row.index("<details") :]
        assert "<summary" in details
        # The table of changes is folded inside the details, not spread over the page.
        assert "audit-diff" not in row[: row.index("<details")]
    # The summary says what changed in a few words.
    assert re.search(r"<summary[^>]*>[^<]*Validated by", page)


def test_the_as_of_field_is_typed_in_utc_in_one_format(linked, login):
    client = login(linked["partner_auditor"])
    url = f"/audit/records/needs/{linked['need'].id}"

    form = client.get(url).get_data(as_text=True)
    answer = client.get(url, query_string={"at": "2026-11-29 10:00"})

    field = re.search(r'<input[^>]*id="at"[^>]*>', form).group(0)
    assert 'type="text"' in field
    assert "YYYY-MM-DD HH:MM" in form
    assert 'aria-describedby="at-hint' in field
    assert answer.status_code == 200
    assert "At 2026-11-29 10:00:00 UTC" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    "typed",
    [
        "29/11/2026",
        "2026-13-01 10:00",
        "2026-11-29 25:00",
        "2026-11-29 10:00+25:00",
        "1999-12-31 23:59",
        "99999-01-01 00:00",
        "2026-11-29 10:00 tomorrow",
    ],
)
def test_an_as_of_that_is_not_a_moment_is_refused_naming_the_field(linked, login, typed):
    client = login(linked["partner_auditor"])
    url = f"/audit/records/needs/{linked['need'].id}"

    response = client.get(url, query_string={"at": typed})

    assert response.status_code == 422
    text = response.get_data(as_text=True)
    alert = re.search(r'<div class="alert alert-danger" role="alert">(.*?)</div>', text, re.S)
    assert alert is not None
    assert "As of (UTC)" in alert.group(1)
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="at"[^>]*>', text).group(0)


def test_the_trail_page_sends_as_many_statements_for_25_entries_as_for_5(linked, login, db):
    client = login(linked["secretariat_auditor"])
    validators = [
        factories.user(linked["albania"], email=f"v{number}@al.example", name=f"Validator {number}")
        for number in range(25)
    ]
    db.session.commit()
    counted, shown = {}, {}

    for total in (5, 25):
        for validator in validators[:total]:
            db.session.execute(
                update(SupportLink)
                .where(SupportLink.id == linked["link"].id)
                .values(validated_by_id=validator.id, note=f"checked by {validator.name}")
            )
            db.session.commit()
        url = f"/audit?table=support_links&per_page={total}"
        counted[total] = count_statements(
            db.engine, lambda url=url, total=total: shown.update({total: client.get(url)})
        )

    assert [shown[total].status_code for total in (5, 25)] == [200, 200]
    assert shown[25].get_data(as_text=True).count('<tr class="audit-entry">') == 25
    assert "Validator 24" in shown[25].get_data(as_text=True)
    assert counted[25] == counted[5]
