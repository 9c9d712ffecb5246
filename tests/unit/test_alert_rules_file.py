"""The default alert rules ship inside the package (importlib.resources), so the alert service starts
from any working directory and from an installed wheel or image; WARWIRE_ALERT_RULES_PATH overrides."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from services.alert.rules import AlertRules, default_rules_text
from services.alert.settings import AlertSettings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_load_from_another_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # nothing of the checkout here
    monkeypatch.delenv("WARWIRE_ALERT_RULES_PATH", raising=False)
    rules = AlertRules.load(AlertSettings().alert_rules_path or None)
    assert "baseline:" in default_rules_text()
    assert rules.long_range_strike.enabled and rules.tempo_spike.min_count >= 1


def test_defaults_load_in_a_fresh_interpreter_elsewhere(tmp_path: Path) -> None:
    """As `warwire run alert` would, from a directory that has no config/ folder."""
    code = "from services.alert.rules import AlertRules; print(AlertRules.load().new_actor.lookback_days)"
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == AlertRules.load().new_actor.lookback_days


def test_the_setting_overrides_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("baseline: ['new_actor:X']\nnew_actor: {enabled: false}\n")
    monkeypatch.setenv("WARWIRE_ALERT_RULES_PATH", str(path))
    rules = AlertRules.load(AlertSettings().alert_rules_path or None)
    assert rules.baseline == ["new_actor:X"] and not rules.new_actor.enabled
    assert AlertRules.load().new_actor.enabled  # the packaged defaults are untouched


def test_the_rules_are_package_data() -> None:
    """pyproject's package-data globs cover the file, so a wheel carries it."""
    import tomllib

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    patterns = [*globs.get("*", []), *globs.get("services.alert", [])]
    assert any(Path("rules.yaml").match(p) for p in patterns), patterns
    assert (ROOT / "services" / "alert" / "rules.yaml").is_file()
