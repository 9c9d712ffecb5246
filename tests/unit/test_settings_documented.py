"""Every setting any service reads is documented in the README's configuration table."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from services.alert.settings import AlertSettings
from services.api.settings import ApiSettings
from services.deliver.settings import DeliverSettings
from services.detect.settings import DetectSettings
from services.extract.settings import ExtractSettings
from services.ingest.settings import IngestSettings
from services.merge.settings import MergeSettings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def env_names(cls: type[BaseSettings]) -> list[str]:
    out = []
    for name, field in cls.model_fields.items():
        alias = field.validation_alias
        choices = getattr(alias, "choices", None)
        out.append(str(choices[0]) if choices else f"WARWIRE_{name.upper()}")
    return out


@pytest.mark.parametrize(
    "cls",
    [
        IngestSettings,
        ExtractSettings,
        MergeSettings,
        DetectSettings,
        AlertSettings,
        DeliverSettings,
        ApiSettings,
    ],
)
def test_every_setting_is_in_the_readme(cls: type[BaseSettings]) -> None:
    missing = [n for n in env_names(cls) if f"| `{n}` |" not in README]
    assert missing == []


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "a:1,b:2")
    monkeypatch.setenv("WARWIRE_EXTRACT_WORKERS", "3")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://x/y")
    assert ExtractSettings().bootstrap_list == ["a:1", "b:2"]
    assert ExtractSettings().extract_workers == 3
    assert ApiSettings().database_url == "postgresql+asyncpg://x/y"


def test_deliver_settings_accept_the_alert_services_old_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARWIRE_ALERT_WEBHOOK_MAX_ATTEMPTS", "7")
    monkeypatch.setenv("WARWIRE_ALERT_WEBHOOK_TIMEOUT_S", "2.5")
    assert DeliverSettings().deliver_max_attempts == 7 and DeliverSettings().deliver_timeout_s == 2.5
    monkeypatch.setenv("WARWIRE_DELIVER_MAX_ATTEMPTS", "9")  # the new name wins
    assert DeliverSettings().deliver_max_attempts == 9
