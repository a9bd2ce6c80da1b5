import { describe, expect, it, vi } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { pino } from 'pino';
import { MissingHandlerError, createDispatch } from './registry.js';

const ctx = { logger: pino({ level: 'silent' }), attempt: 1, signal: new AbortController().signal };

describe('worker registry', () => {
  it('refuses to start a role with a missing handler', () => {
    expect(() => createDispatch('scanner', {})).toThrow(MissingHandlerError);
  });

  it('dispatches a valid payload to its handler', async () => {
    const handler = vi.fn(async () => {});
    const dispatch = createDispatch('scanner', { 'upload.scan': handler });
    await dispatch('upload.scan', { fileId: 'f1' }, ctx);
    expect(handler).toHaveBeenCalledWith({ fileId: 'f1' }, ctx);
  });

  it('rejects a job of another role and a malformed payload, for good (BullMQ must not retry them)', async () => {
    const dispatch = createDispatch('scanner', { 'upload.scan': async () => {} });
    await expect(dispatch('upload.promote', { fileId: 'f1' }, ctx)).rejects.toThrow(/does not belong/);
    await expect(dispatch('upload.promote', { fileId: 'f1' }, ctx)).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(dispatch('upload.scan', { fileId: 42 }, ctx)).rejects.toBeInstanceOf(UnrecoverableError);
  });
});
