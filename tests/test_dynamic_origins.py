"""An ``origins`` callable (issue 12 item 3): database-backed allow-lists and tenant tables.

Item ids such as FETCH-O2 refer to the project's Fetch-standard checklist
(shared/cors-reference.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from helpers import get, make_app, preflight, vary_tokens

from flask_corsx import CORS, CORSConfigError, cross_origin, explain, invalidate_origins
from flask_corsx.explanation import governing
from flask_corsx.rules import FAILURE_TTL, DynamicOriginPolicy, DynamicOrigins

TENANT = "https://tenant-a.example.com"
OTHER = "https://tenant-b.example.com"
STRANGER = "https://stranger.example.net"


class Table:
    """A stand-in for a database table of allowed origins, counting its queries."""

    def __init__(self, rows: dict[str, Any]) -> None:
        self.rows = dict(rows)
        self.queries: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, origin: str) -> Any:
        with self.lock:
            self.queries.append(origin)
        return self.rows.get(origin)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def dynamic_of(app: Flask, path: str = "/") -> DynamicOrigins:
    _, policy = governing(app, "GET", path)
    assert isinstance(policy, DynamicOriginPolicy) and policy.dynamic is not None
    return policy.dynamic


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def table() -> Table:
    return Table({TENANT: True, OTHER: {"methods": ["GET", "PUT"], "supports_credentials": True}})


@pytest.fixture
def app(table: Table, clock: Clock) -> Iterator[Flask]:
    app = make_app()
    CORS(app, origins=table, methods=["GET"])
    dynamic_of(app).clock = clock
    yield app


def allowed(response: Any, origin: str) -> bool:
    return bool(response.headers.get("Access-Control-Allow-Origin") == origin)


def test_callable_allows_and_refuses(app: Flask) -> None:
    client = app.test_client()
    assert allowed(get(client, origin=TENANT), TENANT)
    refused = get(client, origin=STRANGER)
    assert refused.status_code == 200
    assert not [name for name, _ in refused.headers if name.startswith("Access-Control-")]


def test_answer_with_options_is_a_tenants_own_rule(app: Flask) -> None:
    """A tenant row holds that tenant's rule: here PUT and credentials."""
    client = app.test_client()
    answer = preflight(client, origin=OTHER, method="PUT")
    assert answer.headers["Access-Control-Allow-Methods"] == "GET, PUT"
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"
    # The plain True answer keeps the scope's options: GET only, no credentials.
    plain = preflight(client, origin=TENANT, method="PUT")
    assert "Access-Control-Allow-Methods" not in plain.headers
    assert "Access-Control-Allow-Credentials" not in get(client, origin=TENANT).headers


def test_vary_origin_on_every_response(app: Flask) -> None:
    """FETCH-O2: the answer depends on the Origin, always."""
    client = app.test_client()
    for response in (get(client, origin=TENANT), get(client, origin=STRANGER),
                     get(client, origin=None), preflight(client, origin=OTHER)):
        assert "origin" in vary_tokens(response)


def test_called_once_per_origin_per_ttl(app: Flask, table: Table, clock: Clock) -> None:
    client = app.test_client()
    for _ in range(5):
        get(client, origin=TENANT)
        preflight(client, origin=TENANT, method="GET")
        get(client, origin=STRANGER)  # refusals are remembered too
    assert table.queries == [TENANT, STRANGER]
    clock.now += 59
    get(client, origin=TENANT)
    assert table.queries == [TENANT, STRANGER]
    clock.now += 2  # past the default 60 s
    get(client, origin=TENANT)
    assert table.queries == [TENANT, STRANGER, TENANT]


def test_ttl_expiry_sees_a_changed_table(app: Flask, table: Table, clock: Clock) -> None:
    client = app.test_client()
    assert allowed(get(client, origin=TENANT), TENANT)
    del table.rows[TENANT]
    assert allowed(get(client, origin=TENANT), TENANT)  # still cached
    clock.now += 61
    assert not allowed(get(client, origin=TENANT), TENANT)


def test_ttl_option_and_config_key(table: Table, clock: Clock) -> None:
    app = make_app()
    app.config["CORS_ORIGINS_CACHE_TTL"] = 5
    CORS(app, origins=table)
    dynamic = dynamic_of(app)
    dynamic.clock = clock
    assert dynamic.ttl == 5
    client = app.test_client()
    get(client, origin=TENANT)
    clock.now += 6
    get(client, origin=TENANT)
    assert table.queries == [TENANT, TENANT]


def test_ttl_zero_asks_every_time(table: Table) -> None:
    app = make_app()
    CORS(app, origins=table, origins_cache_ttl=0)
    client = app.test_client()
    for _ in range(3):
        assert allowed(get(client, origin=TENANT), TENANT)
    assert table.queries == [TENANT] * 3


def test_invalidate_all_and_one(app: Flask, table: Table) -> None:
    client = app.test_client()
    get(client, origin=TENANT)
    get(client, origin=STRANGER)
    table.rows[STRANGER] = True
    assert not allowed(get(client, origin=STRANGER), STRANGER)
    assert invalidate_origins(app, STRANGER) == 1
    assert allowed(get(client, origin=STRANGER), STRANGER)
    assert table.queries == [TENANT, STRANGER, STRANGER]
    del table.rows[TENANT]
    with app.app_context():
        invalidate_origins()  # the current app
    assert not allowed(get(client, origin=TENANT), TENANT)


def test_cors_invalidate_and_decorator_caches(table: Table) -> None:
    app = Flask("deco")

    @app.route("/")
    @cross_origin(origins=table)
    def index() -> str:
        return "index"

    cors = CORS()
    client = app.test_client()
    get(client, origin=TENANT)
    del table.rows[TENANT]
    assert allowed(get(client, origin=TENANT), TENANT)
    assert cors.invalidate(app) == 1
    assert not allowed(get(client, origin=TENANT), TENANT)


def test_invalidate_without_flask_corsx_is_harmless() -> None:
    assert invalidate_origins(Flask("bare")) == 0


def test_exception_refuses_logs_once_and_recovers(
    caplog: pytest.LogCaptureFixture, clock: Clock
) -> None:
    calls: list[str] = []
    healthy = threading.Event()

    def flaky(origin: str) -> bool:
        calls.append(origin)
        if not healthy.is_set():
            raise ConnectionError("database is down")
        return True

    app = make_app()
    CORS(app, origins=flaky)
    dynamic_of(app).clock = clock
    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger="flask_corsx"):
        for _ in range(3):
            response = get(client, origin=TENANT)
            assert response.status_code == 200  # never a 500
            assert not allowed(response, TENANT)
        clock.now += FAILURE_TTL + 0.1
        get(client, origin=OTHER)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "database is down" in (errors[0].exc_text or "")
    assert "flaky" in errors[0].getMessage()
    assert calls == [TENANT, OTHER]  # the failure was kept for FAILURE_TTL, not 60 s
    healthy.set()
    clock.now += FAILURE_TTL + 0.1
    assert allowed(get(client, origin=TENANT), TENANT)


@pytest.mark.parametrize(
    "answer",
    ["yes", 1, ["GET"], {"methods": 5}, {"send_wildcard": True}, {"max_age": -1}],
    ids=["str", "int", "list", "bad-methods", "scope-option", "bad-max-age"],
)
def test_bad_answers_refuse_and_log(answer: Any, caplog: pytest.LogCaptureFixture) -> None:
    app = make_app()
    CORS(app, origins=lambda origin: answer)
    with caplog.at_level(logging.ERROR, logger="flask_corsx"):
        response = get(app.test_client(), origin=TENANT)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert [r.levelno for r in caplog.records] == [logging.ERROR]


def test_junk_origins_never_reach_the_callable(table: Table) -> None:
    app = make_app()
    CORS(app, origins=table)
    client = app.test_client()
    for junk in ("https://a.example.com\r\nX: y", "x" * 3000, "https://a.example.com, b"):
        client.get("/", environ_base={"HTTP_ORIGIN": junk})
    assert table.queries == []


def test_concurrent_first_requests_call_it_once() -> None:
    """Threads asking about the same new origin at once wait for one call."""
    started = threading.Event()
    release = threading.Event()
    calls: list[str] = []

    def slow(origin: str) -> bool:
        calls.append(origin)
        started.set()
        release.wait(5)
        return True

    app = make_app()
    CORS(app, origins=slow)
    results: list[bool] = []

    def worker() -> None:
        response = get(app.test_client(), origin=TENANT)
        results.append(allowed(response, TENANT))

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for thread in threads:
        thread.start()
    assert started.wait(5)
    time.sleep(0.05)  # let the others reach the wait
    release.set()
    for thread in threads:
        thread.join(5)
    assert calls == [TENANT]
    assert results == [True] * 12


def test_concurrent_origins_and_invalidations_stay_consistent() -> None:
    table = Table({f"https://t{i}.example.com": True for i in range(50)})
    app = make_app()
    CORS(app, origins=table, origins_cache_size=20)
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        client = app.test_client()
        try:
            for n in range(60):
                origin = f"https://t{(n + offset) % 50}.example.com"
                assert allowed(get(client, origin=origin), origin)
                if n % 17 == 0:
                    invalidate_origins(app)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k * 7,)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(dynamic_of(app)._entries) <= 20


def test_cache_is_bounded(table: Table) -> None:
    app = make_app()
    CORS(app, origins=table, origins_cache_size=100)
    client = app.test_client()
    for n in range(1000):
        get(client, origin=f"https://h{n}.example.com")
    assert len(dynamic_of(app)._entries) <= 100
    get(client, origin=TENANT)
    assert allowed(get(client, origin=TENANT), TENANT)


def test_each_app_has_its_own_cache(table: Table) -> None:
    apps = [make_app() for _ in range(2)]
    for app in apps:
        CORS(app, origins=table)
    for app in apps:
        get(app.test_client(), origin=TENANT)
    assert table.queries == [TENANT, TENANT]
    assert dynamic_of(apps[0]) is not dynamic_of(apps[1])


def test_credentials_at_scope_are_the_callables_to_give() -> None:
    """The callable saw the exact origin: credentials with it are not the any-origin hole."""
    app = make_app()
    CORS(app, origins=lambda origin: origin == TENANT, supports_credentials=True)
    client = app.test_client()
    answer = get(client, origin=TENANT)
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Access-Control-Allow-Origin" not in get(client, origin=STRANGER).headers


def test_invalid_scope_options_still_fail_at_start_up(table: Table) -> None:
    with pytest.raises(CORSConfigError, match=r"corsx\.E007"):
        CORS(make_app(), origins=table, max_age=-1)


def test_explain_says_what_the_callable_answered(app: Flask, clock: Clock) -> None:
    refused = explain(app, STRANGER, "GET", "/")
    assert refused.origin_rule is not None
    assert refused.origin_rule.startswith(f"the origins callable Table refused {STRANGER!r}")
    assert "invalidate_origins" in refused.fixes[0]
    tenant = explain(app, OTHER, "PUT", "/", credentials=True)
    assert tenant.allowed
    assert tenant.origin_rule is not None
    assert "allowed, with options of its own," in tenant.origin_rule
    assert ("methods", ["GET", "PUT"], "origins callable") in tenant.options


def test_cli_routes_summary(app: Flask) -> None:
    from flask_corsx.cli import summarize

    _, policy = governing(app, "GET", "/")
    assert summarize(policy).startswith("origins=callable Table (answers kept 60 s, at most 10000)")


def test_invalidation_during_a_call_is_not_lost() -> None:
    """The table changes (and the cache is invalidated) while the callable is still answering
    from the old table: that answer is never stored, and the next request asks again."""
    rows = {TENANT: True}
    entered = threading.Event()
    release = threading.Event()
    calls: list[str] = []

    def lookup(origin: str) -> Any:
        answer = rows.get(origin)  # read before the change...
        calls.append(origin)
        if len(calls) == 1:
            entered.set()
            release.wait(5)  # ...and answer after it
        return answer

    app = make_app()
    CORS(app, origins=lookup, origins_cache_ttl=3600)
    first: list[bool] = []
    thread = threading.Thread(
        target=lambda: first.append(allowed(get(app.test_client(), origin=TENANT), TENANT))
    )
    thread.start()
    assert entered.wait(5)
    del rows[TENANT]
    assert invalidate_origins(app) == 1
    release.set()
    thread.join(5)
    assert first == [True]  # it began before the change
    client = app.test_client()
    assert not allowed(get(client, origin=TENANT), TENANT)
    assert not allowed(get(client, origin=TENANT), TENANT)
    assert calls == [TENANT, TENANT]  # asked again once, then cached
