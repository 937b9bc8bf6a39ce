"""docker-compose.yml and the proxy's configuration agree with the portal they run.

No container engine runs in the tests; what can be checked without one is that the
files name only settings the portal knows, give each process the database role it
should have, and that nginx's limits, headers, upstreams and static folders match the
portal's own (docs/operations.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from portal import create_app
from portal.config import KNOWN_SETTINGS, Config
from portal.limits import ENVELOPE_BYTES, UPLOAD_ENDPOINTS

ROOT = Path(__file__).resolve().parents[2]
PORTAL_SERVICES = ("app1", "app2", "worker", "migrate")
SIZES = {"k": 1024, "m": 1024 * 1024}


@pytest.fixture(scope="module")
def app():
    """Create the portal without a database: only its addresses are read."""
    return create_app({"CHECK_DATABASE_ON_START": False})


@pytest.fixture(scope="module")
def compose() -> dict:
    """Read docker-compose.yml, with its anchors resolved."""
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def nginx() -> str:
    """Return the proxy's configuration without its comments."""
    text = (ROOT / "docker" / "nginx" / "nginx.conf").read_text()
    return re.sub(r"#[^\n]*", "", text)


def location(nginx: str, pattern: str) -> str:
    """Return the body of the ``location`` whose line matches ``pattern``."""
    match = re.search(r"location\s+" + pattern + r"\s*\{([^}]*)\}", nginx)
    assert match, f"no location {pattern} in nginx.conf"
    return match.group(1)


def size(text: str) -> int:
    """Return the bytes of the ``client_max_body_size`` in ``text``."""
    value = re.search(r"client_max_body_size\s+(\d+)([km]?);", text)
    assert value, text
    return int(value.group(1)) * SIZES.get(value.group(2), 1)


def test_every_portal_setting_in_the_compose_file_is_one_the_portal_knows(compose):
    for name in PORTAL_SERVICES:
        environment = compose["services"][name]["environment"]
        unknown = [
            key for key in environment if key.startswith("IISG_") and key not in KNOWN_SETTINGS
        ]
        assert unknown == [], name


def test_only_the_migration_holds_the_owner_role_and_the_servers_connect_as_the_app_role(
    compose,
):
    services = compose["services"]
    holders = [
        name
        for name, service in services.items()
        if "IISG_MIGRATION_DATABASE_URL" in service.get("environment", {})
    ]

    assert holders == ["migrate"]
    assert "iisg_owner:" in services["migrate"]["environment"]["IISG_MIGRATION_DATABASE_URL"]
    for name in PORTAL_SERVICES:
        assert services[name]["environment"]["IISG_DATABASE_URL"].startswith(
            "postgresql://iisg_app:"
        )
    # The servers and the worker wait for the one migration rather than each running it.
    for name in ("app1", "app2", "worker"):
        assert services[name]["environment"]["MIGRATE_AT_START"] == "0"
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_the_proxy_sends_to_every_app_server_and_is_the_one_proxy_trusted(compose, nginx):
    services = compose["services"]
    servers = sorted(
        name for name, service in services.items() if "gunicorn" in service.get("command", [])
    )
    upstream = re.search(r"upstream portal \{([^}]*)\}", nginx).group(1)

    assert servers == ["app1", "app2"]
    assert sorted(re.findall(r"server (\w+):8000", upstream)) == servers
    for name in servers:
        assert services[name]["environment"]["IISG_TRUSTED_PROXIES"] == "1"
        assert "healthcheck" in services[name]
    # The client's address replaces whatever it sent; the scheme and the host as reached.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    assert "proxy_set_header X-Forwarded-Host $http_host;" in nginx
    assert all("healthcheck" in service for name, service in services.items() if name != "migrate")


def test_the_proxy_caps_bodies_where_the_portal_does(app, nginx):
    server = nginx[nginx.index("listen 8443") :]
    uploads = sorted(
        rule.rule for rule in app.url_map.iter_rules() if rule.endpoint in UPLOAD_ENDPOINTS
    )

    assert size(server[: server.index("location")]) == Config.defaults["MAX_CONTENT_LENGTH"]
    for rule in uploads:
        allowed = size(location(nginx, "= " + re.escape(rule)))
        needed = Config.defaults["IMPORT_MAX_BYTES"] + ENVELOPE_BYTES
        # Room for the file and its form, not a megabyte more.
        assert needed <= allowed <= needed + SIZES["m"], rule


def test_the_proxy_serves_the_static_folders_at_the_portals_addresses(app, nginx):
    bootstrap = app.blueprints["bootstrap"]

    for address in (app.static_url_path, bootstrap.static_url_path):
        assert "alias /srv/static/" in location(nginx, re.escape(address + "/"))
    assert "limit_req zone=sign_in" in location(nginx, "/auth/")
