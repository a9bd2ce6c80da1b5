import type { IncomingHttpHeaders } from 'node:http';

/** What a download is compared against: its strong entity tag (quoted) and when it last changed. */
export interface Validators {
  etag: string;
  lastModified: Date;
}

export interface PreconditionOutcome {
  /** 'send': go on and answer 200/206; 304 Not Modified; 412 Precondition Failed. */
  answer: 'send' | 304 | 412;
  /** Whether a `Range` may be honoured: false when `If-Range` does not match (send the whole body). */
  rangeAllowed: boolean;
}

/**
 * RFC 9110 §13.2.2, in its order, for a GET or HEAD of a representation that exists:
 * 1. If-Match (strong comparison, `*` matches) → false: 412;
 * 2. else If-Unmodified-Since → modified after the date: 412;
 * 3. If-None-Match (weak comparison, `*` matches) → true: 304 (GET/HEAD);
 * 4. else If-Modified-Since → not modified since the date: 304;
 * 5. If-Range with a Range → not matching: ignore the Range, 200 with the whole body.
 * A date field that is not a valid HTTP-date is ignored (§13.1.3, §13.1.4).
 */
export function evaluatePreconditions(headers: IncomingHttpHeaders, { etag, lastModified }: Validators, now = new Date()): PreconditionOutcome {
  const modified = seconds(lastModified);
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!matches(ifMatch, etag, 'strong')) return { answer: 412, rangeAllowed: false };
  } else {
    const since = httpDate(headers['if-unmodified-since']);
    if (since !== undefined && modified > since) return { answer: 412, rangeAllowed: false };
  }
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (matches(ifNoneMatch, etag, 'weak')) return { answer: 304, rangeAllowed: false };
  } else {
    const since = httpDate(headers['if-modified-since']);
    if (since !== undefined && modified <= since) return { answer: 304, rangeAllowed: false };
  }
  return { answer: 'send', rangeAllowed: ifRangeHolds(headers['if-range'], etag, modified, now) };
}

/**
 * §13.1.5: an entity tag matches by strong comparison; a date matches only when it is exactly
 * the Last-Modified and that is a strong validator (at least a second before now, §8.8.2.2).
 */
function ifRangeHolds(value: string | string[] | undefined, etag: string, modified: number, now: Date): boolean {
  if (value === undefined) return true;
  // Node joins repeated fields it knows; an unknown one may arrive as a list: not one validator.
  if (typeof value !== 'string') return false;
  const trimmed = value.trim();
  if (trimmed.startsWith('"') || trimmed.startsWith('W/')) return matches(trimmed, etag, 'strong');
  const date = httpDate(trimmed);
  return date !== undefined && date === modified && modified <= seconds(now) - 1000;
}

/** Whether a field value (`*` or a list of entity tags, §8.8.3) names `etag` under the given comparison (§8.8.3.2). */
function matches(field: string, etag: string, comparison: 'strong' | 'weak'): boolean {
  if (field.trim() === '*') return true;
  const current = parseTag(etag);
  if (!current) return false;
  return listedTags(field).some((tag) => tag.opaque === current.opaque && (comparison === 'weak' || (!tag.weak && !current.weak)));
}

interface EntityTag {
  weak: boolean;
  opaque: string;
}

/** Entity tags of a comma list; a malformed member matches nothing. */
function listedTags(field: string): EntityTag[] {
  const tags: EntityTag[] = [];
  for (const match of field.matchAll(/(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"/g)) tags.push({ weak: match[1] !== undefined, opaque: match[2]! });
  return tags;
}

function parseTag(value: string): EntityTag | undefined {
  return listedTags(value)[0];
}

/**
 * An HTTP-date (§5.6.7: IMF-fixdate, or the obsolete RFC 850 and asctime forms, all UTC) in
 * whole-second milliseconds, or undefined when it is none of them.
 */
function httpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const utc = / GMT$/.test(text) ? text : /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/.test(text) ? `${text} GMT` : undefined;
  const ms = utc === undefined ? Number.NaN : Date.parse(utc);
  return Number.isNaN(ms) ? undefined : seconds(new Date(ms));
}

/** HTTP dates have one-second resolution: compare at that resolution. */
function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000) * 1000;
}
