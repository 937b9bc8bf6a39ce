"""The witness file: every checkpoint also written outside the database as it is signed.

Checkpoints kept only in the database can be deleted together with the entries they
cover, by whoever can write the database. A copy appended to a file the database cannot
reach (better still, shipped on to another machine) keeps them: ``iisg audit verify
--trusted-checkpoint WITNESS_FILE`` then makes every chain extend what it once signed.

Each checkpoint is one line, exactly the checkpoint line of an export
(``audit.export.checkpoint_record``), so the file is read like any file of kept
checkpoints. The file is only ever appended to (O_APPEND: several processes may write
it, and each batch is one write), created readable and writable by its owner only, and
forced to disk before the call returns.
"""

from __future__ import annotations

import os

from audit.checkpoints import Checkpoint
from audit.export import checkpoint_record, record_line


def lines(made: list[Checkpoint]) -> bytes:
    """Return the witness lines of ``made``: one export checkpoint line each."""
    return "".join(record_line(checkpoint_record(item)) for item in made).encode("utf-8")


def append(path, made: list[Checkpoint]) -> None:
    """Append ``made`` to the witness file at ``path`` and force them to disk."""
    if not made:
        return
    data = lines(made)
    created = not os.path.exists(path)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        # One write for the whole batch: appends of other processes cannot land between
        # its lines. A short write (a full disk) is finished by further writes.
        while data:
            data = data[os.write(descriptor, data) :]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if created:
        # A new file survives a crash only once its directory entry is on disk too.
        directory = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
