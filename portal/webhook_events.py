"""The events webhooks are told of: what each change in the audit trail is called.

An entry of the trail names its table, the row's key, the operation and the row before
and after; a change of a watched column names the event (a need's status becoming
``submitted`` is ``need.submitted``), any other change is ``<record>.updated``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from portal.models import Cycle, Need, Response, SupportLink

# What each audited table's changes are called, and the column whose change names them.
_KINDS = {
    "needs": ("need", "status", ("submitted", "returned", "validated", "withdrawn", "adopted")),
    "responses": ("response", "record_status", ("published", "unpublished")),
    # A link withdrawn is deleted: link.deleted.
    "support_links": ("link", "status", ("confirmed", "disputed", "validated")),
    "cycles": ("cycle", "status", ("open", "consolidation", "adopted", "archived")),
}
_CREATED = {"need": "created", "response": "created", "link": "proposed", "cycle": "created"}
MODELS = {"needs": Need, "responses": Response, "support_links": SupportLink, "cycles": Cycle}
_API_PATHS = {"need": "needs", "response": "responses", "link": "links", "cycle": "cycles"}

EVENT_NAMES = tuple(
    sorted(
        {
            f"{noun}.{verb}"
            for noun, _column, verbs in _KINDS.values()
            for verb in (*verbs, _CREATED[noun], "updated", "deleted")
            # Cycles are never deleted.
            if (noun, verb) != ("cycle", "deleted")
        }
    )
)


@dataclass(frozen=True)
class Event:
    """A change of a record, as a webhook is told of it."""

    event_id: str
    name: str
    table: str
    key: int
    occurred_at: datetime
    old: dict
    new: dict

    def payload(self) -> dict:
        noun = self.name.partition(".")[0]
        record = {"type": noun, "id": self.key}
        if self.name.rpartition(".")[2] != "deleted":
            base = current_app.config["BASE_URL"]
            record["url"] = f"{base}/api/v1/{_API_PATHS[noun]}/{self.key}"
        return {
            "id": self.event_id,
            "event": self.name,
            "occurred_at": self.occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "record": record,
        }


def event_of(chain_id: int, position: int, entry, occurred_at: datetime) -> Event | None:
    """Return the event an entry of the trail makes, or None (a table nobody is told of)."""
    if entry.table_name not in _KINDS or entry.operation not in ("I", "U", "D"):
        return None
    noun, column, verbs = _KINDS[entry.table_name]
    old, new = entry.old_row or {}, entry.new_row or {}
    if entry.operation == "I":
        verb = _CREATED[noun]
    elif entry.operation == "D":
        verb = "deleted"
    else:
        verb = "updated"
        if old.get(column) != new.get(column):
            changed = new.get(column)
            if noun == "response":
                changed = "published" if changed == "published" else "unpublished"
            verb = changed if changed in verbs else "updated"
    return Event(
        f"{chain_id}:{position}",
        f"{noun}.{verb}",
        entry.table_name,
        int(entry.row_key),
        occurred_at,
        old,
        new,
    )
