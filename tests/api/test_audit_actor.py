"""A change made through the API is recorded as the token's: its kind, user and id."""

from __future__ import annotations

from sqlalchemy import select

from audit import context as audit_context
from audit.tables import entries
from portal.identity import act_as, forget
from tests import factories

LONGEST_LABEL = entries.c.actor_label.type.length


def actors_of_need_changes(db) -> list[tuple]:
    db.session.expire_all()
    return db.session.execute(
        select(entries.c.actor_kind, entries.c.actor_id, entries.c.actor_label).where(
            entries.c.table_name == "needs", entries.c.operation == "U"
        )
    ).all()


def patch_title(client, need_id):
    etag = client.get(f"needs/{need_id}").headers["ETag"]
    return client.patch(f"needs/{need_id}", json={"title": "Changed"}, headers={"If-Match": etag})


def test_a_change_through_the_api_names_the_token_it_was_made_with(api, db, editor, draft):
    writer = api(editor, name="nightly sync")

    assert patch_title(writer, draft.id).status_code == 200

    assert actors_of_need_changes(db) == [
        (
            "api_token",
            editor.id,
            f"editor@ministry.example (API token {writer.token.id}: nightly sync)",
        )
    ]


def test_a_long_address_and_token_name_still_leave_the_token_id_in_the_trail(api, db, draft):
    # An address may have 254 characters and a token's name 100; the trail keeps 200.
    long_address = "a" * 230 + "@ministry.example"
    person = factories.user(draft.tenant, email=long_address, name="Long", roles=("editor",))
    db.session.commit()
    writer = api(person, name="n" * 100)

    response = patch_title(writer, draft.id)

    assert response.status_code == 200
    [(kind, actor_id, label)] = actors_of_need_changes(db)
    assert (kind, actor_id) == ("api_token", person.id)
    assert len(label) <= LONGEST_LABEL
    assert f"(API token {writer.token.id}" in label
    assert label.startswith("a" * 100)


def test_a_signed_in_user_with_a_long_address_is_named_within_the_trail_s_limit(db, draft):
    person = factories.user(draft.tenant, email="b" * 230 + "@ministry.example", name="Long")
    db.session.commit()

    act_as(person)
    try:
        label = audit_context.current().actor_label
    finally:
        forget()

    assert len(label) == LONGEST_LABEL
    assert label.startswith("b" * 100)
