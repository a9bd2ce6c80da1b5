import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@airlock/testing';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The shipped configuration; the test substitutes only its ${AIRLOCK_*} variables. */
export const NGINX_TEMPLATE = path.join(ROOT, 'docker/nginx/airlock.conf.template');
/** Debian's nginx (scripts/services.sh installs nginx-light); never the system service. */
const NGINX = fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

export function nginxInstalled(): boolean {
  return spawnSync(NGINX, ['-v'], { stdio: 'ignore' }).status === 0;
}

/** A self-signed certificate for `localhost` and 127.0.0.1, made with openssl; it is its own CA. */
export function selfSignedCertificate(dir: string): { cert: string; key: string; ca: Buffer } {
  const cert = path.join(dir, 'tls.crt');
  const key = path.join(dir, 'tls.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key, ca: fs.readFileSync(cert) };
}

/** The template with its variables filled in: `${NAME}` only, so nginx's own `$host` stays. */
export function renderTemplate(template: string, values: Record<string, string>): string {
  const rendered = template.replace(/\$\{(AIRLOCK_[A-Z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for ${name} in ${NGINX_TEMPLATE}`);
    return value;
  });
  return rendered;
}

export interface Nginx {
  /** https://localhost:<port> */
  origin: string;
  port: number;
  /** What nginx logged (error log), for failures. */
  errors(): string;
  stop(): Promise<void>;
}

/**
 * Runs nginx as a child of the test (`nginx -p <dir> -c <dir>/nginx.conf`, not daemonised)
 * with the shipped template included in a minimal main configuration that keeps every file
 * (pid, logs, temp folders) in `dir`.
 */
export async function startNginx(dir: string, options: { port: number; upstreams: [string, string]; cert: string; key: string; ca: Buffer }): Promise<Nginx> {
  fs.chmodSync(dir, 0o755); // the worker processes (nobody) reach their temp folders through it
  const site = renderTemplate(fs.readFileSync(NGINX_TEMPLATE, 'utf8'), {
    AIRLOCK_SERVER_NAME: 'localhost',
    AIRLOCK_HTTPS_PORT: `127.0.0.1:${options.port}`,
    AIRLOCK_TLS_CERT: options.cert,
    AIRLOCK_TLS_KEY: options.key,
    AIRLOCK_API_1: options.upstreams[0],
    AIRLOCK_API_2: options.upstreams[1],
  });
  fs.writeFileSync(path.join(dir, 'airlock.conf'), site);
  const temp = (name: string) => path.join(dir, name);
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${temp('nginx.pid')};`,
      `error_log ${temp('error.log')} warn;`,
      'events { worker_connections 512; }',
      'http {',
      `  access_log ${temp('access.log')};`,
      `  client_body_temp_path ${temp('client-body')};`,
      `  proxy_temp_path ${temp('proxy')};`,
      `  fastcgi_temp_path ${temp('fastcgi')};`,
      `  uwsgi_temp_path ${temp('uwsgi')};`,
      `  scgi_temp_path ${temp('scgi')};`,
      `  include ${temp('airlock.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const check = spawnSync(NGINX, ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t refused the configuration:\n${check.stderr}`);
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const origin = `https://localhost:${options.port}`;
  await waitFor(
    () =>
      httpsRequest(`${origin}/healthz`, options.ca).then(
        (res) => res.status,
        () => 0,
      ),
    (status) => status === 200 || child.exitCode !== null,
    { what: 'nginx to proxy /healthz' },
  );
  if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}`);
  const errors = () => `${stderr}${fs.existsSync(temp('error.log')) ? fs.readFileSync(temp('error.log'), 'utf8') : ''}`;
  return {
    origin,
    port: options.port,
    errors,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGQUIT'); // graceful: workers finish their requests
      await exited;
    },
  };
}

export interface HttpsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTPS request that trusts `ca` (the test's self-signed certificate) and nothing else. */
export function httpsRequest(
  url: string,
  ca: Buffer,
  init: { method?: string; headers?: Record<string, string>; body?: Uint8Array } = {},
): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: init.method ?? 'GET', headers: init.headers, ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** GET over HTTPS (trusting `ca`), hashing the body as it streams in: the SHA-256 and byte count, never the bytes. */
export function httpsDigest(
  url: string,
  ca: Buffer,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca, agent: false }, (res) => {
        const hash = createHash('sha256');
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          hash.update(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, sha256: hash.digest('hex'), bytes }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}
