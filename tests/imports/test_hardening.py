"""What a fresh look at the import found, each case kept: files that tie up a worker or
break a page, rights that changed, keys that are not unique, round trips that were not."""

import io
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from portal.exceptions import Forbidden, NotFound, ValidationFailed
from portal.extensions import db as database
from portal.iati import read_activities
from portal.identity import Principal, act_as_principal
from portal.models import Need, Response, UserRole
from portal.schemas.forms import load_form
from portal.schemas.needs import NeedEditSchema
from portal.services import imports
from portal.services import needs as need_service
from portal.spreadsheets import read_table
from tests import factories
from tests.needs.cast import albanian_need, build_cast


@pytest.fixture
def cast(db):
    return build_cast()


def become(user) -> None:
    act_as_principal(Principal.of(user))


def checked(kind: str, content: bytes, filename: str = "file.csv"):
    return imports.check(imports.upload(kind, filename, content).id)


def outcomes(record) -> list[str]:
    return [row["outcome"] for row in record.outcome["rows"]]


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def rewritten(content: bytes, member: str, change) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(output, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == member:
                data = change(data.decode()).encode()
            target.writestr(item, data)
    return output.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def test_a_sheet_claiming_a_vast_size_is_read_as_the_rows_it_holds():
    content = workbook([["title", "pillars"], ["One", "WBBSi"]])
    vast = rewritten(
        content,
        SHEET,
        lambda xml: re.sub(r'<dimension ref="[^"]+"', '<dimension ref="A1:XFD20000"', xml).replace(
            "</sheetData>",
            '<row r="20000"><c r="XFD20000" t="inlineStr"><is><t>far</t></is></c></row>'
            "</sheetData>",
        ),
    )

    table = read_table(vast, "vast.xlsx")

    assert table.header == ["title", "pillars"]
    assert table.rows == [(2, ["One", "WBBSi", ""])]


def test_rows_beyond_a_sheets_declared_size_are_read_not_dropped():
    content = workbook([["title"], ["One"], ["Two"], ["Three"], ["Four"]])
    small = rewritten(
        content, SHEET, lambda xml: re.sub(r'<dimension ref="[^"]+"', '<dimension ref="A1:A2"', xml)
    )

    assert [row[1][0] for row in read_table(small, "small.xlsx").rows] == [
        "One",
        "Two",
        "Three",
        "Four",
    ]


@pytest.mark.parametrize(
    "change",
    [
        lambda xml: xml.replace('<c r="A2" t="inlineStr">', '<c r="A2" t="n">').replace(
            "<is><t>One</t></is>", "<v>abc</v>"
        ),
        lambda xml: xml.replace("</sheetData>", '<row r="9"><c r="A9"></sheetData>'),
    ],
)
def test_a_damaged_sheet_is_named_not_a_server_error(change):
    book = Workbook()
    book.active.append(["title"])
    book.active.append(["One"])
    output = io.BytesIO()
    book.save(output)
    content = output.getvalue()
    # openpyxl writes shared strings; make the cell inline so it can be damaged in place.
    content = rewritten(
        content,
        SHEET,
        lambda xml: re.sub(
            r'<c r="A2" t="s"><v>\d+</v></c>',
            '<c r="A2" t="inlineStr"><is><t>One</t></is></c>',
            xml,
        ),
    )
    damaged = rewritten(content, SHEET, change)

    with pytest.raises(ValidationFailed) as refused:
        read_table(damaged, "damaged.xlsx")

    assert "damaged" in refused.value.message


def test_a_csv_quote_left_open_names_its_line():
    with pytest.raises(ValidationFailed) as refused:
        read_table(b'title,note\nOne,"fine"\nTwo,"broken"x\n', "file.csv")

    assert "line 3 is not well-formed CSV" in refused.value.message


def test_a_row_with_more_cells_than_the_header_is_an_error_not_cut_short(acting_as, cast):
    need = albanian_need(cast, status="validated")
    database.session.add(
        factories.response(cast.people["member-editor"].tenant, external_reference="MINE")
    )
    database.session.commit()
    acting_as(cast.people["member-editor"])
    content = (
        "need_code,response_reference,coverage,note\n"
        f"{need.code},MINE,partial,Trains staff, and judges\n"
    )

    record = checked("links", content.encode(), "links.csv")

    [row] = record.outcome["rows"]
    assert row["outcome"] == "error"
    assert row["problems"][0]["value"] == "and judges"


def test_a_user_no_longer_an_editor_applies_nothing(acting_as, cast):
    editor = cast.people["member-editor"]
    acting_as(editor)
    record = checked(
        "responses", b"external_reference,title,pillars,support_type\nR-1,New,WBBSi,training\n"
    )
    acting_as(None)
    editor.role_grants = [UserRole(role="viewer")]
    database.session.commit()
    acting_as(editor)

    with pytest.raises(Forbidden):
        imports.apply(record.id)

    assert database.session.scalar(select(func.count()).select_from(Response)) == 0


def test_the_secretariats_administrators_do_not_read_others_imports(acting_as, cast):
    secretariat = cast.people["secretariat-admin"].tenant
    admin = factories.user(secretariat, email="reader@sec.example", roles=("admin", "viewer"))
    database.session.commit()
    # Read now: once Albania's editor acts, the Secretariat's people are out of sight.
    admin_principal = Principal.of(admin)
    acting_as(cast.people["albania-editor"])
    record = checked(
        "needs",
        b"code,pillar,category,perspective,title,description,priority\n"
        b",WBCTi,legislative,prevention,Secret draft,Why,high\n",
    ).id
    act_as_principal(admin_principal)

    with pytest.raises(NotFound):
        imports.get_import(record)


def test_a_link_the_form_would_refuse_is_that_rows_error_not_the_files(acting_as, cast):
    need = albanian_need(cast, status="validated")
    restricted = factories.response(
        cast.people["member-editor"].tenant, external_reference="R", visibility="restricted"
    )
    database.session.add(restricted)
    database.session.commit()
    acting_as(cast.people["member-editor"])

    record = checked(
        "links", f"need_code,response_reference,coverage\n{need.code},R,full\n".encode()
    )

    assert record.status == "checked"
    [row] = record.outcome["rows"]
    assert row["outcome"] == "error"
    assert row["problems"][0]["column"] == "need_code"
    assert "restricted" in row["problems"][0]["reason"]


def test_an_iati_budget_that_is_no_amount_is_a_warning_not_a_server_error():
    content = (
        b'<iati-activities version="2.03"><iati-activity default-currency="EUR">'
        b"<iati-identifier>X-1</iati-identifier><title><narrative>T</narrative></title>"
        b"<budget><value>Infinity</value></budget></iati-activity></iati-activities>"
    )

    [activity] = read_activities(content)

    assert activity.values["budget_amount"] == ""
    assert any("not an amount" in warning for warning in activity.warnings)


def test_an_iati_revised_budget_replaces_the_original_of_its_period():
    content = (
        b'<iati-activities version="2.03"><iati-activity default-currency="EUR">'
        b"<iati-identifier>X-1</iati-identifier>"
        b'<budget type="1"><period-start iso-date="2026-01-01"/><period-end iso-date="2026-12-31"/>'
        b"<value>1000</value></budget>"
        b'<budget type="2"><period-start iso-date="2026-01-01"/><period-end iso-date="2026-12-31"/>'
        b"<value>1200</value></budget>"
        b'<budget type="1"><period-start iso-date="2027-01-01"/><period-end iso-date="2027-12-31"/>'
        b"<value>500</value></budget>"
        b"</iati-activity></iati-activities>"
    )

    [activity] = read_activities(content)

    assert (activity.values["budget_amount"], activity.values["budget_currency"]) == (
        "1700.00",
        "EUR",
    )


def test_an_iati_title_falls_back_to_the_activitys_own_language():
    content = (
        b'<iati-activities version="2.03"><iati-activity xml:lang="fr">'
        b"<iati-identifier>X-1</iati-identifier><title>"
        b'<narrative xml:lang="sq">Trajnim</narrative><narrative>Formation</narrative>'
        b"</title></iati-activity></iati-activities>"
    )

    [activity] = read_activities(content)

    assert activity.values["title"] == "Formation"


def test_another_members_response_with_my_reference_is_not_mine_to_overwrite(
    login, acting_as, cast
):
    other = factories.member_tenant(code="DE-MOI", name="German Ministry")
    mine = factories.response(
        cast.people["member-editor"].tenant, external_reference="SHARED-1", title="Mine"
    )
    theirs = factories.response(
        other, external_reference="SHARED-1", title="Theirs", record_status="published"
    )
    database.session.add_all([mine, theirs])
    database.session.commit()
    theirs_id = theirs.id
    client = login(cast.people["member-editor"])
    exported = client.get("/responses/export?format=xlsx&q=Theirs").data
    acting_as(cast.people["member-editor"])

    record = checked("responses", exported, "responses.xlsx")

    assert outcomes(record) == ["unchanged"]
    assert record.outcome["rows"][0]["key"] == "SHARED-1"
    assert database.session.get(Response, mine.id).title == "Mine"
    assert theirs_id != mine.id


def test_a_change_of_chapters_alone_moves_the_version_and_is_a_conflict(acting_as, cast):
    need = albanian_need(cast, title="Chapters")
    acting_as(cast.people["albania-editor"])
    record = checked(
        "needs",
        f"code,pillar,category,perspective,title,description,priority\n"
        f"{need.code},WBCTi,legislative,prevention,Renamed,{need.description},high\n".encode(),
    )
    # Meanwhile a colleague adds a chapter on the form, changing nothing else.
    form = {
        "pillar": "WBCTi",
        "category": "legislative",
        "perspective": "prevention",
        "title": "Chapters",
        "description": need.description,
        "acquis_chapters": ["24"],
        "priority": need.priority,
        "version": str(need.version),
    }
    need_service.update_need(
        need_service.get_need_for_edit(need.id), load_form(NeedEditSchema(), form)
    )

    with pytest.raises(ValidationFailed):
        imports.apply(record.id)

    assert database.session.get(Need, need.id).title == "Chapters"


def test_a_code_taken_by_a_draft_the_importer_cannot_see_is_skipped(acting_as, cast):
    justice = factories.partner_tenant(code="AL-MOJ", economy="AL", name="Albanian Justice")
    hidden = factories.need(cast.open_cycle, justice, title="Their draft")
    database.session.add(hidden)
    database.session.commit()
    taken = hidden.code
    acting_as(cast.people["albania-editor"])

    record = checked(
        "needs",
        b"code,pillar,category,perspective,title,description,priority\n"
        b",WBCTi,legislative,prevention,Ours,Why,high\n",
    )
    imports.apply(record.id)

    ours = database.session.scalars(select(Need).where(Need.title == "Ours")).one()
    assert ours.code != taken


def test_text_with_the_browsers_line_breaks_survives_a_workbook_round_trip(login, acting_as, cast):
    albanian_need(cast, title="Lines", description="First line\r\nSecond line")
    client = login(cast.people["albania-editor"])
    exported = client.get("/needs/export?format=xlsx").data
    acting_as(cast.people["albania-editor"])

    assert outcomes(checked("needs", exported, "needs.xlsx")) == ["unchanged"]


def test_an_organisation_named_with_a_comma_stays_one_party(login, acting_as, cast):
    database.session.add(
        factories.response(
            cast.people["member-editor"].tenant,
            external_reference="R-1",
            parties=[],
        )
    )
    database.session.commit()
    acting_as(cast.people["member-editor"])
    header = "external_reference,title,pillars,support_type,donors\n"
    row = 'R-1,Title,WBCTi,training,"Ministry of Foreign Affairs, Norway"\n'

    record = checked("responses", (header + row).encode())
    imports.apply(record.id)

    response = database.session.scalars(select(Response)).one()
    assert [party.name for party in response.donors] == ["Ministry of Foreign Affairs, Norway"]


def test_text_starting_with_an_apostrophe_and_a_formula_sign_comes_back_as_written(
    login, acting_as, cast
):
    albanian_need(cast, title="'=not a formula")
    client = login(cast.people["albania-editor"])
    acting_as(cast.people["albania-editor"])

    for file_format in ("csv", "xlsx"):
        exported = client.get(f"/needs/export?format={file_format}").data
        acting_as(cast.people["albania-editor"])
        record = checked("needs", exported, f"needs.{file_format}")
        assert outcomes(record) == ["unchanged"], (file_format, record.outcome["rows"])
    sheet = load_workbook(io.BytesIO(client.get("/needs/export?format=xlsx").data)).worksheets[0]
    assert sheet.cell(row=2, column=11).value == "''=not a formula"


def test_the_same_pillars_and_partners_in_another_order_are_no_change(acting_as, cast):
    response = factories.response(
        cast.people["member-editor"].tenant, pillars=("WBCTi", "WBBSi"), external_reference="R"
    )
    response.beneficiaries = [factories.economy("AL"), factories.economy("RS")]
    database.session.add(response)
    database.session.commit()
    acting_as(cast.people["member-editor"])

    record = checked(
        "responses",
        b"external_reference,title,pillars,beneficiaries,support_type\n"
        + f'R,{response.title},"WBBSi; WBCTi","RS; AL",training\n'.encode(),
    )

    assert outcomes(record) == ["unchanged"], record.outcome["rows"][0]["changes"]


def test_a_formula_on_another_sheet_than_the_first_is_not_read_nor_refused():
    book = Workbook()
    book.active.append(["title", "note"])
    book.active.append(["One", "plain"])
    book.create_sheet("workings")["A1"] = "=SUM(1,2)"
    output = io.BytesIO()
    book.save(output)

    table = read_table(output.getvalue(), "two-sheets.xlsx")

    assert table.header == ["title", "note"]
    assert table.rows == [(2, ["One", "plain"])]


@pytest.mark.parametrize(
    "formula",
    ['<x:f t="shared" si="0"/>', "<f>1+1</f>", '<f t="array" ref="B3">A1*2</f>'],
)
def test_every_spelling_of_a_formula_is_refused_naming_its_cell(formula):
    book = Workbook()
    book.active.append(["title", "note"])
    book.active.append(["One", 2])
    output = io.BytesIO()
    book.save(output)
    content = rewritten(
        output.getvalue(),
        SHEET,
        lambda xml: re.sub(r'(<c r="B2"[^>]*>)', lambda cell: cell.group(1) + formula, xml),
    )

    with pytest.raises(ValidationFailed) as refused:
        read_table(content, "formula.xlsx")

    assert "cell B2 holds a formula" in refused.value.message


def test_rows_keep_the_numbers_of_the_sheet_when_it_starts_lower_down():
    book = Workbook()
    book.active["C3"] = "title"
    book.active["C5"] = "One"
    book.active["D5"] = "stray"
    output = io.BytesIO()
    book.save(output)

    table = read_table(output.getvalue(), "lower.xlsx")

    assert table.header == ["", "", "title"]
    assert table.rows == [(5, ["", "", "One", "stray"])]
