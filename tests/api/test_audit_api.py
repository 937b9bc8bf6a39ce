"""The audit trail through the API: for auditors only, scoped as the pages, verifiable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from audit import tables
from portal import audit_trail
from portal.models import ApiToken, Need
from tests.audit.chain_support import as_owner
from tests.worlds import audit_world

ENDPOINTS = [
    ("GET", "audit/entries"),
    ("GET", "audit/entries?operation=X&colour=red"),
    ("GET", "audit/records/needs/1"),
    ("POST", "audit/verify"),
]


@pytest.fixture
def people(db):
    return audit_world(db)


def titles(body) -> set[str]:
    return {
        (entry["new_row"] or {}).get("title")
        for entry in body["items"]
        if entry["table"] == "needs"
    }


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_only_auditors_read_the_trail(people, api, method, path):
    client = api(people["albanian_editor"])

    response = client.open(method, path)

    # Refused before any parameter is read, as the /audit pages do.
    assert response.status_code == 403
    client.check_documented(response)
    assert response.get_json()["error"]["code"] == "forbidden"


def test_a_partner_auditor_reads_only_its_own_tenants_entries(people, api):
    body = api(people["albanian_auditor"]).get("audit/entries?table=needs").get_json()

    assert titles(body) == {"Albanian border surveillance"}
    assert {entry["tenant"]["code"] for entry in body["items"]} == {"AL-MOI"}


def test_the_secretariat_auditor_reads_every_tenants_entries(people, api):
    body = api(people["secretariat_auditor"]).get("audit/entries?table=needs").get_json()

    assert titles(body) == {"Albanian border surveillance", "Serbian witness protection"}


def test_an_entry_names_what_changed_who_changed_it_and_whose_data_it_is(people, api, db):
    need = people["albanian_need"]
    db.session.execute(update(Need).where(Need.id == need.id).values(title="Green border"))
    db.session.commit()

    client = api(people["albanian_auditor"])

    response = client.get(f"audit/entries?table=needs&row_key={need.id}&operation=update")

    client.check_documented(response)
    body = response.get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 1)
    (entry,) = body["items"]
    assert set(entry) == {
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
    }
    assert (entry["table"], entry["row_key"], entry["operation"]) == (
        "needs",
        str(need.id),
        "update",
    )
    assert "title" in entry["changed_columns"]
    assert (entry["old_row"]["title"], entry["new_row"]["title"]) == (
        "Albanian border surveillance",
        "Green border",
    )
    assert entry["tenant"] == {"code": "AL-MOI", "name": "Ministry AL-MOI", "kind": "partner"}
    assert set(entry["actor"]) == {"id", "kind", "label"}
    assert entry["recorded_at"].endswith("Z")


def test_entries_filter_like_the_page_and_sort_both_ways(people, api):
    client = api(people["secretariat_auditor"])
    serbian = people["serbian_need"]

    newest = client.get("audit/entries?per_page=2").get_json()
    oldest = client.get("audit/entries?per_page=2&sort=id").get_json()
    by_tenant = client.get("audit/entries?tenant=rs-moi&table=needs").get_json()
    inserts = client.get(f"audit/entries?row_key={serbian.id}&table=needs&operation=insert")
    platform = client.get("audit/entries?tenant=PLATFORM&table=cycles").get_json()

    assert newest["total"] == oldest["total"] > 2
    newest_ids = [entry["id"] for entry in newest["items"]]
    oldest_ids = [entry["id"] for entry in oldest["items"]]
    assert newest_ids == sorted(newest_ids, reverse=True)
    assert oldest_ids == sorted(oldest_ids) and oldest_ids[-1] < newest_ids[-1]
    assert titles(by_tenant) == {"Serbian witness protection"}
    assert [entry["operation"] for entry in inserts.get_json()["items"]] == ["insert"]
    assert [entry["tenant"] for entry in platform["items"]] == [None]


def test_entries_page_with_a_link_header(people, api):
    response = api(people["secretariat_auditor"]).get("audit/entries?per_page=1&page=2")

    body = response.get_json()
    assert (body["page"], body["per_page"], len(body["items"])) == (2, 1, 1)
    assert f'page={body["total"]}>; rel="last"' in response.headers["Link"]
    assert 'page=3>; rel="next"' in response.headers["Link"]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("colour=red", 400, "colour"),
        ("record=1", 400, "record"),
        ("operation=U", 422, "operation"),
        ("table=secrets", 422, "table"),
        ("tenant=NOPE", 422, "tenant"),
        ("since=2026-05-02&until=2026-05-01", 422, "until"),
        ("sort=actor", 422, "sort"),
    ],
)
def test_bad_filters_are_refused_naming_the_parameter(people, api, query, status, field):
    response = api(people["secretariat_auditor"]).get(f"audit/entries?{query}")

    assert response.status_code == status
    assert field in response.get_json()["error"]["fields"]


def test_a_records_history_and_the_record_as_it_stood(people, api, db):
    need = people["albanian_need"]
    before_it_existed = datetime.now(UTC) - timedelta(days=1)
    db.session.execute(update(Need).where(Need.id == need.id).values(title="Green border"))
    db.session.commit()
    client = api(people["albanian_auditor"])
    path = f"audit/records/needs/{need.id}"

    now = client.get(path, query_string={"at": datetime.now(UTC).isoformat()}).get_json()
    earlier = client.get(path, query_string={"at": before_it_existed.isoformat()}).get_json()
    plain = client.get(path).get_json()
    refused = client.get(path, query_string={"at": "yesterday"})

    assert (now["table"], now["row_key"]) == ("needs", str(need.id))
    assert [entry["operation"] for entry in now["entries"]] == ["insert", "update"]
    assert now["as_of"] == now["entries"][-1]
    assert now["as_of"]["new_row"]["title"] == "Green border"
    assert now["at"].endswith("Z")
    assert (earlier["as_of"], plain["as_of"], plain["at"]) == (None, None, None)
    assert plain["entries"] == now["entries"]
    assert refused.status_code == 422
    assert "at" in refused.get_json()["error"]["fields"]
    client.check_documented(client.get(path, query_string={"at": "2026-01-01T00:00:00Z"}))
    client.check_documented(client.get(path))


def test_another_tenants_record_is_not_found(people, api):
    client = api(people["albanian_auditor"])

    hidden = client.get(f"audit/records/needs/{people['serbian_need'].id}")
    never = client.get("audit/records/needs/999999")

    assert hidden.status_code == never.status_code == 404
    assert hidden.get_json() == never.get_json()


def chains(body) -> dict:
    return {chain["tenant"]["code"] if chain["tenant"] else None: chain for chain in body["chains"]}


def test_verify_reports_the_chains_the_auditor_may_read(people, api, db):
    partner_auditor = api(people["albanian_auditor"])
    secretariat_auditor = api(people["secretariat_auditor"])
    audit_trail.make_checkpoints()
    db.session.remove()

    partner = partner_auditor.post("audit/verify")
    secretariat = secretariat_auditor.post("audit/verify").get_json()

    assert partner.status_code == 200
    partner_auditor.check_documented(partner)
    body = partner.get_json()
    assert body["ok"] is True and body["capture"] == []
    assert set(chains(body)) == {"AL-MOI"}
    albania = chains(body)["AL-MOI"]
    assert albania["tenant"] == {"code": "AL-MOI", "name": "Ministry AL-MOI", "kind": "partner"}
    assert (albania["status"], albania["first_break"]) == ("intact", None)
    assert albania["size"] >= 2 and albania["checkpoints"] >= 1
    assert {"AL-MOI", "RS-MOI", None} <= set(chains(secretariat))
    assert secretariat["ok"] is True


def test_verify_reports_a_broken_chain_with_its_first_break(people, api, db, database_owner_url):
    client = api(people["albanian_auditor"])
    audit_trail.make_checkpoints()
    albanian_chain = people["albanian_need"].tenant_id
    db.session.remove()
    entries = tables.entries
    with as_owner(database_owner_url) as owner:
        owner.execute(
            update(entries)
            .where(entries.c.tenant_id == albanian_chain, entries.c.table_name == "needs")
            .values(reason="nothing to see")
        )

    response = client.post("audit/verify")

    client.check_documented(response)
    body = response.get_json()
    assert body["ok"] is False
    albania = chains(body)["AL-MOI"]
    assert albania["status"] == "broken"
    assert albania["first_break"]["kind"] == "edited"
    assert albania["first_break"]["position"] >= 1
    # The Serbian chain, intact or not, is not this auditor's to see.
    assert set(chains(body)) == {"AL-MOI"}


def test_verify_takes_no_parameters(people, api):
    response = api(people["secretariat_auditor"]).post("audit/verify?chain=1")

    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"chain"}


def test_a_read_token_may_verify(people, api, app):
    # Marked as changing nothing, so that the scope check before every view lets it through.
    assert getattr(app.view_functions["api_audit.verify"], "_reads_only", False)
    client = api(people["albanian_auditor"], scope="read")
    if not hasattr(ApiToken, "scope"):
        pytest.skip("tokens have no scope yet: a read token cannot be made")
    assert client.token.scope == "read"

    response = client.post("audit/verify")

    assert response.status_code == 200
