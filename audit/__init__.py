"""The audit trail: an append-only, tamper-evident record of every database change.

This package knows nothing of the portal's models. It is given a declaration of which
tables are audited (``audit.declaration``) and provides:

- ``audit.tables``: the tables of the trail (entries, chain links, checkpoints, keys);
- ``audit.triggers``: capture triggers generated for PostgreSQL and SQLite, and the check
  that what is installed is what they generate;
- ``audit.context``: who is acting, set per transaction by the application;
- ``audit.mac``: on SQLite, the MAC that shows the application wrote an entry;
- ``audit.canonical``, ``audit.chain``, ``audit.checkpoints``, ``audit.verify``:
  sealing entries into hash chains, signing checkpoints and verifying both;
- ``audit.export``: a chain, its checkpoints and public keys as JSON lines;
- ``audit.witness``: every checkpoint appended, as it is signed, to a file outside the
  database;
- ``audit.offline``: a verifier for exports that needs only the standard library,
  ``cryptography`` and ``rfc8785``.
"""
