# Where the test services are, under one scheme: AIRLOCK_TEST_<SERVICE>_<SETTING>. The suites
# read these through @airlock/testing (packages/testing/src/environment.ts, same defaults);
# scripts/test.sh and bench/run.sh make sure the services answer at these addresses. Set one to
# test against a service elsewhere. Sourced after lib.sh.
export AIRLOCK_TEST_REDIS_URL="${AIRLOCK_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
export AIRLOCK_TEST_POSTGRES_URL="${AIRLOCK_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}"
export AIRLOCK_TEST_S3_ENDPOINT="${AIRLOCK_TEST_S3_ENDPOINT:-http://127.0.0.1:8085}"
export AIRLOCK_TEST_CLAMD_HOST="${AIRLOCK_TEST_CLAMD_HOST:-127.0.0.1}"
export AIRLOCK_TEST_CLAMD_PORT="${AIRLOCK_TEST_CLAMD_PORT:-3310}"
export AIRLOCK_TEST_CHROMIUM_PATH="${AIRLOCK_TEST_CHROMIUM_PATH:-/usr/bin/chromium}"

# The service scripts speak the service's own variables (what npm start uses); for the tests
# they are pointed at the test addresses.
ensure_test_redis() { REDIS_URL="$AIRLOCK_TEST_REDIS_URL" ensure_redis; }
ensure_test_clamd() { CLAMD_SOCKET='' CLAMD_HOST="$AIRLOCK_TEST_CLAMD_HOST" CLAMD_PORT="$AIRLOCK_TEST_CLAMD_PORT" ensure_clamd; }
