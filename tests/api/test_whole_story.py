"""The whole story once more, through the API alone, each step with its person's own token.

A partner editor drafts and submits a need, the Secretariat validates it, a member editor
records and publishes a response and proposes a link, the partner confirms it, the
Secretariat validates the link, an administrator moves the cycle on and adopts it, and
the analysis counts the need as covered: what tests/test_whole_story.py does with forms.
"""

from sqlalchemy import select

from portal.identity import act_as_principal
from portal.models import AuditEntry
from tests.needs.cast import build_cast
from tests.test_whole_story import NEED, RESPONSE


def test_a_need_goes_from_draft_to_covered_through_the_api(api, db):
    cast = build_cast()
    partner = api(cast.people["albania-editor"])
    secretariat = api(cast.people["secretariat-editor"])
    member = api(cast.people["member-editor"])
    admin = api(cast.people["secretariat-admin"])

    drafted = partner.post("needs", json=NEED)
    assert drafted.status_code == 201, drafted.get_json()
    need = drafted.get_json()
    assert partner.post(f"needs/{need['id']}/submit").status_code == 200
    validated = secretariat.post(f"needs/{need['id']}/validate")
    assert validated.get_json()["status"] == "validated"

    recorded = member.post("responses", json=RESPONSE, headers={"Idempotency-Key": "story-1"})
    assert recorded.status_code == 201, recorded.get_json()
    response = recorded.get_json()
    published = member.post(
        f"responses/{response['id']}/publish", headers={"If-Match": recorded.headers["ETag"]}
    )
    assert published.get_json()["record_status"] == "published"
    proposed = member.post(
        f"responses/{response['id']}/links",
        json={"need_id": need["id"], "coverage": "full", "note": "Mentors the new office"},
    )
    assert proposed.status_code == 201, proposed.get_json()
    link = proposed.get_json()
    assert partner.post(f"links/{link['id']}/confirm").get_json()["status"] == "confirmed"
    assert secretariat.post(f"links/{link['id']}/validate").get_json()["status"] == "validated"

    cycle = cast.open_cycle
    moved = admin.post(f"cycles/{cycle.id}/move", json={"status": "consolidation"})
    assert moved.status_code == 200, moved.get_json()
    adopted = admin.post(
        f"cycles/{cycle.id}/move",
        json={
            "status": "adopted",
            "board_meeting": "IISG Board, Skopje",
            "adopted_on": "2027-06-15",
        },
        headers={"If-Match": moved.headers["ETag"]},
    )
    assert adopted.status_code == 200, adopted.get_json()
    assert partner.get(f"needs/{need['id']}").get_json()["status"] == "adopted"

    gaps = partner.get(f"analysis/gaps?cycle={cycle.name}").get_json()
    coverage = partner.get(f"analysis/coverage?cycle={cycle.name}").get_json()
    assert need["id"] not in [item["id"] for item in gaps["items"]]
    row = next(row for row in coverage["by_pillar"]["rows"] if row["economy"]["code"] == "AL")
    cell = next(cell for cell in row["cells"] if cell["column"]["code"] == NEED["pillar"])
    assert (cell["needs"], cell["covered"], cell["gaps"]) == (1, 1, 0)
    # Every step of the need is in the trail, as its token's.
    act_as_principal(None)
    actors = db.session.execute(
        select(AuditEntry.actor_kind, AuditEntry.actor_label)
        .where(AuditEntry.table_name == "needs", AuditEntry.row_key == str(need["id"]))
        .order_by(AuditEntry.id)
    ).all()
    assert len(actors) >= 4
    assert {kind for kind, _label in actors} == {"api_token"}
    assert all("(API token " in label for _kind, label in actors)


def test_a_cycle_is_moved_on_only_by_an_administrator(api, db):
    cast = build_cast()
    cycle = cast.open_cycle

    refused = api(cast.people["secretariat-editor"]).post(
        f"cycles/{cycle.id}/move", json={"status": "consolidation"}
    )
    skipped = api(cast.people["secretariat-admin"]).post(
        f"cycles/{cycle.id}/move", json={"status": "adopted"}
    )

    assert refused.status_code == 403
    assert skipped.status_code == 422
    assert set(skipped.get_json()["error"]["fields"]) == {"board_meeting", "adopted_on"}
    db.session.expire_all()
    assert cycle.status == "open"
