"""Serve an app factory under a real WSGI server, on a listening socket inherited by fd.

    python serve.py --server gunicorn-sync|gunicorn-gthread|waitress --app module:factory --fd N

Started by :func:`e2e_harness.start_wsgi` (tests) and the benchmarks, never by hand. Taking the
socket by file descriptor means the parent bound 127.0.0.1:0 itself, so there is no race for
a port. The app factory is called once per worker (after gunicorn's fork), with no arguments.
"""

from __future__ import annotations

import argparse
import importlib
import socket
from typing import Any, Callable


def load(spec: str) -> Callable[[], Any]:
    module_name, _, name = spec.partition(":")
    factory: Callable[[], Any] = getattr(importlib.import_module(module_name), name or "create_app")
    return factory


def serve_gunicorn(args: argparse.Namespace) -> None:
    from gunicorn.app.base import BaseApplication

    factory = load(args.app)

    class Application(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings = {
                "bind": [f"fd://{args.fd}"],
                "workers": args.workers,
                "worker_class": "gthread" if args.server == "gunicorn-gthread" else "sync",
                "threads": args.threads if args.server == "gunicorn-gthread" else 1,
                "backlog": 1024,
                "keepalive": 5,
                "timeout": 60,
                "graceful_timeout": 3,
                "accesslog": None,
                "errorlog": "-",
                "loglevel": "warning",
                "preload_app": False,
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return factory()

    Application().run()


def serve_waitress(args: argparse.Namespace) -> None:
    import waitress

    sock = socket.socket(fileno=args.fd)
    waitress.serve(
        load(args.app)(),
        sockets=[sock],
        threads=args.threads,
        backlog=1024,
        connection_limit=1000,
        channel_timeout=30,
        ident="waitress",
        _quiet=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", required=True,
                        choices=["gunicorn-sync", "gunicorn-gthread", "waitress"])
    parser.add_argument("--app", required=True)
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    if args.server == "waitress":
        serve_waitress(args)
    else:
        serve_gunicorn(args)


if __name__ == "__main__":
    main()
