"""Switch the import and keep working (issue 10): what flask-cors users' apps and test suites
do, and what flask_corsx must keep doing for them. Strict only where a hole opens.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers import get, preflight

from flask_corsx import CORS, CORSConfigError, CORSConfigWarning, cross_origin
from flask_corsx.defaults import ACAC, ACAH, ACAO

APP = "https://app.example.com"


def api_app() -> Flask:
    app = Flask("switching")

    @app.route("/<path:path>", methods=["GET", "POST", "PUT"])
    def anything(path: str) -> str:
        return path

    @app.route("/")
    def index() -> str:
        return "index"

    return app


def quietly(app: Flask, **options: Any) -> FlaskClient:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CORSConfigWarning)
        CORS(app, **options)
    return app.test_client()


# -- 1. request Origins without a scheme ----------------------------------------------------------


def test_default_policy_reflects_a_scheme_less_test_origin() -> None:
    # flask-cors's API docs and many test suites send "Origin: www.example.com".
    client = quietly(api_app())
    response = client.get("/", headers={"Origin": "www.example.com"})
    assert response.headers[ACAO] == "www.example.com"


def test_send_wildcard_answers_a_scheme_less_origin_with_star() -> None:
    client = quietly(api_app(), send_wildcard=True)
    assert client.get("/", headers={"Origin": "www.example.com"}).headers[ACAO] == "*"


def test_regex_that_matches_a_scheme_less_origin_allows_it() -> None:
    client = quietly(api_app(), origins=[r".*\.example\.com"])
    assert client.get("/", headers={"Origin": "www.example.com"}).headers[ACAO] == (
        "www.example.com"
    )
    assert ACAO not in client.get("/", headers={"Origin": "www.evil.net"}).headers


@pytest.mark.parametrize("value", ["www.example.com\r\nX-Injected: 1", "a b", "a,b", "ünï"])
def test_unsafe_scheme_less_values_stay_refused(value: str) -> None:
    client = quietly(api_app())
    response = client.get("/", environ_base={"HTTP_ORIGIN": value})
    assert ACAO not in response.headers


# -- 2. configured origins without a scheme -------------------------------------------------------


def test_configured_scheme_less_literal_matches_exactly_that_string() -> None:
    app = api_app()
    with pytest.warns(CORSConfigWarning, match=r"write 'https://www\.example\.com'.*W012"):
        CORS(app, origins=["www.example.com"])
    client = app.test_client()
    assert client.get("/", headers={"Origin": "www.example.com"}).headers[ACAO]
    assert ACAO not in client.get("/", headers={"Origin": "https://www.example.com"}).headers


def test_configured_scheme_less_regex_stays_a_regex() -> None:
    client = quietly(api_app(), origins=[r".*\.example\.com"])
    assert client.get("/", headers={"Origin": "api.example.com"}).headers[ACAO]


# -- 3. sloppy patterns ---------------------------------------------------------------------------


def test_sloppy_pattern_warns_naming_a_lookalike_and_keeps_working() -> None:
    app = api_app()
    with pytest.warns(CORSConfigWarning, match=r"also allows 'https://axexample\.com'.*W014"):
        CORS(app, origins=["https://.*.example.com"])
    client = app.test_client()
    assert get(client, "/", origin="https://a.example.com").headers[ACAO]


def test_sloppy_pattern_with_credentials_is_refused() -> None:
    with pytest.raises(CORSConfigError) as excinfo:
        CORS(api_app(), origins=["https://.*.example.com"], supports_credentials=True)
    assert excinfo.value.code == "corsx.E015"


# -- 4. entries that can never match --------------------------------------------------------------


def test_dead_entry_is_ignored_and_the_rest_works() -> None:
    app = api_app()
    with pytest.warns(CORSConfigWarning, match=r"https://user\.github\.io.*W013"):
        CORS(app, origins=["https://user.github.io/app", APP, "http://localhost:port"])
    client = app.test_client()
    assert get(client, "/", origin=APP).headers[ACAO] == APP


def test_header_name_that_is_not_a_token_is_ignored_and_the_rest_works() -> None:
    # "application/json" in allow_headers: a value where a header name belongs.
    app = api_app()
    with pytest.warns(CORSConfigWarning, match=r"application/json.*'Content-Type'.*W016"):
        CORS(app, allow_headers=["Content-Type", "application/json"])
    response = preflight(app.test_client(), "/x", origin=APP, headers="content-type")
    assert response.headers[ACAH] == "content-type"


def test_method_that_is_not_a_token_is_ignored_and_the_rest_works() -> None:
    app = api_app()
    with pytest.warns(CORSConfigWarning, match="W017"):
        CORS(app, methods=["GET", "PU T", "PUT"])
    response = preflight(app.test_client(), "/x", origin=APP, method="PUT")
    assert response.headers["Access-Control-Allow-Methods"] == "GET, PUT"


# -- 5. path patterns cover at least what flask-cors covered --------------------------------------


@pytest.mark.parametrize(
    ("pattern", "covered", "not_covered"),
    [
        (r"/api*", ["/api/users", "/api", "/apikeys"], ["/other"]),
        (r"/v1*", ["/v1/x", "/v1", "/v2/x"], ["/other"]),  # "/v" + "1"*, as in flask-cors
        (re.compile("/api/*"), ["/api/users", "/api"], ["/apikeys", "/other"]),
        (r"/api/*", ["/api/users", "/api"], ["/apikeys"]),
        (r"/users/\d+", ["/users/12", "/users/12/edit"], ["/users/me"]),
    ],
)
def test_path_regexes_match_from_the_start_like_flask_cors(
    pattern: object, covered: list[str], not_covered: list[str]
) -> None:
    client = quietly(api_app(), resources={pattern: {}})
    for path in covered:
        assert get(client, path).headers.get(ACAO), path
    for path in not_covered:
        assert ACAO not in get(client, path).headers, path


def test_literal_beats_a_broad_regex_still() -> None:
    # CVE-2024-6839: the specificity order is unchanged.
    client = quietly(
        api_app(),
        resources={r"/api.*": {"origins": "*"}, "/api/admin": {"origins": [APP]}},
    )
    assert ACAO not in get(client, "/api/admin", origin="https://evil.example").headers


# -- 6. several CORS(app) calls accumulate ---------------------------------------------------------


def test_second_cors_call_adds_its_resources() -> None:
    app = api_app()
    CORS(app, resources={r"/api/*": {"origins": [APP]}})
    CORS(app, resources={r"/public/*": {"origins": "*"}})
    client = app.test_client()
    assert get(client, "/api/x", origin=APP).headers[ACAO] == APP
    assert ACAO not in get(client, "/api/x", origin="https://other.example").headers
    assert get(client, "/public/x", origin="https://other.example").headers[ACAO]


def test_same_pattern_twice_keeps_the_first_and_warns() -> None:
    app = api_app()
    CORS(app, resources={r"/api/*": {"origins": [APP]}})
    with pytest.warns(CORSConfigWarning, match=r"/api/\*.*W015"):
        CORS(app, resources={r"/api/*": {"origins": "*"}})
    assert ACAO not in get(app.test_client(), "/api/x", origin="https://other.example").headers


# -- 7. no false E008 -----------------------------------------------------------------------------


def test_keyword_credentials_with_every_resource_naming_origins_starts() -> None:
    app = api_app()
    CORS(
        app,
        resources={r"/*": {"origins": "http://localhost:3000"}},
        supports_credentials=True,
    )
    client = app.test_client()
    response = get(client, "/x", origin="http://localhost:3000")
    assert (response.headers[ACAO], response.headers[ACAC]) == ("http://localhost:3000", "true")
    assert ACAO not in get(client, "/x", origin="https://evil.example").headers


def test_a_resource_left_to_the_keyword_origins_still_gets_e008() -> None:
    with pytest.raises(CORSConfigError) as excinfo:
        CORS(
            api_app(),
            resources={r"/a/*": {"origins": APP}, r"/b/*": {}},
            supports_credentials=True,
        )
    assert excinfo.value.code == "corsx.E008"


# -- 9. a decorator that widens a restricted policy ------------------------------------------------


def test_bare_decorator_under_a_restricted_app_policy_is_named_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = api_app()

    @app.route("/open")
    @cross_origin()
    def open_view() -> str:
        return "open"

    @app.route("/listed")
    @cross_origin(origins=[APP])
    def listed_view() -> str:
        return "listed"

    CORS(app, origins=[APP])
    with caplog.at_level("WARNING", logger="flask_corsx"):
        client = app.test_client()
        get(client, "/open")
        get(client, "/listed")
    lines = [r.getMessage() for r in caplog.records if "W018" in r.getMessage()]
    assert len(lines) == 1
    assert "'open_view'" in lines[0] and repr([APP]) in lines[0]


def test_decorator_under_an_open_app_policy_is_not_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = api_app()

    @app.route("/open")
    @cross_origin()
    def open_view() -> str:
        return "open"

    CORS(app)
    with caplog.at_level("WARNING", logger="flask_corsx"):
        get(app.test_client(), "/open")
    assert "W018" not in caplog.text


# -- 10. header names echoed as spelled -----------------------------------------------------------


def test_request_header_names_are_echoed_as_the_request_spelled_them() -> None:
    client = quietly(api_app())
    response = preflight(client, "/x", origin=APP, headers="Content-Type, X-Requested-With")
    assert response.headers[ACAH] == "Content-Type, X-Requested-With"
    lower = preflight(client, "/x", origin=APP, headers="content-type")
    assert lower.headers[ACAH] == "content-type"


# -- 11. messages users actually meet -------------------------------------------------------------


def test_unknown_option_says_flask_cors_ignored_it_too() -> None:
    with pytest.raises(CORSConfigError) as excinfo:
        CORS(api_app(), support_credentials=True)
    assert "flask-cors ignored it too" in str(excinfo.value)
    assert "did you mean 'supports_credentials'?" in str(excinfo.value)


def test_tutorial_cors_headers_key_says_delete_it() -> None:
    app = api_app()
    app.config["CORS_HEADERS"] = "Content-Type"
    with pytest.warns(CORSConfigWarning) as record:
        CORS(app)
    text = " ".join(str(w.message) for w in record)
    assert "delete it" in text and "CORS_ALLOW_HEADERS" not in text


def test_each_warning_code_once_per_configuration_listing_every_entry() -> None:
    origins = [rf"https://app{i}\.example\.(com|net)" for i in range(1000)]
    with pytest.warns(CORSConfigWarning) as record:
        CORS(api_app(), origins=origins)
    w007 = [w for w in record if "W007" in str(w.message)]
    assert len(w007) == 1
    assert "1000 entries (and 990 more)" in str(w007[0].message)


def test_config_warnings_are_not_repeated_for_blueprints_and_decorators() -> None:
    from flask import Blueprint

    app = api_app()
    app.config["CORS_ORIGINS"] = [r"https://.*\.example\.com"]
    bp = Blueprint("bp", __name__)

    @bp.route("/bp")
    @cross_origin()
    def in_bp() -> str:
        return "bp"

    CORS(bp)
    with pytest.warns(CORSConfigWarning) as record:
        CORS(app)
        app.register_blueprint(bp)
        get(app.test_client(), "/bp", origin="https://a.example.com")
    assert [str(w.message).count("W007") for w in record] == [1]


def test_value_from_config_names_the_key_and_string_booleans_point_to_prefixed_env() -> None:
    app = api_app()
    app.config["CORS_SUPPORTS_CREDENTIALS"] = "true"
    with pytest.raises(CORSConfigError) as excinfo:
        CORS(app, origins=[APP])
    problem = excinfo.value.problems[0]
    assert (problem.code, problem.option) == ("corsx.E002", "CORS_SUPPORTS_CREDENTIALS")
    assert "from_prefixed_env()" in problem.hint


def test_whitespace_separated_origins_get_their_own_diagnosis() -> None:
    with pytest.warns(CORSConfigWarning, match="separated by spaces") as record:
        CORS(api_app(), origins="https://a.example https://b.example")
    assert "'https://a.example, https://b.example'" in str(record[0].message)


def test_empty_origins_string_gets_its_own_diagnosis() -> None:
    with pytest.warns(CORSConfigWarning, match=r"is empty.*W013"):
        CORS(api_app(), origins="")


def test_regex_hint_proposes_the_wildcard_form() -> None:
    with pytest.warns(CORSConfigWarning, match=r"write the wildcard 'http://localhost:\*'.*W007"):
        CORS(api_app(), origins=[r"http://localhost:.*"])
