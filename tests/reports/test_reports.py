"""The needs mapping report of a cycle and the response mapping report of a year."""

from __future__ import annotations

import re
import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal import documents
from portal.models.reference import KOSOVO_FOOTNOTE
from tests import factories
from tests.reports.pdf_support import pdf_text
from tests.worlds import analysis_world

CYRILLIC = "Јачање капацитета граничне полиције"
ALBANIAN = "Forcimi i kapaciteteve të Policisë së Shtetit për çështjet e kufirit"


@pytest.fixture
def world(db):
    """The analysis world, with a Kosovo* need, and an adopted cycle before it.

    The earlier cycle's Albanian need is carried over into the current cycle; its
    other need, Serbian, is not.
    """
    found = analysis_world(db)
    earlier = factories.cycle(
        name="2024-2025",
        status="adopted",
        starts_on=date(2024, 1, 1),
        ends_on=date(2025, 12, 31),
        board_meeting="5th IISG Board Meeting, Tirana",
        adopted_on=date(2025, 6, 20),
    )
    albania = found["needs"]["covered"].tenant
    serbia = found["needs"]["serbian"].tenant
    kosovo = factories.partner_tenant(code="XK-MIA", economy="XK")
    old = factories.need(earlier, albania, status="adopted", title=ALBANIAN)
    dropped = factories.need(earlier, serbia, status="adopted", title="Dropped Serbian need")
    kosovan = factories.need(found["cycle"], kosovo, status="validated", title=CYRILLIC)
    db.session.add_all([earlier, old, dropped, kosovan])
    db.session.flush()
    found["needs"]["partial"].previous_need = old
    db.session.commit()
    found.update(earlier=earlier, old=old, dropped=dropped, kosovan=kosovan)
    return found


def figure(page: str, name: str) -> int:
    found = re.search(rf'data-figure="{name}">(\d+)<', page)
    assert found, name
    return int(found.group(1))


def report_page(client, world, **query) -> str:
    answer = client.get(f"/reports/cycles/{world['cycle'].id}/needs", query_string=query)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return answer.get_data(as_text=True)


def test_reports_need_a_complete_sign_in(client, world):
    for url in (
        "/reports",
        f"/reports/cycles/{world['cycle'].id}/needs",
        "/reports/responses/2026",
    ):
        answer = client.get(url)
        assert answer.status_code == 302, url
        assert answer.headers["Location"].startswith("/auth/login")


def test_the_secretariats_report_holds_every_analysed_need(world, login):
    page = report_page(login(world["people"]["secretariat"]), world)

    for key in ("covered", "partial", "gap", "serbian"):
        assert f'data-need="{world["needs"][key].code}"' in page, key
    assert f'data-need="{world["kosovan"].code}"' in page
    assert CYRILLIC in page
    # The cover says which cycle, and that it is not adopted yet.
    assert "Needs mapping report 2026-2027" in page
    assert "Working edition" in page
    assert "which is every record" in page


def test_a_partner_viewers_report_leaves_out_what_it_may_not_see(world, login):
    page = report_page(login(world["people"]["albania"]), world)

    assert f'data-need="{world["needs"]["covered"].code}"' in page
    # Serbia's submitted need is the Secretariat's and Serbia's to see, not Albania's.
    assert "Serbian submitted need" not in page
    assert f'data-need="{world["needs"]["serbian"].code}"' not in page
    assert "which is every record" not in page


@pytest.mark.parametrize("person", ["albania", "commission", "secretariat"])
def test_the_reports_figures_are_the_analysis_pages(world, login, person):
    client = login(world["people"][person])
    analysis = client.get(f"/analysis?cycle={world['cycle'].id}").get_data(as_text=True)
    page = report_page(client, world)

    def analysed(name):
        start = analysis.index('data-cell="all/all"')
        return int(re.search(rf'data-figure="{name}">(\d+)<', analysis[start:]).group(1))

    assert figure(page, "needs") == analysed("needs")
    assert figure(page, "covered") == analysed("covered")
    assert figure(page, "partial") == analysed("partial")
    assert figure(page, "gaps") == analysed("gaps") == figure(page, "report-gaps")
    assert figure(page, "report-synergies") == figure(analysis, "synergies")


def test_the_report_names_the_responses_gaps_and_synergies(world, login):
    page = report_page(login(world["people"]["secretariat"]), world)

    covered = page[page.index(f'data-need="{world["needs"]["covered"].code}"') :]
    covered = covered[: covered.index("</div>")]
    assert "EU programme (full)" in covered and "German programme (partial)" in covered
    assert "1,500.00 EUR" in covered
    # The gap's link is only proposed: it names no response.
    assert figure(page, "report-gaps") == 3  # the gap, Serbia's and Kosovo's needs
    assert figure(page, "report-synergies") == 1


def test_the_lineage_compares_with_the_cycle_before(world, login):
    page = report_page(login(world["people"]["secretariat"]), world)

    assert "Against cycle 2024-2025" in page
    assert figure(page, "carried") == 1
    assert figure(page, "new") == 4
    assert figure(page, "dropped") == 1
    assert world["old"].code in page  # the carried-over need names the one it continues
    assert "Dropped Serbian need" in page


def test_kosovo_carries_its_asterisk_and_the_footnote(world, login):
    page = report_page(login(world["people"]["secretariat"]), world)

    assert "Kosovo*" in page
    assert KOSOVO_FOOTNOTE in page


def test_a_report_narrowed_to_a_partner_and_a_pillar(world, login):
    client = login(world["people"]["secretariat"])
    page = report_page(client, world, partner="XK", pillar="WBCTi")

    assert f'data-need="{world["kosovan"].code}"' in page
    assert f'data-need="{world["needs"]["covered"].code}"' not in page
    assert "Covering</dt><dd>Kosovo*, WBCTi" in page


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"partner": "ZZ"}, "partner"),
        ({"pillar": "NOPE"}, "pillar"),
        ({"partner": "x" * 30}, "partner"),
    ],
)
def test_a_report_of_an_unknown_part_is_refused_naming_the_field(world, login, query, field):
    client = login(world["people"]["secretariat"])
    answer = client.get(f"/reports/cycles/{world['cycle'].id}/needs", query_string=query)

    assert answer.status_code == 422
    assert field in answer.get_data(as_text=True).lower()


def test_an_unknown_cycle_or_year_is_not_found_or_refused(world, login):
    client = login(world["people"]["secretariat"])

    assert client.get("/reports/cycles/999999/needs").status_code == 404
    assert client.get("/reports/responses/1200").status_code == 422


def test_the_pdf_holds_the_needs_and_the_footnote(world, login):
    client = login(world["people"]["secretariat"])
    answer = client.get(f"/reports/cycles/{world['cycle'].id}/needs.pdf")

    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    text = pdf_text(answer.data)
    for need in (*world["needs"].values(), world["kosovan"]):
        assert need.code in text, need.code
    assert CYRILLIC in text
    assert "Kosovo*" in text
    assert "UNSCR 1244/1999" in text
    # The table of contents gives page numbers.
    assert re.search(r"Summary\W*\d+", text)


def test_the_index_lists_cycles_and_years(world, login):
    page = login(world["people"]["albania"]).get("/reports").get_data(as_text=True)

    assert f'href="/reports/cycles/{world["cycle"].id}/needs"' in page
    assert f'href="/reports/cycles/{world["earlier"].id}/needs.pdf"' in page
    assert f'href="/reports/responses/{date.today().year}"' in page


@pytest.fixture
def without_weasyprint(monkeypatch):
    """Make WeasyPrint unimportable, as on a server without it or without Pango."""
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    documents.pdf_missing.cache_clear()
    yield
    documents.pdf_missing.cache_clear()


def test_without_weasyprint_the_portal_says_so_in_one_line(world, login, without_weasyprint):
    client = login(world["people"]["secretariat"])
    index = client.get("/reports").get_data(as_text=True)
    answer = client.get(f"/reports/cycles/{world['cycle'].id}/needs.pdf")

    assert 'id="pdf-problem"' in index
    assert "PDF reports need WeasyPrint and the system&#39;s Pango library" in index
    # The HTML report still works; the PDF answers that it is unavailable, not a 500.
    assert client.get(f"/reports/cycles/{world['cycle'].id}/needs").status_code == 200
    assert answer.status_code == 503
    assert "PDF reports need WeasyPrint" in answer.get_data(as_text=True)


def test_without_weasyprint_the_command_line_says_so(world, runner, tmp_path, without_weasyprint):
    out = tmp_path / "needs.pdf"
    result = runner.invoke(args=["report", "needs", "--cycle", "2026-2027", "--out", str(out)])

    assert result.exit_code == 1
    assert "PDF reports need WeasyPrint" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_the_lineage_counts_only_needs_continued_into_the_cycle(world, login, db):
    """A need continued only by a withdrawn or draft need is no longer listed."""
    albania = world["needs"]["covered"].tenant
    earlier = world["earlier"]
    into_withdrawn = factories.need(
        earlier, albania, status="adopted", title="Continued, withdrawn"
    )
    into_draft = factories.need(earlier, albania, status="adopted", title="Continued as a draft")
    db.session.add_all([into_withdrawn, into_draft])
    db.session.flush()
    db.session.add_all(
        [
            factories.need(
                world["cycle"], albania, status="withdrawn", previous_need=into_withdrawn
            ),
            factories.need(world["cycle"], albania, status="draft", previous_need=into_draft),
        ]
    )
    db.session.commit()

    for person in ("secretariat", "albania"):
        page = report_page(login(world["people"][person]), world)
        assert "Continued, withdrawn" in page, person
        assert "Continued as a draft" in page, person


def test_the_index_works_before_any_response_has_begun(world, login, db):
    """Only a response that starts next year: the years still offer this one."""
    germany = world["responses"]["bilateral"].tenant
    for response in world["responses"].values():
        response.record_status = "draft"
    db.session.add(
        factories.response(
            germany, record_status="published", starts_on=date(date.today().year + 1, 1, 1)
        )
    )
    db.session.commit()

    page = login(world["people"]["albania"]).get("/reports")

    assert page.status_code == 200
    assert f'href="/reports/responses/{date.today().year}"' in page.get_data(as_text=True)


def test_the_narrowing_forms_send_blank_choices(world, login):
    client = login(world["people"]["secretariat"])
    cycle = world["cycle"].id

    assert client.get(f"/reports/cycles/{cycle}/needs?partner=&pillar=").status_code == 200
    assert client.get(f"/reports/cycles/{cycle}/needs?partner=XK&pillar=").status_code == 200
    assert client.get("/reports/responses/2026?partner=&pillar=WBCTi").status_code == 200
    assert client.get(f"/reports/cycles/{cycle}/needs?partner=AL%00").status_code == 422
    assert client.get("/reports/responses/2026?pillar=%00").status_code == 422


def test_a_large_report_is_made_on_the_worker_for_its_reader(world, login, app, db):
    app.config["REPORT_AT_ONCE_RECORDS"] = 2
    albania = login(world["people"]["albania"])

    answer = albania.get(f"/reports/cycles/{world['cycle'].id}/needs.pdf?partner=AL")

    assert answer.status_code == 302
    job_page = albania.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Making a report" in job_page
    link = re.search(r'id="report-file" href="([^"]+)"', job_page).group(1)
    made = albania.get(link)
    assert made.mimetype == "application/pdf"
    assert "iisg-needs-mapping-2026-2027-AL.pdf" in made.headers["Content-Disposition"]
    text = pdf_text(made.data)
    assert world["needs"]["covered"].code in text
    assert "Serbian submitted need" not in text
    # The file is the reader's alone: the Secretariat's viewer does not find it.
    assert login(world["people"]["secretariat"]).get(link).status_code == 404


def test_reports_made_on_the_worker_are_kept_a_week(world, acting_as, db):
    from portal.exceptions import Forbidden
    from portal.models import ReportFile
    from portal.models.base import utc_now
    from portal.services import reports

    reader = world["people"]["albania"]
    acting_as(None)
    for name, age in (("old", 8), ("recent", 6)):
        db.session.add(
            ReportFile(
                job_id=0,
                actor_id=reader.id,
                name=f"{name}.pdf",
                media_type="application/pdf",
                size=1,
                content=b"%",
                created_at=utc_now() - timedelta(days=age),
            )
        )
    db.session.commit()

    assert reports.forget_old_report_files() == 1
    assert db.session.scalars(select(ReportFile.name)).all() == ["recent.pdf"]
    # The worker's own work: a person asking for it is refused.
    acting_as(reader)
    with pytest.raises(Forbidden):
        reports.forget_old_report_files()


def test_a_small_report_is_made_at_once(world, login, app):
    app.config["REPORT_AT_ONCE_RECORDS"] = 100
    answer = login(world["people"]["albania"]).get("/reports/responses/2026.pdf")

    assert answer.status_code == 200 and answer.mimetype == "application/pdf"


def section(page: str, ident: str) -> str:
    start = page.index(f'<section id="{ident}"')
    return page[start : page.index("</section>", start)]


def test_the_gaps_and_lineage_list_codes_by_partner(world, login):
    """Compact lists: the needs section above holds the titles, these name the codes."""
    page = report_page(login(world["people"]["secretariat"]), world)

    gaps = section(page, "gaps")
    assert "<table" not in gaps
    albania = gaps[gaps.index("Albania: 1") : gaps.index("</dd>", gaps.index("Albania: 1"))]
    gap = world["needs"]["gap"]
    assert f"<span>{gap.code}</span> ({gap.priority})" in albania
    assert "Kosovo*: 1" in gaps and "Serbia: 1" in gaps
    lineage = section(page, "lineage")
    carried = world["needs"]["partial"]
    assert f"<span>{carried.code}</span> continues <span>{world['old'].code}</span>" in lineage
    dropped = world["dropped"]
    assert (
        f"<strong>{dropped.code}</strong> Dropped Serbian need ({dropped.pillar.code})" in lineage
    )
