"""Exports: what the list shows, every row, in the import's columns; and back again."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db as database
from portal.models import DataImport
from tests import factories
from tests.conftest import csrf_token
from tests.needs.cast import albanian_need, build_cast


@pytest.fixture
def cast(db):
    return build_cast()


def read_csv(answer) -> list[dict]:
    text = answer.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def upload(client, content: bytes, kind: str, filename: str):
    token = csrf_token(client, "/imports")
    return client.post(
        "/imports",
        data={"kind": kind, "csrf_token": token, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def test_the_needs_export_holds_what_the_reader_may_see_and_no_more(login, cast):
    shared = albanian_need(cast, status="validated", title="Shared need")
    albanian_need(cast, status="draft", title="Albania's draft")
    client = login(cast.people["serbia-editor"])

    rows = read_csv(client.get("/needs/export"))

    assert [row["title"] for row in rows] == ["Shared need"]
    assert rows[0]["code"] == shared.code
    assert rows[0]["partner"] == "AL"


def test_the_export_takes_the_lists_filters(login, cast):
    albanian_need(cast, status="draft", title="High", priority="high")
    albanian_need(cast, status="draft", title="Low", priority="low")
    client = login(cast.people["albania-editor"])

    rows = read_csv(client.get("/needs/export?priority=low"))

    assert [row["title"] for row in rows] == ["Low"]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_importing_ones_own_needs_export_changes_nothing(login, cast, file_format):
    albanian_need(cast, status="draft", title="=cmd|' /C calc'!A0", acquis_chapters=[])
    albanian_need(cast, status="draft", title="Second, with a comma")
    client = login(cast.people["albania-editor"])
    exported = client.get(f"/needs/export?format={file_format}")

    upload(client, exported.data, "needs", f"needs.{file_format}")

    record = database.session.scalars(select(DataImport)).one()
    assert [row["outcome"] for row in record.outcome["rows"]] == ["unchanged", "unchanged"], [
        row["problems"] or row["changes"] for row in record.outcome["rows"]
    ]


def test_importing_ones_own_responses_export_changes_nothing(login, cast):
    member = cast.people["member-editor"].tenant
    database.session.add_all(
        [
            factories.response(
                member,
                external_reference="REF-1",
                title="=SUM(A1)",
                budget_amount=Decimal("1500000.50"),
                budget_currency="EUR",
                starts_on=date(2026, 1, 1),
            ),
            factories.response(member, title="Without reference", pillars=("WBCTi", "WBBSi")),
        ]
    )
    database.session.commit()
    client = login(cast.people["member-editor"])
    exported = client.get("/responses/export?format=xlsx")

    upload(client, exported.data, "responses", "responses.xlsx")

    record = database.session.scalars(select(DataImport)).one()
    assert [row["outcome"] for row in record.outcome["rows"]] == ["unchanged", "unchanged"], [
        row["problems"] or row["changes"] for row in record.outcome["rows"]
    ]


def test_exported_cells_a_spreadsheet_would_run_are_text(login, cast):
    albanian_need(cast, status="draft", title='=HYPERLINK("http://x")')
    client = login(cast.people["albania-editor"])

    rows = read_csv(client.get("/needs/export"))
    workbook = load_workbook(io.BytesIO(client.get("/needs/export?format=xlsx").data))

    assert rows[0]["title"] == '\'=HYPERLINK("http://x")'
    title = workbook.worksheets[0].cell(row=2, column=11)
    assert title.data_type == "s" and title.value.startswith("'=")


def test_the_json_export_is_one_array_of_records(login, cast):
    albanian_need(cast, status="draft", title="Č and ë")
    client = login(cast.people["albania-editor"])

    answer = client.get("/needs/export?format=json")

    assert answer.mimetype == "application/json"
    assert [record["title"] for record in json.loads(answer.data)] == ["Č and ë"]


def test_an_unknown_format_is_refused_by_name(login, cast):
    client = login(cast.people["albania-editor"])

    answer = client.get("/needs/export?format=pdf")

    assert answer.status_code == 422
    assert "Choose csv, xlsx or json." in answer.get_data(as_text=True)


def test_the_list_links_to_its_export_with_its_filters(login, cast):
    client = login(cast.people["albania-editor"])

    page = client.get("/needs?priority=low").get_data(as_text=True)

    assert "/needs/export?format=xlsx&amp;priority=low" in page or (
        "/needs/export?priority=low&amp;format=xlsx" in page
    )
