"""Tracked jobs the tests start: one that can be killed part-way, one refused, one broken."""

from __future__ import annotations

import time
from pathlib import Path

from portal import jobs
from portal.exceptions import ValidationFailed
from portal.extensions import db
from portal.models import Need


@jobs.job(tracked=True)
def rename_need_slowly(need_id: int, title: str, folder: str, progress) -> str:
    """Rename a need; on the first attempt, wait (to be killed) before committing."""
    need = db.session.get(Need, need_id)
    need.title = title
    db.session.flush()
    progress(1, 2)
    started = Path(folder) / "started"
    first = not started.exists()
    started.touch()
    if first:
        time.sleep(120)
    db.session.commit()
    progress(2, 2)
    return f"Renamed need {need_id}."


@jobs.job(tracked=True)
def refuse_the_file(progress) -> str:
    """Refuse, as an import refuses a file without rows."""
    raise ValidationFailed("The file has no rows.", {"file": "The file has no rows."})


@jobs.job(tracked=True)
def break_down(progress) -> str:
    """Fail unexpectedly."""
    raise RuntimeError("a secret detail of the failure")
