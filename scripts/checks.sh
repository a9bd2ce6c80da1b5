# The static checks npm test runs after the build and before the suite (also `pnpm check`):
# test files type-checked, dependency rules, paths named in the docs, lint, formatting (prettier). Each says how long it took;
# the first failure stops the run with the check's own message and which command reproduces it.
run_static_checks() {
  cd "$ROOT"
  local check started
  for check in typecheck:tests check:deps check:docs lint format:check; do
    started=$SECONDS
    if ! pnpm --silent run "$check"; then
      loud "static check failed: pnpm $check (see above); the test suite did not run"
      exit 1
    fi
    say "$check passed in $((SECONDS - started)) s"
  done
}

# Run directly (pnpm check): the same checks without the rest of npm test.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  source "$(dirname "$0")/lib.sh"
  run_static_checks
fi
