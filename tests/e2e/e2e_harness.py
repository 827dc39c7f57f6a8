"""Real servers for the end-to-end tests and benchmarks: gunicorn, waitress, nginx, wrk.

Everything binds 127.0.0.1 on a free port and runs as a child process in its own process
group, so :meth:`ServerProcess.stop` can end it and everything it forked (gunicorn's workers,
nginx's worker and cache processes) without touching anyone else's processes.

* :func:`start_wsgi` serves an app factory (``module:function``, looked up with this directory
  and the repository root on ``sys.path``) under ``gunicorn-sync``, ``gunicorn-gthread`` or
  ``waitress``, on a socket the test binds first and hands over by file descriptor (no port
  race);
* :class:`Nginx` writes its own config, prefix and temp dirs under a tmp dir and runs
  Debian's nginx in the foreground (``daemon off``);
* :func:`require_tool` skips a test when a tool is missing, or fails it under ``CI=true``
  (the same rule as the browser tests).

Item ids such as FETCH-O4 refer to /work/shared/cors-reference.md.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SERVE = HERE / "serve.py"

WSGI_SERVERS = ("gunicorn-sync", "gunicorn-gthread", "waitress")

INSTALL_HINTS = {
    "nginx": "apt-get install nginx",
    "wrk": "apt-get install wrk",
    "gunicorn": 'pip install ".[e2e]" (gunicorn and waitress are in the test and e2e extras)',
    "waitress": 'pip install ".[e2e]" (gunicorn and waitress are in the test and e2e extras)',
}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    """Skip the calling test, or fail it under CI=true (CI must run the end-to-end tests)."""
    import pytest

    if in_ci():
        pytest.fail(f"e2e tests cannot run but CI=true forbids skipping them: {reason}",
                    pytrace=False)
    pytest.skip(f"e2e test skipped: {reason}")


def find_tool(name: str) -> str | None:
    """An executable on PATH or in /usr/sbin, /usr/bin (nginx lives in /usr/sbin)."""
    found = shutil.which(name)
    if found:
        return found
    for folder in ("/usr/sbin", "/usr/bin"):
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def require_tool(name: str) -> str:
    """The path of executable ``name`` (or the importable module, for gunicorn/waitress)."""
    if name in ("gunicorn", "waitress"):
        try:
            __import__(name)
        except ImportError as exc:
            unavailable(f"cannot import {name} ({exc!r}); {INSTALL_HINTS[name]}")
        return name
    path = find_tool(name)
    if path is None:
        unavailable(f"no {name} executable; {INSTALL_HINTS.get(name, '')}")
    assert path is not None
    return path


def require_server(kind: str) -> None:
    require_tool("waitress" if kind == "waitress" else "gunicorn")


# --------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------


def free_port() -> int:
    """A port that was free a moment ago (for nginx, which cannot take a socket from us)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s:\n{tail(log)}")


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


@dataclass
class ServerProcess:
    """A child process (and its process group) serving on 127.0.0.1:``port``."""

    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log: Path
    workdir: Path | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The group's live processes: the main one and its children (gunicorn workers)."""
        pgid = self.proc.pid
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                if os.getpgid(int(entry)) == pgid:
                    found.append(int(entry))
            except OSError:
                continue
        return sorted(found)

    def worker_pids(self) -> list[int]:
        """Processes of the group other than the main one (all of it for waitress)."""
        pids = [p for p in self.pids() if p != self.proc.pid]
        return pids or [self.proc.pid]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to the process group, SIGKILL after ``timeout`` seconds."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        # Stragglers of the group (a worker that outlived its master). While any member is
        # alive the group id cannot be reused, so this only ever reaches our own processes.
        if self.pids():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def start_wsgi(
    kind: str,
    app: str,
    *,
    env: Mapping[str, str] | None = None,
    workers: int = 2,
    threads: int = 4,
    timeout: float = 30.0,
    extra_args: Sequence[str] = (),
) -> ServerProcess:
    """Serve ``app`` (``module:factory``) under ``kind`` (one of :data:`WSGI_SERVERS`)."""
    if kind not in WSGI_SERVERS:
        raise ValueError(f"unknown server {kind!r}")
    workdir = Path(tempfile.mkdtemp(prefix=f"corsx-{kind}-"))
    log = workdir / "server.log"
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    port = int(sock.getsockname()[1])
    child_env = dict(os.environ)
    child_env.update(env or {})
    child_env["PYTHONPATH"] = os.pathsep.join(
        [str(HERE), str(ROOT), *filter(None, [child_env.get("PYTHONPATH")])]
    )
    child_env.setdefault("PYTHONHASHSEED", "0")
    cmd = [
        sys.executable, str(SERVE), "--server", kind, "--app", app, "--fd", str(sock.fileno()),
        "--workers", str(workers), "--threads", str(threads), *extra_args,
    ]
    try:
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, env=child_env,
                pass_fds=(sock.fileno(),), start_new_session=True, cwd=str(workdir),
            )
    finally:
        sock.close()  # the child has its own copy
    server = ServerProcess(kind, proc, port, log, workdir)
    try:
        wait_for_port(port, proc, timeout, log)
        # gunicorn's master listens before its workers have imported the app: ask until a
        # worker answers, so the first measured request does not pay for start-up.
        wait_http(server.base + "/__ready", proc, timeout, log)
        if kind.startswith("gunicorn"):
            wait_workers(server, workers, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def wait_workers(server: ServerProcess, workers: int, timeout: float) -> None:
    """Wait until gunicorn's master has forked all its workers (they start one by one)."""
    deadline = time.monotonic() + timeout
    while len(server.worker_pids()) < workers or server.worker_pids() == [server.proc.pid]:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{workers} workers did not start:\n{tail(server.log)}")
        time.sleep(0.05)
    # Each worker imports the app after the fork; give each a request to answer first.
    for _ in range(workers * 4):
        wait_http(server.base + "/__ready", server.proc, timeout, server.log)


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{tail(log)}")
        try:
            status, _, _ = request("GET", url, timeout=2)
            if status < 500:
                return
            last = status
        except OSError as exc:
            last = exc
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer after {timeout} s ({last!r}):\n{tail(log)}")


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------


def request(
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    timeout: float = 10.0,
) -> tuple[int, list[tuple[str, str]], bytes]:
    """One request on a fresh connection: status, raw header list (repeats kept), body."""
    parts = http.client.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path or "/", headers=dict(headers or {}))
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, resp.getheaders(), body
    finally:
        conn.close()


def header_values(headers: Sequence[tuple[str, str]], name: str) -> list[str]:
    lname = name.lower()
    return [v for k, v in headers if k.lower() == lname]


def single_header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    """The one value of ``name``; more than one is an error (FETCH-I6)."""
    values = header_values(headers, name)
    assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"
    return values[0] if values else None


def vary_lines(headers: Sequence[tuple[str, str]]) -> list[set[str]]:
    """Each Vary line as a set of lower-cased field names."""
    return [
        {part.strip().lower() for part in value.split(",") if part.strip()}
        for value in header_values(headers, "Vary")
    ]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ns(pids: Sequence[int]) -> int:
    """CPU time (user + system) the processes have used so far, all threads, in ns.

    From /proc/<pid>/stat, in clock ticks (10 ms): fine for runs of seconds.
    """
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        except (OSError, ValueError, IndexError):
            pass
    return total * 1_000_000_000 // CLOCK_TICKS


def rss_kib(pid: int) -> int:
    """VmRSS of ``pid`` in KiB (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# --------------------------------------------------------------------------
# nginx
# --------------------------------------------------------------------------

#: The caching proxy. Two servers: the *front* (what clients talk to) passes every request on
#: to the *cache hop*, turning a preflight (OPTIONS) into a GET marked with a header, because
#: nginx never caches OPTIONS; the cache hop caches GETs (so those marked preflights too) under
#: a key without Origin, honours Vary, and forwards to the app with the original method. This
#: is a CDN configured to cache preflights (FETCH-O4), built from stock nginx.
NGINX_CONF = """\
{user}
worker_processes 1;
daemon off;
master_process on;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    log_format cachelog '$server_port $request_method $request_uri o=$http_origin '
                        'acrh=$http_access_control_request_headers '
                        '$status $upstream_cache_status';
    access_log {prefix}/access.log cachelog;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy_temp;
    fastcgi_temp_path {prefix}/fastcgi_temp;
    uwsgi_temp_path {prefix}/uwsgi_temp;
    scgi_temp_path {prefix}/scgi_temp;
    proxy_cache_path {prefix}/cache levels=1:2 keys_zone=corsx:4m max_size=64m inactive=10m
                     use_temp_path=off;

    map $request_method $corsx_hop_method {{ OPTIONS GET; default $request_method; }}
    map $request_method $corsx_preflight {{ OPTIONS 1; default ""; }}
    map $http_x_corsx_preflight $corsx_upstream_method {{ 1 OPTIONS; default $request_method; }}

    server {{
        listen 127.0.0.1:{front_port};
        location / {{
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_method $corsx_hop_method;
            proxy_set_header X-Corsx-Preflight $corsx_preflight;
            proxy_pass http://127.0.0.1:{cache_port};
        }}
    }}

    server {{
        listen 127.0.0.1:{cache_port};
        location / {{
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache corsx;
            # The key leaves Origin and the Access-Control-Request-* headers out, as a CDN's
            # default key does: only Vary can keep their answers apart.
            proxy_cache_key "$request_method $request_uri pf=$http_x_corsx_preflight";
            proxy_cache_methods GET HEAD;
            # Preflights carry no Cache-Control; a CDN that caches them keeps them anyway.
            proxy_cache_valid 200 204 10m;
            proxy_cache_lock on;
            proxy_method $corsx_upstream_method;
            proxy_set_header X-Corsx-Preflight "";
            add_header X-Cache-Status $upstream_cache_status always;
            proxy_pass http://127.0.0.1:{app_port};
        }}
    }}
}}
"""


@dataclass
class Nginx:
    """Debian's nginx as a caching proxy in front of ``app_port``; see :data:`NGINX_CONF`."""

    server: ServerProcess
    prefix: Path
    cache_port: int

    @property
    def base(self) -> str:
        return self.server.base

    def access_log(self) -> str:
        return (self.prefix / "access.log").read_text(errors="replace")

    def stop(self) -> None:
        # SIGTERM is nginx's fast shutdown; the group kill in stop() catches the worker too.
        self.server.stop()


@dataclass
class Proxied:
    """An app server with nginx in front of it."""

    app: ServerProcess
    proxy: Nginx

    @property
    def base(self) -> str:
        """Where clients go: nginx's front server."""
        return self.proxy.base


def start_nginx(app_port: int, *, attempts: int = 5, timeout: float = 15.0) -> Nginx:
    executable = require_tool("nginx")
    last_error: Exception | None = None
    for _ in range(attempts):
        prefix = Path(tempfile.mkdtemp(prefix="corsx-nginx-"))
        front, hop = free_port(), free_port()
        while hop == front:
            hop = free_port()
        # As root, nginx's workers would switch to nobody, who cannot write to our temp dirs.
        user = "user root root;" if os.geteuid() == 0 else ""
        conf = prefix / "nginx.conf"
        conf.write_text(NGINX_CONF.format(
            user=user, prefix=prefix, front_port=front, cache_port=hop, app_port=app_port
        ))
        log = prefix / "stderr.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [executable, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=str(prefix),
            )
        server = ServerProcess("nginx", proc, front, log, prefix)
        try:
            wait_for_port(front, proc, timeout, prefix / "error.log")
            wait_for_port(hop, proc, timeout, prefix / "error.log")
            return Nginx(server, prefix, hop)
        except RuntimeError as exc:  # most likely a port taken in between: try other ports
            last_error = exc
            server.stop()
    raise RuntimeError(f"nginx did not start after {attempts} attempts: {last_error}")


@contextlib.contextmanager
def serving(kind: str, app: str, **kwargs: object) -> Iterator[ServerProcess]:
    server = start_wsgi(kind, app, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def nginx_in_front(app_port: int) -> Iterator[Nginx]:
    proxy = start_nginx(app_port)
    try:
        yield proxy
    finally:
        proxy.stop()
