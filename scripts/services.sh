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

# docker-compose (v1, Debian) validates docker/compose.yml offline in the test suite. No
# engine is installed or needed: --no-install-recommends keeps docker.io and friends out.
ensure_compose_validator() {
  command -v docker-compose >/dev/null && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "docker-compose: installing (to validate docker/compose.yml; no Docker engine)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null; }
  else
    say "docker-compose: missing and not root; the compose test will fail"
  fi
}
