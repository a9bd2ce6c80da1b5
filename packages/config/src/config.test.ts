import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('gives the contract defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
    expect(config.dataDir).toBe(path.resolve('data'));
    expect(config.databaseUrl).toBe(`file:${path.resolve('data/airlock.db')}`);
    expect(config.databaseProvider).toBe('sqlite');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.maxUploadSize).toBe(1024 ** 3);
    expect(config.chunkSize).toBe(8 * 1024 ** 2);
    expect(config.quotaBytes).toBe(10 * 1024 ** 3);
    expect(config.uploadExpirySeconds).toBe(86_400);
    expect(config.storage.backend).toBe('local');
    expect(config.allowedTypes).toContain('image/png');
  });

  it('recognises PostgreSQL', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://u@127.0.0.1:5432/db' });
    expect(config.databaseProvider).toBe('postgresql');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ MAX_UPLOAD_SIZE: '-5' }, 'MAX_UPLOAD_SIZE'],
    [{ MAX_UPLOAD_SIZE: '1.5' }, 'MAX_UPLOAD_SIZE'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ STORAGE_BACKEND: 'ftp' }, 'STORAGE_BACKEND'],
    [{ ALLOWED_TYPES: 'png' }, 'ALLOWED_TYPES'],
    [{ AUTH_JWT_SECRET: 'short' }, 'AUTH_JWT_SECRET'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ STORAGE_BACKEND: 's3' }, 'S3_BUCKET'],
    [{ WEBHOOK_URL: 'https://hooks.example/airlock' }, 'WEBHOOK_SECRET'],
  ])('stops with one line naming the variable for %j', (env, name) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(name);
    expect(message).not.toContain('\n');
  });

  it('parses comma lists', () => {
    const config = loadConfig({ ALLOWED_TYPES: 'image/png, image/*', CORS_ORIGINS: 'https://a.example,https://b.example' });
    expect(config.allowedTypes).toEqual(['image/png', 'image/*']);
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });
});
