// Loaded with `node --import` (test/ops/lazy-imports.test.ts): records which npm packages this
// process resolves, through `import` and `require` alike, and writes them when it exits to
// `$AIRLOCK_TEST_PACKAGES_DIR/<pid>.json` with the entry script's path.
import fs from 'node:fs';
import { registerHooks } from 'node:module';
import path from 'node:path';

const packages = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    const match = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(resolved.url);
    if (match) packages.add(match[1]);
    return resolved;
  },
});
process.on('exit', () => {
  const file = path.join(process.env.AIRLOCK_TEST_PACKAGES_DIR, `${process.pid}.json`);
  fs.writeFileSync(file, JSON.stringify({ entry: process.argv[1], packages: [...packages].sort() }));
});
