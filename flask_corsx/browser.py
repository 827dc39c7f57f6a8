"""The browser's side of the CORS protocol: when it sends a preflight, and what it checks.

Pure functions over plain values (no Flask), used by :func:`flask_corsx.explain` and the test
helpers in :mod:`flask_corsx.testing`. They follow the Fetch standard as Chromium implements
it, and word each failure the way Chromium's console does (learned from the browser suite), so
a developer can match the line in the console to the reason here.

Item ids such as FETCH-C5 refer to the project's Fetch-standard checklist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .defaults import ACAC, ACAH, ACAM, ACAO, ACAPN, SAFELISTED_METHODS

#: FETCH-B3: the only methods a browser upper-cases ("patch" stays "patch").
NORMALIZED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})
#: FETCH-C1: the header names that can be CORS-safelisted.
_SAFELISTABLE = frozenset(
    {"accept", "accept-language", "content-language", "content-type", "range"}
)
#: FETCH-C5: the Content-Type essences that need no preflight.
_SIMPLE_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
#: FETCH-C7: bytes that make a safelisted header value unsafe.
_UNSAFE_BYTES = frozenset('"():<>?@[\\]{}\x7f') | frozenset(chr(c) for c in range(0x20) if c != 9)
_LANGUAGE_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz *,-.;=")


def normalize_method(method: str) -> str:
    """The method as a browser sends it (FETCH-B3)."""
    upper = method.upper()
    return upper if upper in NORMALIZED_METHODS else method


def unsafe_header_names(headers: Mapping[str, str | None]) -> list[str]:
    """The CORS-unsafe request-header names a browser lists in a preflight (FETCH-C1..C9):
    lower-cased, de-duplicated and sorted.

    A value of None means "some value": safelisted names are then assumed to carry a safe
    value, except Content-Type, whose usual cross-origin value (``application/json``) is not.
    """
    unsafe: set[str] = set()
    safe_total = 0
    safe: list[str] = []
    for raw_name, value in headers.items():
        name = raw_name.strip().lower()
        if name not in _SAFELISTABLE:
            unsafe.add(name)
        elif value is None:
            if name == "content-type":
                unsafe.add(name)
            else:
                safe.append(name)
        elif _is_safelisted_value(name, value):
            safe.append(name)
            safe_total += len(value.encode())
        else:
            unsafe.add(name)
    if safe_total > 1024:  # FETCH-C8: over budget, all of them become unsafe
        unsafe.update(safe)
    return sorted(unsafe)


def _is_safelisted_value(name: str, value: str) -> bool:
    if len(value.encode()) > 128:  # FETCH-C2
        return False
    if name in ("accept-language", "content-language"):
        return _LANGUAGE_CHARS.issuperset(value)  # FETCH-C4
    if not _UNSAFE_BYTES.isdisjoint(value):  # FETCH-C3, C5, C7
        return False
    if name == "content-type":
        essence = value.split(";", 1)[0].strip().lower()
        return essence in _SIMPLE_CONTENT_TYPES  # FETCH-C5
    if name == "range":  # FETCH-C6: one byte range with a start
        unit, _, spec = value.partition("=")
        start, dash, end = spec.partition("-")
        return (
            unit.strip() == "bytes"
            and dash == "-"
            and start.isdigit()
            and (end == "" or (end.isdigit() and int(end) >= int(start)))
        )
    return True  # accept


def preflight_reasons(
    method: str, headers: Mapping[str, str | None], private_network: bool = False
) -> list[str]:
    """Why a browser sends a preflight first (FETCH-E1); empty when it does not."""
    reasons = []
    sent = normalize_method(method)
    if sent not in SAFELISTED_METHODS:
        reasons.append(f"the method {sent} is not GET, HEAD or POST (FETCH-B1)")
    unsafe = unsafe_header_names(headers)
    if unsafe:
        reasons.append(
            "the request sets header(s) that are not CORS-safelisted: "
            + ", ".join(unsafe)
            + " (FETCH-C1..C9)"
        )
    if private_network:
        reasons.append("it targets a private network address (FETCH-P1)")
    return reasons


@dataclass(frozen=True)
class Verdict:
    """What a browser does with one response: pass it to the script, or block it."""

    passes: bool
    #: The checklist item of the failing check, e.g. ``"FETCH-I3"``; "" when it passes.
    check: str = ""
    #: Chromium's console wording of the failure (after "blocked by CORS policy: ").
    chromium: str = ""

    def console_line(self, url: str, origin: str) -> str:
        """The whole line Chromium prints for a blocked ``fetch()``."""
        if self.passes:
            return ""
        return (
            f"Access to fetch at '{url}' from origin '{origin}' has been blocked by CORS "
            f"policy: {self.chromium}"
        )


PASSES = Verdict(True)


def _values(headers: Iterable[tuple[str, str]], name: str) -> list[str]:
    lowered = name.lower()
    return [value for key, value in headers if key.lower() == lowered]


def cors_check(headers: Iterable[tuple[str, str]], origin: str, credentials: bool) -> Verdict:
    """The CORS check on a response (FETCH-I1..I7)."""
    headers = list(headers)
    acao = _values(headers, ACAO)
    if not acao:
        return Verdict(
            False,
            "FETCH-I1",
            "No 'Access-Control-Allow-Origin' header is present on the requested resource.",
        )
    value = ", ".join(acao)  # FETCH-I6: repeated headers are joined
    if len(acao) > 1 or "," in value:
        return Verdict(
            False,
            "FETCH-I6",
            f"The 'Access-Control-Allow-Origin' header contains multiple values '{value}', but "
            "only one is allowed. Have the server send the header with a valid value.",
        )
    if value == "*":
        if credentials:
            return Verdict(
                False,
                "FETCH-J1",
                "The value of the 'Access-Control-Allow-Origin' header in the response must not "
                "be the wildcard '*' when the request's credentials mode is 'include'.",
            )
        return PASSES
    if value != origin:
        return Verdict(
            False,
            "FETCH-I3",
            f"The 'Access-Control-Allow-Origin' header has a value '{value}' that is not equal "
            "to the supplied origin. Have the server send the header with a valid value.",
        )
    if credentials:
        acac = ", ".join(_values(headers, ACAC))
        if acac != "true":
            return Verdict(
                False,
                "FETCH-I5",
                f"The value of the 'Access-Control-Allow-Credentials' header in the response is "
                f"'{acac}' which must be 'true' when the request's credentials mode is "
                "'include'.",
            )
    return PASSES


def preflight_check(
    status: int,
    headers: Iterable[tuple[str, str]],
    origin: str,
    method: str,
    unsafe_headers: Iterable[str],
    credentials: bool,
    private_network: bool = False,
) -> Verdict:
    """The checks on a preflight response, in the browser's order (FETCH-H1..H9)."""
    headers = list(headers)
    verdict = cors_check(headers, origin, credentials)  # FETCH-H1
    prefix = "Response to preflight request doesn't pass access control check: "
    if not verdict.passes:
        return Verdict(False, verdict.check, prefix + verdict.chromium)
    if not 200 <= status <= 299:  # FETCH-H2
        return Verdict(False, "FETCH-H2", prefix + "It does not have HTTP ok status.")
    if private_network and ", ".join(_values(headers, ACAPN)) != "true":
        return Verdict(
            False,
            "FETCH-P2",
            prefix + "No 'Access-Control-Allow-Private-Network' header was present in the "
            "preflight response for this private network request.",
        )
    methods = _list(headers, ACAM)
    sent = normalize_method(method)
    wildcard_ok = not credentials
    if not (
        sent in methods
        or sent in SAFELISTED_METHODS
        or (wildcard_ok and "*" in methods)
    ):  # FETCH-H5, B4: case-sensitive
        return Verdict(
            False,
            "FETCH-H5",
            f"Method {sent} is not allowed by Access-Control-Allow-Methods in preflight "
            "response.",
        )
    allowed = {name.lower() for name in _list(headers, ACAH)}
    for name in unsafe_headers:
        lowered = name.lower()
        covered = lowered in allowed or (
            wildcard_ok and "*" in allowed and lowered != "authorization"  # FETCH-C12
        )
        if not covered:  # FETCH-H6, H7
            return Verdict(
                False,
                "FETCH-H6" if lowered == "authorization" else "FETCH-H7",
                f"Request header field {lowered} is not allowed by "
                "Access-Control-Allow-Headers in preflight response.",
            )
    return PASSES


def _list(headers: list[tuple[str, str]], name: str) -> list[str]:
    return [
        part.strip()
        for value in _values(headers, name)
        for part in value.split(",")
        if part.strip()
    ]
