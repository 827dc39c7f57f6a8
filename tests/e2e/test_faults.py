"""Faults under real servers: every response that reaches a client has its CORS headers.

The faults app (``e2e_apps.faults_app``: two allowed origins, credentials, one exposed header)
runs under gunicorn (sync and gthread workers) and waitress. A view that raises, an error
handler that raises, a before_request hook that aborts, a streaming response, clients that
hang up in the middle of a response, HEAD requests and an async view under concurrent load:
each response carries exactly the headers the policy says (FETCH-I3, I5, D1, O2; none on
refusals, FETCH-R1), no 500 comes from flask_corsx (no traceback in the server's log passes
through it), and the same workers keep serving to the end.
"""

from __future__ import annotations

import re
import socket
import struct
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest
from e2e_apps import EXPOSED, ORIGIN_A, ORIGIN_B, REFUSED
from e2e_harness import (
    WSGI_SERVERS,
    ServerProcess,
    header_values,
    require_server,
    start_wsgi,
    tail,
    vary_lines,
)
from e2e_harness import (
    request as send,
)

pytestmark = pytest.mark.e2e

REQUESTERS: tuple[str | None, ...] = (ORIGIN_A, ORIGIN_B, REFUSED, None)


@pytest.fixture(scope="module", params=WSGI_SERVERS)
def server(request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    kind: str = request.param
    require_server(kind)
    served = start_wsgi(kind, "e2e_apps:faults_app", workers=2, threads=4)
    served.extra["workers"] = served.worker_pids()
    try:
        yield served
        # The module's tests are done: the very same workers must still be there, and serve.
        assert served.alive(), tail(served.log)
        assert served.worker_pids() == served.extra["workers"], (
            f"workers were replaced: {served.extra['workers']} -> {served.worker_pids()}\n"
            + tail(served.log)
        )
        status, _, body = send("GET", served.base + "/ok", {"Origin": ORIGIN_A})
        assert (status, body) == (200, b"ok")
        assert_no_corsx_traceback(served)
    finally:
        served.stop()


def assert_no_corsx_traceback(server: ServerProcess) -> None:
    """No exception logged by the server passed through flask_corsx's code."""
    log = server.log.read_text(errors="replace")
    frames = re.findall(r'File "[^"]*/flask_corsx/[^"]*"', log)
    assert not frames, f"flask_corsx in a traceback:\n{tail(server.log, 80)}"


def cors_headers(headers: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in headers:
        if name.lower().startswith("access-control-"):
            found.setdefault(name.lower(), []).append(value)
    return found


def expected_cors(origin: str | None) -> dict[str, list[str]]:
    """Exactly the CORS headers the faults app's policy gives an actual response."""
    if origin not in (ORIGIN_A, ORIGIN_B):
        return {}  # FETCH-R1: nothing for refused origins or requests without Origin
    return {
        "access-control-allow-origin": [origin],  # FETCH-I3
        "access-control-allow-credentials": ["true"],  # FETCH-I5
        "access-control-expose-headers": [EXPOSED],  # FETCH-D1
    }


def assert_policy_headers(origin: str | None, status: int,
                          headers: Sequence[tuple[str, str]], what: str) -> None:
    assert cors_headers(headers) == expected_cors(origin), (what, status, headers)
    lines = vary_lines(headers)
    assert len(lines) == 1 and "origin" in lines[0], (what, header_values(headers, "Vary"))


def origin_headers(origin: str | None) -> dict[str, str]:
    return {} if origin is None else {"Origin": origin}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/raise", 500),  # the view raises
        ("/handler-raises", 500),  # the view raises, and so does its error handler
        ("/hook-abort", 401),  # a before_request hook aborts
        ("/no-such-route", 404),
        ("/ok", 200),
    ],
)
def test_errors_carry_exactly_the_policy_headers(server: ServerProcess, path: str,
                                                 status: int) -> None:
    for origin in REQUESTERS:
        got, headers, _ = send("GET", server.base + path, origin_headers(origin))
        assert got == status, (path, origin, got)
        assert_policy_headers(origin, got, headers, f"GET {path} from {origin}")


@pytest.mark.parametrize("path", ["/raise", "/handler-raises", "/hook-abort"])
def test_preflights_to_failing_views_are_answered(server: ServerProcess, path: str) -> None:
    """A preflight never reaches the view or the hooks (so nothing raises), FETCH-H1."""
    for origin in REQUESTERS:
        headers = {**origin_headers(origin), "Access-Control-Request-Method": "POST",
                   "Access-Control-Request-Headers": "content-type"}
        status, got, _ = send("OPTIONS", server.base + path, headers)
        assert status in (200, 204), (path, origin, status)
        acao = [v for k, v in got if k.lower() == "access-control-allow-origin"]
        assert acao == ([origin] if origin in (ORIGIN_A, ORIGIN_B) else []), (origin, got)


def test_streaming_response(server: ServerProcess) -> None:
    for origin in REQUESTERS:
        status, headers, body = send("GET", server.base + "/stream?chunks=50",
                                        origin_headers(origin))
        assert status == 200
        assert_policy_headers(origin, status, headers, "streamed GET")
        lines = body.splitlines()
        assert len(lines) == 50 and lines[-1].startswith(b"chunk 00049 "), len(lines)


@pytest.mark.parametrize("path", ["/ok", "/stream?chunks=5", "/raise", "/hook-abort"])
def test_head_requests(server: ServerProcess, path: str) -> None:
    for origin in REQUESTERS:
        status, headers, body = send("HEAD", server.base + path, origin_headers(origin))
        assert body == b""
        assert_policy_headers(origin, status, headers, f"HEAD {path}")


def hang_up_mid_response(port: int, path: str, origin: str, read: int) -> bytes:
    """Ask for ``path``, read about ``read`` bytes of the answer, then reset the connection."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {origin}\r\n\r\n".encode()
        )
        got = b""
        while len(got) < read:
            chunk = sock.recv(65536)
            if not chunk:
                break
            got += chunk
        # SO_LINGER 0: close with a RST, the rudest way a client can go.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return got
    finally:
        sock.close()


def test_clients_that_hang_up_mid_response(server: ServerProcess) -> None:
    """Twenty clients drop a slow stream and a 2 MB body half-way; the workers carry on."""
    for i in range(20):
        path = "/stream?chunks=400&delay=0.002" if i % 2 else "/big"
        head = hang_up_mid_response(server.port, path, ORIGIN_A, read=4096)
        assert head.startswith(b"HTTP/1.1 200"), head[:200]
        header_block = head.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        assert f"Access-Control-Allow-Origin: {ORIGIN_A}".lower() in header_block.lower()
    # Still serving, with the right headers, from both origins.
    for origin in (ORIGIN_A, ORIGIN_B, REFUSED):
        status, headers, body = send("GET", server.base + "/ok", origin_headers(origin))
        assert (status, body) == (200, b"ok")
        assert_policy_headers(origin, status, headers, "after the hang-ups")


def test_async_view_under_load(server: ServerProcess) -> None:
    """400 requests to an ``async def`` view from 16 threads, four requesters interleaved:
    each response is for its own Origin (FETCH-I3) and nothing fails."""

    def one(i: int) -> str | None:
        origin = REQUESTERS[i % len(REQUESTERS)]
        method = "POST" if i % 3 == 0 else "GET"
        status, headers, body = send(method, server.base + "/async", origin_headers(origin),
                                        timeout=30)
        if status != 200:
            return f"#{i} {method} from {origin}: status {status}"
        if cors_headers(headers) != expected_cors(origin):
            return f"#{i} {method} from {origin}: {cors_headers(headers)}"
        if f'"origin":{"null" if origin is None else chr(34) + origin + chr(34)}' not in (
            body.decode().replace(" ", "")
        ):
            return f"#{i} body {body!r}"
        return None

    with ThreadPoolExecutor(16) as pool:
        problems = [p for p in pool.map(one, range(400)) if p is not None]
    assert not problems, problems[:10]
