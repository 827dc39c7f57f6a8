"""The documentation site: it builds without a warning, its links resolve, its API reference
covers every public name, and the Python snippets in the guides run.

The site is built once per run, with Sphinx's ``-W --keep-going -n`` (every warning, including
an unresolved cross-reference or a MyST link to a missing page or heading, is an error), into a
temporary directory.

Snippets: every ```` ```python ```` block of a guide (``docs/*.md``, and the README) runs, the
blocks of one page in order in one fresh namespace (a page builds on its earlier blocks, as a
reader does), in a temporary directory. An HTML comment on the last non-blank line before the
fence changes that, and is invisible on GitHub and on the site:

- ``<!-- not run -->``: a fragment; only compiled.
- ``<!-- raises CORSConfigError -->``: must raise that exception (any name from flask_corsx
  or the builtins).
- ``<!-- warns corsx.W004 -->``: must emit exactly that :class:`~flask_corsx.CORSConfigWarning`
  code. Any other warning fails the snippet.

A page whose python blocks are all ``not run`` fails, and Python code in a fence this module
would not run (```` ```py ````, ```` ```{code-block} python ````) fails too, so nothing is skipped
silently. ``docs/errors.md`` is the exception: ``tests/test_errors_doc.py`` runs each of its
examples on its own and checks the code it produces.
"""

from __future__ import annotations

import builtins
import configparser
import contextlib
import dataclasses
import doctest
import html.parser
import inspect
import io
import logging
import os
import pathlib
import re
import subprocess
import symtable
import sys
import urllib.parse
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import flask_corsx
import flask_corsx.pytest_plugin
import flask_corsx.signals
import flask_corsx.testing
from flask_corsx import CORSConfigWarning
from flask_corsx.cli import cors as cors_command
from flask_corsx.defaults import CONFIG_PREFIX, DEFAULT_OPTIONS

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PACKAGE = ROOT / "flask_corsx"

#: Pages whose snippets this module runs. errors.md is run by test_errors_doc.py.
GUIDES = sorted(
    [path for path in DOCS.glob("*.md") if path.name != "errors.md"] + [ROOT / "README.md"]
)
MARKER = re.compile(r"<!--\s*(not run|raises [\w.]+|warns corsx\.W\d{3})\s*-->")
FENCE = re.compile(r"^(`{3,}|~{3,})\s*(.*)$")
CODE_IN_TEXT = re.compile(r"corsx\.[EW]\d{3}")


def documentation_base() -> str:
    """setup.cfg's Documentation project URL: the one place the site's address is written."""
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg", encoding="utf-8")
    for line in parser["metadata"]["project_urls"].strip().splitlines():
        name, _, url = line.partition("=")
        if name.strip() == "Documentation":
            return url.strip()
    raise AssertionError("setup.cfg has no Documentation project URL")


# -- the build ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Build:
    html: pathlib.Path
    returncode: int
    output: str


def sphinx_build(source: pathlib.Path, out: pathlib.Path) -> Build:
    """Build ``source`` with warnings as errors, as CI and scripts/docs.sh do."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-n",
        "-q",
        "-b",
        "html",
        "-d",
        str(out / "doctrees"),
        str(source),
        str(out / "html"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    return Build(out / "html", done.returncode, done.stdout + done.stderr)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return sphinx_build(DOCS, tmp_path_factory.mktemp("docs"))


@pytest.fixture(scope="module")
def built(site: Build) -> pathlib.Path:
    """The built site's HTML directory (only once the build passed)."""
    if site.returncode != 0:
        pytest.fail(f"the docs build failed:\n{site.output}", pytrace=False)
    return site.html


def test_site_builds_without_warnings(site: Build) -> None:
    assert site.returncode == 0 and "WARNING" not in site.output and "ERROR" not in site.output, (
        f"sphinx-build -W --keep-going -n said:\n{site.output}"
    )


def test_every_guide_is_in_the_site(built: pathlib.Path) -> None:
    sources = {path.stem for path in DOCS.glob("*.md")} | {"changes"}
    generated = {"genindex", "search", "py-modindex"}
    assert {path.stem for path in built.glob("*.html")} - generated == sources


# -- links -------------------------------------------------------------------------------------


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("name"):
            self.ids.add(str(values["name"]))
        if tag == "a" and values.get("href") is not None:
            self.links.append(str(values["href"]))


def parse_site(html_dir: pathlib.Path) -> dict[pathlib.Path, _Page]:
    pages: dict[pathlib.Path, _Page] = {}
    for path in sorted(html_dir.rglob("*.html")):
        if "_static" in path.parts or "_sources" in path.parts:
            continue
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        pages[path] = page
    return pages


def broken_links(html_dir: pathlib.Path) -> list[str]:
    """Every link between the site's pages whose page or anchor does not exist."""
    pages = parse_site(html_dir)
    broken: list[str] = []
    for path, page in pages.items():
        for href in page.links:
            parts = urllib.parse.urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith("mailto:"):
                continue  # external: not checked (no network in CI)
            target = path
            if parts.path:
                target = (path.parent / urllib.parse.unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            where = f"{path.relative_to(html_dir)}: {href}"
            if not target.exists():
                broken.append(f"{where} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                known = pages.get(target)
                if known is None or urllib.parse.unquote(parts.fragment) not in known.ids:
                    broken.append(f"{where} (no such anchor)")
    return broken


def test_internal_links_resolve(built: pathlib.Path) -> None:
    assert broken_links(built) == []


def test_guides_link_each_other(built: pathlib.Path) -> None:
    # The check above must have links to check: MyST turned `usage.md#options` into one.
    index = parse_site(built)[built / "index.html"]
    assert "usage.html#options" in index.links


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a Markdown file's headings (as MyST's heading anchors do)."""
    prose = re.sub(r"^```.*?^```$", "", markdown, flags=re.MULTILINE | re.DOTALL)
    headings = re.findall(r"^#+ (.+)$", prose, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def readme_broken_links(readme: pathlib.Path) -> list[str]:
    """README.md is not part of the site: its links to the repository's files, checked."""
    text = readme.read_text(encoding="utf-8")
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if urllib.parse.urlsplit(target).scheme:
            continue
        path, _, anchor = target.partition("#")
        file = (readme.parent / path) if path else readme
        if not file.exists() or (
            anchor
            and file.suffix == ".md"
            and anchor not in github_anchors(file.read_text("utf-8"))
        ):
            broken.append(target)
    return broken


def test_readme_links_resolve() -> None:
    assert readme_broken_links(ROOT / "README.md") == []


# -- the API reference -------------------------------------------------------------------------


def documented_objects(html_dir: pathlib.Path) -> set[str]:
    from sphinx.util.inventory import InventoryFile

    with open(html_dir / "objects.inv", "rb") as stream:
        inventory: Any = InventoryFile.load(stream, "", posixpath_join)
    data = getattr(inventory, "data", inventory)  # a dict before Sphinx 8.2
    return {name for kind, entries in data.items() if kind.startswith("py:") for name in entries}


def posixpath_join(*parts: str) -> str:
    return "/".join(parts)


def public_names() -> set[str]:
    """What users import: flask_corsx.__all__, the testing helpers, the signals, the plugin."""
    names = {f"flask_corsx.{name}" for name in flask_corsx.__all__}
    names |= {f"flask_corsx.testing.{name}" for name in flask_corsx.testing.__all__}
    names |= {
        f"flask_corsx.signals.{name}"
        for name, value in vars(flask_corsx.signals).items()
        if not name.startswith("_") and type(value).__name__ == "NamedSignal"
    }
    names |= {"flask_corsx.pytest_plugin.cors", "flask_corsx.pytest_plugin.CORSTester"}
    names |= {"flask_corsx.CORS.init_app"}
    return names


def test_api_reference_covers_every_public_name(built: pathlib.Path) -> None:
    names = public_names()
    assert len(names) >= 14, names
    assert sorted(names - documented_objects(built)) == []


def test_api_reference_documents_the_flask_cors_command(built: pathlib.Path) -> None:
    api = text_of((built / "api.html").read_text(encoding="utf-8"))
    commands = sorted(cors_command.commands)
    assert commands == ["check", "explain", "routes"]
    for name in commands:
        assert f"flask cors {name} [OPTIONS]" in api, f"no usage line for 'flask cors {name}'"
    assert "--strict" in api  # the options, from the click declarations


def text_of(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def test_api_reference_lists_every_option_with_its_default(built: pathlib.Path) -> None:
    api = (built / "api.html").read_text(encoding="utf-8")
    table = api.split('class="corsx-options', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.DOTALL)[1:]
    cells = [
        [text_of(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
        for row in rows
    ]
    expected = [
        [name, repr(default), CONFIG_PREFIX + name.upper()]
        for name, default in DEFAULT_OPTIONS.items()
    ]
    assert cells == expected


def test_usage_guide_table_matches_the_defaults() -> None:
    """usage.md's hand-written options table has one row per option, with the code's default."""
    text = (DOCS / "usage.md").read_text(encoding="utf-8")
    section = text.split("\n## Options\n", 1)[1].split("\n### ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| [^|]* \| ([^|]*) \|", section, re.MULTILINE)
    assert sorted(name for name, _ in rows) == sorted(DEFAULT_OPTIONS)
    for name, shown in rows:
        default = DEFAULT_OPTIONS[name]
        if isinstance(default, tuple):
            wanted = "`" + ", ".join(default) + "`"
        elif isinstance(default, str):
            wanted = f'`"{default}"`'
        else:
            wanted = f"`{default!r}`"
        assert shown.strip() == wanted, f"usage.md shows {name}'s default as {shown.strip()}"


# -- docstrings point at the site --------------------------------------------------------------


REPO_DOC_PATH = re.compile(r"(?<![\w/.])(?:docs/)?[\w-]+\.(?:md|rst)\b|\bdocs/\w")


def test_package_does_not_point_at_repository_docs() -> None:
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if REPO_DOC_PATH.search(line)
    ]
    assert found == [], "link the site (setup.cfg's Documentation URL) instead"


def site_links_in_package() -> list[tuple[str, str]]:
    base = documentation_base()
    pattern = re.compile(re.escape(base) + r"[^\s`'\")>]*")
    return [
        (path.name, match.group(0))
        for path in sorted(PACKAGE.glob("*.py"))
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]


def test_package_links_only_the_documented_site() -> None:
    base = documentation_base()
    urls = [
        (path.name, url)
        for path in sorted(PACKAGE.glob("*.py"))
        for url in re.findall(
            r"https?://[^\s`'\")>]*readthedocs[^\s`'\")>]*", path.read_text("utf-8")
        )
    ]
    assert [(module, url) for module, url in urls if not url.startswith(base)] == []


def test_package_links_to_the_site_exist(built: pathlib.Path) -> None:
    links = site_links_in_package()
    assert links, "expected the CORS docstring to link the usage guide"
    pages = parse_site(built)
    base = documentation_base()
    missing = []
    for module, url in links:
        page, _, anchor = url[len(base) :].partition("#")
        target = built / (page or "index.html")
        if target not in pages or (anchor and anchor not in pages[target].ids):
            missing.append(f"{module}: {url}")
    assert missing == []


# -- code samples ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Snippet:
    source: str
    line: int  # 1-based line of the opening fence
    marker: str  # "" (run), "not run", "raises X", "warns corsx.WNNN"
    language: str = "python"  # or "pycon": an interactive session, output checked


def snippets(text: str) -> Iterator[Snippet]:
    """The ```python blocks of a Markdown text, with their markers. Fails on Python code in a
    fence of another spelling, which would otherwise be skipped without a word."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if match is None:
            index += 1
            continue
        fence, info = match.group(1), match.group(2).strip()
        start = index
        index += 1
        body: list[str] = []
        while index < len(lines) and not lines[index].startswith(fence):
            body.append(lines[index])
            index += 1
        assert index < len(lines), f"unclosed fence at line {start + 1}"
        index += 1
        words = info.replace("{", " ").replace("}", " ").split()
        if info not in ("python", "pycon"):
            assert not {"py", "python", "python3", "pycon"} & set(words), (
                f"line {start + 1}: write Python as a ```python block (with a marker comment "
                f"if it must not run), not ```{info}"
            )
            continue
        before = [line.strip() for line in lines[:start] if line.strip()]
        marker_match = MARKER.fullmatch(before[-1]) if before else None
        marker = marker_match.group(1) if marker_match else ""
        yield Snippet("\n".join(body) + "\n", start + 1, marker, info)


def _exception(name: str) -> type[BaseException]:
    found = getattr(flask_corsx, name, None) or getattr(builtins, name, None)
    assert isinstance(found, type) and issubclass(found, BaseException), f"unknown {name!r}"
    return found


def run_session(snippet: Snippet, namespace: dict[str, Any], label: str) -> None:
    """Run a ```pycon block as doctest does, and compare the output shown (``...`` matches
    anything). A shown ``SomeError: message`` (without the traceback) must be raised."""
    checker = doctest.OutputChecker()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    for example in doctest.DocTestParser().get_examples(snippet.source):
        where = f"{label}+{example.lineno + 1}"
        shown = re.match(r"(\w+): ", example.want)
        output = io.StringIO()
        with contextlib.redirect_stdout(output), warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                exec(compile(example.source, where, "single"), namespace)
            except Exception as exc:
                got = f"{type(exc).__name__}: {exc}\n"
                assert shown and isinstance(exc, _exception(shown.group(1))), f"{where}: {got}"
            else:
                got = output.getvalue()
        assert checker.check_output(example.want, got, flags), (
            f"{where} shows:\n{example.want}but gives:\n{got}"
        )


def run_snippet(snippet: Snippet, namespace: dict[str, Any], label: str) -> None:
    """Run one snippet in ``namespace``; fail unless it does what its marker says."""
    if snippet.language == "pycon":
        run_session(snippet, namespace, label)
        return
    code = compile(snippet.source, label, "exec")
    if snippet.marker == "not run":
        return
    expected = _exception(snippet.marker[7:]) if snippet.marker.startswith("raises ") else None
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        try:
            exec(code, namespace)
        except BaseException as exc:
            if expected is None or not isinstance(exc, expected):
                raise AssertionError(f"{label} raised {exc!r}") from exc
        else:
            assert expected is None, f"{label} should raise {expected.__name__}"
    codes = []
    for warning in record:
        assert issubclass(warning.category, CORSConfigWarning), (
            f"{label}: {warning.category.__name__}: {warning.message}"
        )
        codes.extend(CODE_IN_TEXT.findall(str(warning.message)))
    wanted = [snippet.marker[6:]] if snippet.marker.startswith("warns ") else []
    assert codes == wanted, f"{label} warned {codes}, its marker says {wanted}"


def page_id(path: pathlib.Path) -> str:
    return str(path.relative_to(ROOT))


#: The guides with python (or pycon) blocks.
SNIPPET_PAGES = [
    page
    for page in GUIDES
    if re.search(r"^```(python|pycon)$", page.read_text("utf-8"), re.MULTILINE)
]


@pytest.mark.parametrize("page", SNIPPET_PAGES, ids=page_id)
def test_snippets_run(
    page: pathlib.Path, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = list(snippets(page.read_text(encoding="utf-8")))
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": f"docs_{page.stem}"}
    # A guide may turn on debug logging (usage.md does): put the level back afterwards, or
    # every later test's requests log at DEBUG into pytest's capture.
    logger = logging.getLogger("flask_corsx")
    level = logger.level
    try:
        for snippet in found:
            run_snippet(snippet, namespace, f"{page_id(page)}:{snippet.line}")
    finally:
        logger.setLevel(level)  # setLevel also clears the loggers' isEnabledFor caches
    ran = [snippet for snippet in found if snippet.marker != "not run"]
    assert ran, f"every python block of {page_id(page)} is marked 'not run'"
    for snippet in ran:
        label = f"{page_id(page)}:{snippet.line}"
        assert undefined_names(snippet, namespace) == [], f"{label}: add the imports"
    for name, test in sorted(namespace.items()):
        # A page that shows tests (testing.md) defines the app they test: run them on it.
        if name.startswith("test_") and inspect.isfunction(test) and "app" in namespace:
            test(**fixtures_for(test, namespace["app"]))


def undefined_names(snippet: Snippet, namespace: dict[str, Any]) -> list[str]:
    """Globals that the functions of a snippet use but the page never defines: a view body
    using ``session`` without importing it runs fine until a request comes."""
    if snippet.language != "python":
        return []
    missing: set[str] = set()
    tables = [symtable.symtable(snippet.source, "<snippet>", "exec")]
    while tables:
        table = tables.pop()
        tables.extend(table.get_children())
        for symbol in table.get_symbols():
            name = symbol.get_name()
            if (
                symbol.is_referenced()
                and symbol.is_global()
                and name not in namespace
                and not hasattr(builtins, name)
            ):
                missing.add(name)
    return sorted(missing)


def fixtures_for(test: Any, app: Any) -> dict[str, Any]:
    client = app.test_client()
    available = {"client": client, "cors": flask_corsx.pytest_plugin.CORSTester(client)}
    return {name: available[name] for name in inspect.signature(test).parameters}


def test_snippet_counts() -> None:
    """The runner sees the blocks a reader sees: one count per page, so a lost block shows."""
    counts = {
        page_id(page): sum(s.marker != "not run" for s in snippets(page.read_text("utf-8")))
        for page in GUIDES
    }
    assert counts["docs/usage.md"] >= 8 and counts["docs/migration.md"] >= 3, counts
    assert counts["docs/testing.md"] >= 2 and counts["README.md"] >= 2, counts


def test_errors_page_is_run_by_its_own_test() -> None:
    import test_errors_doc

    text = (DOCS / "errors.md").read_text(encoding="utf-8")
    theirs = [block.line for block in test_errors_doc.python_blocks(text)]
    ours = [snippet.line for snippet in snippets(text)]
    assert ours == theirs and len(ours) > 30
    # Only its own marker: ours would be ignored there.
    assert {snippet.marker for snippet in snippets(text)} <= {"", "not run"}
