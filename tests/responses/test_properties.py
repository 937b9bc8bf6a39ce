"""Random input to the responses and support links pages: refused or accepted, never a 500.

Hypothesis fills the list filters, the response form and the link forms with arbitrary
text (control characters, other scripts, huge numbers, wrong types of value) and with
values near the valid ones; every answer must be a success or a 4xx naming a field.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.schemas.responses import ResponseListQuerySchema, ResponseSchema
from tests import factories
from tests.conftest import csrf_token

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Text a browser or a script could send: any character a form can carry.
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
NEAR_VALID = st.sampled_from(
    [
        "",
        "0",
        "-1",
        "1e9",
        "NaN",
        "Infinity",
        "12.345",
        "99999999999999999999",
        "2026-02-29",
        "2026-01-01",
        "1999-12-31",
        "EUR",
        "eur",
        "XXX",
        "WBCTi",
        "AL",
        "EC-NEAR",
        "planned",
        "restricted",
        "training",
        "full",
        "partial",
        "%_\\",
    ]
)
VALUE = st.one_of(NEAR_VALID, ANY_TEXT)
OUTCOMES = {200, 302, 403, 404, 409, 422}


@pytest.fixture
def signed_in_member(login, world, db):
    """The Commission's editor, signed in once for all of a test's examples."""
    # One open link, so random actions sometimes reach a real one.
    db.session.add(factories.support_link(world.responses.published, world.needs.albania_validated))
    db.session.commit()
    return login(world.people.commission_editor)


@pytest.fixture
def member_token(signed_in_member):
    return csrf_token(signed_in_member, "/responses")


def fields_of(schema) -> list[str]:
    return sorted(schema().fields)


@SETTINGS
@given(
    query=st.dictionaries(
        st.one_of(st.sampled_from(fields_of(ResponseListQuerySchema)), ANY_TEXT), VALUE, max_size=8
    )
)
def test_any_list_query_is_answered_or_refused(signed_in_member, query):
    response = signed_in_member.get("/responses", query_string=query)

    assert response.status_code in {200, 422}, query


@SETTINGS
@given(
    form=st.dictionaries(
        st.sampled_from(fields_of(ResponseSchema)),
        st.one_of(VALUE, st.lists(VALUE, max_size=3)),
        max_size=16,
    )
)
def test_any_response_form_is_saved_or_refused(signed_in_member, member_token, form):
    response = signed_in_member.post("/responses", data={**form, "csrf_token": member_token})

    assert response.status_code in {302, 422}, form


@SETTINGS
@given(
    form=st.fixed_dictionaries(
        {},
        optional={
            "need_id": st.one_of(VALUE, st.integers().map(str)),
            "coverage": VALUE,
            "note": VALUE,
        },
    )
)
def test_any_link_proposal_is_saved_or_refused(signed_in_member, member_token, world, form):
    url = f"/responses/{world.responses.published.id}/links"

    response = signed_in_member.post(url, data={**form, "csrf_token": member_token})

    assert response.status_code in {302, 422}, form


@SETTINGS
@given(
    action=st.sampled_from(["confirm", "dispute", "validate", "withdraw"]),
    link_id=st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str), ANY_TEXT),
    form=st.dictionaries(st.sampled_from(["version", "opened", "reason", "next"]), VALUE),
)
def test_any_link_action_is_done_or_refused(signed_in_member, member_token, action, link_id, form):
    response = signed_in_member.post(
        f"/responses/links/{link_id.replace('/', '')}/{action}",
        data={**form, "csrf_token": member_token},
    )

    assert response.status_code in OUTCOMES, (action, link_id, form)
