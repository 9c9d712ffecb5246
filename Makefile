# warwire — the two commands: `make demo` (whole pipeline on the sample articles) and `make test`.
# Both run scripts/setup.sh first, which installs everything a fresh machine needs (idempotent).
SHELL := /bin/bash
PY := .venv/bin/python
export PYTHONUNBUFFERED := 1

.PHONY: setup demo demo-once test lint faults unit integration kafka-start kafka-stop kafka-cluster-start kafka-cluster-stop contracts compose-test clean

setup:
	@bash scripts/setup.sh

## Run Kafka + the seven services, feed samples/articles.jsonl, show the events; Ctrl-C stops.
demo: setup
	$(PY) -m services.demo

## Non-interactive demo: feed the samples, wait for their events in the API, print them, exit 0.
demo-once: setup
	$(PY) -m services.demo --once

## Lint, type-check and the whole test suite (starts its own Kafka broker unless KAFKA_BOOTSTRAP_SERVERS is set).
test: setup lint
	$(PY) -m pytest -q -ra $(PYTEST_ARGS)

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

## Fault-injection tests (SIGKILL of the extract and of the alert worker, of one broker of a 3-node cluster, mid-stream, then a restart; alert and deliver restarted while a webhook receiver is down; two API replicas on one PostgreSQL); CI runs them.
faults: setup
	$(PY) -m pytest -q -ra -m faults $(PYTEST_ARGS)

## docker-compose.yml in real containers (podman; scripts/containers.sh installs it): samples to events and to a
## signed webhook, a Kafka container recreated, Prometheus scraping every service. CI runs it last.
compose-test: setup
	bash scripts/containers.sh install
	$(PY) -m pytest -q -ra -s -m compose tests/compose $(PYTEST_ARGS)

unit: setup
	$(PY) -m pytest -q tests/unit

kafka-start: setup
	bash scripts/kafka.sh start

kafka-stop:
	bash scripts/kafka.sh stop

## A local 3-node KRaft cluster on 127.0.0.1:9192,9194,9196 (replication factor 3, min.insync.replicas 2).
kafka-cluster-start: setup
	bash scripts/kafka.sh cluster-start

kafka-cluster-stop:
	bash scripts/kafka.sh cluster-stop

contracts: setup
	$(PY) -m services.cli contracts

clean:
	rm -rf .cache/demo .cache/faust .cache/api .cache/ingest
