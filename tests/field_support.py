"""Fixtures of the field app's tests, offered to every test (tests/conftest.py lists this module
in ``pytest_plugins``): a module asks for ``helper`` instead of importing it from another test
module. The plain builders they use are in tests/factories.py."""

import pytest

from tests.factories import field_helper


@pytest.fixture
def helper(app, make_user):
    """A field helper of Quảng Ninh attached to its first two communes (FIELD_COMMUNES[:2])."""
    return field_helper(app, make_user)
