"""Run part of the suite in a fresh pytest, to check how a missing service is handled."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).parent.parent


def run_without(
    setting: str, nowhere: str, requirement: str, require: bool, *selection: str
) -> subprocess.CompletedProcess:
    """Run ``selection`` with ``setting`` pointing ``nowhere``, and ``requirement=1`` if asked."""
    environ = dict(os.environ, **{setting: nowhere})
    environ.pop(requirement, None)
    if require:
        environ[requirement] = "1"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *selection]
    return subprocess.run(
        command, cwd=PROJECT, env=environ, capture_output=True, text=True, timeout=300
    )
