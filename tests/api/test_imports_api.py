"""The API's imports: upload for a dry run, read its rows, apply it; large ones on the worker."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from portal.models import Job, Need

CSV = (
    "code,pillar,category,perspective,title,description,priority\n"
    ",WBCTi,legislative,prevention,From a script,Why it is needed,high\n"
    ",WBCTi,legislative,prevention,Broken,Why,someday\n"
)


def upload(client, content: str, kind="needs", name="needs.csv", **fields):
    return client.post(
        "imports",
        data={"kind": kind, "file": (io.BytesIO(content.encode()), name), **fields},
        content_type="multipart/form-data",
    )


def count_needs(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Need))


def test_a_script_uploads_reads_the_dry_run_and_is_refused_applying_errors(api, editor, db):
    client = api(editor)

    created = upload(client, CSV)
    body = created.get_json()
    rows = client.get(f"imports/{body['id']}/rows?show=error")
    applied = client.post(f"imports/{body['id']}/apply")

    assert created.status_code == 201, body
    assert created.headers["Location"].endswith(f"/api/v1/imports/{body['id']}")
    assert body["status"] == "checked"
    assert body["counts"] == {"create": 1, "update": 0, "unchanged": 0, "warning": 0, "error": 1}
    [error] = rows.get_json()["items"]
    assert error["row"] == 3
    assert error["problems"] == [
        {"column": "priority", "value": "someday", "reason": "Priority is high, medium or low."}
    ]
    assert applied.status_code == 409
    assert count_needs(db) == 0
    client.check_documented(created)
    client.check_documented(rows)


def test_a_clean_file_is_applied_once(api, editor, db):
    client = api(editor)
    created = upload(client, CSV.rsplit("\n", 2)[0] + "\n").get_json()

    applied = client.post(f"imports/{created['id']}/apply")
    again = client.post(f"imports/{created['id']}/apply")

    assert applied.status_code == 200, applied.get_json()
    assert applied.get_json()["status"] == "applied"
    assert applied.get_json()["request_id"]
    assert again.status_code == 409
    assert count_needs(db) == 1
    client.check_documented(applied)


def test_a_large_file_is_checked_by_the_worker(api, editor, app, db):
    app.config["IMPORT_AT_ONCE_ROWS"] = 1
    client = api(editor)

    created = upload(client, CSV)

    assert created.status_code == 202
    body = client.get(f"imports/{created.get_json()['id']}").get_json()
    # Tests run each job as it is submitted: checked by the time the answer comes.
    assert body["status"] == "checked" and body["job_id"]
    job = db.session.get(Job, body["job_id"])
    assert (job.status, job.total) == ("succeeded", 2)
    assert "1 to create" in job.message


def test_a_file_without_a_file_field_or_of_the_wrong_kind_is_refused(api, editor, db):
    client = api(editor)

    missing = client.post("imports", data={"kind": "needs"}, content_type="multipart/form-data")
    wrong = upload(client, CSV, kind="widgets")
    read_only = api(editor, scope="read")

    assert missing.status_code == 422
    assert wrong.status_code == 422 and "kind" in wrong.get_json()["error"]["fields"]
    assert upload(read_only, CSV).status_code == 403
    assert count_needs(db) == 0


def test_someone_elses_import_is_not_found(api, editor, db):
    from tests import factories

    other = factories.user(editor.tenant, email="colleague@ministry.example", roles=("editor",))
    db.session.commit()
    created = upload(api(editor), CSV).get_json()

    assert api(other).get(f"imports/{created['id']}").status_code == 404
    assert api(other).post(f"imports/{created['id']}/apply").status_code == 404
