"""Issue 17 in a real browser: every page as every role, at 1366 px and on a 390 px phone.

One world per backend (the demo data, plus one person per role) is served once for the
module. Each role signs in through the pages and walks the portal from the dashboard:
every kind of page it can reach by a link, once (one need, one response, every list,
tab, form, audit, administration, account and help page). The test fails on

- a page scrolling sideways (``scrollWidth`` wider than the window) at 1366 or 390 px;
  a table cut off in its scrolling box at 1366 px; a box that scrolls without taking
  the keyboard focus (itself or a control inside) at either width;
- a link of the page answering 4xx or 5xx (each distinct address once per role, asked
  with the role's own cookies; the reports' PDFs, rendered on request, once per run);
- a console error, an uncaught error or a Content Security Policy violation;
- an axe-core violation of impact serious or critical, at 1366 px and again at 390 px
  (the phone's layout hides, stacks and recolours what the wide one shows).

With ``IISG_SCREENSHOTS`` set to a folder, the run also saves pictures of the main pages
there (docs/screenshots/ holds the ones the README shows); CI leaves it unset.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image  # comes with WeasyPrint
from playwright.sync_api import BrowserContext, Page
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.serving import make_server

from portal.demo.loader import load_demo
from portal.extensions import db as database
from portal.models import Tenant, User
from tests import factories
from tests.browser.conftest import BrowserProblems, BrowserSignIn
from tests.conftest import build_app

# The tests of one backend share one world and one server: tests/browser/conftest.py
# keeps them on one worker of a parallel run, each backend on its own.

WIDE, PHONE = 1366, 390
HEIGHT = 900

# Every seat that sees the portal differently: (organisation, roles). A viewer sees its
# organisation's pages without the buttons and forms that change them, so each kind of
# organisation's viewer is walked too: a page is laid out, and checked by axe, as each of
# them sees it. A partner's administrator (as the demo's, also a viewer) sees the
# administration of its own people. Each seat is about 15-25 s of a browser's work per
# database.
ROLES = {
    "partner-viewer": ("AL-MOI", ("viewer",)),
    "partner-editor": ("AL-MOI", ("editor",)),
    "partner-auditor": ("AL-MOI", ("auditor",)),
    "partner-tenant-admin": ("AL-MOI", ("tenant_admin", "viewer")),
    "member-viewer": ("EC-NEAR", ("viewer",)),
    "member-editor": ("EC-NEAR", ("editor",)),
    "member-auditor": ("EC-NEAR", ("auditor",)),
    "secretariat-viewer": ("IISG-SEC", ("viewer",)),
    "secretariat-editor": ("IISG-SEC", ("editor",)),
    "secretariat-auditor": ("IISG-SEC", ("auditor",)),
    "administrator": ("IISG-SEC", ("admin",)),
}

# Pages not walked into: the sign-in steps (a signed-in person is sent on), the static
# files, a job's page (it polls for a file the worker, absent here, never makes), and a
# published edition (frozen bytes, served under a policy that runs no script at all).
NOT_WALKED = {"auth", "static", "bootstrap", "main.job", "main.favicon", "public.edition"}

# Reports made as PDF on request (seconds each): one address of each is asked for, once
# per run, not each partner's and pillar's for every role.
RENDERED = {"reports.needs_pdf", "reports.responses_pdf"}

# The main pages pictured for the README: file name, role, endpoint, width.
SCREENSHOTS = (
    ("dashboard", "secretariat-editor", "main.dashboard", WIDE),
    ("needs-list", "secretariat-editor", "needs.index", WIDE),
    ("need", "partner-editor", "needs.show", WIDE),
    ("responses-list", "member-editor", "responses.index", WIDE),
    ("analysis", "secretariat-editor", "analysis.overview", WIDE),
    ("audit", "secretariat-auditor", "audit.index", WIDE),
    ("needs-list-phone", "partner-editor", "needs.index", PHONE),
    ("need-phone", "partner-editor", "needs.show", PHONE),
)

# Whether each page is wider than the window, and which scrolling boxes cut content off.
OVERFLOW = """() => {
  const root = document.documentElement;
  const clipped = [], unreachable = [];
  for (const box of document.querySelectorAll('main *')) {
    const style = getComputedStyle(box);
    if (!['auto', 'scroll'].includes(style.overflowX)) continue;
    if (box.scrollWidth > box.clientWidth + 1) {
      // What scrolls must be reachable by keyboard: focusable itself, or holding a control
      // (axe's scrollable-region-focusable, checked here at the cost of a query).
      const focusable = 'a[href], button, input, select, textarea, [tabindex]';
      if (box.tabIndex < 0 && !box.querySelector(focusable)) {
        unreachable.push(box.id || box.className);
      }
      clipped.push((box.querySelector('table')?.id || box.querySelector('caption')
        ?.textContent.trim().slice(0, 60) || box.className) + ` (${box.scrollWidth}px in `
        + `${box.clientWidth}px)`);
    }
  }
  // Name the outermost elements sticking out of the window, to say what to fix.
  const wide = [];
  for (const element of document.querySelectorAll('body *')) {
    if (element.getBoundingClientRect().right <= root.clientWidth + 1) continue;
    if (wide.some(outer => outer.contains(element))) continue;
    let inBox = false;
    for (let box = element.parentElement; box && !inBox; box = box.parentElement) {
      inBox = getComputedStyle(box).overflowX !== 'visible';
    }
    if (inBox) continue;
    wide.push(element);
  }
  const named = wide.slice(0, 3).map(element => element.tagName.toLowerCase()
    + (element.id ? '#' + element.id : '') + (element.className && typeof element.className
    === 'string' ? '.' + element.className.trim().split(/ +/).join('.') : ''));
  return {page: root.scrollWidth, window: root.clientWidth, clipped, unreachable, wide: named};
}"""

AXE_SCRIPT = Axe().axe_script

LINKS = """() => [...document.querySelectorAll('a[href]')].map(link => link.href)"""


@dataclass
class World:
    app: object
    url: str
    people: dict[str, int]
    rendered: set[str] = field(default_factory=set)  # the RENDERED endpoints checked


@dataclass
class Walk:
    """What one role's walk found: the pages it opened and everything wrong with them."""

    pages: dict[str, str] = field(default_factory=dict)  # endpoint -> address
    checked: dict[str, int] = field(default_factory=dict)  # address -> status
    problems: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def world(database_template) -> Iterator[World]:
    """Load the demo data and one person per role into a database served for the module."""
    url = database_template.clone()
    app = build_app(url, MIGRATION_DATABASE_URI=database_template.owner_url(url))
    with app.app_context():
        load_demo()
        tenants = {tenant.code: tenant for tenant in database.session.scalars(select(Tenant))}
        people = {
            role: factories.user(tenants[code], email=f"{role}@pages.example", roles=roles)
            for role, (code, roles) in ROLES.items()
        }
        database.session.add(factories.publication())
        database.session.commit()
        ids = {role: person.id for role, person in people.items()}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="portal-server", daemon=True)
    thread.start()
    try:
        yield World(app, f"http://127.0.0.1:{server.server_port}", ids)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            database.engine.dispose()
        database_template.drop(url)


def endpoint_of(world: World, address: str) -> str | None:
    """Return the endpoint a same-site address leads to, or None for another site."""
    parts = urlsplit(address)
    if f"{parts.scheme}://{parts.netloc}" != world.url:
        return None
    adapter = world.app.url_map.bind("127.0.0.1")
    try:
        endpoint, _ = adapter.match(parts.path, method="GET")
    except RequestRedirect as redirect:
        return endpoint_of(world, redirect.new_url.replace("http://127.0.0.1", world.url, 1))
    except HTTPException:
        return "not-found"
    return endpoint


def walked(endpoint: str, headers: dict[str, str]) -> bool:
    """Tell whether the walk opens an answer as a page (not a file, not a sign-in step)."""
    if not headers.get("content-type", "").startswith("text/html"):
        return False
    if "attachment" in headers.get("content-disposition", ""):
        return False
    return endpoint not in NOT_WALKED and endpoint.split(".")[0] not in NOT_WALKED


def check_layout(page: Page, role: str, width: int, address: str, walk: Walk) -> None:
    """Record a page wider than the window, and (wide) a table cut off in its box."""
    layout = page.evaluate(OVERFLOW)
    where = f"{role} at {width}px on {address}"
    if layout["page"] > layout["window"]:
        walk.problems.append(
            f"{where}: the page scrolls sideways ({layout['page']}px in {layout['window']}px):"
            f" {', '.join(layout['wide'])}"
        )
    if width == WIDE:
        walk.problems.extend(f"{where}: cut off: {box}" for box in layout["clipped"])
    walk.problems.extend(
        f"{where}: scrolls sideways but takes no keyboard focus: {box}"
        for box in layout["unreachable"]
    )


def check_accessibility(page: Page, role: str, width: int, walk: Walk) -> None:
    """Record every axe violation of impact serious or critical on the page as laid out."""
    results = page.evaluate("axe.run({resultTypes: ['violations']})")
    for violation in results["violations"]:
        if violation["impact"] not in ("serious", "critical"):
            continue
        targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        walk.problems.append(
            f"{role} at {width}px on {page.url}: axe {violation['id']} "
            f"({violation['impact']}): {violation['help']} at {targets}"
        )


def check_links(context: BrowserContext, world: World, role: str, page: Page, walk: Walk):
    """Ask for every new address the page links to; yield the pages still to walk."""
    for link in page.evaluate(LINKS):
        address = urldefrag(link).url
        endpoint = endpoint_of(world, address)
        if endpoint is None or address in walk.checked:
            continue
        if endpoint in RENDERED:
            if endpoint in world.rendered:
                continue
            world.rendered.add(endpoint)
        answer = context.request.get(address, max_redirects=5)
        walk.checked[address] = answer.status
        if answer.status >= 400:
            walk.problems.append(
                f"{role}: {page.url} links to {address}, answering {answer.status}"
            )
        elif endpoint not in walk.pages and walked(endpoint, answer.headers):
            walk.pages[endpoint] = address
            yield address


def resize_window(page: Page, width: int) -> None:
    """Resize the window to ``width`` and wait until the page's script sees it so.

    The browser applies the new size to the page asynchronously: checked before, the page
    could still answer with the old width's layout.
    """
    page.set_viewport_size({"width": width, "height": HEIGHT})
    page.wait_for_function("width => window.innerWidth === width", arg=width)


def walk_portal(context: BrowserContext, page: Page, world: World, role: str) -> Walk:
    """Open every kind of page the role reaches by links from the dashboard, at both widths.

    Each page is loaded once at 1366 px and checked, then laid out again at 390 px (the
    window narrowed, as a phone's media queries see it) and checked again.
    """
    walk = Walk()
    start = f"{world.url}/"
    walk.pages["main.dashboard"] = start
    to_open = [start]
    while to_open:
        address = to_open.pop(0)
        answer = page.goto(address)
        if answer is None or answer.status >= 400:
            walk.problems.append(f"{role}: {address} answered {answer and answer.status}")
            continue
        check_layout(page, role, WIDE, address, walk)
        check_accessibility(page, role, WIDE, walk)
        to_open.extend(check_links(context, world, role, page, walk))
        resize_window(page, PHONE)
        check_layout(page, role, PHONE, address, walk)
        check_accessibility(page, role, PHONE, walk)
        resize_window(page, WIDE)
    return walk


def take_screenshots(page: Page, role: str, walk: Walk, folder: Path) -> None:
    """Save the role's main pages as pictures of the first screenful and a half."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, seat, endpoint, width in SCREENSHOTS:
        if seat != role:
            continue
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.goto(walk.pages[endpoint])
        height = min(page.evaluate("document.documentElement.scrollHeight"), 1600)
        path = folder / f"{name}.png"
        page.screenshot(
            path=path, clip={"x": 0, "y": 0, "width": width, "height": height}, full_page=True
        )
        # A page's few flat colours fit a palette: a third of the size, nothing lost to see.
        with Image.open(path) as picture:
            picture.convert("RGB").quantize(colors=128).save(path, optimize=True)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_links_and_passes_axe_at_both_widths(world, browser, role):
    problems = BrowserProblems()
    sign_in = BrowserSignIn(browser, world.url, problems)
    try:
        with world.app.app_context():
            page = sign_in(database.session.get(User, world.people[role]))
        context = sign_in.contexts[0]
        # axe-core comes with every page the walk opens, as the browser's own script
        # (which the pages' Content Security Policy does not govern).
        context.add_init_script(script=AXE_SCRIPT)
        page.set_viewport_size({"width": WIDE, "height": HEIGHT})
        walk = walk_portal(context, page, world, role)
        if folder := os.environ.get("IISG_SCREENSHOTS"):
            take_screenshots(page, role, walk, Path(folder))
    finally:
        sign_in.close()

    # Every role reaches at least its dashboard, the lists, the analysis, help and account.
    assert len(walk.pages) >= 20, sorted(walk.pages)
    assert walk.problems + problems.reports == []


# What print media shows of a page: the navigation, forms and buttons still displayed,
# the tables' scrolling boxes that still clip, and the colours of the text and page.
PRINTED = """() => {
  const shown = element => getComputedStyle(element).display !== 'none'
    && element.getClientRects().length > 0;
  const screenOnly = [...document.querySelectorAll('header, nav, form, button, .btn')];
  const clipping = [...document.querySelectorAll('.table-responsive')]
    .filter(box => getComputedStyle(box).overflowX !== 'visible');
  const body = getComputedStyle(document.body);
  return {
    shown: screenOnly.filter(shown).map(element => element.outerHTML.slice(0, 80)),
    clipping: clipping.length,
    colours: [body.color, body.backgroundColor],
  };
}"""


def test_printing_a_record_a_list_or_the_analysis_leaves_out_what_works_only_on_screen(
    world, browser
):
    problems = BrowserProblems()
    sign_in = BrowserSignIn(browser, world.url, problems)
    printed = {}
    try:
        with world.app.app_context():
            page = sign_in(database.session.get(User, world.people["secretariat-editor"]))
        page.emulate_media(media="print")
        page.goto(f"{world.url}/needs")
        need = page.locator("main table tbody a").first.get_attribute("href")
        for address in ("/needs", need, "/analysis"):
            page.goto(f"{world.url}{address}")
            printed[address] = page.evaluate(PRINTED)
    finally:
        sign_in.close()

    on_paper = {"shown": [], "clipping": 0, "colours": ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]}
    assert printed == dict.fromkeys(("/needs", need, "/analysis"), on_paper)
    assert problems.reports == []
