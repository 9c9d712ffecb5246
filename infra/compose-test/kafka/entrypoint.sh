#!/bin/bash
# Renders server.properties from the KAFKA_* environment as the apache/kafka image does (KAFKA_LOG_DIRS ->
# log.dirs; ___ -> '-', __ -> '_', _ -> '.'), formats the log dir once (KRaft), then runs the broker.
set -euo pipefail
CONF=/opt/kafka/config/server.properties
CLUSTER_ID=${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}
: >"$CONF"
for name in $(compgen -e); do
  case "$name" in
    KAFKA_HEAP_OPTS | KAFKA_OPTS | KAFKA_JVM_PERFORMANCE_OPTS | KAFKA_LOG4J_OPTS | KAFKA_VERSION) continue ;;
    KAFKA_*) ;;
    *) continue ;;
  esac
  key=${name#KAFKA_}
  key=${key,,}
  key=${key//___/-}
  key=${key//__/@}
  key=${key//_/.}
  key=${key//@/_}
  printf '%s=%s\n' "$key" "${!name}" >>"$CONF"
done
LOG_DIRS=$(sed -n 's/^log\.dirs=//p' "$CONF")
[ -n "$LOG_DIRS" ] || { echo "entrypoint: KAFKA_LOG_DIRS is not set" >&2; exit 1; }
JAVA=(java ${KAFKA_HEAP_OPTS:--Xmx512m -Xms128m} -XX:+UseG1GC -Djava.awt.headless=true
  -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties -cp '/opt/kafka/libs/*')
if [ ! -f "${LOG_DIRS%%,*}/meta.properties" ]; then
  "${JAVA[@]}" kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$CONF"
fi
exec "${JAVA[@]}" kafka.Kafka "$CONF"
