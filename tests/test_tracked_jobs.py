"""Jobs people start and follow: recorded, shown on their page, run again after a crash."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from audit import tables
from portal import identity, jobs
from portal.extensions import db
from portal.models import Job, Need
from portal.models.base import utc_now
from tests import factories, job_support  # noqa: F401  (declares the tests' jobs)

PROJECT = Path(__file__).resolve().parent.parent
WORKER = """
import sys
import tests.job_support
from portal import jobs
from tests.conftest import build_app

url, owner_url, queue_file = sys.argv[1:4]
app = build_app(
    url, QUEUE_IMMEDIATE=False, QUEUE_FILE=queue_file, MIGRATION_DATABASE_URI=owner_url,
    JOB_LEASE_SECONDS=1,
)
jobs.run_worker(app, 1, schedule=False)
"""


@pytest.fixture
def as_person(db):
    """Return a function acting as a user, as a request does; the system again afterwards."""
    yield identity.act_as
    identity.forget()
    identity.act_as_principal(None)


def _owner_and_need():
    cycle = factories.cycle()
    albania = factories.partner_tenant()
    need = factories.need(cycle, albania, title="Border cameras")
    db.session.add(need)
    editor = factories.user(albania, email="ed@al.example", roles=("editor",))
    db.session.commit()
    return editor, need.id


def test_a_started_job_is_recorded_run_as_its_starter_and_its_result_kept(
    app, db, tmp_path, as_person
):
    editor, need_id = _owner_and_need()
    (tmp_path / "started").touch()  # not the first attempt: no waiting
    as_person(editor)

    record = jobs.start(
        "rename_need_slowly", need_id, "Border cameras, renamed", str(tmp_path), actor=editor
    )

    identity.act_as_principal(None)  # the system reads the trail
    db.session.expire_all()
    found = db.session.get(Job, record.id)
    assert (found.status, found.message, found.attempts) == (
        "succeeded",
        f"Renamed need {need_id}.",
        1,
    )
    assert (found.done, found.total) == (2, 2)
    assert db.session.get(Need, need_id).title == "Border cameras, renamed"
    label = db.session.scalar(
        select(tables.entries.c.actor_label)
        .where(tables.entries.c.table_name == "needs")
        .order_by(tables.entries.c.id.desc())
        .limit(1)
    )
    assert label == "ed@al.example (job rename_need_slowly)"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("refuse_the_file", "The file has no rows."),
        ("break_down", "The job stopped on an unexpected error."),
    ],
)
def test_a_failed_job_says_why_without_internal_detail(app, db, name, message, as_person):
    editor, _need_id = _owner_and_need()
    as_person(editor)

    record = jobs.start(name, actor=editor)

    db.session.expire_all()
    found = db.session.get(Job, record.id)
    assert found.status == "failed"
    assert found.message.startswith(message)
    assert "secret detail" not in found.message


def test_the_job_page_shows_the_starter_its_progress_and_result_and_hides_it_from_others(
    app, db, login
):
    editor, _need_id = _owner_and_need()
    other = factories.user(editor.tenant, email="other@al.example", roles=("editor",))
    running = Job(name="import_needs", actor_id=editor.id, status="running", attempts=1)
    ended = Job(name="import_needs", actor_id=editor.id, status="succeeded", message="12 needs.")
    db.session.add_all([running, ended])
    db.session.commit()
    jobs.queue().put(f"job-progress:{running.id}", [3, 10, utc_now().timestamp()])
    client = login(editor)

    running_page = client.get(f"/jobs/{running.id}").get_data(as_text=True)
    ended_page = client.get(f"/jobs/{ended.id}").get_data(as_text=True)
    hidden = login(other).get(f"/jobs/{ended.id}")

    assert 'http-equiv="refresh"' in running_page
    assert 'max="10" value="3"' in running_page
    assert "http-equiv" not in ended_page and "12 needs." in ended_page
    assert hidden.status_code == 404 and "12 needs." not in hidden.get_data(as_text=True)


def test_the_job_page_answers_while_the_queue_does_not(app, db, login, monkeypatch):
    editor, _need_id = _owner_and_need()
    running = Job(name="import_needs", actor_id=editor.id, status="running", attempts=1)
    db.session.add(running)
    db.session.commit()
    client = login(editor)

    def unreachable(*_arguments, **_keywords):
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(jobs.queue(), "get", unreachable)
    page = client.get(f"/jobs/{running.id}")

    # What the database knows is shown; the progress only Redis held is not.
    assert page.status_code == 200
    assert 'http-equiv="refresh"' in page.get_data(as_text=True)


def test_the_sweep_puts_back_a_job_lost_on_the_way_and_gives_up_after_three_attempts(
    app, db, tmp_path
):
    editor, need_id = _owner_and_need()
    lost = Job(
        name="rename_need_slowly",
        arguments=[need_id, "Found again", str(tmp_path)],
        actor_id=editor.id,
        created_at=utc_now() - timedelta(minutes=5),
    )
    stuck = Job(
        name="rename_need_slowly",
        arguments=[need_id, "Never", str(tmp_path)],
        actor_id=editor.id,
        status="running",
        attempts=3,
        lease_until=utc_now() - timedelta(minutes=1),
    )
    db.session.add_all([lost, stuck])
    db.session.commit()
    (tmp_path / "started").touch()

    again = jobs.submit("sweep_jobs").get()

    db.session.expire_all()
    assert again == 1
    assert db.session.get(Job, lost.id).status == "succeeded"
    assert db.session.get(Need, need_id).title == "Found again"
    abandoned = db.session.get(Job, stuck.id)
    assert abandoned.status == "failed" and "stopped 3 times" in abandoned.message


def _start_worker(database_url, database_owner_url, queue_file):
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, database_url, database_owner_url, queue_file],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds} s for {what}")


def test_a_worker_killed_mid_job_leaves_nothing_half_done_and_the_job_runs_again_once(
    make_app, database_url, database_owner_url, tmp_path
):
    queue_file = str(tmp_path / "queue.sqlite3")
    portal = make_app(QUEUE_IMMEDIATE=False, QUEUE_FILE=queue_file, JOB_LEASE_SECONDS=1)
    with portal.app_context():
        editor, need_id = _owner_and_need()
        identity.act_as(editor)
        record = jobs.start(
            "rename_need_slowly", need_id, "Renamed once", str(tmp_path), actor=editor
        )
        job_id = record.id
        identity.forget()
    first = _start_worker(database_url, database_owner_url, queue_file)
    try:
        _wait_for((tmp_path / "started").exists, 60, "the first attempt to start")
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    with portal.app_context():
        db.session.expire_all()
        assert db.session.get(Need, need_id).title == "Border cameras"
        assert db.session.get(Job, job_id).status == "running"
    time.sleep(1.5)  # the lease (1 s) and its last sign of life lapse
    second = _start_worker(database_url, database_owner_url, queue_file)
    try:
        with portal.app_context():
            jobs.submit("sweep_jobs").get(blocking=True, timeout=60)

            def ended():
                db.session.expire_all()
                return db.session.get(Job, job_id).finished

            _wait_for(ended, 60, "the second attempt to end")
            found = db.session.get(Job, job_id)
            renames = db.session.scalar(
                select(func.count())
                .select_from(tables.entries)
                .where(
                    tables.entries.c.table_name == "needs",
                    tables.entries.c.operation == "U",
                )
            )
            title = db.session.get(Need, need_id).title
    finally:
        second.send_signal(signal.SIGINT)
        output, _ = second.communicate(timeout=30)

    assert (found.status, found.attempts) == ("succeeded", 2), output
    assert title == "Renamed once"
    assert renames == 1
