"""The package people install: ``python -m build`` makes an sdist and a wheel whose metadata
is complete and passes ``twine check --strict``; the wheel installs into a fresh virtual
environment and works there (import, a smoke app, the ``flask cors`` command); each archive
holds what it should and nothing else.

How, and why:

- The build runs ``python -m build --no-isolation`` with this environment's setuptools and
  wheel: no download, about a second. It builds the sdist, then the wheel from the unpacked
  sdist, as ``python -m build`` always does, so a file the sdist forgot breaks the wheel. It
  builds a copy of the checkout without its build products: setuptools would otherwise reuse
  a stale ``flask_corsx.egg-info/SOURCES.txt`` as the sdist's file list.
- The fresh environment is ``python -m venv --without-pip`` (a quarter of a second). The
  wheel goes in through this environment's pip (``pip --python``), *with* its dependencies,
  resolved from PyPI through pip's cache (about two seconds once cached). A wheel whose
  ``Requires-Dist`` misses a dependency then fails here, as it would for a user; borrowing
  this environment's packages would hide that.
- ``PYTHONPATH`` is removed from the environment of every command, and the tests check that
  ``flask_corsx`` is imported from the fresh environment, never from the checkout.
"""

from __future__ import annotations

import configparser
import dataclasses
import email.message
import email.parser
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile

import pytest

import flask_corsx

ROOT = pathlib.Path(__file__).resolve().parent.parent
VERSION = flask_corsx.__version__
SDIST_ROOT = f"flask_corsx-{VERSION}"
#: What a checkout holds besides its sources: version control, environments, build products.
NOT_SOURCES = (
    ".git",
    ".venv",
    ".tox",
    "build",
    "dist",
    "*.egg-info",
    "_build",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "results",
)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for commands that must not see the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=180,
        **kwargs,  # type: ignore[call-overload]
    )
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done  # type: ignore[no-any-return]


@dataclasses.dataclass(frozen=True)
class Dists:
    sdist: pathlib.Path
    wheel: pathlib.Path


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    out = tmp_path_factory.mktemp("dist")
    source = tmp_path_factory.mktemp("source") / "flask_corsx"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        env=clean_env(),
    )
    sdists = sorted(out.glob("*.tar.gz"))
    wheels = sorted(out.glob("*.whl"))
    assert [p.name for p in sdists + wheels] == [
        f"{SDIST_ROOT}.tar.gz",
        f"flask_corsx-{VERSION}-py3-none-any.whl",
    ]
    return Dists(sdists[0], wheels[0])


@pytest.fixture(scope="module")
def venv(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A fresh virtual environment with the built wheel (and its dependencies) installed."""
    path = tmp_path_factory.mktemp("venv") / "env"
    run([sys.executable, "-m", "venv", "--without-pip", str(path)], env=clean_env())
    python = path / "bin" / "python"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            str(dists.wheel),
        ],
        env=clean_env(),
    )
    return path


def wheel_metadata(wheel: pathlib.Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(f"flask_corsx-{VERSION}.dist-info/METADATA").decode()
    return email.parser.Parser().parsestr(text)


def setup_cfg_extras() -> set[str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg", encoding="utf-8")
    return set(parser["options.extras_require"])


# -- metadata ----------------------------------------------------------------------------------


def test_twine_check_strict(dists: Dists) -> None:
    done = run(
        [sys.executable, "-m", "twine", "check", "--strict", str(dists.sdist), str(dists.wheel)],
        env=clean_env(),
    )
    assert done.stdout.count("PASSED") == 2, done.stdout


def test_wheel_metadata_is_complete(dists: Dists) -> None:
    metadata = wheel_metadata(dists.wheel)
    # setuptools before 69 writes the normalized "flask-corsx"; later ones keep the spelling.
    assert metadata["Name"].replace("-", "_") == "flask_corsx"
    assert metadata["Version"] == VERSION
    assert metadata["Requires-Python"] == ">=3.9"
    assert metadata["License"] == "MIT"
    assert metadata["Description-Content-Type"] == "text/markdown"
    description = metadata.get_payload()
    assert isinstance(description, str)
    assert description.strip() == (ROOT / "README.md").read_text("utf-8").strip()
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL", []))
    assert sorted(urls) == ["Changes", "Documentation", "Issue tracker", "Source"]
    assert all(url.startswith("https://") for url in urls.values())
    classifiers = set(metadata.get_all("Classifier", []))
    wanted = {
        "Framework :: Flask",
        "License :: OSI Approved :: MIT License",
        "Operating System :: OS Independent",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.9",
        "Programming Language :: Python :: 3.13",
        "Typing :: Typed",
    }
    assert wanted <= classifiers, sorted(wanted - classifiers)
    requires = metadata.get_all("Requires-Dist", [])
    assert {"flask>=2.3", "werkzeug>=2.3"} <= set(requires)
    assert set(metadata.get_all("Provides-Extra", [])) == setup_cfg_extras()
    assert {"async", "docs", "test"} <= setup_cfg_extras()


# -- what is inside ----------------------------------------------------------------------------


def test_wheel_holds_the_package_only(dists: Dists) -> None:
    with zipfile.ZipFile(dists.wheel) as archive:
        names = archive.namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert tops == {"flask_corsx", f"flask_corsx-{VERSION}.dist-info"}
    assert "flask_corsx/py.typed" in names
    modules = {f"flask_corsx/{path.name}" for path in (ROOT / "flask_corsx").glob("*.py")}
    assert modules <= set(names), sorted(modules - set(names))
    strays = [
        n
        for n in names
        if n.split("/", 1)[0] in {"tests", "docs", "examples", "benchmarks"} or n.endswith(".pyc")
    ]
    assert strays == []
    assert f"flask_corsx-{VERSION}.dist-info/licenses/LICENSE" in names or any(
        name.endswith("LICENSE") for name in names
    )


def test_sdist_holds_the_sources_docs_and_tests(dists: Dists) -> None:
    with tarfile.open(dists.sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    wanted = {
        "README.md",
        "LICENSE",
        "CHANGES.rst",
        "setup.cfg",
        "pyproject.toml",
        "flask_corsx/__init__.py",
        "flask_corsx/py.typed",
        "docs/conf.py",
        "docs/index.md",
        "docs/usage.md",
        "docs/_ext/corsx_docs.py",
        "tests/conftest.py",
        "tests/test_docs.py",
        "tests/test_package.py",
        "scripts/docs.sh",
        "examples/app.py",
    }
    assert sorted(wanted - names) == []
    assert [n for n in names if n.startswith("docs/_build") or "__pycache__" in n] == []


# -- the installed wheel -----------------------------------------------------------------------


def test_installed_wheel_is_the_one_imported(venv: pathlib.Path) -> None:
    done = run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import flask_corsx, pathlib; p = pathlib.Path(flask_corsx.__file__).parent;"
            "print(p); print((p / 'py.typed').exists()); print(flask_corsx.__version__)",
        ],
        env=clean_env(),
        cwd=venv,
    )
    location, typed, version = done.stdout.split()
    assert pathlib.Path(location).is_relative_to(venv), location
    assert (typed, version) == ("True", VERSION)


SMOKE_APP = textwrap.dedent(
    """
    from flask import Flask
    from flask_corsx import CORS

    app = Flask(__name__)
    CORS(app, resources={r"/api/*": {"origins": ["https://app.example.com"]}})

    @app.get("/api/items")
    def items():
        return {"items": []}
    """
)


def test_smoke_app_in_the_fresh_environment(venv: pathlib.Path, tmp_path: pathlib.Path) -> None:
    (tmp_path / "smokeapp.py").write_text(SMOKE_APP, encoding="utf-8")
    check = textwrap.dedent(
        """
        from smokeapp import app

        client = app.test_client()
        allowed = client.get("/api/items", headers={"Origin": "https://app.example.com"})
        refused = client.get("/api/items", headers={"Origin": "https://evil.example"})
        print(allowed.status_code, allowed.headers.get("Access-Control-Allow-Origin"))
        print(refused.status_code, refused.headers.get("Access-Control-Allow-Origin"))
        print(allowed.headers.get("Vary"))
        """
    )
    done = run([str(venv / "bin" / "python"), "-c", check], env=clean_env(), cwd=tmp_path)
    assert done.stdout.splitlines() == ["200 https://app.example.com", "200 None", "Origin"]


def test_flask_cors_command_in_the_fresh_environment(
    venv: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    (tmp_path / "smokeapp.py").write_text(SMOKE_APP, encoding="utf-8")
    done = run(
        [str(venv / "bin" / "flask"), "cors", "routes"],
        env=clean_env(FLASK_APP="smokeapp.py"),
        cwd=tmp_path,
    )
    rows = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert "app /api/*" in rows["/api/items"]
    assert "origins=['https://app.example.com']" in rows["/api/items"]
    assert "no CORS" in rows["/static/<path:filename>"]
