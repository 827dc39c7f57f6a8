"""The thin layer between Flask and the pure core: per-app state, reading request facts, writing
response headers. Shared by the extension and the decorator.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException

from . import report
from .config import build_policy, option_sources, resolve_options
from .defaults import (
    ACAC,
    ENVIRON_ACRH,
    ENVIRON_ACRM,
    ENVIRON_ACRPN,
    ENVIRON_ORIGIN,
    MAX_METHOD_LENGTH,
)
from .errors import CORSConfigError
from .policy import CORSPolicy, Decision, is_token
from .resources import ResourceTable
from .rules import DynamicOriginPolicy
from .signals import preflight_answered

if TYPE_CHECKING:
    from flask import Flask
    from flask.wrappers import Request, Response

log = logging.getLogger("flask_corsx")

EXTENSION_KEY = "corsx"
#: Set on a response once CORS headers were decided for it, so no second hook redoes the work:
#: the headers written (a mapping, maybe empty), which later hooks may not add to.
RESPONSE_MARKER = "_flask_corsx_done"
#: Set in the WSGI environ when the response comes from an exception (for intercept_exceptions).
ENVIRON_EXCEPTION = "flask_corsx.exception"
#: Set on a view function by :func:`flask_corsx.cross_origin`.
VIEW_ATTRIBUTE = "_flask_corsx_spec"


@dataclass(eq=False)
class DecoratorSpec:
    """The options one ``@cross_origin(...)`` was given; compiled per app on first use."""

    options: dict[str, Any]
    automatic_options: bool
    #: The decorated view's qualified name, for messages.
    view_name: str = "?"


@dataclass(eq=False)
class AppState:
    """What flask_corsx keeps for one app, in ``app.extensions["corsx"]``.

    Nothing lives on the ``CORS`` object, so one ``CORS()`` can serve several apps.
    """

    app_table: ResourceTable[CORSPolicy] | None = None
    #: Registered blueprint name (dotted for nested ones) -> its table.
    blueprint_tables: dict[str, ResourceTable[CORSPolicy]] = field(default_factory=dict)
    #: Decorator specs compiled against this app's config.
    decorator_policies: dict[DecoratorSpec, CORSPolicy | None] = field(default_factory=dict)
    hooks_installed: bool = False
    #: The options of each CORS(app) call and each blueprint registration, in order, kept for
    #: ``flask cors check`` (which validates them again and reports every problem).
    app_options: list[dict[str, Any]] = field(default_factory=list)
    blueprint_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Whether the app has after_request hooks besides ours (known from its first request on,
    #: when Flask allows no new ones).
    other_after_hooks: bool | None = None
    #: Resource patterns that a later CORS(app) call configured again (W015).
    duplicate_patterns: list[str] = field(default_factory=list)
    #: Endpoint -> decorator spec, collected on the first request (Flask allows no new routes
    #: after it), so undecorated requests skip the view look-up.
    decorated: dict[str, DecoratorSpec] | None = None

    def policies(self) -> Iterator[CORSPolicy]:
        """Every policy compiled for this app so far (resources, blueprints, decorators)."""
        tables = [self.app_table, *self.blueprint_tables.values()]
        for table in tables:
            if table is not None:
                for _, policy in table.entries:
                    yield policy
        for decorated in list(self.decorator_policies.values()):
            if decorated is not None:
                yield decorated

    def decorated_endpoints(self, app: Flask) -> dict[str, DecoratorSpec]:
        decorated = self.decorated
        if decorated is None:
            decorated = self.decorated = {
                endpoint: spec
                for endpoint, view in app.view_functions.items()
                if (spec := getattr(view, VIEW_ATTRIBUTE, None)) is not None
            }
            for message in widening_decorators(app, self, decorated):
                # Logged, not warnings.warn(): this runs inside the first request, where a
                # test suite's "warnings are errors" must not turn it into a 500.
                log.warning("%s", message)
            if decorated and not self.hooks_installed and any(app.after_request_funcs.values()):
                log.warning(
                    "flask_corsx: this app uses @cross_origin without CORS(app) and has "
                    "after_request hooks, which run after the decorator: a CORS header they "
                    "set (Access-Control-Allow-Credentials, say) stays on decorated responses. "
                    "Fix: call CORS(app, resources={}), so that flask_corsx's final hook owns "
                    "the CORS headers. [corsx.W020]"
                )
        return decorated


def widening_decorators(
    app: Flask, state: AppState, decorated: dict[str, DecoratorSpec]
) -> list[str]:
    """Decorated views that allow any origin under an app or blueprint policy that lists its
    origins (corsx.W018): usually a bare ``@cross_origin()`` left over from a tutorial."""
    messages = []
    for endpoint, spec in decorated.items():
        policy = decorator_policy(app, spec)
        if policy is None or not policy.origins.catch_all:
            continue
        for rule in app.url_map.iter_rules(endpoint):
            scope = path_policy(state, blueprint_chain(endpoint), rule.rule)
            if scope is not None and not scope.origins.catch_all:
                messages.append(
                    f"flask_corsx: @cross_origin on view {endpoint!r} allows any origin, "
                    f"while the app's CORS policy for {rule.rule!r} allows only "
                    f"{scope.options.get('origins')!r}; the decorator wins for that view. "
                    "Fix: give the decorator origins=[...], or remove it. [corsx.W018]"
                )
                break
    return messages


def path_policy(state: AppState, blueprints: list[str], path: str) -> CORSPolicy | None:
    """The blueprint or app resource policy for a path (the decorator left aside)."""
    for name in blueprints:
        table = state.blueprint_tables.get(name)
        if table is not None:
            matched = table.match(path)
            if matched is not None:
                return matched
    return None if state.app_table is None else state.app_table.match(path)


def invalidate_origins(app: Flask | None = None, origin: str | None = None) -> int:
    """Forget what the ``origins`` callables of ``app`` answered, so the next request from an
    origin asks again: call it when the table behind the callable changes.

    This process only: each worker process of a WSGI server keeps its own cache, so in the
    others a changed answer takes effect within ``origins_cache_ttl`` seconds.

    :param app: the app; the current app when None (inside a request or app context).
    :param origin: forget only this origin's answer (as the browser sends it).
    :returns: how many callable caches were cleared.
    """
    if app is None:
        from flask import current_app

        app = current_app._get_current_object()  # type: ignore[attr-defined]
    state: AppState | None = app.extensions.get(EXTENSION_KEY)
    if state is None:
        return 0
    caches = {
        id(policy.dynamic): policy.dynamic
        for policy in state.policies()
        if isinstance(policy, DynamicOriginPolicy) and policy.dynamic is not None
    }
    for cache in caches.values():
        cache.invalidate(origin)
    return len(caches)


def get_state(app: Flask) -> AppState:
    state: AppState | None = app.extensions.get(EXTENSION_KEY)
    if state is None:
        state = app.extensions[EXTENSION_KEY] = AppState()
    return state


def decorator_policy(app: Flask, spec: DecoratorSpec) -> CORSPolicy | None:
    """The policy of one decorator on one app: its options over the app's ``CORS_*`` config.

    None when the app config makes them invalid (say ``CORS_MAX_AGE = -1``), which only the
    first request can reveal: the view then answers without CORS headers, and the problem is
    logged at ERROR once. A configuration problem is never a 500.
    """
    state = get_state(app)
    if spec in state.decorator_policies:
        return state.decorator_policies[spec]
    if state.decorated is None:
        # The app's first decorated request: look at all decorated views once (which may
        # compile this one's policy too).
        state.decorated_endpoints(app)
        if spec in state.decorator_policies:
            return state.decorator_policies[spec]
    policy: CORSPolicy | None
    try:
        # Two threads may both build it on the first requests; they build equal policies and
        # the dict assignment is atomic, so no lock is needed. Inside a request, warnings go
        # to the log: raised as errors by a test suite, they would be a 500.
        options = resolve_options(app.config, spec.options, sink=log)
        policy = build_policy(options, config=app.config, kwargs=spec.options, sink=log)
        policy.sources = option_sources(app.config, spec.options)
    except CORSConfigError as exc:
        log.error(
            "CORS is off for view %s: its @cross_origin options together with the app config "
            "are invalid. %s",
            spec.view_name,
            exc,
        )
        policy = None
    except Exception:  # never a 500 from a configuration problem, whatever it is
        log.exception("CORS is off for view %s: its options could not be compiled", spec.view_name)
        policy = None
    state.decorator_policies[spec] = policy
    return policy


def is_preflight(req: Request) -> bool:
    """FETCH-A2: a preflight is an OPTIONS request *with* Access-Control-Request-Method."""
    return req.method == "OPTIONS" and ENVIRON_ACRM in req.environ


def preflight_endpoint(app: Flask, req: Request) -> str | None:
    """The endpoint that will serve the method a preflight asks about, or None if none does.

    Werkzeug routes the OPTIONS request itself to the first rule for its URL, which may belong
    to another view than the one the real request will run (``GET /item`` decorated, ``DELETE
    /item`` elsewhere): the preflight must be decided by the policy of the view that runs.
    Called only when decorators or blueprints could make that policy differ from the path's.
    """
    method = req.environ.get(ENVIRON_ACRM, "")
    if len(method) > MAX_METHOD_LENGTH or not is_token(method):
        return None
    adapter = app.create_url_adapter(req)
    if adapter is None:
        return None
    try:
        rule, _ = adapter.match(method=method, return_rule=True)
    except HTTPException:  # NotFound, MethodNotAllowed, RequestRedirect
        return None
    endpoint: str = rule.endpoint
    return endpoint


def blueprint_chain(endpoint: str | None) -> list[str]:
    """The registered blueprint names of an endpoint, innermost first (like
    :attr:`flask.Request.blueprints`): ``"a.b.view"`` -> ``["a.b", "a"]``."""
    names: list[str] = []
    name = endpoint.rpartition(".")[0] if endpoint else ""
    while name:
        names.append(name)
        name = name.rpartition(".")[0]
    return names


def decide(policy: CORSPolicy, environ: dict[str, Any], method: str, app: Flask) -> Decision:
    """Read the request facts from the WSGI environ and ask the policy.

    The environ holds the raw header values; repeated headers arrive comma-joined, which the
    core treats as the malformed values they are (FETCH-I6). A refusal is reported (log line,
    signal, and in debug mode the ``X-Corsx-Explain`` header); an allowed request pays only
    for one check, whether it carries credentials the policy does not allow.
    """
    origin = environ.get(ENVIRON_ORIGIN)
    if method == "OPTIONS" and ENVIRON_ACRM in environ:  # FETCH-A2
        decision = policy.preflight(
            origin,
            environ[ENVIRON_ACRM],
            environ.get(ENVIRON_ACRH),
            environ.get(ENVIRON_ACRPN),
        )
    else:
        decision = policy.actual(origin)
    if decision.refusals:
        report.refused(app, policy, decision, environ)
        if policy.explain_header if policy.explain_header is not None else app.debug:
            reason = report.explain_header(policy, decision, environ)
            headers = {**decision.headers, report.EXPLAIN_HEADER: reason}
            decision = decision._replace(headers=headers)
    elif (
        ("HTTP_COOKIE" in environ or "HTTP_AUTHORIZATION" in environ)
        # The grant's own headers, not the policy's field: a per-origin rule may allow
        # credentials where its scope does not.
        and ACAC not in decision.headers
        and origin is not None
        and log.isEnabledFor(report.level(app))
    ):
        report.credentials_hint(app, environ)
    return decision


#: Response headers flask_corsx owns once it writes a response's CORS headers: a stray one set
#: by a view or another hook (an after_request that adds "Access-Control-Allow-Credentials:
#: true", say) would otherwise combine with our reflected Origin into a grant the policy never
#: made. Access-Control-Allow-Origin itself is not here: a response that has one already is left
#: to the code that set it (see inspect_response).
_OWNED_PREFIX = "access-control-allow-"
_OWNED_NAMES = frozenset({"access-control-expose-headers", "access-control-max-age"})


def answer_options(
    app: Flask, policy: CORSPolicy, environ: dict[str, Any], response: Response, path: str
) -> None:
    """Write the CORS headers of an OPTIONS request that flask_corsx answers itself (the view
    does not run), and tell :data:`~flask_corsx.signals.preflight_answered` receivers."""
    decision = decide(policy, environ, "OPTIONS", app)
    apply_decision(response, decision)
    if decision.preflight and preflight_answered.receivers:
        preflight_answered.send(
            app,
            decision=decision,
            origin=environ.get(ENVIRON_ORIGIN),
            method=environ.get(ENVIRON_ACRM),
            path=path,
        )


class ResponseFacts(NamedTuple):
    #: The response's Vary values joined, "" when there is none.
    vary: str
    #: How many Vary lines there are (caches such as nginx honour only the last one).
    vary_lines: int
    #: Lower-cased names of the CORS response headers already there, which we replace or
    #: remove (never duplicate, FETCH-I6).
    cors_names: tuple[str, ...]


_NO_FACTS = ResponseFacts("", 0, ())


#: Whether this Werkzeug's Headers keep their (name, value) tuples in a plain ``_list``, as
#: it has since its first release. Reading and appending to that list directly skips a Python
#: call per header. Nothing is lost by skipping Headers.add's check for newlines: our values
#: are built at configuration time or are Origins the core found header-safe (FETCH-I6), and
#: Werkzeug checks every value again when it turns the response into WSGI headers. With a
#: Werkzeug that has no such list, or with a Headers subclass, the public methods are used.
_RAW_HEADERS = getattr(Headers([("Vary", "Origin")]), "_list", None) == [("Vary", "Origin")]


def inspect_response(response: Response) -> ResponseFacts | None:
    """One pass over a response's headers: None if it must be left alone, else what we need.

    A response is left alone when our headers are on it already, or when a view (or an upstream
    library) set Access-Control-Allow-Origin itself: that code owns the CORS headers, and adding
    ours would duplicate them and fail the browser's check (FETCH-I6). Otherwise the Vary
    facts and the CORS headers to replace are returned for :func:`apply_decision`.
    """
    if getattr(response, RESPONSE_MARKER, None) is not None:
        return None
    return scan_headers(response)


def scan_headers(response: Response) -> ResponseFacts | None:
    """:func:`inspect_response` for a response known not to carry our marker."""
    headers = response.headers
    if not isinstance(headers, Headers):
        # Some libraries (OAuthlib integrations among them) replace the headers with a plain
        # dict; make them a Headers again so they can be read and extended safely.
        headers = response.headers = Headers(headers)
    vary = ""
    vary_lines = 0
    cors_names: tuple[str, ...] = ()
    # One loop over the few header tuples is cheaper than asking Headers about each name, and
    # looking at the first letter first skips the lower() of nearly every name: only Vary and
    # Access-Control-* matter.
    for name, value in headers._list if _RAW_HEADERS and type(headers) is Headers else headers:
        if name and name[0] in "VvAa":
            lowered = name.lower()
            if lowered == "vary":
                vary = f"{vary}, {value}" if vary else value
                vary_lines += 1
            elif lowered.startswith("access-control-"):
                if lowered == "access-control-allow-origin":
                    return None
                if lowered.startswith(_OWNED_PREFIX) or lowered in _OWNED_NAMES:
                    cors_names += (lowered,)
    if not vary_lines and not cors_names:
        return _NO_FACTS
    return ResponseFacts(vary, vary_lines, cors_names)



def apply_decision(
    response: Response, decision: Decision, facts: ResponseFacts = _NO_FACTS
) -> None:
    """Write a decision's headers onto a response and mark it done.

    :param facts: from :func:`inspect_response`; call this only on responses that function did
        not tell us to leave alone (or on a response we just made).
    """
    headers = response.headers
    if facts.cors_names:
        # The response already has CORS headers from elsewhere. Ours replace them, so each
        # stays single (FETCH-I6), and any the policy would not send are removed: they are not
        # part of the grant it made.
        ours = decision.headers
        keep = _lowered_names(ours)
        for name in facts.cors_names:
            if name not in keep:
                del headers[name]
        for name, value in ours.items():
            headers[name] = value
    elif not facts.vary_lines and _RAW_HEADERS and type(headers) is Headers:
        # The common case, nothing to replace or merge: append the tuples (see _RAW_HEADERS).
        headers._list.extend(decision.headers.items())
        if decision.vary:
            headers._list.append(("Vary", decision.vary))
        setattr(response, RESPONSE_MARKER, decision.headers)
        return
    else:
        for name, value in decision.headers.items():
            headers.add(name, value)
    if decision.vary:
        merge_vary(headers, decision.vary, facts)
    setattr(response, RESPONSE_MARKER, decision.headers)


def remove_strays(response: Response, written: Mapping[str, str]) -> None:
    """Remove the CORS headers that code running after :func:`apply_decision` added.

    The app's final hook calls this on responses whose headers were written earlier (a
    preflight answered before the view, a decorated view): an ``after_request`` that sets
    ``Access-Control-Allow-Credentials: true`` must not turn a reflected Origin into a
    credentialed grant the policy never made.
    """
    keep = _lowered_names(written)
    strays = {
        lowered
        for name, _ in response.headers
        if (lowered := name.lower()).startswith(_OWNED_PREFIX) or lowered in _OWNED_NAMES
    }
    strays -= keep
    if "access-control-allow-origin" in strays:
        return  # a later hook set Allow-Origin itself: like a view that does, it owns the set
    for name in strays:
        del response.headers[name]


def _lowered_names(headers: Mapping[str, str]) -> frozenset[str]:
    return frozenset(name.lower() for name in headers)


def merge_vary(headers: Headers, tokens: str, facts: ResponseFacts) -> None:
    """Add ``tokens`` to Vary, keeping what is there, never duplicating (FETCH-O3), on one line.

    A shared cache such as nginx reads only the last of several Vary lines, so when the
    response has more than one they are joined into one.
    """
    if not facts.vary_lines:
        headers.add("Vary", tokens)
        return
    existing = facts.vary
    present = {token.strip().lower() for token in existing.split(",")}
    if "*" in present:
        return
    missing = [token for token in tokens.split(", ") if token.lower() not in present]
    if missing or facts.vary_lines > 1:
        headers["Vary"] = ", ".join([existing, *missing])
