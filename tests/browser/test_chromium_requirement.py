"""The browser story skips on a machine without Chromium, and fails when CI requires it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BROWSER_TESTS = Path(__file__).parent
MISSING_CHROMIUM = "/nonexistent/chromium"


def run_story(require: bool) -> subprocess.CompletedProcess:
    """Run the browser story on SQLite in a fresh pytest, with Chromium pointed nowhere."""
    environ = dict(os.environ, IISG_TEST_CHROMIUM=MISSING_CHROMIUM)
    environ.pop("REQUIRE_BROWSER", None)
    if require:
        environ["REQUIRE_BROWSER"] = "1"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-rs",
        "-k",
        "sqlite",
        str(BROWSER_TESTS / "test_story.py"),
    ]
    return subprocess.run(
        command,
        cwd=BROWSER_TESTS.parent.parent,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("require", [False, True])
def test_missing_chromium_skips_the_story_unless_required(require):
    result = run_story(require)

    assert MISSING_CHROMIUM in result.stdout
    if require:
        assert result.returncode == 1, result.stdout
        assert "1 error" in result.stdout
        assert "REQUIRE_BROWSER=1" in result.stdout
    else:
        assert result.returncode == 0, result.stdout
        assert "1 skipped" in result.stdout
