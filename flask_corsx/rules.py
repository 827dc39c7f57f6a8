"""Per-origin rules and dynamic origins: which rule answers a request, decided per Origin.

A per-origin policy holds an ordered list of rules, each an origin matcher with options of its
own (methods, headers, credentials, ...), compiled into one :class:`~flask_corsx.policy.CORSPolicy`
per rule. The first rule that matches the Origin answers the request, refusals included; an
Origin no rule matches gets no CORS headers. A dynamic policy asks a callable instead, and keeps
its answers for a while.

Like :mod:`flask_corsx.policy`, this module knows nothing of Flask: origins in, a rule's policy
out. Validation and compiling live in :mod:`flask_corsx.rule_checks`.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from re import Pattern
from typing import Any, ClassVar, Union

from .defaults import MAX_REAL_ORIGIN_LENGTH
from .memo import MEMO, new_serial, remember
from .origins import is_plausible_origin
from .policy import CORSPolicy, Decision, RuleMatch

log = logging.getLogger("flask_corsx")

#: What a rule matches: an origin, a wildcard pattern, a host (with ``schemes``), a regex, or
#: a tuple of them.
OriginSpec = Union[str, "Pattern[str]", Sequence[Union[str, "Pattern[str]"]]]
#: What an ``origins`` callable returns for one origin: allowed (True), refused (False or
#: None), or allowed with options of its own (a mapping of per-origin rule options).
OriginAnswer = Union[bool, None, Mapping[str, Any]]
OriginsCallable = Callable[[str], OriginAnswer]


class OriginRule:
    """One per-origin rule, for the list form of ``origins``::

        CORS(app, origins=[
            OriginRule("https://app.example.com", methods=["GET", "PUT", "DELETE"],
                       supports_credentials=True),
            OriginRule("localhost", schemes=["http"], ports=[3000, 5173]),
            OriginRule("*", methods=["GET"]),
        ])

    :param origin: an origin (``https://app.example.com``), a wildcard pattern
        (``https://*.example.com``, ``http://localhost:*``), a regex, ``"*"`` (a catch-all,
        allowed only last), a host when ``schemes`` is given, or a tuple of these.
    :param options: any of ``methods``, ``allow_headers``, ``expose_headers``,
        ``supports_credentials``, ``max_age``, ``schemes``, ``ports`` (and
        ``dangerously_allow_any_origin_with_credentials``); options left out inherit the
        scope's values (resource, keyword, ``CORS_*``, default).

    The mapping form ``origins={"https://app.example.com": {"methods": [...]}}`` means the same.
    """

    __slots__ = ("options", "origin")

    def __init__(self, origin: OriginSpec, /, **options: Any) -> None:
        self.origin = origin
        self.options = options

    def __repr__(self) -> str:
        extra = "".join(f", {name}={value!r}" for name, value in self.options.items())
        return f"OriginRule({self.origin!r}{extra})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OriginRule):
            return NotImplemented
        return (self.origin, self.options) == (other.origin, other.options)

    __hash__ = None  # type: ignore[assignment]  # mutable options: not hashable


def rule_label(origin: object) -> str:
    """How messages and explanations name a rule: by what it matches, as written."""
    if isinstance(origin, Pattern):
        return repr(origin.pattern)
    return repr(origin)


def rule_items(value: Any) -> list[tuple[Any, Any]] | None:
    """The ``(origin, options)`` pairs of a per-origin ``origins`` value, or None when the value
    is not one (a string, a regex, a plain list)."""
    if isinstance(value, Mapping):
        return list(value.items())
    if isinstance(value, (list, tuple)) and any(isinstance(item, OriginRule) for item in value):
        return [
            (item.origin, item.options) if isinstance(item, OriginRule) else (item, {})
            for item in value
        ]
    return None


def is_origins_callable(value: Any) -> bool:
    return callable(value) and not isinstance(value, (str, Pattern))


@dataclass(eq=False)
class CompiledRule:
    """One rule, ready: its label (``'https://app.example.com'``) and the policy answering
    the origins it matches (whose ``origins`` are the rule's matcher)."""

    label: str
    policy: CORSPolicy
    #: The options the rule sets itself (the rest are the scope's).
    own: frozenset[str] = frozenset()
    #: What the rule matches, as written (its dict key, or OriginRule's origin).
    key: object = None


@dataclass(eq=False)
class RuleSet:
    """Ordered rules; :meth:`index_for` finds the first that matches an Origin.

    Exact origins are resolved at configuration time, earlier pattern rules included, into one
    dict: for them the look-up is one dict get, whatever the number of rules. Other Origins
    try the pattern rules in order once and are remembered in the shared bounded memo.
    """

    rules: tuple[CompiledRule, ...]
    #: Exact origin (as browsers send it) -> index of the first rule that matches it.
    exact: dict[str, int] = field(default_factory=dict)
    #: Indices of the rules that match more than exact origins, in order.
    patterned: tuple[int, ...] = ()
    _serial: int = field(init=False, default=0)
    _owners: dict[str, int] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._serial = new_serial()
        exact: dict[str, int] = {}
        owners: dict[str, int] = {}
        patterned: list[int] = []
        for index, rule in enumerate(self.rules):
            matcher = rule.policy.origins
            for origin in sorted(matcher.exact):
                if origin not in exact:
                    owners[origin] = index
                    exact[origin] = self._first_pattern(origin, patterned, index)
            if matcher.any_origin or matcher.any_port or matcher.subdomains or matcher.regexes:
                patterned.append(index)
        self.exact = exact
        #: Exact origin -> the first rule that lists it (for spellings the dict does not hold).
        self._owners = owners
        self.patterned = tuple(patterned)

    def _first_pattern(self, origin: str, patterned: list[int], default: int) -> int:
        for index in patterned:
            if self.rules[index].policy.origins.allows(origin):
                return index
        return default

    def index_for(self, origin: str) -> int:
        """The index of the rule that answers ``origin``, or -1 when none matches."""
        index = self.exact.get(origin)
        if index is not None:
            return index
        if not self.patterned:
            return self.exact.get(origin.lower(), -1) if is_plausible_origin(origin) else -1
        key = (self._serial, origin)
        index = MEMO.get(key)
        if index is None:
            index = self._scan(origin)
            remember(key, index)
        return index

    def _scan(self, origin: str) -> int:
        if not is_plausible_origin(origin):
            return -1
        # A case variant of a listed origin: the rule listing it answers, unless a pattern rule
        # before it matches the variant as sent (patterns may be case-sensitive).
        owner = self._owners.get(origin.lower(), len(self.rules))
        for index in self.patterned:
            if index > owner:
                break
            if self.rules[index].policy.origins.allows(origin):
                return index
        return -1 if owner == len(self.rules) else owner

    def rule_for(self, origin: str) -> CompiledRule | None:
        index = self.index_for(origin)
        return None if index < 0 else self.rules[index]


@dataclass(eq=False)
class PerOriginPolicy(CORSPolicy):
    """A policy whose answers come from the first per-origin rule that matches the Origin.

    Its own fields are the scope's options (which the rules inherit); ``origins`` is the union
    of the rules' origins, for introspection.
    """

    rules: RuleSet | None = None
    dispatches: ClassVar[bool] = True

    def target(self, origin: str) -> CORSPolicy | None:
        rules = self.rules
        assert rules is not None
        index = rules.index_for(origin)
        return None if index < 0 else rules.rules[index].policy

    def describe_rule(self, origin: str) -> RuleMatch:
        rules = self.rules
        assert rules is not None
        index = rules.index_for(origin)
        count = len(rules.rules)
        if index < 0:
            labels = ", ".join(rule.label for rule in rules.rules)
            return RuleMatch(
                self, f"no origin rule matches {origin!r} (the rules, in order: {labels})"
            )
        rule = rules.rules[index]
        name = f"origins[{rule.label}]"
        return RuleMatch(rule.policy, f"{name}, rule {index + 1} of {count} (first match)", name)


#: How long a failing callable's refusal is kept, at most: long enough that a database outage
#: does not turn every request into another failing query, short enough to recover quickly.
FAILURE_TTL = 1.0


class _Pending:
    """One call of the callable in progress, which other threads wait for."""

    __slots__ = ("done", "policy", "stale")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.policy: CORSPolicy | None = None
        #: Invalidated while the call ran: its answer is not stored.
        self.stale = False


class DynamicOrigins:
    """Asks an ``origins`` callable about each new Origin, and keeps the answers.

    The cache is per process (each worker has its own; nothing is shared, so it scales with the
    server), bounded to ``max_size`` entries and each answer kept for ``ttl`` seconds. The
    callable runs at most once per origin per ``ttl`` in a process: concurrent first requests
    for the same origin wait for the one call. An exception refuses the request, is logged once
    (until a call succeeds again) and is kept for at most :data:`FAILURE_TTL` seconds.

    :param compile_answer: turns one answer (True or a mapping of rule options) into the policy
        for that origin; raising ``ValueError`` refuses the origin as a failure.
    """

    def __init__(
        self,
        func: OriginsCallable,
        ttl: float,
        max_size: int,
        compile_answer: Callable[[str, OriginAnswer], CORSPolicy | None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.func = func
        self.ttl = ttl
        self.max_size = max_size
        self.compile_answer = compile_answer
        #: The policy for a True answer, when known (for explanations).
        self.allowed: CORSPolicy | None = None
        self.clock = clock
        #: origin -> (expiry time, the origin's policy or None when refused)
        self._entries: dict[str, tuple[float, CORSPolicy | None]] = {}
        self._loading: dict[str, _Pending] = {}
        self._lock = threading.Lock()
        self._failing = False

    @property
    def name(self) -> str:
        """The callable's name for messages: ``tenants.allowed``, or its class for an object."""
        func = self.func
        name = getattr(func, "__qualname__", None) or type(func).__qualname__
        return str(name)

    def policy_for(self, origin: str) -> CORSPolicy | None:
        """The policy for ``origin``, or None when it is refused."""
        entry = self._entries.get(origin)
        if entry is not None and entry[0] > self.clock():
            return entry[1]
        if len(origin) > MAX_REAL_ORIGIN_LENGTH or not is_plausible_origin(origin):
            return None  # junk never reaches user code (nor its database), nor the cache
        return self._load(origin)

    def cached(self, origin: str) -> tuple[float, CORSPolicy | None] | None:
        """The cached entry for ``origin`` (expiry, policy), without calling anything."""
        return self._entries.get(origin)

    def invalidate(self, origin: str | None = None) -> None:
        """Forget every cached answer, or just ``origin``'s; the next request asks again.

        A call of the callable still running for such an origin began before the change: its
        answer is handed to the requests already waiting for it, but never stored, and
        requests from now on ask again.
        """
        with self._lock:
            if origin is None:
                self._entries.clear()
                stale = list(self._loading.values())
                self._loading.clear()
            else:
                self._entries.pop(origin, None)
                pending = self._loading.pop(origin, None)
                stale = [] if pending is None else [pending]
            for pending in stale:
                pending.stale = True

    def _load(self, origin: str) -> CORSPolicy | None:
        with self._lock:
            entry = self._entries.get(origin)
            if entry is not None and entry[0] > self.clock():
                return entry[1]
            pending = self._loading.get(origin)
            owner = pending is None
            if pending is None:
                pending = self._loading[origin] = _Pending()
        if not owner:
            # Another thread is asking the callable about this origin: use its answer.
            pending.done.wait()
            return pending.policy
        try:
            policy, ttl = self._ask(origin)
            pending.policy = policy
            with self._lock:
                if ttl > 0 and not pending.stale:
                    self._store(origin, (self.clock() + ttl, policy))
        finally:
            with self._lock:
                if self._loading.get(origin) is pending:
                    del self._loading[origin]
            pending.done.set()
        return policy

    def _ask(self, origin: str) -> tuple[CORSPolicy | None, float]:
        try:
            answer = self.func(origin)
            policy = self.compile_answer(origin, answer)
        except Exception:  # any failure of user code refuses the origin, never a 500
            if not self._failing:
                self._failing = True
                log.exception(
                    "flask_corsx: the origins callable %s failed for Origin %r; requests it "
                    "cannot answer are refused (logged once until it succeeds again).",
                    self.name,
                    origin,
                )
            return None, min(self.ttl, FAILURE_TTL)
        self._failing = False
        return policy, self.ttl

    def _store(self, origin: str, entry: tuple[float, CORSPolicy | None]) -> None:
        entries = self._entries
        if len(entries) >= self.max_size:
            now = self.clock()
            for key in [key for key, (expiry, _) in entries.items() if expiry <= now]:
                del entries[key]
            if len(entries) >= self.max_size:
                # Still full of live answers: drop the oldest eighth (dicts keep insertion
                # order), so a flood of new Origins costs O(1) per request on average.
                for key in list(itertools.islice(entries, max(1, self.max_size // 8))):
                    del entries[key]
        entries[origin] = entry


@dataclass(eq=False)
class DynamicOriginPolicy(CORSPolicy):
    """A policy whose allowed origins come from a callable, through a :class:`DynamicOrigins`."""

    dynamic: DynamicOrigins | None = None
    dispatches: ClassVar[bool] = True

    def actual(self, origin: str | None) -> Decision:
        # No memo of decisions here: an answer may expire or be invalidated; the dynamic
        # cache is the memo, and the origin's own policy memoizes its headers.
        if origin is None:
            return self._no_origin
        target = self.target(origin)
        if target is None:
            return self._refusal_for(origin)
        return target.actual(origin)

    def target(self, origin: str) -> CORSPolicy | None:
        dynamic = self.dynamic
        assert dynamic is not None
        return dynamic.policy_for(origin)

    def describe_rule(self, origin: str) -> RuleMatch:
        dynamic = self.dynamic
        assert dynamic is not None
        cached = dynamic.cached(origin)
        fresh = cached is not None and cached[0] > dynamic.clock()
        target = self.target(origin)
        said = "refused" if target is None else "allowed"
        if target is not None and target is not dynamic.allowed:
            said = "allowed, with options of its own,"
        where = (
            f"cached, for {cached[0] - dynamic.clock():.0f} s more"
            if fresh and cached is not None
            else "just asked"
        )
        text = f"the origins callable {dynamic.name} {said} {origin!r} ({where})"
        if target is None:
            return RuleMatch(self, text, dynamic=True)
        return RuleMatch(target, text, "the callable's answer", dynamic=True)

