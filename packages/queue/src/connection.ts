import { Redis, type RedisOptions } from 'ioredis';

/**
 * Producers fail fast: a request must not hang on a Redis outage (the database row is
 * the source of truth and the reconciler enqueues later). Workers wait forever: BullMQ
 * requires `maxRetriesPerRequest: null` for blocking connections.
 * BullMQ never closes a connection it is handed; the caller quits it.
 */
export function producerConnection(redisUrl: string, options: RedisOptions = {}): Redis {
  return new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    lazyConnect: false,
    ...options,
  });
}

export function workerConnection(redisUrl: string, options: RedisOptions = {}): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null, ...options });
}
