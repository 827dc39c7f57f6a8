"""Which resource rule covers a request path.

A rule's path pattern is one of:

* a literal path (``/api/users``): exactly that path;
* a subtree (``/api/*``): ``/api`` and everything under ``/api/``, never ``/apikeys``;
  ``/api/.*`` is everything under ``/api/``; ``*`` and ``/*`` are every path;
* a regular expression (a compiled :class:`re.Pattern`, or a string with regex syntax), matched
  from the start of the path as flask-cors does (``r"/api*"`` covers ``/api/users``),
  case-sensitively; ``<regex>/*`` means the regex's paths and everything under them.

When several rules match, the most specific wins: literal paths first, then more ``/`` in the
pattern first, then the longer pattern first, then the rule declared first. That is flask-cors
6's order (CVE-2024-6839) with a deterministic tie-break.

A literal path also covers its other trailing-slash spelling (``/api/admin`` covers
``/api/admin/``), which Werkzeug routes to the same view when ``strict_slashes`` is off.

The path is the one Werkzeug already percent-decoded once; it is not decoded again and ``+``
stays ``+``. A path with dot segments is governed by a rule only when the path as sent (which
is what Werkzeug routes) and the path with its dots resolved (CVE-2020-25032) pick the same
rule; otherwise by none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from re import Pattern
from typing import Generic, TypeVar, Union

from .memo import MEMO, MISSING, new_serial, remember

T = TypeVar("T")

#: The characters that make a path string a regex (flask-cors's heuristic, which its users'
#: configurations rely on).
_PATH_REGEX_CHARS = frozenset("*\\]?$^[()")
_EVERYTHING = frozenset({"*", "/*", ".*", "/.*"})


def is_path_regex(text: str) -> bool:
    return not _PATH_REGEX_CHARS.isdisjoint(text)


@dataclass(frozen=True)
class _Rule(Generic[T]):
    text: str
    kind: str  # "exact", "subtree", "under", "all", "regex"
    base: str  # for subtree/under: the literal prefix without the trailing "/"
    regex: Pattern[str] | None
    sort_key: tuple[int, int, int, int]
    value: T


PathPattern = Union[str, "Pattern[str]"]


def compile_path_pattern(pattern: PathPattern) -> tuple[str, str, Pattern[str] | None]:
    """Classify a path pattern: returns (kind, base, regex). Raises :class:`re.error`.

    A regex is matched from the start of the path, as flask-cors does (``re.match``), so
    ``r"/api*"`` and ``re.compile("/v1")`` cover ``/api/users`` and ``/v1/x``. The one
    exception is the ``X/*`` idiom, which means X and everything under ``X/``, never a
    sibling such as ``/apikeys`` for ``/api/*`` (the documented fix): it gets an end anchor.
    """
    if isinstance(pattern, re.Pattern):
        if pattern.pattern.endswith("/*"):
            return "regex", "", _subtree_regex(pattern.pattern[:-2], pattern.flags)
        return "regex", "", pattern
    text = pattern
    if text in _EVERYTHING:
        return "all", "", None
    if not is_path_regex(text):
        return "exact", "", None
    if text.endswith("/*") and not is_path_regex(text[:-2]):
        return "subtree", text[:-2], None
    if text.endswith("/.*") and not is_path_regex(text[:-3]):
        return "under", text[:-3], None
    if text.endswith("/*"):
        # The idiom everyone writes: "<pattern>/*" means the pattern and everything under it.
        return "regex", "", _subtree_regex(text[:-2], 0)
    return "regex", "", re.compile(text, re.DOTALL)


def _subtree_regex(base: str, flags: int) -> Pattern[str]:
    return re.compile(f"(?:{base})(?:/.*)?\\Z", flags | re.DOTALL)


def _pattern_key(pattern: PathPattern) -> tuple[str, int]:
    if isinstance(pattern, re.Pattern):
        return pattern.pattern, pattern.flags
    return pattern, -1


def _sort_key(text: str, kind: str, index: int) -> tuple[int, int, int, int]:
    return (0 if kind == "exact" else 1, -text.count("/"), -len(text), index)


def remove_dot_segments(path: str) -> str:
    """Resolve ``.`` and ``..`` segments the way a browser would (RFC 3986 §5.2.4)."""
    out: list[str] = []
    segments = path.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


class ResourceTable(Generic[T]):
    """Resource rules compiled for look-up by path.

    Literal paths are a dict; subtree rules are found by looking up each ancestor of the path;
    only true regexes are scanned, and their results are cached per path (bounded).
    """

    def __init__(self, rules: list[tuple[PathPattern, T]]) -> None:
        #: The rules as given, in declaration order.
        self.entries: tuple[tuple[PathPattern, T], ...] = tuple(rules)
        compiled: list[_Rule[T]] = []
        for index, (pattern, value) in enumerate(rules):
            kind, base, regex = compile_path_pattern(pattern)
            text = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
            compiled.append(_Rule(text, kind, base, regex, _sort_key(text, kind, index), value))
        compiled.sort(key=lambda rule: rule.sort_key)
        self.rules: tuple[_Rule[T], ...] = tuple(compiled)

        self._exact: dict[str, _Rule[T]] = {}
        self._subtree: dict[str, _Rule[T]] = {}
        self._under: dict[str, _Rule[T]] = {}
        self._all: _Rule[T] | None = None
        regexes: list[_Rule[T]] = []
        # Rules are sorted, so the first rule seen for a key is the one that wins.
        literals = [rule for rule in compiled if rule.kind == "exact"]
        for rule in literals:
            self._exact.setdefault(rule.text, rule)
        # A literal path also covers its other trailing-slash spelling: with strict_slashes off
        # Werkzeug routes "/api/admin/" to the "/api/admin" view, which must not then fall to a
        # laxer "/api/*" rule (seams finding 5). A rule written for that spelling still wins.
        for rule in literals:
            if rule.text != "/":
                other = rule.text[:-1] if rule.text.endswith("/") else rule.text + "/"
                self._exact.setdefault(other, rule)
        for rule in compiled:
            if rule.kind == "exact":
                continue
            if rule.kind == "subtree":
                self._subtree.setdefault(rule.base, rule)
            elif rule.kind == "under":
                self._under.setdefault(rule.base, rule)
            elif rule.kind == "all":
                self._all = self._all or rule
            else:
                regexes.append(rule)
        self._regexes = tuple(regexes)
        self._longest_base = max(map(len, [*self._subtree, *self._under]), default=0)
        # A single catch-all rule (the default resources="/*") needs no matching at all.
        self.only_rule: T | None = (
            compiled[0].value if len(compiled) == 1 and compiled[0].kind == "all" else None
        )
        # Path -> result for recently seen paths, in the process-wide bounded memo: one dict
        # hit instead of a walk over the path's ancestors and any regexes.
        self._serial = new_serial()

    def extended_by(self, later: ResourceTable[T]) -> tuple[ResourceTable[T], list[str]]:
        """This table's rules followed by ``later``'s, for a second ``CORS(app)`` call.

        Where both configure the same pattern, this (the earlier) table's rule is kept; the
        patterns dropped from ``later`` are returned, for a warning.
        """
        known = {_pattern_key(pattern) for pattern, _ in self.entries}
        added = [entry for entry in later.entries if _pattern_key(entry[0]) not in known]
        dropped = [_pattern_key(p)[0] for p, _ in later.entries if _pattern_key(p) in known]
        return ResourceTable([*self.entries, *added]), dropped

    def match(self, path: str) -> T | None:
        """The value of the most specific rule covering ``path``, or None."""
        if self.only_rule is not None:
            return self.only_rule
        key = (self._serial, path)
        # One get() rather than "in" then [], which another thread's clear() could split.
        cached = MEMO.get(key, MISSING)
        if cached is not MISSING:
            return cached  # type: ignore[no-any-return]
        rule = self._governing(path)
        value = None if rule is None else rule.value
        remember(key, value)
        return value

    def rule_for(self, path: str) -> str | None:
        """The pattern of the rule that governs ``path`` (as written), for explanations."""
        rule = self._governing(path)
        return None if rule is None else rule.text

    def _governing(self, path: str) -> _Rule[T] | None:
        rule = self._lookup(path)
        # Werkzeug routes the path as sent ("/api/admin/../users" reaches the admin view, with
        # sub="../users"), while a browser would have resolved the dots. The rule must hold
        # for both readings, or none applies: a traversal can then never borrow a laxer rule
        # (seams finding 1), nor cover a path that no rule covers (CVE-2020-25032).
        if "/." in path:
            resolved = self._lookup(remove_dot_segments(path))
            if (None if resolved is None else resolved.value) is not (
                None if rule is None else rule.value
            ):
                return None
        return rule

    def _lookup(self, path: str) -> _Rule[T] | None:
        rule = self._exact.get(path)
        if rule is None:
            rule = self._scan(path)
        return rule

    def _scan(self, path: str) -> _Rule[T] | None:
        best = self._all
        if self._subtree or self._under:
            # "/a/b/c" is covered by subtree rules on "/a/b/c", "/a/b", "/a" and "" (root).
            # Only prefixes no longer than the longest rule base can match, so start there:
            # the work stays linear in the path's length, however long a hostile path is.
            end = len(path)
            if end > self._longest_base:
                end = path.rfind("/", 0, self._longest_base + 1)
            while end >= 0:
                base = path[:end]
                rule = self._subtree.get(base)
                if rule is not None and (best is None or rule.sort_key < best.sort_key):
                    best = rule
                if end < len(path):
                    rule = self._under.get(base)
                    if rule is not None and (best is None or rule.sort_key < best.sort_key):
                        best = rule
                end = path.rfind("/", 0, end)
        for rule in self._regexes:
            if best is not None and best.sort_key < rule.sort_key:
                break
            if rule.regex is not None and rule.regex.match(path):
                best = rule
                break
        return best
