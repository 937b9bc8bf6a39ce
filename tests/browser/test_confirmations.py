"""Issue 17 in a real browser: withdrawing a need asks first, without any script.

A partner editor presses Withdraw… on a submitted need, reads what withdrawing does,
cancels, and the need is untouched; pressing it again and confirming withdraws it. Under
the portal's real Content Security Policy, so the pages work with no script at all.
"""

from __future__ import annotations

from playwright.sync_api import expect

from portal.models import Need
from tests.browser.test_story import expect_flash, open_need
from tests.needs.cast import albanian_need, build_cast

TITLE = "Mobile units for the green border"


def test_a_partner_cancels_then_confirms_withdrawing_a_need_in_the_browser(
    browser_sign_in, browser_problems, db
):
    cast = build_cast()
    need = albanian_need(cast, "submitted", title=TITLE)
    code, need_id = need.code, need.id
    partner = browser_sign_in(cast.people["albania-editor"])
    workflow = partner.locator("section", has=partner.locator("#workflow-heading"))

    open_need(partner, TITLE)
    workflow.get_by_role("button", name="Withdraw…").click()
    expect(partner.get_by_role("heading", name=f"Withdraw need {code}?", level=1)).to_be_visible()
    expect(partner.locator("#consequence")).to_contain_text("cannot be undone")
    partner.get_by_role("link", name="Cancel: change nothing").click()
    expect(partner.locator(".lead .badge")).to_have_text("submitted")

    workflow.get_by_role("button", name="Withdraw…").click()
    partner.get_by_role("button", name="Withdraw the need").click()
    expect_flash(partner, "The need was withdrawn.")
    expect(partner.locator(".lead .badge")).to_have_text("withdrawn")

    assert browser_problems.reports == []
    db.session.expire_all()
    assert db.session.get(Need, need_id).status == "withdrawn"
