"""The browser tests skip when an engine cannot run here, but fail under CI=true.

Plain unit tests of the harness's skip-or-fail rule, per engine (no browser
needed, so not marked `browser`).
"""

from __future__ import annotations

import pytest
from browser_harness import ENGINES, Engine, EngineUnavailable, start_engine, unavailable

HINTS = {
    "chromium": "apt-get install chromium",
    "firefox": "apt-get install firefox-esr",
    "webkit": "apt-get install webkit2gtk-driver xvfb",
}


class MissingEngine(Engine):
    """An engine whose browser is not installed."""

    blocked_message = "n/a"

    def __init__(self, name: str) -> None:
        self.name = name
        self.install_hint = f"install {name} ({HINTS[name]})"
        self.closed = False

    def start(self) -> None:
        raise EngineUnavailable(f"no {self.name} executable")

    def new_session(self, origins):  # pragma: no cover - never reached
        raise AssertionError("not started")

    def close(self) -> None:  # pragma: no cover - never reached
        self.closed = True


def in_ci(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("ci", ["true", "TRUE", "1"])
def test_fails_under_ci(monkeypatch, ci, name):
    in_ci(monkeypatch, ci)
    with pytest.raises(pytest.fail.Exception, match="CI=true forbids skipping") as info:
        start_engine(name, loader=MissingEngine)
    message = str(info.value)
    assert message.startswith(f"{name} browser tests cannot run")
    assert f"no {name} executable" in message and HINTS[name] in message


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("ci", [None, "", "false"])
def test_skips_with_install_hint_outside_ci(monkeypatch, ci, name):
    in_ci(monkeypatch, ci)
    with pytest.raises(pytest.skip.Exception) as info:
        start_engine(name, loader=MissingEngine)
    message = str(info.value)
    assert message.startswith(f"{name} browser tests skipped")
    assert f"no {name} executable" in message and HINTS[name] in message


@pytest.mark.parametrize("ci", [None, "true"])
def test_missing_driver_package(monkeypatch, ci):
    """A driver module that cannot be imported (Playwright or Selenium missing)
    is "cannot run" as well: skipped outside CI, a failure in CI."""
    in_ci(monkeypatch, ci)

    def loader(name):
        raise ImportError("No module named 'selenium'")

    expected = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(expected, match=r"webkit browser tests .*No module named 'selenium'"):
        start_engine("webkit", loader=loader)


@pytest.mark.parametrize("name", ENGINES)
def test_real_install_hints(name):
    """Each engine's own hint names its apt packages and never suggests
    `playwright install` (the suite drives the system browsers)."""
    import importlib

    hint = importlib.import_module(f"engine_{name}").ENGINE.install_hint
    assert HINTS[name] in hint and "pip install" in hint
    assert "never run `playwright install`" in hint or name == "webkit"


def test_unavailable_names_the_engine(monkeypatch):
    in_ci(monkeypatch, None)
    with pytest.raises(pytest.skip.Exception, match=r"^firefox browser tests skipped: x; y$"):
        unavailable("firefox", "x", "y")
