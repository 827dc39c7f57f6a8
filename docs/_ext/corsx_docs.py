"""Sphinx extension for the flask_corsx docs.

* ``corsx-options``: the table of every option with its default and config key, generated from
  :data:`flask_corsx.defaults.DEFAULT_OPTIONS`, so it cannot drift from the code. Each name
  links to the option's section in ``usage.md``; a missing section is a broken link, which the
  build reports.
* ``{repo}`path```: a link to a file or directory of the repository (on the ``Source`` project
  URL). The path must exist in the checkout; otherwise the build warns.
"""

from __future__ import annotations

import datetime
import pathlib
from typing import Any

from docutils import nodes
from docutils.parsers.rst.states import Inliner
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from flask_corsx.defaults import CONFIG_PREFIX, DEFAULT_OPTIONS

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
#: Options whose section in usage.md is not headed by the option's name.
SECTIONS = {"resources": "resources-which-paths-are-covered"}
logger = logging.getLogger(__name__)


def format_default(value: object) -> str:
    """An option's default as Python source, in a Markdown code span."""
    if isinstance(value, datetime.timedelta):
        return f"`{value!r}`"
    if isinstance(value, tuple):
        return "`(" + ", ".join(repr(item) for item in value) + ")`"
    return f"`{value!r}`"


def options_table() -> list[str]:
    """The Markdown lines of the options table."""
    lines = ["| Option | Default | App config key |", "|---|---|---|"]
    for name, default in DEFAULT_OPTIONS.items():
        anchor = SECTIONS.get(name, name.lower())
        key = CONFIG_PREFIX + name.upper()
        lines.append(f"| [`{name}`](usage.md#{anchor}) | {format_default(default)} | `{key}` |")
    return lines


class OptionsTable(SphinxDirective):
    """``corsx-options``: must be used in a MyST (Markdown) page, whose parser reads the table."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        container = nodes.container(classes=["corsx-options"])
        self.state.nested_parse(
            StringList(options_table(), self.get_source_info()[0]), 0, container
        )
        return [container]


def repo_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Inliner,
    options: dict[str, Any] | None = None,
    content: list[str] | None = None,
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """``{repo}`examples/``: a link to the repository's ``examples`` directory."""
    env = inliner.document.settings.env
    source = env.config.corsx_source_url.rstrip("/")
    path = text.strip()
    target = ROOT / path
    if not target.exists():
        logger.warning("repository path %r does not exist", path, location=(env.docname, lineno))
    kind = "tree" if path.endswith("/") or target.is_dir() else "blob"
    url = f"{source}/{kind}/{env.config.corsx_source_branch}/{path}"
    node = nodes.reference(rawtext, "", nodes.literal(path, path), refuri=url)
    return [node], []


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("corsx_source_url", "", "env")
    app.add_config_value("corsx_source_branch", "main", "env")
    app.add_directive("corsx-options", OptionsTable)
    app.add_role("repo", repo_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
