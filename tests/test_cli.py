"""The ``flask cors`` command group, through Flask's CliRunner (issue 11 item 2)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from importlib.metadata import entry_points
from pathlib import Path

from flask import Blueprint, Flask

from flask_corsx import CORS, CORSConfigWarning, cross_origin
from flask_corsx.cli import cors, sample_path

SPA = "http://localhost:3000"


def app_under_test() -> Flask:
    app = Flask("cli_app")

    @app.route("/api/items", methods=["GET", "PUT"])
    def items() -> str:
        return "items"

    @app.route("/api/items/<int:item_id>")
    def item(item_id: int) -> str:
        return "item"

    @app.route("/apikeys")
    def apikeys() -> str:
        return "keys"

    @app.route("/api/widget")
    @cross_origin()
    def widget() -> str:
        return "widget"

    bp = Blueprint("partners", __name__, url_prefix="/partners")

    @bp.route("/feed")
    def feed() -> str:
        return "feed"

    CORS(bp, origins=["https://partner.example"])
    app.register_blueprint(bp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CORSConfigWarning)
        CORS(
            app,
            resources={r"/api/*": {"origins": [SPA], "max_age": 600}, "/old/*": {}},
            supports_credentials=True,
            origins=[SPA],
        )
    return app


def run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(cors, list(args))
    return result.exit_code, result.output


def test_registered_through_the_flask_commands_entry_point() -> None:
    (entry,) = [e for e in entry_points(group="flask.commands") if e.name == "cors"]
    assert entry.load() is cors


def test_appears_in_flask_help_of_any_app(tmp_path: Path) -> None:
    (tmp_path / "someapp.py").write_text(
        textwrap.dedent(
            """
            from flask import Flask
            app = Flask(__name__)
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "someapp", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "cors" in result.stdout


def test_routes_lists_every_rule_with_its_scope_and_policy() -> None:
    code, output = run(app_under_test(), "routes")
    assert code == 0
    lines = {line.split()[0]: line for line in output.splitlines()[1:]}
    assert "app /api/*" in lines["/api/items"]
    assert f"origins={[SPA]!r}" in lines["/api/items"]
    assert "credentials=yes" in lines["/api/items"] and "max-age=600" in lines["/api/items"]
    assert "app /api/*" in lines["/api/items/<int:item_id>"]
    assert "decorator" in lines["/api/widget"] and "origins='*'" in lines["/api/widget"]
    assert "partners /*" in lines["/partners/feed"]
    assert "no CORS" in lines["/apikeys"]


def test_explain_prints_the_reason_and_exits_1_when_blocked() -> None:
    code, output = run(
        app_under_test(), "explain", SPA, "PUT", "/api/items", "-H", "X-Api-Key: k",
        "--credentials",
    )
    assert code == 0, output
    assert "Verdict: ALLOWED" in output
    code, output = run(app_under_test(), "explain", "http://127.0.0.1:3000", "GET", "/api/items")
    assert code == 1
    assert "Verdict: BLOCKED" in output
    assert "Fix: add 'http://127.0.0.1:3000' to origins" in output
    assert "Chromium's console: Access to fetch at '/api/items' from origin" in output


def test_check_reports_every_problem_and_fails_only_on_errors_unless_strict() -> None:
    app = app_under_test()
    code, output = run(app, "check")
    assert code == 0, output
    # The bare decorator on /widget widens the app's listed origins (W018).
    assert "'widget' allows any origin" in output
    # A pattern that covers no route, and a route that starts like a pattern but is missed.
    assert "resources pattern '/old/*' covers no route" in output
    assert "route '/apikeys' is not covered, although it starts like the pattern '/api/*'" in output
    code, _ = run(app, "check", "--strict")
    assert code == 1


def test_check_reports_errors_the_app_config_causes_for_decorators() -> None:
    app = Flask("broken")

    @app.route("/d")
    @cross_origin(supports_credentials=True)
    def d() -> str:
        return "d"

    CORS(app, resources={})
    code, output = run(app, "check")
    assert code == 1
    assert "corsx.E008" in output


def test_check_reports_warnings_of_the_configuration_afresh() -> None:
    app = Flask("warned")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CORSConfigWarning)
        CORS(app, origins=[r"https://.*\.example\.com"])
    _, output = run(app, "check")
    assert "corsx.W007" in output


def test_sample_paths_for_url_rules() -> None:
    assert sample_path("/items/<int:item_id>") == "/items/1"
    assert sample_path("/files/<path:name>") == "/files/x"
    assert sample_path("/u/<string(length=2):code>") == "/u/x"
