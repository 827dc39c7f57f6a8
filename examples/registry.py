"""The examples, in the order the index lists them: adding one is a module plus a line here.

Each name is a module of this package (``-`` spelled ``_``) that defines ``EXAMPLE`` (a
:class:`examples.kit.Example`).
"""

from __future__ import annotations

import importlib

from examples.kit import Example

NAMES = (
    "extension",
    "decorator",
    "blueprint",
    "cookies",
    "cdn",
    "upload",
    "spa",
    "per-origin",
    "tenants",
)


def load(name: str) -> Example:
    """The example called ``name``."""
    if name not in NAMES:
        raise KeyError(f"no example {name!r}; choose from {', '.join(NAMES)}")
    example: Example = importlib.import_module(f"examples.{name.replace('-', '_')}").EXAMPLE
    return example


def load_all() -> list[Example]:
    return [load(name) for name in NAMES]
