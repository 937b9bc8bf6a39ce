"""The auditor's pages: scoped to what each auditor may read, filterable, downloadable."""

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.pool import NullPool

from audit import tables as audit_tables
from portal import audit_trail
from portal.models import Need
from tests import factories
from tests.conftest import csrf_token
from tests.worlds import audit_world


@pytest.fixture
def people(db):
    return audit_world(db)


def test_only_auditors_open_the_trail(people, login):
    client = login(people["albanian_editor"])

    assert client.get("/audit").status_code == 403
    assert client.get("/audit/chains").status_code == 403
    assert client.get("/audit/export").status_code == 403


def test_a_partner_auditor_reads_only_its_own_tenants_entries(people, login):
    client = login(people["albanian_auditor"])

    page = client.get("/audit?table=needs").get_data(as_text=True)

    assert "Albanian border surveillance" in page
    assert "Serbian witness protection" not in page


def test_the_secretariat_auditor_reads_every_tenants_entries(people, login):
    client = login(people["secretariat_auditor"])

    page = client.get("/audit?table=needs").get_data(as_text=True)

    assert "Albanian border surveillance" in page
    assert "Serbian witness protection" in page


def test_a_partner_auditor_cannot_open_another_tenants_record(people, login):
    client = login(people["albanian_auditor"])
    serbian = people["serbian_need"]

    assert client.get(f"/audit/records/needs/{serbian.id}").status_code == 404


def test_a_records_history_shows_each_field_that_changed(people, login, db):
    need = people["albanian_need"]
    db.session.execute(update(Need).where(Need.id == need.id).values(title="Green border"))
    db.session.commit()
    client = login(people["albanian_auditor"])

    page = client.get(f"/audit/records/needs/{need.id}").get_data(as_text=True)
    history = page[page.index('id="changes"') :]  # the heading names the record as it is now

    assert history.index("Albanian border surveillance") < history.index("Green border")
    assert "Title" in history and "<code>title</code>" in history
    assert "update" in page and "insert" in page


def test_a_record_as_it_stood_at_a_given_time(people, login, db):
    need = people["albanian_need"]
    before_it_existed = datetime.now(UTC) - timedelta(days=1)
    db.session.execute(update(Need).where(Need.id == need.id).values(title="Green border"))
    db.session.commit()
    client = login(people["albanian_auditor"])
    url = f"/audit/records/needs/{need.id}"

    earlier = client.get(url, query_string={"at": before_it_existed.strftime("%Y-%m-%dT%H:%M")})
    now = client.get(url, query_string={"at": datetime.now(UTC).isoformat()})

    assert "did not exist yet" in earlier.get_data(as_text=True)
    text = now.get_data(as_text=True)
    assert "as last changed by entry" in text
    assert text.count("Green border") >= 2  # the state, and the change in the history


def test_a_moment_that_is_not_a_time_is_refused_with_the_reason(people, login):
    client = login(people["albanian_auditor"])
    need = people["albanian_need"]

    response = client.get(f"/audit/records/needs/{need.id}?at=yesterday")

    assert response.status_code == 422
    assert "Give a date and time" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "field_message"),
    [
        ("operation=X", "Operations are I, U, D, T or E."),
        ("table=secrets", "Choose one of the audited tables."),
        ("tenant=NOPE", "No organisation has the code NOPE."),
        ("since=2026-05-02&until=2026-05-01", "The end date is before the start date."),
        ("since=May", "Give a date as YYYY-MM-DD."),
        ("page=0", "Pages start at 1."),
    ],
)
def test_bad_filters_are_refused_naming_the_field(people, login, query, field_message):
    client = login(people["secretariat_auditor"])

    response = client.get(f"/audit?{query}")

    assert response.status_code == 422
    assert field_message in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "field_message"),
    [
        ("/audit/requests?page=0", "Pages start at 1."),
        ("/audit/export?format=xlsx", "Formats are csv or jsonl."),
        ("/audit/export?since=May", "Give a date as YYYY-MM-DD."),
    ],
)
def test_bad_filters_of_requests_and_downloads_are_refused_naming_the_field(
    people, login, db, path, field_message
):
    client = login(people["secretariat_auditor"])

    response = client.get(path)

    assert response.status_code == 422
    assert field_message in response.get_data(as_text=True)
    exported = db.session.scalar(
        select(func.count()).where(audit_tables.entries.c.event == "audit_exported")
    )
    assert exported == 0


def test_a_bad_download_query_from_someone_who_may_not_download_is_refused_as_such(people, login):
    client = login(people["albanian_editor"])

    assert client.get("/audit/export?format=xlsx").status_code == 403
    assert client.get("/audit/requests?page=0").status_code == 403


def test_the_filter_forms_sent_blank_show_everything(people, login):
    client = login(people["albanian_auditor"])
    need = people["albanian_need"]
    blank = "tenant=&actor=&table=&record=&operation=&since=&until="

    listed = client.get(f"/audit?{blank}")
    requests = client.get(f"/audit/requests?{blank}")
    record = client.get(f"/audit/records/needs/{need.id}?at=")

    assert listed.status_code == requests.status_code == record.status_code == 200
    assert "Albanian border surveillance" in listed.get_data(as_text=True)


def test_filters_narrow_the_entries(people, login):
    client = login(people["secretariat_auditor"])

    by_tenant = client.get("/audit?tenant=RS-MOI&table=needs").get_data(as_text=True)
    by_operation = client.get("/audit?operation=D").get_data(as_text=True)
    today = datetime.now(UTC).date()
    by_dates = client.get(
        f"/audit?since={today - timedelta(days=3)}&until={today - timedelta(days=2)}"
    )

    assert "Serbian witness protection" in by_tenant
    assert "Albanian border surveillance" not in by_tenant
    assert "No entries match these filters." in by_operation
    assert "No entries match these filters." in by_dates.get_data(as_text=True)


def test_changes_are_grouped_by_the_request_that_made_them(people, login, db):
    client = login(people["albanian_auditor"])
    # Signing in itself changed the auditor's session rows in one request.
    page = client.get("/audit/requests").get_data(as_text=True)

    assert "request" in page.lower()
    request_id = db.session.scalar(
        select(audit_tables.entries.c.request_id)
        .where(audit_tables.entries.c.request_id.is_not(None))
        .where(audit_tables.entries.c.tenant_id == people["albanian_auditor"].tenant_id)
        .limit(1)
    )
    assert request_id in page
    listed = client.get(f"/audit?request={request_id}").get_data(as_text=True)
    assert f"Changes of request <code>{request_id}</code>" in listed


def test_a_csv_download_is_safe_for_spreadsheets_and_is_itself_recorded(people, login, db):
    need = people["albanian_need"]
    db.session.execute(update(Need).where(Need.id == need.id).values(title="=HYPERLINK(1)"))
    db.session.commit()
    client = login(people["albanian_auditor"])

    response = client.get("/audit/export?table=needs&format=csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row["tenant"] for row in rows} == {"AL-MOI"}
    assert not any(cell.startswith("=") for row in rows for cell in row.values())
    exported = db.session.scalar(
        select(func.count()).where(audit_tables.entries.c.event == "audit_exported")
    )
    assert exported == 1


@pytest.mark.parametrize("file_format", ["csv", "jsonl"])
def test_downloading_the_same_filters_twice_gives_the_same_file(people, login, db, file_format):
    client = login(people["albanian_auditor"])
    url = f"/audit/export?format={file_format}"  # every entry the auditor reads, events too

    first = client.get(url)
    second = client.get(url)

    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data()
    assert "audit_exported" not in first.get_data(as_text=True)
    # Each download is still recorded, as a security event of the auditor's organisation,
    # which the auditor reads among the entries.
    entries = audit_tables.entries.c
    downloads = db.session.execute(
        select(entries.tenant_id, entries.actor_id, entries.new_row).where(
            entries.event == "audit_exported"
        )
    ).all()
    auditor = people["albanian_auditor"]
    assert [(row.tenant_id, row.actor_id) for row in downloads] == [
        (auditor.tenant_id, auditor.id)
    ] * 2
    listed = client.get("/audit?operation=E").get_data(as_text=True)
    assert listed.count("audit_exported") == 2


def test_a_json_lines_download_holds_one_entry_per_line(people, login):
    client = login(people["secretariat_auditor"])

    response = client.get("/audit/export?table=needs&format=jsonl")

    records = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert response.mimetype == "application/x-ndjson"
    assert sorted(record["new_row"]["title"] for record in records) == [
        "Albanian border surveillance",
        "Serbian witness protection",
    ]


def test_writes_are_sealed_and_a_chain_verifies_from_the_page(people, login, db):
    client = login(people["secretariat_auditor"])  # signing in wrote, then sealed

    page = client.get("/audit/chains").get_data(as_text=True)
    assert "AL-MOI" in page and "PLATFORM" in page
    chain = people["albanian_need"].tenant_id
    audit_trail.make_checkpoints()
    token = csrf_token(client, "/audit/chains")
    response = client.post(f"/audit/chains/{chain}/verify", data={"csrf_token": token})

    assert response.status_code == 200
    assert f"Chain {chain} verifies" in response.get_data(as_text=True)


def test_a_chain_whose_newest_entries_no_checkpoint_covers_is_not_said_to_verify(people, login, db):
    client = login(people["secretariat_auditor"])
    chain = people["albanian_need"].tenant_id
    audit_trail.make_checkpoints()
    db.session.add(factories.need(people["albanian_need"].cycle, people["albanian_need"].tenant))
    db.session.commit()
    audit_trail.seal_pending()
    token = csrf_token(client, "/audit/chains")

    page = client.post(f"/audit/chains/{chain}/verify", data={"csrf_token": token})

    text = page.get_data(as_text=True)
    assert f"Chain {chain} verifies" not in text
    assert "not yet covered by a signed checkpoint" in text


def test_a_capture_trigger_gone_is_shown_with_the_chain_verified(
    people, login, db, database_owner_url, backend
):
    client = login(people["secretariat_auditor"])
    chain = people["albanian_need"].tenant_id
    audit_trail.make_checkpoints()
    db.session.remove()  # its read would hold off the owner's change of the schema
    engine = create_engine(database_owner_url, poolclass=NullPool)
    with engine.begin() as owner:
        if backend == "sqlite":
            owner.execute(text('DROP TRIGGER "audit_capture_needs_U"'))
        else:
            owner.execute(text("DROP TRIGGER audit_capture ON needs"))
    engine.dispose()
    token = csrf_token(client, "/audit/chains")

    page = client.post(f"/audit/chains/{chain}/verify", data={"csrf_token": token})

    text_shown = page.get_data(as_text=True)
    assert "The capture is not as the portal installed it" in text_shown
    assert "capture_trigger_altered" in text_shown and "on needs" in text_shown
    assert f"Chain {chain} verifies" not in text_shown


def test_a_partner_auditor_cannot_verify_another_tenants_chain(people, login):
    client = login(people["albanian_auditor"])
    token = csrf_token(client, "/audit/chains")

    response = client.post(
        f"/audit/chains/{people['serbian_need'].tenant_id}/verify", data={"csrf_token": token}
    )

    assert response.status_code == 404


def test_need_and_response_pages_link_their_history_for_auditors_only(people, login, db):
    need = people["albanian_need"]
    response = factories.response(need.tenant, record_status="published")
    db.session.add(response)
    db.session.commit()
    auditor, editor = login(people["albanian_auditor"]), login(people["albanian_editor"])

    for client, shown in ((auditor, True), (editor, False)):
        need_page = client.get(f"/needs/{need.id}").get_data(as_text=True)
        response_page = client.get(f"/responses/{response.id}").get_data(as_text=True)
        assert (f'href="/audit/records/needs/{need.id}"' in need_page) is shown
        assert (f'href="/audit/records/responses/{response.id}"' in response_page) is shown


@pytest.fixture
def mapped(db):
    """Two partners' needs, two members' responses; an auditor of a partner, a member, the
    Secretariat. Every record is one every organisation reads."""
    cycle = factories.cycle()
    albania = factories.partner_tenant()
    serbia = factories.partner_tenant(code="RS-MOI", economy="RS")
    commission = factories.member_tenant()
    germany = factories.member_tenant(code="DE-GIZ")
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    restricted = factories.response(
        germany, title="German restricted", record_status="published", visibility="restricted"
    )
    restricted.beneficiaries = [factories.economy("AL")]
    records = {
        "albanian_need": factories.need(cycle, albania, status="validated"),
        "serbian_need": factories.need(cycle, serbia, status="validated"),
        "commission_response": factories.response(commission, record_status="published"),
        "german_response": factories.response(germany, record_status="published"),
        "german_restricted": restricted,
    }
    db.session.add_all(records.values())
    auditors = {
        "partner": factories.user(albania, email="auditor@al.example", roles=("auditor",)),
        "member": factories.user(commission, email="auditor@ec.example", roles=("auditor",)),
        "secretariat": factories.user(secretariat, email="auditor@sec.example", roles=("auditor",)),
    }
    db.session.commit()
    pages = {
        name: f"/needs/{record.id}" if name.endswith("need") else f"/responses/{record.id}"
        for name, record in records.items()
    }
    return auditors, pages


HISTORY_LINK = re.compile(r'href="(/audit/records/[^"]+)"')
RECORD_PAGE = re.compile(r'href="(/(?:needs|responses)/\d+)"')


@pytest.mark.parametrize(
    ("auditor", "own", "others"),
    [
        ("partner", "albanian_need", ("serbian_need", "commission_response", "german_restricted")),
        ("member", "commission_response", ("albanian_need", "german_response")),
    ],
)
def test_an_auditor_is_offered_the_history_of_its_own_organisations_records_only(
    mapped, login, auditor, own, others
):
    auditors, pages = mapped
    client = login(auditors[auditor])

    own_page = client.get(pages[own])
    other_pages = {name: client.get(pages[name]) for name in others}

    links = HISTORY_LINK.findall(own_page.get_data(as_text=True))
    assert len(links) == 1
    assert client.get(links[0]).status_code == 200
    for name, page in other_pages.items():
        # The page answers, but its record's history would not (another organisation's).
        assert page.status_code == 200, name
        assert HISTORY_LINK.findall(page.get_data(as_text=True)) == [], name
        table, record_id = pages[name].strip("/").split("/")
        assert client.get(f"/audit/records/{table}/{record_id}").status_code == 404, name


@pytest.mark.parametrize(
    ("auditor", "reached", "offered"), [("partner", 5, 1), ("member", 4, 1), ("secretariat", 5, 5)]
)
def test_every_history_link_on_the_pages_an_auditor_reaches_answers(
    mapped, login, auditor, reached, offered
):
    auditors, _pages = mapped
    client = login(auditors[auditor])

    lists = [
        client.get("/needs").get_data(as_text=True),
        client.get("/responses").get_data(as_text=True),
    ]
    records = sorted({path for body in lists for path in RECORD_PAGE.findall(body)})
    links = {
        link
        for path in records
        for link in HISTORY_LINK.findall(client.get(path).get_data(as_text=True))
    }

    assert (len(records), len(links)) == (reached, offered)
    assert {link: client.get(link).status_code for link in links} == dict.fromkeys(links, 200)
