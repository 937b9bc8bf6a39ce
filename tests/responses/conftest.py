"""Fixtures of the responses pages."""

import pytest

from tests.worlds import mapping_world


@pytest.fixture
def world(db):
    """A small IISG: partners with needs, members with responses, the Secretariat."""
    return mapping_world(db)
