"""The real-server fixtures of tests/e2e, for nginx in front of real instances."""

from tests.e2e.conftest import serve  # noqa: F401
