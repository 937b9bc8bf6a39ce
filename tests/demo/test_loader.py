"""The demo data: realistic, complete across the domain, and loaded idempotently."""

import re
from itertools import product

from sqlalchemy import func, select, text

from portal.demo import content
from portal.demo.loader import load_demo
from portal.models import (
    Base,
    Cycle,
    Need,
    NeedCategory,
    Perspective,
    Pillar,
    Response,
    SupportLink,
    Tenant,
    User,
)
from portal.models.user import ROLES


def count(db, model, *conditions):
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def snapshot(db):
    """Return every row of every table, to compare the database before and after."""
    return {
        table.name: sorted(
            tuple(str(value) for value in row)
            for row in db.session.execute(text(f"SELECT * FROM {table.name}"))
        )
        for table in Base.metadata.sorted_tables
    }


def test_demo_covers_what_the_process_needs(db):
    load_demo()

    assert count(db, Tenant, Tenant.kind == "secretariat") == 1
    assert count(db, Tenant, Tenant.kind == "partner") == 6
    assert count(db, Tenant, Tenant.kind == "member") >= 8
    assert count(db, Cycle, Cycle.status == "adopted") == 1
    assert count(db, Cycle, Cycle.status == "open") == 1
    assert count(db, Need) >= 60
    assert count(db, Response) >= 40
    assert count(db, SupportLink) >= 40
    held_roles = set(db.session.scalars(text("SELECT DISTINCT role FROM user_roles")))
    assert held_roles == set(ROLES)


def test_demo_needs_span_every_pillar_category_perspective_and_status(db):
    load_demo()

    combinations = set(
        db.session.execute(
            select(Pillar.code, NeedCategory.code, Perspective.code)
            .join(Need.pillar)
            .join(Need.category)
            .join(Need.perspective)
            .distinct()
        )
    )
    every = set(
        product(
            db.session.scalars(select(Pillar.code)),
            db.session.scalars(select(NeedCategory.code)),
            db.session.scalars(select(Perspective.code)),
        )
    )
    assert combinations == every
    statuses = set(db.session.scalars(select(Need.status).distinct()))
    assert {"draft", "submitted", "returned", "validated", "adopted", "withdrawn"} <= statuses


def test_carried_over_needs_continue_a_need_of_the_same_partner(db):
    load_demo()

    carried = db.session.scalars(select(Need).where(Need.previous_need_id.is_not(None))).all()
    assert carried
    for need in carried:
        assert need.previous_need.tenant_id == need.tenant_id
        assert need.previous_need.cycle.status == "adopted"


def test_every_demo_need_has_the_code_of_its_cycle_partner_and_pillar(db):
    load_demo()

    needs = db.session.scalars(select(Need).order_by(Need.id)).all()
    for need in needs:
        prefix = f"{need.cycle.name[:4]}-{need.tenant.economy.code}-{need.pillar.code}-"
        assert re.fullmatch(rf"{prefix}\d{{3}}", need.code)
    assert len({(need.cycle_id, need.code) for need in needs}) == len(needs)
    carried = [need for need in needs if need.previous_need is not None]
    assert all(need.code != need.previous_need.code for need in carried)


def test_kosovo_is_shown_with_its_designation_footnote(db):
    load_demo()

    tenant = db.session.scalar(select(Tenant).where(Tenant.code == "XK-MIA"))
    assert tenant.economy.display_name == "Kosovo*"
    assert "UNSCR 1244/1999" in tenant.economy.footnote


def test_loading_twice_changes_nothing_the_second_time(db):
    first = load_demo()
    before = snapshot(db)

    second = load_demo()

    assert sum(first.created.values()) > 0
    assert second.describe() == "Demo data already present; nothing changed."
    assert snapshot(db) == before


def test_loading_again_restores_only_what_is_missing(db):
    load_demo()
    user = db.session.scalar(select(User).where(User.email == content.USERS[0].email))
    db.session.delete(user)
    db.session.commit()

    report = load_demo()

    assert dict(report.created) == {"users": 1}
    assert count(db, User) == len(content.USERS)


def test_if_empty_leaves_a_database_with_tenants_alone(db):
    db.session.add(Tenant(code="EC-NEAR", name="DG NEAR", kind="member"))
    db.session.commit()

    report = load_demo(if_empty=True)

    assert report.skipped
    assert count(db, Tenant) == 1
