"""The ``iisg`` command as operators run it: from a shell, with settings in the environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.config import Config, generate_production_keys

IISG = str(Path(sys.executable).with_name("iisg"))


def run_iisg(*arguments, **settings):
    """Run ``iisg`` in a child process with only the given IISG_* settings and fresh keys."""
    environ = {name: value for name, value in os.environ.items() if not name.startswith("IISG_")}
    environ.update(generate_production_keys())
    environ.update(settings)
    return subprocess.run(
        [IISG, *arguments], env=environ, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"IISG_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/iisg"},
            "iisg: IISG_DATABASE_URL: cannot connect to postgresql+psycopg://postgres@127.0.0.1:1/iisg",
        ),
        ({"IISG_DATABASE_URL": "oracle://db/iisg"}, "iisg: IISG_DATABASE_URL: 'oracle'"),
        ({"IISG_ENV": "prod"}, "iisg: IISG_ENV: 'prod' is not one of"),
    ],
)
def test_start_up_problems_are_one_line_not_a_traceback(settings, expected):
    result = run_iisg("db", "upgrade", **settings)

    assert result.returncode == 2
    assert result.stderr.startswith(expected)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_make_run_steps_work_twice_in_a_row(database_url, database_owner_url):
    steps = [("db", "upgrade"), ("demo", "load", "--if-empty")]
    # One installation: the same keys throughout (the database checks identities signed
    # with a key derived from the secret key, stored by the owner's upgrade).
    keys = generate_production_keys()
    outputs = []
    for _ in range(2):
        for step in steps:
            result = run_iisg(
                *step,
                IISG_DATABASE_URL=database_url,
                IISG_MIGRATION_DATABASE_URL=database_owner_url,
                **keys,
            )
            assert result.returncode == 0, result.stderr
            outputs.append(result.stdout)

    assert outputs[1].startswith("Demo data loaded:")
    assert "Audit trail: sealed and signed" in outputs[1]
    assert outputs[3] == "The database already holds tenants; demo data not loaded.\n"


def test_keys_generate_works_before_the_portal_can_start(tmp_path):
    # Production without keys or an https address cannot start, yet may generate keys.
    result = run_iisg("keys", "generate", IISG_ENV="production", IISG_SECRET_KEY="")

    assert result.returncode == 0, result.stderr
    keys = dict(line.split("=", 1) for line in result.stdout.splitlines())
    environ = {"IISG_ENV": "production", "IISG_BASE_URL": "https://iisg.example", **keys}
    settings = Config.from_environment(environ, tmp_path)
    assert len(settings["ENCRYPTION_KEY"]) == 32


def test_demo_load_before_migrating_says_what_to_do(tmp_path):
    empty = f"sqlite:///{tmp_path / 'empty.sqlite3'}"

    result = run_iisg("demo", "load", IISG_DATABASE_URL=empty)

    assert result.returncode == 1
    assert "run 'iisg db upgrade' first" in result.stderr
