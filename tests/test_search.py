"""The search across needs and responses: what it finds, what it never shows, odd input.

On both databases (PostgreSQL's GIN indexes, SQLite's FTS5 tables), and for the walls on
PostgreSQL once more with the application layer off, where row-level security alone
must keep another tenant's records out of the results and their counts.
"""

from __future__ import annotations

import re

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

from portal import full_text
from portal.models import Need, Response, ResponseParty
from portal.services import search as search_service
from portal.tenancy import set_application_scoping
from tests import factories
from tests.conftest import IN_BOTH_LAYERS
from tests.worlds import mapping_world

BEFORE_SEARCH = "9d4b2e7f1c63"
postgresql_only = pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)


@pytest.fixture
def world(db):
    """The mapping world, with a need and a response whose words are worth searching."""
    world = mapping_world(db)
    world.needs.multilingual = factories.need(
        world.cycle,
        world.tenants.albania,
        title="Полиција на границата",
        description="Trajnim për policinë e kufirit në Shqipëri, çështje të drejtësisë.",
        status="validated",
    )
    world.responses.swedish = factories.response(
        world.tenants.germany,
        title="Forensic capacity building",
        description="Laboratories accredited to ISO 17025.",
        external_reference="SE-POL-2026-7",
        record_status="published",
    )
    db.session.add_all([world.needs.multilingual, world.responses.swedish])
    db.session.flush()
    db.session.add_all(
        [
            ResponseParty(
                response=world.responses.swedish, role="donor", name="Swedish Police Authority"
            ),
            ResponseParty(
                response=world.responses.swedish, role="implementer", name="Skopje Institute"
            ),
        ]
    )
    db.session.commit()
    return world


def found(acting_as, person, words: str) -> tuple[set[str], set[str]]:
    """Return the titles of the needs and of the responses ``person`` finds for ``words``."""
    acting_as(person)
    titles = {}
    for kind in ("needs", "responses"):
        results = search_service.search({"q": words, "kind": kind, "per_page": 100})
        assert results.page.total == len(results.page.items)
        titles[kind] = {item.title for item in results.page.items}
    acting_as(None)
    return titles["needs"], titles["responses"]


def test_finds_by_title_code_description_and_organisation(db, world, acting_as):
    officer = world.people.secretariat_editor
    serbian = "Serbian forensic laboratory"
    swedish = "Forensic capacity building"
    code = db.session.get(Need, world.needs.serbia_validated.id).code

    # A word of a title, its beginning, any case; both kinds of record at once.
    assert found(acting_as, officer, "forensic") == ({serbian}, {swedish})
    assert found(acting_as, officer, "FOREN") == ({serbian}, {swedish})
    # A need's code, whole or in part, as typed with its hyphens.
    assert found(acting_as, officer, code) == ({serbian}, set())
    assert found(acting_as, officer, code.lower()[: code.rindex("-")]) >= ({serbian}, set())
    # A word of a description; a response's external reference.
    assert found(acting_as, officer, "accredited 17025") == (set(), {swedish})
    assert found(acting_as, officer, "SE-POL-2026-7") == (set(), {swedish})
    # The organisations: a need's partner, a response's owner, donors and implementers.
    assert found(acting_as, officer, "Serbian Ministry") == ({serbian}, set())
    assert found(acting_as, officer, "Swedish police") == (set(), {swedish})
    assert found(acting_as, officer, "skopje institute") == (set(), {swedish})
    assert found(acting_as, officer, "DG NEAR border") == (set(), {"Commission border programme"})
    # Words from the text and the organisations together; every word must be found.
    assert found(acting_as, officer, "ministry laboratory") == ({serbian}, set())
    assert found(acting_as, officer, "forensic nowhere") == (set(), set())


def test_finds_words_of_every_script_and_keeps_their_letters(db, world, acting_as):
    officer = world.people.secretariat_editor
    multilingual = {"Полиција на границата"}

    assert found(acting_as, officer, "полиција")[0] == multilingual
    assert found(acting_as, officer, "ГРАНИЦ")[0] == multilingual
    assert found(acting_as, officer, "Shqipëri çështje")[0] == multilingual
    assert found(acting_as, officer, "drejtësisë")[0] == multilingual
    # ë is not e: both databases keep the letters as written.
    assert found(acting_as, officer, "shqiperi")[0] == set()


@IN_BOTH_LAYERS
def test_another_tenants_invisible_records_never_appear_nor_count(
    db, world, acting_as, login, application_layer
):
    set_application_scoping(application_layer)
    try:
        people = world.people
        # A member sees validated needs only; a draft, a submitted need are not for it.
        assert found(acting_as, people.commission_viewer, "albanian") == (
            {"Albanian border surveillance"},
            set(),
        )
        # A partner sees its own needs in every status, not another partner's drafts.
        assert found(acting_as, people.albania_viewer, "albanian")[0] == {
            "Albanian border surveillance",
            "Albanian draft need",
            "Albanian submitted need",
        }
        # Restricted responses reach the beneficiary partner alone; drafts their owner.
        programmes = "commission programme"
        assert found(acting_as, people.albania_viewer, programmes)[1] == {
            "Commission border programme",
            "Commission restricted programme",
        }
        assert found(acting_as, people.serbia_editor, programmes)[1] == {
            "Commission border programme"
        }
        assert found(acting_as, people.germany_editor, "draft") == (set(), set())
        assert found(acting_as, people.commission_editor, programmes)[1] == {
            "Commission border programme",
            "Commission draft programme",
            "Commission restricted programme",
        }

        # The page: no title, no count of what the reader may not see.
        client = login(people.serbia_editor)
        page = client.get("/search?q=commission&kind=responses").get_data(as_text=True)
        assert "Commission border programme" in page
        assert "restricted programme" not in page and "draft programme" not in page
        assert re.search(r'id="found-responses"[^>]*>Responses <span[^>]*>1</span>', page)
        page = client.get("/search?q=albanian").get_data(as_text=True)
        assert "Albanian border surveillance" in page
        assert "draft need" not in page and "submitted need" not in page
        assert re.search(r'id="found-needs"[^>]*>Needs <span[^>]*>1</span>', page)
    finally:
        set_application_scoping(True)


ODD_BUT_FINE = [
    '"unclosed',
    "forensic*",
    "NEAR(",
    "a NEAR(b c",
    "-forensic",
    "AND OR NOT",
    "^forensic",
    "title:forensic",
    "{code title}: x",
    "'); DROP TABLE needs; --",
    "100%",
    "ë ç",
    "Ш",
    "a" * 60,
    "x " * 10,
    "forensic " * 22,  # one word, repeated: at most 200 characters
]
REFUSED = {
    "": "Type a word or a code to search for.",
    "   ": "Type a word or a code to search for.",
    **{
        typed: "Type a word or a code to search for: letters or digits."
        for typed in ('"', "*", "-", "\\", "_", "!!! ***", "(*)")
    },
    "a" * 201: "Use at most 200 characters.",
    "a" * 61: "Use words of at most 60 letters or digits.",
    " ".join(str(number) for number in range(11)): "Use at most 10 words.",
    "nul\x00here": "Remove the control characters from this text.",
}


def test_odd_input_is_searched_or_refused_by_name_never_a_server_error(db, world, login):
    client = login(world.people.secretariat_editor)

    for typed in ODD_BUT_FINE:
        response = client.get("/search", query_string={"q": typed})
        assert response.status_code == 200, typed
        assert 'id="search-results"' in response.get_data(as_text=True), typed
    assert "Forensic" in client.get("/search?q=forensic*&kind=responses").get_data(as_text=True)
    for typed, message in REFUSED.items():
        response = client.get("/search", query_string={"q": typed})
        body = response.get_data(as_text=True)
        assert response.status_code == 422, typed
        assert f'id="q-error">{message}<' in body, typed
        assert 'id="search-results"' not in body
    for query, field in (("q=x&kind=users", "kind"), ("q=x&page=0", "page")):
        response = client.get(f"/search?{query}")
        assert response.status_code == 422
        assert f'id="{field}-error"' in response.get_data(as_text=True)
    # Without words the page offers the box; every signed-in page has it in its header.
    assert client.get("/search").status_code == 200
    assert 'id="site-search" name="q"' in client.get("/").get_data(as_text=True)


def test_results_link_to_their_records_a_page_at_a_time(db, world, login):
    client = login(world.people.secretariat_editor)
    need = world.needs.serbia_validated

    body = client.get("/search?q=laboratory").get_data(as_text=True)
    assert f'href="/needs/{need.id}"' in body

    body = client.get("/search?q=programme&per_page=1").get_data(as_text=True)
    # No need holds the word: the responses are shown, the first of two pages.
    assert 'id="found-responses" aria-current="page"' in body
    assert len(re.findall(r'href="/responses/\d+"', body)) == 1
    assert "page 1 of 2" in body
    assert "kind=responses" in body and "page=2" in body
    second = client.get("/search?q=programme&per_page=1&kind=responses&page=2")
    assert len(re.findall(r'href="/responses/\d+"', second.get_data(as_text=True))) == 1


def test_a_search_matching_very_many_records_says_more_than(db, world, login, monkeypatch):
    from portal.services import search

    monkeypatch.setattr(search, "MOST_COUNTED", 1)
    client = login(world.people.secretariat_editor)

    body = client.get("/search?q=programme&kind=responses").get_data(as_text=True)

    assert 'id="found-responses"' in body and "1+</span>" in body
    assert "More than 1 responses found" in body
    # Counted no further than one past the bound: the two matches count as one.
    monkeypatch.setattr(search, "MOST_COUNTED", 0)
    assert client.get("/search?q=programme&kind=responses&per_page=1").status_code == 200
    assert search._total(search._responses(["programme"])) == 1


def test_the_search_follows_every_change(db, world, acting_as):
    officer = world.people.secretariat_editor
    need = db.session.get(Need, world.needs.serbia_validated.id)
    response = db.session.get(Response, world.responses.swedish.id)

    need.title = "Serbian ballistics laboratory"
    response.parties[0].name = "Norwegian Police Directorate"
    world.tenants.serbia.name = "Ministry of Interior Belgrade"
    db.session.add(ResponseParty(response=response, role="implementer", name="Ohrid Academy"))
    db.session.commit()

    assert found(acting_as, officer, "forensic") == (set(), {"Forensic capacity building"})
    assert found(acting_as, officer, "ballistics")[0] == {"Serbian ballistics laboratory"}
    assert found(acting_as, officer, "swedish")[1] == set()
    assert found(acting_as, officer, "norwegian ohrid")[1] == {"Forensic capacity building"}
    assert found(acting_as, officer, "belgrade")[0] == {"Serbian ballistics laboratory"}

    db.session.delete(response)
    db.session.commit()
    assert found(acting_as, officer, "norwegian")[1] == set()


def test_the_indexes_answer_the_searches(db, world, backend, database_owner_url):
    words = ["forensic", "police"]
    needs = select(Need.id).where(full_text.need_matches(words, backend))
    responses = select(Response.id).where(full_text.response_matches(words, backend))

    def plan(connection, statement) -> str:
        explain = "EXPLAIN" if backend == "postgresql" else "EXPLAIN QUERY PLAN"
        rows = connection.execute(text(f"{explain} {statement}"))
        return "\n".join(" ".join(str(value) for value in row) for row in rows)

    def compiled(statement) -> str:
        return str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))

    if backend == "sqlite":
        with db.engine.connect() as connection:
            assert "VIRTUAL TABLE INDEX" in plan(connection, compiled(needs))
            assert "SCAN needs_search" in plan(connection, compiled(needs))
            assert "SCAN responses_search" in plan(connection, compiled(responses))
        return
    with db.engine.connect() as connection:
        assert "iisg_search_matches" in plan(connection, compiled(needs))
        assert "iisg_search_matches" in plan(connection, compiled(responses))
    # What the function runs, as its owner does, over a few thousand records' words
    # (added and taken back): the GIN index of the words.
    owner = create_engine(database_owner_url, poolclass=NullPool)
    try:
        with owner.connect() as connection:
            connection.execute(
                text(
                    f"INSERT INTO {full_text.POSTGRES_TABLE}"
                    " (kind, record_id, tenant_id, own, owner)"
                    " SELECT kind, 100000 + n, 1, to_tsvector('simple', 'word' || n), ''"
                    " FROM generate_series(1, 3000) AS n,"
                    " unnest(ARRAY['needs', 'responses']) AS kind"
                )
            )
            connection.execute(text(f"ANALYZE {full_text.POSTGRES_TABLE}"))
            inner = plan(
                connection,
                f"SELECT record_id FROM {full_text.POSTGRES_TABLE} WHERE kind = 'needs'"
                " AND words @@ to_tsquery('simple', 'forensic:* & police:*')",
            )
            connection.rollback()
        assert full_text.POSTGRES_INDEXES[0] in inner
    finally:
        owner.dispose()


@postgresql_only
def test_the_words_are_kept_from_the_application_roles_password_alone(db, world, as_app_role):
    # A client holding the role's password but not the portal's signing key: the table
    # of words is closed to it, and the search function tells it of no record at all.
    with as_app_role.connect() as connection:
        with pytest.raises(ProgrammingError, match="permission denied"):
            connection.execute(text(f"SELECT count(*) FROM {full_text.POSTGRES_TABLE}"))
    with as_app_role.connect() as connection:
        matches = connection.execute(
            text("SELECT count(*) FROM iisg_search_matches('needs', to_tsquery('albanian:*'))")
        ).scalar()
    assert matches == 0


def test_the_migration_fills_the_search_with_the_records_already_there(db, world, acting_as):
    downgrade(revision=BEFORE_SEARCH)
    db.session.execute(text("UPDATE needs SET title = 'Cybercrime unit' WHERE title LIKE 'Serb%'"))
    db.session.commit()
    upgrade()

    assert found(acting_as, world.people.secretariat_editor, "cybercrime") == (
        {"Cybercrime unit"},
        set(),
    )
    assert found(acting_as, world.people.secretariat_editor, "swedish")[1] == {
        "Forensic capacity building"
    }
