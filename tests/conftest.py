"""Shared fixtures. pytest-flask provides ``client`` from the ``app`` fixture below."""

from __future__ import annotations

import pytest
from flask import Flask
from helpers import make_app


@pytest.fixture
def app() -> Flask:
    return make_app()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--engine",
        action="append",
        choices=("chromium", "firefox", "webkit"),
        help="run the browser tests in this engine only (repeat for several; default: all three)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Playwright's sync API keeps an asyncio loop running in the main thread for as long as the
    # session-wide browser lives, and asgiref refuses to run async views from a thread with a
    # running loop. Run the browser tests last, so the in-process async tests come first.
    # The sort is stable, so the browser tests stay grouped by engine (one start each).
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
