"""The responses pages: list, record, edit, publish, and support links, as people use them."""

import re

import pytest
from sqlalchemy import func, select

from portal.models import Response, SupportLink
from tests import factories
from tests.conftest import csrf_token

FORM = {
    "title": "Integrated border management in the Western Balkans",
    "description": "Equipment and training.",
    "pillars": ["WBBSi"],
    "donor_tenants": ["EC-NEAR"],
    "donor_names": "Kingdom of Sweden",
    "implementer_tenants": ["DE-GIZ"],
    "beneficiaries": ["AL", "ME"],
    "support_type": "equipment",
    "instrument": "IPA III",
    "starts_on": "2026-01-01",
    "ends_on": "2027-12-31",
    "budget_amount": "2500000",
    "budget_currency": "EUR",
    "implementation_status": "ongoing",
    "visibility": "members",
    "external_reference": "XI-IATI-EC_NEAR-2026/7",
}
VERSION = re.compile(r'name="version" value="(\d+)"')
OPENED = re.compile(r'name="opened" value="([^"]+)"')


def count(db, model=Response):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def form_state(client, url):
    """Return the CSRF token, version and opened snapshot of the first form on ``url``."""
    page = client.get(url).get_data(as_text=True)
    return {
        "csrf_token": csrf_token(client, url),
        "version": VERSION.search(page).group(1),
        "opened": OPENED.search(page).group(1),
    }


def link_state(client, url, link_id):
    """Return the CSRF token, version and snapshot of a link's action forms on ``url``."""
    page = client.get(url).get_data(as_text=True)
    row = page[page.index(f'id="link-{link_id}"') :]
    return {
        "csrf_token": csrf_token(client, url),
        "version": VERSION.search(row).group(1),
        "opened": OPENED.search(row).group(1),
    }


def queries(response) -> int:
    return int(re.search(r'desc="(\d+) queries"', response.headers["Server-Timing"]).group(1))


def test_the_list_shows_what_the_user_may_see_and_a_record_button_for_editors(login, world):
    client = login(world.people.germany_editor)

    page = client.get("/responses").get_data(as_text=True)

    assert "Commission border programme" in page
    assert "Commission draft programme" not in page
    assert "Commission restricted programme" not in page
    assert "Record a response" in page


def test_viewers_get_no_record_button_and_may_not_record(login, world, db):
    client = login(world.people.commission_viewer)

    assert "Record a response" not in client.get("/responses").get_data(as_text=True)
    assert client.get("/responses/new").status_code == 403
    refused = client.post("/responses", data={**FORM, "csrf_token": csrf_token(client, "/")})
    assert refused.status_code == 403
    assert count(db) == 3


def test_the_list_filters_by_query_parameters(login, world):
    client = login(world.people.albania_viewer)

    page = client.get("/responses?pillar=WBCTi&q=restricted&record_status=published")

    body = page.get_data(as_text=True)
    assert "Commission restricted programme" in body
    assert "Commission border programme" not in body


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=first", "page"),
        ("per_page=1000", "per_page"),
        ("active_from=2026-13-01", "active_from"),
        ("implementation_status=paused", "implementation_status"),
        ("pillar=NOPE", "pillar"),
        ("beneficiary=FR", "beneficiary"),
        ("active_from=2026-02-01&active_to=2026-01-01", "active_to"),
        ("q=" + "x" * 101, "q"),
    ],
)
def test_bad_filters_are_refused_naming_the_parameter(login, world, query, field):
    client = login(world.people.germany_editor)

    response = client.get(f"/responses?{query}", headers={"Accept": "application/json"})

    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_the_list_costs_the_same_queries_for_few_or_many_rows(login, world, db):
    client = login(world.people.germany_editor)
    few = queries(client.get("/responses"))
    for number in range(12):
        response = factories.response(
            world.tenants.commission, title=f"Programme {number}", record_status="published"
        )
        response.beneficiaries = [factories.economy("AL"), factories.economy("ME")]
        db.session.add(response)
    db.session.commit()

    many = client.get("/responses")

    assert "Programme 11" in many.get_data(as_text=True)
    assert queries(many) == few


def test_an_editor_records_a_response_and_lands_on_its_page(login, world, db):
    client = login(world.people.commission_editor)

    created = client.post("/responses", data={**FORM, "csrf_token": csrf_token(client, "/")})

    assert created.status_code == 302
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "Integrated border management" in page
    assert "Kingdom of Sweden" in page and "2,500,000.00 EUR" in page


def test_a_partner_editor_offered_the_record_button_records_a_response_of_its_own(login, world, db):
    # Editors record responses for any organisation, partners included: the button a
    # partner's editor is shown must lead to a form that opens and saves, not a refusal.
    client = login(world.people.albania_editor)

    assert "Record a response" in client.get("/responses").get_data(as_text=True)
    assert client.get("/responses/new").status_code == 200
    created = client.post("/responses", data={**FORM, "csrf_token": csrf_token(client, "/")})

    assert created.status_code == 302
    db.session.expire_all()
    recorded = db.session.scalar(select(Response).where(Response.title == FORM["title"]))
    assert recorded.tenant_id == world.tenants.albania.id
    assert recorded.record_status == "draft"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"title": ""}, "title", "cannot be blank"),
        ({"title": "t" * 201}, "title", "at most 200"),
        ({"ends_on": "2025-01-01"}, "ends_on", "before the start"),
        ({"budget_amount": "-5"}, "budget_amount", "cannot be negative"),
        ({"budget_amount": "five"}, "budget_amount", "as a number"),
        ({"budget_currency": "XYZ"}, "budget_currency", "Unknown currency"),
    ],
)
def test_bad_input_is_refused_on_the_form_keeping_what_was_typed(
    login, world, db, change, field, reason
):
    client = login(world.people.commission_editor)

    response = client.post(
        "/responses", data={**FORM, **change, "csrf_token": csrf_token(client, "/")}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page and reason in page
    assert 'value="IPA III"' in page
    assert count(db) == 3


def test_another_organisation_may_read_but_not_edit(login, world, db):
    response = world.responses.published
    client = login(world.people.germany_editor)

    assert client.get(f"/responses/{response.id}").status_code == 200
    assert "Edit" not in client.get(f"/responses/{response.id}").get_data(as_text=True)
    assert client.get(f"/responses/{response.id}/edit").status_code == 403
    token = csrf_token(client, "/")
    posted = client.post(
        f"/responses/{response.id}/edit", data={**FORM, "version": "1", "csrf_token": token}
    )
    assert posted.status_code == 403
    assert client.get(f"/responses/{world.responses.draft.id}").status_code == 404


def test_two_people_edit_at_once_and_the_second_save_shows_what_changed(login, world, db):
    response_id = world.responses.published.id
    url = f"/responses/{response_id}/edit"
    first = login(world.people.commission_editor)
    colleague = factories.user(
        world.tenants.commission, email="second@ec.example", roles=("editor",)
    )
    db.session.commit()
    second = login(colleague)
    first_form = form_state(first, url)
    second_form = form_state(second, url)

    saved = second.post(url, data={**FORM, "title": "Renamed by the colleague", **second_form})
    refused = first.post(url, data={**FORM, "title": "My own better title", **first_form})

    assert saved.status_code == 302
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert 'id="stale-changes"' in page
    assert "Commission border programme" in page and "Renamed by the colleague" in page
    assert 'value="My own better title"' in page
    db.session.expire_all()
    assert db.session.get(Response, response_id).title == "Renamed by the colleague"
    # The form now carries the current version: saving again is a deliberate choice.
    again = first.post(url, data={**FORM, "title": "My own better title", **form_state(first, url)})
    assert again.status_code == 302


def test_owners_publish_and_unpublish_and_a_stale_page_is_refused(login, world, db):
    draft_id = world.responses.draft.id
    page_url = f"/responses/{draft_id}"
    client = login(world.people.commission_editor)
    stale = form_state(client, page_url)

    published = client.post(f"{page_url}/publish", data=stale)
    refused = client.post(f"{page_url}/unpublish", data=stale)

    assert published.status_code == 302
    assert refused.status_code == 409
    assert "Record status" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Response, draft_id).record_status == "published"
    assert (
        client.post(f"{page_url}/unpublish", data=form_state(client, page_url)).status_code == 302
    )


def propose(client, response_id, need_id, **fields):
    token = csrf_token(client, f"/responses/{response_id}/links/new")
    return client.post(
        f"/responses/{response_id}/links",
        data={"need_id": need_id, "coverage": "full", "csrf_token": token, **fields},
    )


def test_the_picker_lists_visible_needs_only(login, world):
    client = login(world.people.commission_editor)

    page = client.get(f"/responses/{world.responses.published.id}/links/new?q=albanian")

    body = page.get_data(as_text=True)
    assert "Albanian border surveillance" in body
    assert "Albanian draft need" not in body and "Albanian submitted need" not in body
    assert "Serbian forensic laboratory" not in body


def test_a_link_travels_from_proposal_to_validation_across_three_organisations(login, world, db):
    response_id = world.responses.published.id
    need_id = world.needs.albania_validated.id
    page_url = f"/responses/{response_id}"

    member = login(world.people.commission_editor)
    assert propose(member, response_id, need_id, note="Both crossings").status_code == 302
    link_id = db.session.scalar(select(SupportLink.id))

    partner = login(world.people.albania_editor)
    confirmed = partner.post(
        f"/responses/links/{link_id}/confirm",
        data={**link_state(partner, page_url, link_id), "next": "/needs/1"},
    )
    assert confirmed.headers["Location"] == "/needs/1"

    secretariat = login(world.people.secretariat_editor)
    validated = secretariat.post(
        f"/responses/links/{link_id}/validate",
        data={**link_state(secretariat, page_url, link_id), "next": "https://evil.example/"},
    )
    assert validated.headers["Location"] == page_url

    page = member.get(page_url).get_data(as_text=True)
    assert "Albanian border surveillance" in page and "validated by the Secretariat" in page
    assert "/withdraw" not in page


def test_a_link_to_a_need_the_member_cannot_see_is_refused_like_a_missing_one(login, world, db):
    client = login(world.people.commission_editor)
    response_id = world.responses.published.id

    hidden = propose(client, response_id, world.needs.albania_draft.id)
    missing = propose(client, response_id, 987654)

    assert hidden.status_code == missing.status_code == 422
    assert "There is no such need." in hidden.get_data(as_text=True)
    assert "Albanian draft need" not in hidden.get_data(as_text=True)
    assert count(db, SupportLink) == 0


def test_a_responses_page_leads_to_each_need_it_addresses(login, world, db):
    need = world.needs.albania_validated
    db.session.add(factories.support_link(world.responses.published, need))
    db.session.commit()

    page = login(world.people.albania_editor).get(f"/responses/{world.responses.published.id}")

    links = page.get_data(as_text=True).split('id="links"', 1)[1]
    assert f'<a href="/needs/{need.id}">{need.title}</a>' in links


def test_a_dispute_without_a_reason_is_refused_and_changes_nothing(login, world, db):
    link = factories.support_link(world.responses.published, world.needs.albania_validated)
    db.session.add(link)
    db.session.commit()
    client = login(world.people.albania_editor)
    state = link_state(client, f"/responses/{world.responses.published.id}", link.id)

    refused = client.post(f"/responses/links/{link.id}/dispute", data={**state, "reason": " "})

    assert refused.status_code == 422
    assert 'id="reason-error"' in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SupportLink, link.id).status == "proposed"


def test_the_wrong_role_gets_403_and_an_illegal_transition_409(login, world, db):
    link = factories.support_link(world.responses.published, world.needs.albania_validated)
    db.session.add(link)
    db.session.commit()
    page_url = f"/responses/{world.responses.published.id}"

    # Neither sees a button for it; they post the link's current version by hand.
    member = login(world.people.commission_editor)
    by_hand = {"version": str(link.version), "csrf_token": csrf_token(member, page_url)}
    assert member.post(f"/responses/links/{link.id}/confirm", data=by_hand).status_code == 403
    secretariat = login(world.people.secretariat_editor)
    by_hand["csrf_token"] = csrf_token(secretariat, page_url)
    premature = secretariat.post(f"/responses/links/{link.id}/validate", data=by_hand)
    assert premature.status_code == 409
    assert "only a confirmed link can be validated" in premature.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SupportLink, link.id).status == "proposed"


def test_two_partner_editors_answer_at_once_and_the_second_sees_the_first(login, world, db):
    link = factories.support_link(world.responses.published, world.needs.albania_validated)
    colleague = factories.user(world.tenants.albania, email="two@al.example", roles=("editor",))
    db.session.add(link)
    db.session.commit()
    page_url = f"/responses/{world.responses.published.id}"
    first, second = login(world.people.albania_editor), login(colleague)
    first_state = link_state(first, page_url, link.id)
    second_state = link_state(second, page_url, link.id)

    disputed = second.post(
        f"/responses/links/{link.id}/dispute",
        data={**second_state, "reason": "Wrong need.", "confirm": "yes"},
    )
    refused = first.post(f"/responses/links/{link.id}/confirm", data=first_state)

    assert disputed.status_code == 302
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Status" in page and "proposed" in page and "disputed" in page
    db.session.expire_all()
    assert db.session.get(SupportLink, link.id).status == "disputed"


def test_the_proposer_withdraws_a_link(login, world, db):
    link = factories.support_link(world.responses.published, world.needs.albania_validated)
    db.session.add(link)
    db.session.commit()
    client = login(world.people.commission_editor)
    state = link_state(client, f"/responses/{world.responses.published.id}", link.id)

    withdrawn = client.post(
        f"/responses/links/{link.id}/withdraw", data={**state, "confirm": "yes"}
    )

    assert withdrawn.status_code == 302
    assert count(db, SupportLink) == 0


@pytest.mark.parametrize("response_id", ["2147483648", "9223372036854775808", "0", "-1", "x1"])
def test_an_impossible_id_is_simply_not_found(login, world, response_id):
    client = login(world.people.commission_editor)

    assert client.get(f"/responses/{response_id}").status_code == 404
