"""Configuration errors and warnings, each with a stable code.

Every problem names the option as the user spelled it, the offending value, what is wrong and
how to fix it. :class:`CORSConfigError` carries all problems found at once, so one start-up
shows every mistake.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import warnings
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: Every code we emit, with a short title. Codes are never reused or renumbered.
CODES: dict[str, str] = {
    "corsx.E001": "unknown option",
    "corsx.E002": "wrong type",
    "corsx.E003": "invalid regular expression",
    "corsx.E004": "origin that no browser sends (retired: now W012 or W013)",
    "corsx.E005": "header name that is not a valid token (retired: now W016)",
    "corsx.E006": "method that is not a valid token (retired: now W017)",
    "corsx.E007": "invalid max_age",
    "corsx.E008": "any origin with credentials",
    "corsx.E009": "send_wildcard with credentials",
    "corsx.E010": "expose_headers '*' with credentials",
    "corsx.E011": "CORS(blueprint) after the blueprint was registered",
    "corsx.E012": "invalid resource path (retired: now W019)",
    "corsx.E013": "the null origin with credentials",
    "corsx.E014": "wildcard under a public suffix with credentials",
    "corsx.E015": "sloppy origin pattern with credentials",
    "corsx.E016": "origin rule after the catch-all rule",
    "corsx.E017": "option an origin rule cannot set, or schemes and ports misused",
    "corsx.W001": "max_age above what browsers honour",
    "corsx.W002": "forbidden method allowed",
    "corsx.W003": "forbidden request header allowed",
    "corsx.W004": "the null origin allowed",
    "corsx.W005": "plain-http origin with credentials",
    "corsx.W006": "origin normalized",
    "corsx.W007": "string taken as a regular expression",
    "corsx.W008": "forbidden response header exposed",
    "corsx.W009": "unknown CORS_ config key",
    "corsx.W010": "wildcard under a public suffix",
    "corsx.W011": "CORS_ config key set to None",
    "corsx.W012": "origin without a scheme",
    "corsx.W013": "origin that can never match, ignored",
    "corsx.W014": "sloppy origin pattern",
    "corsx.W015": "resource pattern configured by two CORS(app) calls",
    "corsx.W016": "header name that is not a valid token, ignored",
    "corsx.W017": "method that is not a valid token, ignored",
    "corsx.W018": "decorator allows any origin under a restricted policy (logged)",
    "corsx.W019": "resource path that can never match, ignored",
    "corsx.W020": "decorator-only app with after_request hooks (logged)",
    "corsx.W021": "origin rule shadowed by an earlier rule",
    "corsx.W022": "origins cache option without an origins callable",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or risky) in a configuration."""

    code: str
    option: str
    value: object
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.option}={self.value!r}: {self.message}"
        if self.hint:
            text += f" Fix: {self.hint}"
        return f"{text} [{self.code}]"


class CORSConfigError(ValueError):
    """A CORS option has a value that is wrong or unsafe.

    Raised by :class:`~flask_corsx.CORS`, :meth:`~flask_corsx.CORS.init_app` and
    :func:`~flask_corsx.cross_origin` when the configuration is built, never while serving.
    :attr:`problems` lists everything found; :attr:`option`, :attr:`value`, :attr:`code` and
    :attr:`hint` describe the first one.
    """

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("CORSConfigError needs at least one problem")
        self.problems = tuple(problems)
        first = self.problems[0]
        self.option = first.option
        self.value = first.value
        self.code = first.code
        self.hint = first.hint
        if len(self.problems) == 1:
            text = f"flask_corsx: {first}"
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            text = f"flask_corsx: {len(self.problems)} problems in the CORS configuration:\n{lines}"
        super().__init__(text)


class CORSConfigWarning(UserWarning):
    """A CORS setting is legal but pointless or risky; the message says why and what to do."""


def close_matches(word: str, candidates: Iterable[str], n: int) -> list[str]:
    """The candidates nearest to a mistyped name, for "did you mean" hints."""
    # difflib is imported only when someone mistyped an option: it costs milliseconds at start.
    import difflib

    return difflib.get_close_matches(word, list(candidates), n=n)


def warn(problem: Problem) -> None:
    """Emit a :class:`CORSConfigWarning` attributed to the user's code.

    The warning points at the first frame outside flask_corsx and Flask (the ``CORS(...)``,
    ``cross_origin(...)`` or ``register_blueprint(...)`` call), so the report and the default
    once-per-location filter work on the line the user wrote.
    """
    frame = sys._getframe(1)
    level = 2
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_OWN_PREFIXES):
        frame = frame.f_back
        level += 1
    warnings.warn(f"flask_corsx: {problem}", CORSConfigWarning, stacklevel=level)


#: Most entries one grouped warning lists by value.
_LISTED = 10

#: id(config) -> (weak reference to it, the warnings given for it already).
_GIVEN: dict[int, tuple[weakref.ref[Any], set[tuple[str, str, str]]]] = {}


def emit_warnings(
    problems: list[Problem], scope: object = None, sink: logging.Logger | None = None
) -> None:
    """Emit the warnings of one configuration: one warning per code and option, listing
    every entry it concerns (a thousand regex origins make one W007, not a thousand).

    :param scope: the app config the configuration came from. A warning already given for
        it (by ``CORS(app)``) is not given again for each blueprint and decorator that
        inherits the same values.
    :param sink: log the warnings there instead. Used inside a request (a decorator compiled
        on its view's first request), where a test suite's "warnings are errors" would turn a
        warning into a 500.
    """
    given = _given_for(scope)
    groups: dict[tuple[str, str], list[Problem]] = {}
    for problem in problems:
        key = (problem.code, problem.option, repr(problem.value))
        if key in given:
            continue
        given.add(key)
        group = groups.setdefault((problem.code, problem.option), [])
        if all(repr(p.value) != key[2] for p in group):
            group.append(problem)
    for group in groups.values():
        problem = group[0] if len(group) == 1 else _grouped(group)
        if sink is None:
            warn(problem)
        else:
            sink.warning("flask_corsx: %s", problem)


def _grouped(group: list[Problem]) -> Problem:
    first = group[0]
    values = [p.value for p in group[:_LISTED]]
    more = f" (and {len(group) - _LISTED} more)" if len(group) > _LISTED else ""
    return Problem(
        first.code,
        first.option,
        values,
        f"{len(group)} entries{more}: the first {first.message}",
        first.hint,
    )


def _given_for(scope: object) -> set[tuple[str, str, str]]:
    if scope is None:
        return set()
    entry = _GIVEN.get(id(scope))
    if entry is not None and entry[0]() is scope:
        return entry[1]
    key = id(scope)

    def forget(_ref: weakref.ref[Any]) -> None:
        _GIVEN.pop(key, None)

    try:
        ref = weakref.ref(scope, forget)
    except TypeError:  # a plain dict: nothing to remember it by
        return set()
    given: set[tuple[str, str, str]] = set()
    _GIVEN[key] = (ref, given)
    return given


def _package_dir(module: str) -> str:
    spec = importlib.util.find_spec(module)
    origin = spec.origin if spec is not None and spec.origin else module
    return os.path.dirname(origin) + os.sep


_OWN_PREFIXES = (os.path.dirname(__file__) + os.sep, _package_dir("flask"))

#: Codes no configuration produces any more; kept so they are never reused.
RETIRED_CODES = frozenset({"corsx.E004", "corsx.E005", "corsx.E006", "corsx.E012"})
