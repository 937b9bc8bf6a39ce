"""The Secretariat validates or returns several needs, or validates several links, at once.

Each chosen record is checked by its own action's rules (policy, status, version), all
are changed in one transaction or none, each change is audited under the request's one
id, and the page says what was done, or which record was refused and why.
"""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.exceptions import ValidationFailed
from portal.models import AuditEntry, Need, SupportLink
from portal.schemas.bulk import MOST_SELECTED, BulkReturnSchema, BulkSelectionSchema
from portal.schemas.forms import load_form
from tests import factories
from tests.conftest import csrf_token
from tests.worlds import mapping_world

COMMENT = "Name the strategy this need comes from."


@pytest.fixture
def scene(db, login):
    """The mapping world with four submitted needs and three links, two of them confirmed."""
    world = mapping_world(db)
    extra = [
        factories.need(world.cycle, world.tenants.albania, title=title, status="submitted")
        for title in ("Albanian second submitted need", "Albanian third submitted need")
    ]
    serbian = factories.need(
        world.cycle, world.tenants.serbia, title="Serbian submitted need", status="submitted"
    )
    db.session.add_all([*extra, serbian])
    published = world.responses.published
    links = [
        factories.support_link(published, world.needs.albania_validated, status="confirmed"),
        factories.support_link(published, world.needs.serbia_validated, status="confirmed"),
        factories.support_link(published, world.needs.albania_submitted, status="proposed"),
    ]
    db.session.add_all(links)
    db.session.commit()
    return SimpleNamespace(
        world=world,
        submitted=[world.needs.albania_submitted, *extra, serbian],
        links=links,
        db=db,
        login=login,
    )


def chosen(*records) -> list[str]:
    """Return the checkbox values of ``records``, as the list sends them (id:version)."""
    return [f"{record.id}:{record.version}" for record in records]


def statuses(db, model, records) -> list[str]:
    db.session.expire_all()
    return [db.session.get(model, record.id).status for record in records]


def audit_entries(db, table: str, records) -> list[AuditEntry]:
    db.session.expire_all()
    keys = [str(record.id) for record in records]
    statement = select(AuditEntry).where(
        AuditEntry.table_name == table,
        AuditEntry.operation == "U",
        AuditEntry.row_key.in_(keys),
    )
    return list(db.session.scalars(statement))


def readable(answer) -> str:
    """Return the text of a page as a reader reads it: no tags, single spaces."""
    text = re.sub(r"<[^>]+>", "", answer.get_data(as_text=True))
    return html.unescape(re.sub(r"\s+", " ", text))


def post(client, path: str, page: str, confirm: bool = True, **fields):
    data = {"csrf_token": csrf_token(client, page), **fields}
    if confirm:
        data["confirm"] = "yes"
    return client.post(path, data=data)


def test_the_secretariat_validates_the_chosen_needs_each_audited_under_one_request(scene):
    db, needs = scene.db, scene.submitted
    client = scene.login(scene.world.people.secretariat_editor)

    asked = post(client, "/needs/bulk/validate", "/needs", confirm=False, selected=chosen(*needs))

    said = readable(asked)
    assert asked.status_code == 200
    assert "Validate 4 needs?" in said
    assert all(need.code in said for need in needs)
    assert 'name="confirm" value="yes"' in asked.get_data(as_text=True)
    assert statuses(db, Need, needs) == ["submitted"] * 4

    done = post(
        client,
        "/needs/bulk/validate",
        "/needs",
        selected=chosen(*needs),
        next="/needs?status=validated",
    )

    assert done.status_code == 302
    assert done.headers["Location"] == "/needs?status=validated"
    assert statuses(db, Need, needs) == ["validated"] * 4
    summary = readable(client.get("/needs?status=validated"))
    assert "Validated 4 needs: " + ", ".join(need.code for need in needs) + "." in summary
    entries = audit_entries(db, "needs", needs)
    assert sorted(int(entry.row_key) for entry in entries) == sorted(need.id for need in needs)
    assert len({entry.request_id for entry in entries}) == 1
    assert all("Bulk action: validated 4 needs" in entry.reason for entry in entries)
    assert {entry.actor_id for entry in entries} == {scene.world.people.secretariat_editor.id}


def test_one_need_in_the_wrong_state_refuses_them_all_and_is_named(scene):
    db, needs = scene.db, scene.submitted
    already = scene.world.needs.albania_validated
    client = scene.login(scene.world.people.secretariat_editor)

    answer = post(client, "/needs/bulk/validate", "/needs", selected=chosen(*needs, already))

    said = readable(answer)
    assert answer.status_code == 403, said
    assert "Nothing was validated: 1 of the 5 chosen needs cannot be validated now." in said
    assert f"{already.code}: You cannot validate this need: it is validated" in said
    assert statuses(db, Need, needs) == ["submitted"] * 4
    assert audit_entries(db, "needs", [*needs, already]) == []


def test_a_need_changed_since_the_list_was_loaded_refuses_them_all(scene):
    db, needs = scene.db, scene.submitted
    client = scene.login(scene.world.people.secretariat_editor)
    selected = chosen(*needs)
    # Its owner's change since the list was loaded moves the version on.
    needs[3].title = "Serbian submitted need, retitled"
    db.session.commit()
    audited = len(audit_entries(db, "needs", needs))

    answer = post(client, "/needs/bulk/validate", "/needs", selected=selected)

    said = readable(answer)
    assert answer.status_code == 409, said
    assert f"{needs[3].code}: This need changed since you opened the page" in said
    assert statuses(db, Need, needs) == ["submitted"] * 4
    assert len(audit_entries(db, "needs", needs)) == audited


def test_a_need_the_reader_cannot_see_is_refused_as_not_found(scene):
    db, needs = scene.db, scene.submitted
    draft = scene.world.needs.albania_draft
    client = scene.login(scene.world.people.secretariat_editor)

    answer = post(client, "/needs/bulk/validate", "/needs", selected=chosen(needs[0], draft))

    said = readable(answer)
    assert answer.status_code == 404, said
    assert f"need {draft.id}: There is no such need." in said
    assert draft.title not in said
    assert statuses(db, Need, needs[:1]) == ["submitted"]


def test_a_return_without_a_comment_keeps_the_choice_for_the_comment_to_be_added(scene):
    db, needs = scene.db, scene.submitted[:2]
    client = scene.login(scene.world.people.secretariat_editor)

    refused = post(client, "/needs/bulk/return", "/needs?status=submitted", selected=chosen(*needs))
    page = refused.get_data(as_text=True)
    start = page.index('id="bulk-correction"')
    form = page[start : page.index("</form>", start)]
    carried = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)

    # The field is named as a person reads it, and the records chosen go along again.
    assert '<label class="form-label" for="bulk-comment">Comment</label>' in form
    assert [value for name, value in carried if name == "selected"] == chosen(*needs)
    assert ("confirm", "yes") not in carried
    assert "Try again with the same 2 records" in readable(refused)
    token = dict(carried)["csrf_token"]
    fields = [(name, value) for name, value in carried if name != "csrf_token"]
    asked = client.post(
        "/needs/bulk/return",
        data=MultiDict([*fields, ("csrf_token", token), ("comment", COMMENT)]),
    )
    assert "Return 2 needs to their owners?" in readable(asked)
    assert statuses(db, Need, needs) == ["submitted"] * 2


def test_returning_takes_one_comment_for_all_and_refuses_without_it(scene):
    db, needs = scene.db, scene.submitted[:2]
    client = scene.login(scene.world.people.secretariat_editor)

    refused = post(client, "/needs/bulk/return", "/needs", selected=chosen(*needs), comment=" ")

    assert refused.status_code == 422
    assert 'id="comment-error"' in refused.get_data(as_text=True)
    assert statuses(db, Need, needs) == ["submitted"] * 2

    asked = post(
        client,
        "/needs/bulk/return",
        "/needs",
        confirm=False,
        selected=chosen(*needs),
        comment=COMMENT,
    )
    assert "Return 2 needs to their owners?" in readable(asked)
    assert COMMENT in readable(asked)

    done = post(client, "/needs/bulk/return", "/needs", selected=chosen(*needs), comment=COMMENT)

    assert done.status_code == 302
    assert statuses(db, Need, needs) == ["returned"] * 2
    assert {db.session.get(Need, need.id).return_comment for need in needs} == {COMMENT}
    assert "Returned 2 needs: " in readable(client.get("/needs"))


def test_who_does_not_judge_is_refused_and_nothing_changes(scene):
    db, people = scene.db, scene.world.people
    need, link = scene.submitted[0], scene.links[0]
    cases = [
        (people.albania_editor, "/needs/bulk/validate", need),
        (people.albania_editor, "/needs/bulk/return", need),
        (people.secretariat_admin, "/needs/bulk/validate", need),
        (people.commission_editor, "/responses/links/bulk/validate", link),
    ]
    for person, path, record in cases:
        client = scene.login(person)

        answer = post(client, path, "/needs", selected=chosen(record), comment=COMMENT)

        assert answer.status_code == 403, (person.email, path)
        assert statuses(db, type(record), [record]) == [record.status]


def test_only_the_secretariats_editors_see_checkboxes_each_named(scene):
    need = scene.submitted[0]
    editor = scene.login(scene.world.people.secretariat_editor)

    page = editor.get("/needs").get_data(as_text=True)

    assert f'value="{need.id}:{need.version}"' in page
    assert f'aria-label="Choose need {need.code}: {need.title}"' in page
    assert "Validate selected" in page and "Return selected…" in page
    # A validated need takes neither action: it has no checkbox.
    validated = scene.world.needs.albania_validated
    assert f'value="{validated.id}:' not in page
    for person in ("albania_editor", "secretariat_admin"):
        other = scene.login(getattr(scene.world.people, person)).get("/needs")
        assert 'name="selected"' not in other.get_data(as_text=True)
        assert "Validate selected" not in other.get_data(as_text=True)


def test_the_secretariat_validates_the_waiting_links_all_or_none(scene):
    db = scene.db
    confirmed, proposed = scene.links[:2], scene.links[2]
    client = scene.login(scene.world.people.secretariat_editor)

    dashboard = client.get("/").get_data(as_text=True)
    assert 'href="/responses/links/waiting"' in dashboard
    waiting = client.get("/responses/links/waiting").get_data(as_text=True)
    assert all(f'value="{link.id}:{link.version}"' in waiting for link in confirmed)
    assert f'value="{proposed.id}:' not in waiting
    viewer = scene.login(scene.world.people.albania_editor).get("/responses/links/waiting")
    assert 'name="selected"' not in viewer.get_data(as_text=True)

    refused = post(
        client,
        "/responses/links/bulk/validate",
        "/responses/links/waiting",
        selected=chosen(*confirmed, proposed),
    )

    assert refused.status_code == 409
    assert f"link {proposed.id}" in readable(refused)
    assert "A proposed link cannot be validated." in readable(refused)
    assert statuses(db, SupportLink, confirmed) == ["confirmed"] * 2
    assert audit_entries(db, "support_links", scene.links) == []

    done = post(
        client,
        "/responses/links/bulk/validate",
        "/responses/links/waiting",
        selected=chosen(*confirmed),
    )

    assert done.status_code == 302
    assert statuses(db, SupportLink, confirmed) == ["validated"] * 2
    entries = audit_entries(db, "support_links", confirmed)
    assert len(entries) == 2 and len({entry.request_id for entry in entries}) == 1
    assert "Validated 2 links: " in readable(client.get("/responses/links/waiting"))


@pytest.mark.parametrize(
    ("selected", "reason"),
    [
        ([], "Choose at least one record."),
        (["12:3", "12:4"], "Record 12 is chosen twice; choose it once."),
        (["12"], "Each choice is a record's number and version"),
        (["12:x"], "Each choice is a record's number and version"),
        (["-1:3"], "Each choice is a record's number and version"),
        (["١٢:3"], "Each choice is a record's number and version"),
        (["99999999999:1"], "Each choice is a record's number and version"),
        ([f"{number}:1" for number in range(1, MOST_SELECTED + 2)], "at most 200"),
    ],
)
def test_the_selection_is_refused_naming_the_field(selected, reason):
    form = MultiDict([("selected", value) for value in selected])

    with pytest.raises(ValidationFailed) as refused:
        load_form(BulkSelectionSchema(), form)

    assert reason in refused.value.fields["selected"]


def test_a_return_names_a_missing_comment():
    with pytest.raises(ValidationFailed) as refused:
        load_form(BulkReturnSchema(), MultiDict([("selected", "1:1")]))

    assert set(refused.value.fields) == {"comment"}
