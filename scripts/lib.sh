# Shared helpers for start.sh and test.sh. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PNPM_VERSION="12.4.2"
# better-sqlite3 compiles from source here; pnpm ignores nodedir in .npmrc, so it goes in the environment.
export npm_config_nodedir="${npm_config_nodedir:-/usr}"

say() { printf '\033[1m[airlock]\033[0m %s\n' "$*" >&2; }
loud() { printf '\n\033[1;33m[airlock] !!! %s\033[0m\n\n' "$*" >&2; }

# pnpm pinned exactly (corepack cannot verify signatures here; other pnpm versions refuse the project).
ensure_pnpm() {
  if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
    say "installing pnpm $PNPM_VERSION"
    npm install -g "pnpm@$PNPM_VERSION" --silent
  fi
}

install_and_build() {
  cd "$ROOT"
  say "installing dependencies"
  pnpm install --frozen-lockfile
  say "building"
  pnpm run build
}
