"""Constants of the CORS protocol and the option defaults.

Header names are spelled here once; the rest of the package and the tests import them.
"""

from __future__ import annotations

from typing import Any

# Response headers.
ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACEH = "Access-Control-Expose-Headers"
ACMA = "Access-Control-Max-Age"
ACAPN = "Access-Control-Allow-Private-Network"

# Request headers, and the WSGI environ keys they arrive under.
ORIGIN = "Origin"
ACRM = "Access-Control-Request-Method"
ACRH = "Access-Control-Request-Headers"
ACRPN = "Access-Control-Request-Private-Network"
ENVIRON_ORIGIN = "HTTP_ORIGIN"
ENVIRON_ACRM = "HTTP_ACCESS_CONTROL_REQUEST_METHOD"
ENVIRON_ACRH = "HTTP_ACCESS_CONTROL_REQUEST_HEADERS"
ENVIRON_ACRPN = "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"

#: FETCH-B1: methods that never need a preflight and always pass its method check (B5).
SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})
#: FETCH-B2: methods scripts cannot send.
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})

#: FETCH-C11 (and P6): request headers scripts cannot set, lower-cased.
FORBIDDEN_REQUEST_HEADERS = frozenset(
    {
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "access-control-request-private-network",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    }
)
FORBIDDEN_REQUEST_HEADER_PREFIXES = ("proxy-", "sec-")
#: FETCH-D2: response headers a browser never exposes to scripts.
FORBIDDEN_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})

#: FETCH-L2: the largest Access-Control-Max-Age each engine honours.
CHROMIUM_MAX_AGE_CAP = 7200
FIREFOX_MAX_AGE_CAP = 86400

#: Longest Origin value we look at. Real origins are a scheme, a host of at most 253
#: characters and a port; anything longer is junk or an attack and is never reflected.
MAX_ORIGIN_LENGTH = 2048
#: Longest Origin a real browser can send: a scheme (32 characters is generous), "://", a host
#: of at most 253 characters and ":" with a five-digit port. User regexes only ever see Origin
#: values up to this length, so a backtracking pattern cannot be fed kilobytes.
MAX_REAL_ORIGIN_LENGTH = 32 + 3 + 253 + 6
#: Longest Access-Control-Request-Headers value we parse (FETCH-C9 lists are short).
MAX_REQUEST_HEADERS_LENGTH = 8192
#: Longest Access-Control-Request-Method value we look at.
MAX_METHOD_LENGTH = 64

DEFAULT_METHODS = ("GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE")

#: Every option, with flask-cors's default. The app config key is ``CORS_`` + upper-cased name.
DEFAULT_OPTIONS: dict[str, Any] = {
    "resources": r"/*",
    "origins": "*",
    "methods": DEFAULT_METHODS,
    "allow_headers": "*",
    "expose_headers": None,
    "supports_credentials": False,
    "max_age": None,
    "send_wildcard": False,
    "vary_header": True,
    "automatic_options": True,
    "always_send": True,
    "intercept_exceptions": True,
    "allow_private_network": False,
    # Ours: the named opt-in to reflect any origin together with credentials.
    "dangerously_allow_any_origin_with_credentials": False,
    # Ours: the X-Corsx-Explain header on refused responses; None follows app.debug.
    "explain_header": None,
    # Ours: when ``origins`` is a callable, how long (seconds) and how many of its answers
    # each process keeps.
    "origins_cache_ttl": 60,
    "origins_cache_size": 10_000,
}

OPTION_NAMES = frozenset(DEFAULT_OPTIONS)
#: The options a per-origin rule may set for the origins it matches; the rest apply to the
#: whole scope (resource, blueprint, view). ``schemes`` and ``ports`` exist only in rules.
RULE_OPTIONS = frozenset(
    {
        "methods",
        "allow_headers",
        "expose_headers",
        "supports_credentials",
        "max_age",
        "dangerously_allow_any_origin_with_credentials",
        "schemes",
        "ports",
    }
)
CONFIG_PREFIX = "CORS_"
