"""Random input to the needs pages gets a clear refusal or success, never a server error."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_token
from tests.needs.cast import VALID_NEED_FORM, albanian_need

# Any text a browser could send (surrogates cannot be encoded, so no client sends them).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=250)
NUMBERS = st.integers(min_value=-(2**70), max_value=2**70).map(str)
# Characters that break careless code: NUL, controls, LIKE wildcards, quotes, markup.
NASTY = st.text(alphabet=st.sampled_from("\x00\x07\x1f\x7f%_\\'\"<>&é\u202e"), min_size=1)
VALUES = st.one_of(
    TEXT,
    NASTY,
    NUMBERS,
    st.sampled_from(["", "WBCTi", "RS", "2026-2027", "draft", "high", "24", "legislative"]),
)
FILTERS = ["cycle", "pillar", "partner", "category", "perspective", "status", "priority"]
FILTERS += ["chapter", "q", "page", "per_page"]
FIELDS = ["pillar", "category", "perspective", "title", "description", "source_reference"]
FIELDS += ["priority", "version", "opened", "comment"]
RANDOM = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def editor(login, cast):
    """The owner's editor, signed in once for all the examples of a test."""
    return login(cast.people["albania-editor"])


@pytest.fixture
def draft_id(cast):
    """A draft of the owner's that the examples act on (and may well move on)."""
    return albanian_need(cast).id


def forms(names):
    return st.dictionaries(st.sampled_from(names), VALUES, max_size=len(names))


# A valid need with some fields replaced by anything: reaches the database more often
# than wholly random forms, which the schema mostly refuses on the first field.
GOOD = {**VALID_NEED_FORM, "source_reference": ""}
NEARLY_GOOD = st.dictionaries(st.sampled_from(sorted(GOOD)), VALUES, min_size=1, max_size=2).map(
    lambda changes: {**GOOD, **changes}
)
CHAPTERS = st.one_of(st.just([]), st.just(["23", "24"]), st.lists(VALUES, max_size=5))


@RANDOM
@given(query=forms(FILTERS))
def test_any_list_query_is_answered_or_refused(editor, query):
    response = editor.get("/needs", query_string=query)

    assert response.status_code in (200, 422), response.status_code


@RANDOM
@given(form=NEARLY_GOOD, chapters=CHAPTERS)
def test_any_new_need_form_is_saved_or_refused(editor, form, chapters):
    token = csrf_token(editor, "/needs/new")

    response = editor.post(
        "/needs/new", data={**form, "acquis_chapters": chapters, "csrf_token": token}
    )

    assert response.status_code in (302, 422), response.status_code


@RANDOM
@given(
    form=st.one_of(NEARLY_GOOD.map(lambda form: {**form, "version": "1"}), forms(FIELDS)),
    action=st.sampled_from(["edit", "submit", "return", "validate", "withdraw"]),
)
def test_any_change_to_a_need_is_made_or_refused(editor, draft_id, form, action):
    token = csrf_token(editor, "/needs")

    response = editor.post(f"/needs/{draft_id}/{action}", data={**form, "csrf_token": token})

    # Withdrawing asks first (200) unless the form confirms it; random forms rarely do.
    asks = (200,) if action == "withdraw" else ()
    assert response.status_code in (302, 403, 409, 422, *asks), response.status_code


@RANDOM
@given(need_id=st.one_of(NUMBERS, TEXT.filter(lambda text: "/" not in text and text.strip())))
def test_any_need_address_is_found_or_not(editor, draft_id, need_id):
    response = editor.get(f"/needs/{need_id}")

    assert response.status_code in (200, 404), response.status_code
