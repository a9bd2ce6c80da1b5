/**
 * The problem types the draft registers (RFC 9457 bodies: `mismatching-upload-offset` and
 * `completed-upload` from draft-04, `inconsistent-upload-length` from draft-06), sent as
 * `application/problem+json` to draft clients of every supported interop version.
 */
const BASE = 'https://iana.org/assignments/http-problem-types#';

export interface Problem {
  status: number;
  body: { type: string; title: string; detail?: string; [member: string]: unknown };
  /** Header fields the draft requires beside the body. */
  headers?: Record<string, string>;
}

/**
 * PATCH at an offset other than the upload's: 409 with both offsets; draft: "with … the
 * `Upload-Complete` header field set to false. The response MUST include the correct offset in
 * the `Upload-Offset` header field."
 */
export function mismatchingOffset(expected: number, provided: number): Problem {
  return {
    status: 409,
    headers: { 'Upload-Offset': String(expected), 'Upload-Complete': '?0' },
    body: {
      type: `${BASE}mismatching-upload-offset`,
      title: 'offset from request does not match offset of resource',
      'expected-offset': expected,
      'provided-offset': provided,
    },
  };
}

/** Appending to an upload that is already complete: 400, nothing is modified. */
export function completedUpload(): Problem {
  return { status: 400, body: { type: `${BASE}completed-upload`, title: 'upload is already completed' } };
}

/** Lengths that contradict each other (Upload-Length, Content-Length, Upload-Complete, the upload's own). */
export function inconsistentLength(detail: string): Problem {
  return { status: 400, body: { type: `${BASE}inconsistent-upload-length`, title: 'the upload lengths are inconsistent', detail } };
}
