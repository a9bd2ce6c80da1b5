#!/usr/bin/env bash
# npm test: the whole suite against real Redis, PostgreSQL and SQLite, setting up whatever
# is missing the way npm start does.
source "$(dirname "$0")/lib.sh"
source "$ROOT/scripts/services.sh"
source "$ROOT/scripts/clamd.sh"
source "$ROOT/scripts/s3.sh"
source "$ROOT/scripts/chromium.sh"
source "$ROOT/scripts/audit.sh"
source "$ROOT/scripts/checks.sh"
source "$ROOT/scripts/test-env.sh"
setup
run_static_checks
audit_dependencies
ensure_test_redis
ensure_test_clamd
ensure_s3
ensure_test_tools
ensure_chromium
cd "$ROOT"
say "running the test suite"
node "$ROOT/scripts/run-tests.mjs" "$@"
# The bench must not rot (issue #15): after a whole-suite run, `pnpm bench --quick` as a smoke
# test (about 40 s on a quiet machine): every scenario still runs end to end, both servers, the
# counters. Its figures are printed, not judged (quick sizes on a CI machine mean little).
if [ "$#" -eq 0 ]; then
  say "smoke test of the bench: pnpm bench --quick"
  bash "$ROOT/bench/run.sh" --quick
fi
