"""Background work: the task queue, the jobs it runs and the schedule (README, "Background work").

The queue is huey's: a SQLite file under ``instance/`` by default, Redis when
``IISG_REDIS_URL`` is set, so that workers on several machines share one queue. ``iisg
worker`` consumes it and runs the schedule; the web processes only put jobs on it.

A job is a plain function declared with ``@job``. Each run gets an application context
of its own and an actor: the system, or the user who asked (``submit(..., actor=user)``),
so that what a job writes is recorded in the trail as that actor's. Jobs must be safe to
run twice: a worker killed mid-job leaves the job to be run again.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import structlog
from flask import Flask, current_app
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.api import Huey
from huey.storage import SqliteStorage
from sqlalchemy import or_, select

from portal import audit_trail, identity
from portal.exceptions import DomainError
from portal.extensions import db
from portal.models import Job as JobRecord
from portal.models import User
from portal.models.base import utc_now

log = structlog.get_logger("portal.jobs")

QUEUE_NAME = "iisg"


@dataclass(frozen=True)
class Job:
    """A function the worker runs, and how often it is tried again after failing.

    A *tracked* job is one a person starts and follows on its page (``start``): it is
    recorded in ``jobs``, given ``progress(done, total)`` to report with, and run again
    when its worker stops part-way; it returns what the person is told.
    """

    name: str
    function: Callable
    retries: int = 0
    retry_delay: int = 0
    tracked: bool = False


@dataclass(frozen=True)
class Scheduled:
    """A job the worker runs by itself, when ``when(config)`` says (a crontab)."""

    job: Job
    when: Callable[[dict], Callable]


JOBS: dict[str, Job] = {}
SCHEDULE: list[Scheduled] = []


def job(*, retries: int = 0, retry_delay: int = 0, tracked: bool = False):
    """Declare a function a job of the queue, named after it (``tracked``: see ``Job``)."""

    def declare(function: Callable) -> Callable:
        declared = Job(function.__name__, function, retries, retry_delay, tracked)
        JOBS[declared.name] = declared
        return function

    return declare


def scheduled(when: Callable[[dict], Callable]):
    """Declare a job the worker runs on its own, ``when(config)`` returning a crontab."""

    def declare(function: Callable) -> Callable:
        job()(function)
        SCHEDULE.append(Scheduled(JOBS[function.__name__], when))
        return function

    return declare


# --- The jobs -----------------------------------------------------------------------


def _every_few_minutes(config: dict):
    return crontab(minute=f"*/{config['AUDIT_SEAL_EVERY_MINUTES']}")


def _daily(config: dict):
    hour, minute = config["AUDIT_VERIFY_AT"]
    return crontab(minute=str(minute), hour=str(hour))


# How long a person's claim on a day's digest is kept (huey's SQLite store keeps it too).
DIGEST_CLAIM = 2 * 24 * 60 * 60


def _every_morning(config: dict):
    hour, minute = config["DIGEST_AT"]
    return crontab(minute=str(minute), hour=str(hour))


@scheduled(_every_morning)
def send_digests() -> int:
    """Mail each person the digest of what waits for them; return how many were sent."""
    from portal.services import digests

    today = utc_now().date()
    store = queue()

    def claim(user_id: int) -> bool:
        # Kept on the queue's own store, shared by every worker, for two days.
        return store.put_if_empty(f"digest:{today.isoformat()}:{user_id}", "1", DIGEST_CLAIM)

    return digests.send_all(today, claim)


@scheduled(_every_few_minutes)
def seal_and_checkpoint() -> int:
    """Seal every entry that can be sealed and sign every chain that grew; return how many."""
    # Sealing and signing what is already sealed and signed does nothing: safe to rerun.
    made = audit_trail.make_checkpoints()
    if made:
        log.info("audit_checkpoints_signed", checkpoints=len(made))
    return len(made)


@scheduled(_daily)
def verify_trail() -> bool:
    """Verify every chain and the capture, and keep what was found; return whether it passed."""
    # Imported here: the services import this module's neighbours, not the other way.
    from portal.services import verifications

    return verifications.verify_and_record("schedule").passed


def _every_minute(config: dict):
    return crontab(minute="*")


@scheduled(_every_minute)
def sweep_jobs() -> int:
    """Put back on the queue the tracked jobs no worker is running; return how many.

    A job still queued a minute after it was started (its message to the queue was lost,
    or the queue was unreachable), or running with no sign of life for longer than its
    lease (its worker was killed): run again, up to ``MOST_ATTEMPTS`` times in all.
    """
    now = utc_now()
    lease = timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])
    waiting = db.session.scalars(
        select(JobRecord).where(
            or_(
                (JobRecord.status == "queued")
                & (JobRecord.created_at < now - timedelta(minutes=1)),
                (JobRecord.status == "running") & (JobRecord.lease_until < now),
            )
        )
    ).all()
    again = 0
    for record in waiting:
        if record.status == "running" and _alive(record.id, now, lease):
            continue
        if record.attempts >= MOST_ATTEMPTS:
            record.status, record.finished_at = "failed", now
            record.message = (
                f"The worker stopped {record.attempts} times while running this job;"
                " it was not tried again. Start it anew, or ask an administrator."
            )
            log.error("job_abandoned", job_id=record.id, job=record.name)
            continue
        db.session.commit()
        _enqueue(record.id)
        again += 1
    db.session.commit()
    return again


def _every_night(_config: dict):
    return crontab(minute="40", hour="3")


@scheduled(_every_night)
def forget_old_report_files() -> int:
    """Delete the reports the worker made for people more than a week ago; return how many."""
    from portal.services import reports

    return reports.forget_old_report_files()


@scheduled(_every_minute)
def send_webhooks() -> int:
    """Turn the trail's new entries into webhook deliveries and send what is due."""
    from portal.services import webhooks

    # One run at a time: a run still sending (slow receivers) is not joined by the next.
    if not _claim_run("send_webhooks", WEBHOOK_RUN_LOCK):
        return 0
    try:
        webhooks.dispatch()
        return webhooks.deliver()
    finally:
        queue().delete("run-lock:send_webhooks")


@job(tracked=True)
def check_import(import_id: int, progress) -> str:
    """Dry-run an uploaded file too large to check while its uploader waits."""
    from portal.services import imports

    record = imports.check(import_id, progress)
    counts = record.outcome["counts"]
    return (
        f"Checked {len(record.outcome['rows'])} rows of {record.filename}:"
        f" {counts['create']} to create, {counts['update']} to update,"
        f" {counts['unchanged']} unchanged, {counts['error']} in error."
    )


@job(tracked=True)
def make_report(kind: str, key: int, partner: str | None, pillar: str | None, progress) -> str:
    """Make a PDF report too large to make while its reader waits, as they see the records."""
    from portal.services import reports

    made = reports.make_report_file(kind, key, partner, pillar, _RUNNING.get(), progress)
    return f"{made.name} is ready: {made.size / 1_048_576:.1f} MB."


@job(tracked=True)
def apply_import(import_id: int, progress) -> str:
    """Apply an uploaded file too large to apply while its uploader waits."""
    from portal.services import imports

    return imports.summary(imports.apply(import_id, progress))


def _claim_run(name: str, seconds: int) -> bool:
    """Return whether this run may go ahead: no other run holds the lock, or it lapsed.

    huey's own locks expire only on Redis 7.4 and newer; this one holds its end time, so
    a run killed while holding it does not stop every later run.
    """
    store, key = queue(), f"run-lock:{name}"
    until = utc_now().timestamp() + seconds
    if store.put_if_empty(key, until):
        return True
    held_until = store.get(key, peek=True)
    if held_until is not None and held_until > utc_now().timestamp():
        return False
    store.delete(key)
    return store.put_if_empty(key, until)


# How long a webhook run's lock holds at most (a worker killed in a run leaves it).
WEBHOOK_RUN_LOCK = 10 * 60


# --- Tracked jobs -------------------------------------------------------------------

RUN_TRACKED = "run_tracked_job"
# The tracked job this thread runs, for a job that keeps what it made under its id.
_RUNNING: contextvars.ContextVar[int | None] = contextvars.ContextVar("running_job", default=None)
# How often a tracked job is tried in all when its worker stops part-way.
MOST_ATTEMPTS = 3


def start(name: str, *arguments, actor: User) -> JobRecord:
    """Record tracked job ``name`` for ``actor`` (the one acting) and put it on the queue.

    The arguments must be JSON values. When the queue cannot be reached the job stays
    queued, and the worker's sweep puts it on the queue later.
    """
    declared = JOBS[name]
    if not declared.tracked:
        raise ValueError(f"{name} is not a tracked job")
    record = JobRecord(name=name, arguments=list(arguments), actor_id=actor.id, status="queued")
    db.session.add(record)
    db.session.commit()
    _enqueue(record.id)
    return record


def _enqueue(job_id: int) -> None:
    try:
        current_app.extensions["iisg_jobs"][RUN_TRACKED](job_id)
    except Exception as error:  # the queue's own errors: Redis down, a locked file
        log.warning("job_not_queued", job_id=job_id, error=str(error).splitlines()[0])


def progress_of(job_id: int) -> tuple[int, int | None] | None:
    """Return (done, total) a running job last reported, if any (None: unknown now)."""
    try:
        reported = queue().get(f"job-progress:{job_id}", peek=True)
    except Exception as error:  # the queue's own errors: Redis down, a locked file
        # The job's page still shows what the database knows: its status and result.
        log.warning("job_progress_unknown", job_id=job_id, error=str(error).splitlines()[0])
        return None
    return tuple(reported[:2]) if reported else None


def _alive(job_id: int, now, lease: timedelta) -> bool:
    # A running job reports progress; each report is a sign of life.
    reported = queue().get(f"job-progress:{job_id}", peek=True)
    return bool(reported) and now.timestamp() - reported[2] < lease.total_seconds()


def _tracked_runner(app: Flask) -> Callable:
    def run(job_id: int):
        return contextvars.copy_context().run(_run_tracked, app, job_id)

    run.__name__ = RUN_TRACKED
    return run


def _run_tracked(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            identity.act_as_system(f"worker: job {job_id}")
            record = _claim(job_id)
            if record is None:
                return
            declared = JOBS.get(record.name)
            store = queue()

            def progress(done: int, total: int | None = None) -> None:
                store.put(f"job-progress:{job_id}", [done, total, utc_now().timestamp()])

            progress(0)
            try:
                if declared is None:
                    raise LookupError(f"no job is named {record.name}")
                _act(record.name, record.actor_id)
                _RUNNING.set(job_id)
                told = declared.function(*record.arguments, progress=progress)
                outcome = ("succeeded", str(told or "Done."))
            except DomainError as error:
                db.session.rollback()
                outcome = ("failed", error.message)
            except Exception:
                db.session.rollback()
                log.exception("job_failed", job_id=job_id, job=record.name)
                outcome = (
                    "failed",
                    "The job stopped on an unexpected error. Nothing it was doing was kept;"
                    " the administrators have the details in the log.",
                )
            identity.act_as_system(f"worker: job {job_id}")
            record = db.session.get(JobRecord, job_id)
            record.status, record.message = outcome
            record.finished_at = utc_now()
            reported = progress_of(job_id)
            if reported:
                record.done, record.total = reported
            db.session.commit()
            store.delete(f"job-progress:{job_id}")
        finally:
            identity.forget()


def _claim(job_id: int) -> JobRecord | None:
    """Mark the job running for this worker, unless another runs it or it has ended."""
    now = utc_now()
    lease = timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])
    record = db.session.get(JobRecord, job_id, with_for_update=True)
    if record is None or record.finished:
        db.session.rollback()
        return None
    if record.status == "running" and (record.lease_until > now or _alive(job_id, now, lease)):
        db.session.rollback()
        return None
    record.status, record.attempts = "running", record.attempts + 1
    record.started_at = record.started_at or now
    record.lease_until = now + lease
    db.session.commit()
    return record


# --- The queue ----------------------------------------------------------------------


class _SqliteQueue(SqliteStorage):
    """huey's SQLite storage, opened (its folder and tables made) when first used.

    Not when the app is made: every command and every web process makes one, and most
    never touch the queue; a start-up problem (the database, a setting) must be told in
    one line, not hidden behind a queue file that cannot be opened.
    """

    def __init__(self, *arguments, **keywords):
        super().__init__(*arguments, create_tables=False, **keywords)

    def _create_connection(self):
        Path(self.filename).parent.mkdir(parents=True, exist_ok=True)
        connection = super()._create_connection()
        for statement in self.ddl:
            connection.execute(statement)
        return connection


def make_queue(config: dict, instance_path: str) -> Huey:
    """Return the queue the configuration names: immediate (tests), Redis, or SQLite."""
    if config.get("QUEUE_IMMEDIATE"):
        # Runs each job as it is submitted, in the caller's thread: for tests.
        return MemoryHuey(QUEUE_NAME, immediate=True)
    if config.get("REDIS_URL"):
        return RedisHuey(QUEUE_NAME, url=config["REDIS_URL"])
    path = config.get("QUEUE_FILE") or str(Path(instance_path) / "queue.sqlite3")
    return SqliteHuey(QUEUE_NAME, filename=path, storage_class=_SqliteQueue)


def init_app(app: Flask) -> None:
    """Give ``app`` its queue, with every job and the schedule registered on it."""
    queue = make_queue(app.config, app.instance_path)
    tasks = {}
    tasks[RUN_TRACKED] = queue.task(name=RUN_TRACKED)(_tracked_runner(app))
    for declared in JOBS.values():
        if declared.tracked:
            continue
        tasks[declared.name] = queue.task(
            name=declared.name, retries=declared.retries, retry_delay=declared.retry_delay
        )(_in_context(app, declared))
    for item in SCHEDULE:
        queue.periodic_task(item.when(app.config), name=f"scheduled_{item.job.name}")(
            _in_context(app, item.job)
        )
    app.extensions["iisg_queue"] = queue
    app.extensions["iisg_jobs"] = tasks


def _in_context(app: Flask, declared: Job) -> Callable:
    def run(*arguments, actor_id: int | None = None, **keywords):
        # A context of its own: who acts, and the application's, end with the job, even
        # when it runs in the thread that submitted it (an immediate queue).
        return contextvars.copy_context().run(_run, *arguments, actor_id=actor_id, **keywords)

    def _run(*arguments, actor_id: int | None, **keywords):
        with app.app_context():
            try:
                _act(declared.name, actor_id)
                return declared.function(*arguments, **keywords)
            except Exception:
                db.session.rollback()
                log.exception("job_failed", job=declared.name)
                raise
            finally:
                identity.forget()

    run.__name__ = declared.name
    run.__doc__ = declared.function.__doc__
    return run


def _act(name: str, actor_id: int | None) -> None:
    """Make the job's actor the one its changes are recorded as: the system, or a user."""
    identity.act_as_system(f"worker: {name}")
    if actor_id is None:
        return
    user = db.session.get(User, actor_id)
    if user is None or not user.active or not user.tenant.active:
        # The user was removed (or disabled) after asking: nobody to act for.
        raise LookupError(f"job {name}: user {actor_id} is no longer active")
    identity.act_as(user, label=f"{user.email} (job {name})")


def queue() -> Huey:
    """Return the current application's queue."""
    return current_app.extensions["iisg_queue"]


def submit(name: str, *arguments, actor: User | None = None):
    """Put job ``name`` on the queue, to run as ``actor`` (None: the system); return its result.

    The result's ``id`` names the run; ``get()`` waits for its value.
    """
    task = current_app.extensions["iisg_jobs"][name]
    return task(*arguments, actor_id=actor.id if actor is not None else None)


def run_worker(app: Flask, workers: int, schedule: bool = True) -> None:
    """Consume the queue, and run the schedule unless told not to, until the process is
    stopped (SIGINT/SIGTERM)."""
    # huey reports through the standard logging module; its lines join the portal's.
    logging.getLogger("huey").setLevel(app.config.get("LOG_LEVEL", "INFO"))
    consumer = app.extensions["iisg_queue"].create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=schedule,
        check_worker_health=True,
        # SIGTERM (docker compose stop, the end of make run) lets running jobs finish;
        # SIGINT (Ctrl+C) stops at once, and the jobs cut short run again.
        graceful_signal="TERM",
    )
    log.info(
        "worker_started",
        workers=workers,
        schedule=schedule,
        queue=type(app.extensions["iisg_queue"]).__name__,
        seal_every_minutes=app.config["AUDIT_SEAL_EVERY_MINUTES"],
        verify_at="{:02d}:{:02d} UTC".format(*app.config["AUDIT_VERIFY_AT"]),
        digests_at="{:02d}:{:02d} UTC".format(*app.config["DIGEST_AT"]),
    )
    consumer.run()
