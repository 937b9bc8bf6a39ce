"""PostgreSQL tests skip on a laptop without a server, and fail when CI requires one."""

from pathlib import Path

import pytest

from tests.fresh_pytest import run_without

TESTS = Path(__file__).parent
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/postgres"


def run_health_tests(require: bool):
    return run_without(
        "IISG_TEST_POSTGRES_URL",
        UNREACHABLE,
        "REQUIRE_POSTGRES",
        require,
        f"{TESTS / 'main' / 'test_routes.py'}::test_healthz_answers_ok_without_the_database",
    )


@pytest.mark.parametrize("require", [False, True])
def test_missing_postgres_skips_unless_required(require):
    result = run_health_tests(require)

    if require:
        assert result.returncode == 1, result.stdout
        assert "1 passed" in result.stdout and "1 error" in result.stdout
        assert "REQUIRE_POSTGRES=1" in result.stdout
    else:
        assert result.returncode == 0, result.stdout
        assert "1 passed, 1 skipped" in result.stdout
        assert "does not answer" in result.stdout
