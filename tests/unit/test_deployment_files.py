"""The deployment files we cannot run here (no Docker engine) are checked statically: docker-compose.yml
against the compose-spec schema, the Dockerfile with hadolint, and the Grafana dashboards against their
generator and the provisioned datasource."""

from __future__ import annotations

import json
import re
import runpy
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_matches_the_compose_spec() -> None:
    run = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr


def test_compose_services_are_healthchecked_and_extract_scales() -> None:
    services = compose()["services"]
    from services.runner import SERVICES

    workers = SERVICES
    assert {"kafka", "postgres", "prometheus", "grafana", *workers} <= set(services)
    assert services["kafka"]["image"].startswith("apache/kafka:4.")
    for name in ("kafka", "postgres", "prometheus", *workers):
        assert "healthcheck" in services[name], name
    for name in workers:
        deps = services[name]["depends_on"]
        assert all(d["condition"] == "service_healthy" for d in deps.values()), name
        assert services[name]["restart"] == "unless-stopped"  # also restarts a worker that exits 75 (stalled)
    # --scale extract=3 needs no fixed host port or container name on extract.
    assert "ports" not in services["extract"] and "container_name" not in services["extract"]
    # Webhook deliveries run in their own service, with the command the image's entry point runs.
    assert services["deliver"]["command"] == ["deliver"]
    # Every service runs as the command the image's entry point (`warwire run`) takes.
    assert all(services[name]["command"] == [name] for name in workers)


def test_prometheus_scrapes_every_service_on_its_port() -> None:
    from services.runner import SERVICES, StackPorts

    config = yaml.safe_load((ROOT / "infra" / "prometheus" / "prometheus.yml").read_text())
    targets = {
        (c["names"][0], c["port"]) for job in config["scrape_configs"] for c in job.get("dns_sd_configs", [])
    }
    assert targets == {(name, getattr(StackPorts(), name)) for name in SERVICES}


def test_env_example_variables_are_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    names = re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M)
    assert names
    missing = [n for n in names if f"`{n}`" not in readme]
    assert not missing, f"not in README: {missing}"


def test_dockerfile_lints() -> None:
    run = subprocess.run([str(BIN / "hadolint"), "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_dashboards_are_generated_and_use_the_provisioned_datasource() -> None:
    generator = runpy.run_path(str(ROOT / "infra" / "grafana" / "dashboards.py"))
    committed = {p.name: p.read_text() for p in (ROOT / "infra" / "grafana" / "dashboards").glob("*.json")}
    assert committed == generator["rendered"](), "run: python infra/grafana/dashboards.py"
    provisioned = yaml.safe_load(
        (ROOT / "infra" / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    uid = provisioned["datasources"][0]["uid"]
    for name, text in committed.items():
        board = json.loads(text)
        assert board["panels"], name
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] == uid, (name, panel["title"])
            assert all(t["datasource"]["uid"] == uid and t["expr"] for t in panel["targets"])
    mounts = compose()["services"]["grafana"]["volumes"]
    assert any(m.startswith("./infra/grafana/dashboards:") for m in mounts)
    assert any(m.startswith("./infra/grafana/provisioning:") for m in mounts)
