import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@airlock/config';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const COMPOSE_FILE = path.join(ROOT, 'docker/compose.yml');

/** Debian's docker-compose 1.29 validates a compose file offline (no Docker engine needed). */
const installed = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

describe('docker/compose.yml', () => {
  // npm test installs it (scripts/services.sh); a missing validator is a failure, never a skip.
  it('can be validated here: docker-compose is installed', () => {
    expect(installed, 'apt-get install -y --no-install-recommends docker-compose').toBe(true);
  });

  // The variables a deployment sets must not leak in from the machine running the tests.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(AUTH_|S3_|POSTGRES_|WEBHOOK_|AIRLOCK_|REDIS_URL$|DATABASE_URL$)/.test(key)));

  // A deployment sets its JWT secret; without one the production image refuses to start.
  const deployed = { ...env, AUTH_JWT_SECRET: 'compose-test-secret-0123456789abcdef0123' };

  it('is valid for docker-compose (`docker-compose -f docker/compose.yml config` exits 0)', () => {
    const result = spawnSync('docker-compose', ['-f', COMPOSE_FILE, 'config', '--quiet'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('gives the API and the workers a configuration Airlock accepts, with Redis that never evicts', () => {
    // docker-compose (Python) prints the resolved YAML; PyYAML, installed with it, turns it into JSON.
    const yaml = execFileSync('docker-compose', ['-f', COMPOSE_FILE, 'config'], { cwd: ROOT, env: deployed, encoding: 'utf8' });
    const json = execFileSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: yaml, encoding: 'utf8' });
    const { services } = JSON.parse(json) as {
      services: Record<string, { environment?: Record<string, string>; command?: string[]; healthcheck?: unknown; profiles?: string[] }>;
    };

    // `docker-compose config` shows every profile's services: the default stack is those without one.
    const base = Object.keys(services).filter((name) => !services[name]!.profiles);
    expect(base.sort()).toEqual(['api', 'clamav', 'minio', 'minio-buckets', 'postgres', 'redis', 'worker']);
    for (const name of ['api', 'worker']) {
      const config = loadConfig(services[name]!.environment);
      expect(config).toMatchObject({ production: true, databaseProvider: 'postgresql', storage: { backend: 's3' }, clamd: { host: 'clamav', port: 3310 } });
    }
    expect(services.api!.command).toEqual(['api']);
    expect(services.worker!.command).toEqual(['worker']);
    expect(services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']));
    for (const name of ['api', 'postgres', 'redis', 'clamav', 'minio']) expect(services[name]!.healthcheck, name).toBeTruthy();
  });

  it('has a "scale" profile: a second API and two containers of each worker role, each with a health check', () => {
    const yaml = execFileSync('docker-compose', ['-f', COMPOSE_FILE, '--profile', 'scale', 'config'], { cwd: ROOT, env: deployed, encoding: 'utf8' });
    const json = execFileSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: yaml, encoding: 'utf8' });
    type Service = {
      environment?: Record<string, string>;
      command?: string[];
      healthcheck?: { test?: string[] };
      profiles?: string[];
      deploy?: { replicas?: number };
      ports?: unknown[];
      volumes?: unknown[];
    };
    const { services } = JSON.parse(json) as { services: Record<string, Service> };
    const scaled = Object.keys(services).filter((name) => services[name]!.profiles?.includes('scale'));
    expect(scaled.sort()).toEqual(['api-2', 'janitor', 'notifier', 'promoter', 'proxy', 'scanner', 'validator']);
    // The TLS proxy runs the tested template in front of both APIs.
    expect(services.proxy!.environment).toMatchObject({ AIRLOCK_API_1: 'api:8080', AIRLOCK_API_2: 'api-2:8080', AIRLOCK_HTTPS_PORT: '8443' });
    expect(JSON.stringify(services.proxy!.volumes)).toContain('nginx/airlock.conf.template');
    expect(services['api-2']!.command).toEqual(['api']);
    expect(services['api-2']!.ports).toHaveLength(1);
    for (const role of ['validator', 'scanner', 'promoter', 'janitor', 'notifier']) {
      const service = services[role]!;
      expect(service.command, role).toEqual([role]);
      expect(service.deploy?.replicas, role).toBe(2);
      expect(service.healthcheck?.test?.join(' '), role).toContain('127.0.0.1:9090/healthz');
      const config = loadConfig(service.environment);
      expect(config, role).toMatchObject({ production: true, databaseProvider: 'postgresql', storage: { backend: 's3' }, workerHealthPort: 9090 });
    }
    // Every process of the scaled stack shares one database, one Redis and the same buckets.
    const shared = ['api', 'api-2', 'worker', 'validator', 'scanner'].map((name) => {
      const config = loadConfig(services[name]!.environment);
      return [config.databaseUrl, config.redisUrl, config.storage.s3.bucket, config.storage.s3.quarantineBucket, config.auth.jwtSecret].join(' ');
    });
    expect(new Set(shared).size).toBe(1);
    expect(loadConfig(services.scanner!.environment).workerConcurrency.default).toBe(2);
  });

  it('runs in production mode: without AUTH_JWT_SECRET the API and the workers refuse to start', () => {
    const yaml = execFileSync('docker-compose', ['-f', COMPOSE_FILE, 'config'], { cwd: ROOT, env, encoding: 'utf8' });
    const json = execFileSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: yaml, encoding: 'utf8' });
    const { services } = JSON.parse(json) as { services: Record<string, { environment?: Record<string, string> }> };
    for (const name of ['api', 'worker']) {
      expect(() => loadConfig(services[name]!.environment), name).toThrow(/AUTH_JWT_SECRET: required in production/);
    }
  });
});
