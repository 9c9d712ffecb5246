"""warwire's one version number: the installed package's (pyproject's ``project.version``), read from
its metadata. The OpenAPI documents, the AsyncAPI catalogue and ``warwire --version`` all show it."""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def package_version() -> str:
    """The installed distribution's version; from a checkout that was never installed, pyproject's."""
    try:
        return version("warwire")
    except PackageNotFoundError:
        try:
            return str(tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "0+unknown"


__version__ = package_version()
