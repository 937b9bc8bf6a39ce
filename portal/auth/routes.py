"""Sign-in pages: password, second factor, recovery code, enrolment, invitation, sign-out."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from portal.auth import SESSION_KEY, safe_next
from portal.auth import recovery_codes_page as codes_page
from portal.exceptions import DomainError
from portal.extensions import limiter
from portal.schemas import parse
from portal.schemas.auth import (
    LONGEST_EMAIL,
    CodeSchema,
    LoginSchema,
    NewPasswordSchema,
    RecoveryCodeSchema,
)
from portal.security import totp
from portal.services import authentication, sessions, users
from portal.services.authentication import SignInRefused

blueprint = Blueprint("auth", __name__, url_prefix="/auth")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _failed(response) -> bool:
    # Per-address limits count failures only, so colleagues behind one ministry's
    # gateway are not locked out by each other's successful sign-ins.
    return response.status_code >= 400


throttled = limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)


def _client() -> tuple[str, str]:
    return request.remote_addr or "", request.user_agent.string or ""


def _begin(token: str) -> None:
    """Replace whatever the browser held by the new session's token."""
    next_url = session.get("next")
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = token
    if next_url:
        session["next"] = next_url


def _pending_or_restart():
    row = sessions.pending(session.get(SESSION_KEY))
    if row is None:
        flash("Your sign-in expired or was interrupted. Please start again.", "warning")
    return row


def _signed_in(token: str):
    next_url = session.get("next")
    _begin(token)
    session.pop("next", None)
    return redirect(safe_next(next_url) or url_for("main.dashboard"))


@blueprint.route("/login", methods=["GET", "POST"])
@throttled
def login():
    """Check the email address and password, then ask for the second factor."""
    if request.method != "POST":  # GET, and HEAD as GET
        session["next"] = safe_next(request.args.get("next"))
        return render_template("auth/login.html")
    try:
        values = parse(LoginSchema(), request.form)
        row, token = authentication.password_step(values["email"], values["password"], *_client())
    except DomainError as error:
        # Shown again so a typo can be mended, but no longer than any address can be.
        email = request.form.get("email", "")[:LONGEST_EMAIL]
        page = render_template("auth/login.html", error=error, email=email)
        return page, error.status
    _begin(token)
    return redirect(url_for("auth.two_factor" if row.user.enrolled else "auth.setup"))


@blueprint.route("/2fa", methods=["GET", "POST"])
@throttled
def two_factor():
    """Ask for the code from the authenticator app."""
    row = _pending_or_restart()
    if row is None:
        return redirect(url_for("auth.login"))
    if not row.user.enrolled:
        return redirect(url_for("auth.setup"))
    if request.method != "POST":  # GET, and HEAD as GET
        return render_template("auth/two_factor.html")
    try:
        token = authentication.totp_step(row, parse(CodeSchema(), request.form)["code"])
    except SignInRefused:
        return redirect(url_for("auth.login"))
    except DomainError as error:
        return render_template("auth/two_factor.html", error=error), error.status
    return _signed_in(token)


@blueprint.route("/recovery", methods=["GET", "POST"])
@throttled
def recovery():
    """Accept a recovery code instead of the authenticator app."""
    row = _pending_or_restart()
    if row is None or not row.user.enrolled:
        return redirect(url_for("auth.login"))
    if request.method != "POST":  # GET, and HEAD as GET
        return render_template("auth/recovery.html")
    try:
        token = authentication.recovery_step(row, parse(RecoveryCodeSchema(), request.form)["code"])
    except SignInRefused:
        return redirect(url_for("auth.login"))
    except DomainError as error:
        return render_template("auth/recovery.html", error=error), error.status
    return _signed_in(token)


@blueprint.route("/2fa/setup", methods=["GET", "POST"])
@throttled
def setup():
    """Enrol an authenticator app at first sign-in, then show the recovery codes once."""
    row = _pending_or_restart()
    if row is None or row.user.enrolled:
        return redirect(url_for("auth.login"))
    secret = authentication.enrolment_secret(row)
    if request.method == "POST":
        try:
            codes, token = authentication.confirm_enrolment(
                row, parse(CodeSchema(), request.form)["code"]
            )
        except DomainError as error:
            return enrolment_page(secret, row.user.email, error), error.status
        next_url = safe_next(session.get("next")) or url_for("main.dashboard")
        _begin(token)
        # The page of new codes, as the account's: copy, print, or download once.
        return codes_page.show_codes(codes, codes_page.holder(row.user_id, row.id), next_url)
    return enrolment_page(secret, row.user.email)


def enrolment_page(secret: str, email: str, error: DomainError | None = None, **extra):
    """Render the QR code and typed key of ``secret`` for the authenticator app."""
    uri = totp.provisioning_uri(secret, email)
    return render_template(
        "auth/setup.html", secret=secret, qr_code=totp.qr_code_svg(uri), error=error, **extra
    )


@blueprint.route("/invite/<token>", methods=["GET", "POST"])
@throttled
def invitation(token: str):
    """Let an invited user choose a password, then go on to enrol 2FA."""
    try:
        invited = users.find_invitation(token)
        if request.method != "POST":  # GET, and HEAD as GET
            return render_template("auth/invitation.html", user=invited.user)
        values = parse(NewPasswordSchema(), request.form)
        _row, session_token = users.accept_invitation(token, values["password"], *_client())
    except users.InvitationInvalid as error:
        return render_template("auth/invitation.html", error=error, invalid=True), error.status
    except DomainError as error:
        page = render_template("auth/invitation.html", user=invited.user, error=error)
        return page, error.status
    _begin(session_token)
    return redirect(url_for("auth.setup"))


@blueprint.post("/logout")
def logout():
    """End the session on the server and in the browser."""
    row = g.get("user_session") or sessions.find(session.get(SESSION_KEY))
    if row is not None:
        authentication.logout(row)
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))
