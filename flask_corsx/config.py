"""The one resolver: options from every source in, a validated :class:`CORSPolicy` out.

Precedence, highest first (the same as flask-cors):

1. resource-level options (the values of a ``resources`` dict);
2. keyword arguments to ``CORS(...)``, ``init_app(...)`` or ``cross_origin(...)``;
3. the app config, ``CORS_<OPTION>`` keys (``CORS_ORIGINS``, ``CORS_MAX_AGE``, ...);
4. the defaults in :data:`flask_corsx.defaults.DEFAULT_OPTIONS`.

The extension, the blueprint path and the decorator all come through here. Nothing in this module
imports Flask: the app config arrives as a plain mapping. Every problem found is reported at once
in one :class:`~flask_corsx.errors.CORSConfigError`; legal but risky settings emit a
:class:`~flask_corsx.errors.CORSConfigWarning`.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Iterable, Mapping
from datetime import timedelta
from re import Pattern
from typing import Any

from .defaults import (
    CHROMIUM_MAX_AGE_CAP,
    CONFIG_PREFIX,
    DEFAULT_OPTIONS,
    FIREFOX_MAX_AGE_CAP,
    FORBIDDEN_METHODS,
    FORBIDDEN_REQUEST_HEADER_PREFIXES,
    FORBIDDEN_REQUEST_HEADERS,
    FORBIDDEN_RESPONSE_HEADERS,
    OPTION_NAMES,
)
from .errors import CORSConfigError, CORSConfigWarning, Problem, emit_warnings
from .lookalikes import find_lookalike
from .origins import (
    OriginMatcher,
    OriginSyntaxError,
    is_loopback_host,
    is_plausible_origin,
    is_public_suffix_like,
    looks_like_regex,
    parse_config_origin,
    wildcard_form,
)
from .policy import CORSPolicy, HeaderRule, is_token
from .resources import PathPattern, ResourceTable, compile_path_pattern

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
#: An origin no real site has: a regex that matches it matches (nearly) anything.
_ANY_ORIGIN_PROBE = "https://flask-corsx-any-origin-probe.invalid:1234"
#: Origins nobody's allow-list means, of every common shape (ordinary TLDs, http and https,
#: default and other ports, subdomains, IP literals). A regex that allows one of them allows
#: strangers' sites: with credentials, that is the any-origin hole (seams finding 4).
_UNRELATED_ORIGINS = (
    _ANY_ORIGIN_PROBE,
    "https://corsx-probe-7f3a.com",
    "http://corsx-probe-7f3a.com",
    "https://corsx-probe-7f3a.net",
    "https://www.corsx-probe-7f3a.org",
    "https://corsx-probe-7f3a.co.uk",
    "https://corsx-probe-7f3a.io:8443",
    "https://203.0.113.7",
    "http://198.51.100.23:8080",
    "https://[2001:db8::7]",
)


def _all_origins(parts: list[str]) -> bool:
    try:
        for part in parts:
            parse_config_origin(part)
    except OriginSyntaxError:
        return False
    return True


def _close_matches(word: str, candidates: Iterable[str], n: int) -> list[str]:
    # difflib is imported only when someone mistyped an option: it costs milliseconds at start.
    import difflib

    return difflib.get_close_matches(word, list(candidates), n=n)


def options_from_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``CORS_*`` keys of an app config, as option names (``CORS_MAX_AGE`` -> ``max_age``).

    Keys set to None are ignored, as flask-cors does. An unknown ``CORS_`` key warns (other
    extensions may use the prefix too, so it is not an error).
    """
    options: dict[str, Any] = {}
    for key, value in config.items():
        if not isinstance(key, str) or not key.startswith(CONFIG_PREFIX):
            continue
        name = key[len(CONFIG_PREFIX) :].lower()
        if name in OPTION_NAMES:
            if value is not None:
                options[name] = value
            elif DEFAULT_OPTIONS[name] is not None:
                # Typically os.environ.get() of a variable that is not set: the key then
                # means nothing, and the default (every origin, for CORS_ORIGINS) applies.
                default = DEFAULT_OPTIONS[name]
                problem = Problem(
                    "corsx.W011",
                    key,
                    value,
                    f"is None, so it is ignored and the default {default!r} applies (an "
                    "environment variable that is not set?).",
                    f"set {key} to a value, or delete the key.",
                )
                emit_warnings([problem], scope=config)
            continue
        if name == "headers":
            # An old tutorial's key. It never did anything in flask-cors either; pointing to
            # CORS_ALLOW_HEADERS would narrow a policy that has allowed every header all along.
            problem = Problem(
                "corsx.W009",
                key,
                value,
                "is not an option (flask-cors ignores it too; it comes from an old tutorial), "
                "so it has never done anything.",
                "delete it.",
            )
        else:
            guess = _close_matches(name, OPTION_NAMES, n=1)
            hint = f"did you mean {CONFIG_PREFIX}{guess[0].upper()}?" if guess else ""
            problem = Problem(
                "corsx.W009", key, value, "is not a flask_corsx option and is ignored.", hint
            )
        emit_warnings([problem], scope=config)
    return options


def resolve_options(config: Mapping[str, Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Merge defaults, app config and keyword arguments, in rising precedence.

    Resource-level options go on top of this in :func:`build_resource_table`.
    """
    merged = dict(DEFAULT_OPTIONS)
    merged.update(options_from_config(config))
    merged.update(kwargs)
    return merged


def check_option_names(options: Mapping[str, Any], where: str = "") -> list[Problem]:
    """Problems for option names we do not know, each with a "did you mean"."""
    problems = []
    for name in options:
        if name in OPTION_NAMES:
            continue
        guess = _close_matches(str(name), OPTION_NAMES, n=1)
        hint = f"did you mean {guess[0]!r}?" if guess else "see the usage guide for the options."
        message = (
            "is not an option. flask-cors ignored it too, so your app has run without it: "
            "check what the fix changes."
        )
        problems.append(Problem("corsx.E001", f"{where}{name}", options[name], message, hint))
    return problems


def build_policy(
    options: Mapping[str, Any],
    where: str = "",
    config: Mapping[str, Any] | None = None,
    kwargs: Mapping[str, Any] | None = None,
) -> CORSPolicy:
    """Validate fully merged options and compile them into a :class:`CORSPolicy`.

    :param options: every option, e.g. from :func:`resolve_options`.
    :param where: a prefix for option names in messages, such as ``"resources['/api/*']."``.
    :param config: the app config the options were resolved from: messages then name the
        ``CORS_*`` key a value came from, and each warning is given once per config.
    :param kwargs: the keyword arguments given, which take precedence over ``config``.
    :raises CORSConfigError: listing every problem found.
    """
    builder = _PolicyBuilder(where, names=config_key_names(config, kwargs))
    policy = builder.build(options)
    if policy is None:
        raise CORSConfigError(builder.problems)
    emit_warnings(builder.warnings, scope=config)
    return policy


def option_sources(
    config: Mapping[str, Any] | None,
    kwargs: Mapping[str, Any],
    own: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Where each option's value comes from, in precedence order (for explanations)."""
    from_config = config_key_names(config, kwargs)
    sources = {}
    for name in DEFAULT_OPTIONS:
        if own is not None and name in own:
            sources[name] = "resource"
        elif name in kwargs:
            sources[name] = "keyword"
        else:
            sources[name] = from_config.get(name, "default")
    return sources


def config_key_names(
    config: Mapping[str, Any] | None, kwargs: Mapping[str, Any] | None
) -> dict[str, str]:
    """Option -> the ``CORS_*`` key it came from, for the options the app config set."""
    if not config:
        return {}
    given = kwargs or {}
    return {
        name: CONFIG_PREFIX + name.upper()
        for key, value in config.items()
        if isinstance(key, str)
        and key.startswith(CONFIG_PREFIX)
        and value is not None
        and (name := key[len(CONFIG_PREFIX) :].lower()) in OPTION_NAMES
        and name not in given
    }


def build_resource_table(
    config: Mapping[str, Any], kwargs: Mapping[str, Any]
) -> ResourceTable[CORSPolicy]:
    """Resolve ``resources`` and compile one policy per resource rule.

    Rules without options of their own share the policy built from kwargs, config and defaults.
    """
    # Unknown names are reported together with every other problem, so one start-up shows all.
    problems = check_option_names(kwargs)
    known = {name: value for name, value in kwargs.items() if name in OPTION_NAMES}
    base_options = resolve_options(config, known)
    rules, resource_problems = _parse_resources(base_options["resources"])
    dead = [p for p in resource_problems if p.code.startswith("corsx.W")]
    resource_problems = [p for p in resource_problems if p not in dead]
    problems.extend(resource_problems)
    # Options that every resource sets for itself never apply as given: no problem of theirs
    # (nor one they are part of, such as credentials with the keyword's origins) is reported.
    own_sets = [frozenset(own) for _, own in rules]
    overridden = frozenset.intersection(*own_sets) if own_sets else frozenset()
    builder = _PolicyBuilder(
        "", overridden=overridden, names=config_key_names(config, known)
    )
    base = builder.build(base_options)
    if base is not None:
        base.sources = option_sources(config, known)
    problems.extend(builder.problems)
    warnings_found = [*dead, *builder.warnings]
    table_rules: list[tuple[PathPattern, CORSPolicy]] = []
    for pattern, resource_options in rules:
        if not resource_options:
            if base is not None:
                table_rules.append((pattern, base))
            continue
        label = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
        where = f"resources[{label!r}]."
        problems.extend(check_option_names(resource_options, where))
        own = {k: v for k, v in resource_options.items() if k in OPTION_NAMES}
        # The top level of the precedence: this resource's options over everything else.
        # Problems with the inherited options were reported for the top level already, so
        # only those involving the resource's own options are reported here.
        builder = _PolicyBuilder(where, frozenset(own))
        policy = builder.build({**base_options, **own})
        problems.extend(builder.problems)
        warnings_found.extend(builder.warnings)
        if policy is not None:
            policy.sources = option_sources(config, known, own)
            table_rules.append((pattern, policy))
    if problems:
        raise CORSConfigError(problems)
    emit_warnings(warnings_found, scope=config)
    return ResourceTable(table_rules)


def _parse_resources(
    value: Any,
) -> tuple[list[tuple[PathPattern, Mapping[str, Any]]], list[Problem]]:
    problems: list[Problem] = []
    items: list[tuple[Any, Any]]
    if isinstance(value, (str, re.Pattern)):
        items = [(value, {})]
    elif isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, Iterable):
        items = [(item, {}) for item in value]
    else:
        problems.append(
            Problem(
                "corsx.E002",
                "resources",
                value,
                "must be a path pattern, a list of them, or a dict of pattern -> options.",
                "e.g. resources={r'/api/*': {'origins': 'https://app.example.com'}}.",
            )
        )
        return [], problems
    rules: list[tuple[PathPattern, Mapping[str, Any]]] = []
    for pattern, resource_options in items:
        if not isinstance(pattern, (str, re.Pattern)):
            problems.append(
                Problem(
                    "corsx.E002",
                    "resources",
                    pattern,
                    "a resource path pattern must be a string or a compiled regex.",
                    "write it as a string such as r'/api/*'.",
                )
            )
            continue
        if resource_options is None:
            resource_options = {}
        if not isinstance(resource_options, Mapping):
            problems.append(
                Problem(
                    "corsx.E002",
                    f"resources[{pattern!r}]",
                    resource_options,
                    "the options of a resource must be a dict.",
                    "e.g. {'origins': ['https://app.example.com']}.",
                )
            )
            continue
        try:
            kind, _, _ = compile_path_pattern(pattern)
        except re.error as exc:
            problems.append(
                Problem(
                    "corsx.E003",
                    "resources",
                    pattern,
                    f"is not a valid regular expression ({exc}).",
                    "fix the pattern, or escape it with re.escape() if it is a literal path.",
                )
            )
            continue
        literal = kind in ("exact", "subtree", "under")
        if literal and isinstance(pattern, str) and not pattern.startswith("/"):
            # flask-cors never matched it either: a warning, and the rest of the rules work.
            problems.append(
                Problem(
                    "corsx.W019",
                    "resources",
                    pattern,
                    "can never match a request path, which always starts with '/'; it is "
                    "ignored.",
                    f"write '/{pattern}'.",
                )
            )
            continue
        rules.append((pattern, resource_options))
    return rules, problems


def precheck(options: Mapping[str, Any], table: bool) -> None:
    """Validate options before the app config is known (``CORS(blueprint)``, ``cross_origin``).

    Raises for everything the options alone show to be wrong, so mistakes surface where they
    are written. The one problem app config could still fix, any origin with credentials when
    ``origins`` comes only from ``CORS_ORIGINS``, is left for the full build. Warnings wait for
    the full build too, so each is emitted once.
    """
    problems: list[Problem] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CORSConfigWarning)
        try:
            if table:
                build_resource_table({}, options)
            else:
                problems = check_option_names(options)
                known = {name: value for name, value in options.items() if name in OPTION_NAMES}
                build_policy(resolve_options({}, known))
        except CORSConfigError as exc:
            problems.extend(exc.problems)
    # CORS_ORIGINS may still name the origins (flask-cors reads it for decorators and
    # blueprints too), so an E008 that the app config could fix waits for the full build:
    # at registration for a blueprint, at the view's first request for a decorator.
    problems = [p for p in problems if p.code != "corsx.E008" or "origins" in options]
    if problems:
        raise CORSConfigError(problems)


_BOOL_WORDS = frozenset({"true", "false", "1", "0", "yes", "no", "on", "off"})

#: The options an origin-with-credentials problem also concerns (for per-resource reports).
_CREDENTIAL_OPTIONS = ("supports_credentials", "dangerously_allow_any_origin_with_credentials")


class _PolicyBuilder:
    """Validates one set of merged options; collects problems rather than stopping at the first."""

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

    def build(self, options: Mapping[str, Any]) -> CORSPolicy | None:
        flags = {name: self._bool(name, options.get(name)) for name in _BOOL_OPTIONS}
        credentials = flags["supports_credentials"]
        self.dangerous_opt_in = flags["dangerously_allow_any_origin_with_credentials"]
        origins = self._origins(options.get("origins"), credentials)
        methods, any_method = self._methods(options.get("methods"))
        headers = self._allow_headers(options.get("allow_headers"))
        expose = self._expose_headers(options.get("expose_headers"), credentials)
        max_age = self._max_age(options.get("max_age"))

        if credentials and origins.any_origin:
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
        if credentials and flags["send_wildcard"]:
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
            options=dict(options),
        )

    # -- one method per option ----------------------------------------------------------------

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
        any_origin = any_origin or any(map(self._regex_allows_anything, regexes))
        return OriginMatcher(
            any_origin=any_origin,
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
            except re.error as error:
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
