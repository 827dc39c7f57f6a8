"""Configuration errors (CORSConfigError) and warnings (CORSConfigWarning), issue 5.

Every row of the tables below names the exact codes (and the option each code is reported on)
that one configuration must produce. ``test_every_code_is_produced_by_a_table_row`` checks that
the tables together cover every code in :data:`flask_corsx.errors.CODES`.
"""

from __future__ import annotations

import ast
import pathlib
import re
import warnings
from datetime import timedelta
from typing import Any

import pytest
from flask import Blueprint, Flask

from flask_corsx import CORS, CORSConfigError, CORSConfigWarning, cross_origin
from flask_corsx.defaults import ACAC, ACAO, DEFAULT_OPTIONS
from flask_corsx.errors import CODES, RETIRED_CODES

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "flask_corsx"
APP_ORIGIN = "https://app.example.com"
OK_ORIGINS = [APP_ORIGIN]

Expected = list[tuple[str, str]]  # (code, option as reported), in report order


def make_app() -> Flask:
    app = Flask("corsx_config_errors")
    app.config["TESTING"] = True

    @app.route("/", methods=["GET", "POST", "PUT"])
    def index() -> str:
        return "index"

    @app.route("/<path:rest>")
    def anything(rest: str) -> str:
        return rest

    return app


def codes_of(problems: Any) -> Expected:
    return [(p.code, p.option) for p in problems]


def warning_code(message: str) -> str:
    match = re.search(r"\[(corsx\.W\d{3})\]$", message)
    assert match is not None, f"warning without a code: {message!r}"
    return match.group(1)


# -- errors ------------------------------------------------------------------------------------

ERROR_CASES = [
    # E001: unknown option names, each with a "did you mean".
    pytest.param({"origin": APP_ORIGIN}, [("corsx.E001", "origin")], id="E001-origin"),
    pytest.param({"max_ages": 600}, [("corsx.E001", "max_ages")], id="E001-max_ages"),
    pytest.param(
        {"supports-credentials": True},
        [("corsx.E001", "supports-credentials")],
        id="E001-dash-instead-of-underscore",
    ),
    pytest.param(
        {"resources": {r"/api/*": {"orgins": OK_ORIGINS}}},
        [("corsx.E001", "resources['/api/*'].orgins")],
        id="E001-resource-level",
    ),
    # E002: wrong types.
    pytest.param(
        {"supports_credentials": "true"},
        [("corsx.E002", "supports_credentials")],
        id="E002-credentials-str",
    ),
    pytest.param({"send_wildcard": 1}, [("corsx.E002", "send_wildcard")], id="E002-bool-int"),
    pytest.param(
        {"explain_header": "yes"}, [("corsx.E002", "explain_header")], id="E002-explain-header"
    ),
    pytest.param({"vary_header": None}, [("corsx.E002", "vary_header")], id="E002-bool-none"),
    pytest.param({"always_send": "no"}, [("corsx.E002", "always_send")], id="E002-always_send"),
    pytest.param(
        {"automatic_options": 0}, [("corsx.E002", "automatic_options")], id="E002-auto-options"
    ),
    pytest.param(
        {"intercept_exceptions": []},
        [("corsx.E002", "intercept_exceptions")],
        id="E002-intercept-list",
    ),
    pytest.param(
        {"allow_private_network": "true"},
        [("corsx.E002", "allow_private_network")],
        id="E002-pna-str",
    ),
    pytest.param(
        {"dangerously_allow_any_origin_with_credentials": "yes"},
        [("corsx.E002", "dangerously_allow_any_origin_with_credentials")],
        id="E002-opt-in-str",
    ),
    pytest.param({"origins": 42}, [("corsx.E002", "origins")], id="E002-origins-int"),
    pytest.param({"origins": [42]}, [("corsx.E002", "origins")], id="E002-origin-entry-int"),
    pytest.param(
        {"origins": b"https://app.example.com"},
        [("corsx.E002", "origins")],
        id="E002-origins-bytes",
    ),
    pytest.param(
        # A dict is per-origin rules now: each value must be that origin's options.
        {"origins": {APP_ORIGIN: True}},
        [("corsx.E002", f"origins[{APP_ORIGIN!r}]")],
        id="E002-origin-rule-not-a-dict",
    ),
    pytest.param({"methods": 42}, [("corsx.E002", "methods")], id="E002-methods-int"),
    pytest.param({"methods": [b"GET"]}, [("corsx.E002", "methods")], id="E002-method-bytes"),
    pytest.param(
        {"allow_headers": ["X-Ok", 7]}, [("corsx.E002", "allow_headers")], id="E002-header-int"
    ),
    pytest.param({"expose_headers": 5}, [("corsx.E002", "expose_headers")], id="E002-expose-int"),
    pytest.param(
        {"expose_headers": [None]}, [("corsx.E002", "expose_headers")], id="E002-expose-none"
    ),
    pytest.param({"resources": 42}, [("corsx.E002", "resources")], id="E002-resources-int"),
    pytest.param({"resources": [42]}, [("corsx.E002", "resources")], id="E002-resource-int"),
    pytest.param(
        {"resources": {r"/api/*": APP_ORIGIN}},
        [("corsx.E002", "resources['/api/*']")],
        id="E002-resource-options-not-dict",
    ),
    # E003: invalid regular expressions.
    pytest.param(
        {"origins": [r"https://(.*\.example\.com"]}, [("corsx.E003", "origins")], id="E003-origin"
    ),
    pytest.param(
        {"allow_headers": ["X-(Custom"]}, [("corsx.E003", "allow_headers")], id="E003-header"
    ),
    pytest.param({"resources": r"/api/(v1"}, [("corsx.E003", "resources")], id="E003-resource"),
    pytest.param(
        {"resources": {r"/api/[v1/*": {}}}, [("corsx.E003", "resources")], id="E003-resource-dict"
    ),
    # E015: a sloppy pattern (unescaped dots, wildcard-looking regex) with credentials: it
    # allows look-alike origins its author did not mean.
    pytest.param(
        {"origins": ["https://.*.example.com"], "supports_credentials": True},
        [("corsx.E015", "origins")],
        id="E015-unescaped-dot",
    ),
    pytest.param(
        {"origins": ["https://*.*.example.com"], "supports_credentials": True},
        [("corsx.E015", "origins")],
        id="E015-wildcard-looking-regex",
    ),
    pytest.param(
        {"origins": [re.compile(r"https://app\.example\.com.*")], "supports_credentials": True},
        [("corsx.E015", "origins")],
        id="E015-trailing-dot-star",
    ),
    # E007: max_age that is not a whole non-negative number of seconds (FETCH-L1, S5).
    pytest.param({"max_age": -1}, [("corsx.E007", "max_age")], id="E007-negative"),
    pytest.param({"max_age": "-1"}, [("corsx.E007", "max_age")], id="E007-negative-str"),
    pytest.param({"max_age": 1.5}, [("corsx.E007", "max_age")], id="E007-float"),
    pytest.param({"max_age": "1.5"}, [("corsx.E007", "max_age")], id="E007-float-str"),
    pytest.param({"max_age": "ten"}, [("corsx.E007", "max_age")], id="E007-word"),
    pytest.param({"max_age": ""}, [("corsx.E007", "max_age")], id="E007-empty-str"),
    pytest.param({"max_age": True}, [("corsx.E007", "max_age")], id="E007-bool"),
    pytest.param(
        {"max_age": timedelta(milliseconds=1500)}, [("corsx.E007", "max_age")], id="E007-td-frac"
    ),
    pytest.param(
        {"max_age": timedelta(seconds=-5)}, [("corsx.E007", "max_age")], id="E007-td-negative"
    ),
    # E008: any origin with credentials (FETCH-J5).
    pytest.param(
        {"supports_credentials": True},
        [("corsx.E008", "supports_credentials")],
        id="E008-default-origins",
    ),
    pytest.param(
        {"supports_credentials": True, "origins": "*"},
        [("corsx.E008", "supports_credentials")],
        id="E008-star",
    ),
    pytest.param(
        {"supports_credentials": True, "origins": [APP_ORIGIN, "*"]},
        [("corsx.E008", "supports_credentials")],
        id="E008-star-in-list",
    ),
    pytest.param(
        {"supports_credentials": True, "origins": re.compile(r".*")},
        [("corsx.E008", "supports_credentials")],
        id="E008-match-all-regex",
    ),
    # E008 too: regexes that allow strangers' origins, tried with origins of every shape
    # (seams finding 4), not only with one probe.
    pytest.param(
        {"supports_credentials": True, "origins": [r"https://[\w.-]+"]},
        [("corsx.E008", "origins")],
        id="E008-broad-regex-word-class",
    ),
    pytest.param(
        {"supports_credentials": True, "origins": [r"https?://[a-z0-9.-]+"]},
        [("corsx.E008", "origins")],
        id="E008-broad-regex-any-scheme",
    ),
    pytest.param(
        {"supports_credentials": True, "origins": [r"https://.+\.[a-z]+"]},
        [("corsx.E008", "origins")],
        id="E008-broad-regex-any-tld",
    ),
    pytest.param(
        {"supports_credentials": True, "origins": re.compile(r"https://[^:/]+")},
        [("corsx.E008", "origins")],
        id="E008-broad-compiled-regex",
    ),
    # E013: the null origin with credentials: any sandboxed page can claim it (FETCH-M4).
    pytest.param(
        {"supports_credentials": True, "origins": [APP_ORIGIN, "null"]},
        [("corsx.E013", "origins")],
        id="E013-null-credentials",
    ),
    # E014: a wildcard under a public suffix with credentials: anyone can register a name.
    pytest.param(
        {"supports_credentials": True, "origins": ["https://*.github.io"]},
        [("corsx.E014", "origins")],
        id="E014-hosting-suffix",
    ),
    pytest.param(
        {"supports_credentials": True, "origins": ["https://*.co.uk"]},
        [("corsx.E014", "origins")],
        id="E014-co-uk",
    ),
    # E009: send_wildcard with credentials (FETCH-J1).
    pytest.param(
        {"supports_credentials": True, "origins": OK_ORIGINS, "send_wildcard": True},
        [("corsx.E009", "send_wildcard")],
        id="E009-with-list",
    ),
    pytest.param(
        {"supports_credentials": True, "send_wildcard": True},
        [("corsx.E009", "send_wildcard")],
        id="E009-with-any-origin",
    ),
    pytest.param(
        {
            "supports_credentials": True,
            "send_wildcard": True,
            "dangerously_allow_any_origin_with_credentials": True,
        },
        [("corsx.E009", "send_wildcard")],
        id="E009-opt-in-does-not-cover-it",
    ),
    # E010: expose_headers '*' with credentials (FETCH-D3).
    pytest.param(
        {"supports_credentials": True, "origins": OK_ORIGINS, "expose_headers": "*"},
        [("corsx.E010", "expose_headers")],
        id="E010-star",
    ),
    pytest.param(
        {"supports_credentials": True, "origins": OK_ORIGINS, "expose_headers": ["X-Total", "*"]},
        [("corsx.E010", "expose_headers")],
        id="E010-star-in-list",
    ),
    # E012 (retired): now W019, in WARNING_CASES.
    # Every problem is reported at once, in option order.
    pytest.param(
        {"origin": APP_ORIGIN, "max_age": -1},
        [("corsx.E001", "origin"), ("corsx.E007", "max_age")],
        id="unknown-name-and-bad-value",
    ),
    # E016: a per-origin rule after the catch-all, which would never answer.
    pytest.param(
        {"origins": {"*": {}, APP_ORIGIN: {"methods": ["PUT"]}}},
        [("corsx.E016", f"origins[{APP_ORIGIN!r}]")],
        id="E016-rule-after-catch-all",
    ),
    # E017: options a rule cannot set, schemes and ports misused.
    pytest.param(
        {"origins": {APP_ORIGIN: {"send_wildcard": True}}},
        [("corsx.E017", f"origins[{APP_ORIGIN!r}].send_wildcard")],
        id="E017-scope-option-in-rule",
    ),
    pytest.param(
        {"origins": {"localhost": {"ports": [3000]}}},
        [("corsx.E017", "origins['localhost']")],
        id="E017-ports-without-schemes",
    ),
    pytest.param(
        {"origins": {APP_ORIGIN: {"schemes": ["http"]}}},
        [("corsx.E017", f"origins[{APP_ORIGIN!r}]")],
        id="E017-scheme-twice",
    ),
    pytest.param(
        {"origins": {"localhost:3000": {"schemes": ["http"], "ports": [5173]}}},
        [("corsx.E017", "origins['localhost:3000']")],
        id="E017-port-twice",
    ),
    pytest.param(
        {"origins": {r"https://.*\.example\.com": {"schemes": ["http"]}}},
        [("corsx.E017", "origins['https://.*\\\\.example\\\\.com']")],
        id="E017-regex-with-schemes",
    ),
    pytest.param(
        {"origins": {APP_ORIGIN: {"methds": ["GET"]}}},
        [("corsx.E001", f"origins[{APP_ORIGIN!r}].methds")],
        id="E001-rule-option-typo",
    ),
    pytest.param(
        {"origins": {"localhost": {"schemes": ["http"], "ports": [70000]}}},
        [("corsx.E002", "origins['localhost'].ports")],
        id="E002-rule-port",
    ),
    pytest.param(
        {"origins": {"localhost": {"schemes": ["http://"]}}},
        [("corsx.E002", "origins['localhost'].schemes")],
        id="E002-rule-scheme",
    ),
    pytest.param(
        {"origins": {APP_ORIGIN: {"max_age": -5}}},
        [("corsx.E007", f"origins[{APP_ORIGIN!r}].max_age")],
        id="E007-rule-max_age",
    ),
    pytest.param(
        {"origins": {"*": {"supports_credentials": True}}},
        [("corsx.E008", "origins['*'].supports_credentials")],
        id="E008-catch-all-rule-with-credentials",
    ),
    pytest.param(
        {"origins": {"https://app.example.com/": {"methods": ["GET"]}}},
        [("corsx.E017", "origins['https://app.example.com/']")],
        id="E017-rule-that-matches-nothing",
    ),
    pytest.param(
        {"origins": {"*": {"schemes": ["https"]}}},
        [("corsx.E017", "origins['*']")],
        id="E017-catch-all-with-schemes",
    ),
    pytest.param(
        {"origins": {"localhost": {"schemes": ["http"], "ports": []}}},
        [("corsx.E017", "origins['localhost']")],
        id="E017-no-ports",
    ),
    pytest.param(
        {"origins": {APP_ORIGIN: {}, "*": {}}, "supports_credentials": True},
        [("corsx.E008", "supports_credentials")],
        id="E008-inherited-credentials-named-where-set",
    ),
    pytest.param(
        {"origins": lambda origin: True, "origins_cache_ttl": -1},
        [("corsx.E002", "origins_cache_ttl")],
        id="E002-origins_cache_ttl",
    ),
    pytest.param(
        {"origins": lambda origin: True, "origins_cache_size": 0},
        [("corsx.E002", "origins_cache_size")],
        id="E002-origins_cache_size",
    ),
    pytest.param(
        {"origins": "https://(", "methods": 5, "max_age": -1},
        [("corsx.E003", "origins"), ("corsx.E002", "methods"), ("corsx.E007", "max_age")],
        id="all-problems-at-once",
    ),
]

#: Rows whose problem the decorator and CORS(blueprint) cannot see before the app config is
#: known (E008 when ``origins`` is left to CORS_ORIGINS), or that only concern ``resources``.
_DEFERRED = {"E008-default-origins"}


def _app_only(case: Any) -> bool:
    return case.id in _DEFERRED or "resources" in case.values[0]


DECORATOR_CASES = [case for case in ERROR_CASES if not _app_only(case)]
BLUEPRINT_CASES = [case for case in ERROR_CASES if case.id not in _DEFERRED]


@pytest.mark.parametrize(("options", "expected"), ERROR_CASES)
def test_cors_raises(options: dict[str, Any], expected: Expected) -> None:
    with pytest.raises(CORSConfigError) as exc:
        CORS(make_app(), **options)
    assert codes_of(exc.value.problems) == expected


@pytest.mark.parametrize(("options", "expected"), ERROR_CASES)
def test_init_app_raises(options: dict[str, Any], expected: Expected) -> None:
    cors = CORS()
    with pytest.raises(CORSConfigError) as exc:
        cors.init_app(make_app(), **options)
    assert codes_of(exc.value.problems) == expected


@pytest.mark.parametrize(("options", "expected"), DECORATOR_CASES)
def test_cross_origin_raises_at_decoration(options: dict[str, Any], expected: Expected) -> None:
    with pytest.raises(CORSConfigError) as exc:
        cross_origin(**options)
    assert codes_of(exc.value.problems) == expected


@pytest.mark.parametrize(("options", "expected"), BLUEPRINT_CASES)
def test_cors_blueprint_raises_before_registration(
    options: dict[str, Any], expected: Expected
) -> None:
    with pytest.raises(CORSConfigError) as exc:
        CORS(Blueprint("bp", __name__), **options)
    assert codes_of(exc.value.problems) == expected


@pytest.mark.parametrize(("options", "expected"), ERROR_CASES)
def test_error_message_names_option_value_and_fix(
    options: dict[str, Any], expected: Expected
) -> None:
    with pytest.raises(CORSConfigError) as exc:
        CORS(make_app(), **options)
    text = str(exc.value)
    for problem in exc.value.problems:
        line = str(problem)
        assert f"{problem.option}={problem.value!r}" in line
        assert "Fix: " in line, f"no fix in {line!r}"
        assert problem.code in line
        assert line in text


def test_error_is_a_value_error_describing_the_first_problem() -> None:
    with pytest.raises(ValueError) as exc:
        CORS(make_app(), methods=5, max_age=-1)
    error = exc.value
    assert isinstance(error, CORSConfigError)
    assert (error.code, error.option, error.value) == ("corsx.E002", "methods", 5)
    assert error.hint == error.problems[0].hint


@pytest.mark.parametrize(
    ("options", "suggestion"),
    [
        pytest.param({"origin": OK_ORIGINS}, "origins", id="origin"),
        pytest.param({"max_ages": 600}, "max_age", id="max_ages"),
        pytest.param({"allow_header": "*"}, "allow_headers", id="allow_header"),
        pytest.param({"expose_header": "X-A"}, "expose_headers", id="expose_header"),
        pytest.param({"support_credentials": True}, "supports_credentials", id="support_creds"),
        pytest.param({"send_wildcards": True}, "send_wildcard", id="send_wildcards"),
        pytest.param({"resource": "/api/*"}, "resources", id="resource"),
    ],
)
def test_unknown_option_says_did_you_mean(options: dict[str, Any], suggestion: str) -> None:
    with pytest.raises(CORSConfigError) as exc:
        CORS(make_app(), **options)
    assert [p.code for p in exc.value.problems] == ["corsx.E001"]
    assert f"did you mean {suggestion!r}?" in exc.value.hint


@pytest.mark.parametrize(
    ("origin", "canonical"),
    [
        pytest.param("app.example.com", "https://app.example.com", id="no-scheme"),
        pytest.param("*.example.com", "https://*.example.com", id="no-scheme-wildcard"),
        pytest.param("https://app.example.com/", "https://app.example.com", id="trailing-slash"),
        pytest.param("https://app.example.com/api/v1", "https://app.example.com", id="path"),
        pytest.param("http://localhost:3000/", "http://localhost:3000", id="slash-with-port"),
        pytest.param("https://user:pw@app.example.com", "https://app.example.com", id="userinfo"),
        # The suggestion must be the canonical serialized origin (FETCH-I3), not the input with
        # the slash cut off: applying the fix should not produce a W006 next.
        pytest.param(
            "https://app.example.com:443/", "https://app.example.com", id="slash-default-port"
        ),
        pytest.param("HTTPS://App.Example.com/", "https://app.example.com", id="slash-uppercase"),
        pytest.param(
            "https://user@App.Example.com:443", "https://app.example.com", id="userinfo-uppercase"
        ),
        pytest.param("https://bücher.example/", "https://xn--bcher-kva.example", id="slash-idn"),
        pytest.param("http://[::1]:8080/", "http://[::1]:8080", id="ipv6-slash"),
        pytest.param("http://user@[::1]:8080", "http://[::1]:8080", id="ipv6-userinfo"),
    ],
)
def test_unmatchable_origin_suggests_canonical_form(origin: str, canonical: str) -> None:
    # Issue 10: such an entry is a warning (W012 without a scheme, W013 never matching), or
    # E003 where flask-cors would have failed on every request (an invalid regex); either way
    # the message proposes the origin a browser sends.
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        try:
            CORS(make_app(), origins=[origin])
            text = " ".join(str(w.message) for w in record)
        except CORSConfigError as exc:
            text = exc.hint
    suggestions = re.findall(r"write '([^']+)'", text)
    assert suggestions, text
    assert suggestions[0] == canonical


def test_bool_hint_writes_the_bool() -> None:
    with pytest.raises(CORSConfigError) as exc:
        CORS(make_app(), send_wildcard=1)
    assert exc.value.hint.startswith("write send_wildcard=True")


def test_config_value_error_is_reported_at_cors() -> None:
    app = make_app()
    app.config["CORS_MAX_AGE"] = -1
    with pytest.raises(CORSConfigError) as exc:
        CORS(app)
    # Issue 10: a value from the app config is named by its key.
    assert codes_of(exc.value.problems) == [("corsx.E007", "CORS_MAX_AGE")]


def test_credentials_from_config_with_default_origins_raises_e008() -> None:
    app = make_app()
    app.config["CORS_SUPPORTS_CREDENTIALS"] = True
    with pytest.raises(CORSConfigError) as exc:
        CORS(app)
    assert codes_of(exc.value.problems) == [("corsx.E008", "CORS_SUPPORTS_CREDENTIALS")]


def test_config_origins_make_decorator_credentials_valid() -> None:
    # cross_origin(supports_credentials=True) alone is not an error yet: CORS_ORIGINS may list
    # the origins. Here it does, so the decorated view works.
    app = make_app()
    app.config["CORS_ORIGINS"] = OK_ORIGINS

    @app.route("/decorated")
    @cross_origin(supports_credentials=True)
    def decorated() -> str:
        return "ok"

    response = app.test_client().get("/decorated", headers={"Origin": APP_ORIGIN})
    assert response.headers[ACAO] == APP_ORIGIN
    assert response.headers[ACAC] == "true"


def test_decorator_problem_only_config_reveals_is_never_a_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Issue 10 item 8: no CORS_ORIGINS, so this is any origin with credentials (E008). The
    # view still runs for same-origin callers, without CORS headers, and the problem is
    # logged at ERROR once for the view.
    app = make_app()

    @app.route("/decorated", methods=["GET", "PUT"])
    @cross_origin(supports_credentials=True)
    def decorated() -> str:
        return "ok"

    client = app.test_client()
    with caplog.at_level("ERROR", logger="flask_corsx"):
        for _ in range(3):
            response = client.get("/decorated", headers={"Origin": APP_ORIGIN})
            assert (response.status_code, response.get_data(as_text=True)) == (200, "ok")
            assert ACAO not in response.headers and ACAC not in response.headers
        answer = client.options(
            "/decorated",
            headers={"Origin": APP_ORIGIN, "Access-Control-Request-Method": "PUT"},
        )
    assert answer.status_code == 200 and ACAO not in answer.headers
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert "decorated" in errors[0].getMessage() and "corsx.E008" in errors[0].getMessage()


def test_decorator_problem_from_config_key_is_never_a_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app()
    app.config["CORS_MAX_AGE"] = -1

    @app.route("/decorated")
    @cross_origin(origins=[APP_ORIGIN])
    def decorated() -> str:
        return "ok"

    with caplog.at_level("ERROR", logger="flask_corsx"):
        response = app.test_client().get("/decorated", headers={"Origin": APP_ORIGIN})
    assert response.status_code == 200 and ACAO not in response.headers
    assert "corsx.E007" in caplog.text


def test_blueprint_credentials_without_origins_raises_at_registration() -> None:
    bp = Blueprint("bp", __name__)
    CORS(bp, supports_credentials=True)
    app = make_app()
    with pytest.raises(CORSConfigError) as exc:
        app.register_blueprint(bp)
    assert [p.code for p in exc.value.problems] == ["corsx.E008"]


# -- the explicit opt-in for any origin with credentials (FETCH-J5) ------------------------------


def test_dangerous_opt_in_reflects_any_origin_with_credentials() -> None:
    app = make_app()
    CORS(app, supports_credentials=True, dangerously_allow_any_origin_with_credentials=True)
    response = app.test_client().get("/", headers={"Origin": "https://evil.example"})
    assert response.headers[ACAO] == "https://evil.example"  # FETCH-I3, never "*" (J1)
    assert response.headers[ACAC] == "true"
    assert "Origin" in response.headers.get("Vary", "")


def test_dangerous_opt_in_sends_nothing_without_origin() -> None:
    app = make_app()
    CORS(app, supports_credentials=True, dangerously_allow_any_origin_with_credentials=True)
    response = app.test_client().get("/")
    assert ACAO not in response.headers


def test_dangerous_opt_in_with_a_match_all_regex() -> None:
    app = make_app()
    CORS(
        app,
        origins=re.compile(r"https://.*"),
        supports_credentials=True,
        dangerously_allow_any_origin_with_credentials=True,
    )
    response = app.test_client().get("/", headers={"Origin": "https://evil.example"})
    assert response.headers[ACAO] == "https://evil.example"


# -- CORS(blueprint) after registration (E011) -------------------------------------------------


def _register_then_cors(bp: Blueprint) -> None:
    make_app().register_blueprint(bp)
    CORS(bp)


def _register_then_init_app(bp: Blueprint) -> None:
    cors = CORS(origins=OK_ORIGINS)
    make_app().register_blueprint(bp)
    cors.init_app(bp)


BLUEPRINT_ORDER_CASES = [
    pytest.param(_register_then_cors, [("corsx.E011", "app")], id="E011-CORS"),
    pytest.param(_register_then_init_app, [("corsx.E011", "app")], id="E011-init_app"),
]


@pytest.mark.parametrize(("configure", "expected"), BLUEPRINT_ORDER_CASES)
def test_cors_blueprint_after_registration_raises(configure: Any, expected: Expected) -> None:
    bp = Blueprint("late", __name__)
    with pytest.raises(CORSConfigError) as exc:
        configure(bp)
    assert codes_of(exc.value.problems) == expected
    assert "'late'" in str(exc.value)  # the blueprint's name is the bad value
    assert "Fix: call CORS(blueprint) before app.register_blueprint(blueprint)" in str(exc.value)


# -- warnings ----------------------------------------------------------------------------------

WARNING_CASES = [
    # W001: max_age above what browsers honour (FETCH-L2: Chromium caps at 7200).
    pytest.param({}, {"max_age": 7201}, [("corsx.W001", "max_age")], id="W001-7201"),
    pytest.param({}, {"max_age": "86401"}, [("corsx.W001", "max_age")], id="W001-str"),
    pytest.param(
        {}, {"max_age": timedelta(hours=3)}, [("corsx.W001", "max_age")], id="W001-timedelta"
    ),
    pytest.param(
        {"CORS_MAX_AGE": 100000}, {}, [("corsx.W001", "CORS_MAX_AGE")], id="W001-config"
    ),
    # W002: forbidden methods (FETCH-B2).
    pytest.param({}, {"methods": ["GET", "TRACE"]}, [("corsx.W002", "methods")], id="W002-TRACE"),
    pytest.param({}, {"methods": "connect"}, [("corsx.W002", "methods")], id="W002-connect"),
    pytest.param({}, {"methods": "GET, Track"}, [("corsx.W002", "methods")], id="W002-Track"),
    # W003: forbidden request headers (FETCH-C11, P6).
    pytest.param(
        {}, {"allow_headers": ["Cookie"]}, [("corsx.W003", "allow_headers")], id="W003-cookie"
    ),
    pytest.param({}, {"allow_headers": "host"}, [("corsx.W003", "allow_headers")], id="W003-host"),
    pytest.param(
        {},
        {"allow_headers": ["Sec-Fetch-Mode"]},
        [("corsx.W003", "allow_headers")],
        id="W003-sec-prefix",
    ),
    pytest.param(
        {},
        {"allow_headers": ["Proxy-Authorization"]},
        [("corsx.W003", "allow_headers")],
        id="W003-proxy-prefix",
    ),
    pytest.param(
        {},
        {"allow_headers": ["Access-Control-Request-Private-Network"]},
        [("corsx.W003", "allow_headers")],
        id="W003-acrpn",
    ),
    # W004: the null origin (FETCH-M4).
    pytest.param({}, {"origins": ["null"]}, [("corsx.W004", "origins")], id="W004-null"),
    pytest.param(
        {},
        {
            "origins": [APP_ORIGIN, "null"],
            "supports_credentials": True,
            "dangerously_allow_any_origin_with_credentials": True,
        },
        [("corsx.W004", "origins")],
        id="W004-null-credentials-opted-in",
    ),
    # W005: plain-http origins with credentials.
    pytest.param(
        {},
        {"origins": ["http://app.example.com"], "supports_credentials": True},
        [("corsx.W005", "origins")],
        id="W005-http",
    ),
    pytest.param(
        {},
        {"origins": ["http://*.example.com"], "supports_credentials": True},
        [("corsx.W005", "origins")],
        id="W005-http-wildcard",
    ),
    pytest.param(
        {"CORS_SUPPORTS_CREDENTIALS": True},
        {"origins": ["http://app.example.com:8080"]},
        [("corsx.W005", "origins")],
        id="W005-credentials-from-config",
    ),
    # W006: non-canonical but fixable origins are normalized (FETCH-I3, S7).
    pytest.param(
        {}, {"origins": ["HTTPS://App.Example.com:443"]}, [("corsx.W006", "origins")], id="W006"
    ),
    pytest.param(
        {},
        {"origins": ["https://app.example.com:443"]},
        [("corsx.W006", "origins")],
        id="W006-port",
    ),
    pytest.param(
        {}, {"origins": ["https://bücher.example"]}, [("corsx.W006", "origins")], id="W006-idn"
    ),
    pytest.param(
        {}, {"origins": ["https://*.Example.COM"]}, [("corsx.W006", "origins")], id="W006-wildcard"
    ),
    pytest.param(
        {}, {"origins": ["http://[::1]:80"]}, [("corsx.W006", "origins")], id="W006-ipv6-port"
    ),
    pytest.param(
        {},
        {"origins": ["HTTP://App.Example.com"], "supports_credentials": True},
        [("corsx.W006", "origins"), ("corsx.W005", "origins")],
        id="W006-and-W005",
    ),
    # W007: strings taken as regular expressions.
    pytest.param(
        {}, {"origins": [r"https://.*\.example\.com"]}, [("corsx.W007", "origins")], id="W007"
    ),
    pytest.param(
        {},
        {"allow_headers": [r"X-Custom-.+"]},
        [("corsx.W007", "allow_headers")],
        id="W007-header",
    ),
    # W008: forbidden response headers exposed (FETCH-D2).
    pytest.param(
        {},
        {"expose_headers": ["X-Total", "Set-Cookie"]},
        [("corsx.W008", "expose_headers")],
        id="W008",
    ),
    # W009: unknown CORS_ config keys.
    pytest.param(
        {"CORS_ORIGIN": APP_ORIGIN}, {}, [("corsx.W009", "CORS_ORIGIN")], id="W009-config-key"
    ),
    pytest.param(
        {"CORS_MAXAGE": 600}, {}, [("corsx.W009", "CORS_MAXAGE")], id="W009-config-key-maxage"
    ),
    # W011: a CORS_ key set to None (an unset environment variable) is ignored.
    pytest.param({"CORS_ORIGINS": None}, {}, [("corsx.W011", "CORS_ORIGINS")], id="W011-origins"),
    pytest.param(
        {"CORS_SUPPORTS_CREDENTIALS": None},
        {"origins": [APP_ORIGIN]},
        [("corsx.W011", "CORS_SUPPORTS_CREDENTIALS")],
        id="W011-credentials",
    ),
    # W012: origins without a scheme, as test suites send them (issue 10).
    pytest.param({}, {"origins": "app.example.com"}, [("corsx.W012", "origins")], id="W012"),
    pytest.param({}, {"origins": "localhost:8000"}, [("corsx.W012", "origins")], id="W012-port"),
    pytest.param({}, {"origins": ["[::1]:8080"]}, [("corsx.W012", "origins")], id="W012-ipv6"),
    # W013: entries that can never match a browser's Origin; ignored (FETCH-I3).
    pytest.param(
        {}, {"origins": ["https://app.example.com/"]}, [("corsx.W013", "origins")], id="W013-slash"
    ),
    pytest.param(
        {},
        {"origins": ["https://app.example.com/api"]},
        [("corsx.W013", "origins")],
        id="W013-path",
    ),
    pytest.param(
        {},
        {"origins": ["https://user:pw@app.example.com"]},
        [("corsx.W013", "origins")],
        id="W013-userinfo",
    ),
    pytest.param(
        {},
        {"origins": ["https://app.example.com:99999"]},
        [("corsx.W013", "origins")],
        id="W013-port",
    ),
    pytest.param(
        {}, {"origins": ["https://app .example.com"]}, [("corsx.W013", "origins")], id="W013-space"
    ),
    pytest.param(
        {}, {"origins": ["http://[::1]:8080/"]}, [("corsx.W013", "origins")], id="W013-ipv6-slash"
    ),
    pytest.param(
        {},
        {"origins": ["http://user@[::1]:8080"]},
        [("corsx.W013", "origins")],
        id="W013-ipv6-userinfo",
    ),
    pytest.param({}, {"origins": [""]}, [("corsx.W013", "origins")], id="W013-empty"),
    # W014: sloppy patterns, which also allow look-alike origins (without credentials).
    pytest.param(
        {}, {"origins": ["https://*.example.com/"]}, [("corsx.W014", "origins")], id="W014-slash"
    ),
    pytest.param({}, {"origins": ["https://*.com"]}, [("corsx.W014", "origins")], id="W014-tld"),
    pytest.param(
        {}, {"origins": ["http://*.127.0.0.1"]}, [("corsx.W014", "origins")], id="W014-ipv4"
    ),
    pytest.param(
        {}, {"origins": ["https://.*.example.com"]}, [("corsx.W014", "origins")], id="W014-dot"
    ),
    # W016: header names that are not tokens can never match, and are ignored (FETCH-R5).
    pytest.param(
        {}, {"allow_headers": ["X Custom"]}, [("corsx.W016", "allow_headers")], id="W016-space"
    ),
    pytest.param(
        {}, {"allow_headers": "X-Custom:"}, [("corsx.W016", "allow_headers")], id="W016-colon"
    ),
    pytest.param(
        {},
        {"allow_headers": ["Content-Type", "application/json"]},
        [("corsx.W016", "allow_headers")],
        id="W016-media-type",
    ),
    pytest.param(
        {}, {"expose_headers": ["X Total"]}, [("corsx.W016", "expose_headers")], id="W016-expose"
    ),
    pytest.param(
        {},
        {"expose_headers": ["X-Tötal"]},
        [("corsx.W016", "expose_headers")],
        id="W016-expose-non-ascii",
    ),
    # W017: methods that are not tokens can never be requested, and are ignored (FETCH-R5).
    pytest.param({}, {"methods": ["GE T"]}, [("corsx.W017", "methods")], id="W017-space"),
    pytest.param({}, {"methods": "GET;"}, [("corsx.W017", "methods")], id="W017-semicolon"),
    pytest.param({}, {"methods": ["PÜT"]}, [("corsx.W017", "methods")], id="W017-non-ascii"),
    # W021: a per-origin rule that an earlier one takes origins from.
    pytest.param(
        {},
        {"origins": {"https://*.example.com": {}, "https://admin.example.com": {}}},
        [("corsx.W021", "origins['https://admin.example.com']")],
        id="W021-exact-after-wildcard",
    ),
    pytest.param(
        {},
        {"origins": {re.compile(r"https://[a-z]+\.example\.com"): {}, "https://*.example.com": {}}},
        [("corsx.W021", "origins['https://*.example.com']")],
        id="W021-wildcard-after-regex",
    ),
    # W022: cache options without a callable.
    pytest.param(
        {}, {"origins": {APP_ORIGIN: {}}, "origins_cache_ttl": 5},
        [("corsx.W022", "origins_cache_ttl")], id="W022-with-rules",
    ),
    pytest.param(
        {"CORS_ORIGINS_CACHE_TTL": 5},
        {},
        [("corsx.W022", "CORS_ORIGINS_CACHE_TTL")],
        id="W022-config",
    ),
    pytest.param(
        {}, {"origins_cache_size": 10}, [("corsx.W022", "origins_cache_size")], id="W022-kwarg"
    ),
    # W019: resource paths that can never match a request path; ignored.
    pytest.param({}, {"resources": "api"}, [("corsx.W019", "resources")], id="W019-literal"),
    pytest.param(
        {},
        {"resources": {"api/users": {}, "/ok": {}}},
        [("corsx.W019", "resources")],
        id="W019-literal-dict",
    ),
    pytest.param({}, {"resources": "api/*"}, [("corsx.W019", "resources")], id="W019-subtree"),
    # W010: a wildcard under a public suffix allows names anyone can register.
    pytest.param(
        {}, {"origins": ["https://*.co.uk"]}, [("corsx.W010", "origins")], id="W010-co-uk"
    ),
    pytest.param(
        {}, {"origins": ["https://*.github.io"]}, [("corsx.W010", "origins")], id="W010-hosting"
    ),
]


def configure_with_warnings(config: dict[str, Any], options: dict[str, Any]) -> list[str]:
    app = make_app()
    app.config.update(config)
    with pytest.warns(CORSConfigWarning) as record:
        CORS(app, **options)
    return [str(w.message) for w in record if issubclass(w.category, CORSConfigWarning)]


@pytest.mark.parametrize(("config", "options", "expected"), WARNING_CASES)
def test_cors_warns(config: dict[str, Any], options: dict[str, Any], expected: Expected) -> None:
    messages = configure_with_warnings(config, options)
    assert [warning_code(m) for m in messages] == [code for code, _ in expected]


@pytest.mark.parametrize(("config", "options", "expected"), WARNING_CASES)
def test_warning_names_option_and_fix(
    config: dict[str, Any], options: dict[str, Any], expected: Expected
) -> None:
    messages = configure_with_warnings(config, options)
    for message, (_, option) in zip(messages, expected):
        assert f"{option}=" in message
        assert "Fix: " in message


def test_unknown_config_key_says_did_you_mean() -> None:
    messages = configure_with_warnings({"CORS_ORIGIN": APP_ORIGIN}, {})
    assert "did you mean CORS_ORIGINS?" in messages[0]


def test_cross_origin_warns_where_it_is_written() -> None:
    app = make_app()
    with pytest.warns(CORSConfigWarning, match=r"corsx\.W001"):

        @app.route("/decorated")
        @cross_origin(max_age=100000)
        def decorated() -> str:
            return "ok"


def test_cross_origin_first_use_logs_warnings_never_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Inside a request a warning would be a 500 under "warnings are errors": it is logged.
    app = make_app()
    app.config["CORS_ORIGINS"] = [r"https://.*\.example\.com"]

    @app.route("/decorated")
    @cross_origin()
    def decorated() -> str:
        return "ok"

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with caplog.at_level("WARNING", logger="flask_corsx"):
            response = app.test_client().get("/decorated", headers={"Origin": APP_ORIGIN})
    assert response.status_code == 200
    assert "corsx.W007" in caplog.text


def test_resource_level_warning_names_the_resource() -> None:
    messages = configure_with_warnings({}, {"resources": {r"/api/*": {"methods": ["TRACE"]}}})
    assert [warning_code(m) for m in messages] == ["corsx.W002"]
    assert "resources['/api/*'].methods=" in messages[0]


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"max_age": 7200}, id="max_age-at-chromium-cap"),
        pytest.param({"max_age": 600}, id="max_age-600"),
        pytest.param({"max_age": 0}, id="max_age-0"),
        pytest.param({"methods": ["GET", "PATCH", "OPTIONS"]}, id="ordinary-methods"),
        pytest.param({"allow_headers": ["Authorization", "X-Requested-With"]}, id="headers"),
        pytest.param({"expose_headers": ["X-Total-Count"]}, id="expose"),
        pytest.param({"origins": ["http://app.example.com"]}, id="http-without-credentials"),
        pytest.param(
            {"origins": [APP_ORIGIN], "supports_credentials": True}, id="https-with-credentials"
        ),
        pytest.param(
            {"origins": ["http://localhost:3000"], "supports_credentials": True},
            id="loopback-localhost",
        ),
        pytest.param(
            {"origins": ["http://localhost:*"], "supports_credentials": True},
            id="loopback-localhost-any-port",
        ),
        pytest.param(
            {"origins": ["http://127.0.0.1:5000"], "supports_credentials": True},
            id="loopback-127.0.0.1",
        ),
        pytest.param(
            {"origins": ["http://[::1]:8080"], "supports_credentials": True},
            id="loopback-ipv6",
        ),
        # All of 127.0.0.0/8 is loopback, and so is every *.localhost name (RFC 6761; browsers
        # treat both as potentially trustworthy).
        pytest.param(
            {"origins": ["http://127.0.0.2:5000"], "supports_credentials": True},
            id="loopback-127.0.0.2",
        ),
        pytest.param(
            {"origins": ["http://app.localhost:3000"], "supports_credentials": True},
            id="loopback-sub-localhost",
        ),
        pytest.param({"origins": [re.compile(r"https://[a-z]+\.example\.com")]}, id="re-pattern"),
        pytest.param({"origins": ["https://*.example.com", "http://localhost:*"]}, id="wildcards"),
        pytest.param({"origins": ["https://[::1]:8443"]}, id="ipv6"),
    ],
)
def test_sound_settings_do_not_warn(options: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", CORSConfigWarning)
        CORS(make_app(), **options)


# -- normalized behaviour -----------------------------------------------------------------------


def cors_app(expected_warning: str | None, **options: Any) -> Flask:
    app = make_app()
    if expected_warning is None:
        CORS(app, **options)
    else:
        with pytest.warns(CORSConfigWarning, match=re.escape(f"[{expected_warning}]")):
            CORS(app, **options)
    return app


def allowed(app: Flask, origin: str) -> bool:
    response = app.test_client().get("/", environ_base={"HTTP_ORIGIN": origin})
    value = response.headers.get(ACAO)
    assert value in (None, origin)  # reflected verbatim or not at all (FETCH-I3, K3)
    return value == origin


@pytest.mark.parametrize(
    ("configured", "request_origin", "expected"),
    [
        pytest.param(
            "HTTPS://App.Example.com:443", "https://app.example.com", True, id="upper-port"
        ),
        pytest.param("https://app.example.com:443", "https://app.example.com", True, id="port"),
        pytest.param(
            "HTTPS://App.Example.com:443",
            "https://app.example.com:8443",
            False,
            id="upper-port-other-port",
        ),
        pytest.param(
            "https://bücher.example", "https://xn--bcher-kva.example", True, id="idn-punycode"
        ),
        pytest.param("https://bücher.example", "https://bücher.example", False, id="idn-raw"),
        pytest.param("https://*.Example.COM", "https://a.example.com", True, id="wildcard-upper"),
        pytest.param("https://*.Example.COM", "https://example.com", False, id="wildcard-apex"),
        pytest.param("http://[::1]:80", "http://[::1]", True, id="ipv6-default-port"),
    ],
)
def test_normalized_origin_behaviour(configured: str, request_origin: str, expected: bool) -> None:
    app = cors_app("corsx.W006", origins=[configured])
    assert allowed(app, request_origin) is expected


def test_null_origin_works_when_allowed_with_warning() -> None:
    app = cors_app("corsx.W004", origins=["null"])  # FETCH-M4
    assert allowed(app, "null")
    assert not allowed(app, APP_ORIGIN)


def test_regex_looking_string_works_with_warning() -> None:
    app = cors_app("corsx.W007", origins=[r"https://.*\.example\.com"])
    assert allowed(app, "https://a.example.com")
    assert not allowed(app, "https://a.example.com.evil.net")  # matched whole


def test_forbidden_method_is_still_allowed_after_warning() -> None:
    app = cors_app("corsx.W002", methods=["GET", "TRACE"])
    response = app.test_client().options(
        "/",
        environ_base={"HTTP_ORIGIN": APP_ORIGIN, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET"},
    )
    assert response.headers["Access-Control-Allow-Methods"] == "GET, TRACE"


# -- the code table itself ---------------------------------------------------------------------


def test_codes_are_unique_in_the_source() -> None:
    # A dict literal silently keeps the last of two equal keys; read the source to catch reuse.
    tree = ast.parse((PACKAGE / "errors.py").read_text(encoding="utf-8"))
    keys: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "CODES":
            assert isinstance(node.value, ast.Dict)
            keys = [ast.literal_eval(k) for k in node.value.keys if k is not None]
    assert keys, "CODES literal not found"
    assert len(keys) == len(set(keys))
    assert list(CODES) == keys
    assert len(set(CODES.values())) == len(CODES)  # titles distinct too


def test_codes_are_well_formed() -> None:
    assert all(re.fullmatch(r"corsx\.[EW]\d{3}", code) for code in CODES)


def test_every_code_used_in_the_package_is_registered() -> None:
    used = set()
    for path in PACKAGE.glob("*.py"):
        if path.name != "errors.py":
            used |= set(re.findall(r"corsx\.[EW]\d{3}", path.read_text(encoding="utf-8")))
    assert used == set(CODES) - RETIRED_CODES


def _table_codes() -> set[str]:
    codes: set[str] = set()
    for case in ERROR_CASES + BLUEPRINT_ORDER_CASES:
        codes |= {code for code, _ in case.values[-1]}
    for case in WARNING_CASES:
        codes |= {code for code, _ in case.values[-1]}
    # Codes that take more than one CORS() call or a request, tested in test_switching.py.
    return codes | {"corsx.W015", "corsx.W018", "corsx.W020"}


def test_every_code_is_produced_by_a_table_row() -> None:
    assert _table_codes() == set(CODES) - RETIRED_CODES


def test_every_option_has_an_error_row() -> None:
    reported = {
        option.split(".")[-1].split("[")[0] for case in ERROR_CASES for _, option in case.values[-1]
    }
    assert set(DEFAULT_OPTIONS) <= reported


# -- origin forms a browser never sends, and wildcards that are not wildcards ---------------------


def _codes(options: dict[str, Any]) -> list[str]:
    with pytest.raises(CORSConfigError) as excinfo, warnings.catch_warnings():
        warnings.simplefilter("ignore", CORSConfigWarning)
        CORS(Flask("forms"), **options)
    return [p.code for p in excinfo.value.problems]


@pytest.mark.parametrize(
    "origin",
    [
        # As regexes their unescaped dots would allow https://evilexample.com.
        "https://*.*.example.com",
        "https://.*.example.com",
    ],
)
def test_sloppy_pattern_with_credentials_is_an_error(origin: str) -> None:
    assert _codes({"origins": [origin], "supports_credentials": True}) == ["corsx.E015"]


@pytest.mark.parametrize(
    "origin",
    [
        # Browsers and Python's IDNA codec map these characters differently.
        "https://straße.example",
        # Browsers rewrite these IPv4 forms to dotted decimal before sending them.
        "http://010.0.0.1",
        "http://0x7f.0.0.1",
        "http://2130706433",
        "http://[::1::2]",
    ],
)
def test_unmatchable_or_ambiguous_origin_is_ignored_with_a_warning(origin: str) -> None:
    app = Flask("unmatchable")

    @app.route("/")
    def index() -> str:
        return "x"

    with pytest.warns(CORSConfigWarning, match="W013"):
        CORS(app, origins=[origin, APP_ORIGIN], supports_credentials=True)
    client = app.test_client()
    assert client.get("/", headers={"Origin": APP_ORIGIN}).headers[ACAO] == APP_ORIGIN
    if origin.isascii():
        assert ACAO not in client.get("/", headers={"Origin": origin}).headers


def test_ipv6_origin_is_compressed_like_a_browser_does() -> None:
    app = Flask("ipv6")
    with pytest.warns(CORSConfigWarning, match="W006"):
        CORS(app, origins=["http://[0:0:0:0:0:0:0:1]:8080", "http://[::FFFF:1.2.3.4]"])
    client = app.test_client()
    for origin in ("http://[::1]:8080", "http://[::ffff:102:304]"):
        response = client.get("/", environ_base={"HTTP_ORIGIN": origin})
        assert response.headers.get(ACAO) == origin


def test_trailing_dot_origin_is_an_origin_of_its_own() -> None:
    app = Flask("dot")
    CORS(app, origins=["https://example.com."])

    @app.route("/")
    def index() -> str:
        return "x"

    client = app.test_client()
    assert client.get("/", headers={"Origin": "https://example.com."}).headers[ACAO]
    assert ACAO not in client.get("/", headers={"Origin": "https://example.com"}).headers


def test_top_level_problem_is_reported_once_despite_resources() -> None:
    with pytest.raises(CORSConfigError) as excinfo:
        CORS(
            Flask("once"),
            max_age=-1,
            resources={"/a/*": {"origins": ["https://a.example"]}, "/b/*": {"max_age": 5}},
        )
    assert [(p.code, p.option) for p in excinfo.value.problems] == [("corsx.E007", "max_age")]


def test_resource_origins_with_top_level_credentials_is_reported_for_the_resource() -> None:
    with pytest.raises(CORSConfigError) as excinfo:
        CORS(
            Flask("combo"),
            origins=["https://a.example"],
            supports_credentials=True,
            resources={"/open/*": {"origins": "*"}},
        )
    assert [(p.code, p.option) for p in excinfo.value.problems] == [
        ("corsx.E008", "resources['/open/*'].supports_credentials")
    ]


@pytest.mark.parametrize(("value", "sent"), [(600.0, "600"), (0.0, "0")])
def test_whole_float_max_age_is_accepted(value: float, sent: str) -> None:
    app = Flask("float")
    CORS(app, max_age=value)
    response = app.test_client().options(
        "/", headers={"Origin": "https://a.example", "Access-Control-Request-Method": "PUT"}
    )
    assert response.headers["Access-Control-Max-Age"] == sent


def test_fractional_max_age_is_an_error() -> None:
    assert _codes({"max_age": 1.5}) == ["corsx.E007"]
