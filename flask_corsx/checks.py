"""The checks: one method per option, turning merged option values into the compiled parts
of a :class:`~flask_corsx.policy.CORSPolicy`, with every problem found.

Split from :mod:`flask_corsx.config`, which decides *which* value each option has (precedence
and merging); this module decides whether that value is valid, risky or a hole, in the order
of the project's rule: refuse only what opens a hole, has no knowable meaning or is rejected by
every browser, and warn for the rest. Nothing here imports Flask.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from re import Pattern
from typing import Any, cast

from .defaults import (
    CHROMIUM_MAX_AGE_CAP,
    DEFAULT_OPTIONS,
    FIREFOX_MAX_AGE_CAP,
    FORBIDDEN_METHODS,
    FORBIDDEN_REQUEST_HEADER_PREFIXES,
    FORBIDDEN_REQUEST_HEADERS,
    FORBIDDEN_RESPONSE_HEADERS,
)
from .errors import Problem
from .lookalikes import find_lookalike, intended_origins
from .origins import (
    OriginMatcher,
    OriginSyntaxError,
    is_loopback_host,
    is_plausible_origin,
    is_public_suffix_like,
    looks_like_regex,
    parse_config_origin,
    public_suffix_of,
    wildcard_form,
)
from .policy import CORSPolicy, HeaderRule, is_token
from .rules import OriginsCallable, is_origins_callable, rule_items

_BOOL_OPTIONS = (
    "supports_credentials",
    "send_wildcard",
    "vary_header",
    "automatic_options",
    "always_send",
    "intercept_exceptions",
    "allow_private_network",
    "dangerously_allow_any_origin_with_credentials",
)
#: An origin no real site has: a regex that matches it matches (nearly) anything. Its labels
#: are short, so that a backtracking pattern such as ``([a-z-]+)+`` cannot take minutes on it.
_ANY_ORIGIN_PROBE = "https://x-1.invalid:1234"
#: Origins nobody's allow-list means, of every common shape (ordinary TLDs, http and https,
#: default and other ports, subdomains, letters only, IP literals). A regex that allows one of
#: them allows strangers' sites: with credentials, that is the any-origin hole (seams finding
#: 4). Labels stay at most 12 characters, for the same reason as above.
_UNRELATED_ORIGINS = (
    _ANY_ORIGIN_PROBE,
    "https://strangersite.com",
    "http://strangersite.com",
    "https://evil.net",
    "https://www.strangers.org",
    "https://strangers.co.uk",
    "https://corsx-7f3a.com",
    "https://corsx-7f3a.io:8443",
    "https://203.0.113.7",
    "http://198.51.100.23:8080",
    "https://[2001:db8::7]",
)


#: Values of every kind a client sends as Origin: a regex matching all of them matches anything.
_EVERY_KIND_OF_VALUE = (_ANY_ORIGIN_PROBE, "null", "corsx-probe.invalid", "x-1:2")


def _matches_every_value(regex: Pattern[str]) -> bool:
    return all(regex.fullmatch(value) for value in _EVERY_KIND_OF_VALUE)


def _all_origins(parts: list[str]) -> bool:
    try:
        for part in parts:
            parse_config_origin(part)
    except OriginSyntaxError:
        return False
    return True


_BOOL_WORDS = frozenset({"true", "false", "1", "0", "yes", "no", "on", "off"})

#: The options an origin-with-credentials problem also concerns (for per-resource reports).
_CREDENTIAL_OPTIONS = ("supports_credentials", "dangerously_allow_any_origin_with_credentials")


class PolicyChecks:
    """Validates one set of merged options, one method per option, and compiles them into a
    :class:`~flask_corsx.policy.CORSPolicy`. Collects every problem rather than stopping at
    the first; warnings are kept for the caller to give once the whole configuration is
    valid."""

    def __init__(
        self,
        where: str,
        owned: frozenset[str] | None = None,
        overridden: frozenset[str] = frozenset(),
        names: Mapping[str, str] | None = None,
    ) -> None:
        self.where = where
        #: How to name an option in messages: its CORS_* key when the value came from there.
        self.names = names or {}
        #: Report only problems involving these options (a resource's own), or all if None.
        self.owned = owned
        #: Never report problems involving these options (every resource sets its own).
        self.overridden = overridden
        self.problems: list[Problem] = []
        #: Warnings, emitted by the caller only once the whole configuration is valid.
        self.warnings: list[Problem] = []
        #: Set when a problem was left unreported because it was reported elsewhere.
        self.failed = False
        self.dangerous_opt_in = False

    def _reports(self, option: str, related: tuple[str, ...]) -> bool:
        if option in self.overridden or not self.overridden.isdisjoint(related):
            return False
        owned = self.owned
        return owned is None or option in owned or not owned.isdisjoint(related)

    def error(
        self,
        code: str,
        option: str,
        value: object,
        message: str,
        hint: str = "",
        related: tuple[str, ...] = (),
    ) -> None:
        if self._reports(option, related):
            self.problems.append(Problem(code, self._name(option), value, message, hint))
        else:
            self.failed = True

    def warning(self, code: str, option: str, value: object, message: str, hint: str = "") -> None:
        if self._reports(option, ()):
            self.warnings.append(Problem(code, self._name(option), value, message, hint))

    def _name(self, option: str) -> str:
        return self.where + self.names.get(option, option)

    def build(
        self, options: Mapping[str, Any], per_origin_scope: bool = False
    ) -> CORSPolicy | None:
        """Check ``options`` and compile them; None when there were problems.

        :param per_origin_scope: the scope of per-origin rules or of an ``origins`` callable
            is being built (its origins come from them), so ``origins`` is not looked at.
        """
        if not per_origin_scope:
            value = options.get("origins")
            items = rule_items(value)
            if items is not None or is_origins_callable(value):
                # Imported here: the rule checks build a PolicyChecks of their own per rule.
                from . import rule_checks

                if items is not None:
                    self._cache_options_unused(options)
                    return rule_checks.build_per_origin(self, options, items)
                return rule_checks.build_dynamic(self, options, cast(OriginsCallable, value))
            self._cache_options_unused(options)
        flags = {name: self._bool(name, options.get(name)) for name in _BOOL_OPTIONS}
        credentials = flags["supports_credentials"]
        self.dangerous_opt_in = flags["dangerously_allow_any_origin_with_credentials"]
        origins = self._origins(options.get("origins"), credentials)
        methods, any_method = self._methods(options.get("methods"))
        headers = self._allow_headers(options.get("allow_headers"))
        expose = self._expose_headers(options.get("expose_headers"), credentials)
        max_age = self._max_age(options.get("max_age"))
        explain_header = self._optional_bool("explain_header", options.get("explain_header"))

        if credentials and origins.catch_all:
            if flags["send_wildcard"]:
                pass  # reported below as E009, the more specific problem
            elif not flags["dangerously_allow_any_origin_with_credentials"]:
                self.error(
                    "corsx.E008",
                    "supports_credentials",
                    True,
                    "together with origins that allow any origin, this would let every site on "
                    "the web make credentialed requests and read the answers (FETCH-J5).",
                    "list the allowed origins, e.g. origins=['https://app.example.com']; or, if "
                    "every site really may act with your users' cookies, set "
                    "dangerously_allow_any_origin_with_credentials=True.",
                    related=("origins", "dangerously_allow_any_origin_with_credentials"),
                )
        if credentials and flags["send_wildcard"] and not per_origin_scope:
            # (In a per-origin scope only the catch-all rule can send "*": its own checks
            # report E009 if it has credentials.)
            self.error(
                "corsx.E009",
                "send_wildcard",
                True,
                "browsers refuse 'Access-Control-Allow-Origin: *' on credentialed requests "
                "(FETCH-J1).",
                "drop send_wildcard, or drop supports_credentials.",
                related=("supports_credentials",),
            )
        if self.problems or self.failed:
            return None
        return CORSPolicy(
            origins=origins,
            methods=methods,
            any_method=any_method,
            headers=headers,
            expose_headers=expose,
            supports_credentials=credentials,
            max_age=max_age,
            send_wildcard=flags["send_wildcard"],
            vary_header=flags["vary_header"],
            always_send=flags["always_send"],
            intercept_exceptions=flags["intercept_exceptions"],
            allow_private_network=flags["allow_private_network"],
            automatic_options=flags["automatic_options"],
            explain_header=explain_header,
            options=dict(options),
        )

    # -- one method per option ----------------------------------------------------------------

    def _cache_options_unused(self, options: Mapping[str, Any]) -> None:
        for name in ("origins_cache_ttl", "origins_cache_size"):
            if name in options and options[name] != DEFAULT_OPTIONS[name]:
                self.warning(
                    "corsx.W022",
                    name,
                    options[name],
                    "has no effect: it sets the cache of an origins callable, and origins is "
                    "not one.",
                    f"remove {self.names.get(name, name)}, or give origins a callable.",
                )

    def cache_ttl(self, value: Any) -> float | None:
        """``origins_cache_ttl``: seconds, a non-negative number (0 asks the callable every
        time)."""
        if isinstance(value, timedelta):
            value = value.total_seconds()
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            return float(value)
        self.error(
            "corsx.E002",
            "origins_cache_ttl",
            value,
            "must be a number of seconds, 0 or more.",
            "e.g. origins_cache_ttl=60 (0 asks the callable on every request).",
        )
        return None

    def cache_size(self, value: Any) -> int | None:
        """``origins_cache_size``: how many origins' answers are kept, at least 1."""
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        self.error(
            "corsx.E002",
            "origins_cache_size",
            value,
            "must be a whole number of origins, 1 or more.",
            "e.g. origins_cache_size=10000.",
        )
        return None

    def _bool(self, name: str, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
            # Typically CORS_SUPPORTS_CREDENTIALS read from an environment variable as "true".
            hint = (
                f"use a bool. A config value read from an environment variable is a string; "
                f"app.config.from_prefixed_env() parses JSON, so {value!r} becomes a bool."
            )
        elif value in (0, 1, None):
            hint = f"write {self.names.get(name, name)}={bool(value)!r}"
        else:
            hint = "use a bool."
        self.error("corsx.E002", name, value, "must be True or False.", hint)
        return False

    def _optional_bool(self, name: str, value: Any) -> bool | None:
        return None if value is None else self._bool(name, value)

    def _items(self, name: str, value: Any, what: str) -> list[Any] | None:
        """A str/regex or an iterable of them, as a list; None (after an error) otherwise."""
        if isinstance(value, (str, re.Pattern)):
            return [value]
        if isinstance(value, Iterable) and not isinstance(value, (Mapping, bytes)):
            return list(value)
        self.error("corsx.E002", name, value, f"must be {what}.", f"e.g. {name}=[...].")
        return None

    def _origins(self, value: Any, credentials: bool) -> OriginMatcher:
        items = self._items("origins", value, "'*', an origin, a regex, or a list of them")
        any_origin = False
        exact: set[str] = set()
        any_port: set[tuple[str, str]] = set()
        subdomains: set[tuple[str, str, str | None]] = set()
        regexes: list[Pattern[str]] = []
        for item in self._split_origin_lists(items or []):
            if isinstance(item, re.Pattern):
                if not isinstance(item.pattern, str):
                    self.error(
                        "corsx.E002",
                        "origins",
                        item,
                        "a compiled regex must be a str pattern, not bytes.",
                        "compile a str: re.compile(r'https://...').",
                    )
                    continue
                regexes.append(item)
                self._check_regex(item, credentials, compiled=True)
                continue
            if not isinstance(item, str):
                self.error(
                    "corsx.E002",
                    "origins",
                    item,
                    "each origin must be a string or a compiled regex.",
                    "write it as a string such as 'https://app.example.com'.",
                )
                continue
            try:
                parsed, normalized = parse_config_origin(item)
            except OriginSyntaxError as exc:
                self._unparsed_origin(item, exc, credentials, exact, regexes)
                continue
            if parsed.kind == "any":
                any_origin = True
                continue
            if parsed.kind == "null":
                if credentials and not self.dangerous_opt_in:
                    self.error(
                        "corsx.E013",
                        "origins",
                        item,
                        "allows the 'null' origin with credentials; any page can give itself "
                        "that origin (a sandboxed iframe, a data: URL), so every site could act "
                        "as your users (FETCH-M4, FETCH-J5).",
                        "remove 'null'; or, if that really is meant, set "
                        "dangerously_allow_any_origin_with_credentials=True.",
                        related=_CREDENTIAL_OPTIONS,
                    )
                else:
                    self.warning(
                        "corsx.W004",
                        "origins",
                        item,
                        "allows the 'null' origin, which any page can give itself (sandboxed "
                        "iframes, data: URLs), so it is as open as '*' (FETCH-M4).",
                        "remove 'null' unless you serve file: or sandboxed pages you trust.",
                    )
                exact.add("null")
                continue
            if normalized:
                self.warning(
                    "corsx.W006",
                    "origins",
                    item,
                    f"is not in the form browsers send; it was normalized to "
                    f"{parsed.canonical!r} (FETCH-I3).",
                    f"write {parsed.canonical!r}.",
                )
            if credentials and parsed.scheme == "http" and not is_loopback_host(parsed.host):
                self.warning(
                    "corsx.W005",
                    "origins",
                    item,
                    "is a plain-http origin allowed with credentials: anyone on the network "
                    "path can act as that origin.",
                    "serve that site over https and allow the https origin.",
                )
            if parsed.kind == "exact":
                exact.add(parsed.canonical)
            elif parsed.any_subdomain:
                if is_public_suffix_like(parsed.host) and credentials:
                    if not self.dangerous_opt_in:
                        self.error(
                            "corsx.E014",
                            "origins",
                            item,
                            f"allows every site under {parsed.host} with credentials; anyone "
                            "can register a name there and act as your users.",
                            "list your own origins, e.g. 'https://myapp.github.io'; or, if that "
                            "really is meant, set dangerously_allow_any_origin_with_credentials="
                            "True.",
                            related=_CREDENTIAL_OPTIONS,
                        )
                elif is_public_suffix_like(parsed.host):
                    self.warning(
                        "corsx.W010",
                        "origins",
                        item,
                        f"allows every site under {parsed.host}, where anyone can register a name.",
                        f"list your own origins, e.g. 'https://myapp.{parsed.host}'.",
                    )
                subdomains.add((parsed.scheme, parsed.host, parsed.port))
            else:
                any_port.add((parsed.scheme, parsed.host))
        return OriginMatcher(
            # A regex that matches every value (".*") means "*", as in flask-cors; one that
            # matches any https origin but not null (r"https?://.+") is only as broad for the
            # checks, and allows what it matches.
            any_origin=any_origin or any(map(_matches_every_value, regexes)),
            broad=any(map(self._regex_allows_anything, regexes)),
            exact=frozenset(exact),
            any_port=frozenset(any_port),
            subdomains=frozenset(subdomains),
            regexes=tuple(regexes),
        )

    @staticmethod
    def _split_origin_lists(items: list[Any]) -> list[Any]:
        """Accept "https://a.example, https://b.example" (as from an environment variable)."""
        out: list[Any] = []
        for item in items:
            if isinstance(item, str) and "," in item and not looks_like_regex(item):
                out.extend(part.strip() for part in item.split(",") if part.strip())
            else:
                out.append(item)
        return out

    def _unparsed_origin(
        self,
        item: str,
        exc: OriginSyntaxError,
        credentials: bool,
        exact: set[str],
        regexes: list[Pattern[str]],
    ) -> None:
        """A configured string that is neither an origin nor a wildcard pattern.

        Issue 10's rule: flask-cors took it as a regex (if it has regex characters, ``*``
        included) or as a literal, so it keeps working as that, with a warning that says what
        a browser would need. Only what opens a hole (see :meth:`_check_regex`) is an error.
        """
        if looks_like_regex(item) or "*" in item:
            try:
                # Case-insensitive like flask-cors; only header-safe values ever reach it.
                regex = re.compile(item, re.IGNORECASE)
            except (re.error, RecursionError, OverflowError) as error:
                hint = "fix the regex, or write an origin such as 'https://app.example.com'."
                if "://" not in item:
                    # "*.example.com": a wildcard without its scheme.
                    with contextlib.suppress(OriginSyntaxError):
                        hint = f"write {parse_config_origin('https://' + item)[0].canonical!r}."
                self.error(
                    "corsx.E003",
                    "origins",
                    item,
                    f"is neither an origin nor a valid regular expression ({error}).",
                    hint,
                )
                return
            regexes.append(regex)
            self._check_regex(regex, credentials, compiled=False)
        elif item and "://" not in item and is_plausible_origin(item):
            # "www.example.com", "localhost:3000": what test clients send, never a browser.
            self.warning(
                "corsx.W012",
                "origins",
                item,
                "has no scheme. Browsers always send one, so only a client that sends exactly "
                "this value (a test suite, curl) matches it.",
                f"write 'https://{item}' (or 'http://{item}'), the origin a browser sends.",
            )
            exact.add(item.lower())
        elif item.strip() and len(item.split()) > 1 and _all_origins(item.split()):
            self.warning(
                "corsx.W013",
                "origins",
                item,
                "can never match a browser's Origin and is ignored: it holds several origins "
                "separated by spaces, and an Origin is one of them, never the whole string.",
                "give a list, or separate them with commas: "
                + repr(", ".join(item.split()))
                + ".",
            )
        else:
            why = "is empty (a variable that is set but empty?)" if not item else exc.message
            self.warning(
                "corsx.W013",
                "origins",
                item,
                f"can never match a browser's Origin and is ignored: {why}",
                exc.hint if item else "remove it, or give the variable a value.",
            )

    def _check_regex(self, regex: Pattern[str], credentials: bool, compiled: bool) -> None:
        """Errors for a regex that opens a hole, else a warning saying how it is taken."""
        text = regex.pattern
        if self._regex_allows_anything(regex):
            if not compiled:
                self._regex_warning(text)
            return  # any origin: E008 with credentials, reported once for the policy
        if credentials and not self.dangerous_opt_in:
            stranger = next((o for o in _UNRELATED_ORIGINS if regex.fullmatch(o)), None)
            if stranger is not None:
                self._broad_regex_error(text, stranger)
                return
            if regex.fullmatch("null"):
                self.error(
                    "corsx.E013",
                    "origins",
                    text,
                    "this regex allows the 'null' origin with credentials; any page can give "
                    "itself that origin (a sandboxed iframe, a data: URL) (FETCH-M4).",
                    "take 'null' out of the pattern; or, if that really is meant, set "
                    "dangerously_allow_any_origin_with_credentials=True.",
                    related=_CREDENTIAL_OPTIONS,
                )
                return
            shared = self._stranger_under_shared_suffix(regex)
            if shared is not None:
                self.error(
                    "corsx.E014",
                    "origins",
                    text,
                    f"this regex allows {shared!r} with credentials: anyone can register a "
                    "name there and act as your users.",
                    "list your own origins; or, if that really is meant, set "
                    "dangerously_allow_any_origin_with_credentials=True.",
                    related=_CREDENTIAL_OPTIONS,
                )
                return
        lookalike = find_lookalike(regex)
        if lookalike is not None:
            if credentials and not self.dangerous_opt_in:
                self.error(
                    "corsx.E015",
                    "origins",
                    text,
                    f"also allows {lookalike!r}, which its author surely did not mean (an "
                    "unescaped '.', or a '.*' that runs into a neighbour's name); with "
                    "credentials that site could act as your users.",
                    self._regex_hint(text),
                    related=_CREDENTIAL_OPTIONS,
                )
            else:
                self.warning(
                    "corsx.W014",
                    "origins",
                    text,
                    f"is taken as a regular expression that also allows {lookalike!r} (an "
                    "unescaped '.', or a '.*' that runs into a neighbour's name).",
                    self._regex_hint(text),
                )
            return
        if not compiled:
            self._regex_warning(text)

    def _regex_warning(self, text: str) -> None:
        self.warning(
            "corsx.W007",
            "origins",
            text,
            "is taken as a regular expression, matched against the whole origin.",
            self._regex_hint(text),
        )

    @staticmethod
    def _regex_hint(text: str) -> str:
        wildcard = wildcard_form(text)
        if wildcard is not None:
            return f"write the wildcard {wildcard!r}."
        return (
            "escape the dots (r'https://.*\\.example\\.com'), pass re.compile(...) to say it "
            "is a regex, or use a wildcard such as 'https://*.example.com'."
        )

    @staticmethod
    def _stranger_under_shared_suffix(regex: Pattern[str]) -> str | None:
        """A stranger's origin under a public suffix that the regex allows, if any: for each
        origin the pattern was written for, try another name under its suffix."""
        for intended in intended_origins(regex):
            scheme, sep, rest = intended.partition("://")
            host, colon, port = rest.partition(":")
            suffix = public_suffix_of(host)
            if sep and suffix is not None:
                stranger = f"{scheme}://strangersite.{suffix}{colon}{port}"
                if stranger != intended and regex.fullmatch(stranger):
                    return stranger
        return None

    @staticmethod
    def _regex_allows_anything(regex: Pattern[str]) -> bool:
        return regex.fullmatch(_ANY_ORIGIN_PROBE) is not None

    def _broad_regex_error(self, text: str, stranger: str) -> None:
        self.error(
            "corsx.E008",
            "origins",
            text,
            f"this regex allows unrelated origins such as {stranger!r}; with credentials "
            "every such site could make requests as your users and read the answers "
            "(FETCH-J5).",
            r"anchor it to your own domain, e.g. r'https://[a-z0-9-]+\.example\.com', or "
            "use a wildcard such as 'https://*.example.com'.",
            related=_CREDENTIAL_OPTIONS,
        )

    def _methods(self, value: Any) -> tuple[frozenset[str], bool]:
        items = self._items("methods", value, "'*', a method, or a list of methods")
        methods: set[str] = set()
        any_method = False
        for item in self._split_names(items or [], "methods"):
            method = item.upper()
            if method == "*":
                any_method = True
            elif not is_token(method):
                # flask-cors would list it, and the browser would then fail to parse the whole
                # Access-Control-Allow-Methods value; leaving it out keeps the others working.
                self.warning(
                    "corsx.W017",
                    "methods",
                    item,
                    "is not a valid HTTP method token, so no browser can ask for it; it is "
                    "ignored (FETCH-R5).",
                    "use method names such as 'GET' or 'PATCH'.",
                )
            else:
                if method in FORBIDDEN_METHODS:
                    self.warning(
                        "corsx.W002",
                        "methods",
                        item,
                        "is a forbidden method: no browser script can send it (FETCH-B2).",
                        "remove it.",
                    )
                methods.add(method)
        return (frozenset() if any_method else frozenset(methods)), any_method

    def _split_names(self, items: list[Any], option: str) -> list[str]:
        """Flatten strings like "GET, POST" (accepted by flask-cors) into single names."""
        names: list[str] = []
        for item in items:
            if not isinstance(item, str):
                self.error(
                    "corsx.E002",
                    option,
                    item,
                    "each entry must be a string.",
                    f"write {option} as a string or a list of strings.",
                )
                continue
            names.extend(part.strip() for part in item.split(",") if part.strip())
        return names

    def _allow_headers(self, value: Any) -> HeaderRule:
        items = self._items("allow_headers", value, "'*', a header name, or a list of them")
        names: set[str] = set()
        patterns: list[Pattern[str]] = []
        allow_all = False
        for item in items or []:
            if isinstance(item, re.Pattern):
                patterns.append(re.compile(item.pattern, item.flags | re.IGNORECASE))
                continue
            if not isinstance(item, str):
                self.error(
                    "corsx.E002",
                    "allow_headers",
                    item,
                    "each entry must be a string or a compiled regex.",
                    "write header names as strings, e.g. ['Content-Type'].",
                )
                continue
            if looks_like_regex(item):
                try:
                    patterns.append(re.compile(item, re.IGNORECASE))
                except re.error as exc:
                    self.error(
                        "corsx.E003",
                        "allow_headers",
                        item,
                        f"is neither a header name nor a valid regular expression ({exc}).",
                        "fix the regex, or write a plain header name.",
                    )
                    continue
                self.warning(
                    "corsx.W007",
                    "allow_headers",
                    item,
                    "is taken as a regular expression, matched against the whole header name.",
                    "pass re.compile(...) to say so.",
                )
                continue
            for name in self._split_names([item], "allow_headers"):
                if name in ("*", ".*"):
                    allow_all = True
                elif not is_token(name):
                    hint = "use names such as 'Content-Type' or 'X-Requested-With'."
                    if "/" in name:  # "application/json": a media type, not a header name
                        hint = "that is a value; the header name is 'Content-Type'."
                    self.warning(
                        "corsx.W016",
                        "allow_headers",
                        name,
                        "is not a valid header name token, so no request can carry it; it is "
                        "ignored (FETCH-R5).",
                        hint,
                    )
                else:
                    lowered = name.lower()
                    if lowered in FORBIDDEN_REQUEST_HEADERS or lowered.startswith(
                        FORBIDDEN_REQUEST_HEADER_PREFIXES
                    ):
                        self.warning(
                            "corsx.W003",
                            "allow_headers",
                            name,
                            "is a forbidden request header: browsers never let scripts set "
                            "it (FETCH-C11).",
                            "remove it.",
                        )
                    names.add(lowered)
        return HeaderRule(allow_all, frozenset(names), tuple(patterns))

    def _expose_headers(self, value: Any, credentials: bool) -> str | None:
        if value is None:
            return None
        items = self._items("expose_headers", value, "a header name or a list of them")
        names: list[str] = []
        for name in self._split_names(items or [], "expose_headers"):
            if name == "*":
                if credentials:
                    self.error(
                        "corsx.E010",
                        "expose_headers",
                        "*",
                        "with credentials, browsers read '*' as a header literally named '*' "
                        "and expose nothing (FETCH-D3).",
                        "list the header names to expose.",
                        related=("supports_credentials",),
                    )
                    continue
            elif not is_token(name):
                # Listed, it would make browsers reject the whole Expose-Headers value.
                self.warning(
                    "corsx.W016",
                    "expose_headers",
                    name,
                    "is not a valid header name token, so no response can carry it; it is "
                    "ignored (FETCH-R5).",
                    "use names such as 'X-Total-Count'.",
                )
                continue
            elif name.lower() in FORBIDDEN_RESPONSE_HEADERS:
                self.warning(
                    "corsx.W008",
                    "expose_headers",
                    name,
                    "is never exposed to scripts, whatever the server says (FETCH-D2).",
                    "remove it.",
                )
            if name not in names:
                names.append(name)
        return ", ".join(sorted(names)) or None

    def _max_age(self, value: Any) -> str | None:
        if value is None:
            return None
        seconds: int | None = None
        if isinstance(value, bool):
            seconds = None
        elif isinstance(value, int):
            seconds = value
        elif isinstance(value, (timedelta, float)):
            total = value.total_seconds() if isinstance(value, timedelta) else value
            seconds = int(total) if total.is_integer() else None
        elif isinstance(value, str) and value.isascii() and value.isdigit():
            seconds = int(value)
        if seconds is None or seconds < 0:
            self.error(
                "corsx.E007",
                "max_age",
                value,
                "must be a whole, non-negative number of seconds: an int, a string of digits "
                "or a timedelta (FETCH-L1).",
                "write e.g. max_age=600, or max_age=0 to disable preflight caching.",
            )
            return None
        if seconds > CHROMIUM_MAX_AGE_CAP:
            capped = "every browser" if seconds > FIREFOX_MAX_AGE_CAP else "Chromium and Safari"
            self.warning(
                "corsx.W001",
                "max_age",
                value,
                f"is more than {capped} will cache a preflight for (Chromium 7200 s, Firefox "
                "86400 s, Safari 600 s; FETCH-L2).",
                "use at most 7200, or 600 to be honoured fully everywhere.",
            )
        return str(seconds)
