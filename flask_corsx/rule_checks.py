"""The checks of per-origin rules and dynamic origins, and their compiling into policies.

Called by :meth:`flask_corsx.checks.PolicyChecks.build` when ``origins`` is a mapping of
``{origin: options}``, a list holding :class:`~flask_corsx.rules.OriginRule` objects, or a
callable. Each rule's options go over the scope's (origin rule > resource > keyword >
``CORS_*`` > default) and are checked like any policy's, so every rule gets the same errors and
warnings a plain policy would (credentials with a catch-all is E008, and so on). What only rules
can get wrong is checked here: the order (a catch-all only last, E016), options that cannot be
set per origin and ``schemes``/``ports`` misuse (E017), and rules that shadow each other (W021).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields, replace
from re import Pattern
from typing import Any, TypeVar

from .checks import PolicyChecks
from .defaults import OPTION_NAMES, RULE_OPTIONS
from .errors import CORSConfigError, Problem, close_matches
from .lookalikes import intended_origins
from .origins import DEFAULT_PORTS, SCHEME, OriginMatcher, looks_like_regex
from .policy import CORSPolicy
from .rules import (
    CompiledRule,
    DynamicOriginPolicy,
    DynamicOrigins,
    OriginAnswer,
    PerOriginPolicy,
    RuleSet,
    rule_label,
)

P = TypeVar("P", bound=CORSPolicy)

#: Rule options that shape which origins the rule matches, rather than how it answers.
_MATCH_OPTIONS = frozenset({"schemes", "ports"})
#: Options a callable's answer may set for its origin.
ANSWER_OPTIONS = RULE_OPTIONS - _MATCH_OPTIONS - {"dangerously_allow_any_origin_with_credentials"}


class _RuleChecks(PolicyChecks):
    """The checks of one rule, naming its options ``origins['https://a.example'].methods``."""

    def __init__(
        self, parent: PolicyChecks, rule_name: str, own: frozenset[str], scope_valid: bool
    ) -> None:
        # With a valid scope, every problem of the rule is its own, inherited options included
        # (credentials from the keyword with a catch-all rule); otherwise only the rule's own
        # options are looked at, so the scope's problems are not reported once per rule.
        super().__init__("", owned=None if scope_valid else own)
        self.parent = parent
        self.rule_name = rule_name
        self.own = own

    def _name(self, option: str) -> str:
        if option == "origins":
            return self.rule_name
        if option not in self.own:
            # Inherited (credentials from the keyword, say): named where it was set.
            return self.parent._name(option)
        return f"{self.rule_name}.{option}"


def _derive(scope: CORSPolicy, cls: type[P], **changes: Any) -> P:
    """A policy of class ``cls`` with the scope's fields (prebuilt again by __post_init__)."""
    values = {f.name: getattr(scope, f.name) for f in fields(CORSPolicy) if f.init}
    values.update(changes)
    return cls(**values)


def _scope_policy(parent: PolicyChecks, options: Mapping[str, Any]) -> CORSPolicy | None:
    # The scope's own options are checked once, here; its origins are the rules'.
    return parent.build({**options, "origins": ()}, per_origin_scope=True)


def build_per_origin(
    parent: PolicyChecks, options: Mapping[str, Any], items: list[tuple[Any, Any]]
) -> CORSPolicy | None:
    """Compile ordered per-origin rules into a :class:`~flask_corsx.rules.PerOriginPolicy`."""
    origins_name = parent._name("origins")
    scope = _scope_policy(parent, options)
    compiled: list[CompiledRule] = []
    catch_all: str | None = None
    for position, (origin, rule_options) in enumerate(items):
        label = rule_label(origin)
        rule_name = f"{origins_name}[{label}]"
        if rule_options is None:
            rule_options = {}
        if not isinstance(rule_options, Mapping):
            parent.problems.append(
                Problem(
                    "corsx.E002",
                    rule_name,
                    rule_options,
                    "the options of an origin rule must be a dict (or None for none).",
                    "e.g. {'methods': ['GET'], 'supports_credentials': True}.",
                )
            )
            continue
        if not _check_rule_names(parent, rule_name, rule_options):
            continue
        matched = _expand(parent, rule_name, origin, rule_options)
        if matched is None:
            continue
        own = {k: v for k, v in rule_options.items() if k not in _MATCH_OPTIONS}
        checks = _RuleChecks(parent, rule_name, frozenset(own) | {"origins"}, scope is not None)
        merged = {**options, **own, "origins": matched}
        if "*" not in matched:
            # send_wildcard is the scope's, and means "*" for the catch-all rule only; for
            # the listed origins of other rules (credentialed ones too) it means nothing.
            merged["send_wildcard"] = False
        policy = checks.build(merged)
        parent.problems.extend(checks.problems)
        parent.warnings.extend(checks.warnings)
        if policy is None:
            parent.failed = parent.failed or checks.failed
            continue
        matcher = policy.origins
        if not (matcher.catch_all or matcher.exact or matcher.any_port or matcher.subdomains
                or matcher.regexes):
            parent.problems.append(
                Problem(
                    "corsx.E017",
                    rule_name,
                    origin,
                    "matches no origin, so its options would never apply: "
                    + "; ".join(w.message for w in checks.warnings if w.code == "corsx.W013"),
                    next(
                        (w.hint for w in checks.warnings if w.code == "corsx.W013" and w.hint),
                        "write the origin as a browser sends it, e.g. 'https://app.example.com'.",
                    ),
                )
            )
            continue
        if catch_all is not None:
            parent.problems.append(
                Problem(
                    "corsx.E016",
                    rule_name,
                    origin,
                    f"comes after the catch-all rule {catch_all}, which matches every origin "
                    "first, so this rule could never answer.",
                    "move the catch-all rule to the end.",
                )
            )
        if policy.origins.catch_all and position < len(items) - 1:
            catch_all = rule_name
        sources = {name: "origin rule" for name in [*own, "origins"]}
        member = replace(policy, member=True, sources=sources)
        compiled.append(CompiledRule(label, member, frozenset(own), origin))
    if scope is None or parent.problems or parent.failed:
        return None
    rules = RuleSet(tuple(compiled))
    parent.warnings.extend(_overlaps(origins_name, rules))
    union = OriginMatcher(
        any_origin=any(rule.policy.origins.any_origin for rule in compiled),
        broad=any(rule.policy.origins.broad for rule in compiled),
        exact=frozenset(rules.exact),
        any_port=frozenset().union(*(r.policy.origins.any_port for r in compiled)),
        subdomains=frozenset().union(*(r.policy.origins.subdomains for r in compiled)),
        regexes=tuple(rx for r in compiled for rx in r.policy.origins.regexes),
    )
    return _derive(scope, PerOriginPolicy, origins=union, rules=rules, options=dict(options))


def _check_rule_names(
    parent: PolicyChecks, rule_name: str, rule_options: Mapping[Any, Any]
) -> bool:
    ok = True
    for name in rule_options:
        if name in RULE_OPTIONS:
            continue
        ok = False
        if name in OPTION_NAMES:
            parent.problems.append(
                Problem(
                    "corsx.E017",
                    f"{rule_name}.{name}",
                    rule_options[name],
                    "cannot be set per origin: it applies to the whole resource or view.",
                    f"set {name} on the resource or in CORS(...); a rule may set "
                    f"{', '.join(sorted(ANSWER_OPTIONS | _MATCH_OPTIONS))}.",
                )
            )
            continue
        guess = close_matches(str(name), RULE_OPTIONS, n=1)
        parent.problems.append(
            Problem(
                "corsx.E001",
                f"{rule_name}.{name}",
                rule_options[name],
                "is not an option of an origin rule.",
                f"did you mean {guess[0]!r}?" if guess else "a rule may set "
                + ", ".join(sorted(RULE_OPTIONS))
                + ".",
            )
        )
    return ok


def _expand(
    parent: PolicyChecks, rule_name: str, origin: Any, rule_options: Mapping[str, Any]
) -> list[Any] | None:
    """What the rule matches, as ``origins`` entries: ``schemes`` and ``ports`` spelled out."""
    entries = list(origin) if isinstance(origin, (list, tuple, frozenset, set)) else [origin]
    schemes = rule_options.get("schemes")
    ports = rule_options.get("ports")
    if schemes is None and ports is None:
        return entries

    def problem(value: object, message: str, hint: str) -> None:
        parent.problems.append(Problem("corsx.E017", rule_name, value, message, hint))

    scheme_list = _scheme_list(parent, rule_name, schemes)
    port_list = _port_list(parent, rule_name, ports)
    if scheme_list is None or port_list is None:
        return None
    out: list[str] = []
    if (schemes is not None and not scheme_list) or (ports is not None and not port_list):
        problem(schemes if not scheme_list else ports, "gives no schemes or no ports, so the "
                "rule matches no origin.", "list at least one, e.g. 'schemes': ['https'].")
        return None
    for entry in entries:
        if entry == "*":
            problem(entry, "matches every origin already; schemes and ports cannot narrow it.",
                    r"for any https origin, write re.compile(r'https://[^/]+') as the key.")
            return None
        if isinstance(entry, Pattern) or not isinstance(entry, str) or looks_like_regex(entry):
            problem(entry, "is a regex: it says its own schemes and ports.",
                    "drop schemes and ports, or write a host such as 'localhost'.")
            return None
        scheme_part, sep, host_part = entry.rpartition("://")
        if sep and schemes is not None:
            problem(entry, "has a scheme, and the rule gives schemes too.",
                    f"write the host alone: {host_part!r}.")
            return None
        if not sep and schemes is None:
            problem(entry, "is a host, so the rule needs schemes to know which origins it means.",
                    "add 'schemes': ['https'] (or ['http'] for a local dev server).")
            return None
        has_port = ":" in re.sub(r"\[[^\]]*\]", "", host_part)
        if has_port and ports is not None:
            problem(entry, "has a port, and the rule gives ports too.",
                    "write it without the port, or drop ports.")
            return None
        for scheme in scheme_list if not sep else [scheme_part.lower()]:
            for port in port_list if ports is not None else [None]:
                if port is None or str(port) == DEFAULT_PORTS.get(scheme):
                    out.append(f"{scheme}://{host_part}")
                else:
                    out.append(f"{scheme}://{host_part}:{port}")
    return out


def _scheme_list(parent: PolicyChecks, rule_name: str, schemes: Any) -> list[str] | None:
    if schemes is None:
        return []
    items = [schemes] if isinstance(schemes, str) else schemes
    if not isinstance(items, Iterable) or isinstance(items, Mapping):
        items = [items]
    out = []
    for item in items:
        if not isinstance(item, str) or not SCHEME.fullmatch(item) or "://" in item:
            parent.problems.append(
                Problem(
                    "corsx.E002",
                    f"{rule_name}.schemes",
                    item,
                    "each scheme must be a scheme name such as 'https' or 'http'.",
                    "e.g. 'schemes': ['http', 'https'].",
                )
            )
            return None
        out.append(item.lower())
    return out


def _port_list(parent: PolicyChecks, rule_name: str, ports: Any) -> list[Any] | None:
    if ports is None:
        return []
    if ports == "*":
        return ["*"]
    items = ports if isinstance(ports, (list, tuple, set, frozenset, range)) else [ports]
    out: list[Any] = []
    for item in items:
        number = None
        if isinstance(item, int) and not isinstance(item, bool):
            number = item
        elif isinstance(item, str) and item.isascii() and item.isdigit():
            number = int(item)
        if number is None or not 0 <= number <= 65535:
            parent.problems.append(
                Problem(
                    "corsx.E002",
                    f"{rule_name}.ports",
                    item,
                    "each port must be a number from 0 to 65535 (or ports='*' for any).",
                    "e.g. 'ports': [3000, 5173].",
                )
            )
            return None
        out.append(number)
    return out


def _probes(matcher: OriginMatcher) -> list[str]:
    """Origins a pattern rule was written for, to find the earlier rules that take them."""
    probes = []
    for scheme, host, port in sorted(matcher.subdomains, key=str):
        suffix = "" if port is None else ":1234" if port == "*" else f":{port}"
        probes.append(f"{scheme}://corsxprobe.{host}{suffix}")
    for scheme, host in sorted(matcher.any_port):
        probes.append(f"{scheme}://{host}:1234")
    for regex in matcher.regexes:
        probes.extend(o for o in intended_origins(regex) if regex.fullmatch(o))
    return probes


def _overlaps(origins_name: str, rules: RuleSet) -> list[Problem]:
    """W021 for each rule that an earlier one takes origins from (the catch-all aside)."""
    problems = []
    for index, rule in enumerate(rules.rules):
        matcher = rule.policy.origins
        if matcher.catch_all:
            continue  # a catch-all is meant to answer what the others do not
        taken: list[tuple[str, str]] = []
        for origin in sorted(matcher.exact):
            first = rules.exact.get(origin, index)
            if first != index:
                taken.append((origin, rules.rules[first].label))
        for probe in _probes(matcher):
            first = rules._scan(probe)
            if 0 <= first < index:
                taken.append((probe, rules.rules[first].label))
        for origin, earlier in taken[:1]:
            problems.append(
                Problem(
                    "corsx.W021",
                    f"{origins_name}[{rule.label}]",
                    rule.key,
                    f"shares origins with the earlier rule {earlier} ({origin!r}, for one), "
                    "which answers them: the first matching rule wins, so this rule's options "
                    "never apply to those.",
                    "make the rules disjoint, or put the more specific rule first.",
                )
            )
    return problems


def build_dynamic(
    parent: PolicyChecks, options: Mapping[str, Any], func: Callable[[str], OriginAnswer]
) -> CORSPolicy | None:
    """Compile a callable ``origins`` into a :class:`~flask_corsx.rules.DynamicOriginPolicy`."""
    scope = _scope_policy(parent, options)
    ttl = parent.cache_ttl(options.get("origins_cache_ttl"))
    size = parent.cache_size(options.get("origins_cache_size"))
    if scope is None or ttl is None or size is None or parent.problems or parent.failed:
        return None
    # An origin the callable allows is answered like an allow-list entry: reflected, never
    # "*", the credentials decision being the callable's (it saw this exact origin).
    member_options = {
        **options,
        "origins": "*",
        "send_wildcard": False,
        "dangerously_allow_any_origin_with_credentials": True,
    }
    allowed = _member(parent, member_options, {})
    if allowed is None:
        return None

    def compile_answer(origin: str, answer: OriginAnswer) -> CORSPolicy | None:
        if answer is True:
            return allowed
        if answer is False or answer is None:
            return None
        if isinstance(answer, Mapping):
            unknown = sorted(str(name) for name in answer if name not in ANSWER_OPTIONS)
            if unknown:
                raise ValueError(
                    f"its answer for {origin!r} sets {', '.join(unknown)}, which an answer "
                    f"cannot set (it may set {', '.join(sorted(ANSWER_OPTIONS))})"
                )
            policy = _member(parent, member_options, answer)
            if policy is None:
                raise ValueError(f"its answer for {origin!r} is invalid")
            return policy
        raise ValueError(
            f"it returned {answer!r} for {origin!r}; it must return True, False, None or a "
            "dict of options"
        )

    dynamic = DynamicOrigins(func, ttl=ttl, max_size=size, compile_answer=compile_answer)
    dynamic.allowed = allowed
    return _derive(
        scope, DynamicOriginPolicy, origins=OriginMatcher(), dynamic=dynamic, options=dict(options)
    )


def _member(
    parent: PolicyChecks, options: Mapping[str, Any], own: Mapping[str, Any]
) -> CORSPolicy | None:
    """The policy for a callable's answer: its options over the (valid) scope's. Every problem
    is reported, since the scope's own were found before any answer is compiled."""
    checks = PolicyChecks(parent.where)
    policy = checks.build({**options, **own})
    if policy is None:
        if own:  # an answer, at request time: the caller refuses the origin and logs this
            raise ValueError(str(CORSConfigError(checks.problems)))
        parent.problems.extend(checks.problems)
        return None
    return replace(policy, member=True, sources={name: "origins callable" for name in own})
