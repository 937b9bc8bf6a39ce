"""Every public service function asks a policy before it acts ("may I?" then "do it")."""

import importlib
import inspect
import pkgutil

import pytest

import portal.services

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
    "portal.services.users.find_user": "a lookup, scoped by tenancy like every query",
    "portal.services.api_tokens.authenticate": "the bearer token is the authority",
}
# The session mechanism is used by sign-in itself, before there is a principal.
EXEMPT_MODULES = {"portal.services.sessions"}


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


def test_the_walk_finds_the_services():
    names = {name for name, _ in FUNCTIONS}
    assert "portal.services.users.create_user" in names
    assert "portal.services.overview.pillar_summary" in names


@pytest.mark.parametrize(("name", "function"), CHECKED, ids=[name for name, _ in CHECKED])
def test_each_service_names_a_policy(name, function):
    source = inspect.getsource(function)

    assert "require(can_" in source, f"{name} acts without asking a policy in portal.authz"


def test_every_exemption_still_exists():
    assert set(EXEMPT) <= {name for name, _ in FUNCTIONS}
