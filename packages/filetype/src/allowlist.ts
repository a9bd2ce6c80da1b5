/**
 * `ALLOWED_TYPES` matching: exact MIME types, or `type/*` for a whole top-level type.
 * The rule star-slash-star allows any type. Parameters (`; charset=…`) and case are ignored.
 */
export function isAllowedType(mime: string, allowed: readonly string[]): boolean {
  const wanted = mime.split(';')[0]!.trim().toLowerCase();
  const [top] = wanted.split('/');
  return allowed.some((entry) => {
    const rule = entry.trim().toLowerCase();
    return rule === '*/*' || rule === wanted || (rule.endsWith('/*') && rule.slice(0, -2) === top);
  });
}
