"""Every public service function asks a policy before it acts: checked by calling it.

Each function is called as a signed-in principal holding no role, with stand-ins
(``MagicMock``) for its arguments. Every policy refuses such a principal, so a function
that asks one first raises Forbidden, and ``require`` notes the asking. A function that
acts first - looks something up, parses its input, writes - fails on the stand-ins
instead, or is not refused at all. Routes are checked separately, by requesting them
(``tests/test_authorisation.py``); this catches what that walk cannot: a service whose
caller happens to ask another policy in the same request, and services only the command
line calls.
"""

import importlib
import inspect
import pkgutil
from unittest.mock import MagicMock

import pytest

import portal.services
from portal.authz import can_read_records, policies_asked
from portal.exceptions import Forbidden
from portal.identity import Principal
from portal.identity import act_as_principal as act_as
from portal.models.user import ROLES

# Functions that act before anyone is signed in, or are the machinery of signing in;
# their authority is what they check themselves (a password, a code, a token, a link).
EXEMPT = {
    "portal.services.security_events.record": "writes a log line; changes no data",
    "portal.services.authentication.password_step": "sign-in: the password is the authority",
    "portal.services.authentication.totp_step": "sign-in: the code is the authority",
    "portal.services.authentication.recovery_step": "sign-in: the recovery code is",
    "portal.services.authentication.enrolment_secret": "sign-in: the half-open session is",
    "portal.services.authentication.confirm_enrolment": "sign-in: the half-open session is",
    "portal.services.authentication.require_recent_authentication": "a check, not an action",
    "portal.services.authentication.reauthenticate": "sign-in again: password and code",
    "portal.services.authentication.logout": "ends the caller's own session",
    "portal.services.authentication.acknowledge_recovery_code_use": "clears the caller's notice",
    "portal.services.users.find_invitation": "the invitation link is the authority",
    "portal.services.users.accept_invitation": "the invitation link is the authority",
    "portal.services.users.find_user": "a lookup for the services that then ask a policy",
    "portal.services.api_tokens.authenticate": "the bearer token is the authority",
    "portal.services.digests.response_round_reminder": "a date from the settings; reads no data",
    "portal.services.verifications.latest": "asks the policy itself: the dashboard, shown to"
    " everyone, names the trail's health only to who may see it (None to others)",
    # The published editions of the reports are for everyone, the signed out too: these
    # ask can_read_publications, which lets every principal through.
    **{
        f"portal.services.publications.{name}": "published for everyone to read"
        for name in (
            "list_editions",
            "get_edition",
            "edition_file",
            "signature_document",
            "signing_keys",
        )
    },
    "portal.services.publications.file_name": "names a file of a published edition",
    "portal.services.publications.may_publish": "asks the policy itself, to offer the buttons",
}
# The session mechanism is used by sign-in itself, before there is a principal.
EXEMPT_MODULES = {"portal.services.sessions"}

# Signed in, but holding no role: every policy refuses it.
NOBODY = Principal(
    user_id=0, tenant_id=0, tenant_kind="partner", economy_id=None, roles=frozenset()
)


def public_service_functions():
    for module_info in pkgutil.iter_modules(portal.services.__path__):
        module = importlib.import_module(f"portal.services.{module_info.name}")
        if module.__name__ in EXEMPT_MODULES:
            continue
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and function.__module__ == module.__name__:
                yield f"{module.__name__}.{name}", function


FUNCTIONS = sorted(public_service_functions())
CHECKED = [(name, function) for name, function in FUNCTIONS if name not in EXEMPT]


def stand_ins(function) -> list[MagicMock]:
    """Return a stand-in for each argument ``function`` cannot do without."""
    return [
        MagicMock(name=parameter.name)
        for parameter in inspect.signature(function).parameters.values()
        if parameter.default is inspect.Parameter.empty
        and parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
    ]


def refusal_problem(function) -> str | None:
    """Call ``function`` as NOBODY; return what went wrong, or None if a policy refused."""
    asked_before = len(policies_asked())
    try:
        result = function(*stand_ins(function))
        if inspect.isgenerator(result):
            # A generator runs nothing until asked for its first item.
            next(result, None)
    except Forbidden:
        if len(policies_asked()) > asked_before:
            return None
        return "raised Forbidden without asking a policy through require()"
    except Exception as error:  # any other outcome is what the test is looking for
        return f"acted before asking a policy: {type(error).__name__}: {error}"
    return "was not refused"


def test_the_walk_finds_the_services():
    names = {name for name, _ in FUNCTIONS}
    assert "portal.services.users.create_user" in names
    assert "portal.services.overview.pillar_summary" in names


def test_every_public_service_refuses_a_principal_holding_no_role(app, db):
    problems = {}
    with app.test_request_context():
        for name, function in CHECKED:
            act_as(NOBODY)
            try:
                problem = refusal_problem(function)
            finally:
                db.session.rollback()
                act_as(None)
            if problem:
                problems[name] = problem

    assert problems == {}
    assert len(CHECKED) > 50


def test_every_exemption_still_exists():
    assert set(EXEMPT) <= {name for name, _ in FUNCTIONS}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_records(role):
    reader = Principal(
        user_id=1, tenant_id=1, tenant_kind="partner", economy_id=None, roles=frozenset({role})
    )

    assert can_read_records(reader)


def test_the_system_reads_records_and_a_principal_without_a_reading_role_does_not():
    unknown = Principal(
        user_id=1, tenant_id=1, tenant_kind="partner", economy_id=None, roles=frozenset({"ghost"})
    )

    assert can_read_records(None)
    assert not can_read_records(NOBODY)
    assert not can_read_records(unknown)
