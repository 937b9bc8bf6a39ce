"""Alembic environment: migrations run against the app's configured database."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from audit import tables as audit_tables
from portal import db_identity
from portal.auditing import authenticate_entries

config = context.config
if config.config_file_name is not None:
    # Keep the app's loggers alive: alembic's defaults would silence them.
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_extension = current_app.extensions["migrate"]
# The portal's tables and the audit trail's, which live in their own metadata.
target_metadata = [migrate_extension.db.metadata, audit_tables.metadata]


def run_migrations_offline() -> None:
    """Emit the migration SQL for the configured URL without connecting."""
    context.configure(
        url=migrate_extension.db.engine.url.render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _store_identity_key(connection) -> None:
    # The key the database checks the portal's identity signatures with follows the
    # secret key, and strict mode the configuration, as of the last upgrade run by the
    # schema owner (docs/security.md).
    if not db_identity.may_store(connection):
        logger.warning(
            "Not the schema owner: the identity key and strict mode were left as they are"
            " (set IISG_MIGRATION_DATABASE_URL to the owner's URL to update them)."
        )
        return
    db_identity.store(
        connection,
        db_identity.key_of(current_app.config),
        strict=bool(current_app.config.get("AUDIT_STRICT")),
    )


def run_migrations_online() -> None:
    """Run migrations on a connection from the app's engine."""

    def skip_empty_autogenerate(context, revision, directives):
        # An autogenerate run that finds no change writes no empty revision file.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    # Flask-Migrate's arguments compare column types and use batch mode, which SQLite
    # needs to alter tables (it copies them) and PostgreSQL ignores.
    options = dict(migrate_extension.configure_args)
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    # The owner-only secrets of PostgreSQL are created by SQL, not by a model.
    options.setdefault("include_object", db_identity.include_object)
    # Migrations run as the role that owns the schema, which the app itself need not be.
    url = current_app.config["MIGRATION_DATABASE_URI"]
    engine = migrate_extension.db.engine
    if url != current_app.config["SQLALCHEMY_DATABASE_URI"]:
        engine = create_engine(url, poolclass=NullPool)
        # On SQLite the entries a migration writes carry MACs like the portal's own.
        authenticate_entries(engine, current_app.config["SECRET_KEY"])
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            **options,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Migrations act as the system: row-level security must not hide rows
                # from a data migration (the setting ends with the transaction).
                connection.exec_driver_sql("SELECT set_config('iisg.mode', 'system', true)")
            context.run_migrations()
            if db_identity.installed(connection):
                _store_identity_key(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
