"""The CORS protocol decisions: request facts in, response headers out.

This module knows nothing of Flask or WSGI. A :class:`CORSPolicy` is built once, at configuration
time, by :mod:`flask_corsx.config`; every header value that does not depend on the request is
prebuilt then. Per request, :meth:`CORSPolicy.evaluate` does a few set and dict look-ups and
returns a :class:`Decision`: the headers to set, whether ``Vary: Origin`` is due, whether the
request was a preflight, and why anything was refused (as cheap flags; :func:`explain` turns them
into words when someone asks).

Item ids such as FETCH-B4 refer to the project's Fetch-standard checklist.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from re import Pattern
from typing import ClassVar, NamedTuple

from .defaults import (
    ACAC,
    ACAH,
    ACAM,
    ACAO,
    ACAPN,
    ACEH,
    ACMA,
    ACRH,
    ACRM,
    ACRPN,
    MAX_METHOD_LENGTH,
    MAX_REQUEST_HEADERS_LENGTH,
    SAFELISTED_METHODS,
)
from .memo import MEMO, new_serial, remember
from .origins import OriginMatcher, is_plausible_origin

#: RFC 9110 token characters: the only ones allowed in a method or a header name (FETCH-R5).
_TCHARS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def is_token(value: str) -> bool:
    """Whether ``value`` is a non-empty RFC 9110 token."""
    return bool(value) and _TCHARS.issuperset(value)


class Refusal(enum.IntFlag):
    """Why a request got fewer CORS headers than it asked for. Zero means nothing was refused."""

    NONE = 0
    #: The Origin is well formed but not in the allowed origins.
    ORIGIN_NOT_ALLOWED = 1
    #: The Origin is not a plausible origin (control characters, commas, non-ASCII, too long).
    ORIGIN_MALFORMED = 2
    #: Access-Control-Request-Method names a method the policy does not allow.
    METHOD_NOT_ALLOWED = 4
    #: Access-Control-Request-Method is not a valid method token.
    METHOD_MALFORMED = 8
    #: Some requested header names are not allowed.
    HEADERS_NOT_ALLOWED = 16
    #: Access-Control-Request-Headers is not a list of valid header-name tokens.
    HEADERS_MALFORMED = 32
    #: A private-network preflight, but allow_private_network is off.
    PRIVATE_NETWORK_NOT_ALLOWED = 64


class Decision(NamedTuple):
    """What to do with one response.

    ``headers`` are to be *set* (each replaces any value already there, so there is exactly one
    of each, FETCH-I6); do not mutate it, it may be shared. ``vary`` lists the request headers
    the answer depended on, comma-joined (``"Origin"``; on preflights also the
    ``Access-Control-Request-*`` headers it echoes), to be merged into the response's Vary
    header (FETCH-O2/O3); ``""`` when nothing is due.
    """

    headers: Mapping[str, str]
    vary: str
    preflight: bool
    refusals: Refusal

    @property
    def vary_origin(self) -> bool:
        """Whether ``Origin`` is among the Vary tokens."""
        return self.vary.startswith("Origin")


_NO_HEADERS: Mapping[str, str] = {}


class RuleMatch(NamedTuple):
    """For explanations: which per-origin rule (or callable answer) answers an origin."""

    #: The policy whose options answer (the scope's when no rule matches).
    policy: CORSPolicy
    #: The rule in words, or why none matched; None for a policy without per-origin rules.
    text: str | None = None
    #: The answering rule's short name, for fixes ("origins['https://a.example']"), or None.
    rule: str | None = None
    #: The origins come from a callable.
    dynamic: bool = False


@dataclass
class HeaderRule:
    """Which request header names a preflight may ask for."""

    allow_all: bool = False
    names: frozenset[str] = frozenset()  # lower-cased
    patterns: tuple[Pattern[str], ...] = ()

    def allows(self, name: str) -> bool:
        """``name`` is a lower-cased token."""
        if self.allow_all or name in self.names:
            return True
        return any(p.fullmatch(name) for p in self.patterns)


@dataclass
class CORSPolicy:
    """One resolved, validated CORS configuration, ready to answer requests.

    Build it with :func:`flask_corsx.config.build_policy`; the fields are the normalized options.
    """

    origins: OriginMatcher
    #: Allowed methods, upper-cased; empty with ``any_method``.
    methods: frozenset[str]
    any_method: bool
    headers: HeaderRule
    expose_headers: str | None
    supports_credentials: bool
    max_age: str | None
    send_wildcard: bool
    vary_header: bool
    always_send: bool
    intercept_exceptions: bool
    allow_private_network: bool
    automatic_options: bool
    #: Send the X-Corsx-Explain header on refusals: None follows ``app.debug``.
    explain_header: bool | None = None
    #: The options this policy was built from, for introspection and debugging.
    options: Mapping[str, object] = field(default_factory=dict)
    #: Where each option's value came from: "resource", "keyword", a ``CORS_*`` key or
    #: "default" (for explanations).
    sources: Mapping[str, str] = field(default_factory=dict)
    #: Part of a per-origin policy (one rule's answers): its responses always vary on Origin,
    #: since which rule answers depends on it.
    member: bool = False

    def __post_init__(self) -> None:
        self._prebuild()

    # -- configuration time -------------------------------------------------------------------

    #: Whether the answers come from per-origin rules or a callable (subclasses), so that
    #: none is the same for every origin: no "*" shortcut, and always Vary: Origin.
    dispatches: ClassVar[bool] = False

    def _prebuild(self) -> None:
        any_origin = self.origins.any_origin and not self.dispatches
        # FETCH-I2/J1: "*" only when the policy allows every origin and credentials are off.
        self.wildcard = any_origin and self.send_wildcard and not self.supports_credentials
        # FETCH-O1/O2: Vary: Origin unless every response carries the same Allow-Origin.
        constant = self.wildcard and self.always_send and not self.member
        self.vary_origin = self.vary_header and not constant
        vary = "Origin" if self.vary_origin else ""
        # A preflight answer echoes the requested header names and (for methods="*", or a
        # "patch" the browser did not upper-case) the requested method, so a shared cache
        # that keys preflights by URL and Origin alone would hand one request's answer to
        # another; say what it depends on (Fetch's HTTP-cache partitioning, FETCH-O3).
        preflight_vary = [ACRM, ACRH] if self.vary_header else []
        if self.vary_header and self.allow_private_network:
            preflight_vary.append(ACRPN)
        self._preflight_vary = ", ".join(([vary] if vary else []) + preflight_vary)

        actual: dict[str, str] = {}
        if self.expose_headers:
            actual[ACEH] = self.expose_headers
        if self.supports_credentials:
            actual[ACAC] = "true"  # FETCH-I5: exactly "true", lower-case
        self._actual_extra = actual

        # flask-cors lists the exposed headers on preflights too; browsers ignore them there
        # (FETCH-D4), and keeping them keeps responses identical for migrating users.
        preflight: dict[str, str] = dict(actual)
        if self.max_age is not None:
            preflight[ACMA] = self.max_age
        self._preflight_extra = preflight
        # flask-cors lists the allowed methods sorted; so do we (stable, cache friendly).
        self._methods_value = ", ".join(sorted(self.methods))

        self._serial = new_serial()
        #: Listed origin (as sent) -> its decision; at most one entry per listed origin.
        self._granted: dict[str, Decision] = {}
        self._refused_origin = Decision(_NO_HEADERS, vary, False, Refusal.ORIGIN_NOT_ALLOWED)
        self._malformed_origin = Decision(_NO_HEADERS, vary, False, Refusal.ORIGIN_MALFORMED)
        self._no_origin = Decision(_NO_HEADERS, vary, False, Refusal.NONE)
        if self.always_send and any_origin and not self.supports_credentials:
            # flask-cors sends "*" to requests without Origin when every origin is allowed.
            # It never sends an allow-list entry there (flask-cors #338 leaks one); nor do we.
            self._no_origin = Decision({ACAO: "*", **actual}, vary, False, Refusal.NONE)
        self._wildcard_actual = Decision({ACAO: "*", **actual}, vary, False, Refusal.NONE)

    # -- per request --------------------------------------------------------------------------

    def evaluate(
        self,
        method: str,
        origin: str | None,
        request_method: str | None = None,
        request_headers: str | None = None,
        request_private_network: str | None = None,
    ) -> Decision:
        """Decide the CORS headers for one request.

        :param method: the request method as received.
        :param origin: the Origin header, or None when absent.
        :param request_method: Access-Control-Request-Method, or None.
        :param request_headers: Access-Control-Request-Headers (comma-joined if repeated).
        :param request_private_network: Access-Control-Request-Private-Network, or None.
        """
        # FETCH-A2: a preflight is OPTIONS *with* Access-Control-Request-Method; an OPTIONS
        # without it is an ordinary request.
        if method == "OPTIONS" and request_method is not None:
            return self.preflight(origin, request_method, request_headers, request_private_network)
        return self.actual(origin)

    def actual(self, origin: str | None) -> Decision:
        """Headers for an actual (non-preflight) response."""
        if origin is None:
            return self._no_origin
        if self.wildcard:
            return self._wildcard_actual
        # A listed origin's decision is kept by the policy itself: the list bounds how many
        # there are, and a flood of other Origins can never push them out (with 20,000 listed
        # origins in turn, the shared memo would be cleared before any came round again).
        decision: Decision | None = self._granted.get(origin)
        if decision is not None:
            return decision
        # Anything else (patterns, refusals) is remembered in the process-wide bounded memo,
        # so a repeat visitor costs one dict look-up there.
        key = (self._serial, origin)
        decision = MEMO.get(key)
        if decision is None:
            decision = self._actual_uncached(origin)
            if origin in self.origins.exact and not decision.refusals:
                self._granted[origin] = decision
            else:
                remember(key, decision)
        return decision

    def _actual_uncached(self, origin: str) -> Decision:
        target = self.target(origin)
        if target is None:
            return self._refusal_for(origin)
        return target._grant_actual(origin)

    def target(self, origin: str) -> CORSPolicy | None:
        """The policy that answers ``origin``: this one if it allows the origin, else None.

        Per-origin policies (:mod:`flask_corsx.rules`) answer with the policy of the rule
        that matches, so everything below this call is shared.
        """
        return self if self.origins.allows(origin) else None

    def describe_rule(self, origin: str) -> RuleMatch:
        """For explanations: which per-origin rule answers ``origin`` (none here)."""
        return RuleMatch(self)

    def _grant_actual(self, origin: str) -> Decision:
        headers = {ACAO: "*" if self.wildcard else origin}
        if self._actual_extra:
            headers.update(self._actual_extra)
        return Decision(headers, self._refused_origin.vary, False, Refusal.NONE)

    def preflight(
        self,
        origin: str | None,
        request_method: str,
        request_headers: str | None = None,
        request_private_network: str | None = None,
    ) -> Decision:
        """Headers for a preflight response (FETCH-H1..H9)."""
        if origin is None:
            # Browsers always send Origin on preflights (FETCH-A3); without it this is not one
            # we can answer, but it is harmless to give it what a plain request would get.
            return Decision(self._no_origin.headers, self._preflight_vary, True, Refusal.NONE)
        vary = self._preflight_vary
        # target() inlined for a policy without per-origin rules: preflights are not memoized,
        # so each one pays for the call.
        target: CORSPolicy | None = self
        if self.dispatches:
            target = self.target(origin)
        elif not self.wildcard and not self.origins.allows(origin):
            target = None
        if target is None:
            # Refused whatever was requested, so Origin alone would do; but a shared cache such
            # as nginx keeps one Vary per URL, and answers that vary differently keep evicting
            # each other. Every preflight answer of a policy says the same.
            refused = self._refusal_for(origin)
            return Decision(_NO_HEADERS, vary, True, refused.refusals)
        return target._grant_preflight(
            origin, request_method, request_headers, request_private_network, vary
        )

    def _grant_preflight(
        self,
        origin: str,
        request_method: str,
        request_headers: str | None,
        request_private_network: str | None,
        vary: str,
    ) -> Decision:
        """The preflight answer for an origin this policy allows (FETCH-H2..H9)."""
        headers: dict[str, str] = {ACAO: "*" if self.wildcard else origin}
        refusals = Refusal.NONE
        methods_value = self._method_value(request_method)
        if methods_value is None:
            refusals |= (
                Refusal.METHOD_MALFORMED
                if not _is_method(request_method)
                else Refusal.METHOD_NOT_ALLOWED
            )
            # flask-cors answers a refused method with Allow-Origin but no Allow-Methods, which
            # fails the browser's method check (FETCH-H5); we do the same.
            if self.supports_credentials:
                headers[ACAC] = "true"
            return Decision(headers, vary, True, refusals)

        headers[ACAM] = methods_value
        if request_headers is not None:
            allowed, header_refusals = self._allowed_headers(request_headers)
            refusals |= header_refusals
            if allowed:
                headers[ACAH] = allowed
        headers.update(self._preflight_extra)
        if request_private_network == "true":
            # FETCH-P2/P7: answer "true" only when enabled; otherwise send nothing, not "false".
            if self.allow_private_network:
                headers[ACAPN] = "true"
            else:
                refusals |= Refusal.PRIVATE_NETWORK_NOT_ALLOWED
        return Decision(headers, vary, True, refusals)

    def _refusal_for(self, origin: str) -> Decision:
        # Only refused requests pay for telling "malformed" from "not allowed".
        return self._refused_origin if is_plausible_origin(origin) else self._malformed_origin

    def _method_value(self, requested: str) -> str | None:
        """The Access-Control-Allow-Methods value for ``requested``, or None to refuse it.

        FETCH-B4: the browser compares methods case-sensitively, and ``fetch(url, {method:
        'patch'})`` asks for ``patch``. Werkzeug routes ``patch`` to a PATCH view, so a policy
        allowing PATCH allows ``patch`` too, and the answer must then spell it ``patch``.
        FETCH-B5: safelisted methods always pass, so they are never refused.
        """
        if requested in self.methods:
            return self._methods_value
        if len(requested) > MAX_METHOD_LENGTH or not is_token(requested):
            return None
        if self.any_method:
            return requested
        if requested.upper() in self.methods:
            # Allowed in another case: list the exact spelling the browser will look for.
            return f"{self._methods_value}, {requested}"
        if requested in SAFELISTED_METHODS:
            return self._methods_value or requested
        return None

    def _allowed_headers(self, raw: str) -> tuple[str, Refusal]:
        """The Access-Control-Allow-Headers value for a requested list, and any refusals.

        FETCH-C9/S12: browsers send lower-case, sorted, comma-joined names, but intermediaries
        may add spaces, duplicates or empty elements, so parse leniently; each allowed name is
        echoed once, as the request spelled it. Names that are not tokens are refused, never
        echoed. Allowed names are echoed back explicitly (never
        ``*``), which also covers ``Authorization`` (FETCH-C12).
        """
        if len(raw) > MAX_REQUEST_HEADERS_LENGTH:
            return "", Refusal.HEADERS_MALFORMED
        refusals = Refusal.NONE
        allowed: list[str] = []
        seen: set[str] = set()
        rule = self.headers
        for part in raw.split(","):
            spelled = part.strip(" \t")
            name = spelled.lower()
            if not name or name in seen:
                continue
            seen.add(name)
            # The spelling is checked, not its lower-case: "\u212a" (Kelvin) lowers to "k".
            if not is_token(spelled):
                refusals |= Refusal.HEADERS_MALFORMED
            elif rule.allows(name):
                # Header names are case-insensitive (FETCH-K1), but test suites compare the
                # echo with what they sent: keep the request's spelling, as flask-cors does.
                allowed.append(spelled)
            else:
                refusals |= Refusal.HEADERS_NOT_ALLOWED
        allowed.sort()
        return ", ".join(allowed), refusals


def _is_method(value: str) -> bool:
    return len(value) <= MAX_METHOD_LENGTH and is_token(value)


_REFUSAL_TEXT = {
    Refusal.ORIGIN_NOT_ALLOWED: "the Origin is not one of the allowed origins",
    Refusal.ORIGIN_MALFORMED: "the Origin is not a well-formed origin, so it is never reflected",
    Refusal.METHOD_NOT_ALLOWED: "Access-Control-Request-Method names a method that is not allowed",
    Refusal.METHOD_MALFORMED: "Access-Control-Request-Method is not a valid method token",
    Refusal.HEADERS_NOT_ALLOWED: "some Access-Control-Request-Headers names are not allowed",
    Refusal.HEADERS_MALFORMED: "Access-Control-Request-Headers holds names that are not tokens",
    Refusal.PRIVATE_NETWORK_NOT_ALLOWED: "a private-network preflight, but allow_private_network"
    " is off",
}


def explain(refusals: Refusal) -> list[str]:
    """Turn refusal flags into sentences, for logs and debugging tools."""
    return [text for flag, text in _REFUSAL_TEXT.items() if flag in refusals]
