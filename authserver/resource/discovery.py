"""Finding the issuer's endpoints from its metadata (RFC 8414 §3, OIDC Discovery §4)."""

from __future__ import annotations

from urllib.parse import urlsplit

from .errors import IssuerUnavailable
from .http import FetchError, fetchable, get_json


def metadata_urls(issuer: str) -> list[str]:
    """RFC 8414 inserts the well-known segment before the issuer's path; OIDC appends it."""
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    return [f"{parts.scheme}://{parts.netloc}/.well-known/oauth-authorization-server{path}",
            f"{issuer.rstrip('/')}/.well-known/openid-configuration"]


def discover(issuer: str, timeout: float) -> dict:
    """The issuer's metadata; it must name exactly this issuer (RFC 8414 §3.3)."""
    failures = []
    for url in metadata_urls(issuer):
        try:
            document, _ = get_json(url, timeout)
        except FetchError as exc:
            failures.append(str(exc))
            continue
        if document.get("issuer") != issuer:
            raise IssuerUnavailable(f"{url} is the metadata of {document.get('issuer')!r}, "
                                    f"not of {issuer!r}")
        return document
    raise IssuerUnavailable(f"no metadata for {issuer}: {'; '.join(failures)}")


def endpoint(metadata: dict, name: str) -> str:
    """An endpoint URL from the metadata, checked before anything is sent to it."""
    url = metadata.get(name)
    if not fetchable(url):
        raise IssuerUnavailable(f"the issuer's metadata has no usable {name}: {url!r}")
    return url
