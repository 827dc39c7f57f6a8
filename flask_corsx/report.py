"""Telling the developer why: log lines, signals and the debug response header.

Called only on the paths that need it (a refused request, an uncovered path, an exception in
debug mode, a receiver connected), so allowed requests pay nothing for it. Logs go to the
``flask_corsx`` logger: at DEBUG normally, at WARNING when ``app.debug`` is on, so that
``flask run --debug`` shows them with no logging set-up. Values are logged with ``%r``, which
quotes and escapes them: a request cannot inject lines (CVE-2024-1681).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .defaults import ENVIRON_ACRH, ENVIRON_ACRM, ENVIRON_ORIGIN
from .policy import CORSPolicy, Decision, Refusal, is_token
from .signals import cors_refused

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger("flask_corsx")

#: The response header that carries the reason for a refusal in debug mode.
EXPLAIN_HEADER = "X-Corsx-Explain"


def level(app: Flask) -> int:
    """The level of the telling log lines for ``app``."""
    return logging.WARNING if app.debug else logging.DEBUG


def reasons(policy: CORSPolicy, decision: Decision, environ: dict[str, Any]) -> list[str]:
    """The refusals of ``decision`` in words, naming what was refused and what is allowed."""
    refusals = decision.refusals
    out = []
    origin = environ.get(ENVIRON_ORIGIN)
    if origin is not None and policy.dispatches:
        # Per-origin rules: what was refused, and what is allowed, is the answering rule's.
        policy = policy.target(origin) or policy
    if Refusal.ORIGIN_MALFORMED in refusals:
        out.append("the Origin is not a header-safe value, so it is never reflected")
    if Refusal.ORIGIN_NOT_ALLOWED in refusals:
        text = f"the Origin {origin!r} is not allowed"
        near = _near(policy, origin)
        out.append(text + (f" ({near})" if near else ""))
    if Refusal.METHOD_MALFORMED in refusals:
        out.append("Access-Control-Request-Method is not a method token")
    if Refusal.METHOD_NOT_ALLOWED in refusals:
        allowed = ", ".join(sorted(policy.methods))
        out.append(
            f"the method {environ.get(ENVIRON_ACRM)!r} is not allowed (allowed: {allowed}); "
            "add it to methods"
        )
    if refusals & (Refusal.HEADERS_NOT_ALLOWED | Refusal.HEADERS_MALFORMED):
        requested = [
            part.strip(" \t").lower()
            for part in (environ.get(ENVIRON_ACRH) or "").split(",")
            if part.strip(" \t")
        ]
        refused = [n for n in requested if not is_token(n) or not policy.headers.allows(n)]
        allowed = "any" if policy.headers.allow_all else ", ".join(sorted(policy.headers.names))
        out.append(
            f"the request header(s) {refused!r} are not allowed (allowed: {allowed}); add them "
            "to allow_headers"
        )
    if Refusal.PRIVATE_NETWORK_NOT_ALLOWED in refusals:
        out.append("a private-network preflight, but allow_private_network is off")
    return out


def _near(policy: CORSPolicy, origin: str | None) -> str:
    if origin is None:
        return ""
    from .explanation import near_misses  # only refused requests get here

    misses = near_misses(policy, origin)
    return misses[0] if misses else ""


def refused(app: Flask, policy: CORSPolicy, decision: Decision, environ: dict[str, Any]) -> None:
    """Log a refused request, and send :data:`~flask_corsx.signals.cors_refused`."""
    at = level(app)
    listening = bool(cors_refused.receivers)
    if not (listening or log.isEnabledFor(at)):
        return
    words = reasons(policy, decision, environ)
    kind = "preflight" if decision.preflight else "request"
    path = environ.get("PATH_INFO", "")
    log.log(
        at,
        "CORS refused %s %s %r from Origin %r: %s",
        kind,
        environ.get("REQUEST_METHOD"),
        path,
        environ.get(ENVIRON_ORIGIN),
        "; ".join(words),
    )
    if listening:
        cors_refused.send(
            app,
            decision=decision,
            origin=environ.get(ENVIRON_ORIGIN),
            method=environ.get(ENVIRON_ACRM) if decision.preflight else environ.get(
                "REQUEST_METHOD"
            ),
            path=path,
            reasons=words,
        )


def explain_header(policy: CORSPolicy, decision: Decision, environ: dict[str, Any]) -> str:
    """A short, header-safe reason for the debug header."""
    text = "; ".join(reasons(policy, decision, environ)) or "refused"
    safe = "".join(c if " " <= c <= "~" else "?" for c in text)
    return safe[:300]


def uncovered(app: Flask, environ: dict[str, Any]) -> None:
    """Log a cross-origin request to a path that no CORS rule covers."""
    at = level(app)
    if log.isEnabledFor(at):
        log.log(
            at,
            "CORS: no rule covers %s %r (Origin %r), so it gets no CORS headers; add a "
            "resources pattern for it",
            environ.get("REQUEST_METHOD"),
            environ.get("PATH_INFO", ""),
            environ.get(ENVIRON_ORIGIN),
        )


def credentials_hint(app: Flask, environ: dict[str, Any]) -> None:
    """A request with cookies or Authorization to a policy without credentials: the browser
    will not let the script read the answer (FETCH-I5)."""
    what = "cookies" if "HTTP_COOKIE" in environ else "an Authorization header"
    log.log(
        level(app),
        "CORS: %s %r from Origin %r carries %s, but the policy has supports_credentials off: "
        "a credentialed fetch() is blocked (FETCH-I5); set supports_credentials=True with "
        "the origins listed",
        environ.get("REQUEST_METHOD"),
        environ.get("PATH_INFO", ""),
        environ.get(ENVIRON_ORIGIN),
        what,
    )


def crashed(app: Flask, environ: dict[str, Any]) -> None:
    """In debug mode, an unhandled exception in a cross-origin request reaches the browser as
    the debugger's page, which has no CORS headers: say so, and where the traceback is."""
    if ENVIRON_ORIGIN in environ and app.debug:
        log.warning(
            "CORS: %s %r from Origin %r raised an exception. With debug on, Flask answers "
            "with the debugger's page, which carries no CORS headers, so the browser reports "
            "a CORS error instead of the 500. The real traceback is above in this log (and on "
            "the debugger page, if you open the URL in a browser tab).",
            environ.get("REQUEST_METHOD"),
            environ.get("PATH_INFO", ""),
            environ.get(ENVIRON_ORIGIN),
        )
