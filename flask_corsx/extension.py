"""The ``CORS`` extension: hooks an app (or a blueprint) up to its resource policies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from flask import Blueprint, Flask, got_request_exception, request
from flask.blueprints import BlueprintSetupState
from flask.wrappers import Response

from . import report
from .config import build_resource_table, precheck
from .defaults import ENVIRON_ACRM, ENVIRON_ORIGIN
from .errors import CORSConfigError, Problem, warn
from .policy import CORSPolicy
from .wiring import (
    ENVIRON_EXCEPTION,
    EXTENSION_KEY,
    RESPONSE_MARKER,
    AppState,
    answer_options,
    apply_decision,
    blueprint_chain,
    decide,
    decorator_policy,
    get_state,
    invalidate_origins,
    is_preflight,
    path_policy,
    preflight_endpoint,
    remove_strays,
    scan_headers,
)

#: The request of the current context. LocalProxy keeps this function on the proxy; holding it
#: here saves a look-up through the proxy on each of the two hooks that run on every request.
_current_request: Callable[[], Any] = cast(Any, request)._get_current_object


class CORS:
    """Cross-Origin Resource Sharing for a Flask app or blueprint.

    ``CORS(app)`` allows every origin on every route, like flask-cors. Options narrow it::

        CORS(app, resources={r"/api/*": {"origins": ["https://app.example.com"]}})

    Settings are resolved per resource in this order: resource-level options, keyword arguments
    (to the constructor and to :meth:`init_app`), the app's ``CORS_*`` config keys, defaults.
    Everything is validated and compiled here, once; a mistake raises
    :class:`~flask_corsx.CORSConfigError` naming the option and the fix.

    :param app: a :class:`~flask.Flask` app or a :class:`~flask.Blueprint`; or None, and call
        :meth:`init_app` later (the factory pattern).
    :param options: ``resources``, ``origins``, ``methods``, ``allow_headers``,
        ``expose_headers``, ``supports_credentials``, ``max_age``, ``send_wildcard``,
        ``vary_header``, ``always_send``, ``intercept_exceptions``, ``allow_private_network``,
        ``automatic_options``, ``dangerously_allow_any_origin_with_credentials``,
        ``explain_header``. Each one's meaning and default:
        https://flask-corsx.readthedocs.io/en/latest/usage.html#options
    """

    def __init__(self, app: Flask | Blueprint | None = None, **options: Any) -> None:
        self._options = options
        if app is not None:
            self.init_app(app)

    def invalidate(self, app: Flask | None = None, origin: str | None = None) -> int:
        """Forget the cached answers of ``app``'s ``origins`` callables (all, or ``origin``'s);
        see :func:`flask_corsx.invalidate_origins`."""
        return invalidate_origins(app, origin)

    def init_app(self, app: Flask | Blueprint, **options: Any) -> None:
        """Install CORS on ``app``; ``options`` are merged over the constructor's.

        For a blueprint, call this before ``app.register_blueprint(blueprint)``.
        """
        merged = {**self._options, **options}
        if isinstance(app, Blueprint):
            _init_blueprint(app, merged)
        else:
            state = get_state(app)
            table = build_resource_table(app.config, merged)
            state.app_options.append(merged)
            if state.app_table is not None:
                # A second CORS(app) adds its resources, as flask-cors's second hook does.
                table, dropped = state.app_table.extended_by(table)
                if dropped:
                    state.duplicate_patterns.extend(dropped)
                    warn(
                        Problem(
                            "corsx.W015",
                            "resources",
                            dropped,
                            "were configured by an earlier CORS(app) call already; the "
                            "earlier configuration is kept for them.",
                            "configure each resource pattern once, in one CORS(app) call.",
                        )
                    )
            state.app_table = table
            install_hooks(app, state)


def _init_blueprint(blueprint: Blueprint, options: dict[str, Any]) -> None:
    if getattr(blueprint, "_got_registered_once", False):
        raise CORSConfigError(
            [
                Problem(
                    "corsx.E011",
                    "app",
                    blueprint.name,
                    "CORS(blueprint) was called after the blueprint was registered on an app, "
                    "too late for Flask's blueprint hooks.",
                    "call CORS(blueprint) before app.register_blueprint(blueprint).",
                )
            ]
        )
    precheck(options, table=True)

    def on_register(setup: BlueprintSetupState) -> None:
        app = cast(Flask, setup.app)
        state = get_state(app)
        name = f"{setup.name_prefix}.{setup.name}".lstrip(".")
        state.blueprint_tables[name] = build_resource_table(app.config, options)
        state.blueprint_options[name] = options
        install_hooks(app, state)

    blueprint.record(on_register)


def install_hooks(app: Flask, state: AppState) -> None:
    """Register the preflight and response hooks on ``app``, once."""
    if state.hooks_installed:
        return
    state.hooks_installed = True

    def answer_preflight() -> Response | None:
        # A preflight carries no credentials (FETCH-A4), so authentication hooks would refuse
        # it; this hook runs before every other before_request hook and answers it without
        # running them or the view.
        req = _current_request()
        if req.method != "OPTIONS":
            return None
        environ = req.environ
        if ENVIRON_ACRM not in environ:
            return None  # FETCH-A2: OPTIONS without Access-Control-Request-Method is actual
        policy = _policy_for(app, state, req, preflight=True)
        if policy is None:
            if ENVIRON_ORIGIN in environ:
                report.uncovered(app, environ)
            return None
        response = app.response_class(status=200)
        answer_options(app, policy, environ, response, req.path)
        return response

    def add_headers(response: Response) -> Response:
        written = getattr(response, RESPONSE_MARKER, None)
        if written is not None:
            # Our headers went on earlier (a preflight answer, a decorated view); this hook
            # runs after every other one, so it can take back what they added since. A
            # preflight we answered ran no view, so only other after_request hooks could have
            # added any: without such hooks there is nothing to look for.
            other_hooks = state.other_after_hooks
            if other_hooks is None:
                other_hooks = state.other_after_hooks = any(
                    func is not add_headers
                    for funcs in app.after_request_funcs.values()
                    for func in funcs
                )
            if other_hooks or not is_preflight(_current_request()):
                remove_strays(response, written)
            return response
        facts = scan_headers(response)
        if facts is None:
            return response
        req = _current_request()
        policy = _policy_for(app, state, req, preflight=False)
        if policy is None:
            if ENVIRON_ORIGIN in req.environ:
                report.uncovered(app, req.environ)
            return response
        environ = req.environ
        if not policy.intercept_exceptions and (
            req.routing_exception is not None or environ.get(ENVIRON_EXCEPTION)
        ):
            return response
        apply_decision(response, decide(policy, environ, req.method, app), facts)
        return response

    app.before_request(answer_preflight)
    # Flask runs before_request hooks in registration order; move ours to the front so a hook
    # registered earlier (authentication, rate limits) never sees a preflight.
    funcs = app.before_request_funcs[None]
    funcs.remove(answer_preflight)
    funcs.insert(0, answer_preflight)
    # Flask also runs after_request hooks on responses from error handlers (404, 405, abort(),
    # unhandled exceptions), which is how error responses get their headers: no patching of
    # Flask's exception handling is needed. It runs app hooks last-registered-first, after the
    # blueprints' hooks; put ours at the start of the list so it runs after every other hook
    # and sees (and owns) every CORS header they set, wherever they were registered.
    app.after_request(add_headers)
    after = app.after_request_funcs[None]
    after.remove(add_headers)
    after.insert(0, add_headers)


def _note_exception(sender: Flask, **extra: Any) -> None:
    """Flag a request whose response comes from an unhandled exception (intercept_exceptions);
    in debug mode, say why the browser will report a CORS error."""
    if EXTENSION_KEY in sender.extensions:
        environ = cast(Any, request).environ
        environ[ENVIRON_EXCEPTION] = True
        report.crashed(sender, environ)


# One receiver for every app, connected once: a receiver per app, held strongly by the signal,
# would keep each app's closure alive for good (seams finding 6: app factories in test suites).
got_request_exception.connect(_note_exception)


def _policy_for(app: Flask, state: AppState, req: Any, preflight: bool) -> CORSPolicy | None:
    """The policy that covers this request: decorator, then blueprints (innermost first), then
    the app's resources."""
    decorated = state.decorated
    if decorated is None:
        decorated = state.decorated_endpoints(app)
    if not decorated and not state.blueprint_tables:
        # Only the app's path rules: no view can make a difference (the common, fast case).
        return None if state.app_table is None else state.app_table.match(req.path)
    endpoint, blueprints = req.endpoint, req.blueprints
    if is_preflight(req):
        # Decided by the view that will serve the requested method, not by the one Werkzeug
        # routed the OPTIONS to (seams finding 2).
        endpoint = preflight_endpoint(app, req)
        blueprints = blueprint_chain(endpoint)
    spec = decorated.get(endpoint) if decorated else None
    if spec is not None:
        # automatic_options=False: the view answers OPTIONS itself, and the decorator adds
        # the headers to whatever it returns. For other responses that did not come from
        # the decorated view (a before_request hook answered, or an error was raised before
        # the view ran), the decorator's policy applies.
        if preflight and not spec.automatic_options and endpoint == req.endpoint:
            return None
        return decorator_policy(app, spec)  # None if invalid: no CORS for that view
    return path_policy(state, blueprints, req.path)
