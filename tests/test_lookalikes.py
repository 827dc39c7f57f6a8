"""The look-alike origins named by the sloppy-pattern warning (W014) and error (E015)."""

from __future__ import annotations

import re

import pytest

from flask_corsx.lookalikes import find_lookalike
from flask_corsx.origins import wildcard_form


@pytest.mark.parametrize(
    ("pattern", "lookalike"),
    [
        (r"https://.*.example.com", "https://axexample.com"),  # the dot before "example"
        (r"https://app.example.com|https://b\.example\.com", "https://appxexample.com"),
        (r"https://app\.example\.com.*", "https://app.example.com.evil-example.net"),
        (r"https://.*example\.com", "https://evilexample.com"),
        (r"https://*.example.com", "https://xexample.com"),
    ],
)
def test_sloppy_pattern_names_an_origin_it_really_allows(pattern: str, lookalike: str) -> None:
    regex = re.compile(pattern, re.IGNORECASE)
    assert find_lookalike(regex) == lookalike
    assert regex.fullmatch(lookalike)


@pytest.mark.parametrize(
    "pattern",
    [
        r"https://.*\.example\.com",
        r"https://[a-z0-9-]+\.example\.com",
        r"https?://(www\.)?example\.com",
        r"http://localhost:\d+",
        r"http://localhost:.*",  # a port wildcard, not a host
        r"https://(a|b)\.example\.com",
    ],
)
def test_careful_pattern_has_no_lookalike(pattern: str) -> None:
    assert find_lookalike(re.compile(pattern, re.IGNORECASE)) is None


def test_unrenderable_pattern_claims_nothing() -> None:
    assert find_lookalike(re.compile(r"(?P<x>a)(?P=x)\.example")) is None


@pytest.mark.parametrize(
    ("regex", "wildcard"),
    [
        (r"http://localhost:.*", "http://localhost:*"),
        (r"http://localhost:\d+", "http://localhost:*"),
        (r"https://.*\.example\.com", "https://*.example.com"),
        (r"^https://.*\.example\.com$", "https://*.example.com"),
        (r"https://.*\.example\.com:.*", "https://*.example.com:*"),
        (r"https://[a-z]+\.example\.com", None),
    ],
)
def test_regex_hint_proposes_the_wildcard_form(regex: str, wildcard: str | None) -> None:
    assert wildcard_form(regex) == wildcard
