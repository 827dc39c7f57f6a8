"""explain(): from a blocked request to the server-side reason in one step (issue 11 item 1).

Item ids refer to the project's Fetch checklist (../shared/cors-reference.md).
"""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask

from flask_corsx import CORS, cross_origin
from flask_corsx.browser import preflight_reasons, unsafe_header_names
from flask_corsx.explanation import explain

SPA = "http://localhost:3000"


def api() -> Flask:
    app = Flask("explained")
    app.config["CORS_MAX_AGE"] = 600

    @app.route("/api/items", methods=["GET", "PUT", "DELETE"])
    def items() -> str:
        return "items"

    @app.route("/api/open")
    @cross_origin(origins="*")
    def open_view() -> str:
        return "open"

    @app.route("/apikeys")
    def apikeys() -> str:
        return "keys"

    CORS(
        app,
        resources={r"/api/*": {"origins": [SPA], "methods": ["GET", "DELETE"]}},
        supports_credentials=True,
    )
    return app


def test_names_the_governing_scope_and_where_each_option_came_from() -> None:
    result = explain(api(), SPA, "GET", "/api/items")
    assert (result.scope.kind, result.scope.rule) == ("app", "/api/*")
    sources = {name: source for name, _, source in result.options}
    assert sources["origins"] == "resource"
    assert sources["supports_credentials"] == "keyword"
    assert sources["max_age"] == "CORS_MAX_AGE"
    assert sources["expose_headers"] == "default"
    assert result.allowed


def test_decorator_scope_is_named_by_its_endpoint() -> None:
    result = explain(api(), "https://anyone.example", "GET", "/api/open")
    assert (result.scope.kind, result.scope.endpoint) == ("decorator", "open_view")
    assert result.allowed


def test_blueprint_scope_is_named_by_blueprint_and_rule() -> None:
    app = Flask("bp")
    bp = Blueprint("partners", __name__, url_prefix="/partners")

    @bp.route("/feed")
    def feed() -> str:
        return "feed"

    CORS(bp, resources={r"/partners/*": {"origins": [SPA]}})
    app.register_blueprint(bp)
    result = explain(app, SPA, "GET", "/partners/feed")
    assert (result.scope.kind, result.scope.blueprint, result.scope.rule) == (
        "blueprint",
        "partners",
        "/partners/*",
    )
    assert "CORS(partners) rule '/partners/*'" in str(result)


def test_refused_method_is_blocked_at_the_preflight_with_chromiums_words_and_the_fix() -> None:
    result = explain(api(), SPA, "PUT", "/api/items", credentials=True)
    assert result.preflight is not None and result.actual is None  # never sent (FETCH-H5)
    assert result.preflight.verdict.check == "FETCH-H5"
    assert result.console_line("http://127.0.0.1:5001/api/items") == (
        "Access to fetch at 'http://127.0.0.1:5001/api/items' from origin "
        "'http://localhost:3000' has been blocked by CORS policy: Method PUT is not allowed by "
        "Access-Control-Allow-Methods in preflight response."
    )
    assert result.fixes == ("add 'PUT' to methods (in CORS(app) rule '/api/*')",)


def test_refused_header_names_the_header_in_the_fix() -> None:
    app = Flask("headers")

    @app.route("/x", methods=["POST"])
    def x() -> str:
        return "x"

    CORS(app, origins=[SPA], allow_headers=["Content-Type"])
    result = explain(app, SPA, "POST", "/x", headers=["X-Api-Key: k", "Content-Type: text/plain"])
    assert result.preflight_reasons == (
        "the request sets header(s) that are not CORS-safelisted: x-api-key (FETCH-C1..C9)",
    )
    assert result.preflight is not None
    assert ("Access-Control-Request-Headers", "x-api-key") in result.preflight.request_headers
    assert not result.allowed
    assert "add 'x-api-key' to allow_headers" in result.fixes[0]


def test_the_exact_headers_for_preflight_and_actual_request() -> None:
    result = explain(api(), SPA, "DELETE", "/api/items", credentials=True)
    assert result.preflight is not None and result.actual is not None
    preflight = dict(result.preflight.response_headers)
    assert preflight["Access-Control-Allow-Origin"] == SPA
    assert preflight["Access-Control-Allow-Credentials"] == "true"
    assert preflight["Access-Control-Max-Age"] == "600"
    assert dict(result.actual.response_headers)["Vary"] == "Origin"
    assert result.allowed


def test_credentialed_call_to_a_policy_without_credentials() -> None:
    app = Flask("nocreds")

    @app.route("/x")
    def x() -> str:
        return "x"

    CORS(app, origins=[SPA])
    result = explain(app, SPA, "GET", "/x", credentials=True)
    assert result.blocking is not None and result.blocking.check == "FETCH-I5"
    assert result.fixes == ("set supports_credentials=True (in CORS(app) rule '/*') (with origins "
                            "listed)",)


@pytest.mark.parametrize(
    ("origin", "difference"),
    [
        ("https://localhost:3000", "in the scheme"),
        ("http://localhost:3001", "in the port"),
        ("http://127.0.0.1:3000", "in the host (127.0.0.1 against localhost)"),
        ("http://localhost:3000/", "by the trailing slash"),
    ],
)
def test_near_misses_are_named(origin: str, difference: str) -> None:
    result = explain(api(), origin, "GET", "/api/items")
    assert not result.allowed
    assert any(difference in miss for miss in result.near_misses), result.near_misses


def test_www_near_miss() -> None:
    app = Flask("www")

    @app.route("/x")
    def x() -> str:
        return "x"

    CORS(app, origins=["https://www.example.com"])
    result = explain(app, "https://example.com", "GET", "/x")
    assert any("by 'www.'" in miss for miss in result.near_misses)


def test_path_no_rule_covers_names_the_rule_that_nearly_does() -> None:
    result = explain(api(), SPA, "GET", "/apikeys")
    assert result.scope.kind == "none"
    assert not result.allowed
    assert result.near_misses == ("the rule '/api/*' comes closest but does not cover '/apikeys'",)


def test_app_without_flask_corsx_says_so() -> None:
    app = Flask("bare")
    result = explain(app, SPA, "GET", "/")
    assert not result.allowed
    assert "not set up" in str(result)


def test_report_reads_in_plain_words() -> None:
    text = str(explain(api(), SPA, "PUT", "/api/items"))
    for expected in (
        "PUT /api/items from Origin http://localhost:3000",
        "Governed by: CORS(app) rule '/api/*'",
        "Preflight: yes, because the method PUT is not GET, HEAD or POST (FETCH-B1)",
        "  > Access-Control-Request-Method: PUT",
        "  < Access-Control-Allow-Origin: http://localhost:3000",
        "Actual request: not sent, because the preflight failed",
        "Verdict: BLOCKED",
        "Fix: add 'PUT' to methods",
    ):
        assert expected in text, expected


def test_method_is_normalized_like_a_browser_does() -> None:
    # FETCH-B3: "delete" is sent as DELETE, "patch" stays "patch".
    assert explain(api(), SPA, "delete", "/api/items").method == "DELETE"
    assert explain(api(), SPA, "patch", "/api/items").method == "patch"


# -- the Fetch safelist rules that decide whether a preflight is sent (FETCH-C1..C9) -------------


@pytest.mark.parametrize(
    ("headers", "unsafe"),
    [
        ({"Content-Type": "text/plain;charset=utf-8"}, []),
        ({"Content-Type": "application/json"}, ["content-type"]),
        ({"Content-Type": None}, ["content-type"]),
        ({"Accept": "application/json"}, []),
        ({"Accept": "x" * 129}, ["accept"]),  # FETCH-C2: over 128 bytes
        ({"Accept": "a(b)"}, ["accept"]),  # FETCH-C7: unsafe bytes
        ({"Accept-Language": "de-CH, en;q=0.5"}, []),
        ({"Content-Language": "de@x"}, ["content-language"]),  # FETCH-C4
        ({"Range": "bytes=0-499"}, []),
        ({"Range": "bytes=-500"}, ["range"]),  # FETCH-C6: suffix ranges are not safelisted
        ({"X-Api-Key": "k", "Authorization": "Bearer t"}, ["authorization", "x-api-key"]),
    ],
)
def test_unsafe_header_names(headers: dict[str, str | None], unsafe: list[str]) -> None:
    assert unsafe_header_names(headers) == unsafe


def test_preflight_reasons() -> None:
    assert preflight_reasons("GET", {}) == []
    assert preflight_reasons("POST", {"Content-Type": "text/plain"}) == []
    assert preflight_reasons("put", {}) == ["the method PUT is not GET, HEAD or POST (FETCH-B1)"]
    assert preflight_reasons("GET", {}, private_network=True) == [
        "it targets a private network address (FETCH-P1)"
    ]
