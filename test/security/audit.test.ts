import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// Issue #12, item 10: npm test audits the production dependencies. The advisory service is
// played by a local server (pnpm's own registry setting points the audit at it), so each
// answer the real one can give is tried: advisories, none, and no service at all.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type Answer = { severity: 'high' | 'critical' | 'moderate' } | 'none' | 'unavailable';

async function advisoryService(answer: Answer): Promise<{ url: string; asked: string[]; close(): Promise<void> }> {
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      asked.push(`${req.method} ${req.url}`);
      if (answer === 'unavailable') return void res.writeHead(405).end();
      const packages = Object.keys(JSON.parse(body) as Record<string, string[]>);
      // express is a production dependency of the API; a dev-only tool must never be sent.
      const advisories =
        answer === 'none'
          ? {}
          : {
              express: [
                {
                  id: 1,
                  url: 'https://github.com/advisories/GHSA-test-test-test',
                  title: 'Test advisory',
                  severity: answer.severity,
                  vulnerable_versions: '>=0.0.0',
                  cwe: [],
                  cvss: { score: 9, vectorString: null },
                },
              ],
            };
      asked.push(...packages.filter((name) => ['vitest', 'turbo', 'typescript', 'express'].includes(name)));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(advisories));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    asked,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function audit(registry: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', 'source scripts/lib.sh && source scripts/audit.sh && audit_dependencies'], {
      cwd: ROOT,
      env: { ...process.env, pnpm_config_registry: registry },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('the dependency audit of npm test', () => {
  let service: Awaited<ReturnType<typeof advisoryService>> | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  it.each(['high', 'critical'] as const)('fails on a %s advisory in a production dependency, naming it', async (severity) => {
    service = await advisoryService({ severity });
    const { code, output } = await audit(service.url);
    expect(service.asked).toContain('POST /-/npm/v1/security/advisories/bulk');
    expect(service.asked).toContain('express');
    expect(service.asked).not.toContain('vitest');
    expect(code).toBe(1);
    expect(output).toContain(`${severity.toUpperCase()} express`);
    expect(output).toContain('GHSA-test-test-test');
  });

  it('passes with only moderate advisories, or none', async () => {
    service = await advisoryService({ severity: 'moderate' });
    expect(await audit(service.url)).toMatchObject({ code: 0, output: expect.stringContaining('no high or critical advisories (1 ') });
    await service.close();
    service = await advisoryService('none');
    expect(await audit(service.url)).toMatchObject({ code: 0, output: expect.stringContaining('no high or critical advisories (0 ') });
  });

  it('says loudly that nothing was checked when the advisory service does not answer, and goes on', async () => {
    service = await advisoryService('unavailable');
    const { code, output } = await audit(service.url);
    expect(code).toBe(0);
    expect(output).toMatch(/!!! dependency audit: the advisory service could not be reached .*NOT checked/);
  });
});
