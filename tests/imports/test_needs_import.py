"""Importing needs from CSV: a dry run first, then all or nothing."""

import pytest
from sqlalchemy import func, select

from portal.exceptions import Conflict, Forbidden, ValidationFailed
from portal.extensions import db as database
from portal.identity import act_as
from portal.models import AuditEntry, DataImport, Need
from portal.services import imports
from tests.needs.cast import albanian_need, build_cast

HEADER = (
    "code,pillar,category,perspective,title,description,acquis_chapters,source_reference,priority"
)


@pytest.fixture
def cast(db):
    return build_cast()


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode()


def count_needs() -> int:
    return database.session.scalar(select(func.count()).select_from(Need))


def dry_run(content: bytes, filename="needs.csv", kind="needs", **options) -> DataImport:
    record = imports.upload(kind, filename, content, **options)
    return imports.check(record.id)


def outcomes(record) -> list[str]:
    return [row["outcome"] for row in record.outcome["rows"]]


def test_a_dry_run_names_each_rows_outcome_and_writes_nothing(acting_as, cast):
    acting_as(cast.people["albania-editor"])
    need = albanian_need(cast, title="Old title")
    before = count_needs()

    record = dry_run(
        csv(
            ",WBCTi,legislative,prevention,A new need,Why it is needed,23;24,,high",
            f"{need.code},WBCTi,legislative,prevention,New title,{need.description},,,"
            f"{need.priority}",
            ",WBCTi,nonsense,prevention,Bad,Row,,,high",
        )
    )

    assert outcomes(record) == ["create", "update", "error"]
    assert record.outcome["rows"][1]["changes"] == [["Title", "Old title", "New title"]]
    assert record.outcome["rows"][2]["problems"] == [
        {"column": "category", "value": "nonsense", "reason": "There is no category nonsense."}
    ]
    assert record.outcome["counts"]["error"] == 1
    assert count_needs() == before
    assert database.session.get(Need, need.id).title == "Old title"


def test_applying_writes_every_row_in_one_audited_request(acting_as, cast):
    # As a request, the command line and the worker do: the actor named in the trail.
    act_as(cast.people["albania-editor"])
    record = dry_run(
        csv(
            ",WBCTi,legislative,prevention,First,One,,,high",
            ",WBCTi,legislative,prevention,Second,Two,24,,low",
        )
    )
    before = count_needs()

    applied = imports.apply(record.id)

    assert applied.status == "applied"
    assert count_needs() == before + 2
    acting_as(None)
    entries = database.session.scalars(
        select(AuditEntry).where(AuditEntry.table_name == "needs", AuditEntry.operation == "I")
    ).all()
    assert len(entries) == before + 2
    assert {entry.request_id for entry in entries[-2:]} == {applied.request_id}
    assert all(record.sha256 in entry.reason for entry in entries[-2:])
    assert {entry.actor_id for entry in entries} == {cast.people["albania-editor"].id}


def test_a_file_with_an_error_cannot_be_applied(acting_as, cast):
    acting_as(cast.people["albania-editor"])
    record = dry_run(
        csv(
            ",WBCTi,legislative,prevention,Fine,One,,,high",
            ",WBCTi,legislative,prevention,Broken,Two,,,urgent",
        )
    )
    before = count_needs()

    with pytest.raises(Conflict):
        imports.apply(record.id)

    assert count_needs() == before


def test_importing_the_same_rows_again_is_unchanged(acting_as, cast):
    acting_as(cast.people["albania-editor"])
    need = albanian_need(cast)
    chapters = ";".join(str(chapter.number) for chapter in need.acquis_chapters)
    row = (
        f"{need.code},{need.pillar.code},{need.category.code},{need.perspective.code},"
        f'"{need.title}","{need.description}",{chapters},{need.source_reference},{need.priority}'
    )

    record = dry_run(csv(row))

    assert outcomes(record) == ["unchanged"]


def test_a_row_changed_since_the_dry_run_is_a_conflict_and_nothing_is_written(acting_as, cast):
    acting_as(cast.people["albania-editor"])
    need = albanian_need(cast, title="Before")
    record = dry_run(
        csv(
            ",WBCTi,legislative,prevention,New one,One,,,high",
            f"{need.code},WBCTi,legislative,prevention,Mine,{need.description},,,{need.priority}",
        )
    )
    need.title = "Someone else's"
    database.session.commit()
    before = count_needs()

    with pytest.raises(ValidationFailed):
        imports.apply(record.id)

    assert count_needs() == before
    assert database.session.get(Need, need.id).title == "Someone else's"
    refreshed = database.session.get(DataImport, record.id)
    assert refreshed.status == "checked"
    assert "since the dry run" in refreshed.outcome["rows"][1]["problems"][0]["reason"]


def test_another_partners_need_is_an_error(acting_as, cast):
    code = albanian_need(cast, status="validated").code
    acting_as(cast.people["serbia-editor"])

    record = dry_run(csv(f"{code},WBCTi,legislative,prevention,Taken,Over,,,high"))

    assert outcomes(record) == ["error"]
    assert record.outcome["rows"][0]["problems"][0]["reason"] == (
        "This need belongs to Ministry AL-MOI; you can change only your own."
    )


def test_a_member_cannot_import_needs(acting_as, cast):
    acting_as(cast.people["member-editor"])

    with pytest.raises(Forbidden):
        imports.upload("needs", "needs.csv", csv(",WBCTi,legislative,prevention,A,B,,,high"))
    assert database.session.scalar(select(func.count()).select_from(DataImport)) == 0


def test_the_command_line_dry_runs_then_applies_and_says_what_it_did(runner, cast, tmp_path):
    path = tmp_path / "needs.csv"
    path.write_bytes(csv(",WBCTi,legislative,prevention,From the shell,Why,,,low"))
    email = cast.people["albania-editor"].email

    dry = runner.invoke(args=["import", "needs", str(path), "--as", email])
    assert dry.exit_code == 0, dry.output
    assert "1 to create" in dry.output
    assert count_needs() == 0

    applied = runner.invoke(args=["import", "needs", str(path), "--as", email, "--apply"])
    assert applied.exit_code == 0, applied.output
    assert "Imported needs.csv: 1 created" in applied.output
    assert count_needs() == 1


def test_the_command_line_names_each_error_and_exits_1(runner, cast, tmp_path):
    path = tmp_path / "needs.csv"
    path.write_bytes(csv(",WBCTi,legislative,prevention,Bad,Why,,,urgent"))

    answer = runner.invoke(
        args=["import", "needs", str(path), "--as", cast.people["albania-editor"].email, "--apply"]
    )

    assert answer.exit_code == 1
    assert "row 2: error in priority ('urgent'): Priority is high, medium or low." in answer.output
    assert count_needs() == 0
