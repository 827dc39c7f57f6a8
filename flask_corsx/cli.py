"""The ``flask cors`` command group: ``routes``, ``explain`` and ``check``.

Registered through Flask's ``flask.commands`` entry point, so ``flask --help`` lists it in any
app that has flask_corsx installed. Every command works on the app Flask's CLI loads, without
a request.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .config import build_policy, build_resource_table, resolve_options
from .errors import CORSConfigError, CORSConfigWarning, Problem
from .explanation import Scope, explain, governing
from .policy import CORSPolicy
from .rules import DynamicOriginPolicy, PerOriginPolicy
from .wiring import EXTENSION_KEY, AppState, blueprint_chain, widening_decorators

_CONVERTER = re.compile(r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\([^>]*\))?:)?[^>]+>")
_SAMPLES = {"int": "1", "float": "1.0", "uuid": "00000000-0000-0000-0000-000000000000"}


@click.group("cors")
def cors() -> None:
    """Inspect the app's CORS configuration (flask_corsx)."""


@cors.command("routes")
@with_appcontext
def routes_command() -> None:
    """Every URL rule with the CORS scope that governs it and a one-line policy summary."""
    app = _app()
    rows = [("Rule", "Methods", "Endpoint", "CORS scope", "Policy")]
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}) or ["OPTIONS"]
        scope, policy = governing(app, methods[0], sample_path(rule.rule))
        rows.append((rule.rule, ",".join(methods), rule.endpoint, _scope_label(scope),
                     summarize(policy)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)]
        click.echo("  ".join([*cells, row[4]]).rstrip())


@cors.command("explain")
@click.argument("origin")
@click.argument("method")
@click.argument("path")
@click.option("-H", "--header", "headers", multiple=True, metavar="NAME[:VALUE]",
              help="A header the script sets (repeatable).")
@click.option("--credentials", is_flag=True, help="credentials: 'include' (cookies, HTTP auth).")
@click.option("--private-network", is_flag=True, help="The request targets a private address.")
@with_appcontext
def explain_command(
    origin: str,
    method: str,
    path: str,
    headers: tuple[str, ...],
    credentials: bool,
    private_network: bool,
) -> None:
    """Why a browser at ORIGIN allows or blocks fetch(PATH, {method: METHOD}).

    Prints the governing scope, the effective options and where each came from, the
    preflight and actual exchanges as they would go over the wire, the browser's verdict in
    Chromium's words, and the fix. Exits with status 1 when the browser would block it.
    """
    result = explain(
        _app(), origin, method, path, headers, credentials=credentials,
        private_network=private_network,
    )
    click.echo(str(result))
    if not result.allowed:
        line = result.console_line()
        click.echo(f"Chromium's console: {line}")
        raise SystemExit(1)


@cors.command("check")
@click.option("--strict", is_flag=True, help="Exit with status 1 on warnings too.")
@with_appcontext
def check_command(strict: bool) -> None:
    """Validate every CORS scope (app, blueprints, decorated views) and report every problem.

    Exits with status 1 if there is an error (and, with --strict, a warning), so CI can run it.
    """
    errors, warned = check(_app())
    for problem in errors:
        click.echo(f"error: {problem}")
    for line in warned:
        click.echo(f"warning: {line}")
    click.echo(f"{len(errors)} error(s), {len(warned)} warning(s)")
    if errors or (strict and warned):
        raise SystemExit(1)


def check(app: Flask) -> tuple[list[Problem], list[str]]:
    """Every error and warning in the app's CORS configuration, gathered anew."""
    state: AppState | None = app.extensions.get(EXTENSION_KEY)
    errors: list[Problem] = []
    warned: list[str] = []
    if state is None:
        return errors, ["flask_corsx is not set up on this app"]
    # A plain copy of the config: warnings are recorded afresh, not deduplicated against the
    # ones the app gave at start-up.
    config = dict(app.config)
    for options in state.app_options:
        _collect(errors, warned, "CORS(app)", lambda o=options: build_resource_table(config, o))
    for name, options in state.blueprint_options.items():
        _collect(
            errors, warned, f"CORS({name})", lambda o=options: build_resource_table(config, o)
        )
    decorated = state.decorated_endpoints(app)
    for endpoint, spec in decorated.items():
        def build(spec_options: dict[str, Any] = spec.options) -> object:
            resolved = resolve_options(config, spec_options)
            return build_policy(resolved, config=config, kwargs=spec_options)

        _collect(errors, warned, f"@cross_origin on {endpoint!r}", build)
    warned += widening_decorators(app, state, decorated)
    warned += [
        f"resources={pattern!r} is configured by two CORS(app) calls; the first is kept "
        "[corsx.W015]"
        for pattern in state.duplicate_patterns
    ]
    warned += _coverage(app, state)
    return errors, warned


def _collect(
    errors: list[Problem], warned: list[str], where: str, build: Any
) -> None:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", CORSConfigWarning)
        try:
            build()
        except CORSConfigError as exc:
            errors.extend(exc.problems)
    warned += [
        f"{where}: {str(w.message).removeprefix('flask_corsx: ')}"
        for w in record
        if issubclass(w.category, CORSConfigWarning)
    ]


def _coverage(app: Flask, state: AppState) -> list[str]:
    """Resource patterns that cover no route, and routes a pattern's prefix suggests but
    misses (``/apikeys`` beside ``/api/*``)."""
    lines = []
    samples = [
        (rule, sample_path(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
    ]
    tables = [("CORS(app)", state.app_table)] if state.app_table is not None else []
    tables += [(f"CORS({name})", table) for name, table in state.blueprint_tables.items()]
    for label, table in tables:
        for rule in table.rules:
            if not any(table.rule_for(path) == rule.text for _, path in samples):
                lines.append(
                    f"{label}: resources pattern {rule.text!r} covers no route of the app"
                )
    app_table = state.app_table
    if app_table is not None:
        for url_rule, path in samples:
            if app_table.match(path) is not None or blueprint_chain(url_rule.endpoint):
                continue
            near = [
                rule.text
                for rule in app_table.rules
                if rule.base and path.startswith(rule.base) and path != rule.base
            ]
            if near:
                lines.append(
                    f"route {url_rule.rule!r} is not covered, although it starts like the "
                    f"pattern {near[0]!r} (which covers {near[0][:-2]!r} and what is under "
                    f"{near[0][:-1]!r} only)"
                )
    return lines


def sample_path(rule: str) -> str:
    """A concrete path a URL rule matches: ``/items/<int:id>`` -> ``/items/1``."""
    return _CONVERTER.sub(lambda m: _SAMPLES.get(m.group("converter") or "", "x"), rule)


def summarize(policy: CORSPolicy | None) -> str:
    """A one-line summary of a policy: origins, methods, credentials, max-age."""
    if policy is None:
        return "no CORS"
    if isinstance(policy, PerOriginPolicy) and policy.rules is not None:
        rules = policy.rules.rules
        shown = "; ".join(
            f"{rule.label}: {_summary_parts(rule.policy, with_origins=False)}" for rule in rules
        )
        return f"{len(rules)} origin rule(s), first match wins: {shown}"
    if isinstance(policy, DynamicOriginPolicy) and policy.dynamic is not None:
        dynamic = policy.dynamic
        return (
            f"origins=callable {dynamic.name} (answers kept {dynamic.ttl:g} s, at most "
            f"{dynamic.max_size}) {_summary_parts(policy, with_origins=False)}"
        )
    return _summary_parts(policy, with_origins=True)


def _summary_parts(policy: CORSPolicy, with_origins: bool) -> str:
    methods = "*" if policy.any_method else ",".join(sorted(policy.methods))
    parts = [f"origins={policy.options.get('origins')!r}"] if with_origins else []
    parts += [
        f"methods={methods}",
        f"credentials={'yes' if policy.supports_credentials else 'no'}",
    ]
    if policy.max_age is not None:
        parts.append(f"max-age={policy.max_age}")
    return " ".join(parts)


def _scope_label(scope: Scope) -> str:
    if scope.kind == "decorator":
        return "decorator"
    if scope.kind == "blueprint":
        return f"{scope.blueprint} {scope.rule}"
    if scope.kind == "app":
        return f"app {scope.rule}"
    return "-"


def _app() -> Flask:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app
