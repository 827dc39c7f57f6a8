"""A real shared cache in front: nginx never hands one origin's CORS answer to another.

The app runs under gunicorn (gthread) and waitress; nginx caches in front of it under a key
without Origin (see :data:`e2e_harness.NGINX_CONF`), so ``Vary`` is the only thing that keeps
the answers apart (FETCH-O2). Requests come from origin A, origin B, a refused origin and no
Origin, in every order, and every sequence is sent twice, so the second pass is served from
the cache where the first one stored something. Every response must be the one made for its
own request: its Allow-Origin is its own origin or absent (FETCH-I3, FETCH-R1), and the body,
which names the Origin the app saw, names its own Origin.

Preflights are cached too, as a CDN configured to cache OPTIONS would (nginx's front server
turns them into marked GETs for its caching hop, which forwards the original OPTIONS). Their
answers depend on Access-Control-Request-Headers and -Method as well, so those must be in
the (single) Vary line (FETCH-O4): origin A asking for ``x-one`` and then ``x-two`` must never
get the cached ``Access-Control-Allow-Headers: x-one``.

``CORSX_E2E_IMPL=flask_cors python -m pytest tests/e2e/test_proxy_cache.py`` runs the same
against flask-cors, for comparison (its refusals carry no Vary, so they poison the cache and
these tests fail there; see benchmarks/README.md).
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from e2e_apps import ALLOWED, EXPOSED, ORIGIN_A, ORIGIN_B, REFUSED
from e2e_harness import Proxied, header_values, request, single_header, vary_lines

pytestmark = pytest.mark.e2e

#: The four kinds of requester; None sends no Origin.
REQUESTERS: tuple[str | None, ...] = (ORIGIN_A, ORIGIN_B, REFUSED, None)


@dataclass(frozen=True)
class Sent:
    """One request of a sequence: who sent it and what the preflight asked for."""

    origin: str | None
    acrm: str | None = None  # set for preflights
    acrh: str | None = None

    def headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.origin is not None:
            headers["Origin"] = self.origin
        if self.acrm is not None:
            headers["Access-Control-Request-Method"] = self.acrm
        if self.acrh is not None:
            headers["Access-Control-Request-Headers"] = self.acrh
        return headers

    def __str__(self) -> str:
        parts = [self.origin or "no-Origin"]
        if self.acrm is not None:
            parts.append(f"ACRM={self.acrm}")
        if self.acrh is not None:
            parts.append(f"ACRH={self.acrh}")
        return " ".join(parts)


def tokens(value: str | None) -> list[str]:
    return [t.strip() for t in (value or "").split(",") if t.strip()]


def check_actual(sent: Sent, status: int, headers: Sequence[tuple[str, str]],
                 body: bytes) -> list[str]:
    """What is wrong with a GET response for ``sent``; empty when it is right."""
    problems: list[str] = []
    if status != 200:
        return [f"status {status}"]
    allowed = sent.origin in ALLOWED
    acao = single_header(headers, "Access-Control-Allow-Origin")
    if acao != (sent.origin if allowed else None):
        problems.append(f"Access-Control-Allow-Origin {acao!r}")  # FETCH-I3 / FETCH-R1
    aceh = single_header(headers, "Access-Control-Expose-Headers")
    if aceh != (EXPOSED if allowed else None):
        problems.append(f"Access-Control-Expose-Headers {aceh!r}")
    lines = vary_lines(headers)
    if len(lines) != 1 or "origin" not in lines[0]:  # FETCH-O2; nginx reads only the last line
        problems.append(f"Vary lines {header_values(headers, 'Vary')!r}")
    made_for = json.loads(body)["origin"]
    if made_for != sent.origin:
        problems.append(f"the body was made for Origin {made_for!r}")
    return problems


def check_preflight(sent: Sent, status: int, headers: Sequence[tuple[str, str]]) -> list[str]:
    """What is wrong with a preflight response for ``sent``; empty when it is right."""
    problems: list[str] = []
    if status not in (200, 204):
        return [f"status {status}"]
    allowed = sent.origin in ALLOWED
    acao = single_header(headers, "Access-Control-Allow-Origin")
    if acao != (sent.origin if allowed else None):
        problems.append(f"Access-Control-Allow-Origin {acao!r}")  # FETCH-H3 / FETCH-R1
    acam = single_header(headers, "Access-Control-Allow-Methods")
    acah = single_header(headers, "Access-Control-Allow-Headers")
    if allowed:
        # FETCH-B4: the requested method, spelled exactly as asked, must be listed.
        if sent.acrm not in tokens(acam):
            problems.append(f"Access-Control-Allow-Methods {acam!r}")
        # FETCH-C9: every requested header (all are allowed here) and nothing asked by others.
        if sorted(t.lower() for t in tokens(acah)) != sorted(tokens(sent.acrh)):
            problems.append(f"Access-Control-Allow-Headers {acah!r}")
    elif acam is not None or acah is not None:
        problems.append(f"a refused preflight got ACAM {acam!r} / ACAH {acah!r}")
    lines = vary_lines(headers)
    if len(lines) != 1 or "origin" not in lines[0]:  # FETCH-O4; nginx reads only the last line
        problems.append(f"Vary lines {header_values(headers, 'Vary')!r}")
    return problems


@dataclass
class Outcome:
    problems: list[str]
    statuses: dict[str, int]  # X-Cache-Status -> count

    def count(self, status: str) -> int:
        return self.statuses.get(status, 0)


def run_sequences(proxied: Proxied, sequences: list[tuple[Sent, ...]], *,
                  preflight: bool, passes: int = 2) -> Outcome:
    """Send every sequence ``passes`` times in a row, each to its own fresh cache key."""
    problems: list[str] = []
    statuses: dict[str, int] = {}
    run = uuid.uuid4().hex[:8]
    for number, sequence in enumerate(sequences):
        url = f"{proxied.base}/cached/{run}-{'pf' if preflight else 'get'}-{number}"
        for pass_no in range(passes):
            for step, sent in enumerate(sequence):
                method = "OPTIONS" if preflight else "GET"
                status, headers, body = request(method, url, sent.headers())
                cache = single_header(headers, "X-Cache-Status") or "(none)"
                statuses[cache] = statuses.get(cache, 0) + 1
                if preflight:
                    wrong = check_preflight(sent, status, headers)
                else:
                    wrong = check_actual(sent, status, headers, body)
                if wrong:
                    order = " -> ".join(map(str, sequence))
                    problems.append(
                        f"[{order}] pass {pass_no + 1} step {step + 1} ({sent}), cache {cache}: "
                        + "; ".join(wrong)
                    )
    return Outcome(problems, statuses)


def assert_clean(outcome: Outcome, expected_requests: int) -> None:
    if outcome.problems:
        shown = "\n".join(outcome.problems[:12])
        pytest.fail(
            f"{len(outcome.problems)} of {expected_requests} responses were wrong "
            f"(cache statuses {outcome.statuses}); the first ones:\n{shown}",
            pytrace=False,
        )
    assert sum(outcome.statuses.values()) == expected_requests, outcome.statuses
    assert "(none)" not in outcome.statuses, "some responses did not pass through the cache hop"


def test_cacheable_get_in_every_order(proxied: Proxied) -> None:
    """FETCH-O2: A, B, a refused origin and no Origin, all 24 orders, each twice."""
    sequences = [tuple(Sent(o) for o in order) for order in itertools.permutations(REQUESTERS)]
    outcome = run_sequences(proxied, sequences, preflight=False)
    total = len(sequences) * len(REQUESTERS) * 2
    assert_clean(outcome, total)
    # The first pass stores one variant per requester; the second pass is served from them.
    assert outcome.count("MISS") == len(sequences) * len(REQUESTERS), outcome.statuses
    assert outcome.count("HIT") == len(sequences) * len(REQUESTERS), outcome.statuses


def test_preflight_origins_in_every_order(proxied: Proxied) -> None:
    """FETCH-O4: preflights from A, B, a refused origin and no Origin, every order, twice."""
    sequences = [
        tuple(Sent(o, "PUT", "x-one") for o in order)
        for order in itertools.permutations(REQUESTERS)
    ]
    outcome = run_sequences(proxied, sequences, preflight=True)
    total = len(sequences) * len(REQUESTERS) * 2
    assert_clean(outcome, total)
    # Every preflight answer of the policy carries the same Vary, refused and Origin-less ones
    # too. nginx keeps one Vary per cache key, so answers that varied differently would replace
    # each other's entries (24 hits of 96 when refusals varied on Origin alone): with one
    # Vary, every second-pass request is a hit, as for GETs.
    assert outcome.count("HIT") == len(sequences) * len(REQUESTERS), outcome.statuses


#: Origin A asking different things, and B asking one of them: answers that differ only by
#: Access-Control-Request-Headers or -Method (``patch`` is echoed in its own spelling, FETCH-B4).
PREFLIGHT_VARIANTS = (
    Sent(ORIGIN_A, "PUT", "x-one"),
    Sent(ORIGIN_A, "PUT", "x-two"),
    Sent(ORIGIN_A, "patch", "x-one"),
    Sent(ORIGIN_B, "PUT", "x-two"),
)


def test_preflight_request_headers_and_method_vary(proxied: Proxied) -> None:
    """FETCH-O4: what a preflight echoes (ACRH, ACRM) is in its Vary, so a cache keeps the
    answers apart: A asking for x-one then x-two never gets the cached ``x-one``."""
    sequences = list(itertools.permutations(PREFLIGHT_VARIANTS))
    outcome = run_sequences(proxied, sequences, preflight=True)
    total = len(sequences) * len(PREFLIGHT_VARIANTS) * 2
    assert_clean(outcome, total)
    assert outcome.count("HIT") == len(sequences) * len(PREFLIGHT_VARIANTS), outcome.statuses


def test_the_cache_stores_and_serves(proxied: Proxied) -> None:
    """The harness itself: the cache serves hits, and the app is asked only on a miss.

    Two identical requests give one MISS and one HIT, and the cache hop's access log shows
    them both, the second one answered from the cache, so the tests above ran through a
    cache that really stores and serves responses.
    """
    url = f"{proxied.base}/cached/{uuid.uuid4().hex[:8]}-key"
    first = request("GET", url, {"Origin": ORIGIN_A})
    second = request("GET", url, {"Origin": ORIGIN_A})
    assert single_header(first[1], "X-Cache-Status") == "MISS"
    assert single_header(second[1], "X-Cache-Status") == "HIT"
    assert json.loads(first[2]) == json.loads(second[2])
    path = url.split(proxied.base, 1)[1]
    hop = [line for line in proxied.proxy.access_log().splitlines()
           if line.startswith(f"{proxied.proxy.cache_port} GET {path} ")]
    assert [line.rsplit(" ", 1)[1] for line in hop] == ["MISS", "HIT"], hop
