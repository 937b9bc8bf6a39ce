"""Administrators maintain the pillars and acquis chapters."""

import pytest
from sqlalchemy import func, select

from portal.models import AcquisChapter, Pillar
from tests import factories
from tests.conftest import csrf_token


def post(client, path, **data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/admin/reference")})


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_admin_adds_a_pillar_that_then_shows_on_the_dashboard(login, admin, db):
    client = login(admin)

    response = post(
        client,
        "/admin/pillars",
        code="WBCyb",
        name="Western Balkans Cyber initiative",
        description="Cybercrime and cyber security",
    )

    assert response.headers["Location"] == "/admin/reference"
    assert "WBCyb" in client.get("/").get_data(as_text=True)
    assert db.session.scalar(select(Pillar.position).where(Pillar.code == "WBCyb")) == 4


@pytest.mark.parametrize(
    ("form", "field", "reason"),
    [
        ({"code": "WBCTi", "name": "Again"}, "code", "already exists"),
        ({"code": "1X", "name": "Starts with a digit"}, "code", "starting with a letter"),
        ({"code": "WBX", "name": "   "}, "name", "cannot be blank"),
        ({"code": "WBX", "name": "x" * 201}, "name", "at most 200"),
    ],
)
def test_a_bad_pillar_is_refused_naming_the_field(login, admin, db, form, field, reason):
    client = login(admin)
    before = count(db, Pillar)

    response = post(client, "/admin/pillars", **form)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="new-pillar-{field}-error"' in page and reason in page
    assert count(db, Pillar) == before


def test_an_admin_renames_a_chapter_and_bad_numbers_are_refused(login, admin, db):
    client = login(admin)
    chapter = db.session.scalar(select(AcquisChapter).where(AcquisChapter.number == 24))
    path = f"/admin/acquis-chapters/{chapter.id}"

    renamed = post(client, path, number="24", title="Justice, freedom and security (JHA)")
    clash = post(client, path, number="23", title="Clash")
    nonsense = post(client, path, number="twenty", title="Words")

    assert renamed.status_code == 302
    assert clash.status_code == nonsense.status_code == 422
    assert f'id="chapter-{chapter.id}-number-error"' in nonsense.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(AcquisChapter, chapter.id)
    assert (stored.number, stored.title) == (24, "Justice, freedom and security (JHA)")


def test_reference_data_is_closed_to_everyone_else(login, db):
    tenant_admin = factories.user(
        factories.partner_tenant(), email="admin@al.example", roles=("tenant_admin",)
    )
    db.session.commit()
    client = login(tenant_admin)

    assert client.get("/admin/reference").status_code == 403
    refused = client.post(
        "/admin/pillars",
        data={"code": "WBX", "name": "X", "csrf_token": csrf_token(client, "/account")},
    )
    assert refused.status_code == 403
    assert db.session.scalar(select(Pillar.id).where(Pillar.code == "WBX")) is None
