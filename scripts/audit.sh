# Dependency audit of the production dependencies (issue #12): high or critical advisories
# fail the run; when the advisory service cannot be reached it says so loudly and goes on
# (an outage of the registry's audit endpoint must not stop CI, nor pass unnoticed).
# Sourced after lib.sh.

audit_dependencies() {
  cd "$ROOT"
  say "auditing production dependencies (pnpm audit --prod --audit-level high)"
  local report errors status=0
  report="$(mktemp)"; errors="$(mktemp)"
  pnpm audit --prod --audit-level high --json >"$report" 2>"$errors" || status=$?
  # The verdict comes from the report, never from the exit code alone: pnpm exits 1 both for
  # advisories found and for an endpoint that did not answer.
  local verdict
  verdict="$(node -e '
    const fs = require("fs");
    let report;
    try { report = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch { report = null; }
    const counts = report && report.metadata && report.metadata.vulnerabilities;
    if (!counts) { console.log("unreachable"); process.exit(0); }
    const serious = Object.values(report.advisories || {}).filter((a) => a.severity === "high" || a.severity === "critical");
    for (const a of serious) {
      const paths = [...new Set((a.findings || []).flatMap((f) => f.paths || []))].slice(0, 3).join(", ");
      console.error(`  ${a.severity.toUpperCase()} ${a.module_name} ${a.vulnerable_versions}: ${a.title} (${a.url}) via ${paths}`);
    }
    console.log(serious.length > 0 ? `found ${serious.length}` : `clean ${counts.low + counts.moderate + counts.info}`);
  ' "$report")"
  local reason; reason="$( (grep -v '^\s*$' "$errors" || true) | head -3 | tr -s ' \n' ' ')"
  rm -f "$report" "$errors"
  case "$verdict" in
    unreachable)
      loud "dependency audit: the advisory service could not be reached (pnpm exit $status: ${reason:-no answer}). Production dependencies were NOT checked for known vulnerabilities; going on." ;;
    found*)
      say "dependency audit: ${verdict#found } high or critical advisories in production dependencies (above); bump them within their major version"
      return 1 ;;
    clean*)
      say "dependency audit: no high or critical advisories (${verdict#clean } low, moderate or info)" ;;
  esac
}
