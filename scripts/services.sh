# Makes sure the services Airlock needs answer; starts local ones from installed binaries
# when they do not. Sourced after lib.sh.

redis_host_port() {
  local url="${REDIS_URL:-redis://127.0.0.1:6379}"
  local rest="${url#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"
  REDIS_HOST="${rest%%:*}"; REDIS_PORT="${rest##*:}"
  [ "$REDIS_PORT" = "$rest" ] && REDIS_PORT=6379
  return 0
}

redis_answers() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

ensure_redis() {
  redis_host_port
  if redis_answers; then say "redis: reachable at $REDIS_HOST:$REDIS_PORT"; return; fi
  if ! command -v redis-server >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "redis: installing redis-server with apt-get"
      apt-get install -y -qq redis-server >/dev/null
    else
      say "redis: not reachable at $REDIS_HOST:$REDIS_PORT and redis-server is not installed"; exit 1
    fi
  fi
  say "redis: starting a local redis-server on $REDIS_HOST:$REDIS_PORT"
  mkdir -p "$ROOT/data/redis"
  redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --dir "$ROOT/data/redis" \
    --save "" --appendonly no --logfile "$ROOT/data/redis/redis.log"
  for _ in $(seq 50); do redis_answers && { say "redis: started"; return; }; sleep 0.1; done
  say "redis: did not answer after starting; see $ROOT/data/redis/redis.log"; exit 1
}

# A Debian tool the tests run (no service is started: the tests start what they need as their
# own children). --no-install-recommends keeps extras (docker.io, prometheus-node-exporter…) out;
# Debian's policy-rc.d in containers keeps package scripts from starting daemons.
ensure_debian_tool() { # <command> <package> <why>
  command -v "$1" >/dev/null && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "$1: installing $2 ($3)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null; }
  else
    say "$1: missing and not root (install $2); the tests that need it will fail"
  fi
}

# docker-compose (v1) validates docker/compose.yml offline (no Docker engine); promtool checks
# docker/prometheus/alerts.yml; nginx is the TLS reverse proxy of test/ops/reverse-proxy.test.ts.
ensure_test_tools() {
  ensure_debian_tool docker-compose docker-compose "to validate docker/compose.yml; no Docker engine"
  ensure_debian_tool promtool prometheus "to check docker/prometheus/alerts.yml"
  ensure_debian_tool nginx nginx-light "the reverse proxy in front of two APIs in the tests"
}
