"""Importing responses and links: spreadsheets, IATI activity files, every bad input."""

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import event, func, select

from portal.exceptions import ValidationFailed
from portal.extensions import db as database
from portal.models import DataImport, Response, SupportLink
from portal.services import imports
from tests import factories
from tests.needs.cast import albanian_need, build_cast

HEADER = ";".join(
    (
        "external_reference",
        "title",
        "pillars",
        "beneficiaries",
        "support_type",
        "starts_on",
        "budget_amount",
        "budget_currency",
    )
)

# Three activities as a member publishes them: one complete, one without a sector or a
# currency, one without a title.
IATI = (Path(__file__).parent / "fixtures" / "activities.xml").read_bytes()


@pytest.fixture
def cast(db):
    return build_cast()


@pytest.fixture
def member(acting_as, cast):
    acting_as(cast.people["member-editor"])
    return cast.people["member-editor"].tenant


def checked(content: bytes, filename="responses.csv", kind="responses", **options):
    return imports.check(imports.upload(kind, filename, content, **options).id)


def rows(record) -> list[tuple[str, list]]:
    return [(row["outcome"], row["problems"]) for row in record.outcome["rows"]]


def count(model) -> int:
    return database.session.scalar(select(func.count()).select_from(model))


def test_an_iati_file_maps_each_activity_and_names_what_it_lacks(member):
    record = checked(IATI, "activities.xml", default_pillar=None)

    first, second, third = record.outcome["rows"]
    assert first["outcome"] == "create", first["problems"]
    created = dict((label, new) for label, _old, new in first["changes"])
    assert created["Title"] == "Judicial training"
    assert created["Pillars"] == "WBCSCi"
    assert created["Donors"] == "European Commission"
    assert created["Implementers"] == "UNDP Albania"
    assert created["Beneficiaries"] == "AL, XK"
    assert created["Budget"] == "750,000.50 EUR"
    assert created["Implementation status"] == "ongoing"
    assert (created["Starts"], created["Ends"]) == ("2026-01-01", "2027-12-31")
    assert created["External reference"] == "XM-DAC-41114-PROJECT-00123"
    # No sector names a pillar, and the file gave none: the user is asked to choose.
    assert second["outcome"] == "error"
    assert second["problems"][0]["column"] == "pillars"
    assert any("no currency" in warning for warning in second["warnings"])
    # No title: named, like a form's empty required field.
    assert third["problems"] == [
        {"column": "title", "value": "", "reason": "This cannot be blank."}
    ]
    assert count(Response) == 0


def test_an_iati_files_pillar_fills_what_its_sectors_leave_open(member):
    record = checked(IATI, "activities.xml", default_pillar="WBCTi")

    second = record.outcome["rows"][1]
    assert second["outcome"] == "create"
    assert any("the file's pillar is used" in warning for warning in second["warnings"])


def test_importing_an_iati_file_again_after_applying_it_changes_nothing(member):
    fixed = IATI.replace(
        b'<recipient-country code="ME"/>', b"<title><narrative>T</narrative></title>"
    )
    first = checked(fixed, "activities.xml", default_pillar="WBBSi")
    imports.apply(first.id)

    again = checked(fixed, "activities.xml", default_pillar="WBBSi")

    assert [outcome for outcome, _ in rows(again)] == ["unchanged"] * 3


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]>'
            b'<iati-activities version="2.03">&lol;</iati-activities>',
            "declares a DTD or entities",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<iati-activities version="2.03"><iati-activity>&x;</iati-activity></iati-activities>',
            "declares a DTD or entities",
        ),
        (b'<iati-activities version="1.05"><iati-activity/></iati-activities>', "version 1.05"),
        (b"<html><body>not IATI</body></html>", "not an IATI activity file"),
        (b"<iati-activities version='2.03'><unclosed>", "not well-formed XML"),
    ],
)
def test_hostile_or_foreign_xml_is_refused_and_nothing_is_kept(member, content, reason):
    with pytest.raises(ValidationFailed) as refused:
        imports.upload("responses", "activities.xml", content)

    assert reason in refused.value.message
    assert count(DataImport) == 0


def test_a_windows_1250_csv_with_semicolons_is_read_with_its_letters(member):
    content = (
        HEADER + "\nR-1;Obuka za granične policajce (Čačak, Đakovica);WBBSi;RS;training;"
        "2026-03-01;1,500,000.50;EUR\n"
    ).encode("cp1250")

    record = checked(content)

    [row] = record.outcome["rows"]
    assert row["outcome"] == "create", row["problems"]
    assert record.encoding == "windows-1250"
    assert ["Title", "", "Obuka za granične policajce (Čačak, Đakovica)"] in row["changes"]
    assert ["Budget", "", "1,500,000.50 EUR"] in row["changes"]


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ("31/12/2026;1000;EUR", "starts_on", "Write dates as YYYY-MM-DD"),
        ("2026-03-01;1.500.000,50;EUR", "budget_amount", "Use a point for decimals"),
        ("2026-03-01;1000;", "budget_currency", "Give the budget's currency."),
        ("2026-03-01;1000;XYZ", "budget_currency", "Unknown currency"),
    ],
)
def test_bad_cells_are_named_by_row_and_column(member, cells, column, reason):
    content = (HEADER + f"\nR-1;Title;WBBSi;RS;training;{cells}\n").encode()

    [row] = checked(content).outcome["rows"]

    assert row["outcome"] == "error"
    assert row["problems"][0]["column"] == column
    assert reason in row["problems"][0]["reason"]


def test_a_key_twice_in_one_file_is_an_error_on_the_second(member):
    content = (HEADER + "\nR-1;One;WBBSi;RS;training;;;\nR-1;Two;WBBSi;RS;training;;;\n").encode()

    record = checked(content)

    assert [outcome for outcome, _ in rows(record)] == ["create", "error"]
    assert "Row 2 of the file has the same key" in rows(record)[1][1][0]["reason"]


def test_another_members_response_is_an_error(acting_as, cast):
    other = factories.member_tenant(code="DE-MOI", name="German Ministry")
    database.session.add(
        factories.response(
            other, external_reference="DE-1", title="Theirs", record_status="published"
        )
    )
    database.session.commit()
    acting_as(cast.people["member-editor"])
    content = (HEADER + "\nDE-1;Mine now;WBBSi;RS;training;;;\n").encode()

    [(outcome, problems)] = rows(checked(content))

    assert outcome == "error"
    assert "belongs to German Ministry" in problems[0]["reason"]


def test_a_warning_does_not_stop_a_row(member):
    content = (
        b"external_reference,title,pillars,support_type,ends_on,implementation_status\n"
        b"R-9,Old,WBBSi,training,2020-01-01,ongoing\n"
    )

    [row] = checked(content).outcome["rows"]

    assert row["outcome"] == "create"
    assert row["warnings"] == ["It ended on 2020-01-01 but is still ongoing."]


def workbook_bytes(rows_: list[list], formula: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows_:
        sheet.append(row)
    if formula:
        sheet["H2"] = formula
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def with_member(content: bytes, name: str, data: bytes) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(output, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return output.getvalue()


GOOD_ROWS = [HEADER.split(";"), ["R-1", "Title", "WBBSi", "RS", "training", "", "1000", "EUR"]]


@pytest.mark.parametrize(
    ("content", "filename", "reason"),
    [
        (b"", "responses.csv", "the file is empty"),
        (b"just some text\n", "responses.xlsx", "named .xlsx but is not a workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", "responses.xls", "old Excel"),
        (workbook_bytes(GOOD_ROWS, "=1+1"), "responses.xlsx", "cell H2 holds a formula"),
        (
            with_member(workbook_bytes(GOOD_ROWS), "xl/vbaProject.bin", b"macro"),
            "responses.xlsx",
            "holds macros",
        ),
        (
            with_member(workbook_bytes(GOOD_ROWS), "xl/externalLinks/externalLink1.xml", b"<x/>"),
            "responses.xlsx",
            "links to other workbooks",
        ),
        (
            with_member(workbook_bytes(GOOD_ROWS), "xl/bomb.bin", b"\0" * 30_000_000),
            "responses.xlsx",
            "zip bomb",
        ),
        (b"PK\x03\x04 a zip of something", "responses.zip", "zip archive"),
        (
            b"code,pillar,category,perspective,title,description,priority\n,WBCTi,a,b,c,d,high\n",
            "responses.csv",
            "its columns are those of needs",
        ),
        (b"external_reference,title\nR-1,Title\n", "responses.csv", "pillars, support_type"),
        (
            b"external_reference,Naslov,title,pillars,support_type\nR,x,T,WBBSi,training\n",
            "responses.csv",
            "does not know: Naslov",
        ),
        (HEADER.encode() + b"\n", "responses.csv", "a header but no rows"),
    ],
)
def test_bad_files_are_refused_with_what_and_where_and_nothing_is_kept(
    member, content, filename, reason
):
    with pytest.raises(ValidationFailed) as refused:
        imports.upload("responses", filename, content)

    assert reason in refused.value.message
    assert count(DataImport) == 0


def test_a_file_over_the_limit_is_refused_with_the_limit(member, app):
    app.config["IMPORT_MAX_BYTES"] = 1024 * 1024

    with pytest.raises(ValidationFailed) as refused:
        imports.upload("responses", "big.csv", HEADER.encode() + b"\n" + b"x" * 2_000_000)

    assert "at most 1 MB can be imported" in refused.value.message


def test_a_link_file_proposes_links_of_ones_own_responses_only(acting_as, cast):
    need = albanian_need(cast, status="validated")
    member_tenant = cast.people["member-editor"].tenant
    other = factories.member_tenant(code="DE-MOI", name="German Ministry")
    database.session.add_all(
        [
            factories.response(member_tenant, external_reference="MINE", record_status="published"),
            factories.response(other, external_reference="THEIRS", record_status="published"),
        ]
    )
    database.session.commit()
    acting_as(cast.people["member-editor"])
    content = (
        "need_code,response_reference,coverage,note\n"
        f"{need.code},MINE,partial,Trains its staff\n"
        f"{need.code},THEIRS,full,\n"
        f"2026-XX-NONE-001,MINE,full,\n"
    ).encode()

    record = checked(content, "links.csv", kind="links")

    assert [outcome for outcome, _ in rows(record)] == ["create", "error", "error"]
    assert "belongs to German Ministry" in rows(record)[1][1][0]["reason"]
    assert rows(record)[2][1][0]["column"] == "need_code"
    assert count(SupportLink) == 0


def test_an_applied_link_file_is_unchanged_the_second_time(acting_as, cast):
    need = albanian_need(cast, status="validated")
    database.session.add(
        factories.response(
            cast.people["member-editor"].tenant,
            external_reference="MINE",
            record_status="published",
            budget_amount=Decimal("10"),
            budget_currency="EUR",
        )
    )
    database.session.commit()
    acting_as(cast.people["member-editor"])
    content = f"need_code,response_reference,coverage,note\n{need.code},MINE,partial,x\n".encode()
    imports.apply(checked(content, "links.csv", kind="links").id)

    again = checked(content, "links.csv", kind="links")

    assert [outcome for outcome, _ in rows(again)] == ["unchanged"]
    assert count(SupportLink) == 1


def test_applied_rows_are_written_together_each_with_its_own_parties(member, db):
    donors = "European Commission; Austrian Ministry"
    content = (
        "external_reference,title,pillars,beneficiaries,donors,implementers,support_type\n"
        + "".join(
            f"R-{number},Programme {number},WBBSi,RS; AL,{donors},Agency {number},training\n"
            for number in range(1, 6)
        )
    ).encode()
    before = database.session.scalar(select(func.max(Response.id))) or 0
    statements = []

    def seen(_connection, _cursor, statement, _parameters, context, _many):
        statements.append((statement, context.execute_style.name))

    record = checked(content)
    with StatementsSeen(db.engine, seen):
        imports.apply(record.id)

    created = database.session.scalars(
        select(Response).where(Response.external_reference.like("R-%")).order_by(Response.id)
    ).all()
    assert [response.title for response in created] == [f"Programme {n}" for n in range(1, 6)]
    assert all(response.id > before for response in created)
    for number, response in enumerate(created, start=1):
        assert [party.name for party in response.implementers] == [f"Agency {number}"]
        assert [party.name for party in response.donors] == donors.split("; ")
        assert sorted(economy.code for economy in response.beneficiaries) == ["AL", "RS"]
    # Five responses, their fifteen parties and their pillars and beneficiaries, each
    # table in one multi-row INSERT: SQLite is given the ids, PostgreSQL numbers the
    # rows itself, and the pairs need none. Not an executemany, which sends the rows
    # one statement each, and PostgreSQL checks every statement on its own.
    tables = ("responses", "response_parties", "response_pillars", "response_beneficiaries")
    inserts = [
        (statement.split()[2], style)
        for statement, style in statements
        if statement.startswith(tuple(f"INSERT INTO {table} " for table in tables))
    ]
    assert sorted(inserts) == sorted((table, "INSERTMANYVALUES") for table in tables), inserts


class StatementsSeen:
    """Call ``listener`` with every statement ``engine`` runs inside the block."""

    def __init__(self, engine, listener):
        self.engine, self.listener = engine, listener

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self.listener)

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self.listener)
