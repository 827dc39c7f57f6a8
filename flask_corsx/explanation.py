"""Why a browser allows or blocks a cross-origin request to an app: :func:`explain`.

It takes the request as the browser would make it (origin, method, path, headers, credentials),
finds the policy that governs it the way the hooks do (the view's decorator, the innermost
blueprint's rule, the app's rule), computes the exact headers the app would send for the
preflight and the actual request, and applies the browser's checks to them
(:mod:`flask_corsx.browser`). Every refusal comes with its fix in one line, and near misses
(the allowed origin differs only in scheme, port, ``localhost`` against ``127.0.0.1``, ...) are
named. No request context is needed: the app's URL map finds the endpoint.

The CLI (``flask cors explain``), the logs and the test helpers all word refusals through this
module, so there is one place that turns a decision into words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Union

from werkzeug.exceptions import HTTPException

from .browser import (
    Verdict,
    cors_check,
    normalize_method,
    preflight_check,
    preflight_reasons,
    unsafe_header_names,
)
from .defaults import ACRH, ACRM, ACRPN, ORIGIN
from .policy import CORSPolicy, Decision, Refusal, RuleMatch
from .resources import ResourceTable
from .wiring import EXTENSION_KEY, AppState, blueprint_chain, decorator_policy

if TYPE_CHECKING:
    from flask import Flask

#: The headers a script sets: names, "Name: value" strings, or a name -> value mapping.
Headers = Union[Iterable[str], Mapping[str, Union[str, None]]]


@dataclass(frozen=True)
class Scope:
    """What governs a request's CORS answer."""

    kind: Literal["decorator", "blueprint", "app", "none"]
    endpoint: str | None = None
    blueprint: str | None = None
    #: The resource pattern, as written, for ``blueprint`` and ``app`` scopes.
    rule: str | None = None

    def __str__(self) -> str:
        if self.kind == "decorator":
            return f"@cross_origin on endpoint {self.endpoint!r}"
        if self.kind == "blueprint":
            return f"CORS({self.blueprint}) rule {self.rule!r}"
        if self.kind == "app":
            return f"CORS(app) rule {self.rule!r}"
        return "nothing: no CORS rule covers this request"


@dataclass(frozen=True)
class Exchange:
    """One request the browser sends, the app's answer, and what the browser does with it."""

    method: str
    request_headers: tuple[tuple[str, str], ...]
    status: int
    response_headers: tuple[tuple[str, str], ...]
    verdict: Verdict


@dataclass(frozen=True)
class Explanation:
    """The result of :func:`explain`; ``str()`` gives a report in plain words."""

    origin: str
    method: str
    path: str
    credentials: bool
    scope: Scope
    #: (option, value, where it came from), for the governing policy.
    options: tuple[tuple[str, object, str], ...]
    preflight_reasons: tuple[str, ...]
    preflight: Exchange | None
    #: None when the browser does not send it (its preflight failed).
    actual: Exchange | None
    #: One line per refusal: what to change.
    fixes: tuple[str, ...] = ()
    near_misses: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    #: Which per-origin rule (or origins callable) answered the Origin, or why none did; None
    #: when the policy has no per-origin rules.
    origin_rule: str | None = None

    @property
    def allowed(self) -> bool:
        """Whether the script gets to read the response."""
        return self.actual is not None and self.actual.verdict.passes

    @property
    def blocking(self) -> Verdict | None:
        """The verdict that blocks the request, or None."""
        for exchange in (self.preflight, self.actual):
            if exchange is not None and not exchange.verdict.passes:
                return exchange.verdict
        return None

    def console_line(self, url: str | None = None) -> str:
        """Chromium's console line for this request ("" when it is allowed)."""
        verdict = self.blocking
        return "" if verdict is None else verdict.console_line(url or self.path, self.origin)

    def __str__(self) -> str:
        mode = "include" if self.credentials else "not sent"
        lines = [
            f"{self.method} {self.path} from Origin {self.origin} (credentials: {mode})",
            f"Governed by: {self.scope}",
        ]
        if self.origin_rule is not None:
            lines.append(f"Origin rule: {self.origin_rule}")
        if self.options:
            lines.append("Options:")
            lines += [f"  {name} = {value!r}  ({source})" for name, value, source in self.options]
        if self.preflight is None:
            lines.append("Preflight: none (a simple request, FETCH-E1)")
        else:
            lines.append("Preflight: yes, because " + "; ".join(self.preflight_reasons))
            lines += _exchange_lines(self.preflight, self.path)
        if self.actual is None:
            lines.append("Actual request: not sent, because the preflight failed")
        else:
            lines.append("Actual request:")
            lines += _exchange_lines(self.actual, self.path)
        lines.append("Verdict: " + ("ALLOWED" if self.allowed else "BLOCKED"))
        lines += [f"Fix: {fix}" for fix in self.fixes]
        lines += [f"Near miss: {miss}" for miss in self.near_misses]
        lines += [f"Note: {note}" for note in self.notes]
        return "\n".join(lines)


def _exchange_lines(exchange: Exchange, path: str) -> list[str]:
    lines = [f"  > {exchange.method} {path}"]
    lines += [f"  > {name}: {value}" for name, value in exchange.request_headers]
    lines.append(f"  < {exchange.status}")
    lines += [f"  < {name}: {value}" for name, value in exchange.response_headers]
    if exchange.verdict.passes:
        lines.append("  Browser: passes")
    else:
        lines.append(f"  Browser: blocked ({exchange.verdict.check}): {exchange.verdict.chromium}")
    return lines


def parse_headers(headers: Headers) -> dict[str, str | None]:
    """``["X-Api-Key", "Content-Type: application/json"]`` or a mapping, as name -> value."""
    if isinstance(headers, Mapping):
        return dict(headers)
    parsed: dict[str, str | None] = {}
    for item in headers:
        name, colon, value = item.partition(":")
        parsed[name.strip()] = value.strip() if colon else None
    return parsed


def explain(
    app: Flask,
    origin: str,
    method: str,
    path: str,
    headers: Headers = (),
    credentials: bool = False,
    private_network: bool = False,
) -> Explanation:
    """Explain what a browser at ``origin`` gets for ``fetch(path, {method, headers})``.

    :param app: the Flask app (no request context needed).
    :param origin: the page's origin, e.g. ``"http://localhost:3000"``.
    :param method: the method the script uses; normalized as a browser does (``put`` is sent
        as ``PUT``, ``patch`` stays ``patch``).
    :param path: the request path (a query string is ignored).
    :param headers: the headers the script sets: names, ``"Name: value"`` strings or a
        mapping. A name without a value counts as safelisted if its name can be, except
        ``Content-Type``, which is taken to be ``application/json``.
    :param credentials: ``credentials: "include"`` (cookies, HTTP auth).
    :param private_network: the request targets a private network address.
    """
    path = path.split("?", 1)[0] or "/"
    sent = normalize_method(method)
    header_values = parse_headers(headers)
    unsafe = unsafe_header_names(header_values)
    reasons = preflight_reasons(sent, header_values, private_network)
    state: AppState | None = app.extensions.get(EXTENSION_KEY)
    notes: list[str] = []
    scope, policy = _governing(app, state, sent, path, notes)
    match = policy.describe_rule(origin) if policy is not None else None
    answering = policy if match is None else match.policy
    origin_rule = None if match is None else match.text
    options = _options(answering, policy)

    preflight: Exchange | None = None
    decision: Decision | None = None
    fixes: list[str] = []
    if reasons:
        request_headers = [(ORIGIN, origin), (ACRM, sent)]
        if unsafe:
            request_headers.append((ACRH, ",".join(unsafe)))
        if private_network:
            request_headers.append((ACRPN, "true"))
        if policy is None:
            response: list[tuple[str, str]] = []
        else:
            decision = policy.preflight(
                origin, sent, ",".join(unsafe) or None, "true" if private_network else None
            )
            response = _response_headers(decision)
        verdict = preflight_check(
            200, response, origin, sent, unsafe, credentials, private_network
        )
        preflight = Exchange("OPTIONS", tuple(request_headers), 200, tuple(response), verdict)
        if not verdict.passes:
            fixes += _fixes(
                verdict, answering, scope, decision, origin, sent, unsafe, credentials, match
            )

    actual: Exchange | None = None
    if preflight is None or preflight.verdict.passes:
        request_headers = [(ORIGIN, origin)]
        request_headers += [(k, v) for k, v in header_values.items() if v is not None]
        response = [] if policy is None else _response_headers(policy.actual(origin))
        verdict = cors_check(response, origin, credentials)
        actual = Exchange(sent, tuple(request_headers), 200, tuple(response), verdict)
        if not verdict.passes:
            fixes += _fixes(
                verdict, answering, scope, None, origin, sent, unsafe, credentials, match
            )
    near = near_misses(policy, origin) if policy is not None else _nearly_covering(state, path)
    return Explanation(
        origin=origin,
        method=sent,
        path=path,
        credentials=credentials,
        scope=scope,
        options=options,
        preflight_reasons=tuple(reasons),
        preflight=preflight,
        actual=actual,
        fixes=tuple(dict.fromkeys(fixes)),
        near_misses=tuple(near) if (fixes or policy is None) else (),
        notes=tuple(notes),
        origin_rule=origin_rule,
    )


def governing(app: Flask, method: str, path: str) -> tuple[Scope, CORSPolicy | None]:
    """The scope and the policy that govern ``method path`` on ``app``, as the hooks decide
    it for a real request (the view that serves the method, its decorator, the innermost
    blueprint's rule, the app's rule)."""
    return _governing(app, app.extensions.get(EXTENSION_KEY), method, path, [])


def _governing(
    app: Flask, state: AppState | None, method: str, path: str, notes: list[str]
) -> tuple[Scope, CORSPolicy | None]:
    if state is None:
        notes.append("flask_corsx is not set up on this app (no CORS(app) or @cross_origin).")
        return Scope("none"), None
    endpoint = _endpoint(app, method, path, notes)
    if endpoint is not None:
        spec = state.decorated_endpoints(app).get(endpoint)
        if spec is not None:
            policy = decorator_policy(app, spec)
            if policy is None:
                notes.append("the decorator's options are invalid with this app config: no CORS")
            return Scope("decorator", endpoint=endpoint), policy
    for name in blueprint_chain(endpoint):
        table = state.blueprint_tables.get(name)
        if table is not None:
            rule = table.rule_for(path)
            if rule is not None:
                return Scope("blueprint", endpoint, name, rule), table.match(path)
    if state.app_table is not None:
        rule = state.app_table.rule_for(path)
        if rule is not None:
            return Scope("app", endpoint, rule=rule), state.app_table.match(path)
    return Scope("none", endpoint), None


def _endpoint(app: Flask, method: str, path: str, notes: list[str]) -> str | None:
    adapter = app.url_map.bind(app.config.get("SERVER_NAME") or "localhost")
    try:
        rule, _ = adapter.match(path, method=method, return_rule=True)
    except HTTPException as exc:
        notes.append(f"no view serves {method} {path} ({exc.name}); only path rules apply")
        return None
    endpoint: str = rule.endpoint
    return endpoint


def _response_headers(decision: Decision) -> list[tuple[str, str]]:
    headers = list(decision.headers.items())
    if decision.vary:
        headers.append(("Vary", decision.vary))
    return headers


def _options(
    policy: CORSPolicy | None, scope: CORSPolicy | None = None
) -> tuple[tuple[str, object, str], ...]:
    """(option, value, source) of the policy that answers; a per-origin rule's options say
    "origin rule", the rest where the scope's came from."""
    if policy is None:
        return ()
    sources = {**(scope.sources if scope is not None else {}), **policy.sources}
    return tuple(
        (name, value, sources.get(name, "default"))
        for name, value in policy.options.items()
        if name != "resources"
    )


def _fixes(
    verdict: Verdict,
    policy: CORSPolicy | None,
    scope: Scope,
    decision: Decision | None,
    origin: str,
    method: str,
    unsafe: list[str],
    credentials: bool,
    match: RuleMatch | None = None,
) -> list[str]:
    where = f" (in {scope})" if scope.kind != "none" else ""
    if match is not None and match.rule is not None:
        where = f" (in {match.rule}, {scope})"
    if policy is None:
        return ["cover this path with a CORS rule, e.g. CORS(app, resources={r'/api/*': {...}})"]
    check = verdict.check
    if check == "FETCH-I1":
        refusals = decision.refusals if decision is not None else policy.actual(origin).refusals
        if Refusal.ORIGIN_MALFORMED in refusals:
            return ["the Origin is not a header-safe value; a browser never sends that"]
        if match is not None and match.dynamic:
            return [
                f"make the origins callable allow {origin!r}, then drop its cached refusal "
                "with flask_corsx.invalidate_origins(app)"
            ]
        if match is not None and match.text is not None:
            return [f"add a rule for {origin!r} to origins{where}"]
        return [f"add {origin!r} to origins{where}"]
    if check in ("FETCH-I5",):
        return [f"set supports_credentials=True{where} (with origins listed)"]
    if check == "FETCH-J1":
        return [f"send the origin instead of '*': drop send_wildcard{where}"]
    if check == "FETCH-H5":
        return [f"add {method!r} to methods{where}"]
    if check in ("FETCH-H6", "FETCH-H7"):
        refused = [name for name in unsafe if not policy.headers.allows(name)]
        return [f"add {name!r} to allow_headers{where}" for name in refused] or [
            "allow the requested headers"
        ]
    if check == "FETCH-P2":
        return [f"set allow_private_network=True{where}"]
    return [verdict.chromium]


def near_misses(policy: CORSPolicy, origin: str) -> list[str]:
    """Allowed origins that differ from ``origin`` in one way a developer easily misses."""
    if policy.origins.any_origin or policy.origins.allows(origin):
        return []
    wanted = _split(origin.lower())
    misses = []
    for allowed in sorted(policy.origins.exact):
        other = _split(allowed)
        if wanted is None or other is None:
            continue
        what = _difference(wanted, other, origin, allowed)
        if what:
            misses.append(f"{allowed!r} is allowed, which differs only {what}")
    return misses


def _split(origin: str) -> tuple[str, str, str] | None:
    scheme, sep, rest = origin.rstrip("/").partition("://")
    if not sep:
        return None
    host, _, port = rest.rpartition(":") if rest.count(":") == 1 else (rest, "", "")
    return scheme, host, port


def _difference(
    wanted: tuple[str, str, str], other: tuple[str, str, str], origin: str, allowed: str
) -> str:
    (s1, h1, p1), (s2, h2, p2) = wanted, other
    if origin.endswith("/"):
        return "by the trailing slash, which a browser never sends"
    if (h1, p1) == (h2, p2) and s1 != s2:
        return f"in the scheme ({s1} against {s2})"
    if (s1, h1) == (s2, h2) and p1 != p2:
        return f"in the port ({p1 or 'default'} against {p2 or 'default'})"
    loopback = {"localhost", "127.0.0.1", "[::1]"}
    if (s1, p1) == (s2, p2) and h1 in loopback and h2 in loopback:
        return f"in the host ({h1} against {h2}): a browser treats them as different origins"
    if (s1, p1) == (s2, p2) and h1.removeprefix("www.") == h2.removeprefix("www."):
        return "by 'www.'"
    return ""


def _nearly_covering(state: AppState | None, path: str) -> list[str]:
    """The resource rule whose pattern comes closest to ``path``, when none covers it."""
    if state is None:
        return []
    texts = [rule.text for table in _tables(state) for rule in table.rules]
    best = max(texts, key=lambda text: _common_prefix(text, path), default=None)
    if best is None or _common_prefix(best, path) < 2:
        return []
    return [f"the rule {best!r} comes closest but does not cover {path!r}"]


def _tables(state: AppState) -> list[ResourceTable[CORSPolicy]]:
    tables = list(state.blueprint_tables.values())
    if state.app_table is not None:
        tables.append(state.app_table)
    return tables


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n

