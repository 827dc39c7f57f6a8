"""docs/errors.md documents every code in :data:`flask_corsx.errors.CODES`, and its examples work.

Each code has one ``### corsx.XNNN: title`` section, in code order, whose title is the CODES
title. The first runnable ``python`` block of a section is its example: run, it must produce
exactly that code (for a retired code, only codes that replace it). The later runnable blocks
are fixes: run, they must produce neither that code nor any error. A block preceded by
``<!-- not run -->`` is only compiled. Every FETCH id cited in a message string of the
package is explained in the doc.
"""

from __future__ import annotations

import ast
import logging
import pathlib
import re
import warnings
from dataclasses import dataclass

import pytest
from flask import Flask
from pytest import CaptureFixture

from flask_corsx import CORS, CORSConfigError, CORSConfigWarning, cross_origin
from flask_corsx.errors import CODES, RETIRED_CODES

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "errors.md"
PACKAGE = ROOT / "flask_corsx"
TEXT = DOC.read_text(encoding="utf-8")
#: The doc without its fenced blocks (a "# comment" in code is not a heading).
PROSE = re.sub(r"^```.*?^```$", "", TEXT, flags=re.MULTILINE | re.DOTALL)

CODE_HEADING = re.compile(r"^### (corsx\.[EW]\d{3}): (.+)$", re.MULTILINE)
FETCH_ID = re.compile(r"FETCH-([A-Z]+)(\d+)(?:\.\.[A-Z]*(\d+))?")
CODE_IN_TEXT = re.compile(r"corsx\.[EW]\d{3}")
NOT_RUN = "<!-- not run -->"
FETCH_SECTION = "## The FETCH-xx ids in messages"


@dataclass(frozen=True)
class Block:
    source: str
    line: int  # 1-based line of the opening fence
    run: bool


def python_blocks(text: str, first_line: int = 1) -> list[Block]:
    """The ```python blocks of ``text``, each marked runnable unless ``<!-- not run -->``
    is the last non-blank line before its fence."""
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        if lines[index].strip() == "```python":
            start = index
            body: list[str] = []
            index += 1
            while index < len(lines) and lines[index].strip() != "```":
                body.append(lines[index])
                index += 1
            assert index < len(lines), f"unclosed python block at line {first_line + start}"
            before = [line.strip() for line in lines[:start] if line.strip()]
            run = not before or before[-1] != NOT_RUN
            blocks.append(Block("\n".join(body) + "\n", first_line + start, run))
        index += 1
    return blocks


def code_sections(text: str) -> dict[str, tuple[str, str, int]]:
    """code -> (heading title, section body, line of the body's first line)."""
    matches = list(CODE_HEADING.finditer(text))
    sections: dict[str, tuple[str, str, int]] = {}
    for position, match in enumerate(matches):
        end = matches[position + 1].start() if position + 1 < len(matches) else len(text)
        following = re.search(r"^## ", text[match.end() : end], re.MULTILINE)
        if following is not None:
            end = match.end() + following.start()
        line = text.count("\n", 0, match.end()) + 2
        sections[match.group(1)] = (match.group(2), text[match.end() : end], line)
    return sections


SECTIONS = code_sections(TEXT)


def message_strings() -> list[str]:
    """The string literals (f-string parts included, docstrings not) of every function in the
    package that words a coded problem: one whose strings name a ``corsx.`` code. Other
    messages, such as a browser verdict's, cite FETCH ids too, but are not this doc's."""
    strings: list[str] = []
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        }
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            found = [
                node.value
                for node in ast.walk(function)
                if isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
            ]
            if any(CODE_IN_TEXT.search(text) for text in found):
                strings.extend(found)
    return strings


def fetch_ids(text: str) -> set[str]:
    """The FETCH ids ``text`` cites, ranges such as ``FETCH-C1..C9`` spelled out."""
    ids: set[str] = set()
    for letters, first, last in FETCH_ID.findall(text):
        ids.update(f"FETCH-{letters}{n}" for n in range(int(first), int(last or first) + 1))
    return ids


def replacements(code: str) -> set[str]:
    """The codes a retired code's title says replace it ("... (retired: now W012 or W013)")."""
    match = re.search(r"retired: now ([^)]+)\)", CODES[code])
    assert match is not None, f"retired {code} does not name what replaces it"
    return {f"corsx.{name}" for name in re.findall(r"[EW]\d{3}", match.group(1))}


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def produced_codes(block: Block, label: str) -> set[str]:
    """Run one example; the codes it raised, warned or logged on the flask_corsx logger."""
    namespace = {
        "__name__": "errors_doc_example",
        "Flask": Flask,
        "CORS": CORS,
        "cross_origin": cross_origin,
    }
    logger = logging.getLogger("flask_corsx")
    handler = _Records()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    codes: set[str] = set()
    try:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            try:
                exec(compile(block.source, f"<{label}>", "exec"), namespace)
            except CORSConfigError as exc:
                codes.update(problem.code for problem in exc.problems)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    for warning in record:
        if issubclass(warning.category, CORSConfigWarning):
            codes.update(CODE_IN_TEXT.findall(str(warning.message)))
    for message in handler.messages:
        codes.update(CODE_IN_TEXT.findall(message))
    return codes


# -- headings --------------------------------------------------------------------------------


def test_every_code_has_exactly_one_heading() -> None:
    found = [match.group(1) for match in CODE_HEADING.finditer(PROSE)]
    missing = [code for code in CODES if found.count(code) == 0]
    repeated = sorted({code for code in found if found.count(code) > 1})
    unknown = sorted(set(found) - set(CODES))
    assert (missing, repeated, unknown) == ([], [], [])


def test_no_other_heading_names_a_code() -> None:
    # A heading that mentions a code but is not of the form "### corsx.E001: title".
    headings = re.findall(r"^#+ .*$", PROSE, re.MULTILINE)
    strays = [h for h in headings if "corsx." in h and not CODE_HEADING.fullmatch(h)]
    assert strays == []


def test_headings_are_in_code_order() -> None:
    found = [match.group(1) for match in CODE_HEADING.finditer(PROSE)]
    assert found == sorted(CODES, key=lambda code: (code[6], int(code[7:])))
    assert found == list(CODES)


@pytest.mark.parametrize("code", list(CODES))
def test_heading_title_is_the_codes_title(code: str) -> None:
    title = SECTIONS[code][0]
    if code in RETIRED_CODES:
        assert title == CODES[code] or title.startswith(CODES[code] + " ")
    else:
        assert title == CODES[code]


def test_internal_links_point_at_headings() -> None:
    def slug(heading: str) -> str:  # GitHub's anchor for a heading
        return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")

    anchors = {slug(h) for h in re.findall(r"^#+ (.+)$", PROSE, re.MULTILINE)}
    links = re.findall(r"\]\(#([^)]+)\)", TEXT)
    assert links, "expected links between related codes"
    assert sorted(set(links) - anchors) == []


# -- FETCH ids ---------------------------------------------------------------------------------


def test_every_fetch_id_in_a_message_is_explained() -> None:
    used = {fetch_id for text in message_strings() for fetch_id in fetch_ids(text)}
    assert used, "no FETCH id found in the package's messages"
    assert FETCH_SECTION in TEXT
    section = TEXT.split(FETCH_SECTION, 1)[1].split("\n## ", 1)[0]
    explained = set(re.findall(r"^- \*\*(FETCH-[A-Z]+\d+)\*\*: \S", section, re.MULTILINE))
    assert sorted(used - explained) == []


# -- examples ----------------------------------------------------------------------------------


def test_every_python_block_compiles() -> None:
    blocks = python_blocks(TEXT)
    assert blocks
    for block in blocks:
        compile(block.source, f"<docs/errors.md:{block.line}>", "exec")


@pytest.mark.parametrize("code", list(CODES))
def test_example_produces_its_code(code: str) -> None:
    _, body, line = SECTIONS[code]
    runnable = [block for block in python_blocks(body, line) if block.run]
    assert runnable, f"{code} has no runnable example"
    example = runnable[0]
    codes = produced_codes(example, f"docs/errors.md:{example.line}")
    # Exactly its code, so a reader sees that problem alone.
    if code in RETIRED_CODES:
        expected = replacements(code)
        assert codes and codes <= expected, f"{code}: wanted {sorted(expected)}, got {codes}"
    else:
        assert codes == {code}, f"{code}: the example produced {sorted(codes)}"


@pytest.mark.parametrize("code", list(CODES))
def test_fixes_do_not_produce_the_code(code: str) -> None:
    _, body, line = SECTIONS[code]
    fixes = [block for block in python_blocks(body, line) if block.run][1:]
    unwanted = replacements(code) | {code} if code in RETIRED_CODES else {code}
    for fix in fixes:
        codes = produced_codes(fix, f"docs/errors.md:{fix.line}")
        assert not codes & unwanted, f"the fix at line {fix.line} still produces {codes}"
        assert not any(c.startswith("corsx.E") for c in codes), f"line {fix.line}: {codes}"


# -- the introduction's snippets ----------------------------------------------------------------


def intro_block(needle: str) -> Block:
    intro = TEXT.split("\n## The codes", 1)[0]
    matching = [block for block in python_blocks(intro) if needle in block.source]
    assert len(matching) == 1, f"expected one introduction block with {needle!r}"
    return matching[0]


def test_problems_snippet_prints_what_it_says(capsys: CaptureFixture[str]) -> None:
    block = intro_block("exc.problems")
    exec(compile(block.source, f"<docs/errors.md:{block.line}>", "exec"), {"__name__": "doc"})
    shown = [line[2:] for line in block.source.splitlines() if line.startswith("# ")]
    assert capsys.readouterr().out.splitlines() == shown


def test_filter_snippet_silences_the_warning() -> None:
    block = intro_block("filterwarnings")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        exec(compile(block.source, f"<docs/errors.md:{block.line}>", "exec"), {"__name__": "doc"})
        CORS(Flask("doc"), origins=[r"https://.*\.example\.com"])  # W007
        CORS(Flask("doc"), max_age=86400)  # W001, not silenced
    codes = [CODE_IN_TEXT.findall(str(w.message)) for w in record]
    assert codes == [["corsx.W001"]]
