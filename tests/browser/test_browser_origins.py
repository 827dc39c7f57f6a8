"""Which page origins may read the API: defaults, lists, regexes, wildcards, null.

Item ids refer to /work/shared/cors-reference.md.
"""

from __future__ import annotations

import re

import pytest
from browser_harness import check_origins

pytestmark = pytest.mark.browser


def test_default_config_reflects_any_origin(browser, make_api, page_origins):
    """CORS(app): a simple GET (no preflight, FETCH-E1) from any origin is
    readable; the Origin is reflected (FETCH-I3) with `Vary: Origin` (FETCH-O2);
    only safelisted response headers are readable (FETCH-D1/D2)."""
    o = page_origins
    api = make_api()
    check_origins(browser, api, {o.localhost: True, o.ip: True, o.host("sub.localhost"): True})

    res = browser.fetch(o.localhost, api.url())
    assert res.headers.get("content-type") == "application/json", res
    assert "x-total-count" not in res.headers and "x-secret" not in res.headers, res
    assert all(h.view_ran for h in api.hits())
    assert all(h.header("Access-Control-Allow-Credentials") is None for h in api.hits())


def test_exact_origin_list(browser, make_api, page_origins):
    """origins=[exact]: byte-for-byte origin match (FETCH-I3): another host,
    another port or the IP literal are other origins and are refused. A refused
    simple request still reaches the server (the browser only hides the
    response), so the refusal must carry no ACAO and still `Vary: Origin`."""
    o = page_origins
    api = make_api(origins=[o.localhost])
    check_origins(
        browser,
        api,
        {
            o.localhost: True,
            o.host("sub.localhost"): False,
            o.localhost_other_port: False,  # port mismatch
            o.ip: False,  # 127.0.0.1 is not localhost
        },
    )


def test_regex_origins_and_look_alikes(browser, make_api, page_origins):
    """A compiled regex matches the whole origin: one lowercase label under
    localhost, any port. Nested names, digits/dashes, the bare `localhost`
    and a look-alike that merely contains an allowed origin are refused."""
    o = page_origins
    api = make_api(origins=[re.compile(r"http://[a-z]+\.localhost:\d+")])
    check_origins(
        browser,
        api,
        {
            o.host("sub.localhost"): True,
            o.host("evil.localhost", o.other_port): True,  # any port
            o.localhost: False,
            o.host("a.b.localhost"): False,
            o.host("sub-1.localhost"): False,
            o.host("sub.localhost.evil.localhost"): False,
            o.ip: False,
        },
    )


def test_wildcard_subdomain_origins(browser, make_api, page_origins):
    """`http://*.localhost:P` allows one or more labels under localhost on
    port P only; not the apex, not another port, not the IP literal."""
    o = page_origins
    api = make_api(origins=[f"http://*.localhost:{o.port}"])
    check_origins(
        browser,
        api,
        {
            o.host("sub.localhost"): True,
            o.host("a.b.localhost"): True,
            o.localhost: False,  # the apex is not a subdomain
            o.host("sub.localhost", o.other_port): False,  # port mismatch
            o.ip: False,
        },
    )


def test_wildcard_subdomain_look_alikes(browser, make_api, page_origins):
    """`http://*.sub.localhost:P` must match on a label boundary at the end of
    the host: `evilsub.localhost` (suffix without a dot) and
    `a.sub.localhost.evil.localhost` (allowed name embedded in an attacker's
    name) are attacker origins."""
    o = page_origins
    api = make_api(origins=[f"http://*.sub.localhost:{o.port}"])
    check_origins(
        browser,
        api,
        {
            o.host("a.sub.localhost"): True,
            o.host("evilsub.localhost"): False,
            o.host("sub.localhost"): False,
            o.host("a.sub.localhost.evil.localhost"): False,
            o.host("a.sub.localhost", o.other_port): False,
        },
    )


@pytest.mark.parametrize(
    ("config", "allowed"),
    [("list", False), ("list+null", True), ("default", True)],
)
def test_null_origin_from_sandboxed_iframe(browser, make_api, page_origins, config, allowed):
    """A sandboxed srcdoc iframe (allow-scripts, no allow-same-origin) has an
    opaque origin and sends `Origin: null` (FETCH-M1/K4). An origin list
    refuses it unless `"null"` is listed explicitly (FETCH-M4, seed S8). The
    default any-origin config allows it (docs/origins.md: "`*` allows every
    origin, `null` included"; no credentials are possible with `*`)."""
    o = page_origins
    if config == "default":
        api = make_api()
    else:
        api = make_api(origins=[o.localhost, "null"] if config == "list+null" else [o.localhost])
    res = browser.fetch_in(browser.sandboxed_frame(o.localhost), api.url())
    assert res.origin == "null"
    assert res.allowed is allowed, res
    (hit,) = api.hits()
    assert hit.origin == "null"
    assert hit.header("Access-Control-Allow-Origin") == ("null" if allowed else None), hit
    # and the parent page (a real origin) is unaffected
    assert browser.fetch(o.localhost, api.url()).allowed
