"""The one resolver: options from every source in, a validated :class:`CORSPolicy` out.

Precedence, highest first (the same as flask-cors):

1. resource-level options (the values of a ``resources`` dict);
2. keyword arguments to ``CORS(...)``, ``init_app(...)`` or ``cross_origin(...)``;
3. the app config, ``CORS_<OPTION>`` keys (``CORS_ORIGINS``, ``CORS_MAX_AGE``, ...);
4. the defaults in :data:`flask_corsx.defaults.DEFAULT_OPTIONS`.

The extension, the blueprint path and the decorator all come through here. Nothing in this module
imports Flask: the app config arrives as a plain mapping. It decides which value each option
has; :mod:`flask_corsx.checks` validates the values and compiles them. Every problem found is
reported at once in one :class:`~flask_corsx.errors.CORSConfigError`; legal but risky settings
emit a :class:`~flask_corsx.errors.CORSConfigWarning`.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from .checks import PolicyChecks
from .defaults import (
    CONFIG_PREFIX,
    DEFAULT_OPTIONS,
    OPTION_NAMES,
)
from .errors import CORSConfigError, CORSConfigWarning, Problem, close_matches, emit_warnings
from .policy import CORSPolicy
from .resources import PathPattern, ResourceTable, compile_path_pattern


def options_from_config(
    config: Mapping[str, Any], sink: logging.Logger | None = None
) -> dict[str, Any]:
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
                emit_warnings([problem], scope=config, sink=sink)
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
            guess = close_matches(name, OPTION_NAMES, n=1)
            hint = f"did you mean {CONFIG_PREFIX}{guess[0].upper()}?" if guess else ""
            problem = Problem(
                "corsx.W009", key, value, "is not a flask_corsx option and is ignored.", hint
            )
        emit_warnings([problem], scope=config, sink=sink)
    return options


def resolve_options(
    config: Mapping[str, Any],
    kwargs: Mapping[str, Any],
    sink: logging.Logger | None = None,
) -> dict[str, Any]:
    """Merge defaults, app config and keyword arguments, in rising precedence.

    Resource-level options go on top of this in :func:`build_resource_table`.
    """
    merged = dict(DEFAULT_OPTIONS)
    merged.update(options_from_config(config, sink))
    merged.update(kwargs)
    return merged


def check_option_names(options: Mapping[str, Any], where: str = "") -> list[Problem]:
    """Problems for option names we do not know, each with a "did you mean"."""
    problems = []
    for name in options:
        if name in OPTION_NAMES:
            continue
        guess = close_matches(str(name), OPTION_NAMES, n=1)
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
    sink: logging.Logger | None = None,
) -> CORSPolicy:
    """Validate fully merged options and compile them into a :class:`CORSPolicy`.

    :param options: every option, e.g. from :func:`resolve_options`.
    :param where: a prefix for option names in messages, such as ``"resources['/api/*']."``.
    :param config: the app config the options were resolved from: messages then name the
        ``CORS_*`` key a value came from, and each warning is given once per config.
    :param kwargs: the keyword arguments given, which take precedence over ``config``.
    :raises CORSConfigError: listing every problem found.
    """
    builder = PolicyChecks(where, names=config_key_names(config, kwargs))
    policy = builder.build(options)
    if policy is None:
        raise CORSConfigError(builder.problems)
    emit_warnings(builder.warnings, scope=config, sink=sink)
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
    builder = PolicyChecks(
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
        builder = PolicyChecks(where, frozenset(own))
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
        if isinstance(pattern, re.Pattern) and not isinstance(pattern.pattern, str):
            problems.append(
                Problem(
                    "corsx.E002",
                    "resources",
                    pattern,
                    "a compiled path pattern must be a str pattern, not bytes.",
                    "compile a str: re.compile(r'/api/.*').",
                )
            )
            continue
        try:
            kind, _, _ = compile_path_pattern(pattern)
        except (re.error, RecursionError, OverflowError) as exc:
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
    try:
        if table:
            with warnings.catch_warnings():
                # Given once, at registration, when the app config is known.
                warnings.simplefilter("ignore", CORSConfigWarning)
                build_resource_table({}, options)
        else:
            # A decorator's warnings about its own options are given here, where it is
            # written; the ones the app config adds are logged on the view's first request.
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


