"""Sign-in: who the current user is, and the rule that every page but a few needs one."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_login import current_user

from portal.errors import API_DESCRIPTIONS, error_response, wants_json
from portal.extensions import login_manager
from portal.identity import LONGEST_LABEL, act_as
from portal.limits import LONGEST_NEXT
from portal.services import api_tokens, authentication, sessions

SESSION_KEY = "sid"
# Reachable without signing in: the sign-in pages themselves, health checks, assets, and
# the published editions of the reports (the public page).
PUBLIC_ENDPOINTS = frozenset(
    {
        "main.healthz",
        "main.readyz",
        "main.favicon",
        "static",
        "bootstrap.static",
        "public.index",
        "public.edition",
        "public.signature",
    }
)


@login_manager.request_loader
def _load_signed_in_user(request):
    # The API takes bearer tokens; pages take the session cookie. Neither stands in for
    # the other, so a token cannot drive a form and a cookie alone cannot call the API.
    # Only the API's descriptions, which read no records, are also shown to a signed-in
    # browser.
    by_token = request.path not in API_DESCRIPTIONS or "Authorization" in request.headers
    if request.path.startswith("/api/") and by_token:
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        token = api_tokens.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            return None
        g.api_token = token
        act_as(token.user, kind="api_token", label=token_label(token))
        return token.user
    row = sessions.authenticated(session.get(SESSION_KEY))
    if row is None:
        return None
    g.user_session = row
    act_as(row.user)
    return row.user


def token_label(token) -> str:
    """Return how the audit trail names a change made with ``token``: its user, id and name.

    The trail keeps ``LONGEST_LABEL`` characters; when the address and the name are longer
    together, the name is shortened first and then the address, so the token's id stays.
    """
    email, marker, name = token.user.email, f"API token {token.id}", token.name
    label = f"{email} ({marker}: {name})"
    if len(label) <= LONGEST_LABEL:
        return label
    room = LONGEST_LABEL - len(f"{email} ({marker}: …)")
    if room > 0:
        return f"{email} ({marker}: {name[:room]}…)"
    return f"{email[: LONGEST_LABEL - len(f'… ({marker})')]}… ({marker})"


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, else None (no open redirects).

    A path longer than ``LONGEST_NEXT`` is None too, so the default page is used: it
    would be carried through the sign-in redirect, the session cookie and a form.
    """
    if not target or len(target) > LONGEST_NEXT:
        return None
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(character) < 32 for character in target):
        return None
    return target


def _require_sign_in():
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS or endpoint.startswith("auth."):
        return None
    if current_user.is_authenticated:
        if current_user.recovery_code_used_at is not None:
            flash(
                "A recovery code was used to sign in to your account. If that was not you, "
                "tell your administrator and change your password now.",
                "warning",
            )
            authentication.acknowledge_recovery_code_use(current_user)
        return None
    if request.path.startswith("/api/") and wants_json():
        return error_response(
            401,
            "unauthorised",
            "Send a valid API token: Authorization: Bearer <token>. Create one on your "
            "account page; a token that expired or was revoked no longer works.",
            {"Authorization": "Missing, unknown, expired or revoked token."},
        )
    if wants_json():
        return error_response(401, "unauthorised", "Sign in to use this page.")
    return redirect(url_for("auth.login", next=safe_next(request.full_path.rstrip("?"))))


def register_sign_in(app: Flask) -> None:
    """Attach flask-login and require a complete sign-in on every non-public page."""
    login_manager.init_app(app)
    # Sessions are tracked server-side (portal.services.sessions); flask-login's own
    # session protection and remember-me cookie are not used.
    login_manager.session_protection = None
    # Each request starts as the system (portal.auditing) and becomes its user here.
    app.before_request(_require_sign_in)
