// pnpm typecheck:tests: type-checks every test file. Each workspace's build (tsconfig.json)
// excludes src/**/*.test.ts (and fixtures) so that dist/ never holds them; its tsconfig.test.json
// includes them with noEmit. A workspace with test files and no tsconfig.test.json fails here,
// so a new package cannot slip out of the check. test/ (black-box) has its own noEmit tsconfig.
// Needs the workspace packages built (their dist/*.d.ts are what tests import).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const TESTISH = /\.(test|fixture)\.tsx?$/;

function hasTestFiles(dir) {
  if (!fs.existsSync(dir)) return false;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name === 'generated') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() ? hasTestFiles(full) : TESTISH.test(entry.name)) return true;
  }
  return false;
}

const projects = ['test/tsconfig.json'];
const missing = [];
for (const group of ['apps', 'packages']) {
  for (const name of fs.readdirSync(path.join(root, group)).sort()) {
    const ws = path.join(group, name);
    if (!hasTestFiles(path.join(root, ws, 'src'))) continue;
    const config = path.join(ws, 'tsconfig.test.json');
    if (fs.existsSync(path.join(root, config))) projects.push(config);
    else missing.push(ws);
  }
}
if (missing.length > 0) {
  console.error(
    `typecheck:tests: ${missing.join(', ')} ha${missing.length > 1 ? 've' : 's'} test files but no tsconfig.test.json (copy packages/core/tsconfig.test.json)`,
  );
  process.exit(1);
}

// The Prisma client is generated into packages/db/src/generated (git-ignored); a build replayed
// from turbo's cache before that folder was among its outputs may not have written it.
if (projects.includes(path.join('packages', 'db', 'tsconfig.test.json')) && !fs.existsSync(path.join(root, 'packages/db/src/generated'))) {
  const r = spawnSync('pnpm', ['--filter', '@airlock/db', 'run', 'generate'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    console.error('typecheck:tests: could not generate the Prisma client (packages/db: pnpm run generate)');
    process.exit(1);
  }
}

/** Runs tsc for one project; resolves to its output and whether it passed. */
const check = (project) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { cwd: root });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ project, ok: code === 0, out }));
  });

// Two at a time: tsc is single-threaded and CI machines here have two cores.
const queue = [...projects];
const results = [];
await Promise.all(
  [0, 1].map(async () => {
    for (let p = queue.shift(); p; p = queue.shift()) results.push(await check(p));
  }),
);
const failed = results.filter((r) => !r.ok);
for (const r of failed) process.stderr.write(r.out);
if (failed.length > 0) {
  console.error(`typecheck:tests: type errors in ${failed.map((r) => r.project).join(', ')}`);
  process.exit(1);
}
console.log(`typecheck:tests: ${projects.length} projects, 0 errors`);
