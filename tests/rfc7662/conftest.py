"""Introspection fixtures: the revocation tests' resource server, confidential first-party
client and user login."""

from tests.rfc7009.conftest import portal, resource_server, session  # noqa: F401
