"""The browser story skips on a machine without Chromium, and fails when CI requires it."""

from pathlib import Path

import pytest

from tests.fresh_pytest import run_without

BROWSER_TESTS = Path(__file__).parent
MISSING_CHROMIUM = "/nonexistent/chromium"


def run_story(require: bool):
    """Run the browser story on SQLite in a fresh pytest, with Chromium pointed nowhere."""
    return run_without(
        "IISG_TEST_CHROMIUM",
        MISSING_CHROMIUM,
        "REQUIRE_BROWSER",
        require,
        "-k",
        "sqlite",
        str(BROWSER_TESTS / "test_story.py"),
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
