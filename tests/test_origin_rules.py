"""Per-origin rules (issue 12): one answer per origin, the first matching rule wins.

Item ids such as FETCH-H5 refer to the project's Fetch-standard checklist
(shared/cors-reference.md).
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest
from flask import Blueprint, Flask
from helpers import get, make_app, preflight, vary_tokens
from werkzeug.test import TestResponse

from flask_corsx import CORS, CORSConfigError, CORSConfigWarning, OriginRule, cross_origin, explain

DASH = "https://dash.example.com"
APP = "https://app.example.com"
ADMIN = "https://admin.example.com"
EVIL = "https://evil.example.net"

#: A gateway-style table: one origin reads, another writes with cookies.
RULES: dict[str, Any] = {
    DASH: {"methods": ["GET"]},
    APP: {
        "methods": ["GET", "PUT", "DELETE"],
        "allow_headers": ["X-CSRF-Token", "Content-Type"],
        "expose_headers": ["X-Request-Id"],
        "supports_credentials": True,
        "max_age": 600,
    },
}


def cors_headers(response: TestResponse) -> dict[str, str]:
    return {k: v for k, v in response.headers if k.lower().startswith("access-control-")}


def app_with(**options: Any) -> Flask:
    app = make_app()
    CORS(app, **options)
    return app


# -- each rule field ---------------------------------------------------------------------------


def test_methods_per_origin() -> None:
    """FETCH-H5: the read-only origin's PUT preflight lists no PUT; the other's does."""
    client = app_with(origins=RULES).test_client()
    dash = preflight(client, origin=DASH, method="PUT")
    assert dash.headers["Access-Control-Allow-Origin"] == DASH
    assert "Access-Control-Allow-Methods" not in dash.headers  # the browser blocks PUT
    app_answer = preflight(client, origin=APP, method="PUT")
    assert app_answer.headers["Access-Control-Allow-Methods"] == "DELETE, GET, PUT"


def test_allow_headers_per_origin() -> None:
    """FETCH-H7: each rule's allow_headers decide the echo."""
    client = app_with(
        origins={DASH: {"allow_headers": ["X-A"]}, APP: {"allow_headers": ["X-B"]}}
    ).test_client()
    assert preflight(client, origin=DASH, headers="x-a,x-b").headers[
        "Access-Control-Allow-Headers"
    ] == "x-a"
    assert preflight(client, origin=APP, headers="x-a,x-b").headers[
        "Access-Control-Allow-Headers"
    ] == "x-b"


def test_expose_headers_per_origin() -> None:
    """FETCH-D2: only the rule that exposes a header lists it."""
    client = app_with(origins=RULES).test_client()
    assert "Access-Control-Expose-Headers" not in get(client, origin=DASH).headers
    assert get(client, origin=APP).headers["Access-Control-Expose-Headers"] == "X-Request-Id"


def test_credentials_per_origin() -> None:
    """FETCH-I5: Allow-Credentials only for the origin whose rule allows it."""
    client = app_with(origins=RULES).test_client()
    assert "Access-Control-Allow-Credentials" not in get(client, origin=DASH).headers
    assert get(client, origin=APP).headers["Access-Control-Allow-Credentials"] == "true"


def test_max_age_per_origin() -> None:
    """FETCH-L1: each rule's max_age on its preflights."""
    client = app_with(origins=RULES, max_age=30).test_client()
    assert preflight(client, origin=DASH, method="GET").headers["Access-Control-Max-Age"] == "30"
    assert preflight(client, origin=APP).headers["Access-Control-Max-Age"] == "600"


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:3000", True),
        ("http://localhost:5173", True),
        ("http://localhost:8080", False),
        ("https://localhost:3000", False),
        ("http://localhost", False),
    ],
)
def test_schemes_and_ports(origin: str, allowed: bool) -> None:
    client = app_with(
        origins={"localhost": {"schemes": ["http"], "ports": [3000, 5173]}}
    ).test_client()
    assert (get(client, origin=origin).headers.get("Access-Control-Allow-Origin") == origin) is (
        allowed
    )


def test_ports_any_and_default_port() -> None:
    """ports='*' is any port, the default one included (as 'http://localhost:*' is); a listed
    default port is the origin without one (FETCH-I3)."""
    client = app_with(
        origins={"dev.example.com": {"schemes": ["https"], "ports": "*"},
                 "https://api.example.com": {"ports": [443, 8443]}}
    ).test_client()
    for origin in ("https://dev.example.com:1234", "https://dev.example.com",
                   "https://api.example.com", "https://api.example.com:8443"):
        assert get(client, origin=origin).headers.get("Access-Control-Allow-Origin") == origin
    for refused in ("http://dev.example.com:1234", "https://api.example.com:9443"):
        assert "Access-Control-Allow-Origin" not in get(client, origin=refused).headers


def test_wildcard_host_with_schemes() -> None:
    client = app_with(origins={"*.example.com": {"schemes": ["https", "http"]}}).test_client()
    for origin in ("https://a.example.com", "http://b.example.com"):
        assert get(client, origin=origin).headers["Access-Control-Allow-Origin"] == origin
    assert "Access-Control-Allow-Origin" not in get(client, origin="https://example.com").headers


def test_tuple_key_and_regex_key() -> None:
    client = app_with(
        origins={
            (DASH, ADMIN): {"methods": ["GET"]},
            re.compile(r"https://[a-z]+\.partner\.org"): {"methods": ["POST"]},
        }
    ).test_client()
    admin = preflight(client, origin=ADMIN, method="GET")
    assert admin.headers["Access-Control-Allow-Methods"] == "GET"
    answer = preflight(client, origin="https://shop.partner.org", method="POST")
    assert answer.headers["Access-Control-Allow-Methods"] == "POST"


# -- the two forms, and every place origins is accepted -----------------------------------------


def test_rule_objects_mean_the_same_as_the_mapping() -> None:
    listed = app_with(
        origins=[OriginRule(DASH, methods=["GET"]), OriginRule(APP, **RULES[APP])]
    ).test_client()
    mapped = app_with(origins=RULES).test_client()
    for origin in (DASH, APP, EVIL):
        for method in ("GET", "PUT"):
            assert cors_headers(preflight(listed, origin=origin, method=method)) == cors_headers(
                preflight(mapped, origin=origin, method=method)
            )


def test_plain_strings_in_a_rule_list_are_rules_without_options() -> None:
    client = app_with(origins=[OriginRule(APP, methods=["PUT"]), DASH]).test_client()
    assert preflight(client, origin=DASH, method="PATCH").headers[
        "Access-Control-Allow-Methods"
    ].startswith("DELETE, GET")
    assert preflight(client, origin=APP, method="PUT").headers["Access-Control-Allow-Methods"] == (
        "PUT"
    )


def test_rules_from_cors_origins_config() -> None:
    """CORS_ORIGINS may hold the mapping (from_prefixed_env parses JSON into one)."""
    app = make_app()
    app.config["CORS_ORIGINS"] = {DASH: {"methods": ["GET"]}, APP: {"methods": ["PUT"]}}
    CORS(app)
    client = app.test_client()
    assert "Access-Control-Allow-Methods" not in preflight(client, origin=DASH).headers
    assert preflight(client, origin=APP).headers["Access-Control-Allow-Methods"] == "PUT"


def test_rules_at_resource_level() -> None:
    client = app_with(resources={"/api/*": {"origins": RULES}}).test_client()
    assert get(client, "/api/items", origin=DASH).headers["Access-Control-Allow-Origin"] == DASH
    assert "Access-Control-Allow-Origin" not in get(client, "/", origin=DASH).headers


def test_rules_on_a_blueprint() -> None:
    app = Flask("bp")
    bp = Blueprint("api", __name__, url_prefix="/api")

    @bp.route("/thing", methods=["GET", "PUT"])
    def thing() -> str:
        return "thing"

    CORS(bp, origins=RULES)
    app.register_blueprint(bp)
    client = app.test_client()
    dash = preflight(client, "/api/thing", origin=DASH)
    assert "Access-Control-Allow-Methods" not in dash.headers
    assert preflight(client, "/api/thing", origin=APP).headers["Access-Control-Allow-Credentials"]


def test_rules_on_a_decorator() -> None:
    app = Flask("deco")

    @app.route("/thing", methods=["GET", "PUT"])
    @cross_origin(origins=RULES)
    def thing() -> str:
        return "thing"

    client = app.test_client()
    assert "Access-Control-Allow-Methods" not in preflight(client, "/thing", origin=DASH).headers
    assert preflight(client, "/thing", origin=APP).headers["Access-Control-Allow-Methods"] == (
        "DELETE, GET, PUT"
    )
    assert get(client, "/thing", origin=APP).headers["Access-Control-Allow-Credentials"] == "true"


# -- precedence: origin rule > resource > keyword > CORS_* > default ----------------------------


@pytest.mark.parametrize(
    ("config", "keyword", "resource", "rule", "expected"),
    [
        (None, None, None, None, None),
        (10, None, None, None, "10"),
        (10, 20, None, None, "20"),
        (10, 20, 30, None, "30"),
        (10, 20, 30, 40, "40"),
        (None, None, None, 40, "40"),
        (10, None, None, 40, "40"),
        (None, 20, None, 40, "40"),
    ],
)
def test_precedence_at_every_level(
    config: int | None, keyword: int | None, resource: int | None, rule: int | None,
    expected: str | None,
) -> None:
    app = make_app()
    if config is not None:
        app.config["CORS_MAX_AGE"] = config
    rule_options = {} if rule is None else {"max_age": rule}
    resource_options: dict[str, Any] = {"origins": {APP: rule_options}}
    if resource is not None:
        resource_options["max_age"] = resource
    kwargs: dict[str, Any] = {"resources": {"/*": resource_options}}
    if keyword is not None:
        kwargs["max_age"] = keyword
    CORS(app, **kwargs)
    answer = preflight(app.test_client(), origin=APP)
    assert answer.headers.get("Access-Control-Max-Age") == expected


def test_unset_rule_options_inherit_the_scope() -> None:
    client = app_with(origins={APP: {"max_age": 5}}, methods=["GET", "PATCH"],
                      allow_headers=["X-Scope"]).test_client()
    answer = preflight(client, origin=APP, method="PATCH", headers="x-scope")
    assert answer.headers["Access-Control-Allow-Methods"] == "GET, PATCH"
    assert answer.headers["Access-Control-Allow-Headers"] == "x-scope"
    assert answer.headers["Access-Control-Max-Age"] == "5"


# -- first match wins ----------------------------------------------------------------------------


def test_first_match_wins_wildcard_before_exact() -> None:
    with pytest.warns(CORSConfigWarning, match=r"corsx\.W021"):
        app = app_with(origins={"https://*.example.com": {"methods": ["GET"]},
                                ADMIN: {"methods": ["DELETE"]}})
    answer = preflight(app.test_client(), origin=ADMIN, method="DELETE")
    assert "Access-Control-Allow-Methods" not in answer.headers  # the wildcard rule answered


def test_first_match_wins_exact_before_wildcard() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        app = app_with(origins={ADMIN: {"methods": ["DELETE"]},
                                "https://*.example.com": {"methods": ["GET"]}})
    client = app.test_client()
    assert preflight(client, origin=ADMIN, method="DELETE").headers[
        "Access-Control-Allow-Methods"
    ] == "DELETE"
    assert "Access-Control-Allow-Methods" not in preflight(
        client, origin="https://x.example.com", method="DELETE"
    ).headers


def test_first_match_among_patterns_in_order() -> None:
    client = app_with(
        origins=[
            OriginRule(re.compile(r"https://shop\.[a-z]+\.com"), methods=["POST"]),
            OriginRule("https://*.acme.com", methods=["PUT"]),
            OriginRule("*", methods=["GET"]),
        ]
    ).test_client()
    assert preflight(client, origin="https://shop.acme.com", method="POST").headers[
        "Access-Control-Allow-Methods"
    ] == "POST"
    assert preflight(client, origin="https://www.acme.com", method="PUT").headers[
        "Access-Control-Allow-Methods"
    ] == "PUT"
    anyone = preflight(client, origin=EVIL, method="GET")
    assert anyone.headers["Access-Control-Allow-Methods"] == "GET"


def test_origin_case_is_matched_like_a_plain_list() -> None:
    """Test clients may send upper case; lists matched it, so rules do too."""
    client = app_with(origins=RULES).test_client()
    assert get(client, origin="HTTPS://APP.EXAMPLE.COM").headers["Access-Control-Allow-Origin"] == (
        "HTTPS://APP.EXAMPLE.COM"
    )


# -- refusals, as gateways do them ---------------------------------------------------------------


def test_no_rule_matches_gets_200_without_allow_headers() -> None:
    """FETCH-I1: nothing granted; FETCH-O2: Vary: Origin all the same."""
    client = app_with(origins=RULES).test_client()
    for response in (get(client, origin=EVIL), preflight(client, origin=EVIL)):
        assert response.status_code == 200
        assert not cors_headers(response)
        assert "origin" in vary_tokens(response)


def test_refused_method_is_the_matching_rules_refusal_never_a_later_grant() -> None:
    rules = {DASH: {"methods": ["GET"]}, "*": {"methods": ["GET", "PUT"]}}
    client = app_with(origins=rules).test_client()
    dash = preflight(client, origin=DASH, method="PUT")
    assert "Access-Control-Allow-Methods" not in dash.headers
    assert preflight(client, origin=EVIL, method="PUT").headers["Access-Control-Allow-Methods"] == (
        "GET, PUT"
    )


def test_refused_header_is_the_matching_rules_refusal() -> None:
    client = app_with(
        origins={DASH: {"allow_headers": ["X-A"]}, "*": {"allow_headers": "*"}}
    ).test_client()
    answer = preflight(client, origin=DASH, headers="x-a,x-secret")
    assert answer.headers["Access-Control-Allow-Headers"] == "x-a"  # FETCH-H7 fails x-secret


def test_vary_origin_on_every_response_even_with_a_wildcard_catch_all() -> None:
    """FETCH-O2: which rule answers depends on Origin, so even '*' answers vary on it."""
    client = app_with(origins={APP: {"supports_credentials": True}, "*": {}},
                      send_wildcard=True).test_client()
    anyone = get(client, origin=EVIL)
    assert anyone.headers["Access-Control-Allow-Origin"] == "*"
    for response in (anyone, get(client, origin=APP), get(client, origin=None),
                     preflight(client, origin=EVIL)):
        assert "origin" in vary_tokens(response)


def test_no_origin_gets_no_grant() -> None:
    client = app_with(origins=RULES).test_client()
    response = get(client, origin=None)
    assert not cors_headers(response)
    assert vary_tokens(response) == ["origin"]


def test_preflights_of_all_rules_vary_alike() -> None:
    """One Vary per URL for a shared cache (issue 14 item 2), whichever rule answers."""
    client = app_with(origins=RULES).test_client()
    varies = {tuple(vary_tokens(preflight(client, origin=o))) for o in (DASH, APP, EVIL)}
    assert varies == {("origin", "access-control-request-method", "access-control-request-headers")}


def test_malformed_origins_are_refused_before_any_rule() -> None:
    client = app_with(origins={"*": {}}).test_client()
    for bad in ("https://a.example.com\r\nX: y", "https://a.example.com, https://b.example.com"):
        response = client.get("/", environ_base={"HTTP_ORIGIN": bad})
        assert "Access-Control-Allow-Origin" not in response.headers


# -- configuration errors and warnings of rules --------------------------------------------------


def test_catch_all_must_be_last() -> None:
    with pytest.raises(CORSConfigError, match=r"corsx\.E016") as excinfo:
        app_with(origins={"*": {}, APP: {}})
    assert "move the catch-all rule to the end" in str(excinfo.value)


def test_catch_all_with_credentials_needs_the_opt_in() -> None:
    with pytest.raises(CORSConfigError, match=r"corsx\.E008"):
        app_with(origins={APP: {}, "*": {"supports_credentials": True}})
    app = app_with(origins={APP: {}, "*": {"supports_credentials": True,
                                           "dangerously_allow_any_origin_with_credentials": True}})
    assert get(app.test_client(), origin=EVIL).headers["Access-Control-Allow-Credentials"] == "true"


def test_scope_credentials_with_a_catch_all_rule_is_e008() -> None:
    """Credentials inherited from the scope count for the catch-all rule too."""
    with pytest.raises(CORSConfigError, match=r"corsx\.E008"):
        app_with(origins={APP: {}, "*": {}}, supports_credentials=True)


def test_rule_regex_with_credentials_is_checked_like_any_regex() -> None:
    with pytest.raises(CORSConfigError, match=r"corsx\.E015"):
        app_with(origins={"https://.*.example.com": {"supports_credentials": True}})


def test_every_problem_of_every_rule_at_once() -> None:
    with pytest.raises(CORSConfigError) as excinfo:
        app_with(origins={APP: {"max_age": -1, "send_wildcard": True}, DASH: {"methds": "GET"}})
    codes = sorted(p.code for p in excinfo.value.problems)
    assert codes == ["corsx.E001", "corsx.E017"]  # E007 waits: that rule is already invalid
    assert any("did you mean 'methods'" in p.hint for p in excinfo.value.problems)


def test_rule_errors_name_the_cors_origins_key() -> None:
    app = make_app()
    app.config["CORS_ORIGINS"] = {APP: {"max_age": -1}}
    with pytest.raises(CORSConfigError) as excinfo:
        CORS(app)
    assert excinfo.value.option == f"CORS_ORIGINS[{APP!r}].max_age"


def test_no_warning_for_disjoint_rules() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        app_with(origins={**RULES, "localhost": {"schemes": ["http"], "ports": [3000]}, "*": {}})


# -- explain and the CLI name the rule -----------------------------------------------------------


def test_explain_names_the_matching_rule_and_its_fix() -> None:
    app = app_with(origins=RULES)
    result = explain(app, DASH, "PUT", "/")
    assert not result.allowed
    assert result.origin_rule == f"origins[{DASH!r}], rule 1 of 2 (first match)"
    assert f"add 'PUT' to methods (in origins[{DASH!r}]" in result.fixes[0]
    assert ("methods", ["GET"], "origin rule") in result.options
    assert explain(app, APP, "PUT", "/", credentials=True).allowed


def test_explain_says_why_no_rule_matched() -> None:
    result = explain(app_with(origins=RULES), EVIL, "GET", "/")
    assert result.origin_rule is not None
    assert result.origin_rule.startswith(f"no origin rule matches {EVIL!r}")
    assert result.fixes == (f"add a rule for {EVIL!r} to origins (in CORS(app) rule '/*')",)
    assert "Origin rule: no origin rule matches" in str(result)


def test_cli_routes_lists_the_rules(tmp_path: Any) -> None:
    from flask_corsx.cli import summarize
    from flask_corsx.explanation import governing

    _, policy = governing(app_with(origins=RULES), "GET", "/")
    line = summarize(policy)
    assert line.startswith("2 origin rule(s), first match wins: ")
    assert f"{APP!r}: methods=DELETE,GET,PUT credentials=yes max-age=600" in line


def test_cli_check_reports_shadowed_rules() -> None:
    from flask_corsx.cli import check

    with pytest.warns(CORSConfigWarning):
        app = app_with(origins={"https://*.example.com": {}, ADMIN: {"methods": ["DELETE"]}})
    errors, warned = check(app)
    assert not errors
    assert any("corsx.W021" in line and "'https://*.example.com'" in line for line in warned)


def test_debug_reasons_and_hints_speak_of_the_answering_rule(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """X-Corsx-Explain names the rule's allowed headers, not the scope's; a credentialed rule's
    origin gets no "supports_credentials is off" hint."""
    import logging

    app = app_with(origins={APP: {"allow_headers": ["X-A"], "supports_credentials": True}},
                   allow_headers=["X-B"], explain_header=True)
    client = app.test_client()
    answer = preflight(client, origin=APP, headers="x-b")
    assert "allowed: x-a" in answer.headers["X-Corsx-Explain"]
    with caplog.at_level(logging.DEBUG, logger="flask_corsx"):
        client.get("/", headers={"Origin": APP, "Authorization": "Bearer t"})
    assert not [r for r in caplog.records if "supports_credentials" in r.getMessage()]


def test_a_regex_that_matches_any_origin_still_allows_only_what_it_matches() -> None:
    """Review finding 3: r"https?://.+" is a catch-all for the checks (E008, E016) but never
    reflects what it does not match: null, scheme-less values, other schemes (FETCH-M4)."""
    client = app_with(origins={APP: {"methods": ["PUT"]},
                               re.compile(r"https?://.+"): {"methods": ["GET"]}}).test_client()
    assert get(client, origin="http://evil.example").headers["Access-Control-Allow-Origin"]
    for origin in ("null", "www.evil.example", "ftp://x.example"):
        assert "Access-Control-Allow-Origin" not in get(client, origin=origin).headers, origin
    plain = app_with(origins=[re.compile(r"https?://.+")]).test_client()
    assert "Access-Control-Allow-Origin" not in get(plain, origin="null").headers
    with pytest.raises(CORSConfigError, match=r"corsx\.E016"):
        app_with(origins={re.compile(r"https?://.+"): {}, APP: {}})
    with pytest.raises(CORSConfigError, match=r"corsx\.E008"):
        app_with(origins=[re.compile(r"https?://.+")], supports_credentials=True)


def test_a_case_variant_is_answered_by_the_first_rule_that_matches_it_as_sent() -> None:
    """Review finding 4: a case-sensitive regex before an exact rule does not match the
    upper-case spelling, so the exact rule answers it, as first-match says."""
    with pytest.warns(CORSConfigWarning, match=r"corsx\.W021"):  # for the lower-case one
        app = app_with(origins={re.compile(r"https://[a-z]+\.example\.com"): {"methods": ["GET"]},
                                APP: {"methods": ["PUT"]}})
    client = app.test_client()
    upper = APP.upper()
    assert preflight(client, origin=upper).headers["Access-Control-Allow-Methods"] == "PUT"
    assert "Access-Control-Allow-Methods" not in preflight(client, origin=APP).headers


def test_send_wildcard_with_credentials_in_another_rule() -> None:
    """Review finding 6: send_wildcard means "*" for the catch-all rule only, so a scope with
    credentials whose catch-all turns them off is valid (not E009)."""
    app = app_with(origins={APP: {}, "*": {"supports_credentials": False}},
                   supports_credentials=True, send_wildcard=True)
    client = app.test_client()
    assert get(client, origin=EVIL).headers["Access-Control-Allow-Origin"] == "*"
    answer = get(client, origin=APP)
    assert answer.headers["Access-Control-Allow-Origin"] == APP
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"
    with pytest.raises(CORSConfigError, match=r"corsx\.E009"):
        app_with(origins={APP: {}, "*": {}}, supports_credentials=True, send_wildcard=True,
                 dangerously_allow_any_origin_with_credentials=True)
