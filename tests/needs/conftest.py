"""Fixtures of the needs pages."""

import pytest

from tests.needs.cast import build_cast


@pytest.fixture
def cast(db):
    """Partners, a member and the Secretariat, with an open and an adopted cycle."""
    return build_cast()
