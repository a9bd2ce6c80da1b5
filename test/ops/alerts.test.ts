import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadBytes, waitForStatus } from '../support/http.js';
import { scrape } from '../support/metrics.js';
import { PNG } from '../support/samples.js';
import { freePort, startStack, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ALERTS = path.join(ROOT, 'docker/prometheus/alerts.yml');
const ALERT_TESTS = path.join(ROOT, 'docker/prometheus/alerts.test.yml');
const DASHBOARD = path.join(ROOT, 'docker/grafana/airlock.dashboard.json');

/** Debian's prometheus package; npm test installs it (scripts/services.sh). Missing is a failure, never a skip. */
const promtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;

function run(...args: string[]) {
  const result = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
}
const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const dashboardExprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ panel: panel.title, expr: target.expr })));

/** The airlock_ series names a text refers to. */
const referenced = (text: string) => new Set(text.match(/\bairlock_[a-z_]+/g) ?? []);

describe('alert rules and dashboard (docker/prometheus, docker/grafana)', () => {
  it('can be checked here: promtool is installed', () => {
    expect(promtool, 'promtool is missing: apt-get install -y --no-install-recommends prometheus (npm test does)').toBe(true);
  });

  it('the rules pass `promtool check rules`', () => {
    const { status, output } = run('check', 'rules', ALERTS);
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
    expect(status).toBe(0);
  });

  it('the rules fire as their unit tests say (`promtool test rules`)', () => {
    const { status, output } = run('test', 'rules', ALERT_TESTS);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  it('every dashboard query is valid PromQL (checked by promtool as recording rules)', () => {
    expect(dashboardExprs.length).toBeGreaterThan(10);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-dashboard-'));
    try {
      const file = path.join(dir, 'dashboard.rules.yml');
      const rules = dashboardExprs.map(({ expr }, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(expr)}`);
      fs.writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
      const { status, output } = run('check', 'rules', file);
      expect(output).toContain(`SUCCESS: ${dashboardExprs.length} rules found`);
      expect(status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('after a real upload, every airlock_ series the rules and the dashboard name is exported', () => {
    let stack: Stack;
    let exported: Set<string>;

    beforeAll(async () => {
      stack = await startStack();
      const healthPort = await freePort();
      await stack.startWorker('worker', { WORKER_HEALTH_PORT: String(healthPort) });
      const workerUrl = `http://127.0.0.1:${healthPort}`;
      const token = await stack.token('olga');
      const up = await uploadBytes(stack.url, token, PNG, { filename: 'pixel.png' });
      expect(await waitForStatus(stack.url, token, up.upload_id, ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'])).toMatchObject({
        status: 'complete',
      });
      const worker = await waitFor(
        () => scrape(workerUrl),
        (s) => s.value('airlock_stage_duration_seconds_count{role="promoter",job="upload.promote",outcome="completed"}') === 1,
        { what: 'the worker to count the promotion' },
      );
      exported = new Set([...(await scrape(stack.url)).families(), ...worker.families()]);
    }, 120_000);
    afterAll(() => stack?.stop());

    /** A histogram's `_bucket`, `_sum` and `_count` belong to its family. */
    const missing = (names: Set<string>) => [...names].filter((name) => !exported.has(name) && !exported.has(name.replace(/_(bucket|sum|count)$/, '')));

    it('alerts.yml', () => {
      const names = referenced(fs.readFileSync(ALERTS, 'utf8'));
      expect(names.size).toBeGreaterThan(5);
      expect(missing(names)).toEqual([]);
    });

    it('the Grafana dashboard', () => {
      const names = referenced(dashboardExprs.map(({ expr }) => expr).join('\n'));
      expect(names.size).toBeGreaterThan(10);
      expect(missing(names)).toEqual([]);
    });
  });
});
