import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '@airlock/config';
import { FAILURE_REASONS } from '@airlock/core';
import { createDatabase, migrate, type Database } from '@airlock/db';
import { createProducer, producerConnection, type Producer } from '@airlock/queue';
import { ClamdClient } from '@airlock/scanner';
import { createStorage } from '@airlock/storage';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { testRedisUrl } from '@airlock/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { createTokenVerifier } from '../auth/tokens.js';
import { createSignedUrls } from '../downloads/signed-url.js';
import { createMetrics } from '../metrics/metrics.js';
import { RedisLocker } from '../tus/redis-locker.js';
import { openApiDocument } from './openapi.document.js';
import { ChecksumSpool } from '../tus/checksum-spool.js';
import { HTTP_METHODS, type HttpMethod } from './openapi.types.js';

// The document against the app itself: the real createApp (real Redis for the queues the
// dashboard lists, a throwaway SQLite), its Express 5 router walked, and each documented
// operation called over HTTP.
const REDIS_URL = testRedisUrl(14);

/** `/files/:id` → `/files/{id}` (Express 5 path syntax → OpenAPI). */
const toOpenApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');

interface Layer {
  rawPath?: string | string[];
  slash?: boolean;
  route?: { path: string | string[]; methods: Record<string, boolean> };
  /** A router has a stack; a mounted Express app has `handle` and `set` (as Express itself tests). */
  handle: { stack?: Layer[]; handle?: unknown; set?: unknown };
}

/** Every route of the app (`path method`), and the prefixes where whole apps are mounted (bull-board). */
function walk(stack: Layer[], prefix = ''): { routes: Set<string>; mounts: Set<string> } {
  const routes = new Set<string>();
  const mounts = new Set<string>();
  for (const layer of stack) {
    const paths = layer.route ? [layer.route.path].flat() : layer.slash ? [''] : [layer.rawPath ?? ''].flat();
    for (const p of paths) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') routes.add(`${toOpenApiPath(prefix + p)} ${method}`);
      } else if (layer.handle.stack) {
        const inner = walk(layer.handle.stack, prefix + p);
        inner.routes.forEach((route) => routes.add(route));
        inner.mounts.forEach((mount) => mounts.add(mount));
      } else if (typeof layer.handle.handle === 'function' && typeof layer.handle.set === 'function') {
        mounts.add(toOpenApiPath(prefix + p));
      }
    }
  }
  return { routes, mounts };
}

const documented = (): Set<string> =>
  new Set(Object.entries(openApiDocument.paths).flatMap(([p, item]) => HTTP_METHODS.filter((method) => item[method]).map((method) => `${p} ${method}`)));

describe('the OpenAPI document', () => {
  let dir: string;
  let db: Database;
  let redis: Redis;
  let producer: Producer;
  let app: Express;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-openapi-'));
    const config = loadConfig({ DATA_DIR: dir, REDIS_URL, AUTH_JWT_SECRET: 'o'.repeat(32), CLAMD_PORT: '1' });
    await migrate(config.databaseUrl);
    db = createDatabase(config.databaseUrl);
    redis = producerConnection(config.redisUrl);
    producer = createProducer(redis);
    const logger = pino({ level: 'silent' });
    app = await createApp({
      config,
      db,
      redis,
      producer,
      tokens: createTokenVerifier(config),
      scanner: new ClamdClient(config.clamd),
      storage: await createStorage(config.storage),
      signedUrls: createSignedUrls('s'.repeat(32)),
      locker: new RedisLocker({ redis }),
      logger,
      metrics: createMetrics({ producer, redis, logger }),
      spool: new ChecksumSpool(config.checksumSpool),
    });
  });
  afterAll(async () => {
    await producer?.close();
    redis?.disconnect();
    await db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(openApiDocument) as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('names every failure reason the service writes, and only those', () => {
    const schemas = (openApiDocument.components?.schemas ?? {}) as Record<string, { enum?: unknown[] }>;
    expect(schemas['FailureReason']?.enum).toEqual([...FAILURE_REASONS, null]);
    expect(FAILURE_REASONS).toEqual(expect.arrayContaining(['bytes_missing', 'invalid_record', 'pipeline_error']));
  });

  it('documents every route the app registers, and nothing it does not', () => {
    const { routes, mounts } = walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
    const docs = documented();
    expect(routes.size).toBeGreaterThan(10);
    expect(
      [...routes].filter((route) => !docs.has(route)),
      'registered but not documented',
    ).toEqual([]);
    // Express answers HEAD with the GET handler: a documented HEAD needs a GET or a HEAD route.
    const missing = [...docs].filter((op) => {
      const [p, method] = op.split(' ') as [string, HttpMethod];
      if (mounts.has(p) && method === 'get') return false;
      return !routes.has(op) && !(method === 'head' && routes.has(`${p} get`));
    });
    expect(missing, 'documented but not routed').toEqual([]);
    // A mounted app (the dashboard) must be documented at its mount point.
    expect([...mounts].filter((mount) => !docs.has(`${mount} get`))).toEqual([]);
    expect(mounts).toEqual(new Set(['/admin/queues']));
  });

  it('answers every documented operation with something other than "no such endpoint"', async () => {
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const op of documented()) {
        const [p, method] = op.split(' ') as [string, string];
        const res = await fetch(base + p.replace(/\{\w+\}/g, '0'.repeat(32)), { method: method.toUpperCase(), redirect: 'manual' });
        const body = method === 'head' ? '' : await res.text();
        expect(body, op).not.toContain('no such endpoint');
        if (res.status === 404 && method !== 'head') expect(JSON.parse(body).error.message, op).not.toBe('no such endpoint');
      }
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('is what GET /openapi.json serves', async () => {
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi.json`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
