"""The IISG Database portal: an application factory and nothing else at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import authz
from portal.config import Config, StartupError, TestConfig
from portal.database import batch_inserts, check_database, prepare_database
from portal.errors import register_error_handlers
from portal.extensions import bootstrap, csrf, db, limiter, migrate
from portal.limits import allow_uploads, register_limits
from portal.logging import configure_logging, instrument
from portal.models.reference import KOSOVO_FOOTNOTE

PROJECT_ROOT = Path(__file__).resolve().parent.parent

__all__ = ["PROJECT_ROOT", "StartupError", "create_app"]


def _navigation() -> dict:
    """Tell the layout which sections to offer; templates never decide access themselves."""
    from portal.authz import can_import_records, can_open_administration, can_read_audit_trail
    from portal.identity import current_principal

    principal = current_principal()
    return {
        "show_administration": principal is not None and can_open_administration(principal),
        "show_audit_trail": principal is not None and can_read_audit_trail(principal),
        "show_imports": any(can_import_records(principal, kind) for kind in ("needs", "links")),
    }


class Portal(Flask):
    """Flask, telling the authorisation check when a request reaches its view."""

    def dispatch_request(self):
        """Note that the view is about to run, then run it."""
        rule = request.url_rule
        # Routing errors and the OPTIONS answers Flask makes itself from the URL map never
        # reach a view of the portal.
        automatic_options = request.method == "OPTIONS" and getattr(
            rule, "provide_automatic_options", False
        )
        if request.routing_exception is None and not automatic_options:
            authz.view_starts()
        return super().dispatch_request()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the portal; ``config`` replaces the environment (tests pass their settings)."""
    app = Portal(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    if config is None:
        settings = Config.from_environment(os.environ, app.instance_path)
    else:
        settings = TestConfig.build(config)
    app.config.update(settings)

    configure_logging(app.config["LOG_LEVEL"])
    if app.config["TRUSTED_PROXIES"]:
        # Client addresses (for sign-in limits and session lists) come from the
        # X-Forwarded-For header only as far as the configured proxies vouch for it.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    prepare_database(app)
    db.init_app(app)
    batch_inserts(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    bootstrap.init_app(app)
    # A file to import may be larger than a form: its limit is raised before the CSRF
    # check reads the form.
    app.before_request(allow_uploads)
    csrf.init_app(app)

    # identity tells each transaction who acts; auditing registers SQLite's audit
    # functions; tenancy scopes every query; need_codes gives every new need its code.
    from portal import auditing, cli, identity, jobs, need_codes, tenancy  # noqa: F401
    from portal.account.routes import blueprint as account_blueprint
    from portal.admin.routes import blueprint as admin_blueprint
    from portal.analysis.routes import blueprint as analysis_blueprint
    from portal.api import register_api
    from portal.audit_views.routes import blueprint as audit_blueprint
    from portal.auth import register_sign_in
    from portal.auth.routes import blueprint as auth_blueprint
    from portal.help.routes import blueprint as help_blueprint
    from portal.imports.routes import blueprint as imports_blueprint
    from portal.main.routes import blueprint as main_blueprint
    from portal.needs.routes import blueprint as needs_blueprint
    from portal.public.routes import blueprint as public_blueprint
    from portal.reports.routes import blueprint as reports_blueprint
    from portal.responses.routes import blueprint as responses_blueprint
    from portal.search.routes import blueprint as search_blueprint
    from portal.security.headers import register_security_headers
    from portal.versions import opened_token

    # Request ids first, so every later hook and log line carries one; then the limit of
    # addresses, before the sign-in redirect would carry a long one along. Rate limits
    # come after the request starts as the system and before the sign-in gate: the API
    # counts a token's calls by the token (portal.api.core), which its key finds by
    # signing the token in, and calls without one by their address, before the gate
    # answers them 401.
    instrument(app)
    register_limits(app)
    auditing.register_auditing(app)
    limiter.init_app(app)
    register_sign_in(app)
    register_security_headers(app)
    authz.register_authorisation_check(app)
    for blueprint in (
        main_blueprint,
        auth_blueprint,
        account_blueprint,
        admin_blueprint,
        audit_blueprint,
        analysis_blueprint,
        needs_blueprint,
        responses_blueprint,
        imports_blueprint,
        reports_blueprint,
        public_blueprint,
        help_blueprint,
        search_blueprint,
    ):
        app.register_blueprint(blueprint)
    register_api(app)
    app.context_processor(_navigation)
    register_error_handlers(app)
    app.context_processor(lambda: {"kosovo_footnote": KOSOVO_FOOTNOTE})
    # The forms of versioned records carry how the record read (macros.html, version_fields).
    app.add_template_global(opened_token)
    cli.register(app)
    jobs.init_app(app)

    if app.config["CHECK_DATABASE_ON_START"]:
        check_database(app)
    return app
