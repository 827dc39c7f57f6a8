"""Many apps in one process, as test suites build them: bounded memory, no crossed answers.

An app factory called a thousand times (one app per test, dropped after it) must leave nothing
behind once the apps are gone, and no app's policy or cached decision may ever answer another
app's request, even when a new app lands at the address of a dead one (``id()`` reuse) and
the process-wide memo is cleared under it by hostile Origins. FETCH-I3, FETCH-R1, FETCH-O2.
"""

from __future__ import annotations

import gc
import random
import tracemalloc
import weakref

from flask import Flask, got_request_exception

from flask_corsx import CORS
from flask_corsx.memo import MAX_ENTRIES, MEMO

SHARED = "https://shared.example"
APPS = 1000


def own_origin(i: int) -> str:
    return f"https://app{i}.example"


def build(i: int) -> Flask:
    """App ``i``: allows its own origin and the shared one, exposes ``X-App-<i>``; even apps
    send credentials, odd ones do not; every third one refuses the shared origin."""
    app = Flask("corsx_many")  # one import name, as `Flask(__name__)` in a factory
    app.config["TESTING"] = True

    @app.get("/x")
    def x() -> str:
        return "x"

    origins = [own_origin(i)] if i % 3 == 0 else [own_origin(i), SHARED]
    CORS(app, origins=origins, expose_headers=[f"X-App-{i}"], supports_credentials=i % 2 == 0)
    return app


def expected(i: int, origin: str) -> dict[str, str]:
    allowed = origin == own_origin(i) or (origin == SHARED and i % 3 != 0)
    if not allowed:
        return {}
    headers = {"Access-Control-Allow-Origin": origin, "Access-Control-Expose-Headers": f"X-App-{i}"}
    if i % 2 == 0:
        headers["Access-Control-Allow-Credentials"] = "true"
    return headers


def answer(app: Flask, origin: str) -> dict[str, str]:
    response = app.test_client().get("/x", headers={"Origin": origin})
    assert response.status_code == 200
    assert "Origin" in response.headers.get("Vary", ""), response.headers  # FETCH-O2
    return {k: v for k, v in response.headers.items() if k.startswith("Access-Control-")}


def test_a_thousand_live_apps_never_answer_for_each_other() -> None:
    apps = [build(i) for i in range(APPS)]
    rng = random.Random(14)
    checks = [(i, origin) for i in range(APPS)
              for origin in (own_origin(i), SHARED, own_origin((i + 1) % APPS))]
    rng.shuffle(checks)
    wrong = []
    for n, (i, origin) in enumerate(checks):
        if n % 500 == 0:
            # As a flood of hostile unique Origins would: fill the shared memo to the brim
            # (owner serial -1 is never given out), so the next decision clears it.
            for j in range(8):
                answer(apps[rng.randrange(APPS)], f"https://h{n}-{j}.evil.example")
            MEMO.update({(-1, f"filler-{n}-{j}"): None for j in range(MAX_ENTRIES - len(MEMO))})
        got = answer(apps[i], origin)
        if got != expected(i, origin):
            wrong.append((i, origin, got))
    assert not wrong, wrong[:10]


def test_an_app_factory_a_thousand_times_leaves_nothing_behind() -> None:
    """Build, use and drop an app, a thousand times: the apps are collected, the signal
    receivers do not pile up, and the heap does not grow (what tracemalloc sees, the memo set
    aside: it is bounded on its own and tested elsewhere). Each app also answers right,
    though it may sit at a dead app's address with that app's decisions still in the memo."""

    def one_app(i: int) -> weakref.ref[Flask]:
        app = build(i)
        for origin in (own_origin(i), SHARED, own_origin(i - 1)):
            got = answer(app, origin)
            assert got == expected(i, origin), (i, origin, got)
        return weakref.ref(app)

    for i in range(100):  # warm-up: Flask's and Werkzeug's own lazy caches
        one_app(i)
    MEMO.clear()
    gc.collect()
    receivers_before = len(got_request_exception.receivers)
    # Two halves, each measured on its own: a leak grows the heap in both, while a one-off
    # resize of a process-wide table (the interned strings, say, which pathlib fills) lands
    # in one half only. The smaller growth is the leak's.
    half = APPS // 2
    growths: list[tuple[int, str]] = []
    alive = 0
    tracemalloc.start(1)
    try:
        for start in (100, 100 + half):
            before = tracemalloc.take_snapshot()
            refs = [one_app(i) for i in range(start, start + half)]
            MEMO.clear()
            gc.collect()
            alive += sum(ref() is not None for ref in refs)
            del refs  # the weak references themselves are 80 bytes an app
            after = tracemalloc.take_snapshot()
            stats = after.compare_to(before, "lineno")
            top = "\n".join(map(str, stats[:8]))
            growths.append((sum(stat.size_diff for stat in stats), top))
    finally:
        tracemalloc.stop()
    grown, top = min(growths)
    receivers = len(got_request_exception.receivers) - receivers_before
    assert alive == 0, f"{alive} of {APPS} dropped apps are still alive"
    assert receivers <= 0, f"{receivers} got_request_exception receivers left by {APPS} apps"
    # Measured: about 13 kB for a thousand apps without a leak (import caches, interned
    # strings); the receiver left behind per app (main before 08e65bb) cost about 1 kB an app.
    assert grown < half * 64, f"{grown} bytes more after {half} apps came and went:\n{top}"
