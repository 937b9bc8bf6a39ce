"""Browser fixtures: the test's portal served over HTTP, driven in Chromium by Playwright.

The portal is the ``app`` of the test, on the test's own database (both backends), served
by Werkzeug on a free port of 127.0.0.1. Every person gets a browser context of their own,
so their cookies are as separate as two people's browsers. Plain HTTP works because the
test settings, like development, leave session cookies without ``Secure`` (only
production sets it, with the ``__Host-`` name).

Chromium is the one of the system: ``IISG_TEST_CHROMIUM`` names another executable.
Without one the browser tests are skipped, or fail with ``REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import make_server

from portal.models import User
from tests import factories
from tests.conftest import fresh_code

# Long enough for a page that waits on the database, short enough to fail fast.
expect.set_options(timeout=10_000)


def chromium_executable() -> str | None:
    """Return the Chromium to drive: ``IISG_TEST_CHROMIUM``, else ``chromium`` on the PATH."""
    return os.environ.get("IISG_TEST_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium() -> str:
    """Find Chromium; skip without it, or fail when ``REQUIRE_BROWSER=1`` demands it."""
    executable = chromium_executable()
    if executable and os.access(executable, os.X_OK):
        return executable
    message = (
        f"Chromium not found at {executable!r}"
        if executable
        else "Chromium not found (no chromium on the PATH, IISG_TEST_CHROMIUM unset)"
    )
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{message} (REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser(chromium) -> Iterator[Browser]:
    """Launch headless Chromium once for the module's tests."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def portal_url(app) -> Iterator[str]:
    """Serve the test's portal over HTTP on a free local port and return its address."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="portal-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


class BrowserProblems:
    """Console errors and uncaught page errors of every page a test opened.

    Chromium reports a Content Security Policy violation (an inline script or style the
    policy refuses) as a console error, so an empty list also means the pages kept to
    the policy.
    """

    def __init__(self):
        self.reports: list[str] = []

    def watch(self, context: BrowserContext, person: str) -> None:
        """Record what goes wrong in ``context``'s pages, naming the person."""
        context.on(
            "console",
            lambda message: (
                self.reports.append(f"{person}: console {message.text} ({message.location})")
                if message.type == "error"
                else None
            ),
        )
        context.on("weberror", lambda error: self.reports.append(f"{person}: {error.error}"))


@pytest.fixture
def browser_problems() -> BrowserProblems:
    """Collect console errors and page errors, for the test to assert there are none."""
    return BrowserProblems()


class BrowserSignIn:
    """Sign people in through the real pages in browser contexts of their own."""

    def __init__(self, browser: Browser, portal_url: str, problems: BrowserProblems):
        self.browser = browser
        self.portal_url = portal_url
        self.problems = problems
        self.contexts: list[BrowserContext] = []

    def __call__(self, user: User) -> Page:
        """Open a fresh browser for ``user``, pass both factors and return the signed-in page."""
        context = self.browser.new_context(base_url=self.portal_url)
        self.contexts.append(context)
        self.problems.watch(context, user.email)
        page = context.new_page()
        page.goto("/auth/login")
        page.get_by_label("Email address").fill(user.email)
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
        # Computed only now, after the password step, so the code is for a step the
        # server has not yet seen this user use.
        page.get_by_label("6-digit code").fill(fresh_code(user.id, user.email))
        page.get_by_role("button", name="Sign in").click()
        account = f"{user.name} · {user.tenant.code}"
        expect(page.get_by_role("link", name=account)).to_be_visible()
        return page

    def close(self) -> None:
        """Close every context, so no connection to the server stays open."""
        for context in self.contexts:
            context.close()


@pytest.fixture
def browser_sign_in(browser, portal_url, browser_problems, db) -> Iterator[BrowserSignIn]:
    """Return a function that signs a user in through the pages in a browser of their own."""
    sign_in = BrowserSignIn(browser, portal_url, browser_problems)
    yield sign_in
    sign_in.close()


def pytest_collection_modifyitems(items):
    """Keep each backend's every-page walks on one worker, each backend on its own.

    They share one world and one server per backend (a module fixture); the two backends
    are about ten minutes of a browser's work each on two cores, so side by side.
    """
    for item in items:
        if item.module.__name__.endswith("test_every_page") and hasattr(item, "callspec"):
            backend = item.callspec.params.get("database_template", "sqlite")
            item.add_marker(pytest.mark.xdist_group(f"every-page-{backend}"))
