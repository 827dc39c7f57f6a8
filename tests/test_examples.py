"""The examples' APIs answer as their pages document, through Flask's test client (no browser).

Each page's calls are replayed in page order, as a browser at the page's origin sends them
(a preflight first where one is needed, cookies only with ``credentials: 'include'``), and
judged with flask_corsx.testing: a failure here points at the example's API, not at a browser.
The browser suite (tests/browser/test_browser_examples.py) runs the same pages for real.
Item ids refer to /work/shared/cors-reference.md.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any

import pytest
from flask import Flask

from flask_corsx.testing import cors_preflight, cors_verdict

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from examples import app as runner
from examples import cdn, cookies, registry, upload
from examples.kit import (
    Answer,
    ApiCaller,
    Example,
    Recorder,
    Running,
    Scenario,
    Site,
    create_index_app,
    create_page_app,
)


def site_for(example: Example) -> Site:
    return Site("127.0.0.1", 5001, (5000, 5002, 5003)[: len(example.pages)])


def caller(api: Flask) -> ApiCaller:
    """The page server's way to call the API, here through the test client."""
    client = api.test_client(use_cookies=False)

    def call(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Answer:
        response = client.open(path, method=method, headers=headers, data=body)
        return Answer(response.status_code, list(response.headers.items()), response.get_data())

    return call


class PageReplay:
    """A browser at one page's origin, replaying the page's calls against the test clients."""

    def __init__(self, example: Example, number: int = 0) -> None:
        self.site = site_for(example)
        self.api = example.create_api(self.site)
        self.page = example.pages[number]
        self.origin = self.site.page_origins(number)[0]
        page_app = create_page_app(
            example.name, self.page, self.site, Recorder(self.api), caller(self.api)
        )
        self.page_client = page_app.test_client()
        self.with_cookies = self.api.test_client()
        self.without_cookies = self.api.test_client(use_cookies=False)
        self.state: dict[str, str] = {}

    def fill(self, text: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: self.state.get(m.group(1), ""), text)

    def run(self, scenario_id: str) -> tuple[str, Any]:
        """Run one call: ("allowed" or "blocked", the response the script would get)."""
        s = self.page.scenario(scenario_id)
        headers = {name: self.fill(value) for name, value in s.headers.items()}
        path = self.fill(s.path)
        body = None if s.body is None else self.fill(
            s.body if isinstance(s.body, str) else json.dumps(s.body)
        )
        if s.target == "page":
            response = self.page_client.open(path, method=s.method, headers=headers, data=body)
            return self._done(s, "allowed", response)
        origin = s.origin or self.origin
        if s.preflighted():
            answer = cors_preflight(self.without_cookies, path, origin, s.method, headers=headers)
            if not cors_verdict(answer, origin, s.credentialed, s.method, headers).passes:
                return "blocked", answer
        client = self.with_cookies if s.credentialed else self.without_cookies
        response = client.open(
            path, method=s.method, headers={"Origin": origin, **headers}, data=body
        )
        outcome = "allowed" if cors_verdict(response, origin, s.credentialed).passes else "blocked"
        return self._done(s, outcome, response)

    def _done(self, s: Scenario, outcome: str, response: Any) -> tuple[str, Any]:
        if outcome == "allowed" and response.is_json:
            for key, field in s.save.items():
                if field in (response.get_json() or {}):
                    self.state[key] = response.get_json()[field]
        return outcome, response


def pages_of(example: Example) -> list[tuple[Example, int]]:
    return [(example, number) for number in range(len(example.pages))]


@pytest.mark.parametrize(
    ("example", "number"),
    [case for example in registry.load_all() for case in pages_of(example)],
    ids=lambda value: value.name if isinstance(value, Example) else f"page{value}",
)
def test_every_call_is_answered_as_documented(example: Example, number: int) -> None:
    """In page order (clicks included, in the order the page lists them), every call's verdict
    is the card's "expected" one, with its status where the card states one."""
    replay = PageReplay(example, number)
    for scenario in replay.page.scenarios:
        outcome, response = replay.run(scenario.id)
        assert outcome == scenario.expect, (scenario.id, response.headers)
        if scenario.status is not None and outcome == "allowed":
            assert response.status_code == scenario.status, (scenario.id, response.get_data())


def test_registry_lists_every_example_module() -> None:
    """A new example is one module plus one registry line; every module here is listed."""
    folder = os.path.dirname(registry.__file__)
    modules = {
        name[:-3]
        for name in os.listdir(folder)
        if name.endswith(".py") and name not in {"__init__.py", "__main__.py"}
    }
    assert modules - {"app", "kit", "registry"} == {n.replace("-", "_") for n in registry.NAMES}
    for example in registry.load_all():
        assert example.name in registry.NAMES and example.title and example.summary
        for page in example.pages:
            ids = [s.id for s in page.scenarios]
            assert len(ids) == len(set(ids)), ids


def test_cookies_shows_the_error_the_any_origin_form_raises() -> None:
    """FETCH-J5: CORS(app, supports_credentials=True) with no origins is E008 at start-up."""
    text = cookies.any_origin_error()
    assert text.startswith("CORSConfigError: ") and text.endswith("[corsx.E008]")


def test_cdn_answers_the_same_to_everyone() -> None:
    """FETCH-O1: one static answer ('*', no Vary: Origin) for any origin and none; preflights
    name the method and headers asked for, Authorization included (FETCH-C12), for 7200 s."""
    api = cdn.create_api(site_for(cdn.EXAMPLE))
    client = api.test_client()
    for headers in ({"Origin": "https://anyone.example"}, {}):
        response = client.get("/assets/app.js", headers=headers)
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Access-Control-Expose-Headers"] == "*"
        assert "Origin" not in response.headers.get("Vary", "")
    answer = cors_preflight(
        client, "/assets/app.js", "https://anyone.example", "PURGE", headers=["Authorization: x"]
    )
    assert answer.headers["Access-Control-Allow-Methods"] == "PURGE"
    assert answer.headers["Access-Control-Allow-Headers"] == "authorization"
    assert answer.headers["Access-Control-Max-Age"] == "7200" == str(cdn.CHROMIUM_MAX_AGE)
    warning = cdn.longer_max_age_warning()
    assert "[corsx.W001]" in warning and "7200" in warning


def cors_headers(response: Any) -> list[str]:
    return [name for name, _ in response.headers.items() if name.startswith("Access-Control-")]


def test_upload_internal_route_has_no_cors_and_needs_the_token() -> None:
    """The server-only route sends no CORS headers to anyone (FETCH-R1) and refuses calls
    without the token; an id works once, and its 410 is readable (FETCH-I8)."""
    api = upload.create_api(site_for(upload.EXAMPLE))
    client = api.test_client()
    origin = "http://127.0.0.1:5000"
    answer = cors_preflight(client, "/internal/uploads", origin, "POST", ["Authorization: x"])
    assert cors_headers(answer) == []
    assert client.post("/internal/uploads", headers={"Origin": origin}).status_code == 401
    created = client.post(
        "/internal/uploads", headers={"Authorization": f"Bearer {upload.API_TOKEN}"}
    )
    assert created.status_code == 201
    assert cors_headers(created) == []
    path = f"/uploads/{created.get_json()['upload_id']}"
    first = client.put(path, data=upload.CSV, headers={"Origin": "null"})
    assert first.status_code == 201 and cors_verdict(first, "null").passes  # any origin
    second = client.put(path, data=upload.CSV, headers={"Origin": origin})
    assert second.status_code == 410 and cors_verdict(second, origin).passes


def test_spa_writes_need_the_csrf_token() -> None:
    """Logged in, a write without X-CSRF-Token or with a wrong one is 403; with it, 201."""
    replay = PageReplay(registry.load("spa"))
    assert replay.run("login")[1].status_code == 200
    replay.state["csrf"] = "wrong"
    assert replay.run("note")[1].status_code == 403
    assert replay.run("me")[1].status_code == 200  # saves the right token again
    assert replay.run("note")[1].status_code == 201
    assert replay.run("note-without-csrf")[1].status_code == 403
    assert replay.run("logout")[1].status_code == 200
    assert replay.run("me")[1].status_code == 401


def test_the_index_lists_every_example_with_its_link_and_command() -> None:
    running = [Running(example, page_ports=[0] * len(example.pages), quiet=True)
               for example in registry.load_all()]
    try:
        html = create_index_app(running).test_client().get("/").get_data(as_text=True)
    finally:
        for item in running:
            item.close()
    for item in running:
        assert f'href="http://localhost:{item.site.page_ports[0]}/"' in html
        assert f"bash scripts/example.sh {item.example.name}</code>" in html


def test_command_line_ports() -> None:
    """One example takes --page-port/--api-port; the index places the examples itself."""
    args = runner.parse_args(["cdn", "--page-port", "8000", "--api-port", "8001"])
    assert (args.name, args.page_port, args.api_port) == ("cdn", 8000, 8001)
    assert runner.parse_args([]).api_port == 5001
    with pytest.raises(SystemExit):
        runner.parse_args(["--api-port", "8001"])
    with pytest.raises(SystemExit):
        runner.parse_args(["cdn", "--page-port", "8000", "--api-port", "8000"])


def test_page_lists_its_calls_in_the_page() -> None:
    example = registry.load("extension")
    replay = PageReplay(example)
    html = replay.page_client.get("/").get_data(as_text=True)
    config = json.loads(html.split("const CONFIG = ", 1)[1].split(";\n", 1)[0])
    assert [s["id"] for s in config["scenarios"]] == [s.id for s in replay.page.scenarios]
    assert config["apiPort"] == replay.site.api_port
