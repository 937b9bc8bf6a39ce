"""A member editor imports programmes from a spreadsheet in a real browser.

Upload, read the dry run, apply: under the portal's real Content Security Policy, with
no console error on any of the import pages.
"""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from portal.models import Response
from tests.browser.test_story import expect_flash, go_to
from tests.needs.cast import build_cast

SPREADSHEET = (
    "external_reference;title;pillars;beneficiaries;support_type;starts_on;budget_amount;"
    "budget_currency\n"
    "EC-2026-017;Obuka graničnih policajaca (Đakovica);WBBSi;RS;training;2026-03-01;"
    "1,500,000.50;EUR\n"
).encode("cp1250")


def test_a_member_editor_imports_a_spreadsheet_in_the_browser(
    browser_sign_in, browser_problems, db
):
    cast = build_cast()
    member = browser_sign_in(cast.people["member-editor"])

    go_to(member, "Import")
    member.get_by_label("The file holds").select_option("responses")
    member.get_by_label("File", exact=True).set_input_files(
        {"name": "programmes.csv", "mimeType": "text/csv", "buffer": SPREADSHEET}
    )
    member.get_by_role("button", name="Upload and check").click()

    expect(member.get_by_role("heading", name="Import of programmes.csv")).to_be_visible()
    expect(member.locator("#import-counts")).to_contain_text("1 to create")
    expect(member.locator("#import-rows")).to_contain_text("Obuka graničnih policajaca")
    member.get_by_role("button", name="Apply: create 1, update 0").click()
    expect_flash(member, "Imported programmes.csv: 1 created, 0 updated, 0 unchanged.")
    expect(member.locator("#import-status")).to_contain_text("Applied on")

    assert browser_problems.reports == []
    db.session.expire_all()
    response = db.session.scalars(select(Response)).one()
    assert (response.external_reference, response.title) == (
        "EC-2026-017",
        "Obuka graničnih policajaca (Đakovica)",
    )
