"""Fixtures for the missing tests: the API client from tests/api."""

from tests.api.conftest import api_as  # noqa: F401  (a fixture, used by test_api.py)
