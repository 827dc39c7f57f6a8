"""The pure core: request facts in, headers out. No Flask here."""

from __future__ import annotations

import pathlib
import subprocess
import sys
from typing import Any

import pytest

from flask_corsx.config import build_policy, resolve_options
from flask_corsx.defaults import ACAC, ACAH, ACAM, ACAO, ACAPN, ACEH, ACMA
from flask_corsx.policy import CORSPolicy, Refusal, explain

A = "https://a.example"
B = "https://b.example"


def policy(**options: Any) -> CORSPolicy:
    return build_policy(resolve_options({}, options))


def test_core_does_not_import_flask() -> None:
    # Importing the package's submodules runs flask_corsx/__init__.py, which wires Flask in;
    # load the core modules by path instead so only their own imports count.
    code = (
        "import importlib.util, sys, types, pathlib\n"
        "root = pathlib.Path('flask_corsx')\n"
        "pkg = types.ModuleType('flask_corsx'); pkg.__path__ = [str(root)]\n"
        "sys.modules['flask_corsx'] = pkg\n"
        "core = ('defaults', 'errors', 'origins', 'resources', 'policy', 'checks', 'config',\n"
        "        'lookalikes', 'browser')\n"
        "for name in core:\n"
        "    importlib.import_module('flask_corsx.' + name)\n"
        "bad = [m for m in ('flask', 'werkzeug') if m in sys.modules]\n"
        "sys.exit(f'imported {bad}' if bad else 0)\n"
    )
    root = pathlib.Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# -- actual requests ---------------------------------------------------------------------------


def test_default_reflects_origin_and_varies() -> None:
    decision = policy().evaluate("GET", A)
    assert dict(decision.headers) == {ACAO: A}
    assert decision.vary_origin  # FETCH-O2: the value depends on Origin
    assert not decision.preflight
    assert decision.refusals == Refusal.NONE


def test_default_without_origin_sends_wildcard_and_still_varies() -> None:
    decision = policy().evaluate("GET", None)
    assert dict(decision.headers) == {ACAO: "*"}
    assert decision.vary_origin  # FETCH-O2: also on requests without Origin


def test_send_wildcard_is_constant_so_no_vary() -> None:
    p = policy(send_wildcard=True)
    assert dict(p.evaluate("GET", A).headers) == {ACAO: "*"}
    assert dict(p.evaluate("GET", None).headers) == {ACAO: "*"}
    assert not p.evaluate("GET", A).vary_origin  # FETCH-O1


def test_send_wildcard_without_always_send_varies() -> None:
    p = policy(send_wildcard=True, always_send=False)
    assert dict(p.evaluate("GET", None).headers) == {}
    assert p.evaluate("GET", A).vary_origin  # presence depends on Origin: FETCH-O2


def test_exact_list_refuses_other_origin_but_varies() -> None:
    p = policy(origins=[A])
    decision = p.evaluate("GET", B)
    assert dict(decision.headers) == {}
    assert decision.vary_origin  # FETCH-O2, reference S6
    assert decision.refusals == Refusal.ORIGIN_NOT_ALLOWED


def test_exact_single_origin_still_varies() -> None:
    # flask-cors leaves Vary out for one origin; ACAO is then present or absent depending on
    # Origin, so a shared cache could serve the wrong answer without it (FETCH-O2).
    assert policy(origins=[A]).evaluate("GET", A).vary_origin


def test_no_origin_never_gets_an_allow_list_entry() -> None:
    # flask-cors #338: always_send leaks configured origins to requests without Origin.
    decision = policy(origins=[A, B]).evaluate("GET", None)
    assert ACAO not in decision.headers


def test_always_send_off_sends_nothing_without_origin() -> None:
    assert dict(policy(always_send=False).evaluate("GET", None).headers) == {}


def test_credentials_and_expose_headers_on_actual_response() -> None:
    p = policy(origins=[A], supports_credentials=True, expose_headers=["X-Total", "X-Page"])
    assert dict(p.evaluate("GET", A).headers) == {
        ACAO: A,
        ACAC: "true",  # FETCH-I5: lower-case "true"
        ACEH: "X-Page, X-Total",
    }


def test_credentials_without_origin_sends_no_wildcard() -> None:
    p = policy(origins=[A], supports_credentials=True)
    assert ACAO not in p.evaluate("GET", None).headers  # FETCH-J4


def test_reflects_exact_request_value_for_case_variant() -> None:
    # FETCH-K3: compare case-insensitively, reflect exactly what was sent.
    decision = policy(origins=[A]).evaluate("GET", "HTTPS://A.EXAMPLE")
    assert decision.headers[ACAO] == "HTTPS://A.EXAMPLE"


def test_options_without_request_method_is_actual() -> None:
    decision = policy().evaluate("OPTIONS", A)  # FETCH-A2, reference S10
    assert not decision.preflight
    assert ACAM not in decision.headers


def test_null_origin_refused_by_list_and_allowed_when_listed() -> None:
    assert policy(origins=[A]).evaluate("GET", "null").refusals == Refusal.ORIGIN_NOT_ALLOWED
    with pytest.warns(Warning, match="W004"):
        p = policy(origins=[A, "null"])
    assert p.evaluate("GET", "null").headers[ACAO] == "null"  # FETCH-M4, reference S8


# -- preflights --------------------------------------------------------------------------------


def test_preflight_full_answer() -> None:
    p = policy(origins=[A], methods=["GET", "PUT"], allow_headers=["X-Token"], max_age=600)
    decision = p.evaluate("OPTIONS", A, "PUT", "x-token")
    assert decision.preflight
    assert dict(decision.headers) == {
        ACAO: A,
        ACAM: "GET, PUT",
        ACAH: "x-token",
        ACMA: "600",
    }
    assert decision.refusals == Refusal.NONE


def test_lowercase_patch_is_answered_in_its_own_spelling() -> None:
    # FETCH-B3/B4, reference S1: fetch(url, {method: 'patch'}) preflights with "patch"; the
    # browser compares case-sensitively, so "PATCH" alone would fail it.
    decision = policy().evaluate("OPTIONS", A, "patch")
    methods = [m.strip() for m in decision.headers[ACAM].split(",")]
    assert "patch" in methods
    assert decision.refusals == Refusal.NONE


def test_method_not_allowed_gets_no_allow_methods() -> None:
    decision = policy(methods=["GET"]).evaluate("OPTIONS", A, "DELETE")
    assert ACAM not in decision.headers
    assert decision.refusals == Refusal.METHOD_NOT_ALLOWED


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
def test_safelisted_method_never_fails_a_preflight(method: str) -> None:
    # FETCH-B5, reference S2: a preflight for POST (caused by a custom header) must succeed
    # even when POST is not listed.
    decision = policy(methods=["PUT"]).evaluate("OPTIONS", A, method, "x-custom")
    assert decision.refusals == Refusal.NONE
    assert ACAM in decision.headers
    assert decision.headers[ACAH] == "x-custom"


def test_methods_star_echoes_requested_method() -> None:
    decision = policy(methods="*").evaluate("OPTIONS", A, "PROPFIND")
    assert decision.headers[ACAM] == "PROPFIND"


def test_authorization_is_listed_explicitly_under_allow_all() -> None:
    # FETCH-C12, reference S3: "*" never covers Authorization, so echo the names.
    decision = policy().evaluate("OPTIONS", A, "GET", "authorization,x-b")
    assert decision.headers[ACAH] == "authorization, x-b"
    assert "*" not in decision.headers[ACAH]


def test_header_not_allowed_is_left_out_and_reported() -> None:
    decision = policy(allow_headers=["X-A"]).evaluate("OPTIONS", A, "GET", "x-a,x-b")
    assert decision.headers[ACAH] == "x-a"
    assert decision.refusals == Refusal.HEADERS_NOT_ALLOWED


def test_request_headers_parsed_leniently() -> None:
    # FETCH-C9, reference S12: spaces, duplicates, empty elements, mixed case.
    decision = policy(allow_headers=["X-A", "X-B"]).evaluate(
        "OPTIONS", A, "GET", " X-B ,, x-a,x-b ,"
    )
    # Each allowed name once, in the spelling first sent, sorted as flask-cors sorts.
    assert decision.headers[ACAH] == "X-B, x-a"
    assert decision.refusals == Refusal.NONE


def test_header_names_that_are_not_tokens_are_not_echoed() -> None:
    decision = policy().evaluate("OPTIONS", A, "GET", "x-ok, bad name, x(y)")
    assert decision.headers[ACAH] == "x-ok"
    assert decision.refusals == Refusal.HEADERS_MALFORMED


def test_preflight_refused_origin_gets_no_cors_headers() -> None:
    decision = policy(origins=[A]).evaluate("OPTIONS", B, "PUT")
    assert dict(decision.headers) == {}
    assert decision.preflight
    assert decision.vary_origin


def test_preflight_credentials() -> None:
    decision = policy(origins=[A], supports_credentials=True).evaluate("OPTIONS", A, "PUT")
    assert decision.headers[ACAC] == "true"
    assert decision.headers[ACAO] == A  # FETCH-J4: never "*" with credentials


@pytest.mark.parametrize(
    ("enabled", "requested", "expected"),
    [
        (True, "true", "true"),
        (True, None, None),
        (False, "true", None),  # FETCH-P7, reference S11: nothing, not "false"
        (True, "false", None),
    ],
)
def test_private_network(enabled: bool, requested: str | None, expected: str | None) -> None:
    decision = policy(allow_private_network=enabled).evaluate("OPTIONS", A, "GET", None, requested)
    assert decision.headers.get(ACAPN) == expected


def test_max_age_zero_is_sent() -> None:
    # FETCH-L1: 0 means "do not cache"; omitting the header would mean 5 seconds.
    assert policy(max_age=0).evaluate("OPTIONS", A, "PUT").headers[ACMA] == "0"


def test_explain_names_every_refusal() -> None:
    reasons = explain(Refusal.ORIGIN_NOT_ALLOWED | Refusal.HEADERS_NOT_ALLOWED)
    assert len(reasons) == 2
    assert "Origin" in reasons[0]
    assert "Headers" in reasons[1]


def test_decision_headers_never_hold_two_allow_origins() -> None:
    # FETCH-I6: the core hands out a mapping, one value per name, by construction.
    headers = policy(origins=[A]).evaluate("GET", A).headers
    assert list(headers).count(ACAO) == 1


# -- configuration details -----------------------------------------------------------------------


def test_comma_separated_origins_string_is_a_list() -> None:
    # As read from an environment variable: CORS_ORIGINS="https://a.example, https://b.example".
    p = policy(origins=f"{A}, {B}")
    assert p.evaluate("GET", A).headers[ACAO] == A
    assert p.evaluate("GET", B).headers[ACAO] == B


def test_unknown_option_reported_with_the_other_problems() -> None:
    from flask_corsx import CORSConfigError
    from flask_corsx.config import build_resource_table

    with pytest.raises(CORSConfigError) as excinfo:
        build_resource_table({}, {"orgins": [A], "max_age": -1})
    assert [p.code for p in excinfo.value.problems] == ["corsx.E001", "corsx.E007"]


@pytest.mark.parametrize(
    "origins",
    [["https://*.example.com"], [A.replace("a.example", "a.example.com")]],
    ids=["wildcard", "exact"],
)
def test_explicit_default_port_is_not_a_serialized_origin(origins: list[str]) -> None:
    # FETCH-I3: browsers omit default ports; exact and wildcard origins agree on that.
    assert ACAO not in policy(origins=origins).evaluate("GET", "https://a.example.com:443").headers


def test_any_origin_policy_reflects_header_safe_values_like_flask_cors() -> None:
    # Issue 10 item 1: test suites send "Origin: www.example.com"; flask-cors reflects it. A
    # value no browser sends (a path) is inert: it can never equal a page's origin.
    for value in ("www.example.com", "https://evil.example/.a.example", "localhost:3000"):
        assert dict(policy().evaluate("GET", value).headers) == {ACAO: value}


def test_header_unsafe_values_are_never_reflected() -> None:
    for value in ("https://a.example\r\nX: y", "https://a b", "a,b", "https://\u00e9.example", ""):
        decision = policy().evaluate("GET", value)
        assert ACAO not in decision.headers, value
        assert decision.refusals == Refusal.ORIGIN_MALFORMED


def test_decision_memo_is_bounded_and_stays_correct() -> None:
    from flask_corsx import memo

    p = policy(origins=[A])
    for i in range(memo.MAX_ENTRIES + 100):
        p.evaluate("GET", f"https://visitor{i}.example")
    p.evaluate("GET", "https://x.example/" + "a" * 10_000)  # too long to be remembered
    assert len(memo.MEMO) <= memo.MAX_ENTRIES
    assert p.evaluate("GET", A).headers[ACAO] == A
    assert ACAO not in p.evaluate("GET", "https://visitor9999.example").headers


def test_memo_is_shared_so_many_policies_cannot_multiply_it() -> None:
    # A thousand per-resource policies must not mean a thousand caches an attacker can fill.
    from flask_corsx import memo
    from flask_corsx.config import build_resource_table

    table = build_resource_table(
        {}, {"resources": {f"/r{i}/*": {"origins": ["https://*.example.com"]} for i in range(200)}}
    )
    for i in range(200):
        matched = table.match(f"/r{i}/x")
        assert matched is not None
        for j in range(60):
            matched.evaluate("GET", f"https://u{j}.example.com")
    assert len(memo.MEMO) <= memo.MAX_ENTRIES


def test_resource_memo_stays_correct() -> None:
    from flask_corsx import memo
    from flask_corsx.resources import ResourceTable

    table = ResourceTable([("/api/*", "api"), ("/static/.*", "static")])
    for i in range(memo.MAX_ENTRIES + 100):
        table.match(f"/other/{i}")
    assert len(memo.MEMO) <= memo.MAX_ENTRIES
    assert table.match("/api/x") == "api"
    assert table.match("/static/") == "static"
    assert table.match("/apikeys") is None


def test_two_tables_never_share_results() -> None:
    from flask_corsx.resources import ResourceTable

    first = ResourceTable([("/api/*", "first")])
    second = ResourceTable([("/api/*", "second")])
    assert first.match("/api/x") == "first"
    assert second.match("/api/x") == "second"


def test_very_long_paths_are_matched_correctly() -> None:
    # The ancestor walk starts at the longest configured base, so a 100 KB path costs a
    # handful of look-ups (a quadratic walk would take seconds here).
    from flask_corsx.resources import ResourceTable

    table = ResourceTable([("/api/*", "api"), ("/static/.*", "static")])
    assert table.match("/api/" + "a/" * 50_000) == "api"
    assert table.match("/" * 100_000) is None
    assert table.match("/static/" + "x" * 100_000) == "static"


def test_listed_origins_keep_their_decisions_through_a_flood() -> None:
    """Issue 14: with more listed origins than the shared memo holds, visited in turn, each
    still costs one dict look-up; the policy's own cache holds at most one entry per listed
    origin, whatever is sent (case variants and strangers go to the bounded memo)."""
    from flask_corsx.memo import MAX_ENTRIES, MEMO

    listed = [f"https://app{i}.example.com" for i in range(MAX_ENTRIES + 1000)]
    policy = build_policy(resolve_options({}, {"origins": listed}))
    for origin in listed:
        assert policy.actual(origin).headers == {"Access-Control-Allow-Origin": origin}
    for n in range(MAX_ENTRIES * 2):
        policy.actual(f"https://stranger{n}.example.net")
        policy.actual(listed[n % len(listed)].upper())
    assert len(policy._granted) == len(listed)
    assert len(MEMO) <= MAX_ENTRIES
    assert all(policy.actual(origin) is policy._granted[origin] for origin in listed)
    assert policy.actual("https://stranger1.example.net").refusals
