"""See CORS work in your browser: each example is a page on one origin calling an API on another.

Run ``bash scripts/example.sh`` (which makes a virtualenv first), or in an environment that has
flask_corsx installed::

    python examples/app.py                 # every example, behind an index page on port 5000
    python examples/app.py cdn             # one example: page on 5000, API on 5001
    python examples/app.py cdn --page-port 8000 --api-port 8001

With no name, the index page (http://127.0.0.1:5000/) lists every example and all of them run
at once: example number N (in ``examples/registry.py`` order) on ports 5000 + 10 N and up. The
ports can also be set with the ``CORSX_PAGE_PORT`` and ``CORSX_API_PORT`` environment
variables. Stop with Ctrl-C. ``examples/README.md`` says what each example shows.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the examples package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import make_server

from examples import registry
from examples.kit import HOST, Running, create_index_app

#: In index mode, example number N (from 1) takes the ports from page port + SPACING * N.
SPACING = 10


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="See CORS work in your browser.")
    parser.add_argument(
        "name",
        nargs="?",
        choices=registry.NAMES,
        metavar="NAME",
        help=f"the example to run ({', '.join(registry.NAMES)}); none: all, behind an index",
    )
    parser.add_argument(
        "--page-port",
        type=int,
        default=int(os.environ.get("CORSX_PAGE_PORT", "5000")),
        help="port of the page server, or of the index (default 5000, or $CORSX_PAGE_PORT)",
    )
    parser.add_argument(
        "--api-port",
        type=int,
        default=None,
        help="port of the API server, one example only (default: page port + 1, or "
        "$CORSX_API_PORT)",
    )
    args = parser.parse_args(argv)
    if args.api_port is not None and args.name is None:
        parser.error("--api-port needs an example NAME; the index places every example itself")
    if args.api_port is None:
        args.api_port = int(os.environ.get("CORSX_API_PORT", args.page_port + 1))
    if args.page_port == args.api_port:
        parser.error(
            "the page and the API need different ports: that is what makes them different origins"
        )
    return args


def start_one(name: str, page_port: int, api_port: int) -> Running:
    """One example; extra page servers (an example with two page origins) follow the API."""
    example = registry.load(name)
    first_extra = max(page_port, api_port) + 1
    extras = [first_extra + n for n in range(len(example.pages) - 1)]
    return Running(example, host=HOST, api_port=api_port, page_ports=[page_port, *extras])


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # make_server exits with a clear message when a port is taken.
    if args.name is not None:
        running = [start_one(args.name, args.page_port, args.api_port)]
        item = running[0]
        print(f"{item.example.name}: {item.example.title}")
        print(f"API server:  {item.site.api_url}")
        for number in range(len(item.site.page_ports)):
            print(f"Page server: {item.site.page_url(number)}")
        entry = item.site.page_url()
        index = None
    else:
        running = []
        for number, name in enumerate(registry.NAMES, start=1):
            base = args.page_port + SPACING * number
            running.append(start_one(name, base, base + 1))
            print(f"{name:<10} {running[-1].site.page_url()}")
        index = make_server(HOST, args.page_port, create_index_app(running), threaded=True)
        entry = f"http://{HOST}:{args.page_port}/"
    print()
    print(f"Open {entry} in your browser. Press Ctrl-C to stop.", flush=True)
    if index is not None:
        threading.Thread(target=index.serve_forever, name="examples-index", daemon=True).start()
    # Stop on SIGTERM (e.g. `kill`) as on Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while all(item.alive() for item in running):
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nStopping.", flush=True)
    finally:
        if index is not None:
            index.shutdown()
            index.server_close()
        for item in running:
            item.close()


if __name__ == "__main__":
    main()
