"""The browser tests skip without chromium/playwright, but fail under CI=true.

Plain unit tests of the harness's skip-or-fail rule (no browser needed, so
not marked `browser`).
"""

from __future__ import annotations

import pytest
from browser_harness import unavailable


@pytest.mark.parametrize("ci", ["true", "TRUE", "1"])
def test_fails_under_ci(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="CI=true forbids skipping") as info:
        unavailable("no chromium executable")
    assert "no chromium executable" in str(info.value)


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_skips_with_install_hint_outside_ci(monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception) as info:
        unavailable("cannot import playwright")
    message = str(info.value)
    assert "cannot import playwright" in message
    assert "apt-get install chromium" in message and "pip install playwright" in message
    assert "never run `playwright install`" in message
