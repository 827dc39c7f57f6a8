"""Every option at every precedence level: resource > kwargs > app config > default."""

from __future__ import annotations

import warnings
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from helpers import ORIGIN, get, preflight

from flask_corsx import CORS, CORSConfigWarning
from flask_corsx.config import resolve_options
from flask_corsx.defaults import ACAC, ACAH, ACAM, ACAO, ACAPN, ACEH, ACMA, DEFAULT_OPTIONS

OTHER = "https://other.example"


def observe(app: Flask, option: str) -> Any:
    """What the responses show of one option's effective value."""
    client = app.test_client()
    if option == "origins":
        return get(client, "/api/x").headers.get(ACAO)
    if option == "methods":
        return preflight(client, "/api/x", method="PUT").headers.get(ACAM)
    if option == "allow_headers":
        return preflight(client, "/api/x", headers="x-a,x-b").headers.get(ACAH)
    if option == "expose_headers":
        return get(client, "/api/x").headers.get(ACEH)
    if option == "supports_credentials":
        return get(client, "/api/x").headers.get(ACAC)
    if option == "max_age":
        return preflight(client, "/api/x").headers.get(ACMA)
    if option == "send_wildcard":
        return get(client, "/api/x").headers.get(ACAO)
    if option == "vary_header":
        return get(client, "/api/x").headers.get("Vary")
    if option == "always_send":
        return get(client, "/api/x", origin=None).headers.get(ACAO)
    if option == "allow_private_network":
        return preflight(
            client, "/api/x", access_control_request_private_network="true"
        ).headers.get(ACAPN)
    if option == "intercept_exceptions":
        return get(client, "/api/missing").headers.get(ACAO)
    raise AssertionError(option)


# option: (value A, what A shows, value B, what B shows, default shows). Each level gets a
# different value so the test can tell which level won.
CASES: dict[str, tuple[Any, Any, Any, Any, Any]] = {
    "origins": ([ORIGIN], ORIGIN, [OTHER], None, ORIGIN),
    "methods": (
        ["PUT"],
        "PUT",
        ["GET", "PUT"],
        "GET, PUT",
        "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT",
    ),
    "allow_headers": (["X-A"], "x-a", ["X-B"], "x-b", "x-a, x-b"),
    "expose_headers": ("X-One", "X-One", ["X-Two"], "X-Two", None),
    "max_age": (60, "60", timedelta(minutes=2), "120", None),
    "send_wildcard": (True, "*", False, ORIGIN, ORIGIN),
    "vary_header": (False, None, True, "Origin", "Origin"),
    "always_send": (False, None, True, "*", "*"),
    "allow_private_network": (True, "true", False, None, None),
    "intercept_exceptions": (False, None, True, ORIGIN, ORIGIN),
}


def make(config: dict[str, Any], kwargs: dict[str, Any], resource: dict[str, Any] | None) -> Flask:
    from helpers import make_app

    app = make_app()

    @app.route("/api/x", methods=["GET", "PUT"])
    def api_x() -> str:
        return "x"

    app.config.update(config)
    if resource is not None:
        kwargs = {**kwargs, "resources": {r"/api/*": resource, r"/*": {}}}
    CORS(app, **kwargs)
    return app


@pytest.mark.parametrize("option", sorted(CASES))
def test_default(option: str) -> None:
    assert observe(make({}, {}, None), option) == CASES[option][4]


@pytest.mark.parametrize("option", sorted(CASES))
def test_config_beats_default(option: str) -> None:
    value, shows, _, _, _ = CASES[option]
    assert observe(make({f"CORS_{option.upper()}": value}, {}, None), option) == shows


@pytest.mark.parametrize("option", sorted(CASES))
def test_kwarg_beats_config(option: str) -> None:
    a, _, b, shows_b, _ = CASES[option]
    assert observe(make({f"CORS_{option.upper()}": a}, {option: b}, None), option) == shows_b


@pytest.mark.parametrize("option", sorted(CASES))
def test_resource_beats_kwarg(option: str) -> None:
    a, shows_a, b, _, _ = CASES[option]
    app = make({f"CORS_{option.upper()}": b}, {option: b}, {option: a})
    assert observe(app, option) == shows_a


def test_credentials_at_every_level() -> None:
    # supports_credentials needs explicit origins (corsx.E008), so it gets its own table.
    base = {"origins": [ORIGIN]}
    assert observe(make({}, base, None), "supports_credentials") is None
    assert (
        observe(make({"CORS_SUPPORTS_CREDENTIALS": True}, base, None), "supports_credentials")
        == "true"
    )
    assert (
        observe(
            make(
                {"CORS_SUPPORTS_CREDENTIALS": True}, {**base, "supports_credentials": False}, None
            ),
            "supports_credentials",
        )
        is None
    )
    assert observe(make({}, base, {"supports_credentials": True}), "supports_credentials") == "true"


def test_decorator_automatic_options_keyword_beats_config() -> None:
    from helpers import make_app

    from flask_corsx import cross_origin

    app = make_app()
    app.config["CORS_AUTOMATIC_OPTIONS"] = False
    calls: list[str] = []

    @app.route("/dec", methods=["GET", "OPTIONS"])
    @cross_origin(automatic_options=True)
    def dec() -> str:
        calls.append("view")
        return "x"

    # The decorator's own keyword beats the config: the preflight never reaches the view.
    assert preflight(app.test_client(), "/dec").status_code == 200
    assert calls == []


def test_config_keys_cover_every_option() -> None:
    config = {f"CORS_{name.upper()}": object() for name in DEFAULT_OPTIONS}
    resolved = resolve_options(config, {})
    assert all(resolved[name] is config[f"CORS_{name.upper()}"] for name in DEFAULT_OPTIONS)


def test_config_none_values_are_ignored() -> None:
    # An unset environment variable read into config: ignored, with W011 naming the key.
    with pytest.warns(CORSConfigWarning, match=r"CORS_ORIGINS=None.*W011"):
        assert resolve_options({"CORS_ORIGINS": None}, {})["origins"] == "*"


def test_config_none_for_an_option_whose_default_is_none_is_silent() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_options({"CORS_MAX_AGE": None}, {})["max_age"] is None


def test_resources_from_config_and_kwargs() -> None:
    # CORS_RESOURCES narrows the default "/*"; a resources keyword beats the config key.
    config_only = make({"CORS_RESOURCES": [r"/api/*"]}, {}, None)
    client = config_only.test_client()
    assert get(client, "/api/x").headers[ACAO] == ORIGIN
    assert ACAO not in get(client, "/").headers
    both = make({"CORS_RESOURCES": [r"/api/*"]}, {"resources": ["/"]}, None)
    client = both.test_client()
    assert ACAO not in get(client, "/api/x").headers
    assert get(client, "/").headers[ACAO] == ORIGIN


def test_dangerous_opt_in_from_config() -> None:
    app = make(
        {"CORS_DANGEROUSLY_ALLOW_ANY_ORIGIN_WITH_CREDENTIALS": True},
        {"supports_credentials": True},
        None,
    )
    response = get(app.test_client(), "/api/x")
    assert response.headers[ACAO] == ORIGIN
    assert response.headers[ACAC] == "true"


def test_resource_level_problems_name_the_resource() -> None:
    from flask_corsx import CORSConfigError

    with pytest.raises(CORSConfigError) as excinfo:
        make({}, {}, {"max_age": -1, "orgins": ["https://a.example"]})
    assert sorted((p.code, p.option) for p in excinfo.value.problems) == [
        ("corsx.E001", "resources['/api/*'].orgins"),
        ("corsx.E007", "resources['/api/*'].max_age"),
    ]


def test_config_automatic_options_never_hands_a_preflight_to_a_post_view() -> None:
    # automatic_options decides how the route is registered, before the app config is known;
    # a CORS_AUTOMATIC_OPTIONS=False key must not make a POST-only view run for a preflight.
    from flask import Flask

    from flask_corsx import cross_origin

    app = Flask("post_only")
    app.config["CORS_AUTOMATIC_OPTIONS"] = False
    ran: list[str] = []

    @app.route("/post", methods=["POST"])
    @cross_origin(origins=[ORIGIN])
    def post() -> str:
        ran.append("post")
        return "did-post"

    response = preflight(app.test_client(), "/post", method="POST")
    assert response.status_code == 200
    assert response.headers[ACAO] == ORIGIN
    assert ran == []
