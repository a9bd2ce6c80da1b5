// Runs vitest and ends with one plain line "N passed, N failed, N skipped", so a reader of
// the log (CI included) sees at a glance whether tests ran at all. Exit code = vitest's.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-vitest-')), 'report.json');
const args = ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const child = spawn('pnpm', args, { stdio: 'inherit' });
child.on('exit', (code, signal) => {
  let summary = 'vitest: no report was written';
  try {
    const r = JSON.parse(fs.readFileSync(report, 'utf8'));
    const skipped = r.numPendingTests + r.numTodoTests;
    summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`;
    if (r.numTotalTests === 0) code = code || 1;
  } catch {}
  console.log(`\ntests: ${summary}`);
  process.exit(signal ? 1 : (code ?? 1));
});
