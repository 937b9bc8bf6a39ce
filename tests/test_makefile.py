"""`make run` as a newcomer types it: the port chosen is the one links point at."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_on_another_port_sends_links_to_that_port(monkeypatch):
    monkeypatch.delenv("IISG_BASE_URL", raising=False)
    commands = subprocess.run(
        ["make", "-n", "run", "PORT=18501"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # One shell line sets the address, then starts the worker and the web server in it:
    # invitations (web) and digests and webhooks (worker) both link to port 18501.
    assert "export IISG_BASE_URL=" in commands, commands
    line = commands.split("export IISG_BASE_URL=", 1)[1]
    assert line.startswith('"${IISG_BASE_URL:-http://127.0.0.1:18501}"')
    assert "iisg worker" in line and "iisg run --host 127.0.0.1 --port 18501" in line
    assert "8000" not in commands
