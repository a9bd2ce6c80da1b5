import { describe, expect, it, vi } from 'vitest';
import type { JobHandlers } from '@airlock/pipeline';
import { UnrecoverableError } from 'bullmq';
import { pino } from 'pino';
import { MissingHandlerError, createDispatch, type RoleHandlers } from './registry.js';

const ctx = { logger: pino({ level: 'silent' }), attempt: 1, signal: new AbortController().signal };
const noop = async () => {};

describe('worker registry', () => {
  it('refuses to start a role with a missing handler', () => {
    // @ts-expect-error the compiler rejects it first: a scanner table without 'upload.scan'.
    expect(() => createDispatch('scanner', {})).toThrow(MissingHandlerError);
  });

  it('is checked by the compiler: the job table and each role need every handler of their jobs', () => {
    // Type-level (pnpm typecheck:tests): each @ts-expect-error below fails the check if the
    // line it marks compiles, i.e. if a missing handler were accepted.
    // @ts-expect-error 'maintenance.gc' is missing from the full table.
    const table: JobHandlers = { 'upload.validate': noop, 'upload.scan': noop, 'upload.promote': noop, 'maintenance.reconcile': noop };
    // @ts-expect-error the janitor runs two jobs; one handler is not enough.
    const janitor: RoleHandlers<'janitor'> = { 'maintenance.reconcile': noop };
    const scanner: RoleHandlers<'scanner'> = { 'upload.scan': noop };
    expect(() => createDispatch('janitor', janitor)).toThrow(MissingHandlerError);
    expect(createDispatch('scanner', scanner)).toBeTypeOf('function');
    expect(Object.keys(table)).toHaveLength(4);
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
