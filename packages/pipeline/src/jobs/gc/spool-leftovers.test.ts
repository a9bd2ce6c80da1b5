import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '@airlock/config';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { newReport } from './gc-context.js';
import { removeSpoolLeftovers, SPOOL_LEFTOVER_SECONDS } from './spool-leftovers.js';

describe('removeSpoolLeftovers', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('removes spool directories untouched for an hour, of any host, and keeps live ones', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-spool-gc-'));
    dirs.push(dataDir);
    const config = loadConfig({ DATA_DIR: dataDir });
    const spool = config.checksumSpool.dir;
    const old = path.join(spool, 'other-host-4242', 'chunk-a');
    const live = path.join(spool, 'this-host-77', 'chunk-b');
    for (const dir of [old, live]) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'chunk'), 'x');
    }
    const longAgo = new Date(Date.now() - (SPOOL_LEFTOVER_SECONDS + 60) * 1000);
    for (const target of [path.join(old, 'chunk'), old, path.dirname(old)]) fs.utimesSync(target, longAgo, longAgo);
    const report = newReport();
    await removeSpoolLeftovers({ config, now: new Date(), report, logger: pino({ level: 'silent' }) });
    expect(fs.existsSync(path.dirname(old))).toBe(false);
    expect(fs.existsSync(path.join(live, 'chunk'))).toBe(true);
    expect(report.spoolLeftovers).toBe(1);
  });

  it('does nothing when there is no spool', async () => {
    const config = loadConfig({ DATA_DIR: path.join(os.tmpdir(), 'airlock-no-such-dir-for-spool') });
    const report = newReport();
    await removeSpoolLeftovers({ config, now: new Date(), report, logger: pino({ level: 'silent' }) });
    expect(report.spoolLeftovers).toBe(0);
  });
});
