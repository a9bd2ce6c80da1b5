# Makes sure an S3-compatible server answers at AIRLOCK_TEST_S3_ENDPOINT (default
# http://127.0.0.1:8085). When it does not: installs Debian's OpenStack Swift (the only faithful
# S3 that runs here: real SigV4, multipart, UploadPartCopy; s3rver is not) with apt-get (as
# root), writes configs and rings under data/swift, starts memcached and the object, container,
# account and proxy servers (proxy with s3api + tempauth), waits for /healthcheck and creates
# the buckets. S3 credentials: access key `test:tester`, secret `testing`. Sourced after lib.sh.
#
# This script writes nothing to /etc (the packages install their own defaults there, unused):
# Swift reads /etc/swift/swift.conf unless swift.common.utils.set_swift_dir() runs first, so
# the servers start through a small launcher (data/swift/run-server.py) that points Swift at
# data/swift before loading the server. Cold on Debian 12: ~1 min, mostly apt-get.

S3_ENDPOINT_URL="${AIRLOCK_TEST_S3_ENDPOINT:-http://127.0.0.1:8085}"
SWIFT_DIR="${AIRLOCK_SWIFT_DIR:-$ROOT/data/swift}"
SWIFT_MEMCACHED_PORT="${AIRLOCK_SWIFT_MEMCACHED_PORT:-11219}"
# Backend ports (object, container, account) and memcached's stay clear of Debian's defaults
# (6200-6202, 11211), which the packages' own services use where an init system starts them.
SWIFT_OBJECT_PORT=6280 SWIFT_CONTAINER_PORT=6281 SWIFT_ACCOUNT_PORT=6282
# Buckets the app and manual runs use; the driver tests create and delete their own.
S3_BUCKETS="${AIRLOCK_S3_BUCKETS:-airlock airlock-quarantine}"

# GET <url>: exit 0 on a 2xx answer within 2 s.
s3_http_ok() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
    .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"
}

s3_answers() { s3_http_ok "$S3_ENDPOINT_URL/healthcheck"; }

# The proxy answers /healthcheck even when memcached is gone and nothing can authenticate:
# a tempauth login (which goes through memcached) shows the S3 side works too.
s3_can_login() {
  node -e 'fetch(process.argv[1], { headers: { "X-Auth-User": "test:tester", "X-Auth-Key": "testing" },
    signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "$S3_ENDPOINT_URL/auth/v1.0"
}

swift_install() {
  local missing=()
  command -v memcached >/dev/null || missing+=(memcached)
  command -v swift-ring-builder >/dev/null || missing+=(swift)
  local p; for p in proxy object container account; do
    [ -x "/usr/bin/swift-$p-server" ] || missing+=("swift-$p")
  done
  [ "${#missing[@]}" = 0 ] && return
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    say "s3: Swift is not installed; install ${missing[*]} (or run as root)"; exit 1
  fi
  say "s3: installing ${missing[*]} with apt-get"
  local started=$SECONDS
  # Package scripts may try to start their services with /etc defaults; ours run from data/swift.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
  say "s3: installed in $((SECONDS - started)) s"
}

swift_write_configs() {
  local port="$1" user; user="$(id -un)"
  mkdir -p "$SWIFT_DIR/srv/d1"
  cat > "$SWIFT_DIR/swift.conf" <<CONF
[swift-hash]
swift_hash_path_suffix = airlock-test-suffix
swift_hash_path_prefix = airlock-test-prefix

[storage-policy:0]
name = Policy-0
default = yes
CONF
  # workers = 0: one process per server, no forking; mount_check = false: srv/d1 is a plain folder.
  local server
  for server in object:$SWIFT_OBJECT_PORT container:$SWIFT_CONTAINER_PORT account:$SWIFT_ACCOUNT_PORT; do
    cat > "$SWIFT_DIR/${server%%:*}-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${server##*:}
workers = 0
user = $user
swift_dir = $SWIFT_DIR
devices = $SWIFT_DIR/srv
mount_check = false

[pipeline:main]
pipeline = ${server%%:*}-server

[app:${server%%:*}-server]
use = egg:swift#${server%%:*}
CONF
  done
  cat > "$SWIFT_DIR/proxy-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $port
workers = 0
user = $user
swift_dir = $SWIFT_DIR

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:tempauth]
use = egg:swift#tempauth
# S3 access key "test:tester", secret "testing" (account AUTH_test).
user_test_tester = testing .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$SWIFT_MEMCACHED_PORT

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
CONF
  cat > "$SWIFT_DIR/run-server.py" <<'PY'
# Runs one Swift server with swift.conf read from argv[1] instead of /etc/swift (why: nothing
# of the test setup should live outside the repository's data folder).
import sys
from swift.common import utils
swift_dir, conf_file, server = sys.argv[1:4]
utils.set_swift_dir(swift_dir)
from swift.common import constraints, storage_policy
storage_policy.reload_storage_policies()
constraints.reload_constraints()
from swift.common.wsgi import run_wsgi
sys.exit(run_wsgi(conf_file, server, verbose=True))
PY
}

# One ring per server type, one replica on one device (srv/d1). Rebuilt only when missing.
swift_build_rings() {
  local kind port
  for kind in object:$SWIFT_OBJECT_PORT container:$SWIFT_CONTAINER_PORT account:$SWIFT_ACCOUNT_PORT; do
    port="${kind##*:}" kind="${kind%%:*}"
    [ -f "$SWIFT_DIR/$kind.ring.gz" ] && continue
    rm -f "$SWIFT_DIR/$kind.builder"
    swift-ring-builder "$SWIFT_DIR/$kind.builder" create 6 1 1 >/dev/null
    swift-ring-builder "$SWIFT_DIR/$kind.builder" add "r1z1-127.0.0.1:$port/d1" 100 >/dev/null
    # Exit code 1 is only a warning (e.g. balance); the ring file is what counts.
    swift-ring-builder "$SWIFT_DIR/$kind.builder" rebalance >/dev/null || true
    [ -f "$SWIFT_DIR/$kind.ring.gz" ] || { say "s3: could not build the $kind ring"; exit 1; }
  done
}

# Stops what an earlier run of this script started (by pid file), so ports are free again.
swift_stop_previous() {
  local pidfile pid
  for pidfile in "$SWIFT_DIR"/*.pid; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    # Only if the pid still belongs to one of ours (pids get reused).
    if grep -qs -e run-server.py -e memcached "/proc/$pid/cmdline" && kill "$pid" 2>/dev/null; then
      say "s3: stopped an earlier $(basename "$pidfile" .pid) (pid $pid)"
      # Wait until it is gone: its port must be free before the new one binds it.
      for _ in $(seq 50); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
    fi
    rm -f "$pidfile"
  done
}

swift_start() {
  local user; user="$(id -un)"
  # Debian's interpreter (the one Swift's own scripts name), not whatever python3 is first on PATH.
  local python; python="$(sed -n '1s/^#! *//p' /usr/bin/swift-proxy-server)"
  memcached -d -l 127.0.0.1 -p "$SWIFT_MEMCACHED_PORT" -U 0 -m 64 -u "$user" -P "$SWIFT_DIR/memcached.pid"
  local server
  for server in object container account proxy; do
    # setsid: the servers outlive this shell and its process group.
    setsid "$python" "$SWIFT_DIR/run-server.py" "$SWIFT_DIR" "$SWIFT_DIR/$server-server.conf" "$server-server" \
      >"$SWIFT_DIR/$server-server.log" 2>&1 </dev/null &
    echo $! > "$SWIFT_DIR/$server-server.pid"
  done
}

# Buckets are Swift containers of account AUTH_test; create them through Swift's own API
# (tempauth token) so no S3 client is needed here. PUT is idempotent (201 or 202).
swift_create_buckets() {
  node -e '
    const [endpoint, ...buckets] = process.argv.slice(1);
    (async () => {
      const auth = await fetch(`${endpoint}/auth/v1.0`, { headers: { "X-Auth-User": "test:tester", "X-Auth-Key": "testing" } });
      if (!auth.ok) throw new Error(`tempauth answered ${auth.status}`);
      const url = auth.headers.get("x-storage-url"), token = auth.headers.get("x-auth-token");
      for (const b of buckets) {
        const r = await fetch(`${url}/${b}`, { method: "PUT", headers: { "X-Auth-Token": token } });
        if (!r.ok) throw new Error(`PUT ${b} answered ${r.status}`);
      }
    })().catch((e) => { console.error(e.message); process.exit(1); });
  ' "$S3_ENDPOINT_URL" $S3_BUCKETS
}

ensure_s3() {
  if s3_answers && s3_can_login; then say "s3: reachable at $S3_ENDPOINT_URL"; return; fi
  local hostport="${S3_ENDPOINT_URL#*://}"; hostport="${hostport%%/*}"
  local host="${hostport%:*}" port="${hostport##*:}"
  [ "$port" = "$hostport" ] && port=80
  if [ "$host" != 127.0.0.1 ] && [ "$host" != localhost ]; then
    say "s3: not reachable at $S3_ENDPOINT_URL; start it there"; exit 1
  fi
  if s3_answers && ! ls "$SWIFT_DIR"/*.pid >/dev/null 2>&1; then
    say "s3: something answers $S3_ENDPOINT_URL/healthcheck but test:tester cannot log in, and it is not ours to restart"; exit 1
  fi
  local started=$SECONDS
  swift_install
  mkdir -p "$SWIFT_DIR"
  swift_stop_previous
  swift_write_configs "$port"
  swift_build_rings
  say "s3: starting memcached and Swift (object, container, account, proxy) from $SWIFT_DIR"
  swift_start
  local ok=""
  for _ in $(seq 300); do s3_answers && { ok=1; break; }; sleep 0.1; done
  [ -n "$ok" ] || { say "s3: the Swift proxy did not answer; see $SWIFT_DIR/*-server.log"; exit 1; }
  # The proxy answers /healthcheck before the backends accept requests: retry the first PUTs.
  for _ in $(seq 50); do swift_create_buckets 2>/dev/null && ok=2 && break; sleep 0.2; done
  [ "$ok" = 2 ] || { swift_create_buckets || true; say "s3: could not create buckets; see $SWIFT_DIR/*-server.log"; exit 1; }
  say "s3: Swift S3 answering at $S3_ENDPOINT_URL (access key test:tester, secret testing; buckets: $S3_BUCKETS) after $((SECONDS - started)) s"
}
