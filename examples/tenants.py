"""Dynamic origins from a tenant table (SQLite), with the cache and its invalidation.

The API's ``origins`` is a function that looks the request's ``Origin`` up in a ``tenants``
table: no row, refused; a row, allowed, with ``PUT`` only when the row says the tenant may
write. flask_corsx keeps each answer for ``origins_cache_ttl`` seconds (300 here), so the table
is queried once per origin per five minutes, not on every request.

The page plays a tenant's site, and its own server plays the admin console: it edits the table
through the API's ``/admin/*`` routes, server to server (those routes have no CORS at all).
Adding a row without invalidating shows the cache at work (the refusal is still cached);
``invalidate_origins(api)`` makes the change take effect at once. Saving a row through the
admin console's "save" does both, which is how an app should do it.
"""

from __future__ import annotations

import json
import sqlite3
import threading

from flask import Flask, Response, abort, jsonify, request

from examples.kit import ApiCaller, Example, Page, Scenario, Site
from flask_corsx import CORS, explain, invalidate_origins

#: Seconds each process keeps an answer of the table.
CACHE_TTL = 300


def create_api(site: Site) -> Flask:
    api = Flask("tenants_api")
    db = sqlite3.connect(":memory:", check_same_thread=False)
    lock = threading.Lock()  # one connection, shared by the server's threads
    db.execute("CREATE TABLE tenants (origin TEXT PRIMARY KEY, may_write INTEGER NOT NULL)")
    queries: list[str] = []

    def tenant_origin(origin: str) -> dict[str, object] | None:
        """The CORS rule of the tenant at ``origin``, or None for no tenant."""
        with lock:
            queries.append(origin)
            row = db.execute("SELECT may_write FROM tenants WHERE origin = ?", (origin,)).fetchone()
        if row is None:
            return None
        return {"methods": ["GET", "PUT"] if row[0] else ["GET"]}

    CORS(
        api,
        resources={r"/api/*": {}},
        origins=tenant_origin,
        origins_cache_ttl=CACHE_TTL,
        allow_headers=["Content-Type"],
    )

    @api.get("/api/data")
    def data() -> Response:
        response = jsonify(message="Hello, tenant")
        response.headers["Cache-Control"] = "no-store"
        return response

    @api.put("/api/data")
    def update() -> Response:
        return jsonify(saved=request.get_json(silent=True))

    # The admin routes: server to server only (no CORS: resources covers /api/* alone). The
    # tenant they edit is the example's page, under both of its host names.
    tenant = site.page_origins(0)

    @api.post("/admin/tenants")
    def save_tenant() -> Response:
        row = request.get_json(force=True)
        with lock:
            db.executemany(
                "INSERT OR REPLACE INTO tenants VALUES (?, ?)",
                [(origin, int(bool(row.get("may_write")))) for origin in tenant],
            )
        if row.get("invalidate"):
            for origin in tenant:
                invalidate_origins(api, origin)
        return jsonify(saved=tenant, invalidated=bool(row.get("invalidate")))

    @api.delete("/admin/tenants")
    def delete_tenant() -> Response:
        with lock:
            db.executemany("DELETE FROM tenants WHERE origin = ?", [(o,) for o in tenant])
        for origin in tenant:
            invalidate_origins(api, origin)
        return jsonify(deleted=tenant, invalidated=True)

    @api.post("/admin/invalidate")
    def invalidate() -> Response:
        return jsonify(caches_cleared=invalidate_origins(api))

    @api.get("/admin/status")
    def status() -> Response:
        with lock:
            rows = db.execute("SELECT origin, may_write FROM tenants ORDER BY origin").fetchall()
        return jsonify(
            tenants=[{"origin": o, "may_write": bool(w)} for o, w in rows],
            table_queries=len(queries),
            cors=explain(api, tenant[0], "GET", "/api/data").origin_rule,
        )

    return api


def setup_admin(page: Flask, call_api: ApiCaller) -> None:
    """The page server's admin console: edits the API's tenant table, server to server."""

    def relay(method: str, path: str, body: dict[str, object] | None = None) -> Response:
        data = None if body is None else json.dumps(body).encode()
        headers = {} if body is None else {"Content-Type": "application/json"}
        answer = call_api(method, path, headers, data)
        if answer.status != 200:
            abort(502)
        return jsonify(answer.json())

    @page.post("/admin/add")
    def add() -> Response:
        return relay("POST", "/admin/tenants", {"may_write": False})

    @page.post("/admin/save-writer")
    def save_writer() -> Response:
        return relay("POST", "/admin/tenants", {"may_write": True, "invalidate": True})

    @page.post("/admin/remove")
    def remove() -> Response:
        return relay("DELETE", "/admin/tenants")

    @page.post("/admin/invalidate")
    def invalidate() -> Response:
        return relay("POST", "/admin/invalidate")

    @page.get("/admin/status")
    def status() -> Response:
        return relay("GET", "/admin/status")


def read(id: str, title: str, about: str, expect: str) -> Scenario:
    return Scenario(id=id, title=title, about=about, path="/api/data", expect=expect)


def admin(id: str, title: str, about: str, path: str, method: str = "POST") -> Scenario:
    return Scenario(
        id=id, title=title, about=about, method=method, path=path, target="page", status=200
    )


SCENARIOS = (
    read("read-unknown", "Read, before this site is a tenant",
         "The API asks the table about this origin: no row, so no Access-Control-Allow-Origin. "
         "The refusal is cached too, for 300 s.", "blocked"),
    admin("add", "Admin: add this site to the table",
          "The admin console inserts a row for this origin, server to server, and does not "
          "invalidate the cache.", "/admin/add"),
    read("read-cached", "Read again: still refused",
         "The API answers from its cache: the table is not asked again for 300 s, so the new "
         "row is not seen yet.", "blocked"),
    admin("status", "Admin: what does the API think?",
          "flask_corsx.explain() on the API names what the callable answered and how long the "
          "answer stays cached.", "/admin/status", method="GET"),
    admin("invalidate", "Admin: invalidate_origins(api)",
          "Forget every cached answer in this process. (With several worker processes each has "
          "its own cache; the others see the change within the TTL.)", "/admin/invalidate"),
    read("read-after", "Read again: allowed",
         "The table is asked again, finds the row, and this origin is reflected.", "allowed"),
    Scenario(
        id="write-refused",
        title="Write (PUT): refused, the row is read-only",
        about="The row says may_write = 0, so the callable answers {'methods': ['GET']} for "
        "this origin: the preflight lacks PUT.",
        method="PUT",
        path="/api/data",
        headers={"Content-Type": "application/json"},
        body={"note": "hello"},
        expect="blocked",
    ),
    admin("save-writer", "Admin: let this site write (save and invalidate)",
          "Updates the row and calls invalidate_origins(api, origin) in the same request: the "
          "way an app should change the table.", "/admin/save-writer"),
    Scenario(
        id="write",
        title="Write (PUT): allowed now",
        about="A fresh preflight (the refused one was not cached) gets PUT from the tenant's "
        "new rule.",
        method="PUT",
        path="/api/data",
        headers={"Content-Type": "application/json"},
        body={"note": "hello"},
        status=200,
    ),
    admin("remove", "Admin: remove this site",
          "Deletes the row and invalidates this origin's answer.", "/admin/remove"),
    read("read-removed", "Read: refused again", "No row, no access.", "blocked"),
)


EXAMPLE = Example(
    name="tenants",
    title="Dynamic origins from a tenant table, with the cache and invalidation",
    summary="origins=a function over a SQLite table: rows added and removed while the app "
    "runs, a cached refusal, invalidate_origins(), and a per-tenant rule that allows PUT.",
    create_api=create_api,
    pages=(
        Page(
            title="Tenants: allowed origins from a table",
            lead="The API is set up with <code>CORS(api, origins=tenant_origin, "
            "origins_cache_ttl=300)</code>, where <code>tenant_origin(origin)</code> looks the "
            "origin up in a SQLite table. This page is a tenant's site; its own server is the "
            "admin console that edits the table. The story runs once when the page loads; "
            "the buttons repeat single steps.",
            scenarios=SCENARIOS,
            setup=setup_admin,
        ),
    ),
)
