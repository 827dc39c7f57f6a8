"""Where the CORS layer meets the rest of Flask: routing, other hooks, signals.

Each test is named after a finding of the seams review (issue 9); none of them may give a
laxer answer than the configuration says.
"""

from __future__ import annotations

import gc
import re
import tracemalloc
import warnings

import pytest
from flask import Blueprint, Flask, Response
from flask.testing import FlaskClient
from helpers import get, preflight

from flask_corsx import CORS, CORSConfigError, CORSConfigWarning, cross_origin
from flask_corsx.defaults import ACAC, ACAH, ACAM, ACAO, ACEH, ACMA

ADMIN = "https://admin.example.com"
PARTNER = "https://partner.example.com"
EVIL = "https://evil.example.net"


# -- finding 3: a stray credentials header from the app -----------------------------------------


def _app_with_credentials_hook(register_before_cors: bool) -> Flask:
    app = Flask(__name__)

    @app.route("/data")
    def data() -> str:
        return "data"

    def add_credentials(response: Response) -> Response:
        # The snippet from countless tutorials, next to CORS(app).
        response.headers["Access-Control-Allow-Credentials"] = "true"
        return response

    if register_before_cors:
        app.after_request(add_credentials)
        CORS(app)
    else:
        CORS(app)
        app.after_request(add_credentials)
    return app


@pytest.mark.parametrize("register_before_cors", [True, False], ids=["hook-first", "cors-first"])
def test_finding3_stray_credentials_hook_never_joins_a_reflected_origin(
    register_before_cors: bool,
) -> None:
    client = _app_with_credentials_hook(register_before_cors).test_client()
    response = get(client, "/data", origin=EVIL)
    assert response.headers.getlist(ACAO) == [EVIL]
    assert ACAC not in response.headers  # FETCH-J5: no credentials for a reflected Origin
    answer = preflight(client, "/data", origin=EVIL, method="GET")
    assert answer.headers.getlist(ACAO) == [EVIL]
    assert ACAC not in answer.headers


def test_finding3_stray_credentials_from_a_view_is_removed(app: Flask, client: FlaskClient) -> None:
    @app.route("/view-sets")
    def view_sets() -> Response:
        return Response("x", headers={ACAC: "true", ACMA: "99999", ACEH: "X-Secret"})

    CORS(app)
    response = get(client, "/view-sets", origin=EVIL)
    assert response.headers.getlist(ACAO) == [EVIL]
    assert (ACAC in response.headers, ACMA in response.headers, ACEH in response.headers) == (
        False,
        False,
        False,
    )


def test_finding3_policy_headers_replace_a_stray_value(app: Flask, client: FlaskClient) -> None:
    @app.route("/expose")
    def expose() -> Response:
        return Response("x", headers={ACEH: "X-Other"})

    CORS(app, expose_headers=["X-Total"])
    assert get(client, "/expose").headers.getlist(ACEH) == ["X-Total"]


def test_finding3_view_that_sets_allow_origin_still_owns_the_set(
    app: Flask, client: FlaskClient
) -> None:
    @app.route("/own")
    def own() -> Response:
        return Response("x", headers={ACAO: "https://mine.example", ACAC: "true"})

    CORS(app)
    response = get(client, "/own", origin=EVIL)
    assert response.headers.getlist(ACAO) == ["https://mine.example"]
    assert response.headers.getlist(ACAC) == ["true"]


def test_finding3_hook_after_a_decorated_view_cannot_add_credentials() -> None:
    app = Flask(__name__)
    CORS(app, resources={})  # only the hooks: the final one guards decorated responses too

    @app.route("/d")
    @cross_origin()
    def decorated() -> str:
        return "d"

    @app.after_request
    def add_credentials(response: Response) -> Response:
        response.headers[ACAC] = "true"
        return response

    client = app.test_client()
    response = get(client, "/d", origin=EVIL)
    assert response.headers.getlist(ACAO) == [EVIL]
    assert ACAC not in response.headers


def test_finding3_credentialed_policy_keeps_its_own_credentials_header(
    app: Flask, client: FlaskClient
) -> None:
    @app.after_request
    def add_credentials(response: Response) -> Response:
        response.headers[ACAC] = "true"
        return response

    CORS(app, origins=[ADMIN], supports_credentials=True)
    assert get(client, "/", origin=ADMIN).headers.getlist(ACAC) == ["true"]
    assert ACAC not in get(client, "/", origin=EVIL).headers


# -- finding 1: dot segments pick a laxer rule ---------------------------------------------------


def _admin_api(credentialed_partner: bool = False) -> Flask:
    app = Flask(__name__)

    @app.route("/api/<path:p>")
    def public(p: str) -> str:
        return f"public {p}"

    @app.route("/api/admin/<path:sub>")
    def admin(sub: str) -> str:
        return f"admin {sub}"

    public_rule: dict[str, object] = {"origins": "*"}
    if credentialed_partner:
        public_rule = {"origins": [PARTNER], "supports_credentials": True}
    CORS(
        app,
        resources={"/api/*": public_rule, "/api/admin/*": {"origins": [ADMIN]}},
    )
    return app


@pytest.mark.parametrize("path", ["/api/admin/..%2fusers", "/api/admin/%2e%2e%2fusers"])
def test_finding1_dot_segments_never_borrow_the_public_rule(path: str) -> None:
    client = _admin_api().test_client()
    response = get(client, path, origin=EVIL)
    assert response.get_data(as_text=True) == "admin ../users"  # Werkzeug routed it to admin
    assert ACAO not in response.headers
    answer = preflight(client, path, origin=EVIL, method="PUT")
    assert ACAO not in answer.headers


def test_finding1_partner_never_reads_admin_data_with_credentials() -> None:
    client = _admin_api(credentialed_partner=True).test_client()
    response = get(client, "/api/admin/..%2fusers", origin=PARTNER)
    assert response.get_data(as_text=True) == "admin ../users"
    assert ACAO not in response.headers and ACAC not in response.headers


def test_finding1_admin_rule_still_answers_its_own_origin_on_plain_paths() -> None:
    client = _admin_api().test_client()
    assert get(client, "/api/admin/users", origin=ADMIN).headers[ACAO] == ADMIN
    assert ACAO not in get(client, "/api/admin/users", origin=EVIL).headers
    assert get(client, "/api/users", origin=EVIL).headers[ACAO] == EVIL


def test_finding1_two_plain_converters() -> None:
    app = Flask(__name__)

    @app.route("/api/<a>/<b>")
    def two(a: str, b: str) -> str:
        return f"{a}/{b}"

    CORS(app, resources={"/api/*": {"origins": "*"}, "/api/admin/*": {"origins": [ADMIN]}})
    # "/api/admin/..%2fx" has two segments for Werkzeug: a="admin", b="../x" (".." + "/x").
    response = get(app.test_client(), "/api/admin/..%2fx", origin=EVIL)
    assert ACAO not in response.headers


def test_finding1_through_a_blueprint() -> None:
    app = Flask(__name__)
    bp = Blueprint("api", __name__, url_prefix="/api")

    @bp.route("/<path:p>")
    def public(p: str) -> str:
        return "public"

    @bp.route("/admin/<path:sub>")
    def admin(sub: str) -> str:
        return "admin"

    CORS(bp, resources={"/api/*": {"origins": "*"}, "/api/admin/*": {"origins": [ADMIN]}})
    app.register_blueprint(bp)
    response = get(app.test_client(), "/api/admin/..%2fusers", origin=EVIL)
    assert response.get_data(as_text=True) == "admin"
    assert ACAO not in response.headers


def test_finding1_traversal_into_uncovered_path_still_gets_nothing() -> None:
    # CVE-2020-25032 stays fixed.
    app = Flask(__name__)

    @app.route("/api/<path:p>")
    def api(p: str) -> str:
        return p

    CORS(app, resources={"/api/*": {}})
    assert ACAO not in get(app.test_client(), "/api/..%2fsecret", origin=EVIL).headers


# -- finding 5: a trailing slash escapes a literal rule ------------------------------------------


def _slashes_app(strict_on_app: bool) -> Flask:
    app = Flask(__name__)
    if strict_on_app:
        app.url_map.strict_slashes = False

    @app.route("/api/<path:p>")
    def public(p: str) -> str:
        return "public"

    @app.route("/api/admin", strict_slashes=False if not strict_on_app else None)
    def admin() -> str:
        return "admin"

    CORS(app, resources={"/api/*": {"origins": "*"}, "/api/admin": {"origins": [ADMIN]}})
    return app


@pytest.mark.parametrize("strict_on_app", [True, False], ids=["url_map", "route"])
def test_finding5_trailing_slash_stays_under_the_literal_rule(strict_on_app: bool) -> None:
    client = _slashes_app(strict_on_app).test_client()
    for path in ("/api/admin", "/api/admin/"):
        response = get(client, path, origin=EVIL)
        assert response.get_data(as_text=True) == "admin", path
        assert ACAO not in response.headers, path
        assert get(client, path, origin=ADMIN).headers[ACAO] == ADMIN, path


def test_finding5_a_rule_for_the_slashed_spelling_wins_over_the_alias() -> None:
    from flask_corsx.resources import ResourceTable

    table = ResourceTable([("/a", "plain"), ("/a/", "slashed"), ("/b/", "b")])
    assert (table.match("/a"), table.match("/a/"), table.match("/b")) == ("plain", "slashed", "b")


# -- finding 6: app factories leak -----------------------------------------------------------------


def test_finding6_app_factories_leave_nothing_behind() -> None:
    from flask import got_request_exception

    def factory() -> Flask:
        app = Flask(__name__)
        CORS(app)
        return app

    factory()
    gc.collect()
    receivers = len(got_request_exception.receivers)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(500):
        factory()
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(got_request_exception.receivers) == receivers
    assert grown < 50_000, grown  # was ~500 bytes per app, 250 KB here


def test_finding6_exception_flag_still_reaches_intercept_exceptions_false(
    app: Flask, client: FlaskClient
) -> None:
    CORS(app, intercept_exceptions=False)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert ACAO not in get(client, "/boom").headers
    assert get(client, "/", origin=EVIL).headers[ACAO] == EVIL


# -- finding 2: a preflight is decided by the wrong view -------------------------------------------


def _item_app(app_wide: bool = True) -> Flask:
    app = Flask(__name__)
    app.config["calls"] = []

    @app.route("/item", methods=["GET"])
    @cross_origin(origins=[PARTNER, ADMIN], supports_credentials=True)
    def read_item() -> str:
        return "item"

    @app.route("/item", methods=["DELETE"])
    def delete_item() -> str:
        app.config["calls"].append("delete")
        return "deleted"

    if app_wide:
        CORS(app, origins=[ADMIN], supports_credentials=True)
    return app


@pytest.mark.parametrize("app_wide", [True, False], ids=["with-CORS(app)", "decorator-only"])
def test_finding2_preflight_is_decided_by_the_view_that_serves_the_method(app_wide: bool) -> None:
    client = _item_app(app_wide).test_client()
    answer = preflight(client, "/item", origin=PARTNER, method="DELETE")
    assert ACAO not in answer.headers and ACAC not in answer.headers
    assert ACAM not in answer.headers
    # The decorated GET view still grants its own method to its own origins.
    granted = preflight(client, "/item", origin=PARTNER, method="GET", headers="x-token")
    assert granted.headers[ACAO] == PARTNER
    assert granted.headers[ACAH] == "x-token"


def test_finding2_app_policy_grants_the_method_it_governs() -> None:
    client = _item_app().test_client()
    answer = preflight(client, "/item", origin=ADMIN, method="DELETE")
    assert answer.headers[ACAO] == ADMIN
    assert "DELETE" in answer.headers[ACAM]
    assert client.application.config["calls"] == []  # a preflight never runs the view


def test_finding2_method_the_url_does_not_serve_gets_only_the_path_rule() -> None:
    client = _item_app().test_client()
    assert ACAO not in preflight(client, "/item", origin=PARTNER, method="PATCH").headers
    assert preflight(client, "/item", origin=ADMIN, method="PATCH").headers[ACAO] == ADMIN
    decorator_only = _item_app(app_wide=False).test_client()
    assert ACAO not in preflight(decorator_only, "/item", origin=PARTNER, method="PATCH").headers


def test_finding2_wider_decorator_on_the_serving_view_is_honoured() -> None:
    # The reverse order: OPTIONS is routed to the undecorated view, the PUT view is decorated.
    app = Flask(__name__)

    @app.route("/doc", methods=["GET"])
    def read_doc() -> str:
        return "doc"

    @app.route("/doc", methods=["PUT"])
    @cross_origin(origins=[PARTNER])
    def write_doc() -> str:
        return "written"

    CORS(app, origins=[ADMIN])
    client = app.test_client()
    assert preflight(client, "/doc", origin=PARTNER, method="PUT").headers[ACAO] == PARTNER
    assert ACAO not in preflight(client, "/doc", origin=PARTNER, method="GET").headers


def test_finding2_blueprint_views_are_told_apart_by_method() -> None:
    app = Flask(__name__)
    bp = Blueprint("reader", __name__)

    @bp.route("/item", methods=["GET"])
    def read_item() -> str:
        return "item"

    @app.route("/item", methods=["DELETE"])
    def delete_item() -> str:
        return "deleted"

    CORS(bp, origins=[PARTNER], supports_credentials=True)
    app.register_blueprint(bp)
    CORS(app, origins=[ADMIN], supports_credentials=True)
    client = app.test_client()
    assert ACAO not in preflight(client, "/item", origin=PARTNER, method="DELETE").headers
    assert preflight(client, "/item", origin=ADMIN, method="DELETE").headers[ACAO] == ADMIN
    assert preflight(client, "/item", origin=PARTNER, method="GET").headers[ACAO] == PARTNER


def test_finding2_lower_case_method_finds_its_view() -> None:
    # fetch(url, {method: "patch"}) asks for "patch"; Werkzeug routes it to the PATCH view.
    app = Flask(__name__)

    @app.route("/p", methods=["GET"])
    def read() -> str:
        return "r"

    @app.route("/p", methods=["PATCH"])
    @cross_origin(origins=[PARTNER])
    def patch() -> str:
        return "p"

    # Werkzeug routes the OPTIONS to read(), whose route is first: only the app-wide hook,
    # which runs before routing picks a view, can hand it to patch()'s decorator.
    CORS(app, resources={})
    answer = preflight(app.test_client(), "/p", origin=PARTNER, method="patch")
    assert answer.headers[ACAO] == PARTNER
    assert "patch" in answer.headers[ACAM].split(", ")


# -- finding 4 and the tightenings -----------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [r"https://[\w.-]+", r"https?://[a-z0-9.-]+", r"https://.+\.[a-z]+", re.compile(r"https://[^:/]+")],
)
def test_finding4_broad_regex_with_credentials_is_refused(pattern: object) -> None:
    with pytest.raises(CORSConfigError) as excinfo, warnings.catch_warnings():
        warnings.simplefilter("ignore", CORSConfigWarning)
        CORS(Flask(__name__), origins=[pattern], supports_credentials=True)
    assert [(p.code, p.option) for p in excinfo.value.problems] == [("corsx.E008", "origins")]
    from flask_corsx.checks import _UNRELATED_ORIGINS

    # It names a stranger's origin that the regex allows.
    assert any(repr(o) in str(excinfo.value) for o in _UNRELATED_ORIGINS)


def test_finding4_broad_regex_without_credentials_allows_what_it_matches_only() -> None:
    app = Flask(__name__)

    @app.route("/")
    def index() -> str:
        return "x"

    CORS(app, origins=[re.compile(r"https://[^:/]+")])
    client = app.test_client()
    assert get(client, "/", origin="https://any.example").headers[ACAO] == "https://any.example"
    assert ACAO not in get(client, "/", origin="http://any.example").headers


def test_finding4_anchored_regex_with_credentials_still_starts() -> None:
    app = Flask(__name__)
    CORS(app, origins=[re.compile(r"https://[a-z0-9-]+\.example\.com")], supports_credentials=True)


def test_null_origin_with_credentials_needs_the_explicit_opt_in() -> None:
    with pytest.raises(CORSConfigError) as excinfo:
        CORS(Flask(__name__), origins=["null"], supports_credentials=True)
    assert excinfo.value.code == "corsx.E013"
    app = Flask(__name__)

    @app.route("/")
    def index() -> str:
        return "x"

    with pytest.warns(CORSConfigWarning, match="W004"):
        CORS(
            app,
            origins=["null"],
            supports_credentials=True,
            dangerously_allow_any_origin_with_credentials=True,
        )
    response = get(app.test_client(), "/", origin="null")
    assert (response.headers[ACAO], response.headers[ACAC]) == ("null", "true")


@pytest.mark.parametrize("suffix", ["github.io", "vercel.app", "co.uk"])
def test_public_suffix_wildcard_with_credentials_is_refused(suffix: str) -> None:
    with pytest.raises(CORSConfigError) as excinfo:
        CORS(Flask(__name__), origins=[f"https://*.{suffix}"], supports_credentials=True)
    assert excinfo.value.code == "corsx.E014"
    with pytest.warns(CORSConfigWarning, match="W010"):
        CORS(Flask(__name__), origins=[f"https://*.{suffix}"])


def test_cors_origins_none_from_an_unset_environment_variable_warns() -> None:
    app = Flask(__name__)
    app.config["CORS_ORIGINS"] = None
    with pytest.warns(CORSConfigWarning, match=r"CORS_ORIGINS=None.*W011"):
        CORS(app)


def test_user_regexes_never_see_origins_longer_than_a_real_one() -> None:
    app = Flask(__name__)

    @app.route("/")
    def index() -> str:
        return "x"

    CORS(app, origins=[re.compile(r"https://a+\.example")])
    client = app.test_client()
    real = "https://" + "a" * 200 + ".example"
    assert get(client, "/", origin=real).headers[ACAO] == real
    longer = "https://" + "a" * 400 + ".example"  # no browser sends a 253+ character host
    assert ACAO not in get(client, "/", origin=longer).headers


# -- found by the independent review of issues 9 and 10 ------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "code"),
    [
        (r"https://[a-z]+\.com", "corsx.E008"),  # letters only: every .com site
        (r"https://\w+\.\w+", "corsx.E008"),
        (r"https://(www.)?example\.com", "corsx.E015"),  # the dot inside the optional group
        (r"https://(www\.|app.)example\.com", "corsx.E015"),  # in the second alternative
        (r"https://.*\.github\.io", "corsx.E014"),  # a stranger's name under a public suffix
        (r"https://app\.example\.com|null", "corsx.E013"),  # null, through a regex
    ],
)
def test_review_credentialed_regex_holes_are_refused(pattern: str, code: str) -> None:
    with pytest.raises(CORSConfigError) as excinfo, warnings.catch_warnings():
        warnings.simplefilter("ignore", CORSConfigWarning)
        CORS(Flask(__name__), origins=[pattern], supports_credentials=True)
    assert [p.code for p in excinfo.value.problems] == [code]


@pytest.mark.parametrize(
    "host", ["s3.amazonaws.com", "eu.ngrok.io", "ngrok.app", "trycloudflare.com", "github.dev"]
)
def test_review_more_public_suffixes_with_credentials_are_refused(host: str) -> None:
    with pytest.raises(CORSConfigError) as excinfo:
        CORS(Flask(__name__), origins=[f"https://*.{host}"], supports_credentials=True)
    assert excinfo.value.code == "corsx.E014"


@pytest.mark.parametrize(
    "options",
    [
        {"origins": ["https://" + "(" * 600 + "a" + ")" * 600]},
        {"resources": {"/" + "(" * 600 + "v" + ")" * 600: {}}},
        {"origins": [re.compile(b"https://a")]},
        {"resources": {re.compile(b"/v"): {}}},
    ],
    ids=["deep-origin-regex", "deep-path-regex", "bytes-origin-regex", "bytes-path-regex"],
)
def test_review_odd_regexes_are_config_errors(options: dict[str, object]) -> None:
    with pytest.raises(CORSConfigError):
        CORS(Flask(__name__), **options)  # type: ignore[arg-type]


def test_review_odd_regex_from_config_never_500s_a_decorated_view() -> None:
    app = Flask(__name__)
    app.config["CORS_ORIGINS"] = [re.compile(b"https://a")]

    @app.route("/v")
    @cross_origin()
    def v() -> str:
        return "v"

    assert app.test_client().get("/v", headers={"Origin": EVIL}).status_code == 200


def test_review_backtracking_pattern_starts_quickly() -> None:
    import time

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CORSConfigWarning)
        CORS(Flask(__name__), origins=[r"https://([a-z-]+)+\.example\.com"])
    assert time.perf_counter() - start < 2  # the probes' labels are short (was ~38 s)


def test_review_config_warnings_inside_a_request_are_logged_not_raised() -> None:
    app = Flask(__name__)

    @app.route("/plain")
    def plain() -> str:
        return "p"

    @app.route("/d")
    @cross_origin(origins=["https://app.example.com"])
    def d() -> str:
        return "d"

    app.config["CORS_MAX_AGE"] = 100000  # W001, which only the first request can see
    CORS(app, resources={"/plain": {}}, max_age=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert app.test_client().get("/plain").status_code == 200
        assert app.test_client().get("/d", headers={"Origin": EVIL}).status_code == 200


def test_review_decorator_only_app_with_hooks_is_told_to_install_the_final_hook(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # flask-cors has the same gap; flask_corsx says how to close it (W020).
    app = Flask(__name__)

    @app.route("/d")
    @cross_origin()
    def d() -> str:
        return "d"

    @app.after_request
    def stray(response: Response) -> Response:
        response.headers[ACAC] = "true"
        return response

    with caplog.at_level("WARNING", logger="flask_corsx"):
        get(app.test_client(), "/d", origin=EVIL)
    assert "corsx.W020" in caplog.text and "CORS(app, resources={})" in caplog.text
