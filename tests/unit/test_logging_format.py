"""WARWIRE_LOG_FORMAT=json: every record one JSON object per line, tracebacks included; text stays the
default. Run in a child interpreter, as a service starts, so this test's own logging is not touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.config import CommonSettings

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = """
import logging
from shared.config import CommonSettings
from shared.logging import configure_logging
s = CommonSettings()
configure_logging(s.log_level, s.log_format)
logging.getLogger("warwire.test").info("hello %s", "wörld")
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("warwire.test").exception("failed")
"""


def run(fmt: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "WARWIRE_LOG_FORMAT"}
    env["PYTHONPATH"] = str(ROOT)
    if fmt is not None:
        env["WARWIRE_LOG_FORMAT"] = fmt
    out = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return out.stderr.splitlines()


def test_json_lines() -> None:
    lines = run("json")
    records = [json.loads(line) for line in lines]  # every line is one JSON document
    assert len(records) == 2
    hello, failed = records
    assert (
        hello["message"] == "hello wörld" and hello["level"] == "INFO" and hello["logger"] == "warwire.test"
    )
    assert hello["time"].endswith("+00:00") and isinstance(hello["process"], int)
    assert failed["level"] == "ERROR" and "ZeroDivisionError" in failed["exception"]


def test_text_by_default() -> None:
    lines = run(None)
    assert " INFO warwire.test: hello wörld" in lines[0]
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines[0])


def test_an_unknown_format_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARWIRE_LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="log_format"):
        CommonSettings()
