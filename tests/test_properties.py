"""Property tests: the core never crashes and only ever emits well-formed CORS headers.

Arbitrary text (control characters, non-ASCII, commas, huge values) goes into
``CORSPolicy.evaluate`` for a few representative policies; every answer must be valid HTTP field
syntax (RFC 9110) and valid CORS syntax (FETCH-R5), and must agree with a small model of each
policy. ``deadline=None``: these tests make no timing claims.
"""

from __future__ import annotations

import contextlib
import re
import string
import warnings
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flask_corsx import CORS
from flask_corsx.config import build_policy, resolve_options
from flask_corsx.defaults import (
    ACAC,
    ACAH,
    ACAM,
    ACAO,
    ACAPN,
    ACEH,
    ACMA,
    SAFELISTED_METHODS,
)
from flask_corsx.policy import CORSPolicy, Decision

# When a property fails, Hypothesis's pytest plugin imports libcst to suggest a patch, and libcst
# triggers a DeprecationWarning from mypy_extensions; with filterwarnings=error that turns a
# readable failure into an INTERNALERROR that stops the whole run. Import it once here, quietly.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    with contextlib.suppress(ImportError):  # without libcst the plugin skips the patch too
        import hypothesis.extra._patching  # noqa: F401

PROPERTY = settings(max_examples=300, deadline=None)

APP = "https://app.example.com"
OTHER = "https://other.example.com"
REGEX = re.compile(r"https://[a-z0-9-]+\.example\.com")

POLICY_OPTIONS: dict[str, dict[str, Any]] = {
    "default": {},
    "exact-credentials": {
        "origins": [APP, OTHER],
        "supports_credentials": True,
        "expose_headers": ["X-Total", "X-Page"],
        "max_age": 600,
    },
    "regex": {"origins": [REGEX]},
    "wildcard": {"origins": ["https://*.example.com", "http://localhost:*"]},
    "send-wildcard": {"send_wildcard": True, "expose_headers": "*"},
    "allow-headers-list": {
        "origins": [APP],
        "allow_headers": ["X-Custom", "Content-Type", re.compile(r"x-trace-[a-z]+")],
        "methods": ["GET", "PUT", "PATCH"],
        "allow_private_network": True,
    },
    "any-method": {"origins": [APP], "methods": "*"},
}
POLICIES: dict[str, CORSPolicy] = {
    name: build_policy(resolve_options({}, options)) for name, options in POLICY_OPTIONS.items()
}
KNOWN_HEADERS = {ACAO, ACAC, ACAM, ACAH, ACEH, ACMA, ACAPN}

TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: A value we would accept to see reflected: one header-safe origin string, visible ASCII
#: without spaces or commas (issue 10: "www.example.com" from a test suite counts).
PLAUSIBLE_ORIGIN = re.compile(r"[\x21-\x2b\x2d-\x7e]+")

# -- strategies --------------------------------------------------------------------------------

hostile_text = st.text(max_size=80) | st.text(
    alphabet=st.sampled_from("\r\n\x00\t ,;:/.*@[]?#\x7f\x85\u2028ÄäKK\u212a\u0130\u017f-"),
    max_size=30,
)
label = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
hostname = st.lists(label, min_size=1, max_size=4).map(".".join) | st.sampled_from(
    ["example.com", "app.example.com", "a.b.example.com", "localhost", "[::1]", "127.0.0.1"]
)
built_origin = st.builds(
    lambda scheme, host, suffix, port: f"{scheme}://{host}{suffix}{port}",
    st.sampled_from(["http", "https", "HTTPS", "wss", "ftp"]),
    hostname,
    st.sampled_from(["", ".example.com", ".example.com.evil.net", ".EXAMPLE.com"]),
    st.sampled_from(["", ":443", ":8080", ":0", ":99999", ":", ":abc"]),
)
mutated_origin = st.builds(
    lambda prefix, origin, suffix: prefix + origin + suffix,
    st.sampled_from(["", " ", "x", "\r\n"]),
    st.sampled_from([APP, OTHER, "null", "https://a.example.com", "http://localhost:3000"]),
    st.sampled_from(["", "/", ".", ",", ", " + APP, "\r\n", "\x00", " ", "é"]),
)
origins = (
    st.none()
    | hostile_text
    | built_origin
    | mutated_origin
    | st.sampled_from([APP, OTHER, "null", "https://APP.example.com", "https://a.example.com"])
)
method_names = st.sampled_from(
    ["GET", "HEAD", "POST", "PUT", "PATCH", "patch", "DELETE", "OPTIONS", "TRACE", "Egg", "*"]
)
methods = method_names | hostile_text
request_methods = st.none() | methods
header_names = st.sampled_from(
    ["x-custom", "X-Custom", "content-type", "authorization", "x-trace-id", "x-trace-1", "*"]
)
request_headers = (
    st.none()
    | hostile_text
    | st.lists(header_names | hostile_text, max_size=6).flatmap(
        lambda names: st.sampled_from([",", ", ", " ,", ",\t"]).map(lambda sep: sep.join(names))
    )
)
private_network = (
    st.none() | st.sampled_from(["true", "false", "TRUE", "true, true"]) | hostile_text
)
policy_names = st.sampled_from(sorted(POLICIES))


def is_field_value(value: str) -> bool:
    """RFC 9110 field-value in visible ASCII: VCHAR, SP and HTAB, no leading/trailing space."""
    return all(c == "\t" or 0x20 <= ord(c) < 0x7F for c in value) and value == value.strip(" \t")


def token_list(value: str) -> list[str]:
    """A comma-separated list of tokens (FETCH-H3, R5), or a failed assertion."""
    items = [item.strip(" \t") for item in value.split(",")]
    assert all(TOKEN.fullmatch(item) for item in items), value
    return items


def check_syntax(decision: Decision, origin: str | None, acrm: str | None) -> None:
    headers = decision.headers
    assert set(headers) <= KNOWN_HEADERS
    for name, value in headers.items():
        assert isinstance(value, str)
        assert is_field_value(value), (name, value)
    acao = headers.get(ACAO)
    if acao is not None:
        # FETCH-I7: one origin, "null" or "*"; never a list, never something not asked for.
        assert acao == "*" or acao == origin
        assert "," not in acao
        if acao != "*":
            assert acao == "null" or PLAUSIBLE_ORIGIN.fullmatch(acao), acao
    else:
        assert ACAC not in headers and ACAM not in headers and ACAH not in headers
    if ACAC in headers:
        assert headers[ACAC] == "true"  # FETCH-I5
        assert acao not in (None, "*")  # FETCH-J1
    if ACAM in headers:
        allowed = token_list(headers[ACAM])
        assert acrm is not None
        assert acrm in allowed or acrm in SAFELISTED_METHODS  # FETCH-H5
    if ACAH in headers:
        names = token_list(headers[ACAH])
        assert names == sorted(set(names))
    if ACEH in headers:
        token_list(headers[ACEH])
    if ACMA in headers:
        assert headers[ACMA].isdigit() and headers[ACMA].isascii()  # FETCH-L1
    if ACAPN in headers:
        assert headers[ACAPN] == "true"  # FETCH-P2


# -- properties --------------------------------------------------------------------------------


@PROPERTY
@given(
    name=policy_names,
    method=methods,
    origin=origins,
    acrm=request_methods,
    acrh=request_headers,
    acrpn=private_network,
)
def test_evaluate_emits_only_valid_headers(
    name: str,
    method: str,
    origin: str | None,
    acrm: str | None,
    acrh: str | None,
    acrpn: str | None,
) -> None:
    decision = POLICIES[name].evaluate(method, origin, acrm, acrh, acrpn)
    check_syntax(decision, origin, acrm)
    assert decision.preflight == (method == "OPTIONS" and acrm is not None)  # FETCH-A2


@PROPERTY
@given(name=policy_names, origin=origins, acrm=methods, acrh=request_headers)
def test_preflight_emits_only_valid_headers(
    name: str, origin: str | None, acrm: str, acrh: str | None
) -> None:
    decision = POLICIES[name].evaluate("OPTIONS", origin, acrm, acrh, "true")
    check_syntax(decision, origin, acrm)
    if ACAH in decision.headers:
        assert acrh is not None
        requested = {part.strip(" \t").lower() for part in acrh.split(",")}
        echoed = {name.lower() for name in token_list(decision.headers[ACAH])}
        assert echoed <= requested  # only what was asked


@PROPERTY
@given(name=policy_names, origin=origins, method=methods)
def test_vary_origin_whenever_the_answer_can_depend_on_origin(
    name: str, origin: str | None, method: str
) -> None:
    decision = POLICIES[name].evaluate(method, origin)
    # FETCH-O1/O2: only send_wildcard (with always_send) gives every request the same answer.
    assert decision.vary_origin == (name != "send-wildcard")


def ascii_lower(value: str) -> str:
    return value.translate(str.maketrans(string.ascii_uppercase, string.ascii_lowercase))


@PROPERTY
@given(origin=origins, acrm=request_methods)
def test_exact_list_allows_exactly_the_listed_origins(origin: str | None, acrm: str | None) -> None:
    decision = POLICIES["exact-credentials"].evaluate("OPTIONS", origin, acrm)
    expected = origin is not None and ascii_lower(origin) in {APP, OTHER}
    assert (ACAO in decision.headers) == expected
    if expected:
        assert decision.headers[ACAO] == origin
        assert decision.headers[ACAC] == "true"


@PROPERTY
@given(origin=origins)
def test_regex_allows_only_whole_matches(origin: str | None) -> None:
    headers = POLICIES["regex"].evaluate("GET", origin).headers
    if origin is not None and ACAO in headers:
        assert REGEX.fullmatch(origin), origin


SUBDOMAIN_MODEL = re.compile(r"https://(?:[a-z0-9_-]+\.)+example\.com(?::443)?")
LOCALHOST_MODEL = re.compile(r"http://localhost(?::[0-9]{1,5})?")


@PROPERTY
@given(origin=origins)
def test_wildcard_allows_only_subdomains_and_localhost_ports(origin: str | None) -> None:
    headers = POLICIES["wildcard"].evaluate("GET", origin).headers
    if origin is not None and ACAO in headers:
        lowered = ascii_lower(origin)
        assert origin.isascii()
        assert SUBDOMAIN_MODEL.fullmatch(lowered) or LOCALHOST_MODEL.fullmatch(lowered), origin


@PROPERTY
@given(labels=st.lists(label, min_size=1, max_size=4))
def test_wildcard_allows_every_subdomain(labels: list[str]) -> None:
    origin = "https://" + ".".join(labels) + ".example.com"
    assert POLICIES["wildcard"].evaluate("GET", origin).headers.get(ACAO) == origin


@PROPERTY
@given(acrm=methods)
def test_any_method_echoes_only_tokens(acrm: str) -> None:
    headers = POLICIES["any-method"].evaluate("OPTIONS", APP, acrm).headers
    if TOKEN.fullmatch(acrm) and len(acrm) <= 64:
        assert acrm in token_list(headers[ACAM])  # FETCH-B4: the exact spelling
    else:
        assert ACAM not in headers


# -- through Flask: raw environ values, hostile bytes included ------------------------------------


def _flask_app() -> Flask:
    app = Flask("corsx_properties")
    app.config["TESTING"] = True

    @app.route("/", methods=["GET", "PUT", "PATCH"])
    def index() -> str:
        return "index"

    CORS(app, **POLICY_OPTIONS["allow-headers-list"])
    return app


FLASK_APP = _flask_app()
latin1_text = st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "OPTIONS", "PUT"]),
    origin=st.none() | latin1_text | mutated_origin,
    acrm=st.none() | latin1_text | method_names,
    acrh=st.none() | latin1_text,
)
def test_flask_never_fails_and_emits_valid_headers(
    method: str, origin: str | None, acrm: str | None, acrh: str | None
) -> None:
    environ = {}
    for key, value in (
        ("HTTP_ORIGIN", origin),
        ("HTTP_ACCESS_CONTROL_REQUEST_METHOD", acrm),
        ("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", acrh),
    ):
        if value is not None:
            environ[key] = value
    response = FLASK_APP.test_client().open("/", method=method, environ_base=environ)
    assert response.status_code in (200, 405)
    for name in KNOWN_HEADERS:
        assert len(response.headers.getlist(name)) <= 1  # FETCH-I6
    for name, value in response.headers.items():
        assert is_field_value(value), (name, value)
    acao = response.headers.get(ACAO)
    assert acao is None or acao == origin


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_every_policy_is_exercised(name: str) -> None:
    # Guard against a policy table that silently stops matching anything: each representative
    # policy allows at least one origin, so the properties above see non-empty answers.
    sample = {"regex": "https://a.example.com", "wildcard": "https://a.example.com"}
    decision = POLICIES[name].evaluate("GET", sample.get(name, APP))
    assert ACAO in decision.headers
