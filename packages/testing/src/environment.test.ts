import { describe, expect, it } from 'vitest';
import { readTestEnvironment, TEST_VARIABLES } from './environment.js';

describe('readTestEnvironment', () => {
  it('defaults to the services npm test starts on this machine', () => {
    expect(readTestEnvironment({})).toEqual({
      redisUrl: 'redis://127.0.0.1:6379',
      postgresUrl: 'postgresql://postgres@127.0.0.1:5432/test',
      s3: { endpoint: 'http://127.0.0.1:8085', region: 'us-east-1', accessKeyId: 'test:tester', secretAccessKey: 'testing' },
      clamd: { host: '127.0.0.1', port: 3310 },
      chromiumPath: '/usr/bin/chromium',
    });
  });

  it('reads every service from AIRLOCK_TEST_* (empty counts as unset)', () => {
    const env = readTestEnvironment({
      AIRLOCK_TEST_REDIS_URL: 'redis://cache:6380/',
      AIRLOCK_TEST_POSTGRES_URL: 'postgres://u@db/maintenance',
      AIRLOCK_TEST_S3_ENDPOINT: 'https://s3.test',
      AIRLOCK_TEST_S3_ACCESS_KEY: 'key',
      AIRLOCK_TEST_S3_SECRET_KEY: '',
      AIRLOCK_TEST_CLAMD_HOST: 'clamd',
      AIRLOCK_TEST_CLAMD_PORT: '3311',
      AIRLOCK_TEST_CHROMIUM_PATH: '/opt/chrome',
    });
    expect(env).toMatchObject({
      redisUrl: 'redis://cache:6380',
      postgresUrl: 'postgres://u@db/maintenance',
      s3: { endpoint: 'https://s3.test', accessKeyId: 'key', secretAccessKey: 'testing' },
      clamd: { host: 'clamd', port: 3311 },
      chromiumPath: '/opt/chrome',
    });
  });

  it('ignores the old names (TEST_POSTGRES_URL, TEST_REDIS_URL): one scheme only', () => {
    expect(readTestEnvironment({ TEST_POSTGRES_URL: 'postgresql://x@elsewhere/db', TEST_REDIS_URL: 'redis://elsewhere' })).toMatchObject({
      postgresUrl: TEST_VARIABLES.AIRLOCK_TEST_POSTGRES_URL,
      redisUrl: TEST_VARIABLES.AIRLOCK_TEST_REDIS_URL,
    });
  });

  it.each([
    ['AIRLOCK_TEST_REDIS_URL', 'localhost:6379', /^AIRLOCK_TEST_REDIS_URL: /],
    ['AIRLOCK_TEST_POSTGRES_URL', 'mysql://db/test', /^AIRLOCK_TEST_POSTGRES_URL: expected postgresql: or postgres: URL/],
    ['AIRLOCK_TEST_S3_ENDPOINT', 'ftp://s3', /^AIRLOCK_TEST_S3_ENDPOINT: /],
    ['AIRLOCK_TEST_CLAMD_PORT', '70000', /^AIRLOCK_TEST_CLAMD_PORT: not a TCP port/],
    ['AIRLOCK_TEST_CLAMD_PORT', 'clamd', /^AIRLOCK_TEST_CLAMD_PORT: not a TCP port/],
  ])('refuses a malformed %s (%s) with one line naming it', (name, value, message) => {
    expect(() => readTestEnvironment({ [name]: value })).toThrow(message);
  });
});
