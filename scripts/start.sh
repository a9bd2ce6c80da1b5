#!/usr/bin/env bash
# npm start: everything for the embedded default, then the API, every worker role and the
# scheduler in the foreground. Ctrl-C / SIGTERM stops them all.
source "$(dirname "$0")/lib.sh"
source "$ROOT/scripts/services.sh"
source "$ROOT/scripts/clamd.sh"
setup
ensure_redis
ensure_clamd
say "starting the API and every worker role (Ctrl-C stops everything)"
exec node "$ROOT/scripts/run-all.mjs"
