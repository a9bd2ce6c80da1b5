import { describe, expect, it, vi } from 'vitest';
import { DELIVERY_OPTIONS, eventOf, notifyTerminal } from './notify.js';

const deps = (url: string | undefined, enqueue = vi.fn(async () => {})) => ({
  producer: { enqueue },
  config: { webhook: { url } },
  logger: { warn: vi.fn() },
});

describe('notifyTerminal', () => {
  it('enqueues webhook.deliver with ids only, retried with backoff', async () => {
    const d = deps('https://hooks.example/airlock');
    await notifyTerminal(d, 'f1', 'quarantined');
    expect(d.producer.enqueue).toHaveBeenCalledWith('webhook.deliver', { fileId: 'f1', event: 'file.quarantined' }, DELIVERY_OPTIONS);
    expect(DELIVERY_OPTIONS).toMatchObject({ attempts: 8, backoff: { type: 'exponential' } });
  });

  it('does nothing without WEBHOOK_URL, or for a status that is not reported', async () => {
    const unset = deps(undefined);
    await notifyTerminal(unset, 'f1', 'complete');
    expect(unset.producer.enqueue).not.toHaveBeenCalled();
    const set = deps('https://hooks.example/airlock');
    await notifyTerminal(set, 'f1', 'scanning');
    expect(set.producer.enqueue).not.toHaveBeenCalled();
    expect(eventOf('scan_failed')).toBe('file.scan_failed');
  });

  it('never rejects when Redis is away: the loss is logged', async () => {
    const d = deps('https://hooks.example/airlock', vi.fn(async () => Promise.reject(new Error('Connection is closed.'))));
    await expect(notifyTerminal(d, 'f1', 'failed')).resolves.toBeUndefined();
    expect(d.logger.warn).toHaveBeenCalledWith(expect.objectContaining({ fileId: 'f1', event: 'file.failed' }), expect.stringMatching(/lost/));
  });
});
