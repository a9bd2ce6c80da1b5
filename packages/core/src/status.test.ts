import { describe, expect, it } from 'vitest';
import { FILE_STATUSES, TERMINAL_STATUSES, allowedSources, canTransition, isTerminal } from './status.js';

describe('upload status state machine', () => {
  it('never leaves a terminal status', () => {
    for (const from of TERMINAL_STATUSES) {
      for (const to of FILE_STATUSES) expect(canTransition(from, to)).toBe(false);
    }
  });

  it('follows pending → uploading → assembling → scanning → complete', () => {
    expect(canTransition('pending', 'uploading')).toBe(true);
    expect(canTransition('uploading', 'assembling')).toBe(true);
    expect(canTransition('assembling', 'scanning')).toBe(true);
    expect(canTransition('scanning', 'complete')).toBe(true);
  });

  it('never completes without a scan', () => {
    expect(allowedSources('complete')).toEqual(['scanning']);
    expect(canTransition('uploading', 'complete')).toBe(false);
    expect(canTransition('assembling', 'complete')).toBe(false);
  });

  it('never goes back to receiving bytes once assembling', () => {
    expect(canTransition('assembling', 'uploading')).toBe(false);
    expect(canTransition('uploading', 'pending')).toBe(false);
  });

  it('lets a client terminate any open upload', () => {
    expect(allowedSources('failed')).toEqual(['pending', 'uploading', 'assembling', 'scanning']);
    expect(isTerminal('failed')).toBe(true);
    expect(isTerminal('scanning')).toBe(false);
  });
});
