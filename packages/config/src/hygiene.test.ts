import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { envSchema } from './schema.js';
import { SECRET_VARIABLES } from './secret-files.js';

/** The one line loadConfig stops with. */
function failure(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

const dir = mkdtempSync(path.join(tmpdir(), 'airlock-config-'));
function secretFile(name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

describe('S3 credentials and region', () => {
  it('stops when only one of the two keys is set, naming the missing one', () => {
    expect(failure({ S3_ACCESS_KEY_ID: 'AKIA' })).toMatch(/^Invalid configuration: S3_SECRET_ACCESS_KEY: required when S3_ACCESS_KEY_ID/);
    expect(failure({ S3_SECRET_ACCESS_KEY: 'secret' })).toMatch(/^Invalid configuration: S3_ACCESS_KEY_ID: required when S3_SECRET_ACCESS_KEY/);
    expect(loadConfig({ S3_ACCESS_KEY_ID: 'AKIA', S3_SECRET_ACCESS_KEY: 'secret' }).storage.s3.accessKeyId).toBe('AKIA');
  });

  it('honours AWS_REGION when S3_REGION is unset', () => {
    expect(loadConfig({}).storage.s3.region).toBe('us-east-1');
    expect(loadConfig({ AWS_REGION: 'eu-west-3' }).storage.s3.region).toBe('eu-west-3');
    expect(loadConfig({ AWS_REGION: 'eu-west-3', S3_REGION: 'us-west-2' }).storage.s3.region).toBe('us-west-2');
  });
});

describe('WORKER_CONCURRENCY', () => {
  it('takes a number for every role, role=n pairs, or both', () => {
    expect(loadConfig({}).workerConcurrency).toEqual({ default: 2, roles: {} });
    expect(loadConfig({ WORKER_CONCURRENCY: '4' }).workerConcurrency).toEqual({ default: 4, roles: {} });
    expect(loadConfig({ WORKER_CONCURRENCY: 'scanner=2, validator=8' }).workerConcurrency).toEqual({ default: 2, roles: { scanner: 2, validator: 8 } });
    expect(loadConfig({ WORKER_CONCURRENCY: '4,scanner=1' }).workerConcurrency).toEqual({ default: 4, roles: { scanner: 1 } });
  });

  it.each(['0', 'scanner=', 'scanner=two', 'x'])('refuses %j with one line', (value) => {
    expect(failure({ WORKER_CONCURRENCY: value })).toMatch(/^Invalid configuration: WORKER_CONCURRENCY: /);
  });
});

describe('secrets from *_FILE', () => {
  it('reads every secret from its file, trimmed', () => {
    const env: NodeJS.ProcessEnv = {};
    for (const name of SECRET_VARIABLES) env[`${name}_FILE`] = secretFile(name, '');
    writeFileSync(env.AUTH_JWT_SECRET_FILE!, `${'j'.repeat(40)}\n`);
    writeFileSync(env.AUTH_JWT_PREVIOUS_SECRET_FILE!, `${'p'.repeat(40)}\n`);
    writeFileSync(env.SIGNED_URL_SECRET_FILE!, `  ${'s'.repeat(40)}  \n`);
    writeFileSync(env.WEBHOOK_SECRET_FILE!, 'hook-secret\n');
    writeFileSync(env.S3_ACCESS_KEY_ID_FILE!, 'AKIAFILE\n');
    writeFileSync(env.S3_SECRET_ACCESS_KEY_FILE!, 'from-a-file\n');
    writeFileSync(env.DATABASE_URL_FILE!, 'postgresql://airlock:pw@db:5432/airlock\n');
    writeFileSync(env.REDIS_URL_FILE!, 'redis://:pw@redis:6379\n');
    const config = loadConfig(env);
    expect(config.auth.jwtSecret).toBe('j'.repeat(40));
    expect(config.auth.previousJwtSecret).toBe('p'.repeat(40));
    expect(config.signedUrl.secret).toBe('s'.repeat(40));
    expect(config.webhook.secret).toBe('hook-secret');
    expect(config.storage.s3.accessKeyId).toBe('AKIAFILE');
    expect(config.storage.s3.secretAccessKey).toBe('from-a-file');
    expect(config.databaseUrl).toBe('postgresql://airlock:pw@db:5432/airlock');
    expect(config.redisUrl).toBe('redis://:pw@redis:6379');
  });

  it('stops when both the variable and its file are set', () => {
    const file = secretFile('both', 'x'.repeat(40));
    expect(failure({ AUTH_JWT_SECRET: 'y'.repeat(40), AUTH_JWT_SECRET_FILE: file })).toBe(
      'Invalid configuration: AUTH_JWT_SECRET_FILE: set AUTH_JWT_SECRET or AUTH_JWT_SECRET_FILE, not both',
    );
  });

  it('stops naming the variable, never the content, when the file is missing or empty', () => {
    expect(failure({ SIGNED_URL_SECRET_FILE: path.join(dir, 'missing') })).toMatch(
      /^Invalid configuration: SIGNED_URL_SECRET_FILE: cannot read .* \(ENOENT\)$/,
    );
    expect(failure({ WEBHOOK_SECRET_FILE: secretFile('empty', '\n') })).toMatch(/^Invalid configuration: WEBHOOK_SECRET_FILE: .* is empty$/);
    // The file's value goes through the same checks as the variable.
    expect(failure({ AUTH_JWT_SECRET_FILE: secretFile('short', 'short\n') })).toMatch(/AUTH_JWT_SECRET: must be at least 32/);
  });
});

describe('AUTH_JWT_PREVIOUS_SECRET', () => {
  it('needs a current secret', () => {
    expect(failure({ AUTH_JWT_PREVIOUS_SECRET: 'p'.repeat(40) })).toMatch(/^Invalid configuration: AUTH_JWT_PREVIOUS_SECRET: /);
  });
});

describe('docs/CONFIGURATION.md', () => {
  const readme = readFileSync(new URL('../../../docs/CONFIGURATION.md', import.meta.url), 'utf8');
  it('documents every variable of the schema and every *_FILE', () => {
    const names = [...Object.keys(envSchema.shape), ...SECRET_VARIABLES.map((name) => `${name}_FILE`)];
    const missing = names.filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
