"""The tamper matrix: every way of changing a sealed chain is named, with its position.

Each test writes real changes through the portal (the capture triggers record them),
seals and signs them, then tampers as the database's owner with the trail's guards
switched off - what someone with full access to the database could do - and checks
that verification names the first break with the right kind and position.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, func, insert, select, text, update

from audit import tables
from audit.checkpoints import Checkpoint, key_id, public_bytes
from audit.offline import load_public_keys, verify_export
from portal import audit_trail
from portal.extensions import db
from tests.audit.chain_support import (
    as_owner,
    authenticate_anew,
    chain_links,
    change_need,
    recompute_chain,
    tenant_with_history,
)

entries = tables.entries
links = tables.chain_links
checkpoints = tables.checkpoints


@pytest.fixture
def signed_chain(db, database_owner_url):
    """A tenant's chain of ten entries, sealed and signed; returns its id and links."""
    chain_id, need = tenant_with_history(updates=8)
    db.session.remove()
    audit_trail.make_checkpoints()
    found = chain_links(db.session, chain_id)
    db.session.remove()
    assert len(found) == 10
    return chain_id, found, need


def first_break(chain_id, **options):
    report = audit_trail.verify_chain(chain_id, **options)
    return report.chains[0].first_break


def test_an_untouched_chain_verifies(signed_chain):
    chain_id, found, _need = signed_chain

    report = audit_trail.verify()

    assert report.intact, report.breaks
    (chain,) = [item for item in report.chains if item.chain == chain_id]
    assert (chain.size, chain.checkpoints) == (len(found), 1)


def test_an_edited_field_is_named_with_its_position(signed_chain, database_owner_url):
    chain_id, found, _need = signed_chain
    with as_owner(database_owner_url) as owner:
        owner.execute(
            update(entries).where(entries.c.id == found[3].entry_id).values(reason="nothing")
        )

    found_break = first_break(chain_id)

    assert (found_break.kind, found_break.position) == ("edited", 4)


@pytest.mark.parametrize("database_template", ["sqlite"], indirect=True)
def test_a_row_image_that_names_a_key_twice_is_named_edited(
    signed_chain, database_owner_url, tmp_path
):
    # SQLite keeps JSON text as written: a forged value put before the genuine one is
    # what json_extract shows, while a reader keeping the last value sees the genuine one.
    chain_id, found, _need = signed_chain
    with as_owner(database_owner_url) as owner:
        image = owner.execute(
            text("SELECT new_row FROM audit_entries WHERE id = :id"), {"id": found[5].entry_id}
        ).scalar_one()
        owner.execute(
            text("UPDATE audit_entries SET new_row = :image WHERE id = :id"),
            {"image": '{"title":"Forged",' + image[1:], "id": found[5].entry_id},
        )
        shown = owner.execute(
            text("SELECT json_extract(new_row, '$.title') FROM audit_entries WHERE id = :id"),
            {"id": found[5].entry_id},
        ).scalar_one()
    assert shown == "Forged"

    found_break = first_break(chain_id)
    exported = tmp_path / "chain.jsonl"
    audit_trail.export("AL-MOI", exported)
    offline = verify_export(exported, load_public_keys(audit_trail.public_key_pem()))

    assert (found_break.kind, found_break.position) == ("edited", 6)
    offline_break = offline.chains[0].first_break
    assert (offline_break.kind, offline_break.position) == ("edited", 6)


def test_a_deleted_entry_is_named_with_its_position(signed_chain, database_owner_url):
    chain_id, found, _need = signed_chain
    with as_owner(database_owner_url) as owner:
        owner.execute(delete(entries).where(entries.c.id == found[5].entry_id))

    found_break = first_break(chain_id)

    assert (found_break.kind, found_break.position) == ("deleted", 6)


def test_an_entry_deleted_with_its_link_leaves_a_gap(signed_chain, database_owner_url):
    chain_id, found, _need = signed_chain
    with as_owner(database_owner_url) as owner:
        owner.execute(delete(links).where(links.c.entry_id == found[2].entry_id))
        owner.execute(delete(entries).where(entries.c.id == found[2].entry_id))

    found_break = first_break(chain_id)

    assert (found_break.kind, found_break.position) == ("deleted", 3)


def test_a_forged_entry_in_the_sealed_past_is_named_inserted(signed_chain, database_owner_url):
    chain_id, found, _need = signed_chain
    model = found[4]
    with as_owner(database_owner_url) as owner:
        original = owner.execute(select(entries).where(entries.c.id == model.entry_id)).one()
        forged = {**original._mapping, "reason": "approved by the minister"}
        del forged["id"]
        owner.execute(insert(entries).values(**forged))

    found_break = first_break(chain_id)

    # It shares the fifth entry's transaction and comes after it: the sixth place.
    assert (found_break.kind, found_break.position) == ("inserted", 6)


def test_two_swapped_entries_are_named_reordered(signed_chain, database_owner_url):
    chain_id, found, _need = signed_chain
    fourth, fifth = found[3].entry_id, found[4].entry_id
    with as_owner(database_owner_url) as owner:
        at = (links.c.chain_id == chain_id) & (links.c.position == 4)
        owner.execute(update(links).where(at).values(entry_id=-1))
        owner.execute(update(links).where(links.c.entry_id == fifth).values(entry_id=fourth))
        owner.execute(update(links).where(links.c.entry_id == -1).values(entry_id=fifth))

    found_break = first_break(chain_id)

    assert (found_break.kind, found_break.position) == ("reordered", 4)


def test_a_truncated_tail_is_caught_by_the_checkpoint(signed_chain, database_owner_url):
    chain_id, found, _need = signed_chain
    tail = [link.entry_id for link in found[7:]]
    with as_owner(database_owner_url) as owner:
        owner.execute(delete(links).where(links.c.entry_id.in_(tail)))
        owner.execute(delete(entries).where(entries.c.id.in_(tail)))

    found_break = first_break(chain_id)

    assert (found_break.kind, found_break.position) == ("truncated", 8)


def kept(rows) -> list[dict]:
    """Return checkpoint rows as an auditor keeps them: in the export's format."""
    return [
        {"type": "checkpoint", **Checkpoint.from_row(row).statement(), "signature": row.signature}
        for row in rows
    ]


def test_a_recomputed_chain_is_caught_only_by_its_checkpoint(signed_chain, database_owner_url):
    chain_id, found, _need = signed_chain
    with as_owner(database_owner_url) as owner:
        owner.execute(
            update(entries).where(entries.c.id == found[2].entry_id).values(reason="nothing")
        )
        # On SQLite the edit shows by its MAC, unless the forger holds the secret key too.
        authenticate_anew(owner, [found[2].entry_id])
        recompute_chain(owner, chain_id)
        # Without its checkpoint the rewritten chain agrees with itself...
        signed = owner.execute(select(checkpoints).where(checkpoints.c.chain_id == chain_id)).all()
        owner.execute(delete(checkpoints).where(checkpoints.c.chain_id == chain_id))
    stripped = audit_trail.verify_chain(chain_id).chains[0]
    assert stripped.first_break is None
    # ...but nothing vouches for it: it is unsigned, not intact...
    assert (stripped.unsigned, stripped.intact) == (10, False)
    # ...and the checkpoint an auditor kept tells, as does the checkpoint put back.
    trusted = first_break(chain_id, trusted_checkpoints=kept(signed))
    with as_owner(database_owner_url) as owner:
        owner.execute(insert(checkpoints), [dict(row._mapping) for row in signed])

    found_break = first_break(chain_id)

    assert (trusted.kind, trusted.position) == ("rewritten", 10)
    assert (found_break.kind, found_break.position) == ("rewritten", 10)


def test_a_rolled_back_chain_is_caught_by_a_kept_checkpoint(signed_chain, database_owner_url):
    chain_id, found, _need = signed_chain
    tail = [link.entry_id for link in found[7:]]
    with as_owner(database_owner_url) as owner:
        signed = owner.execute(select(checkpoints).where(checkpoints.c.chain_id == chain_id)).all()
        owner.execute(delete(checkpoints).where(checkpoints.c.chain_id == chain_id))
        owner.execute(delete(links).where(links.c.entry_id.in_(tail)))
        owner.execute(delete(entries).where(entries.c.id.in_(tail)))

    found_break = first_break(chain_id, trusted_checkpoints=kept(signed))

    assert (found_break.kind, found_break.position) == ("truncated", 8)


def test_a_chain_removed_whole_is_caught_by_a_kept_checkpoint(signed_chain, database_owner_url):
    chain_id, found, _need = signed_chain
    with as_owner(database_owner_url) as owner:
        signed = owner.execute(select(checkpoints).where(checkpoints.c.chain_id == chain_id)).all()
        owner.execute(delete(checkpoints).where(checkpoints.c.chain_id == chain_id))
        owner.execute(delete(links).where(links.c.chain_id == chain_id))
        owner.execute(delete(entries).where(entries.c.id.in_([link.entry_id for link in found])))

    report = audit_trail.verify(trusted_checkpoints=kept(signed))

    (chain,) = [item for item in report.chains if item.chain == chain_id]
    assert (chain.first_break.kind, chain.first_break.position) == ("truncated", 1)


def test_the_tail_after_the_last_checkpoint_is_unsigned(signed_chain):
    chain_id, _found, need = signed_chain
    change_need(need, "Green border")
    db.session.remove()
    audit_trail.seal_pending()

    chain = audit_trail.verify_chain(chain_id).chains[0]

    assert (chain.size, chain.unsigned, chain.first_break, chain.intact) == (11, 1, None, False)


def test_a_forged_checkpoint_has_a_bad_signature(signed_chain, database_owner_url):
    chain_id, found, need = signed_chain
    change_need(need, "Green border")
    db.session.remove()
    audit_trail.make_checkpoints()
    with as_owner(database_owner_url) as owner:
        second = (checkpoints.c.chain_id == chain_id) & (checkpoints.c.sequence == 2)
        owner.execute(update(checkpoints).where(second).values(head_hash="ab" * 32))

    found_break = first_break(chain_id)

    assert (found_break.kind, found_break.position) == ("bad_signature", 11)


def _drop_checkpoint_uniqueness(owner) -> None:
    if owner.dialect.name == "postgresql":
        owner.execute(
            text(
                "ALTER TABLE audit_checkpoints"
                " DROP CONSTRAINT uq_audit_checkpoints_chain_id_sequence"
            )
        )
        return
    # SQLite cannot drop a constraint: rebuild the table without it, rows and all.
    owner.execute(text("CREATE TABLE loose_checkpoints AS SELECT * FROM audit_checkpoints"))
    owner.execute(text("DROP TABLE audit_checkpoints"))
    owner.execute(text("ALTER TABLE loose_checkpoints RENAME TO audit_checkpoints"))


def test_a_replayed_checkpoint_is_named(signed_chain, database_owner_url):
    chain_id, found, need = signed_chain
    change_need(need, "Green border")
    db.session.remove()
    audit_trail.make_checkpoints()
    with as_owner(database_owner_url) as owner:
        first = owner.execute(
            select(checkpoints).where(
                checkpoints.c.chain_id == chain_id, checkpoints.c.sequence == 1
            )
        ).one()
        _drop_checkpoint_uniqueness(owner)
        replayed = dict(first._mapping)
        replayed["id"] = first.id + 1000
        owner.execute(insert(checkpoints).values(**replayed))

    found_break = first_break(chain_id)

    assert (found_break.kind, found_break.position) == ("replayed_checkpoint", 10)


def test_the_wrong_public_key_fails_every_signature(signed_chain):
    chain_id, _found, _need = signed_chain
    stranger = Ed25519PrivateKey.generate().public_key()

    found_break = first_break(chain_id, trusted_keys={key_id(public_bytes(stranger)): stranger})

    assert (found_break.kind, found_break.position) == ("bad_signature", 10)


def test_entries_not_yet_sealed_are_pending_not_broken(signed_chain):
    chain_id, _found, need = signed_chain
    change_need(need, "Green border")
    db.session.remove()

    report = audit_trail.verify_chain(chain_id)

    assert report.intact
    assert report.chains[0].pending == 1


@pytest.mark.parametrize("database_template", ["sqlite"], indirect=True)
def test_a_nested_key_named_twice_is_named_edited(db, database_owner_url, tmp_path):
    # PostgreSQL's jsonb keeps one value per key; SQLite keeps the text as written, and
    # json_extract reads the first of two values where a last-wins reader sees the second.
    chain_id, _need = tenant_with_history(updates=1)
    db.session.remove()
    with as_owner(database_owner_url) as owner:
        model = owner.execute(
            select(entries).where(entries.c.tenant_id == chain_id).order_by(entries.c.id)
        ).first()
        after = owner.execute(select(func.max(entries.c.transaction_id))).scalar_one() + 1
        nested = {**model._mapping, "transaction_id": after, "new_row": {"details": {"a": 1}}}
        del nested["id"]
        entry_id = owner.execute(insert(entries).values(**nested)).inserted_primary_key[0]
    audit_trail.make_checkpoints()
    position = next(
        link.position for link in chain_links(db.session, chain_id) if link.entry_id == entry_id
    )
    db.session.remove()
    with as_owner(database_owner_url) as owner:
        owner.execute(
            text("UPDATE audit_entries SET new_row = :image WHERE id = :id"),
            {"image": '{"details":{"a":2,"a":1}}', "id": entry_id},
        )

    found_break = first_break(chain_id)
    exported = tmp_path / "chain.jsonl"
    audit_trail.export("AL-MOI", exported)
    offline = verify_export(exported, load_public_keys(audit_trail.public_key_pem()))

    assert (found_break.kind, found_break.position) == ("edited", position)
    offline_break = offline.chains[0].first_break
    assert (offline_break.kind, offline_break.position) == ("edited", position)
