"""Policies: may this principal do this to that?

Each policy is named ``can_<verb>_<noun>(principal, ...)`` and answers True or False;
``require`` turns a "no" into Forbidden. What a principal may see is applied to every
query by ``portal.tenancy``, so an invisible object is never found in the first place
(404); the policies decide whether a principal reads at all, and judge what it may do
to the objects it can see (403).

A principal of None is the system itself: the command line run by an operator, or the
sign-in pages before anyone is signed in.

``require`` also notes that a policy was asked. At the end of every request whose view
ran, ``register_authorisation_check`` looks for that note: a view that answered without
asking any policy is reported (and, in tests, fails the request), unless its endpoint is
in ``EXEMPT_ENDPOINTS`` with the reason why it reads and changes no records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import structlog
from flask import Flask, Response, current_app, g, has_app_context, request

from portal.exceptions import Forbidden
from portal.identity import Principal
from portal.models import Cycle, Need, Tenant, User
from portal.models.user import ROLES

# What each role may hand out: nobody grants a role above their own.
ROLE_RANK = {"viewer": 0, "auditor": 1, "editor": 1, "tenant_admin": 2, "admin": 3}


def _system(principal: Principal | None) -> bool:
    return principal is None


def _is_admin(principal: Principal | None) -> bool:
    return principal is not None and principal.has("admin") and principal.in_secretariat


def can_manage_tenants(principal: Principal | None) -> bool:
    """Return whether the principal may create, rename and (de)activate tenants."""
    return _system(principal) or _is_admin(principal)


def can_manage_reference_data(principal: Principal | None) -> bool:
    """Return whether the principal may change pillars, acquis chapters and the like."""
    return _system(principal) or _is_admin(principal)


def can_manage_cycles(principal: Principal | None) -> bool:
    """Return whether the principal may open cycles and move them through their statuses."""
    return _system(principal) or _is_admin(principal)


def can_publish_reports(principal: Principal | None) -> bool:
    """Return whether the principal may publish a report's edition, or withdraw one."""
    return _system(principal) or _is_admin(principal)


def can_read_publications(principal: Principal | None) -> bool:
    """Return whether the principal may read the published editions: anyone may.

    They are published: the one part of the portal for those who are not signed in.
    """
    return True


def can_list_users(principal: Principal | None, tenant: Tenant | None) -> bool:
    """Return whether the principal may list users (of ``tenant``, or of every tenant)."""
    if _system(principal) or _is_admin(principal):
        return True
    return principal.has("tenant_admin") and tenant is not None and tenant.id == principal.tenant_id


def can_grant_roles(principal: Principal | None, tenant: Tenant, roles: Iterable[str]) -> bool:
    """Return whether the principal may give a user of ``tenant`` exactly ``roles``."""
    roles = set(roles)
    if not roles <= set(ROLES):
        return False
    if _system(principal) or _is_admin(principal):
        return True
    if not principal.has("tenant_admin") or tenant.id != principal.tenant_id:
        return False
    return _rank(roles) <= _rank(principal.roles) and "admin" not in roles


def can_invite_user(principal: Principal | None, tenant: Tenant, roles: Iterable[str]) -> bool:
    """Return whether the principal may create a user of ``tenant`` holding ``roles``."""
    return can_grant_roles(principal, tenant, roles)


def _rank(roles: Iterable[str]) -> int:
    return max((ROLE_RANK[role] for role in roles), default=0)


def can_manage_user(principal: Principal | None, user: User) -> bool:
    """Return whether the principal may change roles or state, or end sessions, of ``user``.

    A tenant admin manages the other users of its own tenant, but none who outranks it.
    """
    if _system(principal) or _is_admin(principal):
        return True
    return (
        principal.has("tenant_admin")
        and user.tenant_id == principal.tenant_id
        and user.id != principal.user_id
        and _rank(user.roles) <= _rank(principal.roles)
    )


def can_manage_own_account(principal: Principal | None, user: User) -> bool:
    """Return whether the principal may see and change ``user``'s account: its own."""
    return principal is not None and principal.user_id == user.id


def can_open_administration(principal: Principal | None) -> bool:
    """Return whether the principal may open the administration pages at all."""
    return _system(principal) or _is_admin(principal) or principal.has("tenant_admin")


def can_manage_api_tokens(principal: Principal | None, user: User) -> bool:
    """Return whether the principal may create or revoke ``user``'s API tokens."""
    return _system(principal) or can_manage_own_account(principal, user)


# Every role reads what its organisation may see: a viewer by definition, editors and
# tenant admins what they work on, an auditor the records whose history it follows, the
# Secretariat's admin what it manages. A principal holding none of them (its roles all
# taken away, or a role that is not one of these) reads nothing. What a reader sees is
# the scoping's business (portal.tenancy); this decides whether it reads at all.
READING_ROLES = frozenset({"viewer", "editor", "tenant_admin", "auditor", "admin"})


def can_read_records(principal: Principal | None) -> bool:
    """Return whether the principal may read needs, responses, links, cycles and figures."""
    return _system(principal) or not principal.roles.isdisjoint(READING_ROLES)


# Needs mapping: who drafts, who judges, and when a need can no longer change.
# A cycle's needs can be worked on until the Board adopts it; then they are frozen.
WORKING_CYCLE_STATUSES = ("open", "consolidation")


def _owner_editor(principal: Principal | None, tenant_id: int) -> bool:
    """Return whether the principal is an editor of the partner that owns the need."""
    return (
        principal is not None
        and principal.tenant_kind == "partner"
        and principal.has("editor")
        and principal.tenant_id == tenant_id
    )


def _secretariat_editor(principal: Principal | None) -> bool:
    return principal is not None and principal.in_secretariat and principal.has("editor")


def can_create_need(principal: Principal | None, cycle: Cycle | None) -> bool:
    """Return whether the principal may draft a new need of its own partner in ``cycle``."""
    if principal is None or cycle is None:
        return False
    return _owner_editor(principal, principal.tenant_id) and cycle.status == "open"


def can_edit_need(principal: Principal | None, need: Need) -> bool:
    """Return whether the principal may change a need: its owner, while draft or returned.

    New needs start only in the open cycle, but a need returned during consolidation must
    still be answerable, so changes are possible until the Board adopts the cycle.
    """
    return (
        _owner_editor(principal, need.tenant_id)
        and need.cycle.status in WORKING_CYCLE_STATUSES
        and need.status in ("draft", "returned")
    )


def can_submit_need(principal: Principal | None, need: Need) -> bool:
    """Return whether the principal may send a draft or returned need to the Secretariat."""
    return can_edit_need(principal, need)


def can_return_need(principal: Principal | None, need: Need) -> bool:
    """Return whether the principal may send a submitted need back to its owner."""
    return (
        _secretariat_editor(principal)
        and need.status == "submitted"
        and need.cycle.status in WORKING_CYCLE_STATUSES
    )


def can_judge_needs(principal: Principal | None) -> bool:
    """Return whether the principal validates and returns needs: the Secretariat's editors."""
    # Whether one need may be judged now (its status, its cycle) is can_validate_need's call.
    return _secretariat_editor(principal)


def can_validate_need(principal: Principal | None, need: Need) -> bool:
    """Return whether the principal may accept a submitted need for adoption."""
    return can_return_need(principal, need)


def can_delete_need(principal: Principal | None, need: Need) -> bool:
    """Return whether the principal may delete a need: its owner's editors, while a draft."""
    return (
        _owner_editor(principal, need.tenant_id)
        and need.cycle.status in WORKING_CYCLE_STATUSES
        and need.status == "draft"
    )


def can_withdraw_need(principal: Principal | None, need: Need) -> bool:
    """Return whether the principal may withdraw its own need before the cycle is adopted."""
    return (
        _owner_editor(principal, need.tenant_id)
        and need.status in ("draft", "submitted", "returned", "validated")
        and need.cycle.status in WORKING_CYCLE_STATUSES
    )


def can_carry_over_needs(principal: Principal | None) -> bool:
    """Return whether the principal carries needs over at all: a partner's editors do."""
    return principal is not None and _owner_editor(principal, principal.tenant_id)


def can_carry_over_need(principal: Principal | None, need: Need, target: Cycle) -> bool:
    """Return whether the principal may copy a need of a closed cycle into the open one.

    Only the owner's editors carry a need over: the copy is a draft, which nobody but
    its owner may see, so the Secretariat could not even find its own copy.
    """
    return (
        _owner_editor(principal, need.tenant_id)
        and need.cycle.status in ("adopted", "archived")
        and target.status == "open"
    )


def can_read_audit_trail(principal: Principal | None) -> bool:
    """Return whether the principal may read the audit trail (what it reads is scoped)."""
    return _system(principal) or principal.has("auditor")


def can_run_background_work(principal: Principal | None) -> bool:
    """Return whether the principal runs the worker's own work (digests, webhooks): the
    system alone, which then acts as each person or organisation in turn."""
    return _system(principal)


def can_see_trail_health(principal: Principal | None) -> bool:
    """Return whether the principal is told what the daily verification of the trail found."""
    return _system(principal) or (
        principal.in_secretariat and (principal.has("auditor") or principal.has("admin"))
    )


def can_manage_webhooks(principal: Principal | None) -> bool:
    """Return whether the principal registers and removes its organisation's webhooks."""
    return principal is not None and principal.has("tenant_admin")


def can_export_audit_trail(principal: Principal | None) -> bool:
    """Return whether the principal may download entries of the audit trail."""
    return can_read_audit_trail(principal)


# Responses and support links. Reading them is the scoping's business;
# these judge what a principal may do to a response or link it can already see.


def _editor_of(principal: Principal | None, tenant_id: int) -> bool:
    return principal is not None and principal.has("editor") and principal.tenant_id == tenant_id


def can_create_response(principal: Principal | None) -> bool:
    """Return whether the principal may record a response for its own organisation."""
    return _system(principal) or principal.has("editor")


def can_edit_response(principal: Principal | None, response) -> bool:
    """Return whether the principal may change, publish or unpublish ``response``."""
    return _system(principal) or _editor_of(principal, response.tenant_id)


def can_delete_response(principal: Principal | None, response) -> bool:
    """Return whether the principal may delete ``response``: its editors, while a draft.

    A published response may have been read and answered; it is unpublished first.
    """
    return can_edit_response(principal, response) and response.record_status == "draft"


def can_propose_link(principal: Principal | None, response) -> bool:
    """Return whether the principal may link ``response`` to needs: its owner's editors."""
    return _system(principal) or _editor_of(principal, response.tenant_id)


def can_import_records(principal: Principal | None, kind: str) -> bool:
    """Return whether the principal may upload a file of ``kind`` records to check and apply.

    Needs: a partner's editors; responses and links: editors of any organisation. Each
    row is then asked of the policy its form asks (create, edit, propose).
    """
    if principal is None or not principal.has("editor"):
        return False
    return kind != "needs" or principal.tenant_kind == "partner"


def can_apply_import(principal: Principal | None, upload) -> bool:
    """Return whether the principal may check, apply or read the report of an upload."""
    return principal is not None and upload.actor_id == principal.user_id


def can_answer_link(principal: Principal | None, link) -> bool:
    """Return whether the principal speaks for the link's need: its owner partner's editors."""
    return _system(principal) or _editor_of(principal, link.need.tenant_id)


# The statuses each link action starts from. A partner may change its mind until the
# Secretariat validates; the Secretariat validates only what the partner confirmed, so
# its stamp never overrides a partner's silence or objection.
CONFIRMABLE_LINK_STATUSES = ("proposed", "disputed")
DISPUTABLE_LINK_STATUSES = ("proposed", "confirmed")
VALIDATABLE_LINK_STATUSES = ("confirmed",)
WITHDRAWABLE_LINK_STATUSES = ("proposed", "confirmed", "disputed")


def can_confirm_link(principal: Principal | None, link) -> bool:
    """Return whether the principal may confirm ``link`` now."""
    return can_answer_link(principal, link) and link.status in CONFIRMABLE_LINK_STATUSES


def can_dispute_link(principal: Principal | None, link) -> bool:
    """Return whether the principal may dispute ``link`` now."""
    return can_answer_link(principal, link) and link.status in DISPUTABLE_LINK_STATUSES


def can_judge_links(principal: Principal | None) -> bool:
    """Return whether the principal validates links: the Secretariat's editors."""
    return _system(principal) or (principal.in_secretariat and principal.has("editor"))


def can_validate_link(principal: Principal | None, link) -> bool:
    """Return whether the principal may validate ``link`` now."""
    return can_judge_links(principal) and link.status in VALIDATABLE_LINK_STATUSES


def can_withdraw_link(principal: Principal | None, link) -> bool:
    """Return whether the principal may withdraw (delete) ``link`` now: not once validated."""
    return can_propose_link(principal, link.response) and link.status in WITHDRAWABLE_LINK_STATUSES


def require(policy: Callable[..., bool], *arguments, message: str | None = None) -> None:
    """Raise Forbidden unless ``policy(*arguments)`` allows the action; note that it was asked."""
    # Noted before the answer: a refusal decides the request just as well as a yes.
    _note_asked(policy)
    if not policy(*arguments):
        raise Forbidden(message or "You do not have permission to do this.")


# The end-of-request check. Endpoints whose view may answer without asking a policy, each
# with the reason it reads and changes no records of any organisation, or has an
# authority of its own; "blueprint.*" stands for every endpoint of a blueprint.
# Everything else must ask at least one policy.
EXEMPT_ENDPOINTS = {
    "static": "the portal's own stylesheets and scripts",
    "bootstrap.static": "Bootstrap's files",
    "main.healthz": "answers that the process runs; touches no database",
    "main.favicon": "the portal's icon, a file; reads no records",
    "api-docs.openapi_json": "the API's description, the same for everyone; reads no records",
    "api_docs.reference": "the API's description as a page, the same for all; reads no records",
    "main.readyz": "answers whether the database is up and its schema current; reads no records",
    # The sign-in gate still applies: help is for signed-in users, like every other page.
    "help.*": "the help pages and glossary, the same text for everyone; read no records",
    # The sign-in gate lets the whole blueprint through for the same reason.
    "auth.*": (
        "signing in and out: nobody is signed in yet, so there is no principal to ask "
        "about; the authority is the password, the code, the recovery code, the "
        "invitation link or the caller's own session"
    ),
}


def is_exempt(endpoint: str | None) -> bool:
    """Return whether ``endpoint`` may answer without asking a policy (EXEMPT_ENDPOINTS)."""
    if endpoint is None:
        return False
    blueprint, dot, _name = endpoint.rpartition(".")
    return endpoint in EXEMPT_ENDPOINTS or (bool(dot) and f"{blueprint}.*" in EXEMPT_ENDPOINTS)


log = structlog.get_logger("portal.authz")

# Names on ``flask.g``: whether the current request reached its view, and the policies
# asked since it did.
_VIEW_RAN = "authz_view_ran"
_ASKED = "authz_policies_asked"
_INPUT_REFUSED = "authz_input_refused"


class AuthorisationNotChecked(RuntimeError):
    """A view answered without asking any policy (raised only when the check is strict)."""


def _note_asked(policy: Callable[..., bool]) -> None:
    if has_app_context():
        g.setdefault(_ASKED, []).append(policy.__name__)


def view_starts() -> None:
    """Note that the request reached its view; from now on it must ask a policy.

    What was asked before - a section's gate in ``before_request`` - is forgotten: a gate
    closes a whole section early, but each view still answers for what it does itself.
    """
    setattr(g, _VIEW_RAN, True)
    setattr(g, _ASKED, [])


def input_refused() -> None:
    """Note that the request's input was refused as unreadable before anything was read.

    The API refuses an unknown parameter or a malformed body before its view asks any
    policy; such an answer read and changed nothing.
    """
    setattr(g, _INPUT_REFUSED, True)


def policies_asked() -> list[str]:
    """Return the names of the policies asked since the current request's view started."""
    return list(g.get(_ASKED, ())) if has_app_context() else []


def view_ran() -> bool:
    """Return whether the current request reached its view (no gate answered before it)."""
    return has_app_context() and bool(g.get(_VIEW_RAN))


def _check_a_policy_was_asked(response: Response) -> Response:
    endpoint = request.endpoint
    # A request stopped before its view (by the sign-in, CSRF, rate-limit or a section's
    # gate) read nothing; so did one a view's rate limit refused (429) before its body
    # ran; a failed one is reported by its own error, which raising here would hide.
    if not view_ran() or policies_asked() or response.status_code >= 500:
        return response
    if response.status_code == 429 or g.get(_INPUT_REFUSED):
        return response
    if is_exempt(endpoint):
        return response
    log.error(
        "authorisation_not_checked",
        endpoint=endpoint,
        method=request.method,
        path=request.path[:300],
        status=response.status_code,
    )
    if current_app.config["AUTHORISATION_CHECK_STRICT"]:
        raise AuthorisationNotChecked(
            f"{endpoint} ({request.method} {request.path}) answered without asking a policy: "
            "call portal.authz.require(can_..., ...) in its view or service, or add the "
            "endpoint to portal.authz.EXEMPT_ENDPOINTS with the reason it reads no records"
        )
    return response


def _forget_asked(_error: BaseException | None) -> None:
    g.pop(_VIEW_RAN, None)
    g.pop(_ASKED, None)


def register_authorisation_check(app: Flask) -> None:
    """Check at the end of every request that its view asked a policy (or is exempt)."""
    app.after_request(_check_a_policy_was_asked)
    app.teardown_request(_forget_asked)
