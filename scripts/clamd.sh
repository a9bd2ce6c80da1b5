# Makes sure clamd answers at CLAMD_HOST:CLAMD_PORT (or CLAMD_SOCKET). When it does not:
# installs clamav-daemon with apt-get (as root), writes a config under data/clamd, uses the
# official signatures when present and a small test database otherwise, starts clamd and
# waits for PONG. Sourced after lib.sh.

CLAMD_DIR="${AIRLOCK_CLAMD_DIR:-$ROOT/data/clamd}"
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'

clamd_answers() {
  node -e '
    const [socket, host, port] = process.argv.slice(1);
    const s = socket ? require("net").connect(socket) : require("net").connect(+port, host);
    let r = ""; s.on("connect", () => s.write("zPING\0"));
    s.on("data", (d) => (r += d)); s.on("close", () => process.exit(r.startsWith("PONG") ? 0 : 1));
    s.on("error", () => process.exit(1)); setTimeout(() => process.exit(1), 2000);
  ' "${CLAMD_SOCKET:-}" "${CLAMD_HOST:-127.0.0.1}" "${CLAMD_PORT:-3310}"
}

official_signatures() {
  ls /var/lib/clamav/main.c[lv]d /var/lib/clamav/daily.c[lv]d >/dev/null 2>&1
}

write_test_signatures() {
  local db="$CLAMD_DIR/db"
  mkdir -p "$db"
  # Whole-file MD5 of the EICAR test file (also matches inside archives), and its body anywhere
  # in a stream. clamd reports them with `.UNOFFICIAL` appended.
  printf '%s:68:Test.EICAR.MD5\n' "$(printf '%s' "$EICAR" | md5sum | cut -d' ' -f1)" > "$db/test.hdb"
  printf 'Test.EICAR.Body:0:*:%s\n' "$(printf '%s' "$EICAR" | od -An -tx1 | tr -d ' \n')" > "$db/test.ndb"
  echo "$db"
}

ensure_clamd() {
  if clamd_answers; then
    say "clamd: reachable"
    # A clamd this script started earlier keeps the config it was started with.
    if [ -f "$CLAMD_DIR/clamd.conf" ] && ! grep -q '^AlertEncrypted yes' "$CLAMD_DIR/clamd.conf"; then
      loud "clamd: the running clamd was started from an older $CLAMD_DIR/clamd.conf without AlertEncrypted: encrypted archives pass it unscanned. Stop it (kill \$(cat $CLAMD_DIR/clamd.pid)) and run this again."
    fi
    return
  fi
  if [ -n "${CLAMD_HOST:-}" ] && [ "${CLAMD_HOST}" != 127.0.0.1 ] && [ "${CLAMD_HOST}" != localhost ]; then
    say "clamd: not reachable at ${CLAMD_HOST}:${CLAMD_PORT:-3310}; start it there"; exit 1
  fi
  if ! command -v clamd >/dev/null && [ ! -x /usr/sbin/clamd ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "clamd: installing clamav-daemon with apt-get"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon >/dev/null; }
    else
      say "clamd: not reachable and not installed; install clamav-daemon (or run as root)"; exit 1
    fi
  fi
  local clamd_bin; clamd_bin="$(command -v clamd || echo /usr/sbin/clamd)"
  mkdir -p "$CLAMD_DIR/tmp"
  local db
  if official_signatures; then
    db=/var/lib/clamav
    say "clamd: using the official signatures in $db"
  else
    db="$(write_test_signatures)"
    loud "clamd: NO OFFICIAL SIGNATURES: using a TEST database that only knows the EICAR test file. Run freshclam (see docs/DEPLOYMENT.md) before production use."
  fi
  # Stream limits follow MAX_UPLOAD_SIZE (clamd cannot scan beyond ~2 GiB at all); limits
  # exceeded are reported as Heuristics.Limits.Exceeded.* so they never pass as clean.
  local max_mb=$(( (${MAX_UPLOAD_SIZE:-1073741824} + 1048575) / 1048576 + 1 ))
  [ "$max_mb" -gt 2000 ] && max_mb=2000
  # Encrypted archives and documents cannot be looked into: AlertEncrypted* reports them as
  # Heuristics.Encrypted.* (FOUND), so they end quarantined instead of passing unscanned.
  # What clamd scans of a file (unpacked contents included) outgrows the file: random data
  # looks like packed formats and hit MaxScanSize at 1 GiB (bench), so leave it room.
  local scan_mb=$(( max_mb * 4 )); [ "$scan_mb" -gt 4000 ] && scan_mb=4000
  cat > "$CLAMD_DIR/clamd.conf" <<CONF
Foreground no
TCPSocket ${CLAMD_PORT:-3310}
TCPAddr 127.0.0.1
LocalSocket $CLAMD_DIR/clamd.sock
PidFile $CLAMD_DIR/clamd.pid
LogFile $CLAMD_DIR/clamd.log
DatabaseDirectory $db
TemporaryDirectory $CLAMD_DIR/tmp
User root
StreamMaxLength ${max_mb}M
MaxFileSize ${max_mb}M
MaxScanSize ${scan_mb}M
AlertExceedsMax yes
ScanArchive yes
AlertEncrypted yes
AlertEncryptedArchive yes
AlertEncryptedDoc yes
MaxThreads 4
CONF
  say "clamd: starting ($CLAMD_DIR/clamd.conf)"
  "$clamd_bin" --config-file="$CLAMD_DIR/clamd.conf"
  for _ in $(seq 300); do clamd_answers && { say "clamd: answering PONG on 127.0.0.1:${CLAMD_PORT:-3310}"; return; }; sleep 0.1; done
  say "clamd: did not answer; see $CLAMD_DIR/clamd.log"; exit 1
}
