"""Origin patterns, resource paths and hostile requests (issue 5).

Each behaviour is checked twice where that makes sense: in the pure core
(``CORSPolicy.evaluate`` / ``ResourceTable.match``) and through a Flask app, with raw WSGI environ
values so that headers Werkzeug's own validation would refuse still reach the library.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import pytest
from flask import Flask

from flask_corsx import CORS, CORSConfigWarning
from flask_corsx.config import build_policy, resolve_options
from flask_corsx.defaults import ACAC, ACAH, ACAM, ACAO, ACAPN, ACEH, ACMA
from flask_corsx.policy import CORSPolicy
from flask_corsx.resources import ResourceTable

APP = "https://app.example.com"
CORS_HEADERS = (ACAO, ACAC, ACAM, ACAH, ACEH, ACMA, ACAPN)

#: Policies the tables refer to by name. Names ending in "-re-str" emit W007 when built.
POLICIES: dict[str, dict[str, Any]] = {
    "default": {},
    "send-wildcard": {"send_wildcard": True},
    "exact": {"origins": [APP]},
    "exact-credentials": {
        "origins": [APP, "https://other.example.com"],
        "supports_credentials": True,
        "allow_headers": ["X-Custom"],
        "expose_headers": ["X-Total"],
        "max_age": 600,
    },
    "any-method-any-header": {"origins": [APP], "methods": "*", "allow_headers": "*"},
    "kit": {"origins": ["https://kit.example.com", "https://sso.example.com"]},
    "punycode": {"origins": ["https://xn--bcher-kva.example"]},
    "re": {"origins": [re.compile(r"https://.*\.example\.com")]},
    "re-str": {"origins": [r"https://.*\.example\.com"]},
    "wildcard": {"origins": ["https://*.example.com"]},
    "wildcard-port": {"origins": ["https://*.example.com:8443"]},
    "localhost-any-port": {"origins": ["http://localhost:*"]},
    "ipv6": {"origins": ["http://[::1]:8080"]},
    "ipv6-any-port": {"origins": ["http://[::1]:*"]},
    "private-network": {"origins": [APP], "allow_private_network": True},
}


def options_of(name: str) -> dict[str, Any]:
    return POLICIES[name]


def core_policy(name: str) -> CORSPolicy:
    if name.endswith("re-str"):
        with pytest.warns(CORSConfigWarning, match=r"corsx\.W007"):
            return build_policy(resolve_options({}, options_of(name)))
    return build_policy(resolve_options({}, options_of(name)))


def flask_app(name: str | None = None, **options: Any) -> Flask:
    app = Flask("corsx_hostile")
    app.config["TESTING"] = True

    @app.route("/", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def index() -> str:
        return "index"

    @app.route("/<path:rest>", methods=["GET", "POST", "PUT"])
    def anything(rest: str) -> str:
        return rest

    if name is not None:
        options = {**options_of(name), **options}
    if name is not None and name.endswith("re-str"):
        with pytest.warns(CORSConfigWarning, match=r"corsx\.W007"):
            CORS(app, **options)
    else:
        CORS(app, **options)
    return app


def wsgi(value: str) -> str:
    """A header value the way a WSGI server hands it over: bytes decoded as latin-1."""
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8").decode("latin-1")
    return value


def environ(
    origin: str | None = None,
    acrm: str | None = None,
    acrh: str | None = None,
    acrpn: str | None = None,
) -> dict[str, str]:
    env: dict[str, str] = {}
    for key, value in (
        ("HTTP_ORIGIN", origin),
        ("HTTP_ACCESS_CONTROL_REQUEST_METHOD", acrm),
        ("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", acrh),
        ("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK", acrpn),
    ):
        if value is not None:
            env[key] = wsgi(value)
    return env


def is_field_value(value: str) -> bool:
    """RFC 9110 field-value in visible ASCII: VCHAR, SP and HTAB, no leading/trailing space."""
    return all(c == "\t" or 0x20 <= ord(c) < 0x7F for c in value) and value == value.strip(" \t")


def respond(
    via: str,
    name: str,
    method: str,
    origin: str | None,
    acrm: str | None = None,
    acrh: str | None = None,
    acrpn: str | None = None,
    path: str = "/",
) -> dict[str, str]:
    """The CORS headers one request gets, from the core or through Flask."""
    if via == "core":
        decision = core_policy(name).evaluate(method, origin, acrm, acrh, acrpn)
        return dict(decision.headers)
    app = flask_app(name)
    response = app.test_client().open(
        path, method=method, environ_base=environ(origin, acrm, acrh, acrpn)
    )
    assert response.status_code == 200
    for header in CORS_HEADERS:
        assert len(response.headers.getlist(header)) <= 1  # FETCH-I6
    for key, value in response.headers.items():
        assert is_field_value(value), (key, value)
    return {k: v for k, v in response.headers.items() if k in CORS_HEADERS}


VIA = pytest.mark.parametrize("via", ["core", "flask"])


# -- origin patterns ---------------------------------------------------------------------------

ORIGIN_CASES = [
    # Exact origins: serialized origins, ASCII case-insensitive (FETCH-K3), reflected verbatim.
    ("exact", APP, True),
    ("exact", "https://APP.Example.COM", True),
    ("exact", "HTTPS://APP.EXAMPLE.COM", True),
    ("exact", "https://app.example.com/", False),
    ("exact", "https://app.example.com:8443", False),
    ("exact", "https://app.example.com:443", False),  # not serialized: browsers omit it
    ("exact", "http://app.example.com", False),
    ("exact", "https://app.example.com.evil.net", False),
    ("exact", "https://evil.app.example.com", False),
    ("exact", "https://app.example.co", False),
    ("exact", "https://app.example.com\n", False),
    # No Unicode case folding: KELVIN SIGN lowers to "k", LONG S casefolds to "s".
    ("kit", "https://KIT.example.com", True),
    ("kit", "https://\u212ait.example.com", False),
    ("kit", "https://\u017fso.example.com", False),
    ("kit", "https://\u212a\u0130T.example.com", False),
    # A raw non-ASCII host never equals its punycode (FETCH-I3: browsers send punycode).
    ("punycode", "https://xn--bcher-kva.example", True),
    ("punycode", "https://XN--BCHER-KVA.example", True),
    ("punycode", "https://bücher.example", False),
    ("punycode", "https://BÜCHER.example", False),
    # re.Pattern and regex-looking strings are matched against the whole origin.
    ("re", "https://a.example.com", True),
    ("re", "https://A.b.example.com", True),
    ("re", "https://a.example.com.evil.net", False),
    ("re", "https://a.example.comevil.net", False),
    ("re", "https://example.com", False),
    ("re", "xhttps://a.example.com", False),
    ("re", "https://a.example.com\n", False),
    ("re", "https://a.example.com:8443", False),
    ("re", "https://evil.net/.example.com", False),  # an Origin never has a path
    ("re", "https://evil.net/x.example.com", False),
    ("re-str", "https://a.example.com", True),
    ("re-str", "https://a.example.com.evil.net", False),
    ("re-str", "https://a.example.com\n", False),
    # Wildcard: one or more labels under example.com, never example.com itself.
    ("wildcard", "https://a.example.com", True),
    ("wildcard", "https://a.b.example.com", True),
    ("wildcard", "https://A.Example.COM", True),
    ("wildcard", "https://xn--bcher-kva.example.com", True),
    ("wildcard", "https://example.com", False),
    ("wildcard", "https://evil.com/.example.com", False),
    ("wildcard", "https://a.example.com.evil.net", False),
    ("wildcard", "https://evilexample.com", False),
    ("wildcard", "https://.example.com", False),
    ("wildcard", "https://a..example.com", False),
    ("wildcard", "https://*.example.com", False),
    ("wildcard", "https://evil.net#.example.com", False),
    ("wildcard", "https://evil.net?.example.com", False),
    ("wildcard", "https://evil.net\\.example.com", False),
    ("wildcard", "https://a.example.com@evil.net", False),
    ("wildcard", "https://evil.net@a.example.com", False),
    ("wildcard", "http://a.example.com", False),
    ("wildcard", "wss://a.example.com", False),
    ("wildcard", "https://a.example.com:8443", False),
    ("wildcard", "https://a.example.com:443", False),
    ("wildcard", "https://a.example.com/", False),
    ("wildcard", "https://bücher.example.com", False),
    ("wildcard-port", "https://a.example.com:8443", True),
    ("wildcard-port", "https://a.example.com", False),
    ("wildcard-port", "https://example.com:8443", False),
    # Any port on one host.
    ("localhost-any-port", "http://localhost:3000", True),
    ("localhost-any-port", "http://localhost:65535", True),
    ("localhost-any-port", "http://localhost", True),
    ("localhost-any-port", "https://localhost:3000", False),
    ("localhost-any-port", "http://localhost.evil.net:3000", False),
    ("localhost-any-port", "http://evil.localhost:3000", False),
    ("localhost-any-port", "http://127.0.0.1:3000", False),
    ("localhost-any-port", "http://localhost:3000/", False),
    ("localhost-any-port", "http://localhost:", False),
    ("localhost-any-port", "http://localhost:3000@evil.net", False),
    ("localhost-any-port", "http://localhost:3o00", False),
    # IPv6 literals.
    ("ipv6", "http://[::1]:8080", True),
    ("ipv6", "http://[::1]", False),
    ("ipv6", "http://[::1]:8081", False),
    ("ipv6", "http://[::2]:8080", False),
    ("ipv6", "http://[::1]:8080]", False),
    ("ipv6", "http://[::1]]:8080", False),
    ("ipv6-any-port", "http://[::1]:3000", True),
    ("ipv6-any-port", "http://[::1]", True),
    ("ipv6-any-port", "http://[::2]:3000", False),
]


def _origin_id(case: tuple[str, str, bool]) -> str:
    name, origin, ok = case
    return f"{name}-{'allows' if ok else 'refuses'}-{origin.encode('unicode_escape').decode()}"


@VIA
@pytest.mark.parametrize(
    ("name", "origin", "expected"), ORIGIN_CASES, ids=map(_origin_id, ORIGIN_CASES)
)
def test_origin_pattern(via: str, name: str, origin: str, expected: bool) -> None:
    headers = respond(via, name, "GET", origin)
    if expected:
        # FETCH-I3/K3: the response reflects the request's exact value, whatever its case.
        assert headers[ACAO] == origin
    else:
        assert ACAO not in headers


def test_exact_origin_reflects_request_spelling_not_configured_spelling() -> None:
    with pytest.warns(CORSConfigWarning, match=r"corsx\.W006"):
        policy = build_policy(resolve_options({}, {"origins": ["HTTPS://App.Example.com:443"]}))
    assert policy.evaluate("GET", "https://app.example.com").headers[ACAO] == APP
    assert (
        policy.evaluate("GET", "https://App.example.com").headers[ACAO] == "https://App.example.com"
    )


# -- resource paths ----------------------------------------------------------------------------

TABLE_CASES = [
    # r"/api/*" covers /api and what is under /api/, nothing else.
    ([(r"/api/*", "api")], "/api", "api"),
    ([(r"/api/*", "api")], "/api/", "api"),
    ([(r"/api/*", "api")], "/api/users/1", "api"),
    ([(r"/api/*", "api")], "/apikeys", None),
    ([(r"/api/*", "api")], "/api-internal", None),
    ([(r"/api/*", "api")], "/v1/api/users", None),
    # Case-sensitive (CVE-2024-6866).
    ([(r"/api/*", "api")], "/API/users", None),
    ([(r"/api/*", "api")], "/Api", None),
    ([("/Admin", "admin")], "/admin", None),
    ([(re.compile(r"/api/v\d+/.*"), "re")], "/API/v1/x", None),
    # "+" is not a space (CVE-2024-6844).
    ([("/files/a+b", "plus")], "/files/a+b", "plus"),
    ([("/files/a+b", "plus")], "/files/a b", None),
    ([("/files/a b", "space")], "/files/a+b", None),
    # The path arrives decoded once; it is never decoded again.
    ([("/public", "public")], "/%70ublic", None),
    ([("/public", "public")], "/public%20", None),
    ([(r"/public/*", "public")], "/%70ublic/x", None),
    # Dot segments: the rule must hold for the path as sent (what Werkzeug routes) and with
    # the dots resolved (CVE-2020-25032), or no rule applies (seams finding 1).
    ([(r"/api/*", "api")], "/api/../private", None),
    ([(r"/api/*", "api"), ("/private", "private")], "/api/../private", None),
    ([(r"/api/*", "api"), ("/private", "private")], "/api/x/../../private", None),
    ([(r"/api/*", "api"), ("/private", "private")], "/api/./users", "api"),
    ([(r"/api/*", "api"), ("/private", "private")], "/private/../api/x", None),
    ([(r"/api/*", "api"), ("/private", "private")], "/../api/x", None),
    ([(r"/api/*", "api"), ("/api/admin/*", "admin")], "/api/admin/../users", None),
    ([(r"/*", "all"), ("/api/admin/*", "admin")], "/api/admin/./x", "admin"),
    ([(r"/api/*", "api")], "/api/..", None),
    ([(re.compile(r"/api/.*"), "re")], "/api/../private", None),
    # A literal path is never shadowed by a broad pattern (CVE-2024-6839), in either order.
    ([(r"/api/.*|/static/.*", "broad"), ("/api/admin", "admin")], "/api/admin", "admin"),
    ([("/api/admin", "admin"), (r"/api/.*|/static/.*", "broad")], "/api/admin", "admin"),
    ([(r"/api/.*|/static/.*", "broad"), ("/api/admin", "admin")], "/api/users", "broad"),
    ([(r"/api/.*|/static/.*", "broad"), ("/api/admin", "admin")], "/static/app.js", "broad"),
    ([(r"/api/*", "subtree"), ("/api/admin", "admin")], "/api/admin", "admin"),
    ([(re.compile(r"/.*"), "re"), ("/api/admin", "admin")], "/api/admin", "admin"),
    ([(r"/*", "all"), ("/api/admin", "admin")], "/api/admin", "admin"),
    ([(r"/*", "all"), (r"/api/*", "api")], "/api/x", "api"),
    ([(r"/api/*", "api"), (r"/api/v1/*", "v1")], "/api/v1/x", "v1"),
]


def _table_id(case: tuple[list[tuple[Any, str]], str, str | None]) -> str:
    rules, path, expected = case
    names = "+".join(name for _, name in rules)
    return f"{names}:{path}->{expected}"


@pytest.mark.parametrize(
    ("rules", "path", "expected"), TABLE_CASES, ids=map(_table_id, TABLE_CASES)
)
def test_resource_table_match(
    rules: list[tuple[Any, str]], path: str, expected: str | None
) -> None:
    assert ResourceTable(rules).match(path) == expected


def _origin_for(name: str) -> str:
    return f"https://{name}.test"


def rule_applied(app: Flask, names: list[str], path: str) -> str | None:
    """Which rule's policy answered ``path``: each rule allows only its own origin."""
    applied = []
    client = app.test_client()
    for name in names:
        response = client.get(path, environ_base={"HTTP_ORIGIN": _origin_for(name)})
        assert response.headers.get(ACAO) in (None, _origin_for(name))
        if ACAO in response.headers:
            applied.append(name)
    assert len(applied) <= 1
    return applied[0] if applied else None


FLASK_PATH_CASES = [
    ([(r"/api/*", "api")], "/api", "api"),
    ([(r"/api/*", "api")], "/api/users", "api"),
    ([(r"/api/*", "api")], "/apikeys", None),
    ([(r"/api/*", "api")], "/api-internal", None),
    ([(r"/api/*", "api")], "/API/users", None),  # CVE-2024-6866
    ([("/files/a+b", "plus")], "/files/a+b", "plus"),  # CVE-2024-6844
    ([("/files/a+b", "plus")], "/files/a%20b", None),
    ([("/files/a b", "space")], "/files/a+b", None),
    ([("/files/a b", "space")], "/files/a%20b", "space"),
    ([("/public", "public")], "/%70ublic", "public"),  # decoded once ...
    ([("/public", "public")], "/%2570ublic", None),  # ... and only once
    # CVE-2020-25032 and seams finding 1: Werkzeug routes these to an /api/<path> view, while
    # the resolved path is /private; the two readings disagree, so neither rule applies.
    ([(r"/api/*", "api"), ("/private", "private")], "/api/../private", None),
    ([(r"/api/*", "api"), ("/private", "private")], "/api/%2e%2e/private", None),
    ([(r"/api/*", "api"), ("/private", "private")], "/api/%2E%2E/private", None),
    ([(r"/api/*", "api"), ("/private", "private")], "/api/.%2e/private", None),
    ([(r"/api/*", "api")], "/api/%2e%2e/private", None),
    ([(r"/api/.*|/static/.*", "broad"), ("/api/admin", "admin")], "/api/admin", "admin"),
    ([("/api/admin", "admin"), (r"/api/.*|/static/.*", "broad")], "/api/admin", "admin"),
    ([(r"/api/.*|/static/.*", "broad"), ("/api/admin", "admin")], "/static/x.js", "broad"),
]


@pytest.mark.parametrize(
    ("rules", "path", "expected"), FLASK_PATH_CASES, ids=map(_table_id, FLASK_PATH_CASES)
)
def test_resource_rule_applied_through_flask(
    rules: list[tuple[str, str]], path: str, expected: str | None
) -> None:
    resources = {pattern: {"origins": [_origin_for(name)]} for pattern, name in rules}
    app = flask_app(resources=resources)
    assert rule_applied(app, [name for _, name in rules], path) == expected


# -- hostile header values ---------------------------------------------------------------------

HUGE = 100_000

HOSTILE_ORIGINS = [
    pytest.param(APP + "\r\nX-Injected: 1", id="crlf"),
    pytest.param(APP + "\nX-Injected: 1", id="lf"),
    pytest.param(APP + "\r", id="cr"),
    pytest.param(APP + "\x00", id="nul"),
    pytest.param("https://app\x00.example.com", id="nul-inside"),
    pytest.param(APP + "\t", id="tab"),
    pytest.param(APP + "\x7f", id="del"),
    pytest.param(APP + "\x85", id="nel"),
    pytest.param(APP + "\u2028", id="line-separator"),
    pytest.param("https://äpp.example.com", id="non-ascii"),
    pytest.param("https://\u0430pp.example.com", id="cyrillic-a"),
    pytest.param(f"{APP}, {APP}", id="duplicated"),
    pytest.param(f"{APP},{APP}", id="comma-joined-no-space"),
    pytest.param(f"{APP}, https://evil.example", id="comma-joined-two"),
    pytest.param(f"{APP} https://evil.example", id="space-joined"),
    pytest.param(" " + APP, id="leading-space"),
    pytest.param("", id="empty"),
    pytest.param(" ", id="space"),
    pytest.param("https://" + "a" * HUGE + ".example.com", id="100KB-host"),
    pytest.param((APP + ",") * (HUGE // len(APP)), id="100KB-list"),
    pytest.param("\r\n" * (HUGE // 2), id="100KB-crlf"),
    pytest.param("https://" + "a." * (HUGE // 2) + "example.com", id="100KB-labels"),
    pytest.param("null\r\n", id="null-crlf"),
]

#: Every origin-matching policy; a hostile Origin is never reflected by any of them.
ORIGIN_POLICIES = [
    "default",
    "exact",
    "exact-credentials",
    "re",
    "wildcard",
    "localhost-any-port",
    "any-method-any-header",
]


def assert_not_reflected(headers: Mapping[str, str], raw: str) -> None:
    for value in headers.values():
        assert is_field_value(value), value
        if raw.strip():
            assert raw not in value
        assert "X-Injected" not in value


@VIA
@pytest.mark.parametrize("name", ORIGIN_POLICIES)
@pytest.mark.parametrize("origin", HOSTILE_ORIGINS)
def test_hostile_origin_on_actual_request(via: str, name: str, origin: str) -> None:
    headers = respond(via, name, "GET", origin)
    assert ACAO not in headers
    assert ACAC not in headers
    assert_not_reflected(headers, origin)


@VIA
@pytest.mark.parametrize("name", ORIGIN_POLICIES)
@pytest.mark.parametrize("origin", HOSTILE_ORIGINS)
def test_hostile_origin_on_preflight(via: str, name: str, origin: str) -> None:
    headers = respond(via, name, "OPTIONS", origin, "PUT", "x-custom")
    assert headers == {}
    assert_not_reflected(headers, origin)


@VIA
@pytest.mark.parametrize("origin", HOSTILE_ORIGINS)
def test_hostile_origin_with_send_wildcard_gets_only_the_wildcard(via: str, origin: str) -> None:
    headers = respond(via, "send-wildcard", "GET", origin)
    assert headers == {ACAO: "*"}


HOSTILE_METHODS = [
    pytest.param("PUT\r\nX-Injected: 1", id="crlf"),
    pytest.param("PUT\n", id="lf"),
    pytest.param("PUT\x00", id="nul"),
    pytest.param("P\x00UT", id="nul-inside"),
    pytest.param("PÜT", id="non-ascii"),
    pytest.param("PUT, DELETE", id="comma-joined"),
    pytest.param("PUT,PUT", id="duplicated"),
    pytest.param("PUT DELETE", id="space"),
    pytest.param(" PUT", id="leading-space"),
    pytest.param("", id="empty"),
    pytest.param(" ", id="blank"),
    pytest.param("P" * HUGE, id="100KB"),
    pytest.param("PUT," * (HUGE // 4), id="100KB-list"),
    pytest.param("(PUT)", id="not-a-token"),
]


@VIA
@pytest.mark.parametrize("name", ["exact", "exact-credentials", "any-method-any-header"])
@pytest.mark.parametrize("acrm", HOSTILE_METHODS)
def test_hostile_request_method_is_refused(via: str, name: str, acrm: str) -> None:
    headers = respond(via, name, "OPTIONS", APP, acrm)
    assert headers[ACAO] == APP  # the origin is fine; the method is not
    assert ACAM not in headers  # FETCH-H5 fails in the browser: refused
    assert ACAH not in headers
    assert_not_reflected(headers, acrm)


# (ACRH value, ACAH with allow_headers="*", ACAH with allow_headers=["X-Custom"])
HOSTILE_REQUEST_HEADERS = [
    pytest.param("x-custom\r\nx-injected: 1", None, None, id="crlf"),
    pytest.param("x-custom\n", None, None, id="lf"),
    pytest.param("x-custom\x00", None, None, id="nul"),
    pytest.param("x-cüstom", None, None, id="non-ascii"),
    pytest.param("x custom", None, None, id="space-inside"),
    pytest.param("x-custom:1", None, None, id="colon"),
    pytest.param("(x-custom)", None, None, id="parens"),
    pytest.param("x-custom\tx-other", None, None, id="tab-inside"),
    pytest.param("", None, None, id="empty"),
    pytest.param(" , ,", None, None, id="empty-elements"),
    pytest.param("x-custom,x-custom", "x-custom", "x-custom", id="duplicated"),
    # Issue 10: echoed once, as first spelled (header names are case-insensitive, FETCH-K1).
    pytest.param("X-Custom, x-custom ,X-CUSTOM", "X-Custom", "X-Custom", id="duplicated-case"),
    pytest.param("\tx-custom\t", "x-custom", "x-custom", id="ows-tabs"),  # FETCH-C9, S12
    pytest.param(
        "x-custom, x bad, x-other", "x-custom, x-other", "x-custom", id="one-invalid-name"
    ),
    pytest.param("x-custom, x-other\r\nx-injected: 1", "x-custom", "x-custom", id="crlf-in-second"),
    # FETCH-C12: Authorization is echoed by name, never covered by a bare "*".
    pytest.param("Authorization", "Authorization", None, id="authorization-FETCH-C12"),
    pytest.param("x-custom," * (HUGE // 9), None, None, id="100KB-list"),
    pytest.param("a" * HUGE, None, None, id="100KB-name"),
    pytest.param("," * HUGE, None, None, id="100KB-commas"),
]


@VIA
@pytest.mark.parametrize(("acrh", "star_value", "list_value"), HOSTILE_REQUEST_HEADERS)
def test_hostile_request_headers(
    via: str, acrh: str, star_value: str | None, list_value: str | None
) -> None:
    for name, expected in (
        ("any-method-any-header", star_value),
        ("exact-credentials", list_value),
    ):
        headers = respond(via, name, "OPTIONS", APP, "PUT", acrh)
        assert headers[ACAO] == APP
        assert headers.get(ACAH) == expected, name
        if expected is not None:
            # Only valid tokens are echoed (FETCH-R5, H3).
            token = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
            assert all(token.fullmatch(n) for n in expected.split(", "))
        if acrh != expected:  # a clean, allowed name is echoed as sent (issue 10)
            assert_not_reflected(headers, acrh)


@VIA
@pytest.mark.parametrize(
    ("acrpn", "expected"),
    [
        pytest.param("true", "true", id="true"),
        pytest.param("TRUE", None, id="upper"),
        pytest.param("true, true", None, id="duplicated"),
        pytest.param("true\r\nX-Injected: 1", None, id="crlf"),
        pytest.param("", None, id="empty"),
        pytest.param("t" * HUGE, None, id="100KB"),
    ],
)
def test_hostile_private_network_request(via: str, acrpn: str, expected: str | None) -> None:
    headers = respond(via, "private-network", "OPTIONS", APP, "GET", None, acrpn)
    assert headers[ACAO] == APP
    assert headers.get(ACAPN) == expected  # FETCH-P2/P7: exactly "true" or nothing
    if expected is None:
        assert_not_reflected(headers, acrpn)


def test_hostile_values_everywhere_at_once() -> None:
    bad = "\r\n\x00ü, " * 20_000
    app = flask_app("exact-credentials")
    response = app.test_client().options(
        "/", environ_base=environ(bad, bad, bad, bad) | {"HTTP_COOKIE": bad}
    )
    assert response.status_code == 200
    assert not any(header in response.headers for header in CORS_HEADERS)


# -- requests without Origin (flask-cors #338) --------------------------------------------------

NO_ORIGIN_CASES = [
    pytest.param({}, "*", id="default"),
    pytest.param({"send_wildcard": True}, "*", id="send-wildcard"),
    pytest.param({"always_send": False}, None, id="default-not-always-send"),
    pytest.param({"origins": APP}, None, id="one-origin"),
    pytest.param({"origins": [APP]}, None, id="one-origin-list"),
    pytest.param({"origins": [APP, "https://b.example.com"]}, None, id="two-origins"),
    pytest.param({"origins": [APP], "supports_credentials": True}, None, id="credentials"),
    pytest.param({"origins": ["https://*.example.com"]}, None, id="wildcard"),
    pytest.param({"origins": ["http://localhost:*"]}, None, id="any-port"),
    pytest.param({"origins": [re.compile(r"https://[a-z]+\.example\.com")]}, None, id="re"),
    pytest.param(
        {"supports_credentials": True, "dangerously_allow_any_origin_with_credentials": True},
        None,
        id="any-origin-credentials",
    ),
]


@pytest.mark.parametrize(("options", "expected"), NO_ORIGIN_CASES)
@pytest.mark.parametrize("kind", ["actual", "preflight"])
def test_request_without_origin_never_gets_an_allow_list_entry(
    options: dict[str, Any], expected: str | None, kind: str
) -> None:
    app = flask_app(**options)
    client = app.test_client()
    if kind == "actual":
        response = client.get("/")
    else:
        response = client.options("/", environ_base=environ(acrm="PUT"))
    assert response.headers.get(ACAO) == expected
    if expected is None:
        assert ACAC not in response.headers
        assert ACAM not in response.headers


@pytest.mark.parametrize(("options", "expected"), NO_ORIGIN_CASES)
def test_core_without_origin_never_gets_an_allow_list_entry(
    options: dict[str, Any], expected: str | None
) -> None:
    policy = build_policy(resolve_options({}, options))
    assert policy.evaluate("GET", None).headers.get(ACAO) == expected
    assert policy.evaluate("OPTIONS", None, "PUT", "x-custom").headers.get(ACAO) == expected


# -- logging -----------------------------------------------------------------------------------

LOGGED_VALUES = [
    pytest.param(APP + "\r\nX-Injected: 1", id="crlf"),
    pytest.param(APP + "\n2024-01-01 INFO fake entry", id="lf"),
    pytest.param(APP + "\r", id="cr"),
    pytest.param(APP + "\x85fake", id="nel"),
    pytest.param(APP + "\u2028fake", id="line-separator"),
    pytest.param(APP + "\x1b[31mred", id="ansi-escape"),
]


@pytest.mark.parametrize("origin", LOGGED_VALUES)
@pytest.mark.parametrize("kind", ["actual", "preflight"])
def test_log_never_holds_raw_header_values(
    caplog: pytest.LogCaptureFixture, origin: str, kind: str
) -> None:
    # CVE-2024-1681: a raw CR/LF in a log record lets a client forge log lines.
    caplog.set_level(logging.DEBUG, logger="flask_corsx")
    app = flask_app("exact")
    client = app.test_client()
    if kind == "actual":
        client.get("/", environ_base=environ(origin))
    else:
        client.options("/", environ_base=environ(origin, "PUT\r\nX: y", "a\r\nb"))
    records = [r for r in caplog.records if r.name.startswith("flask_corsx")]
    assert records, "a refused request is logged at DEBUG"
    for record in records:
        message = record.getMessage()
        assert "\r" not in message and "\n" not in message
        assert len(message.splitlines()) == 1
        assert "\x1b" not in message
        assert "\x00" not in message


def test_refused_header_values_are_logged_escaped(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="flask_corsx")
    app = flask_app("exact")
    app.test_client().options("/", environ_base=environ(APP, "PUT", "x-custom\r\nx-injected: 1"))
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("flask_corsx")]
    assert messages
    assert all("\r" not in m and "\n" not in m for m in messages)


def test_non_ascii_name_that_lowers_to_ascii_is_never_echoed() -> None:
    # U+212A KELVIN SIGN lower-cases to "k"; echoing the request's spelling must not let it in.
    from flask_corsx.config import build_policy, resolve_options

    policy = build_policy(resolve_options({}, {}))
    decision = policy.evaluate("OPTIONS", "https://a.example", "GET", "\u212a, x-ok")
    assert decision.headers["Access-Control-Allow-Headers"] == "x-ok"
