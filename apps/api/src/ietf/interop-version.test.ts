import { describe, expect, it } from 'vitest';
import { interopVersionOf, uploadComplete } from './interop-version.js';

describe('interop version and Upload-Complete parsing', () => {
  it('selects the draft by Upload-Draft-Interop-Version, 5 to 8 only', () => {
    expect(interopVersionOf({})).toBeUndefined();
    for (const version of [5, 6, 7, 8]) expect(interopVersionOf({ 'upload-draft-interop-version': String(version) })).toBe(version);
    for (const other of ['3', '4', '9', '05', '6.0', '', 'x']) {
      expect(() => interopVersionOf({ 'upload-draft-interop-version': other })).toThrow(/not supported/);
    }
  });

  it('reads Upload-Complete as a structured boolean', () => {
    expect(uploadComplete({})).toBeUndefined();
    expect(uploadComplete({ 'upload-complete': '?1' })).toBe(true);
    expect(uploadComplete({ 'upload-complete': '?0' })).toBe(false);
    for (const bad of ['1', 'true', '?2', '']) expect(() => uploadComplete({ 'upload-complete': bad })).toThrow(/\?1 or \?0/);
  });
});
