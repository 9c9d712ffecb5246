#!/usr/bin/env bash
# Local Apache Kafka (KRaft) for warwire: fetch jars from Maven Central, format, start, stop; a single
# node, or a 3-node cluster whose every node is broker and controller.
#
#   scripts/kafka.sh fetch          resolve the broker jars into .cache/kafka/libs (idempotent)
#   scripts/kafka.sh start          fetch + format (first time) + start in the background, wait until ready
#   scripts/kafka.sh stop           stop the broker started from the same data dir (by its PID)
#   scripts/kafka.sh kill           SIGKILL that broker (fault tests), waiting until it is gone
#   scripts/kafka.sh status         exit 0 if it is running and accepting connections
#   scripts/kafka.sh cluster-start  start a 3-node cluster: replication factor 3, min.insync.replicas 2
#   scripts/kafka.sh cluster-stop   stop the cluster's nodes
#   scripts/kafka.sh cluster-status exit 0 if every node is running
#
# Settings (environment):
#   KAFKA_PORT             client port on 127.0.0.1            (default 9092; cluster: node 1's, default 9192)
#   KAFKA_CONTROLLER_PORT  KRaft controller port               (default KAFKA_PORT + 1)
#   KAFKA_DATA_DIR         log dirs, rendered config, PID, log (default .cache/kafka/run-<port>;
#                          cluster: node i's is KAFKA_DATA_DIR/node-i, default .cache/kafka/cluster-<port>)
#   KAFKA_HEAP             JVM heap                            (default 512m)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness       (default 90)
#   One node of a cluster (set by cluster-start, or by services.runner.LocalCluster):
#   KAFKA_NODE_ID          this node's id                      (default 1)
#   KAFKA_QUORUM_VOTERS    controller.quorum.voters            (default this node alone)
#   KAFKA_REPLICATION_FACTOR  replicas of internal and default-created topics (default 1)
#   KAFKA_MIN_ISR          min.insync.replicas                 (default a majority of the replicas)
# The cluster's node i (1..3) listens on KAFKA_PORT + 2(i-1) and its controller on the port after that.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE="$ROOT/.cache/kafka"
LIBS="$CACHE/libs"
POM="$ROOT/infra/kafka/pom.xml"
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")
PORT=${KAFKA_PORT:-9092}
CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}
DATA_DIR=${KAFKA_DATA_DIR:-$CACHE/run-$PORT}
HEAP=${KAFKA_HEAP:-512m}
TIMEOUT=${KAFKA_START_TIMEOUT:-90}
NODE_ID=${KAFKA_NODE_ID:-1}
VOTERS=${KAFKA_QUORUM_VOTERS:-$NODE_ID@127.0.0.1:$CONTROLLER_PORT}
REPLICATION_FACTOR=${KAFKA_REPLICATION_FACTOR:-1}
MIN_ISR=${KAFKA_MIN_ISR:-$((REPLICATION_FACTOR / 2 + 1))}
CLUSTER_NODES=3
CLUSTER_PORT=${KAFKA_PORT:-9192}
CLUSTER_DIR=${KAFKA_DATA_DIR:-$CACHE/cluster-$CLUSTER_PORT}
PID_FILE="$DATA_DIR/kafka.pid"
LOG_FILE="$DATA_DIR/kafka.log"
# A fixed, valid base64 UUID: the cluster is local and formatted once per data dir.
CLUSTER_ID=V2FyV2lyZUxvY2FsS1JhZg

die() { echo "kafka.sh: $*" >&2; exit 1; }

require_java() {
  command -v java >/dev/null 2>&1 || die "Java 17 or newer is required (apt-get install openjdk-17-jre-headless)."
  local v
  v=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
  [ -n "$v" ] && [ "$v" -ge 17 ] || die "Java 17 or newer is required; found: $(java -version 2>&1 | head -n1)"
}

require_maven() {
  command -v mvn >/dev/null 2>&1 || die "Maven is required to fetch the Kafka jars (apt-get install maven)."
}

fetch() {
  if [ -f "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" ] && [ -f "$LIBS/.complete" ]; then
    return 0
  fi
  require_maven
  echo "kafka.sh: resolving Apache Kafka $KAFKA_VERSION jars from Maven Central into $LIBS" >&2
  rm -rf "$LIBS"; mkdir -p "$LIBS"
  mvn -B -q -f "$POM" \
    org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIBS" \
    || die "mvn could not resolve the Kafka jars (is Maven Central reachable?)"
  touch "$LIBS/.complete"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running() {
  [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null
}

render_config() {
  mkdir -p "$DATA_DIR/logs"
  sed -e "s#@PORT@#$PORT#g" -e "s#@CONTROLLER_PORT@#$CONTROLLER_PORT#g" -e "s#@LOG_DIR@#$DATA_DIR/logs#g" \
    -e "s#@NODE_ID@#$NODE_ID#g" -e "s#@VOTERS@#$VOTERS#g" \
    -e "s#@REPLICATION_FACTOR@#$REPLICATION_FACTOR#g" -e "s#@MIN_ISR@#$MIN_ISR#g" \
    "$ROOT/infra/kafka/server.properties.template" > "$DATA_DIR/server.properties"
}

java_cmd() {
  JAVA_ARGS=(java "-Xmx$HEAP" "-Xms128m" -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$ROOT/infra/kafka/log4j2.properties" -cp "$LIBS/*" "$@")
}

start() {
  require_java
  fetch
  if running && port_open "$PORT"; then
    echo "kafka.sh: already running on 127.0.0.1:$PORT (pid $(cat "$PID_FILE"))" >&2
    return 0
  fi
  if port_open "$PORT"; then
    die "port $PORT is taken by another process; set KAFKA_PORT"
  fi
  render_config
  if [ ! -f "$DATA_DIR/logs/meta.properties" ]; then
    # Static voters are set, so no --standalone.
    java_cmd kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$DATA_DIR/server.properties"
    "${JAVA_ARGS[@]}" >"$DATA_DIR/format.log" 2>&1 || { cat "$DATA_DIR/format.log" >&2; die "storage format failed"; }
  fi
  : >"$LOG_FILE"
  java_cmd kafka.Kafka "$DATA_DIR/server.properties"
  nohup "${JAVA_ARGS[@]}" >>"$LOG_FILE" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  local deadline=$((SECONDS + TIMEOUT))
  until port_open "$PORT" && grep -q "Kafka Server started" "$LOG_FILE"; do
    if ! running; then tail -n 40 "$LOG_FILE" >&2; die "broker exited during start-up (log: $LOG_FILE)"; fi
    [ $SECONDS -lt $deadline ] || { tail -n 40 "$LOG_FILE" >&2; die "broker not ready after ${TIMEOUT}s"; }
    sleep 0.5
  done
  echo "kafka.sh: Kafka $KAFKA_VERSION ready on 127.0.0.1:$PORT (pid $(cat "$PID_FILE"), log $LOG_FILE)" >&2
}

stop() {
  if ! running; then rm -f "$PID_FILE"; echo "kafka.sh: not running" >&2; return 0; fi
  local pid; pid=$(cat "$PID_FILE")
  kill -TERM "$pid"
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then kill -KILL "$pid" 2>/dev/null || true; break; fi
    sleep 0.2
  done
  rm -f "$PID_FILE"
  echo "kafka.sh: stopped (pid $pid)" >&2
}

kill_broker() {
  if ! running; then rm -f "$PID_FILE"; echo "kafka.sh: not running" >&2; return 0; fi
  local pid; pid=$(cat "$PID_FILE")
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$PID_FILE"
  echo "kafka.sh: killed (pid $pid)" >&2
}

# Run this script once per node of the cluster, all at once: a node is ready only when a majority of the
# controllers has elected a leader, so starting them one after the other would never finish.
for_each_node() {
  local action=$1 voters="" i pids=() failed=0
  for i in $(seq 1 $CLUSTER_NODES); do
    voters+="${voters:+,}$i@127.0.0.1:$((CLUSTER_PORT + 2 * (i - 1) + 1))"
  done
  for i in $(seq 1 $CLUSTER_NODES); do
    KAFKA_PORT=$((CLUSTER_PORT + 2 * (i - 1))) KAFKA_CONTROLLER_PORT=$((CLUSTER_PORT + 2 * (i - 1) + 1)) \
      KAFKA_DATA_DIR="$CLUSTER_DIR/node-$i" KAFKA_NODE_ID=$i KAFKA_QUORUM_VOTERS="$voters" \
      KAFKA_REPLICATION_FACTOR=$CLUSTER_NODES KAFKA_MIN_ISR=2 bash "${BASH_SOURCE[0]}" "$action" &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || failed=1; done
  return $failed
}

cluster_bootstrap() {
  local i out=""
  for i in $(seq 1 $CLUSTER_NODES); do out+="${out:+,}127.0.0.1:$((CLUSTER_PORT + 2 * (i - 1)))"; done
  echo "$out"
}

case "${1:-}" in
  fetch) require_java; fetch ;;
  start) start ;;
  stop) stop ;;
  kill) kill_broker ;;
  status) running && port_open "$PORT" ;;
  cluster-start)
    require_java; fetch  # once, before the nodes start side by side
    for_each_node start || die "the cluster did not start (logs under $CLUSTER_DIR)"
    echo "kafka.sh: cluster ready: KAFKA_BOOTSTRAP_SERVERS=$(cluster_bootstrap)" >&2 ;;
  cluster-stop) for_each_node stop ;;
  cluster-status) for_each_node status ;;
  *) echo "usage: $0 {fetch|start|stop|kill|status|cluster-start|cluster-stop|cluster-status}" >&2; exit 2 ;;
esac
