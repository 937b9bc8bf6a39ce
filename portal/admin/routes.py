"""Administration: organisations (Secretariat admins) and users (admins, tenant admins)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from portal.authz import (
    can_list_users,
    can_manage_cycles,
    can_manage_reference_data,
    can_manage_tenants,
    can_manage_webhooks,
    can_open_administration,
    require,
)
from portal.exceptions import DomainError
from portal.identity import current_principal
from portal.limits import refill
from portal.models import Tenant
from portal.models.user import ROLES
from portal.schemas import parse
from portal.schemas.cycles import CycleCreateSchema, CycleMoveSchema
from portal.schemas.forms import load_form
from portal.schemas.reference import AcquisChapterSchema, PillarSchema
from portal.schemas.tenants import ListQuerySchema, TenantCreateSchema, TenantRenameSchema
from portal.schemas.users import RolesSchema, UserCreateSchema
from portal.schemas.webhooks import EVENT_CHOICES, WebhookSchema
from portal.services import cycles as cycle_service
from portal.services import reference as reference_service
from portal.services import tenants as tenant_service
from portal.services import users as user_service
from portal.services import webhooks as webhook_service
from portal.views import Confirmation, ask_to_confirm, confirmed

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


@blueprint.before_request
def _administrators_only():
    # Closes the whole section early; each view still asks the policy of what it does.
    require(can_open_administration, current_principal())


def _list_query() -> dict:
    return parse(ListQuerySchema(), request.args)


@blueprint.get("")
def index():
    """Show what the administrator may manage."""
    principal = current_principal()
    require(can_open_administration, principal)
    return render_template(
        "admin/index.html",
        can_manage_tenants=can_manage_tenants(principal),
        can_manage_webhooks=can_manage_webhooks(principal),
    )


@blueprint.get("/tenants")
def tenants(error: DomainError | None = None, status: int = 200):
    """List organisations, searchable and paginated, with the form to add one."""
    economies = tenant_service.partner_economies()  # asks the policy, before the query is loaded
    query = _list_query()
    page = tenant_service.list_tenants(query["q"], query["page"], query["per_page"])
    page_html = render_template(
        "admin/tenants.html",
        page=page,
        query=query,
        economies=economies,
        error=error,
        values=refill(TenantCreateSchema(), request.form) if error else {},
    )
    return page_html, status


@blueprint.post("/tenants")
def create_tenant():
    """Create an organisation."""
    # Asked before the form is loaded, so that a refused form answers someone who may send it.
    require(can_manage_tenants, current_principal())
    try:
        tenant = tenant_service.create_tenant(load_form(TenantCreateSchema(), request.form))
    except DomainError as error:
        return tenants(error=error, status=error.status)
    flash(f"{tenant.code} was created.", "success")
    return redirect(url_for("admin.tenant", tenant_id=tenant.id))


@blueprint.get("/tenants/<tenant_id>")
def tenant(tenant_id, error: DomainError | None = None, status: int = 200):
    """Show an organisation with its users."""
    found = tenant_service.get_tenant(tenant_id)
    members = user_service.list_users(found, per_page=100)
    page_html = render_template("admin/tenant.html", tenant=found, members=members, error=error)
    return page_html, status


@blueprint.post("/tenants/<tenant_id>/name")
def rename_tenant(tenant_id):
    """Rename an organisation."""
    found = tenant_service.get_tenant(tenant_id)
    try:
        tenant_service.rename_tenant(found, load_form(TenantRenameSchema(), request.form)["name"])
    except DomainError as error:
        return tenant(tenant_id, error=error, status=error.status)
    flash("The name was changed.", "success")
    return redirect(url_for("admin.tenant", tenant_id=found.id))


def _deactivation(tenant) -> Confirmation:
    """Return what deactivating ``tenant`` asks: its users are shut out until it is active."""
    return Confirmation(
        question=f"Deactivate {tenant.code}?",
        details=(("Organisation", tenant.name),),
        consequence=(
            f"Deactivating {tenant.name} signs out its users at once, ending every session,"
            " and neither they nor their API tokens get in again until an administrator"
            " activates it again. Its records stay as they are."
        ),
        button="Deactivate the organisation",
        back=url_for("admin.tenant", tenant_id=tenant.id),
    )


@blueprint.post("/tenants/<tenant_id>/active")
def set_tenant_active(tenant_id):
    """Deactivate an organisation (ending its users' sessions), once confirmed; or activate it."""
    found = tenant_service.get_tenant(tenant_id)
    active = request.form.get("active") == "1"
    if not active and not confirmed():
        return ask_to_confirm(_deactivation(found))
    ended = tenant_service.set_tenant_active(found, active)
    flash(
        f"{found.code} is active."
        if active
        else f"{found.code} is deactivated; {ended} session(s) ended.",
        "success",
    )
    return redirect(url_for("admin.tenant", tenant_id=found.id))


@blueprint.get("/users")
def users():
    """List the users the administrator manages, searchable and paginated."""
    scope = _user_scope()
    # Asked before the query is loaded, so that a refused query answers someone who may list.
    require(can_list_users, current_principal(), scope)
    query = _list_query()
    page = user_service.list_users(scope, query["q"], query["page"], query["per_page"])
    return render_template("admin/users.html", page=page, query=query, scope=scope)


def _user_scope() -> Tenant | None:
    """Return the tenant whose users a tenant admin manages; None (all) for admins."""
    principal = current_principal()
    if can_manage_tenants(principal):
        return None
    return tenant_service.own_tenant()


@blueprint.route("/users/new", methods=["GET", "POST"])
def invite_user():
    """Invite a user: they receive a one-time link to choose a password and enrol 2FA."""
    scope = _user_scope()
    choices = {"roles": ROLES, "tenants": tenant_service.assignable_tenants(scope)}
    if request.method != "POST":  # GET, and HEAD as GET
        return render_template("admin/invite.html", choices=choices, values={})
    values = {
        "email": request.form.get("email", ""),
        "name": request.form.get("name") or None,
        "tenant": scope.code if scope else request.form.get("tenant", ""),
        "roles": request.form.getlist("roles"),
    }
    try:
        created = user_service.create_user(parse(UserCreateSchema(), values))
    except DomainError as error:
        shown = refill(UserCreateSchema(), values)
        page = render_template("admin/invite.html", choices=choices, values=shown, error=error)
        return page, error.status
    return render_template("admin/invited.html", created=created)


@blueprint.get("/users/<user_id>")
def user(user_id, error: DomainError | None = None, status: int = 200):
    """Show a user with their roles, state and the actions on them."""
    found = user_service.get_user(user_id)
    page_html = render_template("admin/user.html", person=found, roles=ROLES, error=error)
    return page_html, status


@blueprint.post("/users/<user_id>/roles")
def set_roles(user_id):
    """Replace a user's roles."""
    found = user_service.get_user(user_id)
    try:
        user_service.set_roles(found, load_form(RolesSchema(), request.form)["roles"])
    except DomainError as error:
        return user(user_id, error=error, status=error.status)
    flash("The roles were changed.", "success")
    return redirect(url_for("admin.user", user_id=found.id))


def _about(person, question: str, consequence: str, button: str) -> Confirmation:
    """Return what an action on a user asks, naming them."""
    return Confirmation(
        question=question,
        details=(("Email", person.email), ("Organisation", person.tenant.name)),
        consequence=consequence,
        button=button,
        back=url_for("admin.user", user_id=person.id),
    )


def _disabling(person) -> Confirmation:
    return _about(
        person,
        f"Disable {person.name}?",
        f"Disabling {person.email} ends their sessions at once: they cannot sign in, nor use"
        " their API tokens, until they are enabled again. Their records and history stay.",
        "Disable the user",
    )


def _reset(person) -> Confirmation:
    return _about(
        person,
        f"Reset the authenticator of {person.name}?",
        f"{person.email} loses their authenticator app and recovery codes at once, for good:"
        " the old app and codes stop working, their sessions end, and they set up a new"
        " authenticator at their next sign-in.",
        "Reset the authenticator",
    )


def _ending(person) -> Confirmation:
    return _about(
        person,
        f"End every session of {person.name}?",
        f"{person.email} is signed out of every browser at once and must sign in again with"
        " password and code. Their API tokens keep working.",
        "End all sessions",
    )


@blueprint.post("/users/<user_id>/active")
def set_user_active(user_id):
    """Disable a user (ending their sessions), once confirmed; or enable them again."""
    found = user_service.get_managed_user(user_id)
    active = request.form.get("active") == "1"
    if not active and not confirmed():
        return ask_to_confirm(_disabling(found))
    user_service.set_active(found.email, active)
    flash("The user can sign in again." if active else "The user is disabled.", "success")
    return redirect(url_for("admin.user", user_id=found.id))


@blueprint.post("/users/<user_id>/reset-2fa")
def reset_second_factor(user_id):
    """Forget a user's authenticator, once confirmed; they enrol again at their next sign-in."""
    found = user_service.get_managed_user(user_id)
    if not confirmed():
        return ask_to_confirm(_reset(found))
    user_service.reset_second_factor(found.email)
    flash("The user will set up a new authenticator at their next sign-in.", "success")
    return redirect(url_for("admin.user", user_id=found.id))


@blueprint.post("/users/<user_id>/end-sessions")
def end_sessions(user_id):
    """End every session of a user, once confirmed."""
    found = user_service.get_managed_user(user_id)
    if not confirmed():
        return ask_to_confirm(_ending(found))
    ended = user_service.end_sessions(found)
    flash(f"{ended} session(s) ended.", "success")
    return redirect(url_for("admin.user", user_id=found.id))


@blueprint.get("/reference")
def reference(
    error: DomainError | None = None,
    failed: str | None = None,
    status: int = 200,
    values: dict | None = None,
):
    """Show the pillars and acquis chapters with forms to add and change them."""
    require(can_manage_reference_data, current_principal())
    page = render_template(
        "admin/reference.html",
        pillars=reference_service.pillars(),
        chapters=reference_service.acquis_chapters(),
        error=error,
        failed=failed,
        values=values or {},
    )
    return page, status


def _saved(save, schema, form_name: str, message: str):
    """Load the posted form with ``schema`` and ``save`` it; a refusal shows the lists again."""
    # Asked before the form is loaded, so that a refused form answers someone who may send it.
    require(can_manage_reference_data, current_principal())
    try:
        save(load_form(schema, request.form))
    except DomainError as error:
        values = refill(schema, request.form)
        return reference(error=error, failed=form_name, status=error.status, values=values)
    flash(message, "success")
    return redirect(url_for("admin.reference"))


@blueprint.post("/pillars")
def create_pillar():
    """Add a pillar."""
    return _saved(
        reference_service.save_pillar, PillarSchema(), "new-pillar", "The pillar was added."
    )


@blueprint.post("/pillars/<pillar_id>")
def update_pillar(pillar_id):
    """Change a pillar's code, name or description."""
    pillar = reference_service.get_pillar(pillar_id)
    return _saved(
        lambda data: reference_service.save_pillar(data, pillar),
        PillarSchema(),
        f"pillar-{pillar.id}",
        "The pillar was changed.",
    )


@blueprint.post("/acquis-chapters")
def create_acquis_chapter():
    """Add an acquis chapter."""
    return _saved(
        reference_service.save_acquis_chapter,
        AcquisChapterSchema(),
        "new-chapter",
        "The chapter was added.",
    )


@blueprint.post("/acquis-chapters/<chapter_id>")
def update_acquis_chapter(chapter_id):
    """Change an acquis chapter's number or title."""
    chapter = reference_service.get_acquis_chapter(chapter_id)
    return _saved(
        lambda data: reference_service.save_acquis_chapter(data, chapter),
        AcquisChapterSchema(),
        f"chapter-{chapter.id}",
        "The chapter was changed.",
    )


@blueprint.get("/cycles")
def cycles(error: DomainError | None = None, failed: int | None = None, status: int = 200):
    """List the needs mapping cycles, with the forms to move them on and to open a new one."""
    require(can_manage_cycles, current_principal())
    # After a refusal, the form that was sent: a cycle's move (``failed``) or a new cycle.
    sent = CycleCreateSchema() if failed is None else CycleMoveSchema()
    page = render_template(
        "admin/cycles.html",
        cycles=cycle_service.list_cycles(),
        next_status=cycle_service.NEXT_STATUS,
        error=error,
        failed=failed,
        values=refill(sent, request.form) if error else {},
    )
    return page, status


@blueprint.post("/cycles")
def open_cycle():
    """Open a new needs mapping cycle."""
    try:
        cycle = cycle_service.open_cycle(load_form(CycleCreateSchema(), request.form))
    except DomainError as error:
        return cycles(error=error, status=error.status)
    flash(f"Cycle {cycle.name} is open.", "success")
    return redirect(url_for("admin.cycles"))


@blueprint.post("/cycles/<cycle_id>/status")
def move_cycle(cycle_id):
    """Move a cycle on: to consolidation, to adopted (by the Board), or to the archive."""
    require(can_manage_cycles, current_principal())
    cycle = cycle_service.get_cycle(cycle_id)
    try:
        cycle_service.move_cycle(cycle, load_form(CycleMoveSchema(), request.form))
    except DomainError as error:
        return cycles(error=error, failed=cycle.id, status=error.status)
    flash(f"Cycle {cycle.name} is now {cycle.status}.", "success")
    return redirect(url_for("admin.cycles"))


@blueprint.get("/webhooks")
def webhooks(error: DomainError | None = None, status: int = 200, new_secret: str | None = None):
    """List the organisation's webhooks, with the form to register one."""
    found = webhook_service.webhooks_of_organisation()
    chosen = request.form.getlist("events") if error else []
    page = render_template(
        "admin/webhooks.html",
        webhooks=found,
        events=EVENT_CHOICES,
        chosen=chosen,
        error=error,
        new_secret=new_secret,
    )
    return page, status


@blueprint.post("/webhooks")
def register_webhook():
    """Register a webhook of the organisation and show its secret once."""
    try:
        data = load_form(WebhookSchema(), request.form)
        _hook, secret = webhook_service.register(data)
    except DomainError as error:
        return webhooks(error=error, status=error.status)
    return webhooks(new_secret=secret, status=201)


@blueprint.get("/webhooks/<webhook_id>")
def webhook(webhook_id):
    """Show a webhook and the log of its deliveries."""
    query = _list_query()
    found = webhook_service.webhook(webhook_id)
    page = webhook_service.deliveries(found.id, query["page"], query["per_page"])
    return render_template("admin/webhook.html", webhook=found, page=page)


def _removal(webhook) -> Confirmation:
    """Return what removing ``webhook`` asks: nothing more is sent, and its log goes."""
    return Confirmation(
        question="Remove this webhook?",
        details=(("Address", webhook.url), ("Events", ", ".join(webhook.events))),
        consequence=(
            f"Removing it stops sending events to {webhook.url} at once, deliveries still"
            " waiting included, and deletes its delivery log. This cannot be undone: to send"
            " events there again, register the address anew, with a new secret."
        ),
        button="Remove the webhook",
        back=url_for("admin.webhooks"),
    )


@blueprint.post("/webhooks/<webhook_id>/delete")
def remove_webhook(webhook_id):
    """Remove a webhook of the organisation, once confirmed."""
    found = webhook_service.webhook(webhook_id)
    if not confirmed():
        return ask_to_confirm(_removal(found))
    webhook_service.remove(found.id)
    flash("The webhook was removed; nothing more is sent to it.", "success")
    return redirect(url_for("admin.webhooks"))
