"""Counting the SQL statements an action sends, to prove it sends a constant number."""

from __future__ import annotations

from sqlalchemy import event


def count_statements(engine, action) -> int:
    """Return how many statements ``engine`` executed while ``action()`` ran."""
    statements = []

    def record(*_arguments):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)
