"""The response form: every problem named at once, a summary linking each field, the parties."""

import re

import pytest

from tests.conftest import csrf_token
from tests.responses.test_routes import FORM, count


def refused(client, **change):
    """Post the response form with ``change`` and return the refusal's page."""
    answer = client.post(
        "/responses", data={**FORM, **change, "csrf_token": csrf_token(client, "/")}
    )
    assert answer.status_code == 422
    return answer.get_data(as_text=True)


def summary(page) -> str:
    """Return the error summary at the top of a refused form."""
    found = re.search(r'<div[^>]*id="error-summary".*?</div>', page, re.S)
    assert found, "the refused form has no error summary"
    return found.group(0)


def checked(page, name) -> list[str]:
    """Return the values of the ticked checkboxes called ``name``."""
    return [
        re.search(r'value="([^"]+)"', box).group(1)
        for box in re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
        if re.search(r"\bchecked\b", box)
    ]


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"title": "t" * 201, "ends_on": "2025-01-01"}, ("title", "ends_on")),
        ({"budget_amount": "five", "budget_currency": "XYZ"}, ("budget_amount", "budget_currency")),
        ({"title": "", "donor_names": "n" * 201}, ("title", "donor_names")),
    ],
)
def test_every_problem_of_the_form_is_named_in_the_first_round(login, world, db, change, fields):
    client = login(world.people.commission_editor)

    page = refused(client, **change)

    for field in fields:
        assert f'id="{field}-error"' in page
    assert count(db) == 3


def test_the_summary_names_each_field_with_its_label_and_links_to_it(login, world):
    client = login(world.people.commission_editor)

    page = refused(client, title="", ends_on="2025-01-01", pillars=[])
    box = summary(page)

    assert 'role="alert"' in box
    links = dict(re.findall(r'<a href="#([^"]+)">([^<]+)</a>', box))
    assert links["title"].startswith("Title:") and "cannot be blank" in links["title"]
    assert links["ends_on"].startswith("Ends:") and "before the start" in links["ends_on"]
    [pillar] = [anchor for anchor in links if anchor.startswith("pillar-")]
    assert links[pillar].startswith("Pillars:")
    for anchor in links:
        assert f'id="{anchor}"' in page
    assert re.search(r'<input[^>]*id="title"[^>]*aria-describedby="title-error"', page)
    assert re.search(r'<input[^>]*id="ends_on"[^>]*aria-invalid="true"', page)


def test_donors_and_implementers_are_ticked_not_ctrl_clicked(login, world):
    client = login(world.people.commission_editor)

    page = client.get("/responses/new").get_data(as_text=True)

    assert "multiple" not in page
    for role in ("donor", "implementer"):
        assert f'name="{role}_tenants" value="DE-GIZ"' in page
        assert re.search(rf'<input[^>]*type="checkbox"[^>]*name="{role}_tenants"', page)


def test_a_new_response_names_the_editors_own_organisation_as_its_donor(login, world):
    client = login(world.people.commission_editor)

    page = client.get("/responses/new").get_data(as_text=True)

    assert checked(page, "donor_tenants") == ["EC-NEAR"]
    assert checked(page, "implementer_tenants") == []


def test_an_edited_response_keeps_its_own_parties_without_preselection(login, world):
    client = login(world.people.commission_editor)
    draft = world.responses.draft

    page = client.get(f"/responses/{draft.id}/edit").get_data(as_text=True)

    # The draft names no party: editing it preselects nothing, so nothing is added unseen.
    assert checked(page, "donor_tenants") == [party.tenant.code for party in draft.donors] == []


def test_a_response_with_neither_donor_nor_implementer_is_refused_naming_the_field(
    login, world, db
):
    client = login(world.people.commission_editor)

    page = refused(client, donor_tenants=[], donor_names="", implementer_tenants=[])

    assert 'id="donor_tenants-error"' in page and "donor or an implementer" in page
    assert count(db) == 3


def test_a_refused_form_keeps_the_organisations_ticked(login, world):
    client = login(world.people.commission_editor)

    page = refused(client, title="")

    assert checked(page, "donor_tenants") == ["EC-NEAR"]
    assert checked(page, "implementer_tenants") == ["DE-GIZ"]
