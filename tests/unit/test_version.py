"""One version number: the package's (pyproject), shown by `warwire --version`, the OpenAPI documents and
the AsyncAPI catalogue."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from services.cli import main
from shared.contracts import CONTRACTS_DIR, asyncapi
from shared.version import __version__

ROOT = Path(__file__).resolve().parents[2]


def test_the_version_is_the_packages(capsys) -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert __version__ == declared
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert capsys.readouterr().out.strip() == f"warwire {declared}"


def test_the_cli_prints_it() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "services.cli", "--version"], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.split() == ["warwire", __version__]


def test_openapi_and_asyncapi_carry_it() -> None:
    from services.api.app import create_app
    from services.api.store import Store
    from services.deliver.app import create_app as deliver_app
    from services.ingest.app import create_app as ingest_app

    api = create_app(Store("sqlite+aiosqlite:///:memory:"), max_limit=10, api_keys=set())
    assert api.openapi()["info"]["version"] == __version__
    assert ingest_app(None, api_keys=set(), health=lambda: True, max_bytes=10).version == __version__  # type: ignore[arg-type]
    assert asyncapi()["info"]["version"] == __version__
    committed = yaml.safe_load((CONTRACTS_DIR / "asyncapi.yaml").read_text())
    assert committed["info"]["version"] == __version__
    assert {op["action"] for op in committed["operations"].values()} == {"send"}  # warwire publishes them
    assert deliver_app(None).version == __version__  # type: ignore[arg-type]
