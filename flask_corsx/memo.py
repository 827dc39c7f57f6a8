"""One bounded memo shared by every policy, origin matcher and resource table in the process.

Per-request decisions are cached by the exact request value (an Origin, a path) so repeat
visitors cost one dict look-up. The cache is shared and capped, not per object: an app with a
thousand per-resource policies must not hold a thousand caches that an attacker can fill with
made-up Origin values. When full it is cleared, which is cruder than LRU but O(1); hostile
unique values can only cause misses, never growth.
"""

from __future__ import annotations

import itertools
from typing import Any

#: Most entries held at once, across the whole process.
MAX_ENTRIES = 8192
#: Longest request value worth remembering; longer ones are computed every time.
MAX_KEY_LENGTH = 512

#: (owner serial, request value) -> result. Plain dict operations are atomic under the GIL,
#: and every read is a single get(), so concurrent clear() calls cannot split a read.
MEMO: dict[tuple[int, str], Any] = {}
MISSING: Any = object()

_serials = itertools.count(1)


def new_serial() -> int:
    """A number that identifies one cache owner for the life of the process (never reused,
    unlike id())."""
    return next(_serials)


def remember(key: tuple[int, str], value: Any) -> None:
    if len(key[1]) <= MAX_KEY_LENGTH:
        if len(MEMO) >= MAX_ENTRIES:
            MEMO.clear()
        MEMO[key] = value
