"""The Secretariat reads a report, publishes it, and anyone reads the edition signed out.

In a real browser, under the portal's Content Security Policy and under the published
HTML's own (its stylesheet by hash, in a sandbox): no console error, no violation.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_story import expect_flash, go_to
from tests.needs.cast import albanian_need, build_cast


def test_a_report_is_read_published_and_read_again_signed_out(
    browser, portal_url, browser_sign_in, browser_problems, db
):
    cast = build_cast()
    albanian_need(cast, status="adopted", cycle=cast.adopted_cycle, title="Mobile border units")
    admin = browser_sign_in(cast.people["secretariat-admin"])

    go_to(admin, "Reports")
    row = admin.get_by_role("row").filter(has_text="2021-2022")
    row.get_by_role("link", name="Read").click()
    expect(admin.get_by_role("heading", name="Needs mapping report 2021-2022")).to_be_visible()
    expect(admin.locator("#needs").get_by_text("Mobile border units")).to_be_visible()
    admin.get_by_role("link", name="All reports").click()
    admin.get_by_role("row").filter(has_text="2021-2022").get_by_role(
        "button", name="Publish"
    ).click()
    expect_flash(admin, "is published on the public page, signed")

    reader = browser.new_context(base_url=portal_url)
    browser_problems.watch(reader, "signed out")
    page = reader.new_page()
    page.goto("/public")
    expect(page.get_by_role("heading", name="Published reports of the IISG")).to_be_visible()
    page.get_by_role("link", name="HTML", exact=True).click()
    expect(page.get_by_role("heading", name="Needs mapping report 2021-2022")).to_be_visible()
    expect(page.locator("#needs").get_by_text("Mobile border units")).to_be_visible()
    # The edition's own stylesheet applies: its headings have the report's colour.
    colour = page.get_by_role("heading", name="Needs mapping report 2021-2022").evaluate(
        "element => getComputedStyle(element).color"
    )
    reader.close()

    assert colour == "rgb(11, 42, 74)"
    assert browser_problems.reports == []
