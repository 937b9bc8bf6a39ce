"""The worker's queue, its jobs and its schedule: sealing, signing and the daily verify."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.exceptions import TaskException
from sqlalchemy import func, select, update

from audit import tables
from portal import jobs
from portal.extensions import db
from portal.models import AuditVerification
from tests import factories
from tests.audit.chain_support import as_owner, chain_links, tenant_with_history

entries = tables.entries
checkpoints = tables.checkpoints


def test_the_queue_is_a_sqlite_file_unless_redis_is_configured(tmp_path):
    base = {"QUEUE_IMMEDIATE": False, "REDIS_URL": None, "QUEUE_FILE": None}

    default = jobs.make_queue(base, str(tmp_path))
    named = jobs.make_queue({**base, "QUEUE_FILE": str(tmp_path / "q.db")}, str(tmp_path))
    shared = jobs.make_queue({**base, "REDIS_URL": "redis://127.0.0.1:6379/15"}, str(tmp_path))
    immediate = jobs.make_queue({**base, "QUEUE_IMMEDIATE": True}, str(tmp_path))

    assert isinstance(default, SqliteHuey)
    assert default.storage.filename == str(tmp_path / "queue.sqlite3")
    # Nothing is opened until the queue is used: a command that never queues makes no file.
    assert not (tmp_path / "queue.sqlite3").exists()
    assert named.storage.filename == str(tmp_path / "q.db")
    assert isinstance(shared, RedisHuey)
    assert isinstance(immediate, MemoryHuey) and immediate.immediate


def test_every_job_and_the_schedule_are_registered_on_the_apps_queue(app):
    # Due at 03:00: every five minutes, every minute and daily at 03:00 (not the digests).
    periodic = {task.name for task in app.extensions["iisg_queue"].read_periodic(_at(3, 0))}

    assert set(app.extensions["iisg_jobs"]) >= {
        "seal_and_checkpoint",
        "verify_trail",
        "send_digests",
        "sweep_jobs",
        "send_webhooks",
        "forget_old_report_files",
        "run_tracked_job",
    }
    assert periodic == {
        "scheduled_seal_and_checkpoint",
        "scheduled_verify_trail",
        "scheduled_sweep_jobs",
        "scheduled_send_webhooks",
    }


def _fires(app, name: str, moment: datetime) -> bool:
    due = app.extensions["iisg_queue"].read_periodic(moment)
    return f"scheduled_{name}" in {task.name for task in due}


def test_old_report_files_are_forgotten_nightly(app):
    nightly = [
        (hour, minute)
        for hour in range(24)
        for minute in range(60)
        if _fires(app, "forget_old_report_files", _at(hour, minute))
    ]
    assert nightly == [(3, 40)]


def test_the_schedule_follows_the_configuration(make_app):
    default = make_app()
    tuned = make_app(AUDIT_SEAL_EVERY_MINUTES=15, AUDIT_VERIFY_AT=(22, 30))

    seal_minutes = [m for m in range(60) if _fires(default, "seal_and_checkpoint", _at(4, m))]
    assert seal_minutes == list(range(0, 60, 5))
    assert [m for m in range(60) if _fires(tuned, "seal_and_checkpoint", _at(4, m))] == [
        0,
        15,
        30,
        45,
    ]
    verify_times = [
        (h, m) for h in range(24) for m in range(60) if _fires(default, "verify_trail", _at(h, m))
    ]
    assert verify_times == [(3, 0)]
    assert _fires(tuned, "verify_trail", _at(22, 30))
    assert not _fires(tuned, "verify_trail", _at(3, 0))


def _at(hour: int, minute: int) -> datetime:
    return datetime(2026, 12, 1, hour, minute)


def _signed_positions(chain_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.max(checkpoints.c.size), 0)).where(
            checkpoints.c.chain_id == chain_id
        )
    )


def test_the_sealing_job_signs_changes_made_outside_a_request_and_is_safe_to_rerun(app, db):
    # Changes made outside a request (a script, the database console) are sealed and
    # signed by the schedule instead of by the request that made them.
    chain_id, _need = tenant_with_history(updates=3)
    db.session.remove()
    assert _signed_positions(chain_id) == 0

    signed = jobs.submit("seal_and_checkpoint").get()
    again = jobs.submit("seal_and_checkpoint").get()

    size = len(chain_links(db.session, chain_id))
    assert signed >= 1
    assert _signed_positions(chain_id) == size == 5
    assert again == 0


def _secretariat_people():
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    partner = factories.partner_tenant(code="RS-MOI", economy="RS")
    people = {
        "auditor": factories.user(secretariat, email="aud@iisg.example", roles=("auditor",)),
        "admin": factories.user(secretariat, email="adm@iisg.example", roles=("admin",)),
        "editor": factories.user(secretariat, email="ed@iisg.example", roles=("editor",)),
        "partner auditor": factories.user(partner, email="aud@rs.example", roles=("auditor",)),
    }
    db.session.commit()
    return people


def _dashboard(login, person) -> str:
    return login(person).get("/").get_data(as_text=True)


def test_a_passing_verification_is_kept_and_shown_to_secretariat_auditors(app, db, login):
    people = _secretariat_people()
    tenant_with_history(updates=2)
    jobs.submit("seal_and_checkpoint").get()

    passed = jobs.submit("verify_trail").get()

    run = db.session.scalar(select(AuditVerification))
    assert passed is True
    assert (run.passed, run.findings, run.trigger) == (True, "", "schedule")
    assert run.chains >= 1 and run.entries >= 4
    page = _dashboard(login, people["auditor"])
    assert 'id="trail-verified"' in page and 'id="trail-broken"' not in page


def test_a_broken_chain_is_kept_logged_and_shown_to_secretariat_auditors_and_admins_only(
    app, db, login, database_owner_url, capsys
):
    people = _secretariat_people()
    chain_id, _need = tenant_with_history(updates=4)
    db.session.remove()
    jobs.submit("seal_and_checkpoint").get()
    third = chain_links(db.session, chain_id)[2]
    db.session.remove()
    with as_owner(database_owner_url) as owner:
        owner.execute(update(entries).where(entries.c.id == third.entry_id).values(reason="x"))

    passed = jobs.submit("verify_trail").get()

    run = db.session.scalar(select(AuditVerification))
    assert passed is False and run.passed is False
    assert f"chain {chain_id}: edited at position 3" in run.findings
    assert "audit_verification_failed" in capsys.readouterr().err
    shown = {
        name: 'id="trail-broken"' in _dashboard(login, db.session.merge(person))
        for name, person in people.items()
    }
    assert shown == {"auditor": True, "admin": True, "editor": False, "partner auditor": False}


def test_nobody_but_the_system_writes_a_verification(app, db, acting_as):
    people = _secretariat_people()
    acting_as(people["admin"])
    from portal.exceptions import Forbidden
    from portal.services import verifications

    acting_as(people["editor"])
    with pytest.raises(Forbidden):
        verifications.verify_and_record("by hand")

    assert db.session.scalar(select(func.count()).select_from(AuditVerification)) == 0


# A worker process on the test's database, started as `iisg worker` starts one (the same
# ``run_worker``), with the test suite's settings so that it may act on that database.
WORKER = """
import sys
from portal import jobs
from tests.conftest import build_app

url, owner_url, queue_file, redis_url, schedule = sys.argv[1:6]
app = build_app(
    url,
    QUEUE_IMMEDIATE=False,
    QUEUE_FILE=queue_file,
    REDIS_URL=redis_url or None,
    MIGRATION_DATABASE_URI=owner_url,
)
jobs.run_worker(app, 1, schedule=schedule == "schedule")
"""
PROJECT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("queue_kind", "schedule"),
    [("sqlite", "schedule"), ("sqlite", "no schedule"), ("redis", "schedule")],
)
def test_a_worker_process_runs_what_the_portal_puts_on_the_queue(
    make_app, database_url, database_owner_url, tmp_path, queue_kind, schedule
):
    queue_file = str(tmp_path / "queue.sqlite3")
    redis_url = ""
    if queue_kind == "redis":
        from tests.auth.test_rate_limits import REDIS_URL, redis_or_skip

        redis_or_skip()
        redis_url = REDIS_URL
    portal = make_app(QUEUE_IMMEDIATE=False, QUEUE_FILE=queue_file, REDIS_URL=redis_url or None)
    if redis_url:
        portal.extensions["iisg_queue"].flush()
    with portal.app_context():
        tenant_with_history(updates=2)
        db.session.remove()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            WORKER,
            database_url,
            database_owner_url,
            queue_file,
            redis_url,
            schedule,
        ],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with portal.app_context():
            signed = jobs.submit("seal_and_checkpoint").get(blocking=True, timeout=60)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
        if redis_url:
            portal.extensions["iisg_queue"].flush()

    assert signed >= 1, output
    assert worker.returncode == 0, output
    assert '"event": "worker_started"' in output
    assert f'"queue": "{"RedisHuey" if redis_url else "SqliteHuey"}"' in output
    assert f'"schedule": {str(schedule == "schedule").lower()}' in output
    with portal.app_context():
        assert db.session.scalar(select(func.count()).select_from(checkpoints)) >= 1


def test_the_worker_command_is_offered(runner):
    result = runner.invoke(args=["worker", "--help"])

    assert result.exit_code == 0
    assert "Run the background jobs and the schedule" in result.output


def test_a_job_submitted_with_an_unreachable_redis_fails_without_touching_the_database(
    make_app,
):
    # Port 9 (discard) answers nothing: the queue is unreachable.
    portal = make_app(QUEUE_IMMEDIATE=False, REDIS_URL="redis://127.0.0.1:9/0")
    started = time.monotonic()
    with portal.app_context(), pytest.raises(Exception) as failed:
        jobs.submit("seal_and_checkpoint")

    assert "Connection" in type(failed.value).__name__ or "connect" in str(failed.value).lower()
    assert time.monotonic() - started < 30


def _rename_need(need_id: int, title: str) -> None:
    from portal.models import Need

    db.session.get(Need, need_id).title = title
    db.session.commit()


def _owner_editor():
    """A need of a partner and an editor of that partner."""
    _chain, need_id = tenant_with_history(updates=0)
    from portal.models import Need

    owner = db.session.get(Need, need_id).tenant
    editor = factories.user(owner, email="ed@al.example", roles=("editor",))
    db.session.commit()
    return need_id, editor


@pytest.mark.parametrize(
    ("asked_by", "kind", "label"),
    [("editor", "user", "ed@al.example (job _rename_need)"), (None, "system", None)],
)
def test_what_a_job_writes_is_recorded_as_the_user_who_asked_or_the_system(
    make_app, monkeypatch, asked_by, kind, label
):
    monkeypatch.setitem(jobs.JOBS, "_rename_need", jobs.Job("_rename_need", _rename_need))
    portal = make_app()
    with portal.app_context():
        need_id, editor = _owner_editor()
        actor = editor if asked_by else None

        jobs.submit("_rename_need", need_id, "Renamed by a job", actor=actor).get()

        entry = db.session.execute(
            select(entries.c.actor_kind, entries.c.actor_label, entries.c.actor_id)
            .where(entries.c.table_name == "needs")
            .order_by(entries.c.id.desc())
            .limit(1)
        ).one()
    assert entry.actor_kind == kind
    if asked_by:
        assert (entry.actor_label, entry.actor_id) == (label, actor.id)
    else:
        assert entry.actor_label == "worker: _rename_need" and entry.actor_id is None


def test_a_job_asked_for_by_a_user_since_disabled_does_nothing(make_app, monkeypatch):
    monkeypatch.setitem(jobs.JOBS, "_rename_need", jobs.Job("_rename_need", _rename_need))
    portal = make_app()
    with portal.app_context():
        need_id, editor = _owner_editor()
        editor.active = False
        db.session.commit()

        result = jobs.submit("_rename_need", need_id, "Renamed by a job", actor=editor)
        with pytest.raises(TaskException, match="no longer active"):
            result.get()

        from portal.models import Need

        db.session.expire_all()
        assert db.session.get(Need, need_id).title == "Border surveillance 0"


@pytest.mark.parametrize("schedule", [True, False])
def test_a_worker_told_not_to_runs_no_schedule(app, monkeypatch, schedule):
    from huey.consumer import Consumer

    started = []
    monkeypatch.setattr(Consumer, "run", lambda consumer: started.append(consumer.periodic))

    jobs.run_worker(app, 1, schedule=schedule)

    assert started == [schedule]


def test_the_daily_verification_seals_and_signs_first_and_fails_what_stays_unsigned(
    app, db, monkeypatch
):
    # Written around the portal's requests, never sealed: the verification seals and
    # signs it first, and passes.
    chain_id, _need = tenant_with_history(updates=2)
    db.session.remove()

    assert jobs.submit("verify_trail").get() is True
    assert _signed_positions(chain_id) == 4

    # With the sealer and signer broken, what is written stays unsigned: a failure.
    tenant_with_history(code="RS-MOI", economy="RS", updates=1)
    db.session.remove()
    from portal import audit_trail

    monkeypatch.setattr(audit_trail, "make_checkpoints", lambda *arguments: [])
    passed = jobs.submit("verify_trail").get()

    run = db.session.scalar(select(AuditVerification).order_by(AuditVerification.id.desc()))
    assert passed is False and run.passed is False
    assert "entries still not sealed" in run.findings


def test_a_job_for_a_user_of_a_deactivated_organisation_does_nothing(make_app, monkeypatch):
    monkeypatch.setitem(jobs.JOBS, "_rename_need", jobs.Job("_rename_need", _rename_need))
    portal = make_app()
    with portal.app_context():
        need_id, editor = _owner_editor()
        editor.tenant.active = False
        db.session.commit()

        result = jobs.submit("_rename_need", need_id, "Renamed by a job", actor=editor)
        with pytest.raises(TaskException, match="no longer active"):
            result.get()


def test_the_sqlite_queue_makes_its_folder_and_tables_when_first_used(tmp_path):
    queue = jobs.make_queue(
        {"QUEUE_IMMEDIATE": False, "REDIS_URL": None, "QUEUE_FILE": None},
        str(tmp_path / "not-yet"),
    )

    queue.put("probe", "value")

    assert (tmp_path / "not-yet" / "queue.sqlite3").exists()
    assert queue.get("probe", peek=True) == "value"
