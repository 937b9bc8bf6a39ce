"""Publishing a report: frozen bytes, signed, on the public page; withdrawn, never deleted."""

from __future__ import annotations

import hashlib
import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.models import Publication
from tests import factories
from tests.conftest import csrf_token
from tests.reports.pdf_support import pdf_text
from tests.worlds import analysis_world


@pytest.fixture
def world(db):
    """The analysis world with its cycle adopted, and an administrator of the Secretariat."""
    found = analysis_world(db)
    cycle = found["cycle"]
    cycle.status, cycle.board_meeting, cycle.adopted_on = (
        "adopted",
        "7th IISG Board Meeting, Skopje",
        date(2026, 11, 20),
    )
    secretariat = found["people"]["secretariat"].tenant
    found["people"]["admin"] = factories.user(
        secretariat, email="admin@sec.example", roles=("admin", "viewer")
    )
    found["people"]["editor"] = factories.user(
        secretariat, email="editor@sec.example", roles=("editor",)
    )
    db.session.commit()
    return found


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/reports"), **data})


def editions(db) -> list[Publication]:
    db.session.expire_all()
    return list(db.session.scalars(select(Publication).order_by(Publication.id)))


@pytest.fixture
def published(world, login, db):
    """The cycle's needs report, published by the administrator."""
    client = login(world["people"]["admin"])
    answer = post(client, f"/reports/cycles/{world['cycle'].id}/publish")
    assert answer.status_code == 302
    (edition,) = editions(db)
    return edition


def test_an_administrator_publishes_an_adopted_cycles_report(world, published, client):
    page = client.get("/public")

    # Open without signing in, listing the edition with its hashes, key and signature.
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Needs mapping report 2026-2027" in text
    for value in (published.pdf_sha256, published.html_sha256, published.key_id):
        assert value in text
    assert published.pdf_signature in text
    pdf = client.get(f"/public/editions/{published.id}/pdf")
    html = client.get(f"/public/editions/{published.id}/html")
    assert pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == published.pdf_sha256
    assert hashlib.sha256(html.data).hexdigest() == published.html_sha256
    # The edition holds what is public, naming no reader: not Serbia's need, which is
    # only submitted (the Secretariat's report holds it).
    assert world["needs"]["serbian"].code not in html.get_data(as_text=True)
    assert world["needs"]["covered"].code in html.get_data(as_text=True)
    assert "Published by the IISG Secretariat" in html.get_data(as_text=True)


def test_the_published_html_may_use_its_own_stylesheet_and_nothing_else(published, client):
    answer = client.get(f"/public/editions/{published.id}/html")
    policy = answer.headers["Content-Security-Policy"]

    style = re.search(rb"<style>(.*?)</style>", answer.data, re.DOTALL).group(1)
    import base64

    digest = base64.b64encode(hashlib.sha256(style).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy
    assert "script" not in answer.get_data(as_text=True).lower().replace("no script", "")


def test_publication_freezes_the_bytes(world, published, client, db, login):
    need = world["needs"]["covered"]
    need.title = "Renamed after publication"
    db.session.commit()

    html = client.get(f"/public/editions/{published.id}/html").get_data(as_text=True)
    fresh = login(world["people"]["secretariat"]).get(f"/reports/cycles/{world['cycle'].id}/needs")

    assert "Renamed after publication" not in html
    assert "Need met in full" in html
    assert "Renamed after publication" in fresh.get_data(as_text=True)


@pytest.mark.parametrize("file_format", ["pdf", "html"])
def test_verify_accepts_the_edition_and_refuses_an_altered_byte(
    published, client, runner, tmp_path, file_format
):
    copy = tmp_path / f"report.{file_format}"
    copy.write_bytes(client.get(f"/public/editions/{published.id}/{file_format}").data)
    signature = client.get(f"/public/editions/{published.id}/{file_format}.sig")
    (tmp_path / f"report.{file_format}.sig").write_bytes(signature.data)
    key = tmp_path / "iisg.pem"
    assert runner.invoke(args=["audit", "public-key", "--out", str(key)]).exit_code == 0

    intact = runner.invoke(args=["report", "verify", str(copy), "--public-key", str(key)])
    altered = bytearray(copy.read_bytes())
    altered[len(altered) // 2] ^= 0x01
    copy.write_bytes(bytes(altered))
    refused = runner.invoke(args=["report", "verify", str(copy), "--public-key", str(key)])

    assert intact.exit_code == 0, intact.output
    assert "intact" in intact.output and published.key_id in intact.output
    assert published.title in intact.output
    assert refused.exit_code == 1
    assert "NOT the published edition" in refused.output


def test_an_edition_signed_before_the_key_was_rotated_is_checked_with_its_own_key(
    published, app, client, runner, tmp_path
):
    import os

    from audit.checkpoints import public_key_pem

    earlier_key = app.config["AUDIT_SIGNING_KEY"]
    app.config["AUDIT_SIGNING_KEY"] = os.urandom(32)
    page = client.get("/public").get_data(as_text=True)

    shown = dict(re.findall(r'data-key="([0-9a-f]+)"[^>]*>([^<]+)</pre>', page))
    assert len(shown) == 2
    assert shown[published.key_id].strip() == public_key_pem(earlier_key).decode().strip()
    # The key shown for it checks the edition signed before the rotation.
    copy = tmp_path / "report.pdf"
    copy.write_bytes(client.get(f"/public/editions/{published.id}/pdf").data)
    (tmp_path / "report.pdf.sig").write_bytes(
        client.get(f"/public/editions/{published.id}/pdf.sig").data
    )
    key = tmp_path / "earlier.pem"
    key.write_text(shown[published.key_id])
    checked = runner.invoke(args=["report", "verify", str(copy), "--public-key", str(key)])
    assert checked.exit_code == 0, checked.output


def test_verify_refuses_another_key_and_a_missing_signature(published, client, runner, tmp_path):
    copy = tmp_path / "report.pdf"
    copy.write_bytes(client.get(f"/public/editions/{published.id}/pdf").data)
    other_key = tmp_path / "other.pem"
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    other_key.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )

    missing = runner.invoke(args=["report", "verify", str(copy), "--public-key", str(other_key)])
    (tmp_path / "report.pdf.sig").write_bytes(
        client.get(f"/public/editions/{published.id}/pdf.sig").data
    )
    stranger = runner.invoke(args=["report", "verify", str(copy), "--public-key", str(other_key)])

    assert missing.exit_code == 1 and "no signature file" in missing.output
    assert stranger.exit_code == 1 and "which the public key file lacks" in stranger.output


@pytest.mark.parametrize("person", ["secretariat", "editor", "albania", "commission"])
def test_only_an_administrator_of_the_secretariat_publishes(world, login, db, person):
    client = login(world["people"][person])
    answer = post(client, f"/reports/cycles/{world['cycle'].id}/publish")

    assert answer.status_code == 403
    assert editions(db) == []
    assert "Publish" not in client.get("/reports").get_data(as_text=True).replace(
        "Published editions", ""
    )


def test_a_cycle_not_yet_adopted_is_not_published(world, login, db):
    later = factories.cycle(
        name="2028-2029",
        status="consolidation",
        starts_on=date(2028, 1, 1),
        ends_on=date(2029, 12, 31),
    )
    db.session.add(later)
    db.session.commit()
    client = login(world["people"]["admin"])

    answer = post(client, f"/reports/cycles/{later.id}/publish")

    assert answer.status_code == 302
    assert editions(db) == []
    page = client.get("/reports").get_data(as_text=True)
    assert "only an adopted cycle" in page


def test_an_edition_is_withdrawn_with_a_reason_and_stays_listed(world, published, login, db):
    client = login(world["people"]["admin"])
    url = f"/reports/editions/{published.id}/withdraw"

    again = post(client, f"/reports/cycles/{world['cycle'].id}/publish")
    assert "withdraw that edition first" in client.get("/reports").get_data(as_text=True)
    refused = post(client, url, reason="short")
    assert "reason" in client.get("/reports").get_data(as_text=True)
    assert editions(db)[0].status == "published"
    post(client, url, reason="A need of Serbia was listed under the wrong pillar.", confirm="yes")
    republished = post(client, f"/reports/cycles/{world['cycle'].id}/publish")

    assert again.status_code == refused.status_code == republished.status_code == 302
    first, second = editions(db)
    assert (first.status, second.status) == ("withdrawn", "published")
    assert first.withdrawal_reason == "A need of Serbia was listed under the wrong pillar."
    public = client.get("/public").get_data(as_text=True)
    assert "Withdrawn" in public and "listed under the wrong pillar" in public
    # Withdrawn, still served as it was: the signature still holds.
    served = client.get(f"/public/editions/{first.id}/pdf").data
    assert hashlib.sha256(served).hexdigest() == first.pdf_sha256


def test_withdrawing_asks_first_saying_what_will_happen(world, published, login, db):
    client = login(world["people"]["admin"])
    url = f"/reports/editions/{published.id}/withdraw"

    asked = post(client, url, reason="A need of Serbia was listed under the wrong pillar.")

    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert f"Withdraw the published {published.title}?" in page
    assert "list this edition as withdrawn" in page and "cannot be undone" in page
    assert 'name="confirm" value="yes"' in page
    assert "listed under the wrong pillar" in page  # the reason is carried to the real form
    assert editions(db)[0].status == "published"


def test_publishing_and_withdrawing_are_in_the_audit_trail(world, published, login, db):
    from portal.models import AuditEntry

    client = login(world["people"]["admin"])
    post(
        client,
        f"/reports/editions/{published.id}/withdraw",
        reason="Superseded by a corrected edition.",
        confirm="yes",
    )
    db.session.expire_all()
    rows = db.session.execute(
        select(AuditEntry.__table__).where(AuditEntry.__table__.c.table_name == "publications")
    ).all()

    assert len(rows) == 2
    images = " ".join(str(row._mapping) for row in rows)
    assert published.pdf_sha256 in images
    assert "%PDF" not in images  # the bytes are not copied into the trail
    assert all(row._mapping["actor_id"] == world["people"]["admin"].id for row in rows)


def test_a_years_response_report_is_published_but_not_a_future_one(world, login, db):
    client = login(world["people"]["admin"])

    post(client, f"/reports/responses/{date.today().year}/publish")
    post(client, f"/reports/responses/{date.today().year + 1}/publish")

    (edition,) = editions(db)
    assert edition.title == f"Response mapping report {date.today().year}"
    assert "has not begun" in client.get("/reports").get_data(as_text=True)


def test_an_unknown_edition_or_file_is_not_found(client):
    assert client.get("/public/editions/999/pdf").status_code == 404
    assert client.get("/public/editions/999/pdf.sig").status_code == 404
    assert client.get("/public/editions/1/docx").status_code == 404


def test_an_edition_holds_only_what_is_public(world, login, db, client):
    """A restricted response and a need nobody validated stay out of a published edition."""
    serbian = world["needs"]["serbian"]
    germany = world["responses"]["bilateral"].tenant
    restricted = factories.response(
        germany,
        title="Restricted witness protection support",
        record_status="published",
        visibility="restricted",
        starts_on=date(2026, 1, 1),
        budget_amount=250000,
        budget_currency="CHF",
        beneficiaries=[factories.economy("RS")],
    )
    db.session.add(restricted)
    db.session.add(factories.support_link(restricted, serbian, "full", "validated"))
    db.session.commit()
    admin = login(world["people"]["admin"])
    # The Secretariat's own report holds both.
    own = admin.get(f"/reports/responses/{date.today().year}").get_data(as_text=True)
    assert "Restricted witness protection support" in own and serbian.code in own

    post(admin, f"/reports/cycles/{world['cycle'].id}/publish")
    post(admin, f"/reports/responses/{date.today().year}/publish")

    for edition in editions(db):
        for file_format in ("html", "pdf"):
            served = client.get(f"/public/editions/{edition.id}/{file_format}")
            text = served.get_data(as_text=True) if file_format == "html" else pdf_text(served.data)
            assert "Restricted witness protection support" not in text, edition.title
            assert "Serbian submitted need" not in text and serbian.code not in text
            assert "250,000" not in text


def test_verify_refuses_a_signature_file_that_says_otherwise(published, client, runner, tmp_path):
    import json

    copy = tmp_path / "report.pdf"
    copy.write_bytes(client.get(f"/public/editions/{published.id}/pdf").data)
    signed = json.loads(client.get(f"/public/editions/{published.id}/pdf.sig").data)
    key = tmp_path / "iisg.pem"
    runner.invoke(args=["audit", "public-key", "--out", str(key)])
    signature = tmp_path / "report.pdf.sig"
    for field, value in (
        ("title", "Needs mapping report 2028-2029"),
        ("published_at", "2029-12-01T00:00:00Z"),
    ):
        signature.write_text(json.dumps({**signed, field: value}))
        result = runner.invoke(args=["report", "verify", str(copy), "--public-key", str(key)])
        assert result.exit_code == 1, field
        assert "title, date or names were changed" in result.output
    signature.write_text("[" * 100_000)
    nested = runner.invoke(args=["report", "verify", str(copy), "--public-key", str(key)])
    assert nested.exit_code == 1 and "not a signature file" in nested.output


def test_an_edition_is_withdrawn_once(world, published, app):
    from portal.exceptions import Conflict
    from portal.identity import act_as
    from portal.services import publications

    with app.test_request_context():
        act_as(world["people"]["admin"])
        publications.withdraw(published.id, {"reason": "Superseded by a corrected edition."})
        with pytest.raises(Conflict):
            publications.withdraw(published.id, {"reason": "A second reason, lost before."})
