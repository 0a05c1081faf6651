#!/usr/bin/env bash
# A Confluent-compatible schema registry for development and tests: Apicurio Registry
# (in-memory storage), resolved from Maven Central; no Docker needed. Its Confluent API is at
# http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7 (what VIGIL_SCHEMA_REGISTRY_URL takes).
#
#   ops/registry/registry.sh fetch | start | stop | status | restart | logs | url
#
# Settings (environment):
#   REGISTRY_VERSION        Apicurio Registry version (default 2.6.13.Final; 3.x needs Java 21)
#   REGISTRY_PORT           HTTP port on 127.0.0.1 (default 8081)
#   REGISTRY_HEAP           JVM heap options (default "-Xms64m -Xmx512m")
#   REGISTRY_START_TIMEOUT  seconds to wait for readiness (default 90)
#   VIGIL_CACHE_DIR         where the resolved distribution lives (default <repo>/.cache)
#   VIGIL_RUN_DIR           where logs and the pid file live (default <repo>/.run)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

version=${REGISTRY_VERSION:-2.6.13.Final}
port=${REGISTRY_PORT:-8081}
heap=${REGISTRY_HEAP:--Xms64m -Xmx512m}
start_timeout=${REGISTRY_START_TIMEOUT:-90}
cache=${VIGIL_CACHE_DIR:-$repo/.cache}/registry/$version
dist=$cache/dist
runner=$dist/apicurio-registry-app-$version-runner.jar
run=${VIGIL_RUN_DIR:-$repo/.run}/registry-$port
pidfile=$run/registry.pid
log=$run/registry.log
base_url=http://127.0.0.1:$port
api_url=$base_url/apis/ccompat/v7

say() { printf 'registry: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

need_java() {
  command -v java >/dev/null || die "java not found; Apicurio Registry $version needs Java 17+ (apt-get install openjdk-17-jre-headless)"
  local major
  major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
  [ "${major:-0}" -ge 17 ] || die "Apicurio Registry $version needs Java 17+, found Java ${major:-unknown}"
}

fetch() {
  if [ -f "$dist/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found; install Maven (apt-get install maven) to resolve Apicurio Registry $version"
  command -v unzip >/dev/null || die "unzip not found (apt-get install unzip)"
  say "resolving io.apicurio:apicurio-registry-app:$version (zip:all, ~140 MB) into $cache"
  local tmp="$cache/tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # The -all.zip is Apicurio's own runnable distribution: a Quarkus runner jar plus lib/.
  if ! mvn -q -B -Dstyle.color=never dependency:copy -Dartifact="io.apicurio:apicurio-registry-app:$version:zip:all" \
      -DoutputDirectory="$tmp" >"$cache/mvn.log" 2>&1; then
    tail -n 20 "$cache/mvn.log" >&2
    rm -rf "$tmp"
    die "Maven could not resolve io.apicurio:apicurio-registry-app:$version:zip:all (log: $cache/mvn.log)"
  fi
  unzip -q "$tmp/apicurio-registry-app-$version-all.zip" -d "$tmp/dist" || { rm -rf "$tmp"; die "could not unpack the distribution"; }
  [ -f "$tmp/dist/apicurio-registry-app-$version-runner.jar" ] || { rm -rf "$tmp"; die "no runner jar in the $version distribution"; }
  rm -rf "$dist"
  mv "$tmp/dist" "$dist"
  rm -rf "$tmp"
  touch "$dist/.complete"
}

# The pid file's process, if it is this instance's registry: a stale file (the registry died
# and the pid was reused) must never get another process signalled.
our_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  is_our_registry "$pid" || return 1
  echo "$pid"
}

is_our_registry() {
  local cmdline
  cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") || return 1
  [[ "$cmdline" == *"-Dquarkus.http.port=$port "*"-jar $runner"* ]]
}

pid_alive() {
  our_pid >/dev/null
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

ready() {
  curl -fsS -m 2 "$base_url/health/ready" >/dev/null 2>&1 && curl -fsS -m 2 "$api_url/subjects" >/dev/null 2>&1
}

start() {
  need_java
  if pid_alive && ready; then say "already running (pid $(cat "$pidfile"), $api_url)"; return 0; fi
  if port_open "$port"; then
    die "port $port is taken by another process; set REGISTRY_PORT to a free port"
  fi
  fetch
  mkdir -p "$run"
  say "starting Apicurio Registry $version on 127.0.0.1:$port (log: $log)"
  # setsid: the registry outlives the shell that started it and is not hit by its job control.
  cd "$run"
  setsid nohup java $heap -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
    -jar "$runner" >"$log" 2>&1 < /dev/null &
  echo $! >"$pidfile"
  local waited=0
  until ready; do
    if ! pid_alive; then
      tail -n 30 "$log" >&2 2>/dev/null || true
      die "registry exited during start-up (see $log)"
    fi
    if [ "$waited" -ge "$start_timeout" ]; then
      tail -n 30 "$log" >&2 2>/dev/null || true
      die "registry did not become ready within ${start_timeout}s"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  say "ready (pid $(cat "$pidfile"), $api_url)"
}

stop() {
  local pid
  if ! pid=$(our_pid); then
    [ -f "$pidfile" ] && say "removing stale pid file (pid $(cat "$pidfile" 2>/dev/null) is not this registry)"
    rm -f "$pidfile"
    say "not running"
    return 0
  fi
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do
    is_our_registry "$pid" || break
    sleep 0.5
  done
  if is_our_registry "$pid"; then
    say "registry did not stop in 20s; killing pid $pid"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  say "stopped (in-memory storage: all schemas are gone)"
}

status() {
  if pid_alive && ready; then say "running (pid $(cat "$pidfile"), $api_url)"; return 0; fi
  if pid_alive; then say "process $(cat "$pidfile") is up but not ready on 127.0.0.1:$port"; return 2; fi
  say "stopped"
  return 3
}

case "${1:-}" in
  fetch) fetch; say "distribution in $dist" ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  restart) stop; start ;;
  logs) tail -n "${2:-50}" "$log" ;;
  url) echo "$api_url" ;;
  *) echo "usage: $0 fetch|start|stop|restart|status|logs [N]|url" >&2; exit 64 ;;
esac
