"""The ``iisg`` command: Flask's commands plus one group per noun."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask, current_app, has_app_context
from flask.cli import FlaskGroup
from sqlalchemy.exc import OperationalError

from portal.config import StartupError, generate_production_keys
from portal.database import database_busy
from portal.exceptions import DomainError, ValidationFailed


def _create_app() -> Flask:
    from portal import create_app

    return create_app()


class PortalGroup(FlaskGroup):
    """The ``iisg`` group: every command run through it ends a busy database the same way."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except OperationalError as error:
            # Another process (the web app sealing, a second command) held SQLite's
            # write lock for longer than the busy timeout: nothing is broken, so one line
            # and a retry beat a traceback.
            if not database_busy(error):
                raise
            seconds = (
                current_app.config.get("SQLITE_BUSY_TIMEOUT_SECONDS") if has_app_context() else None
            )
            waited = f" for {seconds} s" if seconds else ""
            raise click.ClickException(
                f"the database is busy: another process kept it locked{waited}. Try again, "
                "or wait longer with IISG_SQLITE_BUSY_TIMEOUT_SECONDS."
            ) from None


cli = PortalGroup(
    name="iisg",
    create_app=_create_app,
    help="Manage the IISG Database portal.",
)


# A plain click group: generating keys must work before the portal can start.
@cli.group(cls=click.Group)
def keys():
    """Generate the keys a production installation needs."""


@keys.command("generate")
def keys_generate():
    """Print a fresh set of keys as environment variable assignments."""
    for name, value in generate_production_keys().items():
        click.echo(f"{name}={value}")


demo = click.Group("demo", help="Demonstration data.")


@demo.command("load")
@click.option("--if-empty", is_flag=True, help="Load only when the database holds no tenants.")
def demo_load(if_empty: bool):
    """Load the demonstration tenants, users, cycles, needs, responses and links."""
    from portal.database import schema_problem
    from portal.demo.loader import load_demo

    problem = schema_problem(current_app.extensions["migrate"].directory)
    if problem:
        raise click.ClickException(f"{problem}; run 'iisg db upgrade' first")
    report = load_demo(if_empty=if_empty)
    click.echo(report.describe())
    # What the load recorded in the audit trail is sealed and signed at once, so the
    # chains shown to auditors start complete.
    from portal.audit_trail import make_checkpoints

    signed = make_checkpoints()
    if signed:
        click.echo(f"Audit trail: sealed and signed {len(signed)} chain(s).")


@demo.command("accounts")
def demo_accounts():
    """List the demo users and the password they sign in with."""
    from portal.demo.loader import DEMO_PASSWORD, demo_accounts

    accounts = demo_accounts()
    if not accounts:
        click.echo("No demo users in this database.")
        return
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, tenant, roles in accounts:
        click.echo(f"  {email:<32} {tenant:<9} {', '.join(roles)}")
    click.echo(
        "Sign in at /auth/login; at first sign-in scan the QR code with an authenticator app "
        "(or type the key shown) and keep the recovery codes."
    )


users = click.Group("users", help="People who sign in.")


def _refusal(error: DomainError) -> click.ClickException:
    details = "; ".join(f"{field}: {reason}" for field, reason in error.fields.items())
    return click.ClickException(f"{error.message} {details}".strip())


@users.command("create")
@click.argument("email")
@click.option("--tenant", required=True, help="Code of the user's organisation.")
@click.option("--role", "roles", multiple=True, required=True, help="Repeat for several roles.")
@click.option("--name", help="Full name (defaults to the part of the address before @).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(email, tenant, roles, name, password_stdin):
    """Create a user with a password, or print a one-time invitation link."""
    from portal.schemas import parse
    from portal.schemas.users import UserCreateSchema
    from portal.services.users import create_user

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    values = {"email": email, "tenant": tenant, "roles": list(roles), "name": name}
    try:
        created = create_user(parse(UserCreateSchema(), values), password=password)
    except DomainError as error:
        raise _refusal(error) from None
    click.echo(f"Created {created.user.email} ({created.user.tenant.code}: {', '.join(roles)}).")
    if created.mailed:
        click.echo("The invitation link was mailed to the user.")
    elif created.invitation_link:
        hours = current_app.config["INVITATION_SECONDS"] // 3600
        click.echo(f"Send the user this one-time link (valid {hours} hours):")
        click.echo(created.invitation_link)


def _user_command(action, done: str):
    def run(email):
        try:
            user = action(email)
        except DomainError as error:
            raise _refusal(error) from None
        click.echo(done.format(email=user.email))

    return run


@users.command("reset-2fa")
@click.argument("email")
def users_reset_2fa(email):
    """Forget a user's authenticator and recovery codes; they enrol again at next sign-in."""
    from portal.services.users import reset_second_factor

    _user_command(reset_second_factor, "{email} enrols a new authenticator at next sign-in.")(email)


@users.command("disable")
@click.argument("email")
def users_disable(email):
    """Stop a user from signing in and end their sessions."""
    from portal.services.users import set_active

    _user_command(lambda e: set_active(e, False), "{email} is disabled.")(email)


@users.command("enable")
@click.argument("email")
def users_enable(email):
    """Let a disabled user sign in again."""
    from portal.services.users import set_active

    _user_command(lambda e: set_active(e, True), "{email} can sign in again.")(email)


@users.command("list")
@click.option("--tenant", "tenant_code", help="Only the users of this organisation.")
@click.option("--search", default="", help="Part of an email address or name.")
def users_list(tenant_code, search):
    """List users with their organisation, roles and state."""
    from portal.services.tenants import find_tenant
    from portal.services.users import list_users

    try:
        tenant = find_tenant(tenant_code) if tenant_code else None
        page = list_users(tenant, search, per_page=100)
    except DomainError as error:
        raise _refusal(error) from None
    for user in _all_pages(lambda number: list_users(tenant, search, number, 100), page):
        state = "active" if user.active else "disabled"
        enrolled = "2FA" if user.enrolled else "no 2FA yet"
        click.echo(
            f"{user.email:<36} {user.tenant.code:<10} {', '.join(sorted(user.roles)):<24} "
            f"{state}, {enrolled}"
        )


def _all_pages(fetch, first):
    page = first
    while True:
        yield from page.items
        if not page.has_next:
            return
        page = fetch(page.number + 1)


tenants = click.Group("tenants", help="Organisations: partners, members, the Secretariat.")


@tenants.command("create")
@click.argument("code")
@click.option("--name", required=True, help="Full name of the organisation.")
@click.option("--kind", required=True, type=click.Choice(["partner", "member", "secretariat"]))
@click.option("--economy", help="For partners: AL, BA, XK, ME, MK, RS or REG.")
def tenants_create(code, name, kind, economy):
    """Create an organisation."""
    from portal.schemas import parse
    from portal.schemas.tenants import TenantCreateSchema
    from portal.services.tenants import create_tenant

    values = {"code": code, "name": name, "kind": kind, "economy": economy}
    try:
        tenant = create_tenant(parse(TenantCreateSchema(), values))
    except DomainError as error:
        raise _refusal(error) from None
    click.echo(f"Created {tenant.code}: {tenant.name} ({tenant.kind}).")


@tenants.command("list")
@click.option("--search", default="", help="Part of a code or name.")
def tenants_list(search):
    """List organisations."""
    from portal.services.tenants import list_tenants

    first = list_tenants(search, per_page=100)
    for tenant in _all_pages(lambda number: list_tenants(search, number, 100), first):
        economy = tenant.economy.code if tenant.economy else "-"
        state = "active" if tenant.active else "deactivated"
        click.echo(f"{tenant.code:<10} {tenant.kind:<12} {economy:<4} {state:<12} {tenant.name}")


def _set_tenant_active(code: str, active: bool) -> None:
    from portal.services.tenants import find_tenant, set_tenant_active

    try:
        tenant = find_tenant(code)
        ended = set_tenant_active(tenant, active)
    except DomainError as error:
        raise _refusal(error) from None
    if active:
        click.echo(f"{tenant.code} is active again.")
    else:
        click.echo(f"{tenant.code} is deactivated; {ended} session(s) ended.")


@tenants.command("deactivate")
@click.argument("code")
def tenants_deactivate(code):
    """Deactivate an organisation: its users can no longer sign in."""
    _set_tenant_active(code, False)


@tenants.command("activate")
@click.argument("code")
def tenants_activate(code):
    """Let a deactivated organisation's users sign in again."""
    _set_tenant_active(code, True)


tokens = click.Group("tokens", help="API tokens.")


@tokens.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. the script using it.")
@click.option("--days", type=int, default=90, show_default=True, help="Days until it expires.")
@click.option(
    "--scope",
    default="write",
    show_default=True,
    help="read: the token may only read; write: it may also change records.",
)
def tokens_create(email, name, days, scope):
    """Create an API token for a user and print it once."""
    from portal.schemas import parse
    from portal.schemas.tokens import ApiTokenCreateSchema
    from portal.services import api_tokens
    from portal.services.users import find_user

    try:
        user = find_user(email)
        data = parse(ApiTokenCreateSchema(), {"name": name, "days": days, "scope": scope})
        token, secret = api_tokens.create(user, data)
    except DomainError as error:
        raise _refusal(error) from None
    click.echo(
        f"Token {token.name!r} for {email}, scope {token.scope},"
        f" valid until {token.expires_at:%Y-%m-%d}:"
    )
    click.echo(secret)
    click.echo("It is shown only now; store it in your secret store.")


audit = click.Group("audit", help="The tamper-evident audit trail: seal, sign, verify, export.")


def _fail_on_altered_capture() -> None:
    # The work is done and committed; the exit status tells cron that the capture is not
    # what the portal installed, which `iisg audit verify` reports too.
    from portal.audit_trail import capture_problems

    problems = capture_problems()
    for item in problems:
        where = f"{item.trigger} on {item.table}" if item.table else item.trigger
        click.echo(f"capture_trigger_altered: {where}: {item.detail}", err=True)
    if problems:
        raise click.exceptions.Exit(1)


@audit.command("seal")
def audit_seal():
    """Seal every audit entry that can be sealed now, and sign each chain it grew; exit 1
    if the capture was altered."""
    from portal.audit_trail import seal_and_sign

    result, made = seal_and_sign()
    click.echo(f"Sealed {result.total} entries in {len(result.sealed)} chain(s).")
    click.echo(f"Signed {len(made)} checkpoint(s).")
    _fail_on_altered_capture()


@audit.command("checkpoint")
def audit_checkpoint():
    """Seal, then sign every chain that grew; exit 1 if the capture was altered."""
    from portal.audit_trail import make_checkpoints

    made = make_checkpoints()
    for item in made:
        click.echo(
            f"chain {item.chain}: checkpoint {item.sequence} at size {item.size}, key {item.key_id}"
        )
    click.echo(f"Signed {len(made)} checkpoint(s).")
    _fail_on_altered_capture()


class Unverifiable(click.ClickException):
    """Input that verification cannot use (a file, a key, a kept checkpoint): exit 2."""

    exit_code = 2


def _report(report, allow_unsigned: bool) -> None:
    for chain in report.chains:
        click.echo(chain.describe())
    for item in report.capture:
        click.echo(item.describe())
    if report.reconciliation is not None:
        click.echo(report.reconciliation.describe())
    if not report.passes(allow_unsigned):
        raise click.exceptions.Exit(1)


def _trusted_keys(paths) -> dict | None:
    from audit import offline

    if not paths:
        return None
    keys = {}
    for key_path in paths:
        with open(key_path, "rb") as handle:
            keys.update(offline.load_public_keys(handle.read()))
    return keys


def _kept_checkpoints(paths) -> list[dict]:
    from audit import offline

    return [item for path in paths for item in offline.load_checkpoints(path)]


@audit.command("verify")
@click.option("--tenant", "tenant_code", help="Code of the organisation whose chain to check.")
@click.option(
    "--offline",
    "offline_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Verify this export file instead of the database.",
)
@click.option(
    "--public-key",
    "public_keys",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="PEM public key trusted for checkpoints, instead of the keys the database recorded"
    " (needed with --offline; repeat after rotations).",
)
@click.option(
    "--trusted-checkpoint",
    "trusted_checkpoint_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Checkpoints kept earlier (checkpoint lines, an earlier export, or the witness"
    " file IISG_AUDIT_WITNESS_FILE), one per line: each chain must extend its own.",
)
@click.option(
    "--allow-unsigned",
    is_flag=True,
    help="Pass chains whose newest entries no trusted checkpoint covers yet (still shown).",
)
@click.option(
    "--reconcile",
    is_flag=True,
    help="Also compare every row of every audited table with its newest entry; exit 1 if"
    " any changed, appeared or went without an entry (unrecorded_change).",
)
def audit_verify(
    tenant_code, offline_file, public_keys, trusted_checkpoint_files, allow_unsigned, reconcile
):
    """Recompute every hash and check every checkpoint; exit 1 if broken or unsigned.

    With --reconcile, also exit 1 if a row of an audited table changed without an entry.
    """
    if reconcile and (offline_file or tenant_code):
        # Tables hold every organisation's rows, and an export holds no tables.
        raise click.UsageError(
            "--reconcile checks the whole database: without --offline or --tenant"
        )
    if offline_file:
        _verify_offline(offline_file, public_keys, trusted_checkpoint_files, allow_unsigned)
        return
    from portal import audit_trail

    try:
        keys = _trusted_keys(public_keys)
        kept = _kept_checkpoints(trusted_checkpoint_files)
        total = audit_trail.positions_to_verify(tenant_code)
        with click.progressbar(length=total, label="Verifying", file=sys.stderr) as bar:
            report = audit_trail.verify(
                tenant_code, progress=bar.update, trusted_keys=keys, trusted_checkpoints=kept
            )
        if reconcile:
            tables = audit_trail.tables_to_reconcile()
            with click.progressbar(length=tables, label="Reconciling", file=sys.stderr) as bar:
                report.reconciliation = audit_trail.reconcile(progress=bar.update)
    except DomainError as error:
        raise _refusal(error) from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise Unverifiable(f"cannot verify: {error}") from None
    _report(report, allow_unsigned)


def _verify_offline(path: str, public_keys, trusted_checkpoint_files, allow_unsigned) -> None:
    from audit import offline

    if not public_keys:
        raise click.UsageError("--offline needs --public-key FILE (the key kept by the auditor)")
    try:
        keys = _trusted_keys(public_keys)
        kept = _kept_checkpoints(trusted_checkpoint_files)
        entry_start = offline.ENTRY_PREFIX.encode()
        with open(path, "rb") as handle:
            total = sum(1 for line in handle if line.startswith(entry_start))
        with click.progressbar(length=total, label="Verifying", file=sys.stderr) as bar:
            report = offline.verify_export(path, keys, progress=bar.update, trusted=kept)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise Unverifiable(f"cannot verify {path}: {error}") from None
    _report(report, allow_unsigned)


@audit.command("export")
@click.option("--tenant", "tenant_code", help="Organisation code (default: the platform chain).")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, writable=True))
def audit_export(tenant_code, out_path):
    """Write one chain, its checkpoints and public keys to a JSON lines file."""
    from portal.audit_trail import export

    try:
        written = export(tenant_code, out_path)
    except DomainError as error:
        raise _refusal(error) from None
    click.echo(f"Exported {written} entries to {out_path}.")


@audit.command("public-key")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, writable=True))
def audit_public_key(out_path):
    """Write the signing key's public half (PEM) for auditors to keep."""
    from audit.checkpoints import key_id, private_key
    from portal.audit_trail import public_key_pem

    with open(out_path, "wb") as handle:
        handle.write(public_key_pem())
    identifier = key_id(private_key(current_app.config["AUDIT_SIGNING_KEY"]).public_key())
    click.echo(f"Wrote public key {identifier} to {out_path}.")


@click.command("worker")
@click.option(
    "--workers",
    type=click.IntRange(1, 16),
    default=2,
    show_default=True,
    help="Jobs run at the same time (threads).",
)
@click.option(
    "--no-schedule",
    is_flag=True,
    help="Run submitted jobs only: with several workers on one queue, one runs the schedule.",
)
def worker(workers, no_schedule):
    """Run the background jobs and the schedule (sealing, checkpoints, daily verify) until
    stopped with Ctrl+C or SIGTERM."""
    from portal import jobs

    jobs.run_worker(current_app._get_current_object(), workers, schedule=not no_schedule)


@click.command("import")
@click.argument("kind", type=click.Choice(["needs", "responses", "links"]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "email", required=True, help="The user importing: their rights apply.")
@click.option("--apply", "apply_", is_flag=True, help="Write it, when the dry run finds no error.")
@click.option(
    "--encoding",
    type=click.Choice(["utf-8", "windows-1250"]),
    help="A CSV file's text encoding (detected when not given).",
)
@click.option("--pillar", help="An IATI file's pillar for activities whose sectors name none.")
def import_file(kind, path, email, apply_, encoding, pillar):
    """Dry-run a spreadsheet or IATI file as a user, and with --apply write it.

    Every row's outcome is printed; exit status 1 when any row is in error (nothing
    is written then).
    """
    import os

    from portal.identity import act_as, forget
    from portal.services import imports
    from portal.services.users import find_user

    try:
        user = find_user(email)
        act_as(user, label=f"{user.email} (iisg import)")
        with open(path, "rb") as handle:
            content = handle.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
        record = imports.upload(kind, os.path.basename(path), content, encoding, pillar)
        total = imports.row_count(record)
        with click.progressbar(length=total, label="Checking", file=sys.stderr) as bar:
            record = imports.check(record.id, lambda done, _total: bar.update(done - bar.pos))
        _print_outcome(record.outcome)
        if record.outcome["counts"]["error"]:
            raise click.exceptions.Exit(1)
        if not apply_:
            click.echo(f"Dry run only (import {record.id}): run again with --apply to write it.")
            return
        with click.progressbar(length=total, label="Applying", file=sys.stderr) as bar:
            try:
                applied = imports.apply(record.id, lambda done, _: bar.update(done - bar.pos))
            except ValidationFailed:
                # Rows that changed since the dry run: the repeated dry run says which.
                _print_outcome(imports.get_import(record.id).outcome)
                raise
        click.echo(imports.summary(applied) + f" Request id {applied.request_id}.")
    except DomainError as error:
        raise _refusal(error) from None
    finally:
        forget()


def _print_outcome(outcome: dict) -> None:
    for row in outcome["rows"]:
        for problem in row["problems"]:
            value = f" ({problem['value']!r})" if problem["value"] else ""
            click.echo(
                f"row {row['row']}: error in {problem['column']}{value}: {problem['reason']}"
            )
        for warning in row["warnings"]:
            click.echo(f"row {row['row']}: warning: {warning}")
    counts = outcome["counts"]
    click.echo(
        f"{len(outcome['rows'])} rows: {counts['create']} to create, {counts['update']} to"
        f" update, {counts['unchanged']} unchanged, {counts['warning']} with warnings,"
        f" {counts['error']} in error."
    )


report = click.Group("report", help="The reports the IISG publishes, as PDF or HTML files.")


def _report_options(command):
    command = click.option(
        "--out",
        "out_path",
        required=True,
        type=click.Path(dir_okay=False, writable=True),
        help="The file to write: .pdf or .html.",
    )(command)
    command = click.option("--partner", help="Only this partner economy (its code, e.g. AL).")(
        command
    )
    command = click.option("--pillar", help="Only this pillar (its code, e.g. WBCTi).")(command)
    return click.option(
        "--as",
        "email",
        help="Made as this user sees the records; without it, the complete report.",
    )(command)


def _write_report(out_path: str, email: str | None, html_of) -> None:
    """Write the report ``html_of(mode)`` makes to ``out_path``, as PDF or HTML by its name."""
    from portal import documents
    from portal.identity import act_as, forget
    from portal.services.users import find_user

    suffix = os.path.splitext(out_path)[1].lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise click.BadParameter("name a .pdf or an .html file.", param_hint="--out")
    if suffix == ".pdf" and documents.pdf_missing():
        raise click.ClickException(documents.pdf_missing())
    try:
        if email:
            user = find_user(email)
            act_as(user, label=f"{user.email} (iisg report)")
        with current_app.test_request_context():
            if suffix == ".pdf":
                content = documents.pdf_bytes(html_of("pdf"))
            else:
                content = html_of("file").encode("utf-8")
    except DomainError as error:
        raise _refusal(error) from None
    finally:
        forget()
    with open(out_path, "wb") as handle:
        handle.write(content)
    click.echo(f"Wrote {out_path} ({len(content):,} bytes).")


@report.command("needs")
@click.option("--cycle", "cycle_name", required=True, help="The cycle's name, e.g. 2026-2027.")
@_report_options
def report_needs(cycle_name, email, pillar, partner, out_path):
    """Write the needs mapping report of a cycle."""
    from portal.services import analysis, reports

    def html_of(mode):
        cycle = analysis.choose_cycle_named(cycle_name)
        return reports.needs_html(cycle, reports.scope_of(partner, pillar), mode)

    _write_report(out_path, email, html_of)


@report.command("responses")
@click.option("--year", required=True, type=int, help="The year, e.g. 2026.")
@_report_options
def report_responses(year, email, pillar, partner, out_path):
    """Write the response mapping report of a year."""
    from portal.services import reports

    def html_of(mode):
        return reports.responses_html(
            reports.check_year(year), reports.scope_of(partner, pillar), mode
        )

    _write_report(out_path, email, html_of)


@report.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--public-key",
    "key_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The IISG's public key (PEM), as `iisg audit public-key` writes it.",
)
@click.option(
    "--signature",
    "signature_path",
    type=click.Path(dir_okay=False),
    help="The edition's signature file from the public page (default: PATH.sig).",
)
def report_verify(path, key_path, signature_path):
    """Check that a downloaded report is the published edition, byte for byte.

    Reads no database: the file, its signature file and the public key suffice.
    Exit status 0 when intact, 1 when not.
    """
    import json

    from audit import editions
    from audit.offline import load_public_keys

    signature_path = signature_path or f"{path}.sig"
    try:
        with open(signature_path, "rb") as handle:
            signed = json.loads(handle.read(1_000_000))
        if not isinstance(signed, dict):
            raise ValueError("not an object")
    except FileNotFoundError:
        raise click.ClickException(
            f"there is no signature file {signature_path}: download it from the public page"
            " beside the report, or name it with --signature."
        ) from None
    except (ValueError, RecursionError):
        raise click.ClickException(
            f"{signature_path} is not a signature file of the public page."
        ) from None
    try:
        with open(key_path, "rb") as handle:
            keys = load_public_keys(handle.read())
    except ValueError as error:
        raise click.ClickException(f"{key_path}: {error}.") from None
    with open(path, "rb") as handle:
        content = handle.read()
    try:
        digest = editions.verify(content, signed, keys)
    except editions.EditionNotIntact as problem:
        click.echo(f"{path}: NOT the published edition: {problem}.")
        raise click.exceptions.Exit(1) from None
    click.echo(
        f"{path}: intact. It is the {signed['file']} of edition {signed['edition']},"
        f" {signed['title']}, published {signed['published_at']}; SHA-256 {digest},"
        f" signed by key {signed['key_id']}."
    )
    click.echo("Whether it has been withdrawn since, the public page says.")


def register(app: Flask) -> None:
    """Attach the command groups that work on a configured app."""
    app.cli.add_command(worker)
    app.cli.add_command(import_file)
    app.cli.add_command(demo)
    app.cli.add_command(users)
    app.cli.add_command(tokens)
    app.cli.add_command(tenants)
    app.cli.add_command(audit)
    app.cli.add_command(report)


def main() -> None:
    """Run the ``iisg`` command, turning start-up problems into one line and exit status 2."""
    from portal.identity import act_from_command_line

    # Changes made by a command are the system's, run by this account with these words.
    act_from_command_line(" ".join(sys.argv[1:])[:150])
    try:
        cli.main(prog_name="iisg")
    except StartupError as error:
        click.echo(f"iisg: {error}", err=True)
        sys.exit(2)
