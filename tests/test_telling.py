"""Logs that tell, the debug header and the signals (issue 11 items 3 to 5)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask
from helpers import get, preflight

from flask_corsx import CORS
from flask_corsx.report import EXPLAIN_HEADER
from flask_corsx.signals import cors_refused, preflight_answered

SPA = "http://localhost:3000"


def api(debug: bool = False, **options: Any) -> Flask:
    app = Flask("telling")
    app.debug = debug
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/api/items", methods=["GET", "PUT"])
    def items() -> str:
        return "items"

    @app.route("/other")
    def other() -> str:
        return "other"

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    CORS(app, resources={r"/api/*": {}, "/boom": {}}, **{"origins": [SPA], **options})
    return app


def records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "flask_corsx"]


def test_refused_method_line_names_it_and_what_is_allowed(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="flask_corsx"):
        preflight(api(methods=["GET"]).test_client(), "/api/items", origin=SPA, method="PUT")
    (record,) = records(caplog)
    assert record.levelno == logging.DEBUG
    message = record.getMessage()
    assert "CORS refused preflight OPTIONS '/api/items' from Origin 'http://localhost:3000'" in (
        message
    )
    assert "the method 'PUT' is not allowed (allowed: GET); add it to methods" in message


def test_refused_headers_are_named(caplog: pytest.LogCaptureFixture) -> None:
    client = api(allow_headers=["Content-Type"]).test_client()
    with caplog.at_level(logging.DEBUG, logger="flask_corsx"):
        preflight(client, "/api/items", origin=SPA, headers="content-type,x-api-key")
    message = records(caplog)[0].getMessage()
    assert "the request header(s) ['x-api-key'] are not allowed (allowed: content-type)" in message


def test_refused_origin_line_has_the_near_miss(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="flask_corsx"):
        get(api().test_client(), "/api/items", origin="http://127.0.0.1:3000")
    message = records(caplog)[0].getMessage()
    assert "the Origin 'http://127.0.0.1:3000' is not allowed" in message
    assert "'http://localhost:3000' is allowed, which differs only in the host" in message


def test_debug_mode_logs_at_warning_with_no_logging_set_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # WARNING is enabled on a fresh logging set-up: flask run --debug shows the line.
    with caplog.at_level(logging.WARNING):
        get(api(debug=True).test_client(), "/api/items", origin="https://evil.example")
    (record,) = records(caplog)
    assert record.levelno == logging.WARNING


def test_not_debug_mode_stays_quiet_at_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        get(api().test_client(), "/api/items", origin="https://evil.example")
    assert records(caplog) == []


def test_a_path_no_rule_covers_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="flask_corsx"):
        get(api().test_client(), "/other", origin=SPA)
    message = records(caplog)[0].getMessage()
    assert "no rule covers GET '/other'" in message


def test_credentials_hint_when_the_policy_has_them_off(caplog: pytest.LogCaptureFixture) -> None:
    client = api().test_client()
    client.set_cookie("sid", "1")  # Flask's test client sends cookies from its jar only
    with caplog.at_level(logging.DEBUG, logger="flask_corsx"):
        client.get("/api/items", headers={"Origin": SPA})
    message = records(caplog)[0].getMessage()
    assert "carries cookies, but the policy has supports_credentials off" in message


def test_log_values_are_escaped(caplog: pytest.LogCaptureFixture) -> None:
    client = api().test_client()
    with caplog.at_level(logging.DEBUG, logger="flask_corsx"):
        preflight(client, "/api/items", origin=SPA, method="PU\nT fake: line")
    assert all("\n" not in r.getMessage() for r in records(caplog))


def test_debug_mode_crash_line(caplog: pytest.LogCaptureFixture) -> None:
    client = api(debug=True).test_client()
    with caplog.at_level(logging.WARNING):
        client.get("/boom", headers={"Origin": SPA})
    lines = [r.getMessage() for r in records(caplog)]
    assert any("the debugger's page, which carries no CORS headers" in line for line in lines)


def test_no_crash_line_without_debug(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="flask_corsx"):
        api().test_client().get("/boom", headers={"Origin": SPA})
    assert not any("debugger" in r.getMessage() for r in records(caplog))


# -- the debug header ----------------------------------------------------------------------------


def test_debug_header_on_refusals_in_debug_mode_only() -> None:
    refused = get(api(debug=True).test_client(), "/api/items", origin="https://evil.example")
    assert "'https://evil.example' is not allowed" in refused.headers[EXPLAIN_HEADER]
    allowed = get(api(debug=True).test_client(), "/api/items", origin=SPA)
    assert EXPLAIN_HEADER not in allowed.headers
    production = get(api().test_client(), "/api/items", origin="https://evil.example")
    assert EXPLAIN_HEADER not in production.headers


def test_debug_header_can_be_turned_off_and_on() -> None:
    off = get(
        api(debug=True, explain_header=False).test_client(), "/api/items", origin="https://e.x"
    )
    assert EXPLAIN_HEADER not in off.headers
    on = get(api(explain_header=True).test_client(), "/api/items", origin="https://e.x")
    assert EXPLAIN_HEADER in on.headers


def test_debug_header_value_is_header_safe() -> None:
    client = api(debug=True, methods=["GET"]).test_client()
    answer = preflight(client, "/api/items", origin=SPA, method="PÜT")
    assert answer.headers[EXPLAIN_HEADER].isascii()


# -- signals --------------------------------------------------------------------------------------


def test_refused_signal_carries_the_decision_and_reasons() -> None:
    app = api(methods=["GET"])
    seen: list[dict[str, Any]] = []

    def receiver(sender: Flask, **extra: Any) -> None:
        seen.append({"sender": sender, **extra})

    with cors_refused.connected_to(receiver, app):
        preflight(app.test_client(), "/api/items", origin=SPA, method="PUT")
        get(app.test_client(), "/api/items", origin=SPA)  # allowed: no signal
    (event,) = seen
    assert event["sender"] is app
    assert (event["origin"], event["method"], event["path"]) == (SPA, "PUT", "/api/items")
    assert event["decision"].preflight
    assert "the method 'PUT' is not allowed" in event["reasons"][0]


def test_preflight_answered_signal() -> None:
    app = api()
    seen: list[str] = []

    def receiver(sender: Flask, **extra: Any) -> None:
        seen.append(extra["method"])

    with preflight_answered.connected_to(receiver, app):
        preflight(app.test_client(), "/api/items", origin=SPA, method="PUT")
        get(app.test_client(), "/api/items", origin=SPA)
    assert seen == ["PUT"]


def test_no_receiver_no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    # With nothing connected and the logger quiet, a refusal never builds its reasons.
    import flask_corsx.report as report

    def fail(*args: Any) -> list[str]:
        raise AssertionError("reasons computed with nobody listening")

    monkeypatch.setattr(report, "reasons", fail)
    logging.getLogger("flask_corsx").setLevel(logging.WARNING)
    try:
        response = get(api().test_client(), "/api/items", origin="https://evil.example")
    finally:
        logging.getLogger("flask_corsx").setLevel(logging.NOTSET)
    assert response.status_code == 200


def test_plain_options_to_a_decorated_view_with_a_receiver_is_no_500() -> None:
    # An OPTIONS without Access-Control-Request-Method is not a preflight (FETCH-A2): no
    # signal, and no KeyError for the missing header.
    from flask_corsx import cross_origin

    app = Flask("plain_options")

    @app.route("/d", methods=["GET"])
    @cross_origin()
    def d() -> str:
        return "d"

    seen: list[object] = []

    def receiver(sender: Flask, **extra: Any) -> None:
        seen.append(extra)

    with preflight_answered.connected_to(receiver, app):
        response = app.test_client().options("/d", headers={"Origin": SPA})
        preflight(app.test_client(), "/d", origin=SPA, method="GET")
    assert response.status_code == 200
    assert len(seen) == 1
