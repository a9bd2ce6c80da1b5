#!/usr/bin/env bash
# pnpm bench [flags]: builds what the bench runs (the API, the worker, the bench itself: turbo
# skips what is up to date), makes sure clamd answers (as npm test does), then runs the bench.
# --no-build skips the build. Every other flag goes to the bench (pnpm bench --help).
source "$(dirname "$0")/../scripts/lib.sh"
source "$ROOT/scripts/clamd.sh"
source "$ROOT/scripts/test-env.sh"
ensure_node
cd "$ROOT"

build=1
args=()
for arg in "$@"; do
  if [ "$arg" = --no-build ]; then build=0; else args+=("$arg"); fi
done
if [ "$build" = 1 ]; then
  say "building the API, the worker and the bench (turbo skips what is up to date)"
  pnpm exec turbo run build --filter=@airlock/bench... --output-logs=errors-only
fi
case " ${args[*]-} " in *" --help "* | *" -h "*) ;; *) ensure_test_clamd ;; esac
exec node bench/dist/main.js ${args[@]+"${args[@]}"}
