"""Hypothesis strategies for hostile requests, and the endpoints they are thrown at.

A request mixes well-formed pieces (a real client_id, a live refresh token, a valid Basic
header) with hostile ones (SQL, NUL, CR/LF, bidi overrides, invalid UTF-8, huge and empty
values, repeats, wrong content types, broken Authorization headers), so that the server is
pushed past its first check as often as it is stopped by it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import quote

from hypothesis import strategies as st

from tests.rfc6749.checks import LEAK_MARKERS

#: a marker that must never come back in a header
INJECTED = "X-Injected"

SQLI = ["' OR '1'='1", "admin'--", "1;DROP TABLE client", "\" OR 1=1 --", "%' OR 1=1 --",
        "'; SELECT pg_sleep(5)--"]
NASTY = ["\x00", "\r\nX-Injected: yes", "\u202e", "\ufeff", "\U0001f600", "<script>", "../",
         "%00", "%0d%0aX-Injected:%20yes", "%C0%AF", "%FF", "\\", '"', "a" * 5000]

PARAMETER_NAMES = ["grant_type", "client_id", "client_secret", "username", "password", "scope",
                   "refresh_token", "token", "token_type_hint", "access_token", "code",
                   "redirect_uri", "state", "nonce", "code_verifier", "everywhere"]
GRANT_TYPES = ["password", "refresh_token", "client_credentials", "authorization_code",
               "urn:ietf:params:oauth:grant-type:jwt-bearer", "PASSWORD"]
CONTENT_TYPES = ["application/x-www-form-urlencoded",
                 "application/x-www-form-urlencoded; charset=UTF-8",
                 "application/x-www-form-urlencoded; charset=latin-1", "application/json",
                 "text/plain", "multipart/form-data; boundary=x", "", "application/xml"]


@dataclass(frozen=True)
class Known:
    """Real values of the test's world, for requests that get past the first check."""

    client_id: str
    secret: str
    public_client_id: str
    refresh_token: str
    access_token: str
    username: str
    password: str


@dataclass(frozen=True)
class Endpoint:
    """One protocol endpoint under attack. `json` endpoints answer RFC JSON errors; pages
    (the coming /authorize and /login) are held to status < 500, no reflection and nothing
    stored."""

    name: str
    method: str
    path: str
    json: bool = True


#: The endpoints the suite attacks.
ENDPOINTS = [
    Endpoint("token", "POST", "/token"),
    Endpoint("revoke", "POST", "/revoke"),
    Endpoint("introspect", "POST", "/introspect"),
    Endpoint("userinfo-get", "GET", "/userinfo"),
    Endpoint("userinfo-post", "POST", "/userinfo"),
    Endpoint("refresh", "POST", "/refresh"),
    Endpoint("account-sessions", "GET", "/account/sessions"),
    Endpoint("authorize", "GET", "/authorize", json=False),
    Endpoint("authorize-post", "POST", "/authorize", json=False),
    Endpoint("login", "POST", "/login", json=False),
]


def _text() -> st.SearchStrategy[str]:
    return st.text(max_size=40)


def values(known: Known) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from([known.client_id, known.public_client_id, known.secret, known.username,
                         known.password, known.refresh_token, known.access_token, "openid",
                         "openid profile email", "", *GRANT_TYPES]),
        st.sampled_from(SQLI + NASTY),
        _text(),
        st.builds(lambda a, b: a + b, st.sampled_from([known.username, known.refresh_token]),
                  st.sampled_from(NASTY + SQLI)),
    )


def _encode(pairs: list[tuple[str, str]], raw_suffix: str) -> str:
    """Form-encode the pairs; the suffix goes in as it is (raw %-escapes, invalid UTF-8)."""
    body = "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in pairs)
    return body + raw_suffix


def forms(known: Known) -> st.SearchStrategy[str]:
    names = st.one_of(st.sampled_from(PARAMETER_NAMES), st.sampled_from(PARAMETER_NAMES),
                      st.sampled_from(PARAMETER_NAMES), _text())
    pair = st.tuples(names, values(known))
    grant = st.tuples(st.just("grant_type"), st.sampled_from(GRANT_TYPES))
    raw = st.sampled_from([""] * 8 + ["&scope=%FF", "&username=%C0%AF", "&&&", "&=x", "&a",
                                      "&client_id=%00", "&grant_type=password"])
    return st.builds(lambda g, rest, suffix: _encode([*g, *rest], suffix),
                     st.lists(grant, max_size=1), st.lists(pair, max_size=6), raw)


def _basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{quote(user)}:{quote(secret)}".encode()).decode()


def authorizations(known: Known) -> st.SearchStrategy[str | None]:
    header_safe = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
    return st.one_of(
        st.none(),
        st.just(_basic(known.client_id, known.secret)),
        st.builds(_basic, values(known), values(known)),
        st.builds(lambda s: "Basic " + s, header_safe),
        st.just(f"Bearer {known.access_token}"),
        st.builds(lambda s: "Bearer " + s, header_safe),
        st.builds(lambda t, i: f"Bearer {t[:i]}{t[i + 1:]}", st.just(known.access_token),
                  st.integers(0, 400)),               # a byte of the real token dropped
        st.just("Bearer " + "A" * 20_000),
        st.just("Bearer a.b"), st.just("Bearer a.b.c.d"),
        header_safe,
    )


@dataclass(frozen=True)
class HostileRequest:
    body: str
    content_type: str
    query: str
    authorization: str | None
    cookie: str | None

    def send(self, http, endpoint: Endpoint):
        headers = {"X-Requested-With": "fetch", "Origin": "https://evil.example"}
        if self.authorization is not None:
            headers["Authorization"] = self.authorization
        if self.cookie is not None:
            http.set_cookie("refresh_token", self.cookie, path="/refresh")
        return http.open(endpoint.path, method=endpoint.method, headers=headers,
                         query_string=self.query or None,
                         data=self.body.encode("utf-8", "surrogatepass")
                         if endpoint.method == "POST" else None,
                         content_type=self.content_type or None)


def requests(known: Known) -> st.SearchStrategy[HostileRequest]:
    some_query = st.one_of(forms(known), st.sampled_from(
        ["access_token=x", "a=1&a=1", "scope=%FF", "x=%00", "everywhere=1"]))
    queries = st.builds(lambda dice, query: query if dice == 0 else "",  # one in five
                        st.integers(0, 4), some_query)
    cookies = st.one_of(st.none(), st.just(known.refresh_token), st.sampled_from(SQLI + NASTY[:3]))
    content_types = st.builds(lambda dice, other: other if dice == 0 else CONTENT_TYPES[0],
                              st.integers(0, 4), st.sampled_from(CONTENT_TYPES))
    return st.builds(HostileRequest, forms(known), content_types, queries,
                     authorizations(known), cookies)


def assert_sane(response, endpoint: Endpoint) -> None:
    """No 5xx but a deliberate 503; RFC error bodies; nothing reflected or leaked."""
    text = response.get_data(as_text=True)
    assert response.status_code < 500, (response.status_code, text)
    for name, value in response.headers:
        assert INJECTED not in value and "\r" not in value and "\n" not in value, (name, value)
    if response.status_code >= 400:  # HD-03 (a success may well name a User-Agent)
        for marker in LEAK_MARKERS:
            assert marker not in text, (marker, text)
    if not endpoint.json:
        return
    assert response.headers.get("Cache-Control") == "no-store", response.headers  # HD-01
    if response.status_code >= 400:
        body = response.get_json()
        assert isinstance(body, dict), text
        if body or response.status_code != 401:  # RFC 6750 §3.1: no token, no error code
            assert isinstance(body.get("error"), str) and body["error"], body
            assert set(body) <= {"error", "error_description", "error_uri"}, body


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _flip_payload(token: str) -> str:
    header, payload, signature = token.split(".")
    flipped = payload[:10] + ("A" if payload[10] != "A" else "B") + payload[11:]
    return f"{header}.{flipped}.{signature}"


def corpus(known: Known) -> dict[str, HostileRequest]:
    """The explicit IV-* corpus, each thrown at every endpoint."""
    form = CONTENT_TYPES[0]
    login = (f"grant_type=password&client_id={known.public_client_id}"
             f"&username={quote(known.username)}&password={quote(known.password)}")

    def body(text: str, authorization: str | None = None, query: str = "") -> HostileRequest:
        return HostileRequest(text, form, query, authorization, None)

    cases = {f"sqli-{name}-{i}": body(f"grant_type=password&{name}={quote(attack)}")
             for name in ("client_id", "username", "refresh_token", "token", "scope", "code")
             for i, attack in enumerate(SQLI)}
    cases.update({
        "nul-in-body": body("grant_type=password&username=alice%00@example.com"),
        "raw-nul-in-body": body("grant_type=password&username=alice\x00"),
        "crlf-in-body": body("client_id=x%0D%0AX-Injected:%20yes&token=t"),
        "crlf-in-query": body("token=t", query="state=x%0D%0AX-Injected:%20yes"),
        "invalid-utf8-body": body("token=%C0%AF&scope=%FF"),
        "ten-mebibytes": body("token=" + "a" * (10 * 1024 * 1024)),
        "5000-scopes": body(login + "&scope=" + "+".join(f"s{i}" for i in range(5000))),
        "long-client-id": body("client_id=" + "c" * 10_000 + "&token=t"),
        "repeated": body(login + "&grant_type=password"),
        "basic-no-credentials": body(login, "Basic"),
        "basic-not-base64": body(login, "Basic !!!not base64!!!"),
        "basic-no-colon": body(login, "Basic " + _b64(b"no colon here")),
        "basic-invalid-utf8": body(login, "Basic " + _b64(b"\xff\xfe:\xc0\xaf")),
        "basic-bad-escapes": body(login, "Basic " + _b64(b"%ZZ:%C0")),
        "basic-nul": body(login, "Basic " + _b64(b"client%00:secret")),
        "basic-huge": body(login, "Basic " + _b64(b"a" * 6000 + b":" + b"b" * 6000)),
        "bearer-empty": body("", "Bearer"),
        "bearer-not-jwt": body("", "Bearer not-a-jwt"),
        "bearer-megabyte": body("", "Bearer " + "A" * 1_000_000),
        "bearer-bad-base64": body("", "Bearer !!!.###.$$$"),
        "bearer-two-segments": body("", "Bearer a.b"),
        "bearer-four-segments": body("", "Bearer a.b.c.d"),
        "bearer-payload-flipped": body("", "Bearer " + _flip_payload(known.access_token)),
        "bearer-signature-stripped": body("", "Bearer " + known.access_token.rsplit(".", 1)[0]
                                          + "."),
    })
    return cases
