"""Many threads, one app: every response carries the headers for its own request's Origin.

A policy is shared, prebuilt state; per-request data must never leak between threads (the same
class of bug as rs/cors #198 and jub0bs/cors #14, shared header slices mutated per request).
Threads switch often (``sys.setswitchinterval``) to make interleavings likely. No timing claims.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask

from flask_corsx import CORS, cross_origin
from flask_corsx.defaults import ACAC, ACAH, ACAM, ACAO

THREADS = 8
REQUESTS = 200
ALLOWED = [f"https://app{i}.example.com" for i in range(50)]

#: Thread i's origin: six threads use listed origins, two use origins that are refused.
THREAD_ORIGINS = [
    *(ALLOWED[i] for i in (0, 7, 14, 21, 35, 49)),
    "https://evil.example.net",
    "https://app50.example.com",
]


@pytest.fixture(autouse=True)
def frequent_thread_switches() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


def make_app() -> Flask:
    app = Flask("corsx_concurrency")
    app.config["TESTING"] = True

    @app.route("/", methods=["GET", "POST", "PUT"])
    def index() -> str:
        return "index"

    @app.route("/<path:rest>", methods=["GET", "POST", "PUT"])
    def anything(rest: str) -> str:
        return rest

    return app


def vary_tokens(headers: Any) -> list[str]:
    return [t.strip().lower() for v in headers.getlist("Vary") for t in v.split(",") if t.strip()]


def hammer(check: Callable[[int, int], list[str]]) -> list[str]:
    """Run ``check(thread, iteration)`` REQUESTS times in each of THREADS threads at once."""
    barrier = threading.Barrier(THREADS)

    def worker(thread: int) -> list[str]:
        barrier.wait()
        problems: list[str] = []
        for iteration in range(REQUESTS):
            problems.extend(check(thread, iteration))
        return problems

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(worker, thread) for thread in range(THREADS)]
        return [problem for future in futures for problem in future.result()]


def test_exact_origin_list_with_credentials_under_threads() -> None:
    app = make_app()
    CORS(app, origins=ALLOWED, supports_credentials=True, allow_headers=["X-Custom"])
    clients = [app.test_client() for _ in range(THREADS)]
    seen = [0] * THREADS

    def check(thread: int, iteration: int) -> list[str]:
        origin = THREAD_ORIGINS[thread]
        allowed = origin in ALLOWED
        client = clients[thread]
        kind = iteration % 3
        if kind == 0:
            response = client.get("/", headers={"Origin": origin})
        elif kind == 1:
            response = client.post("/", headers={"Origin": origin})
        else:
            response = client.options(
                "/",
                headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": "PUT",
                    "Access-Control-Request-Headers": "x-custom",
                },
            )
        seen[thread] += 1
        got = (
            response.status_code,
            response.headers.getlist(ACAO),
            response.headers.getlist(ACAC),
            vary_tokens(response.headers),
        )
        vary = ["origin"]
        if kind == 2:
            vary += ["access-control-request-method", "access-control-request-headers"]
        want = (200, [origin] if allowed else [], ["true"] if allowed else [], vary)
        problems = [] if got == want else [f"thread {thread} #{iteration}: {got} != {want}"]
        if kind == 2 and allowed and response.headers.get(ACAH) != "x-custom":
            problems.append(f"thread {thread} #{iteration}: {response.headers.get(ACAH)!r}")
        if kind == 2 and allowed and "PUT" not in response.headers.get(ACAM, ""):
            problems.append(f"thread {thread} #{iteration}: {response.headers.get(ACAM)!r}")
        return problems

    assert hammer(check) == []
    assert seen == [REQUESTS] * THREADS


def test_pattern_policies_and_resource_rules_under_threads() -> None:
    # Wildcard and regex origins, and regex resource rules, go through bounded per-origin and
    # per-path caches; the decorator builds its policy lazily on the first requests, which race.
    app = make_app()

    @app.route("/decorated")
    @cross_origin(origins=["https://*.deco.example"], supports_credentials=True)
    def decorated() -> str:
        return "decorated"

    CORS(
        app,
        resources={
            r"/api/v[0-9]+/.*": {"origins": ["https://*.api.example"]},
            r"/files/*": {"origins": [re.compile(r"https://files-[0-9]+\.example")]},
            "/admin": {"origins": ["https://admin.example"], "supports_credentials": True},
        },
    )
    # (path, origin, allowed, credentials), one scenario per thread.
    scenarios = [
        ("/api/v1/items", "https://t0.api.example", True, False),
        ("/api/v2/items/9", "https://a.b.api.example", True, False),
        ("/api/v1/items", "https://api.example", False, False),
        ("/files/report.pdf", "https://files-42.example", True, False),
        ("/files/report.pdf", "https://files-42.example.evil", False, False),
        ("/admin", "https://admin.example", True, True),
        ("/decorated", "https://x.deco.example", True, True),
        ("/decorated", "https://t0.api.example", False, True),
    ]
    clients = [app.test_client() for _ in range(THREADS)]

    def check(thread: int, iteration: int) -> list[str]:
        path, base_origin, allowed, credentials = scenarios[thread]
        # Vary the host a little so the caches see many keys, some shared between threads.
        origin = base_origin.replace("t0.", f"t{iteration % 5}.")
        response = clients[thread].get(path, headers={"Origin": origin})
        got = (
            response.status_code,
            response.headers.getlist(ACAO),
            response.headers.getlist(ACAC),
            "origin" in vary_tokens(response.headers),
        )
        want = (
            200,
            [origin] if allowed else [],
            ["true"] if allowed and credentials else [],
            True,
        )
        return [] if got == want else [f"thread {thread} #{iteration}: {got} != {want}"]

    assert hammer(check) == []


def test_one_cors_object_on_several_apps_under_threads() -> None:
    # Nothing lives on the CORS object, so two apps configured from one object never mix.
    cors = CORS(supports_credentials=True)
    apps = [make_app(), make_app()]
    cors.init_app(apps[0], origins=ALLOWED[:25])
    cors.init_app(apps[1], origins=ALLOWED[25:])
    clients = [apps[thread % 2].test_client() for thread in range(THREADS)]

    def check(thread: int, iteration: int) -> list[str]:
        origin = ALLOWED[(thread * 7 + iteration) % 50]
        allowed = (origin in ALLOWED[:25]) == (thread % 2 == 0)
        response = clients[thread].get("/", headers={"Origin": origin})
        got = response.headers.getlist(ACAO)
        want = [origin] if allowed else []
        return [] if got == want else [f"thread {thread} #{iteration}: {got} != {want}"]

    assert hammer(check) == []
