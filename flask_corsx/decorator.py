"""``@cross_origin``: CORS for one view, with the same options and resolver as the extension."""

from __future__ import annotations

import inspect
from functools import partial, update_wrapper
from typing import Any, Callable, TypeVar, cast, overload

from flask import after_this_request, current_app, request
from flask.wrappers import Response

from .config import precheck
from .policy import CORSPolicy
from .wiring import (
    ENVIRON_EXCEPTION,
    RESPONSE_MARKER,
    VIEW_ATTRIBUTE,
    DecoratorSpec,
    answer_options,
    apply_decision,
    decide,
    decorator_policy,
    get_state,
    inspect_response,
    is_preflight,
    preflight_endpoint,
)

F = TypeVar("F", bound=Callable[..., Any])


@overload
def cross_origin(view: F, /) -> F: ...


@overload
def cross_origin(**options: Any) -> Callable[[F], F]: ...


def cross_origin(view: F | None = None, /, **options: Any) -> F | Callable[[F], F]:
    """Allow cross-origin requests to one view.

    Put it *below* the route decorator, so Flask registers the wrapped view::

        @app.route("/data", methods=["GET", "PUT"])
        @cross_origin(origins=["https://app.example.com"], max_age=600)
        def data(): ...

    ``@cross_origin`` without parentheses means ``@cross_origin()``.

    Works on plain and ``async def`` views. The options are those of
    :class:`~flask_corsx.CORS` (``resources`` aside), over the app's ``CORS_*`` config. With
    ``automatic_options`` (the default), the decorator answers preflights itself and the view
    never sees them; with ``automatic_options=False`` the view must handle OPTIONS, and the
    preflight headers are added to whatever it returns. This one option is read from the
    keyword only, because it decides how the route is registered. With ``intercept_exceptions`` (the
    default), responses to errors raised in the view carry the same CORS headers.

    :raises CORSConfigError: when the options are wrong, at decoration time where the options
        alone show it, else on the first request that uses them.
    """
    if view is not None:
        if options or not callable(view):
            raise TypeError(
                "cross_origin() takes keyword arguments only, e.g. cross_origin(origins=[...])"
            )
        return cross_origin()(view)
    precheck(options, table=False)
    automatic_options = options.get("automatic_options", True) is not False

    def decorator(view: F) -> F:
        spec = DecoratorSpec(
            dict(options), automatic_options, getattr(view, "__qualname__", repr(view))
        )
        wrapper: Callable[..., Any]
        if inspect.iscoroutinefunction(view):

            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                early = _before_view(spec)
                if early is not None:
                    return early
                return await _run_async(view, args, kwargs)

            wrapper = async_wrapper
        else:

            def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
                early = _before_view(spec)
                if early is not None:
                    return early
                return _run(view, args, kwargs)

            wrapper = sync_wrapper
        update_wrapper(wrapper, view)
        if spec.automatic_options:
            # Route OPTIONS to the wrapper rather than to Flask's automatic answer.
            required = set(getattr(view, "required_methods", ()))
            required.add("OPTIONS")
            cast(Any, wrapper).required_methods = required
            cast(Any, wrapper).provide_automatic_options = False
        setattr(wrapper, VIEW_ATTRIBUTE, spec)
        return cast(F, wrapper)

    return decorator


def _before_view(spec: DecoratorSpec) -> Response | None:
    """Answer a preflight without the view, or arrange for headers on the view's response."""
    app = cast(Any, current_app)._get_current_object()
    req = cast(Any, request)._get_current_object()
    environ = req.environ
    if is_preflight(req):
        target = preflight_endpoint(app, req)
        if target != req.endpoint:
            return _answer_for_another_view(app, req, target)
    policy = decorator_policy(app, spec)
    if policy is None:
        return _without_cors(app, req, spec)
    # The route was registered at decoration time, from the keyword alone (the app config is
    # not known then); use that same decision here, so a CORS_AUTOMATIC_OPTIONS key can never
    # hand OPTIONS requests to a view whose route only took them because of us.
    if req.method == "OPTIONS" and spec.automatic_options:
        response: Response = app.make_default_options_response()
        answer_options(app, policy, environ, response, req.path)
        return response
    # after_this_request also runs on responses made from errors raised in the view (Flask
    # runs it in process_response for those too), so 403s and 500s get the same headers.
    after_this_request(partial(_add_headers, app, policy, environ, req.method))
    return None


def _answer_for_another_view(app: Any, req: Any, target: str | None) -> Response:
    """Answer a preflight that Werkzeug routed to this view although another view (or none)
    serves the method it asks about (seams finding 2).

    Only the serving view's own decorator may grant it. An app-wide ``CORS()`` has answered
    before the view was reached if its rules cover the path; so without such a decorator the
    answer carries no CORS headers, and the browser does not send the real request.
    """
    response: Response = app.make_default_options_response()
    spec = get_state(app).decorated_endpoints(app).get(target) if target else None
    policy = decorator_policy(app, spec) if spec is not None else None
    if policy is None:
        setattr(response, RESPONSE_MARKER, {})
    else:
        apply_decision(response, decide(policy, req.environ, "OPTIONS", app))
    return response


def _without_cors(app: Any, req: Any, spec: DecoratorSpec) -> Response | None:
    """For a view whose policy is invalid: the view runs (or OPTIONS is answered) as if it
    were not decorated, and nothing adds CORS headers to its responses."""
    after_this_request(_mark_without_cors)
    if req.method == "OPTIONS" and spec.automatic_options:
        return cast(Response, app.make_default_options_response())
    return None


def _mark_without_cors(response: Response) -> Response:
    setattr(response, RESPONSE_MARKER, {})
    return response


def _run(view: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    try:
        return view(*args, **kwargs)
    except BaseException:
        cast(Any, request).environ[ENVIRON_EXCEPTION] = True
        raise


async def _run_async(view: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    try:
        return await view(*args, **kwargs)
    except BaseException:
        cast(Any, request).environ[ENVIRON_EXCEPTION] = True
        raise


def _add_headers(
    app: Any, policy: CORSPolicy, environ: dict[str, Any], method: str, response: Response
) -> Response:
    facts = inspect_response(response)
    if facts is None:
        return response
    if not policy.intercept_exceptions and environ.get(ENVIRON_EXCEPTION):
        # The decorator owns this view: mark it so an app-wide CORS() does not step in.
        setattr(response, RESPONSE_MARKER, {})
        return response
    # With automatic_options=False the view answered a preflight itself: decide() sees the
    # Access-Control-Request-Method and adds the preflight headers to its response.
    apply_decision(response, decide(policy, environ, method, app), facts)
    return response
