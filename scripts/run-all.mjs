// Runs the API and the all-roles worker as child processes in the foreground. A signal is
// passed on to both; when either exits, the other is stopped too, and the exit code tells.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const children = [
  ['api', 'apps/api/dist/main.js'],
  ['worker', 'apps/worker/dist/main.js'],
].map(([name, entry]) => {
  const child = spawn(process.execPath, [path.join(root, entry)], { stdio: 'inherit', cwd: process.cwd() });
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
    }
    stopAll('SIGTERM');
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(exitCode);
  });
}
