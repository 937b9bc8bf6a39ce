"""The signed-in user's own account: password, authenticator, recovery codes, sessions."""

from __future__ import annotations

from functools import wraps

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from portal.auth import recovery_codes_page as codes_page
from portal.auth import safe_next
from portal.auth.routes import enrolment_page, throttled
from portal.exceptions import DomainError, NotFound
from portal.models.session import TOKEN_SCOPES
from portal.schemas import parse
from portal.schemas.auth import (
    CodeSchema,
    DigestPreferenceSchema,
    PasswordChangeSchema,
    ReauthenticationSchema,
)
from portal.schemas.forms import load_form
from portal.schemas.tokens import ApiTokenCreateSchema
from portal.security import recovery_codes as code_sealing
from portal.services import accounts, api_tokens, authentication, sessions
from portal.services import digests as digest_service
from portal.views import Confirmation, ask_to_confirm, confirmed

blueprint = Blueprint("account", __name__, url_prefix="/account")


def recent_sign_in_required(view):
    """Send the user to confirm both factors first unless they did so minutes ago."""

    @wraps(view)
    def guarded(*args, **kwargs):
        # Asked here, as the redirect below answers for the view without running it.
        accounts.own_account(g.user_session)
        if not sessions.recently_authenticated(g.user_session):
            return redirect(url_for("account.confirm", next=request.path))
        return view(*args, **kwargs)

    return guarded


@blueprint.get("")
def overview():
    """Show the account and what can be changed."""
    return render_template("account/overview.html", user=accounts.own_account(g.user_session))


# Both pages take the password again, so guessing on them is limited per address as
# sign-in is (failures only), on top of the failures counting towards the lockout.
@blueprint.route("/confirm", methods=["GET", "POST"])
@throttled
def confirm():
    """Ask for the password and a code again before a sensitive change."""
    accounts.own_account(g.user_session)
    next_url = safe_next(request.args.get("next")) or url_for("account.overview")
    if request.method != "POST":  # GET, and HEAD as GET
        return render_template("account/confirm.html", next_url=next_url)
    try:
        values = parse(ReauthenticationSchema(), request.form)
        authentication.reauthenticate(g.user_session, values["password"], values["code"])
    except DomainError as error:
        return render_template("account/confirm.html", next_url=next_url, error=error), 401
    return redirect(next_url)


@blueprint.route("/password", methods=["GET", "POST"])
@throttled
@recent_sign_in_required
def password():
    """Change the password; the user's other sessions end."""
    if request.method != "POST":  # GET, and HEAD as GET
        return render_template("account/password.html")
    try:
        values = parse(PasswordChangeSchema(), request.form)
        accounts.change_password(g.user_session, values["current_password"], values["password"])
    except DomainError as error:
        return render_template("account/password.html", error=error), error.status
    flash("Your password has been changed. Your other sessions have been ended.", "success")
    return redirect(url_for("account.overview"))


@blueprint.route("/2fa", methods=["GET", "POST"])
@recent_sign_in_required
def authenticator():
    """Move the second factor to a new authenticator app."""
    row = g.user_session
    secret = authentication.enrolment_secret(row)
    if request.method == "POST":
        try:
            codes, _token = authentication.confirm_enrolment(
                row, parse(CodeSchema(), request.form)["code"]
            )
        except DomainError as error:
            return enrolment_page(secret, row.user.email, error, re_enrolment=True), error.status
        flash("Your new authenticator app is set up. The old one no longer works.", "success")
        return _show_codes(codes)
    return enrolment_page(secret, row.user.email, re_enrolment=True)


def _replacing_codes() -> Confirmation:
    """Return what making new recovery codes asks: the old ones stop working."""
    return Confirmation(
        question="Make new recovery codes?",
        consequence=(
            "Your current recovery codes stop working at once, used or not. The ten new ones"
            " are shown only once, on the next page: have somewhere safe ready to keep them."
        ),
        button="Make new recovery codes",
        back=url_for("account.overview"),
    )


@blueprint.post("/recovery-codes")
@recent_sign_in_required
def recovery_codes():
    """Replace the recovery codes, once confirmed, and show the new ones once."""
    if not confirmed():
        return ask_to_confirm(_replacing_codes())
    codes = authentication.regenerate_recovery_codes(g.user_session)
    return _show_codes(codes)


DOWNLOAD_NAME = "iisg-recovery-codes.txt"


def _code_holder() -> str:
    """Return whom sealed codes are for: this user, in this session."""
    return codes_page.holder(g.user_session.user_id, g.user_session.id)


def _show_codes(codes: list[str]):
    """Show new recovery codes once, keeping them sealed for a single download."""
    return codes_page.show_codes(codes, _code_holder(), url_for("account.overview"))


@blueprint.post("/recovery-codes/download")
def download_recovery_codes():
    """Send the recovery codes just shown as a text file, once."""
    user = accounts.own_account(g.user_session)
    codes = code_sealing.unseal(
        session.pop(codes_page.SEALED_CODES, ""),
        request.form.get("key", ""),
        _code_holder(),
        codes_page.DOWNLOAD_SECONDS,
    )
    if codes is None:
        raise NotFound(
            "These recovery codes can no longer be downloaded: a set is offered once, for"
            f" {codes_page.DOWNLOAD_SECONDS // 60} minutes after it is made. Copy or print"
            " them from their page, or make new ones."
        )
    text = render_template("account/recovery_codes.txt", codes=codes, email=user.email)
    disposition = f'attachment; filename="{DOWNLOAD_NAME}"'
    return Response(text, mimetype="text/plain", headers={"Content-Disposition": disposition})


@blueprint.get("/sessions")
def session_list():
    """List the user's sessions with where and when they were used."""
    return render_template(
        "account/sessions.html",
        sessions=accounts.live_sessions(g.user_session),
        current_id=g.user_session.id,
    )


def _ending(target) -> Confirmation:
    """Return what ending the session ``target`` asks, describing it as the list does."""
    return Confirmation(
        question="End this session?",
        details=(
            ("Signed in", f"{target.created_at:%d %b %Y %H:%M} UTC"),
            ("Last used", f"{target.last_seen_at:%d %b %Y %H:%M} UTC"),
            ("Address", target.ip_address or ""),
            ("Browser", target.user_agent or ""),
        ),
        consequence=(
            "The browser of this session is signed out at once: whoever uses it must sign in"
            " again with your password and a code."
        ),
        button="End the session",
        back=url_for("account.session_list"),
    )


@blueprint.post("/sessions/<int:session_id>/end")
def end_session(session_id: int):
    """End one of the user's sessions, once confirmed."""
    target = accounts.own_session(g.user_session, session_id)
    if not confirmed():
        return ask_to_confirm(_ending(target))
    accounts.end_session(g.user_session, session_id)
    flash("The session has been ended.", "success")
    return redirect(url_for("account.session_list"))


@blueprint.get("/tokens")
def tokens():
    """List the user's API tokens with their last use."""
    return _tokens_page()


# A new token may only read unless its maker chooses more: least privilege.
DEFAULT_SCOPE = "read"


def _tokens_page(new_secret: str | None = None, error: DomainError | None = None, status=200):
    user = g.user_session.user
    # A refused form keeps the scope chosen, when it was one; a created token's does not.
    posted = request.form.get("scope") if error is not None else None
    page = render_template(
        "account/tokens.html",
        tokens=api_tokens.tokens_of(user),
        new_secret=new_secret,
        error=error,
        chosen_scope=posted if posted in TOKEN_SCOPES else DEFAULT_SCOPE,
    )
    return page, status


@blueprint.post("/tokens")
@recent_sign_in_required
def create_token():
    """Create an API token and show it once."""
    try:
        data = load_form(ApiTokenCreateSchema(), request.form)
        _token, secret = api_tokens.create(g.user_session.user, data, g.user_session)
    except DomainError as error:
        return _tokens_page(error=error, status=error.status)
    return _tokens_page(new_secret=secret)


def _revocation(token) -> Confirmation:
    """Return what revoking ``token`` asks: the scripts using it are refused for good."""
    return Confirmation(
        question=f"Revoke the token “{token.name}”?",
        details=(
            ("Starts with", f"{token.prefix}…"),
            ("May", "read and write" if token.scope == "write" else "only read"),
        ),
        consequence=(
            f"Scripts using the token {token.prefix}… are refused at once. A revoked token"
            " never works again: to call the API again, create a new token."
        ),
        button="Revoke the token",
        back=url_for("account.tokens"),
    )


@blueprint.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    """Revoke one of the user's API tokens, once confirmed."""
    token = api_tokens.own_token(g.user_session.user, token_id)
    if not confirmed():
        return ask_to_confirm(_revocation(token))
    api_tokens.revoke(g.user_session.user, token_id)
    flash("The token has been revoked.", "success")
    return redirect(url_for("account.tokens"))


@blueprint.post("/digests")
def digests():
    """Switch the daily digest mail on or off."""
    try:
        data = load_form(DigestPreferenceSchema(), request.form)
    except DomainError as error:
        page = render_template(
            "account/overview.html",
            user=accounts.own_account(g.user_session),
            digest_error=error.fields.get("digests", error.message),
        )
        return page, error.status
    digest_service.set_digests(g.user_session.user, data["digests"])
    flash("The daily digest is on." if data["digests"] else "The daily digest is off.", "success")
    return redirect(url_for("account.overview"))
