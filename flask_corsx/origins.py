"""Which request origins a policy allows.

Three forms of allowed origin, compiled once into one :class:`OriginMatcher`:

* an exact origin such as ``https://app.example.com`` — a set look-up;
* a wildcard pattern: ``https://*.example.com`` (one or more labels under example.com) and/or
  ``http://localhost:*`` (any port) — dictionary look-ups on the request's host suffixes;
* a regular expression (a compiled :class:`re.Pattern`, or a string that is clearly one),
  always matched against the *whole* origin.

Request values get a cheap plausibility check before anything is reflected: an Origin that holds
control characters, spaces, commas, non-ASCII or is huge is never echoed into a header.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from re import Pattern

from .defaults import MAX_ORIGIN_LENGTH, MAX_REAL_ORIGIN_LENGTH
from .memo import MEMO, new_serial, remember

#: The port a scheme's origins leave out (browsers never send it).
DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}

_SCHEME = r"[A-Za-z][A-Za-z0-9+.\-]*"
#: A URL scheme name (RFC 3986).
SCHEME = re.compile(_SCHEME)
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_\-]{0,61}[A-Za-z0-9_])?"
_DNS = rf"{_LABEL}(?:\.{_LABEL})*\.?"
_IPV6 = r"\[[0-9A-Fa-f:.]+\]"
_PORT = r"[0-9]{1,5}"
#: A configured origin: scheme://host[:port], host a DNS name, IPv4 or bracketed IPv6 literal,
#: optionally with "*." before the host and/or ":*" as the port.
_CONFIG_ORIGIN = re.compile(
    rf"(?P<scheme>{_SCHEME})://(?P<wild>\*\.)?(?P<host>{_IPV6}|{_DNS})(?::(?P<port>{_PORT}|\*))?"
)
#: A request origin's host, already lower-cased (browsers send it serialized).
_REQUEST_HOST = re.compile(rf"{_IPV6}|{_DNS}".lower())

#: Characters that make a string "clearly a regex" rather than a literal (flask-cors's list,
#: without "*", which our wildcard patterns use).
_REGEX_CHARS = frozenset("\\^$()[]{}|?+")


#: A bracketed IPv6 literal: its brackets are origin syntax, not a regex character class.
_IPV6_LITERAL = re.compile(r"\[[0-9A-Fa-f:.]*\]")


def looks_like_regex(text: str) -> bool:
    """Whether a configured string is clearly a regular expression, not a literal."""
    text = _IPV6_LITERAL.sub("", text)
    return ".*" in text or ".+" in text or not _REGEX_CHARS.isdisjoint(text)


def is_plausible_origin(value: str) -> bool:
    """Whether a request's Origin value may be echoed back into a response header.

    Browsers send ``null`` or ``scheme://host[:port]``; test suites (flask-cors's own docs
    among them) often send ``www.example.com``. Any header-safe value is treated as an origin
    string: printable ASCII without spaces or commas, within the length cap. Anything else
    (CR/LF, NUL, other control characters, non-ASCII, lists, 100 KB of junk) is refused and
    never reflected. These are C-speed string methods: no regex on the hot path.
    """
    return (
        len(value) <= MAX_ORIGIN_LENGTH
        and value.isascii()
        and value.isprintable()
        and " " not in value
        and "," not in value
        and value != ""
    )


@dataclass(frozen=True)
class ParsedOrigin:
    """A configured origin after strict parsing.

    ``kind`` is ``"exact"``, ``"wildcard"``, ``"any"`` or ``"null"``. ``canonical`` is the
    serialized form browsers send (lower-case, punycode host, default port omitted).
    """

    kind: str
    canonical: str
    scheme: str = ""
    host: str = ""
    port: str | None = None  # None: the scheme's default port; "*": any port
    any_subdomain: bool = False


class OriginSyntaxError(ValueError):
    """A configured origin string is neither an origin, a wildcard pattern nor a regex."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def parse_config_origin(text: str) -> tuple[ParsedOrigin, bool]:
    """Parse a configured origin string strictly.

    Returns the parsed origin and whether normalization changed it (upper-case, default port,
    Unicode host). Raises :class:`OriginSyntaxError` with a fix if it can never match.
    """
    if text == "*":
        return ParsedOrigin("any", "*"), False
    if text == "null":
        return ParsedOrigin("null", "null"), False
    ascii_text = text
    if not text.isascii():
        ascii_text = _punycode_origin(text)
    m = _CONFIG_ORIGIN.fullmatch(ascii_text)
    if m is None:
        raise _diagnose(text)
    scheme = m.group("scheme").lower()
    # A trailing dot stays: browsers send "https://example.com." as an origin of its own.
    host = _canonical_ip(m.group("host").lower())
    port = m.group("port")
    if port is not None and port != "*":
        if int(port) > 65535:
            raise OriginSyntaxError(
                f"{port} is not a port number.", "use a port between 0 and 65535."
            )
        port = str(int(port))
        if DEFAULT_PORTS.get(scheme) == port:
            port = None
    wild = m.group("wild") is not None
    single_label = "." not in host and host != "localhost"
    if wild and (host.startswith("[") or host.replace(".", "").isdigit() or single_label):
        raise OriginSyntaxError(
            "a subdomain wildcard needs a domain name such as example.com (or localhost), not an "
            "IP address or a top-level domain.",
            "write e.g. 'https://*.example.com', or list the origins.",
        )
    canonical = f"{scheme}://{'*.' if wild else ''}{host}{'' if port is None else ':' + port}"
    kind = "wildcard" if wild or port == "*" else "exact"
    parsed = ParsedOrigin(kind, canonical, scheme, host, port, wild)
    return parsed, canonical != text


def _canonical_ip(host: str) -> str:
    """IP-literal hosts in the form browsers serialize them (URL standard), or an error.

    IPv6 is compressed (``[0:0::1]`` -> ``[::1]``, ``[::ffff:1.2.3.4]`` -> ``[::ffff:102:304]``).
    A host whose last label is a number is an IPv4 address to a browser, which rewrites
    ``010.0.0.1`` or ``2130706433`` into dotted decimal: only that form can match.
    """
    if host.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError as exc:
            raise OriginSyntaxError(
                f"{host} is not an IPv6 address.", "write it like 'http://[::1]:8080'."
            ) from exc
    last = host.rstrip(".").rpartition(".")[2]
    if last.isdigit() or last.startswith("0x"):
        try:
            address = ipaddress.IPv4Address(host)
        except ValueError:
            address = None
        if address is None or str(address) != host:
            raise OriginSyntaxError(
                f"{host} is not an IPv4 address in the dotted-decimal form browsers send.",
                "write four decimal numbers without leading zeros, e.g. 'http://10.0.0.1:8080'.",
            )
    return host


#: Characters that IDNA 2003 (Python's "idna" codec) and the UTS-46 processing browsers use map
#: differently ("straße" -> "strasse" against "xn--strae-oqa"): we cannot convert them right.
_IDNA_DEVIATIONS = frozenset("\u00df\u03c2\u200c\u200d")


def _punycode_origin(text: str) -> str:
    if not _IDNA_DEVIATIONS.isdisjoint(text):
        raise OriginSyntaxError(
            "its host has a character (such as 'ß' or 'ς') that browsers and Python's IDNA "
            "codec convert differently.",
            "write the host in the punycode (xn--) form your browser shows for it.",
        )
    scheme, sep, rest = text.partition("://")
    host, colon, port = rest.partition(":")
    try:
        labels = [
            label if label in ("", "*") else label.encode("idna").decode("ascii")
            for label in host.split(".")
        ]
    except UnicodeError as exc:
        raise OriginSyntaxError(
            f"the host {host!r} is not a valid internationalized domain name.",
            "write the host in its punycode (xn--) form.",
        ) from exc
    return f"{scheme}{sep}{'.'.join(labels)}{colon}{port}"


def _diagnose(text: str) -> OriginSyntaxError:
    scheme, sep, rest = text.partition("://")
    if not sep:
        return OriginSyntaxError(
            "it has no scheme; browsers send origins as scheme://host[:port].",
            f"write 'https://{text}' (or 'http://{text}').",
        )
    if "@" in rest:
        return OriginSyntaxError(
            "it holds user information; browsers never send that in an Origin.",
            f"write {_canonical_guess(scheme, rest.rpartition('@')[2].split('/')[0])!r}.",
        )
    host_part, slash, _ = rest.partition("/")
    if slash:
        what = "a trailing slash" if rest == host_part + "/" else "a path"
        return OriginSyntaxError(
            f"it has {what}; an Origin is only scheme://host[:port].",
            f"write {_canonical_guess(scheme, host_part)!r}.",
        )
    if "*" in rest:
        return OriginSyntaxError(
            "a wildcard must be a whole leading label ('*.example.com') or the port (':*').",
            "write 'https://*.example.com' or 'http://localhost:*', or pass re.compile(...).",
        )
    return OriginSyntaxError(
        "it is not scheme://host[:port] with a valid host and port.",
        "write an origin such as 'https://app.example.com' or 'http://localhost:8000'.",
    )


def _canonical_guess(scheme: str, host_and_port: str) -> str:
    """The canonical form of scheme://host[:port] for a hint, or the plain join if unparsable."""
    text = f"{scheme}://{host_and_port}"
    try:
        return parse_config_origin(text)[0].canonical
    except OriginSyntaxError:
        return text


#: Hosting and registry domains under which anyone can get a name: a wildcard under one of
#: them allows strangers. A short list of the common ones, not the whole Public Suffix List.
_SHARED_SUFFIXES = frozenset(
    {
        "github.io",
        "gitlab.io",
        "herokuapp.com",
        "vercel.app",
        "netlify.app",
        "pages.dev",
        "workers.dev",
        "web.app",
        "firebaseapp.com",
        "appspot.com",
        "azurewebsites.net",
        "cloudfront.net",
        "amazonaws.com",
        "onrender.com",
        "fly.dev",
        "ngrok.io",
        "ngrok-free.app",
        "blogspot.com",
        "blogspot.co.uk",
        "ngrok.app",
        "trycloudflare.com",
        "azurestaticapps.net",
        "amplifyapp.com",
        "github.dev",
        "railway.app",
        "up.railway.app",
        "deno.dev",
        "glitch.me",
        "surge.sh",
        "pythonanywhere.com",
        "s3.amazonaws.com",
    }
)
#: Providers whose customer names sit at varying depths (``x.s3.amazonaws.com``,
#: ``x.eu.ngrok.io``): any domain under them counts as shared.
_NESTED_PROVIDERS = frozenset({"amazonaws.com", "ngrok.io", "cloudfront.net"})
_SECOND_LEVEL = frozenset({"ac", "co", "com", "edu", "gov", "net", "or", "org", "ne", "gob"})


def is_public_suffix_like(domain: str) -> bool:
    """Whether ``domain`` looks like a public suffix (``co.uk``, ``github.io``,
    ``s3.amazonaws.com``)."""
    domain = domain.rstrip(".")
    labels = domain.split(".")
    if domain in _SHARED_SUFFIXES or any(domain.endswith("." + p) for p in _NESTED_PROVIDERS):
        return True
    return len(labels) == 2 and labels[0] in _SECOND_LEVEL and len(labels[1]) == 2


def public_suffix_of(host: str) -> str | None:
    """The public-suffix-like domain ``host`` is a name under, if any (``a.github.io`` ->
    ``github.io``)."""
    labels = host.rstrip(".").split(".")
    for start in range(1, len(labels) - 1 + 1):
        parent = ".".join(labels[start:])
        if parent and is_public_suffix_like(parent):
            return parent
    return None


def is_loopback_host(host: str) -> bool:
    """Hosts a browser treats as potentially trustworthy even over http (Secure Contexts)."""
    return (
        host in ("localhost", "[::1]")
        or host.endswith(".localhost")
        or (host.startswith("127.") and host.replace(".", "").isdigit())
    )


def _split_request_origin(lowered: str) -> tuple[str, str, str | None] | None:
    """Split a plausible, lower-cased request origin into scheme, host and port."""
    scheme, sep, rest = lowered.partition("://")
    if not sep:
        return None
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            return None
        host, after = rest[: close + 1], rest[close + 1 :]
        if after and not after.startswith(":"):
            return None
        port: str | None = after[1:] if after else None
    else:
        host, colon, port_text = rest.partition(":")
        port = port_text if colon else None
    if port is not None and not (port.isdigit() and len(port) <= 5):
        return None
    if _REQUEST_HOST.fullmatch(host) is None:
        return None
    return scheme, host, port


@dataclass
class OriginMatcher:
    """Everything a policy needs to decide whether one request origin is allowed.

    Built once from the configured origins; :meth:`allows` is the per-request check.
    """

    any_origin: bool = False
    exact: frozenset[str] = frozenset()
    #: (scheme, host) -> True for ``scheme://host:*`` patterns.
    any_port: frozenset[tuple[str, str]] = frozenset()
    #: (scheme, parent domain, port or "*" or None) for ``scheme://*.domain[:port]`` patterns.
    subdomains: frozenset[tuple[str, str, str | None]] = frozenset()
    regexes: tuple[Pattern[str], ...] = ()
    #: A regex matches any origin (``.*``, ``https?://.+``): the checks treat it as ``*``
    #: (credentials, rule order), but it still allows only what the regex matches.
    broad: bool = False
    _serial: int = field(init=False, repr=False, compare=False)

    @property
    def catch_all(self) -> bool:
        """Whether it allows (nearly) every origin: ``"*"`` or a regex that matches any."""
        return self.any_origin or self.broad

    def __post_init__(self) -> None:
        self._serial = new_serial()

    def allows(self, origin: str) -> bool:
        """Whether ``origin`` (the request's Origin header, verbatim) is allowed."""
        if origin in self.exact:
            return True
        if not is_plausible_origin(origin):
            return False
        if self.any_origin:
            return True
        # ASCII-only case folding: is_plausible_origin guarantees ASCII, so str.lower() cannot
        # fold non-ASCII characters together (no "straße" == "strasse" surprises).
        lowered = origin.lower()
        if lowered in self.exact:
            return True
        if not (self.any_port or self.subdomains or self.regexes):
            return False
        # Pattern matching (suffix look-ups, regexes) is the only part whose cost could depend
        # on the configuration: remember results by the exact Origin in the shared memo.
        key = (self._serial, origin)
        allowed: bool | None = MEMO.get(key)
        if allowed is None:
            allowed = self._match_patterns(origin)
            remember(key, allowed)
        return allowed

    def _match_patterns(self, origin: str) -> bool:
        lowered = origin.lower()
        if self.any_port or self.subdomains:
            parts = _split_request_origin(lowered)
            if parts is not None and self._match_wildcards(*parts):
                return True
        if len(origin) > MAX_REAL_ORIGIN_LENGTH:
            return False  # no browser sends it; and no user regex is ever fed kilobytes
        if origin.count("/") != (2 if "://" in origin else 0):
            # A path is never part of an origin: "https://evil.net/.example.com" must not
            # satisfy r"https://.*\.example\.com".
            return False
        return any(regex.fullmatch(origin) for regex in self.regexes)

    def _match_wildcards(self, scheme: str, host: str, port: str | None) -> bool:
        if (scheme, host) in self.any_port:
            return True
        # Like exact origins, the port is compared as sent: browsers omit default ports, so
        # "https://a.example.com:443" is not a serialized origin and matches nothing.
        subdomains = self.subdomains
        if not subdomains:
            return False
        # Walk the parent domains of the host: a.b.example.com -> b.example.com, example.com,
        # com. Each is one set look-up, so the cost depends on the host, not on the number of
        # patterns. The host itself is never its own parent: *.example.com skips example.com.
        dot = host.find(".")
        while dot >= 0:
            parent = host[dot + 1 :]
            if (scheme, parent, port) in subdomains or (scheme, parent, "*") in subdomains:
                return True
            dot = host.find(".", dot + 1)
        return False


#: Regex spellings of the wildcard forms, for hints: ``http://localhost:.*`` says
#: ``http://localhost:*``, ``https://.*\.example\.com`` says ``https://*.example.com``.
_REGEX_PORT = re.compile(r"(?P<base>.+?):(?:\.\*|\.\+|\\d\+|\\d\*|\[0-9\]\+|\[0-9\]\*)")
_REGEX_SUBDOMAIN = re.compile(r"(?P<scheme>https?)://(?:\.\*|\.\+|\(\.\*\\\.\)\?)\\\.(?P<rest>.+)")


def wildcard_form(regex_text: str) -> str | None:
    """The wildcard pattern a simple origin regex spells, if it has one (for hints)."""
    text = regex_text.strip("^$")
    port = ""
    m = _REGEX_PORT.fullmatch(text)
    if m is not None:
        text, port = m.group("base"), ":*"
    m = _REGEX_SUBDOMAIN.fullmatch(text)
    if m is not None:
        text = f"{m.group('scheme')}://*.{m.group('rest')}"
    candidate = text.replace("\\.", ".") + port
    if candidate == regex_text:
        return None
    try:
        parse_config_origin(candidate)
    except OriginSyntaxError:
        return None
    return candidate
