// Runs the API and the all-roles worker as child processes in the foreground. A signal is
// passed on to both; when either exits, the other is stopped too, and the exit code tells.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// V8 heap sizes, as in the image (docker/node-flags; docs/OPERATIONS.md, "Memory").
const nodeFlags = fs.readFileSync(path.join(root, 'docker/node-flags'), 'utf8').trim().split(/\s+/);
// Their environment, as in the image (docker/node-env: NAME=value lines); a variable already set wins.
const env = { ...process.env };
for (const line of fs.readFileSync(path.join(root, 'docker/node-env'), 'utf8').split('\n')) {
  const [, name, value] = /^([A-Za-z_]\w*)=(.*)$/.exec(line) ?? [];
  if (name && !env[name]) env[name] = value;
}
const children = [
  ['api', 'apps/api/dist/main.js'],
  ['worker', 'apps/worker/dist/main.js'],
].map(([name, entry]) => {
  const child = spawn(process.execPath, [...nodeFlags, path.join(root, entry)], { stdio: 'inherit', cwd: process.cwd(), env });
  child.name = name;
  return child;
});

let exitCode = 0;
let stopping = false;
const stopAll = (signal) => {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
};
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll('SIGTERM'));
for (const child of children) {
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[airlock] ${child.name} exited (${signal ?? code}); stopping the rest`);
      exitCode = code || 1;
    } else if (code) {
      // A child that failed to stop cleanly says so in our exit code too (Ctrl-C must end in 0).
      console.error(`[airlock] ${child.name} did not stop cleanly (exit code ${code})`);
      exitCode ||= code;
    }
    stopAll('SIGTERM');
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(exitCode);
  });
}
