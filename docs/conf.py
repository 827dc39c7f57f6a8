"""Sphinx configuration for the flask_corsx documentation (Markdown sources through MyST).

Build it with ``bash scripts/docs.sh`` (into ``docs/_build/html``); CI builds it with warnings
as errors in ``tests/test_docs.py``.
"""

from __future__ import annotations

import configparser
import pathlib
import sys

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent
# Document the checkout's flask_corsx, and find the project's own extension.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))

import flask_corsx  # noqa: E402


def _project_urls() -> dict[str, str]:
    """setup.cfg's project_urls: the one place the site's address is written."""
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg", encoding="utf-8")
    urls: dict[str, str] = {}
    for line in parser["metadata"]["project_urls"].strip().splitlines():
        name, _, url = line.partition("=")
        urls[name.strip()] = url.strip()
    return urls


PROJECT_URLS = _project_urls()

project = "flask_corsx"
author = "the flask_corsx authors"
copyright = "2026 the flask_corsx authors"
release = flask_corsx.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx_click",
    "corsx_docs",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]
templates_path: list[str] = []

# MyST: GitHub-style anchors for headings, so `usage.md#options` works on GitHub and here
# alike, and a link to a missing page or anchor is a warning (an error in CI).
myst_heading_anchors = 4

# Every cross-reference must resolve. Names from other projects are not linked (no
# intersphinx: the build runs without network), so they are not reported either.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(flask|werkzeug|blinker|click|pytest|_pytest|re|datetime|collections)(\..*)?"),
]
nitpick_ignore = [
    # Annotations autodoc cannot resolve to a documented object: Flask's classes (no
    # intersphinx), and the explanation module's Headers alias (str names or a mapping).
    ("py:class", "Flask"),
    ("py:class", "Blueprint"),
    ("py:class", "Headers"),
    ("py:class", "flask_corsx.decorator.F"),  # the TypeVar of @cross_origin's overloads
]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True

html_theme = "furo"
html_title = f"flask_corsx {release}"
html_static_path: list[str] = []
html_theme_options = {
    "source_repository": PROJECT_URLS["Source"],
    "source_branch": "main",
    "source_directory": "docs/",
}

# The {repo}`path` role (docs/_ext/corsx_docs.py) links to files on the Source URL.
corsx_source_url = PROJECT_URLS["Source"]
corsx_source_branch = "main"

# The package writes these aliases by name (``from __future__ import annotations``); point the
# names at their documented entries.
autodoc_type_aliases = {
    "OriginSpec": "flask_corsx.rules.OriginSpec",
    "OriginAnswer": "flask_corsx.rules.OriginAnswer",
}
