"""Fixtures for the end-to-end tests: real WSGI servers, nginx in front (see e2e_harness.py).

* ``proxied``  module, per server kind: the proxy app under gunicorn or waitress, with nginx
  (caching, honouring Vary) in front; a :class:`Proxied` with both base URLs.

Without nginx, wrk, gunicorn or waitress the tests skip; under ``CI=true`` they fail instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # so test modules can import e2e_harness

from e2e_harness import Proxied, require_server, start_nginx, start_wsgi


@pytest.fixture(scope="module", params=["gunicorn-gthread", "waitress"])
def proxied(request: pytest.FixtureRequest) -> Iterator[Proxied]:
    kind: str = request.param
    require_server(kind)
    app = start_wsgi(kind, "e2e_apps:proxy_app", workers=2, threads=4)
    try:
        proxy = start_nginx(app.port)
        try:
            yield Proxied(app, proxy)
        finally:
            proxy.stop()
    finally:
        app.stop()
