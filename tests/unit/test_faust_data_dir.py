"""A manual start on a fresh clone: the Faust app makes its data directory (``.cache/faust/<service>``
did not exist there, and Faust died with FileNotFoundError). Making the app connects to nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.config import CommonSettings
from shared.faust_support import make_app


def test_make_app_creates_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a fresh clone: no .cache at all
    relative = Path(".cache/faust/extract")
    assert not relative.exists()
    app = make_app(CommonSettings(kafka_bootstrap_servers="127.0.0.1:1"), "extract", web_host="127.0.0.1",
                   web_port=1, data_dir=str(relative))  # fmt: skip
    assert (tmp_path / relative).is_dir()
    assert Path(app.conf.datadir).resolve() == (tmp_path / relative).resolve()
    # Twice (a restart) is fine too.
    make_app(CommonSettings(), "extract", web_host="127.0.0.1", web_port=1, data_dir=str(relative))
