"""Totals and rankings kept while the data version holds: each reader's, never stale."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select, text

from portal import db_identity, kept_results
from portal.identity import Principal, act_as_principal
from portal.models import Cycle, Need, Response, User
from portal.services import overview
from tests import factories
from tests.test_row_level_security import identify, raw_engine
from tests.worlds import audit_world

postgresql_only = pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)


@pytest.fixture
def two_partners(db):
    """Albania with three needs (one a draft) and Serbia with one; a viewer of each."""
    act_as_principal(None)
    cycle = factories.cycle()
    albania = factories.partner_tenant()
    serbia = factories.partner_tenant(code="RS-MOI", economy="RS")
    db.session.add_all(
        [
            factories.need(cycle, albania, status="validated"),
            factories.need(cycle, albania, status="validated"),
            factories.need(cycle, albania, status="draft"),
            factories.need(cycle, serbia, status="validated"),
        ]
    )
    people = {
        "albania": factories.user(albania, email="view@al.example"),
        "serbia": factories.user(serbia, email="view@rs.example"),
    }
    db.session.commit()
    return people


def total(client, path: str) -> int:
    answer = client.get(path)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["total"]


def test_a_kept_total_is_each_readers_own(two_partners, api):
    albania = api(two_partners["albania"], scope="read")
    serbia = api(two_partners["serbia"], scope="read")

    # Each asks twice, in turn: the second answers come from what was kept.
    assert [total(albania, "needs"), total(serbia, "needs")] == [4, 3]
    assert [total(albania, "needs"), total(serbia, "needs")] == [4, 3]


def test_readers_alike_share_a_kept_total_as_each_one_sees_it(two_partners, api, db):
    act_as_principal(None)
    colleague = factories.user(two_partners["albania"].tenant, email="second@al.example")
    db.session.commit()
    kept_results.forget_everything()
    first = api(two_partners["albania"], scope="read")
    second = api(colleague, scope="read")
    first.get("cycles")
    second.get("cycles")  # a token's first use is recorded
    counted = []

    def counting(_connection, _cursor, statement, *_arguments):
        if re.search(r"count\(\*\)", statement):
            counted.append(statement)

    assert total(first, "needs") == 4
    event.listen(db.engine, "after_cursor_execute", counting)
    try:
        # The same organisation, economy and roles: what the first counted is the second's.
        assert total(second, "needs") == 4
    finally:
        event.remove(db.engine, "after_cursor_execute", counting)
    assert counted == []


def test_a_result_over_a_table_whose_rule_names_the_user_is_kept_per_user(two_partners, db):
    act_as_principal(None)
    colleague = factories.user(two_partners["albania"].tenant, email="second@al.example")
    db.session.commit()
    kept_results.forget_everything()
    readers = [Principal.of(person) for person in (two_partners["albania"], colleague)]

    seen = []
    for reader in readers:
        act_as_principal(reader)
        # A viewer reads one user: itself (the users' rule names the acting user).
        seen.append(kept_results.ranking(select(User.id).order_by(User.id)))
        db.session.rollback()

    assert seen == [((reader.user_id,),) for reader in readers]


def test_a_kept_total_follows_every_committed_change(two_partners, api, db):
    albania = api(two_partners["albania"], scope="read")
    assert total(albania, "needs") == 4
    assert total(albania, "needs") == 4

    act_as_principal(None)
    serbia = db.session.scalar(select(Need).where(Need.status == "validated").limit(1)).tenant
    db.session.add(factories.need(db.session.scalar(select(Cycle)), serbia, status="validated"))
    db.session.commit()
    assert total(albania, "needs") == 5

    db.session.delete(db.session.scalar(select(Need).where(Need.status == "draft")))
    db.session.commit()
    assert total(albania, "needs") == 4


def test_the_gaps_follow_a_link_that_covers_one(two_partners, api, db):
    albania = api(two_partners["albania"], scope="read")
    assert total(albania, "analysis/gaps") == 3
    assert total(albania, "analysis/gaps") == 3

    act_as_principal(None)
    member = factories.member_tenant()
    response = factories.response(member, record_status="published")
    need = db.session.scalar(select(Need).where(Need.status == "validated").limit(1))
    db.session.add(factories.support_link(response, need, coverage="full", status="validated"))
    db.session.commit()

    assert total(albania, "analysis/gaps") == 2


def query_count(answer) -> int:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return int(re.search(r'desc="(\d+) queries"', answer.headers["Server-Timing"]).group(1))


def test_a_renamed_response_keeps_the_counts_that_do_not_read_its_words(db):
    act_as_principal(None)
    member = factories.member_tenant()
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    reader = factories.user(secretariat, email="sec@iisg.example")
    response = factories.response(member, record_status="published", visibility="members")
    db.session.add(response)
    db.session.commit()
    principal = Principal.of(reader)
    kept_results.forget_everything()
    computed = []

    def counting(_connection, _cursor, statement, *_arguments):
        if "FROM pillars" in statement:
            computed.append(statement)

    def responses_per_pillar() -> dict[str, int]:
        act_as_principal(principal)
        figures = {row.code: row.responses for row in overview.pillar_summary()}
        db.session.rollback()
        act_as_principal(None)
        return figures

    event.listen(db.engine, "after_cursor_execute", counting)
    try:
        first = responses_per_pillar()
        response = db.session.get(Response, response.id)
        response.title = "Border police training, renamed"
        db.session.commit()
        after_renaming = responses_per_pillar()
        renamed = len(computed)
        response.record_status = "draft"  # the Secretariat no longer sees it
        db.session.commit()
        after_withdrawing = responses_per_pillar()
    finally:
        event.remove(db.engine, "after_cursor_execute", counting)

    assert first["WBCTi"] == after_renaming["WBCTi"] == 1
    assert renamed == 1  # computed once, kept through the new title
    assert after_withdrawing["WBCTi"] == 0


def test_a_kept_result_reading_words_follows_their_change(db):
    act_as_principal(None)
    need = factories.need(
        factories.cycle(),
        factories.partner_tenant(),
        status="validated",
        title="Border surveillance",
    )
    db.session.add(need)
    db.session.commit()
    kept_results.forget_everything()
    titles = select(Need.title).order_by(Need.id)

    before = kept_results.ranking(titles)
    db.session.rollback()
    need = db.session.get(Need, need.id)
    need.title = "Border surveillance, renamed"
    db.session.commit()
    after = kept_results.ranking(titles)

    assert (before, after) == ((("Border surveillance",),), (("Border surveillance, renamed",),))


def test_a_change_of_needs_keeps_the_responses_total(two_partners, api, db):
    albania = api(two_partners["albania"], scope="read")
    act_as_principal(None)
    member = factories.member_tenant()
    db.session.add(factories.response(member, record_status="published"))
    db.session.commit()
    albania.get("cycles")  # a token's first use is recorded, in the request's transaction
    computed = query_count(albania.get("responses?page=2"))
    kept = query_count(albania.get("responses?page=2"))

    act_as_principal(None)
    need = db.session.scalar(select(Need).where(Need.status == "draft"))
    need.title = "Changed, as the responses are not"
    db.session.commit()
    after_a_need = query_count(albania.get("responses?page=2"))
    db.session.add(factories.response(member, record_status="published"))
    db.session.commit()
    after_a_response = albania.get("responses?page=2")

    # Kept, the total costs no query; a change of the responses makes it count again.
    assert kept == computed - 1
    assert after_a_need == kept
    assert query_count(after_a_response) == computed
    assert after_a_response.get_json()["total"] == 2


def test_the_trails_total_follows_each_new_entry(db, api):
    people = audit_world(db)
    auditor = api(people["secretariat_auditor"], scope="read")
    auditor.get("cycles")  # a token's first use is recorded
    first = total(auditor, "audit/entries")
    assert total(auditor, "audit/entries") == first

    act_as_principal(None)
    people["albanian_need"].title = "Albanian border surveillance, renamed"
    db.session.commit()

    assert total(auditor, "audit/entries") == first + 1


@postgresql_only
def test_the_trails_total_is_not_kept_while_another_transaction_writes(db, api, app, database_url):
    people = audit_world(db)
    auditor = api(people["secretariat_auditor"], scope="read")
    auditor.get("cycles")
    engine = raw_engine(database_url)
    with engine.connect() as slow, slow.begin():
        identify(slow, db_identity.key_of(app.config), mode="system")
        # The slow transaction's entry takes the smaller id, but commits last.
        slow.execute(
            text("UPDATE needs SET title = 'Written slowly' WHERE id = :id"),
            {"id": people["albanian_need"].id},
        )
        act_as_principal(None)
        people["serbian_need"].title = "Written quickly"
        db.session.commit()
        while_writing = total(auditor, "audit/entries")
        assert total(auditor, "audit/entries") == while_writing
    engine.dispose()

    assert total(auditor, "audit/entries") == while_writing + 1


def test_changes_not_yet_sent_are_neither_kept_nor_left_behind(db):
    act_as_principal(None)
    cycle = factories.cycle()
    albania = factories.partner_tenant()
    db.session.add(factories.need(cycle, albania, status="validated"))
    db.session.commit()
    kept_results.forget_everything()

    # Added, not yet flushed: counting sends it; keeping that count would outlive it.
    db.session.add(factories.need(cycle, albania, status="validated"))
    during = kept_results.total(select(Need))
    db.session.rollback()
    after = kept_results.total(select(Need))

    assert (during, after) == (2, 1)


@postgresql_only
def test_a_writer_starting_as_the_trail_is_counted_leaves_no_short_total(
    db, api, app, database_url
):
    people = audit_world(db)
    auditor = api(people["secretariat_auditor"], scope="read")
    auditor.get("cycles")
    before = total(auditor, "audit/entries")
    kept_results.forget_everything()
    albanian, serbian = people["albanian_need"].id, people["serbian_need"].id
    engine = raw_engine(database_url)
    key = db_identity.key_of(app.config)
    slow = engine.connect()
    armed = {"slow": None}

    def right_after_the_largest_key_is_read(_connection, _cursor, statement, *_arguments):
        if armed["slow"] is None and "max(audit_entries.id)" in statement:
            # A slow writer takes the smaller id, a quick one the larger and commits.
            armed["slow"] = slow.begin()
            identify(slow, key, mode="system")
            slow.execute(
                text("UPDATE needs SET title = 'Written slowly' WHERE id = :id"),
                {"id": albanian},
            )
            with engine.connect() as quick, quick.begin():
                identify(quick, key, mode="system")
                quick.execute(
                    text("UPDATE needs SET title = 'Written quickly' WHERE id = :id"),
                    {"id": serbian},
                )

    event.listen(db.engine, "after_cursor_execute", right_after_the_largest_key_is_read)
    try:
        while_writing = total(auditor, "audit/entries")
    finally:
        event.remove(db.engine, "after_cursor_execute", right_after_the_largest_key_is_read)
    armed["slow"].commit()
    slow.close()
    engine.dispose()

    assert (while_writing, total(auditor, "audit/entries")) == (before + 1, before + 2)
