#!/bin/bash
# The compose healthcheck's command, for the stand-in: the kafka-tools jar (BrokerApiVersionsCommand) is not
# among the broker's jars, so ask the broker for its configuration through the admin API instead (a real
# request answered by the broker). Usage as upstream: --bootstrap-server HOST:PORT
set -euo pipefail
[ "${1:-}" = "--bootstrap-server" ] && [ -n "${2:-}" ] || { echo "usage: $0 --bootstrap-server HOST:PORT" >&2; exit 2; }
exec java -Xmx96m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties \
  -cp '/opt/kafka/libs/*' kafka.admin.ConfigCommand --bootstrap-server "$2" \
  --describe --entity-type brokers --entity-default
