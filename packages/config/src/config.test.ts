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
    [{ NODE_ENV: 'production' }, 'AUTH_JWT_SECRET'],
    [{ AUTH_JWKS_URL: 'http://idp.example/jwks.json', AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' }, 'AUTH_JWKS_URL'],
    [{ AUTH_JWKS_URL: 'https://idp.example/jwks.json', AUTH_JWT_AUDIENCE: 'a' }, 'AUTH_JWT_ISSUER'],
    [{ AUTH_JWKS_URL: 'https://idp.example/jwks.json', AUTH_JWT_ISSUER: 'i' }, 'AUTH_JWT_AUDIENCE'],
    [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: 'nginx.internal' }, 'TRUST_PROXY'],
    [{ AUTH_ADMIN_CLAIM: 'admin' }, 'AUTH_ADMIN_CLAIM'],
    [{ ALLOW_TEST_SIGNATURES: 'maybe' }, 'ALLOW_TEST_SIGNATURES'],
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

  it('is safe by default: no proxy trusted, test signatures only outside production', () => {
    const dev = loadConfig({});
    expect(dev.trustProxy).toBe(false);
    expect(dev.production).toBe(false);
    expect(dev.allowTestSignatures).toBe(true);
    expect(dev.auth.adminClaim).toEqual({ name: 'role', value: 'admin' });
    const prod = loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(32) });
    expect(prod.production).toBe(true);
    expect(prod.allowTestSignatures).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(32), ALLOW_TEST_SIGNATURES: 'true' }).allowTestSignatures).toBe(true);
  });

  it('reads TRUST_PROXY as Express does: a hop count or an address list', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toEqual(['loopback', '10.0.0.0/8']);
    expect(loadConfig({ TRUST_PROXY: 'off' }).trustProxy).toBe(false);
  });

  it('accepts a plain-http JWKS on loopback only, and a custom admin claim', () => {
    const config = loadConfig({
      AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks',
      AUTH_JWT_ISSUER: 'i',
      AUTH_JWT_AUDIENCE: 'a',
      AUTH_ADMIN_CLAIM: 'groups=airlock-admins',
    });
    expect(config.auth.jwksUrl).toBe('http://127.0.0.1:9/jwks');
    expect(config.auth.adminClaim).toEqual({ name: 'groups', value: 'airlock-admins' });
  });
});
