"""The response mapping report of a year, and both reports from the command line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests import factories
from tests.reports.pdf_support import pdf_text
from tests.worlds import analysis_world


@pytest.fixture
def world(db):
    """The analysis world's two programmes dated into 2026, and three more responses.

    A German programme restricted to Serbia (its beneficiary), one that ended in 2025,
    a cancelled one and a draft: only the first is in 2026's report, and only for those
    who may see it.
    """
    found = analysis_world(db)
    responses = found["responses"]
    serbia = factories.economy("RS")
    albania = factories.economy("AL")
    responses["programme"].starts_on, responses["programme"].ends_on = (
        date(2025, 3, 1),
        date(2027, 2, 28),
    )
    responses["programme"].beneficiaries = [albania, serbia]
    responses["bilateral"].starts_on = date(2026, 5, 1)
    responses["bilateral"].ends_on = date(2027, 12, 31)
    responses["bilateral"].beneficiaries = [albania]
    germany = responses["bilateral"].tenant
    extra = {
        "restricted": factories.response(
            germany,
            pillars=("WBCSCi",),
            title="Restricted witness protection support",
            record_status="published",
            visibility="restricted",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            budget_amount=Decimal("250000"),
            budget_currency="CHF",
            beneficiaries=[serbia],
        ),
        "ended": factories.response(
            germany,
            title="Ended in 2025",
            record_status="published",
            starts_on=date(2024, 1, 1),
            ends_on=date(2025, 12, 31),
        ),
        "cancelled": factories.response(
            germany,
            title="Cancelled programme",
            record_status="published",
            implementation_status="cancelled",
            starts_on=date(2026, 1, 1),
        ),
        "draft": factories.response(germany, title="Draft programme", starts_on=date(2026, 1, 1)),
    }
    db.session.add_all(extra.values())
    serbian_viewer = factories.user(found["needs"]["serbian"].tenant, email="rs@example.org")
    db.session.commit()
    found["responses"].update(extra)
    found["people"]["serbia"] = serbian_viewer
    return found


def page_of(client, year=2026, **query) -> str:
    answer = client.get(f"/reports/responses/{year}", query_string=query)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def listed(page: str, world) -> set[str]:
    return {
        name
        for name, response in world["responses"].items()
        if f'data-response="{response.id}"' in page
    }


def test_the_secretariats_report_holds_every_response_active_that_year(world, login):
    page = page_of(login(world["people"]["secretariat"]))

    assert listed(page, world) == {"programme", "bilateral", "restricted"}
    assert 'data-figure="responses">3<' in page
    # Totals per currency, never converted.
    assert 'data-total="EUR">2,200.00<' in page
    assert 'data-total="CHF">250,000.00<' in page
    # The needs a programme addresses through counted links.
    assert world["needs"]["covered"].code in page


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("albania", {"programme", "bilateral"}),
        ("commission", {"programme", "bilateral"}),
        ("serbia", {"programme", "bilateral", "restricted"}),
    ],
)
def test_a_restricted_response_is_in_the_reports_of_those_who_may_see_it(
    world, login, person, expected
):
    page = page_of(login(world["people"][person]))

    assert listed(page, world) == expected
    if "restricted" not in expected:
        assert "Restricted witness protection support" not in page
        assert "CHF" not in page


def test_other_years_and_narrowing(world, login):
    client = login(world["people"]["secretariat"])

    assert listed(page_of(client, 2025), world) == {"programme", "ended"}
    assert listed(page_of(client, 2026, partner="RS"), world) == {"programme", "restricted"}
    assert listed(page_of(client, 2026, pillar="WBCSCi"), world) == {"restricted"}
    assert listed(page_of(client, 2031), world) == set()


def test_the_response_report_as_pdf(world, login):
    answer = login(world["people"]["secretariat"]).get("/reports/responses/2026.pdf")

    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = pdf_text(answer.data)
    assert "Response mapping report 2026" in text
    assert "Restricted witness protection support" in text


def test_the_command_line_writes_both_reports(world, runner, tmp_path):
    needs_pdf, responses_html = tmp_path / "needs.pdf", tmp_path / "responses.html"

    first = runner.invoke(args=["report", "needs", "--cycle", "2026-2027", "--out", str(needs_pdf)])
    second = runner.invoke(
        args=[
            "report",
            "responses",
            "--year",
            "2026",
            "--as",
            "al@example.org",
            "--out",
            str(responses_html),
        ]
    )

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    text = pdf_text(needs_pdf.read_bytes())
    assert world["needs"]["serbian"].code in text  # without --as: the complete report
    html = responses_html.read_text(encoding="utf-8")
    assert "<style>" in html and 'rel="stylesheet"' not in html  # stands alone
    assert "EU programme" in html and "Restricted witness protection support" not in html


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["needs", "--cycle", "1999-2000", "--out", "x.pdf"], "There is no cycle"),
        (["needs", "--cycle", "2026-2027", "--out", "x.docx"], "name a .pdf or an .html file"),
        (["responses", "--year", "1200", "--out", "x.pdf"], "Choose a year"),
        (["responses", "--year", "2026", "--partner", "ZZ", "--out", "x.pdf"], "ZZ"),
        (["responses", "--year", "2026", "--as", "no@one.example", "--out", "x.pdf"], "no@one"),
    ],
)
def test_the_command_line_refuses_clearly_and_writes_nothing(
    world, runner, tmp_path, monkeypatch, arguments, message
):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(args=["report", *arguments])

    assert result.exit_code != 0
    assert message in result.output
    assert list(tmp_path.iterdir()) == []
