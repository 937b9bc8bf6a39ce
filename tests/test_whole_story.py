"""The whole story, through the pages: a need from draft to adoption, covered by a response.

A partner editor drafts and submits a need, the Secretariat validates it, a member editor
records and publishes a response and proposes a link, the partner confirms it, the
Secretariat validates the link, an administrator adopts the cycle, and the analysis
counts the need as covered. Every step is a form a browser would post.
"""

import csv
import html
import io
import re

from sqlalchemy import select

from portal.models import Need, Pillar, Response, SupportLink
from tests.conftest import csrf_token
from tests.needs.cast import build_cast
from tests.responses.test_routes import VERSION, form_state, link_state

NEED = {
    "pillar": "WBCSCi",
    "category": "institutional",
    "perspective": "response",
    "title": "Set up an asset recovery office",
    "description": "Confiscated assets are not traced across borders.",
    "acquis_chapters": ["24"],
    "source_reference": "Strategy against organised crime 2024-2028",
    "priority": "high",
}
RESPONSE = {
    "title": "Regional asset recovery network",
    "description": "Mentoring and case work for new asset recovery offices.",
    "pillars": ["WBCSCi"],
    "donor_tenants": ["EC-NEAR"],
    "implementer_names": "Basel Institute on Governance",
    "beneficiaries": ["AL"],
    "support_type": "technical_assistance",
    "instrument": "IPA III",
    "starts_on": "2026-09-01",
    "ends_on": "2028-08-31",
    "budget_amount": "1800000",
    "budget_currency": "EUR",
    "implementation_status": "planned",
    "visibility": "members",
}


OPENED = re.compile(r'name="opened" value="([^"]*)"')


def act(client, url, action, **fields):
    """Press a workflow button on a need's page, with the state its form carries."""
    page = client.get(url).get_data(as_text=True)
    form = page[page.index(f'action="{url}/{action}"') :]
    data = {
        "csrf_token": csrf_token(client, url),
        "version": VERSION.search(form).group(1),
        "opened": html.unescape(OPENED.search(form).group(1)),
        **fields,
    }
    return client.post(f"{url}/{action}", data=data)


def test_a_need_goes_from_draft_to_adoption_covered_by_a_validated_response(login, db):
    cast = build_cast()
    partner = login(cast.people["albania-editor"])
    secretariat = login(cast.people["secretariat-editor"])
    member = login(cast.people["member-editor"])
    admin = login(cast.people["secretariat-admin"])

    drafted = partner.post("/needs/new", data={**NEED, "csrf_token": csrf_token(partner, "/needs")})
    assert drafted.status_code == 302, drafted.get_data(as_text=True)
    need_id = db.session.scalar(select(Need.id).where(Need.title == NEED["title"]))
    need_url = f"/needs/{need_id}"
    assert act(partner, need_url, "submit").status_code == 302
    assert act(secretariat, need_url, "validate").status_code == 302

    recorded = member.post(
        "/responses", data={**RESPONSE, "csrf_token": csrf_token(member, "/responses")}
    )
    assert recorded.status_code == 302, recorded.get_data(as_text=True)
    response_id = db.session.scalar(select(Response.id))
    response_url = f"/responses/{response_id}"
    assert (
        member.post(f"{response_url}/publish", data=form_state(member, response_url)).status_code
        == 302
    )
    proposed = member.post(
        f"{response_url}/links",
        data={
            "need_id": need_id,
            "coverage": "full",
            "note": "The network mentors the new office",
            "csrf_token": csrf_token(member, f"{response_url}/links/new"),
        },
    )
    assert proposed.status_code == 302, proposed.get_data(as_text=True)
    link_id = db.session.scalar(select(SupportLink.id))
    confirmed = partner.post(
        f"/responses/links/{link_id}/confirm", data=link_state(partner, need_url, link_id)
    )
    assert confirmed.status_code == 302
    validated = secretariat.post(
        f"/responses/links/{link_id}/validate", data=link_state(secretariat, need_url, link_id)
    )
    assert validated.status_code == 302

    cycle = cast.open_cycle
    db.session.expire_all()
    for form in (
        {"status": "consolidation"},
        {
            "status": "adopted",
            "board_meeting": "12th IISG Board, Tirana",
            "adopted_on": "2027-03-20",
        },
    ):
        version = str(db.session.get(type(cycle), cycle.id).version)
        moved = admin.post(
            f"/admin/cycles/{cycle.id}/status",
            data={**form, "version": version, "csrf_token": csrf_token(admin, "/admin/cycles")},
        )
        assert moved.status_code == 302, moved.get_data(as_text=True)
        db.session.expire_all()

    assert db.session.get(Need, need_id).status == "adopted"
    assert "validated by the Secretariat" in partner.get(need_url).get_data(as_text=True)
    pillar_id = db.session.scalar(select(Pillar.id).where(Pillar.code == "WBCSCi"))
    drill_down = partner.get(
        "/analysis/needs",
        query_string={
            "cycle": cycle.id,
            "economy": cast.albania.economy_id,
            "pillar": pillar_id,
            "coverage": "covered",
            "format": "csv",
        },
    )
    rows = list(csv.DictReader(io.StringIO(drill_down.get_data(as_text=True))))
    assert [(row["title"], row["coverage"]) for row in rows] == [(NEED["title"], "covered")]
