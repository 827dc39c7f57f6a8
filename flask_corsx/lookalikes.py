"""What else a user's origin regex allows: look-alike origins for the sloppy-pattern warning.

``r"https://.*.example.com"`` was meant as "any subdomain of example.com", but its unescaped
dot also allows ``https://axexample.com``. Rather than guess from the pattern's text, this
module renders an origin the pattern was evidently written for and variants of it (a bare dot
as a letter, a leading ``.*`` glued to the next label, a trailing ``.*`` running on into
another domain), in every alternative and inside optional groups, and reports a variant only
when the compiled regex really matches it. So a warning never claims a look-alike that is
not allowed.

It reads the pattern with Python's own regex parser (``re._parser``, ``sre_parse`` before
3.11), a private module: anything unexpected makes it report nothing rather than fail.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from re import Pattern
from typing import Any

_c: Any
_parser: Any
if sys.version_info >= (3, 11):
    import re._constants as _c  # type: ignore[import-not-found,no-redef]
    import re._parser as _parser  # type: ignore[import-not-found,no-redef]
else:  # pragma: no cover - exercised on 3.9 and 3.10 only
    import sre_constants as _c
    import sre_parse as _parser

#: What a wide repeat (".*") is rendered as where the author meant "some label".
_LABEL = "a"
#: Rendered in place of a wide repeat to show that it crosses into a stranger's name.
_STRANGER = "evil"
_NEXT_DOMAIN = ".evil-example.net"
#: Longest repeat rendered: a{1000} is not worth a kilobyte string (claims nothing instead).
_MAX_REPEAT = 64

Choices = dict[int, int]
Variant = tuple[int, str]


def find_lookalike(regex: Pattern[str]) -> str | None:
    """An origin ``regex`` allows that its author evidently did not mean, or None."""
    try:
        nodes = list(_parser.parse(regex.pattern, regex.flags))
        for variant, choices in _variants(nodes, {}):
            intended = _render(nodes, None, choices)
            if regex.fullmatch(intended) is None:
                continue  # we could not render what this alternative was meant for
            candidate = _render(nodes, variant, choices)
            if candidate != intended and regex.fullmatch(candidate) is not None:
                return candidate
    except Exception:  # the private parser changed, or a construct we do not render
        return None
    return None


def intended_origins(regex: Pattern[str]) -> list[str]:
    """The origins the pattern was evidently written for, one per alternative."""
    try:
        nodes = list(_parser.parse(regex.pattern, regex.flags))
        out = []
        for choices in _alternatives(nodes, {}):
            rendered = _render(nodes, None, choices)
            if regex.fullmatch(rendered) is not None and rendered not in out:
                out.append(rendered)
        return out
    except Exception:
        return []


def _alternatives(nodes: list[Any], choices: Choices) -> Iterator[Choices]:
    for index, (op, arg) in enumerate(nodes):
        if op is _c.BRANCH:
            for alt_index, alt in enumerate(arg[1]):
                chosen = {**choices, id(nodes[index]): alt_index}
                yield from _alternatives(list(alt), chosen)
            return
        if op is _c.SUBPATTERN and any(n[0] is _c.BRANCH for n in arg[-1]):
            for sub_choices in _alternatives(list(arg[-1]), choices):
                yield from _alternatives(nodes[index + 1 :], sub_choices)
            return
    yield choices


def _variants(nodes: list[Any], choices: Choices) -> Iterator[tuple[Variant, Choices]]:
    """(which node to render how, branch choices) for each place a look-alike could come from."""
    for index, (op, arg) in enumerate(nodes):
        if op is _c.SUBPATTERN:
            yield from _variants(list(arg[-1]), choices)
        elif op is _c.BRANCH:
            for alt_index, alt in enumerate(arg[1]):
                yield from _variants(list(alt), {**choices, id(nodes[index]): alt_index})
        elif op is _c.ANY:
            yield (id(nodes[index]), "x"), choices  # "app.example" meant "app\\.example"
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            if not _is_wide(arg):
                yield from _variants(list(arg[2]), choices)  # "(www.)?"
                continue
            following: Any = nodes[index + 1] if index + 1 < len(nodes) else None
            previous: Any = nodes[index - 1] if index else None
            if following is None:
                if previous != (_c.LITERAL, ord(":")):  # ":.*" is a port wildcard
                    yield (id(nodes[index]), _NEXT_DOMAIN), choices  # "example\\.com.*"
            elif following[0] is _c.LITERAL and chr(following[1]) not in "./:":
                yield (id(nodes[index]), _STRANGER), choices  # ".*example\\.com"


def _is_wide(arg: Any) -> bool:
    _low, _high, sub = arg
    return len(sub) == 1 and sub[0][0] is _c.ANY


def _render(nodes: Any, variant: Variant | None, choices: Choices) -> str:
    out: list[str] = []
    for node in nodes:
        op, arg = node
        if variant is not None and id(node) == variant[0]:
            out.append(variant[1])
        elif op is _c.LITERAL:
            out.append(chr(arg))
        elif op is _c.ANY:
            out.append(".")  # a bare dot in an origin pattern was meant as a dot
        elif op is _c.IN:
            out.append(_render_class(arg))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            low, _high, sub = arg
            if _is_wide(arg):
                out.append(_LABEL)
            elif low > _MAX_REPEAT:
                raise ValueError("repeat too long to render")
            else:
                out.append(_render(sub, variant, choices) * max(low, 1))
        elif op is _c.SUBPATTERN:
            out.append(_render(arg[-1], variant, choices))
        elif op is _c.BRANCH:
            out.append(_render(arg[1][choices.get(id(node), 0)], variant, choices))
        elif op is _c.AT:
            continue
        else:
            raise ValueError(f"not rendered: {op}")
    return "".join(out)


def _render_class(items: Any) -> str:
    for op, arg in items:
        if op is _c.LITERAL:
            return chr(arg)
        if op is _c.RANGE:
            return chr(arg[0])
        if op is _c.CATEGORY:
            return "1" if arg is _c.CATEGORY_DIGIT else "a"
        if op is _c.NEGATE:
            return "a"
    raise ValueError("empty class")
