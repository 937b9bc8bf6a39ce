"""The import pages: templates, upload, dry run, apply, error report."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from portal.extensions import db as database
from portal.models import DataImport, Need
from tests.conftest import csrf_token
from tests.needs.cast import build_cast

HEADER = "code,pillar,category,perspective,title,description,acquis_chapters,priority"


@pytest.fixture
def cast(db):
    return build_cast()


def upload(client, content: bytes, kind="needs", filename="needs.csv", **fields):
    token = csrf_token(client, "/imports")
    data = {"kind": kind, "csrf_token": token, **fields}
    if content is not None:
        data["file"] = (io.BytesIO(content), filename)
    builder = EnvironBuilder(
        path="/imports", method="POST", data=data, content_type="multipart/form-data"
    )
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        # The test client spools a large body to a file of its own, and leaves it open.
        environ["wsgi.input"].close()
        builder.close()


def count_needs() -> int:
    return database.session.scalar(select(func.count()).select_from(Need))


def test_a_partner_editor_uploads_checks_and_applies_a_file(login, cast):
    client = login(cast.people["albania-editor"])
    content = (HEADER + "\n,WBCTi,legislative,prevention,Forensic lab,Why,24,high\n").encode()

    uploaded = upload(client, content)

    assert uploaded.status_code == 303
    page = client.get(uploaded.location)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "1</span> to create" in text and "0</span> to update" in text
    assert "Apply: create 1, update 0" in text
    assert count_needs() == 0

    token = csrf_token(client, uploaded.location)
    applied = client.post(uploaded.location + "/apply", data={"csrf_token": token})

    assert applied.status_code == 303
    assert count_needs() == 1
    assert "Imported needs.csv: 1 created" in client.get(applied.location).get_data(as_text=True)


def test_a_file_that_cannot_be_read_is_named_and_nothing_is_kept(login, cast):
    client = login(cast.people["albania-editor"])

    answer = upload(client, b"\x00\x01binary", filename="needs.csv")

    assert answer.status_code == 422
    assert "it is not a text file" in answer.get_data(as_text=True)
    assert database.session.scalar(select(func.count()).select_from(DataImport)) == 0


def test_the_error_report_marks_each_bad_row(login, cast):
    client = login(cast.people["albania-editor"])
    content = (
        HEADER + "\n,WBCTi,legislative,prevention,Fine,Why,,high\n"
        ",WBCTi,legislative,prevention,Bad,Why,,urgent\n"
    ).encode()
    location = upload(client, content).location

    report = client.get(location + "/report.xlsx")

    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(report.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-2:] == ("outcome", "problems")
    assert rows[1][-2] == "create"
    assert rows[2][-2] == "error"
    assert rows[2][-1].startswith("priority:")


@pytest.mark.parametrize("kind", ["needs", "responses", "links"])
def test_the_xlsx_template_holds_the_columns_a_read_me_and_drop_downs(login, cast, kind):
    client = login(cast.people["member-editor"])

    answer = client.get(f"/imports/templates/{kind}.xlsx")

    assert answer.status_code == 200
    workbook = load_workbook(io.BytesIO(answer.data))
    assert workbook.sheetnames == [kind, "Read me", "Lists"]
    header = [cell.value for cell in workbook[kind][1]]
    readme = [row[0] for row in workbook["Read me"].iter_rows(min_row=2, values_only=True)]
    assert header == readme[: len(header)]
    assert workbook["Lists"].sheet_state == "hidden"
    if kind != "links":
        assert workbook[kind].data_validations.dataValidation


def test_the_csv_template_is_its_own_import(login, cast):
    client = login(cast.people["albania-editor"])
    template = client.get("/imports/templates/needs.csv")

    location = upload(client, template.data).location

    record = database.session.scalars(select(DataImport)).one()
    assert location.endswith(f"/imports/{record.id}")
    assert [row["outcome"] for row in record.outcome["rows"]] == ["create"], record.outcome["rows"][
        0
    ]["problems"]


def test_a_file_larger_than_a_form_reaches_the_import(login, cast):
    client = login(cast.people["albania-editor"])
    long = "x" * 100_000
    rows = [f",WBCTi,legislative,prevention,Long,{long},,high" for _ in range(30)]
    content = "\n".join([HEADER, *rows]).encode()
    assert len(content) > 2 * 1024 * 1024

    answer = upload(client, content)

    # Past the forms' 2 MiB cap and the CSRF check: the row itself is judged.
    assert answer.status_code == 303
    record = database.session.scalars(select(DataImport)).one()
    assert record.outcome["rows"][0]["problems"][0]["column"] == "description"


def test_a_file_over_the_import_limit_is_refused_before_it_is_read(login, cast, app):
    app.config["IMPORT_MAX_BYTES"] = 1024 * 1024
    client = login(cast.people["albania-editor"])

    answer = upload(client, b"x" * 2 * 1024 * 1024)

    assert answer.status_code == 413
    assert "The file is too large: at most 1.06 MiB" in answer.get_data(as_text=True)
    assert database.session.scalar(select(func.count()).select_from(DataImport)) == 0


def test_a_large_file_is_checked_and_applied_by_the_worker_with_its_progress(login, cast, app):
    app.config["IMPORT_AT_ONCE_ROWS"] = 1
    client = login(cast.people["albania-editor"])
    content = (
        HEADER + "\n,WBCTi,legislative,prevention,One,Why,,high\n"
        ",WBCTi,legislative,prevention,Two,Why,,low\n"
    ).encode()

    location = upload(client, content).location
    record = database.session.scalars(select(DataImport)).one()
    token = csrf_token(client, location)
    applied = client.post(location + "/apply", data={"csrf_token": token})

    # Tests run each job as it is submitted: both steps are done when the answers come.
    assert record.job_id is not None
    assert applied.status_code == 303
    assert count_needs() == 2
    page = client.get(location).get_data(as_text=True)
    assert "Applied on" in page
