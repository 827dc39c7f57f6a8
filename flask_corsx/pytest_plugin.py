"""The pytest plugin (entry point ``pytest11``): a ``cors`` fixture for testing your app.

::

    def test_partner_reads_items(cors):
        response = cors.get("/api/items", origin="https://partner.example")
        cors.assert_allowed(response, "https://partner.example")

It uses pytest-flask's ``client`` fixture (or your own fixture named ``client``).
"""

from __future__ import annotations

from typing import Any

import pytest

from .explanation import Headers
from .testing import assert_cors_allowed, assert_cors_blocked, cors_preflight


class CORSTester:
    """The helpers of :mod:`flask_corsx.testing`, bound to one test client."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def preflight(
        self,
        path: str,
        origin: str,
        method: str,
        headers: Headers = (),
        private_network: bool = False,
    ) -> Any:
        """The preflight a browser would send (see :func:`~flask_corsx.testing.cors_preflight`)."""
        return cors_preflight(self.client, path, origin, method, headers, private_network)

    def get(self, path: str, origin: str, **kwargs: Any) -> Any:
        """A GET with ``Origin``, as a browser's ``fetch()`` sends it."""
        headers = {"Origin": origin, **kwargs.pop("headers", {})}
        return self.client.get(path, headers=headers, **kwargs)

    assert_allowed = staticmethod(assert_cors_allowed)
    assert_blocked = staticmethod(assert_cors_blocked)


@pytest.fixture
def cors(request: pytest.FixtureRequest) -> CORSTester:
    """CORS test helpers bound to the ``client`` fixture."""
    return CORSTester(request.getfixturevalue("client"))
