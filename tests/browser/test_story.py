"""Issue 6 in a real browser: a need from draft to adoption, covered by a validated response.

The same story as tests/test_whole_story.py, but every step is a person in Chromium
filling the forms and pressing the buttons of the pages, under the portal's real
Content Security Policy: a partner editor drafts and submits a need, the Secretariat
validates it, a member editor records and publishes a response and proposes a full
link, the partner confirms it, the Secretariat validates the link, an administrator
adopts the cycle, and the partner finds the need covered in the analysis.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.models import Cycle, Need, Response, SupportLink
from tests.needs.cast import build_cast
from tests.test_whole_story import NEED, RESPONSE

LINK_NOTE = "The network mentors the new office"
BOARD_MEETING = "12th IISG Board, Tirana"


def expect_flash(page: Page, message: str) -> None:
    """Check that the page confirms what was just done."""
    expect(page.get_by_role("alert").filter(has_text=message)).to_be_visible()


def go_to(page: Page, section: str) -> None:
    """Follow a link of the main navigation bar."""
    navigation = page.get_by_role("navigation", name="Main navigation")
    navigation.get_by_role("link", name=section, exact=True).click()


def open_need(page: Page, title: str) -> None:
    """Go to the needs list and open the need called ``title``."""
    go_to(page, "Needs")
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()


def draft_and_submit_need(partner: Page) -> None:
    """Draft the need on the New need form, then submit it to the Secretariat."""
    go_to(partner, "Needs")
    partner.get_by_role("link", name="New need").click()
    partner.get_by_label("Pillar").select_option(NEED["pillar"])
    partner.get_by_label("Category").select_option(NEED["category"])
    partner.get_by_label("Perspective").select_option(NEED["perspective"])
    partner.get_by_label("Title").fill(NEED["title"])
    partner.get_by_label("Description").fill(NEED["description"])
    for chapter in NEED["acquis_chapters"]:
        partner.get_by_label(re.compile(rf"^{chapter} – ")).check()
    partner.get_by_label("Source or strategy reference").fill(NEED["source_reference"])
    partner.get_by_label("Priority").select_option(NEED["priority"])
    partner.get_by_role("button", name="Save draft").click()
    expect_flash(partner, "The need was saved as a draft.")
    expect(partner.locator(".lead .badge")).to_have_text("draft")

    partner.get_by_role("button", name="Submit to the Secretariat").click()
    expect_flash(partner, "The need was submitted to the Secretariat.")
    expect(partner.locator(".lead .badge")).to_have_text("submitted")


def validate_need(secretariat: Page) -> None:
    """Open the submitted need and validate it."""
    open_need(secretariat, NEED["title"])
    workflow = secretariat.locator("section", has=secretariat.locator("#workflow-heading"))
    workflow.get_by_role("button", name="Validate").click()
    expect_flash(secretariat, "The need was validated.")
    expect(secretariat.locator(".lead .badge")).to_have_text("validated")


def record_and_publish_response(member: Page) -> None:
    """Fill in every field of the response form, save the draft and publish it."""
    go_to(member, "Responses")
    member.get_by_role("link", name="Record a response").click()
    member.get_by_label("Title").fill(RESPONSE["title"])
    member.get_by_label("Description").fill(RESPONSE["description"])
    for pillar in RESPONSE["pillars"]:
        member.get_by_label(re.compile(rf"^{pillar} · ")).check()
    donors = member.get_by_role("group", name="Donors")
    # The member's own organisation comes ticked as donor; ticking it again keeps it.
    for code in RESPONSE["donor_tenants"]:
        expect(donors.get_by_label(re.compile(rf"\({code}\)$"))).to_be_checked()
        donors.get_by_label(re.compile(rf"\({code}\)$")).check()
    implementers = member.get_by_role("group", name="Implementers")
    implementers.get_by_label("Other organisations, one per line").fill(
        RESPONSE["implementer_names"]
    )
    beneficiaries = member.get_by_role("group", name="Beneficiary partners")
    beneficiaries.get_by_label("Albania").check()
    member.get_by_label("Type of support").select_option(RESPONSE["support_type"])
    member.get_by_label("Instrument").fill(RESPONSE["instrument"])
    member.get_by_label("Implementation status").select_option(RESPONSE["implementation_status"])
    member.get_by_label("Starts").fill(RESPONSE["starts_on"])
    member.get_by_label("Ends").fill(RESPONSE["ends_on"])
    member.get_by_label("Budget").fill(RESPONSE["budget_amount"])
    member.get_by_label("Currency").select_option(RESPONSE["budget_currency"])
    member.get_by_label("All IISG members").check()
    member.get_by_role("button", name="Save as draft").click()
    expect_flash(member, "The response was saved as a draft.")
    expect(member.get_by_role("heading", name=RESPONSE["title"])).to_contain_text("draft")

    member.get_by_role("button", name="Publish").click()
    expect_flash(member, "The response is now published.")
    expect(member.get_by_role("heading", name=RESPONSE["title"])).to_contain_text("published")


def propose_full_link(member: Page) -> None:
    """From the response's page, propose that it fully covers the need."""
    member.get_by_role("link", name="Propose a link").click()
    member.get_by_role("radio", name=re.compile(re.escape(NEED["title"]))).check()
    member.get_by_label("Full: the response meets the whole need").check()
    member.get_by_label("Note for the partner and the Secretariat").fill(LINK_NOTE)
    member.get_by_role("button", name="Propose link").click()
    expect_flash(member, "The link was proposed.")
    row = member.locator("table.support-links tbody tr").filter(has_text=NEED["title"])
    expect(row).to_contain_text("full")
    expect(row).to_contain_text("proposed")
    expect(row).to_contain_text(LINK_NOTE)


def press_link_button(page: Page, button: str, flash: str, status: str) -> None:
    """On the open need's page, press a button of the response's link row."""
    row = page.locator("#support table.support-links tbody tr").filter(has_text=RESPONSE["title"])
    row.get_by_role("button", name=button).click()
    expect_flash(page, flash)
    expect(
        page.locator("#support table.support-links tbody tr").filter(has_text=RESPONSE["title"])
    ).to_contain_text(status)


def adopt_cycle(admin: Page, cycle_name: str) -> None:
    """Move the open cycle to consolidation, then adopt it at a Board meeting."""
    go_to(admin, "Administration")
    admin.get_by_role("link", name="Cycles").click()
    admin.get_by_role("form", name=f"Move {cycle_name} to consolidation").get_by_role(
        "button", name="Move to consolidation"
    ).click()
    expect_flash(admin, f"Cycle {cycle_name} is now consolidation.")

    adoption = admin.get_by_role("form", name=f"Move {cycle_name} to adopted")
    adoption.get_by_label("Board meeting").fill(BOARD_MEETING)
    adoption.get_by_label("Adopted on").fill("2027-03-20")
    adoption.get_by_role("button", name="Adopt: freeze its needs").click()
    expect_flash(admin, f"Cycle {cycle_name} is now adopted.")
    row = admin.get_by_role("row").filter(has=admin.get_by_role("rowheader", name=cycle_name))
    expect(row).to_contain_text(BOARD_MEETING)


def find_need_covered_in_analysis(partner: Page, cycle_name: str) -> None:
    """Open the analysis of the cycle and follow the Albania and pillar cell's covered needs."""
    go_to(partner, "Analysis")
    partner.get_by_label("Needs mapping cycle").select_option(label=f"{cycle_name} (adopted)")
    partner.get_by_role("button", name="Show").click()
    expect(partner.get_by_role("heading", level=1)).to_contain_text(f"cycle {cycle_name}")
    cell = partner.locator(f'#coverage-by-pillar td[data-cell="AL/{NEED["pillar"]}"]')
    expect(cell.locator('[data-figure="covered"]')).to_have_text("1")
    # The cell's one figure is its gaps (none here); its page switches to the covered.
    expect(cell.locator('[data-figure="gaps"]')).to_have_text("0")
    cell.get_by_role("link").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text(f"Gaps · cycle {cycle_name}")
    partner.locator("#cell-description + p").get_by_role(
        "link", name="Covered needs", exact=True
    ).click()

    expect(partner.get_by_role("heading", level=1)).to_have_text(
        f"Covered needs · cycle {cycle_name}"
    )
    need_row = partner.locator("#needs tbody tr")
    expect(need_row).to_have_count(1)
    expect(need_row).to_contain_text(NEED["title"])
    expect(need_row.locator("[data-coverage]")).to_have_text("covered")


def test_a_need_goes_from_draft_to_adoption_covered_by_a_validated_response_in_the_browser(
    browser_sign_in, browser_problems, db
):
    cast = build_cast()
    cycle_name = cast.open_cycle.name
    partner = browser_sign_in(cast.people["albania-editor"])
    secretariat = browser_sign_in(cast.people["secretariat-editor"])
    member = browser_sign_in(cast.people["member-editor"])
    admin = browser_sign_in(cast.people["secretariat-admin"])

    draft_and_submit_need(partner)
    validate_need(secretariat)
    record_and_publish_response(member)
    propose_full_link(member)
    open_need(partner, NEED["title"])
    press_link_button(partner, "Confirm", "The link is confirmed.", "confirmed by the partner")
    open_need(secretariat, NEED["title"])
    press_link_button(
        secretariat, "Validate", "The link is validated.", "validated by the Secretariat"
    )
    adopt_cycle(admin, cycle_name)
    open_need(partner, NEED["title"])
    expect(partner.locator(".lead .badge")).to_have_text("adopted")
    find_need_covered_in_analysis(partner, cycle_name)

    assert browser_problems.reports == []
    db.session.expire_all()
    need = db.session.scalars(select(Need).where(Need.title == NEED["title"])).one()
    assert (need.status, need.acquis_chapters[0].number) == ("adopted", 24)
    response = db.session.scalars(select(Response)).one()
    assert (response.record_status, response.budget_currency) == ("published", "EUR")
    links = db.session.scalars(select(SupportLink)).all()
    assert [(link.response_id, link.need_id, link.coverage, link.status) for link in links] == [
        (response.id, need.id, "full", "validated")
    ]
    assert links[0].note == LINK_NOTE
    cycle = db.session.get(Cycle, cast.open_cycle.id)
    assert (cycle.status, cycle.board_meeting) == ("adopted", BOARD_MEETING)
