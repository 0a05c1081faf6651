#!/usr/bin/env bash
# A single-node Apache Kafka (KRaft, combined broker + controller) for development, tests and
# the demo. Resolves the broker from Maven Central; no Docker needed.
#
#   ops/kafka/kafka.sh fetch | start | stop | status | reset | logs | bootstrap
#
# `start` is safe to run twice, also at once (a lock): it waits for a broker it already started,
# and uses any Kafka broker that already answers on the port. `stop` signals the pid file's
# process only if that is this instance's broker (java ... kafka.Kafka <its server.properties>).
#
# Settings (environment):
#   KAFKA_VERSION          Apache Kafka version (default 4.1.1)
#   KAFKA_PORT             client port on 127.0.0.1 (default 9092); controller uses port+1
#   KAFKA_HEAP             JVM heap options (default "-Xms256m -Xmx768m")
#   KAFKA_START_TIMEOUT    seconds to wait for the broker to answer (default 90)
#   VIGIL_CACHE_DIR        where resolved jars live (default <repo>/.cache)
#   VIGIL_RUN_DIR          where data, logs and the pid file live (default <repo>/.run)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

version=${KAFKA_VERSION:-4.1.1}
port=${KAFKA_PORT:-9092}
controller_port=$((port + 1))
heap=${KAFKA_HEAP:--Xms256m -Xmx768m}
start_timeout=${KAFKA_START_TIMEOUT:-90}
cache=${VIGIL_CACHE_DIR:-$repo/.cache}/kafka/$version
libs=$cache/libs
run=${VIGIL_RUN_DIR:-$repo/.run}/kafka-$port
data=$run/data
logs=$run/logs
pidfile=$run/kafka.pid
props=$run/server.properties

say() { printf 'kafka: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

need_java() {
  command -v java >/dev/null || die "java not found; Kafka $version needs Java 17+ (apt-get install openjdk-17-jre-headless)"
  local major
  major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
  [ "${major:-0}" -ge 17 ] || die "Kafka $version needs Java 17+, found Java ${major:-unknown}"
}

fetch() {
  if [ -f "$libs/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found; install Maven (apt-get install maven) to resolve Kafka $version"
  say "resolving Apache Kafka $version from Maven Central into $libs"
  local tmp="$cache/libs.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  if ! mvn -q -B -f "$here/pom.xml" -Dkafka.version="$version" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$cache/mvn.log" 2>&1; then
    tail -n 20 "$cache/mvn.log" >&2
    rm -rf "$tmp"
    die "Maven could not resolve org.apache.kafka:kafka_2.13:$version (log: $cache/mvn.log)"
  fi
  rm -rf "$libs"
  mv "$tmp" "$libs"
  touch "$libs/.complete"
}

# The pid file's process, if it is this instance's broker; a stale file (the broker died and
# the pid was reused, or the file was copied) must never get another process signalled.
our_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  is_our_broker "$pid" || return 1
  echo "$pid"
}

is_our_broker() {
  local cmdline
  cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") || return 1
  [[ "$cmdline" == *" kafka.Kafka $props"* ]]
}

pid_alive() {
  our_pid >/dev/null
}

forget_stale_pidfile() {
  if [ -f "$pidfile" ] && ! pid_alive; then
    say "removing stale pid file (pid $(cat "$pidfile" 2>/dev/null) is not this broker)"
    rm -f "$pidfile"
  fi
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

answers_metadata() {
  java -cp "$libs/*" org.apache.kafka.tools.BrokerApiVersionsCommand \
    --bootstrap-server "127.0.0.1:$port" >/dev/null 2>&1
}

write_properties() {
  mkdir -p "$data" "$logs"
  cat >"$props" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=24
log.segment.bytes=67108864
EOF
}

start() {
  need_java
  mkdir -p "$run"
  # One start at a time per instance: two `make test` runs must not race to two JVMs.
  exec 9>"$run/start.lock"
  if command -v flock >/dev/null; then flock 9; fi
  forget_stale_pidfile
  if pid_alive; then
    fetch
    say "already started (pid $(our_pid)); waiting until it answers on 127.0.0.1:$port"
    wait_ready
    return 0
  fi
  if port_open "$port"; then
    fetch
    if answers_metadata; then
      say "a Kafka broker already answers on 127.0.0.1:$port (not started by this script; using it)"
      return 0
    fi
    die "port $port is taken by a process that is not a Kafka broker; set KAFKA_PORT to a free port"
  fi
  if port_open "$controller_port"; then
    die "controller port $controller_port (KAFKA_PORT+1) is taken; set KAFKA_PORT so that it and the next port are free"
  fi
  fetch
  write_properties
  if [ ! -f "$data/meta.properties" ]; then
    local cluster_id
    cluster_id=$(java -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null)
    java -Dlog4j2.configurationFile="$here/log4j2.properties" -Dkafka.logs.dir="$logs" \
      -cp "$libs/*" kafka.tools.StorageTool format -t "$cluster_id" -c "$props" --standalone \
      >"$logs/format.log" 2>&1 || { cat "$logs/format.log" >&2; die "could not format KRaft storage in $data"; }
  fi
  say "starting Kafka $version on 127.0.0.1:$port (logs: $logs/server.log)"
  # setsid: the broker outlives the shell that started it and is not hit by its job control.
  # The lock's descriptor is closed for the broker, or it would hold the lock as long as it runs.
  setsid nohup java $heap -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$here/log4j2.properties" -Dkafka.logs.dir="$logs" \
    -cp "$libs/*" kafka.Kafka "$props" >"$logs/stdout.log" 2>&1 < /dev/null 9>&- &
  echo $! >"$pidfile"
  wait_ready
}

wait_ready() {
  local waited=0
  until port_open "$port" && answers_metadata; do
    if ! pid_alive; then
      tail -n 30 "$logs/server.log" "$logs/stdout.log" >&2 2>/dev/null || true
      die "broker exited during start-up (see $logs/server.log)"
    fi
    if [ "$waited" -ge "$start_timeout" ]; then
      tail -n 30 "$logs/server.log" >&2 2>/dev/null || true
      die "broker did not answer metadata requests within ${start_timeout}s"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  say "ready (pid $(our_pid), bootstrap 127.0.0.1:$port)"
}

answers_metadata_with_libs() {
  [ -f "$libs/.complete" ] && answers_metadata
}

stop() {
  forget_stale_pidfile
  local pid
  if ! pid=$(our_pid); then
    say "not running"
    return 0
  fi
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    is_our_broker "$pid" || break
    sleep 0.5
  done
  if is_our_broker "$pid"; then
    say "broker did not stop in 30s; killing pid $pid"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  say "stopped"
}

status() {
  local pid
  if pid=$(our_pid); then
    if answers_metadata_with_libs; then say "running (pid $pid, bootstrap 127.0.0.1:$port)"; return 0; fi
    say "process $pid is up but not answering on 127.0.0.1:$port"
    return 2
  fi
  if [ -f "$pidfile" ]; then say "stopped (stale pid file $pidfile)"; else say "stopped"; fi
  return 3
}

reset() {
  stop
  rm -rf "$run"
  say "data removed ($run)"
}

case "${1:-}" in
  fetch) fetch; say "jars in $libs" ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  reset) reset ;;
  restart) stop; start ;;
  logs) tail -n "${2:-50}" "$logs/server.log" ;;
  bootstrap) echo "127.0.0.1:$port" ;;
  *) echo "usage: $0 fetch|start|stop|restart|status|reset|logs [N]|bootstrap" >&2; exit 64 ;;
esac
