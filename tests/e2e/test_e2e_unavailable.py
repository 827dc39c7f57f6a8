"""The e2e tests skip without nginx, wrk, gunicorn or waitress, but fail under CI=true.

Plain unit tests of the harness's skip-or-fail rule (no server needed, so not marked `e2e`).
"""

from __future__ import annotations

import pytest
from e2e_harness import require_tool, unavailable


@pytest.mark.parametrize("ci", ["true", "TRUE", "1"])
def test_fails_under_ci(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="CI=true forbids skipping") as info:
        unavailable("no nginx executable")
    assert "no nginx executable" in str(info.value)


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_skips_outside_ci(monkeypatch: pytest.MonkeyPatch, ci: str | None) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="no wrk executable"):
        unavailable("no wrk executable")


def test_a_missing_tool_is_reported_with_its_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr("e2e_harness.find_tool", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="apt-get install nginx"):
        require_tool("nginx")
