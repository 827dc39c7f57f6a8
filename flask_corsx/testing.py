"""Test helpers for your own app: send a browser-faithful preflight, and assert what a browser
would do with a response.

They work on any Flask app, flask-cors apps included, with Flask's test client or
pytest-flask's ``client`` fixture::

    from flask_corsx.testing import assert_cors_allowed, assert_cors_blocked, cors_preflight

    def test_partner_may_put(client):
        answer = cors_preflight(client, "/api/items", "https://partner.example", "PUT",
                                headers=["Content-Type: application/json"])
        assert_cors_allowed(answer, "https://partner.example")

The verdicts apply the Fetch standard's CORS check and preflight checks as Chromium does
(:mod:`flask_corsx.browser`). A failure reads like the browser's console line, followed by
flask_corsx's explanation when the app uses flask_corsx.

The pytest plugin (installed with the package) offers the same as the ``cors`` fixture.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from .browser import (
    Verdict,
    cors_check,
    normalize_method,
    preflight_check,
    unsafe_header_names,
)
from .defaults import ACRH, ACRM, ACRPN, ORIGIN
from .explanation import Headers, explain, parse_headers
from .wiring import EXTENSION_KEY

__all__ = ["assert_cors_allowed", "assert_cors_blocked", "cors_preflight", "cors_verdict"]


def cors_preflight(
    client: Any,
    path: str,
    origin: str,
    method: str,
    headers: Headers = (),
    private_network: bool = False,
) -> Any:
    """Send the preflight a browser would send before ``fetch(path, {method, headers})``.

    The method is normalized as a browser does (``put`` becomes ``PUT``, ``patch`` stays),
    and ``Access-Control-Request-Headers`` lists the non-safelisted header names, lower-cased,
    sorted, comma-joined (FETCH-C9, E3). Returns the test client's response.
    """
    unsafe = unsafe_header_names(parse_headers(headers))
    request_headers = {ORIGIN: origin, ACRM: normalize_method(method), "Accept": "*/*"}
    if unsafe:
        request_headers[ACRH] = ",".join(unsafe)
    if private_network:
        request_headers[ACRPN] = "true"
    return client.options(path, headers=request_headers)


def cors_verdict(
    response: Any,
    origin: str,
    credentials: bool = False,
    method: str | None = None,
    headers: Headers = (),
    private_network: bool = False,
) -> Verdict:
    """What a browser at ``origin`` does with ``response`` (a preflight answer or an actual
    response, told apart by the request it answered)."""
    request = getattr(response, "request", None)
    request_headers = getattr(request, "headers", {})
    answered_preflight = (
        getattr(request, "method", None) == "OPTIONS" and ACRM in request_headers
    )
    pairs = list(response.headers.items())
    if not answered_preflight:
        return cors_check(pairs, origin, credentials)
    requested = method or request_headers.get(ACRM, "GET")
    if headers:
        unsafe = unsafe_header_names(parse_headers(headers))
    else:
        unsafe = [
            part.strip() for part in request_headers.get(ACRH, "").split(",") if part.strip()
        ]
    pn = private_network or request_headers.get(ACRPN) == "true"
    return preflight_check(
        response.status_code, pairs, origin, requested, unsafe, credentials, pn
    )


def assert_cors_allowed(
    response: Any,
    origin: str,
    credentials: bool = False,
    method: str | None = None,
    headers: Headers = (),
    app: Flask | None = None,
) -> None:
    """Fail unless a browser at ``origin`` would let the script read ``response`` (or, for a
    preflight answer, go on to send the actual request)."""
    verdict = cors_verdict(response, origin, credentials, method, headers)
    if not verdict.passes:
        raise AssertionError(_message(response, verdict, origin, credentials, method, headers, app))


def assert_cors_blocked(
    response: Any,
    origin: str,
    credentials: bool = False,
    method: str | None = None,
    headers: Headers = (),
) -> None:
    """Fail if a browser at ``origin`` would let the script read ``response``."""
    if cors_verdict(response, origin, credentials, method, headers).passes:
        raise AssertionError(
            f"a browser at {origin} would be allowed to read this response "
            f"({_describe(response)}); expected it to be blocked"
        )


def _message(
    response: Any,
    verdict: Verdict,
    origin: str,
    credentials: bool,
    method: str | None,
    headers: Headers,
    app: Flask | None,
) -> str:
    request = getattr(response, "request", None)
    url = getattr(request, "url", "") or ""
    lines = [verdict.console_line(url, origin), f"({verdict.check}; {_describe(response)})"]
    app = app or _current_app()
    if app is not None and EXTENSION_KEY in app.extensions and request is not None:
        sent = method or request.headers.get(ACRM) or request.method
        explanation = explain(app, origin, sent, request.path, headers, credentials)
        lines += ["", "flask_corsx explains:", str(explanation)]
    return "\n".join(lines)


def _describe(response: Any) -> str:
    cors = [
        f"{name}: {value}"
        for name, value in response.headers.items()
        if name.lower().startswith("access-control-") or name.lower() == "vary"
    ]
    return f"status {response.status_code}; " + ("; ".join(cors) or "no CORS headers")


def _current_app() -> Flask | None:
    try:
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:
        return None
    return app
