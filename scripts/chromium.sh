# Makes sure a Chromium is at AIRLOCK_TEST_CHROMIUM_PATH (default /usr/bin/chromium, Debian's `chromium`)
# for the browser tests (test/web, driven by playwright-core). When missing and running as
# root: installs Debian's package with apt-get. Playwright's own browser download cannot work
# here (only the npm registry and Debian's packages are reachable). Without a Chromium the
# suite still runs and the dashboard test fails, saying why. Sourced after lib.sh.

CHROMIUM_BIN="${AIRLOCK_TEST_CHROMIUM_PATH:-/usr/bin/chromium}"

chromium_version() {
  # Debian's wrapper script prints a shell warning on stderr on some machines: keep it quiet.
  "$CHROMIUM_BIN" --version 2>/dev/null | head -n 1
}

ensure_chromium() {
  if [ -x "$CHROMIUM_BIN" ]; then say "chromium: $(chromium_version) at $CHROMIUM_BIN"; return 0; fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || [ "$CHROMIUM_BIN" != /usr/bin/chromium ]; then
    loud "chromium: $CHROMIUM_BIN is missing; install Debian's chromium package (as root: apt-get install -y chromium). The dashboard test (test/web) fails without it."
    return 0
  fi
  say "chromium: $CHROMIUM_BIN missing; installing Debian's chromium with apt-get (about a minute)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
    || true
  if [ -x "$CHROMIUM_BIN" ]; then
    say "chromium: installed $(chromium_version)"
  else
    loud "chromium: apt-get install chromium did not provide $CHROMIUM_BIN. The dashboard test (test/web) will fail."
  fi
}
