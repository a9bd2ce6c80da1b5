// Dependency rules of the house style (STYLE.md: "Arrows point one way: apps → packages → core"),
// checked by `pnpm check:deps` (run by npm test). Paths are repository-relative: a workspace
// import such as `@airlock/storage/testing` is resolved to the package's *source*
// (packages/storage/src/testing/index.ts, see workspaceSources below), so cycles and direction
// are checked between source files, type-only imports included.
const fs = require('node:fs');
const path = require('node:path');

/**
 * tsconfig `paths` for every workspace package's `exports`: ./dist/x.js → ./src/x.ts. Written
 * to node_modules/.cache so that dependency-cruiser resolves `@airlock/*` to source, not dist/.
 */
function workspaceSources() {
  const paths = {};
  for (const group of ['apps', 'packages']) {
    for (const dir of fs.readdirSync(path.join(__dirname, group))) {
      const manifest = path.join(__dirname, group, dir, 'package.json');
      if (!fs.existsSync(manifest)) continue;
      const { name, exports = {} } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
      for (const [subpath, target] of Object.entries(exports)) {
        const file = typeof target === 'string' ? target : (target.default ?? target.import);
        if (!file || !file.startsWith('./dist/')) continue;
        const source = `./${group}/${dir}/src/${file.slice('./dist/'.length).replace(/\.js$/, '.ts')}`;
        paths[subpath === '.' ? name : `${name}/${subpath.slice(2)}`] = [source];
      }
    }
  }
  const file = path.join(__dirname, 'node_modules', '.cache', 'dependency-cruiser.tsconfig.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const config = {
    extends: '../../tsconfig.base.json',
    compilerOptions: { baseUrl: '../..', paths, lib: ['ES2023', 'DOM'] },
    // dependency-cruiser only reads the options; tsc wants at least one input.
    files: ['../../packages/core/src/index.ts'],
  };
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** A workspace: apps/<name>, packages/<name>, test or bench. */
const WORKSPACE = '^((?:apps|packages)/[^/]+|test|bench)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No circular imports (STYLE.md), type-only ones included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-package-imports-an-app',
      severity: 'error',
      comment: 'apps → packages → core: no package imports an app.',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'no-app-imports-another-app',
      severity: 'error',
      comment: 'Deployables share code through packages, never through each other.',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'core-imports-nothing-of-ours',
      severity: 'error',
      comment: '@airlock/core has no dependencies (STYLE.md).',
      from: { path: '^packages/core/' },
      to: { path: '^(apps|packages|test|bench)/', pathNot: '^packages/core/' },
    },
    {
      name: 'storage-does-not-import-config',
      severity: 'error',
      comment: '`storage` takes its own settings, not the whole config (createStorage(config.storage)).',
      from: { path: '^packages/storage/' },
      to: { path: '^packages/config/' },
    },
    {
      name: 'queue-does-not-import-db',
      severity: 'error',
      comment: '@airlock/queue: job names, payload schemas (ids only), producer; does not import db.',
      from: { path: '^packages/queue/' },
      to: { path: '^packages/db/' },
    },
    {
      name: 'no-relative-import-across-workspaces',
      severity: 'error',
      comment: 'No `../` across a package boundary: import the package (use an `exports` subpath such as @airlock/storage/testing).',
      from: { path: WORKSPACE },
      to: { dependencyTypes: ['local'], dependencyTypesNot: ['aliased'], pathNot: '^$1/' },
    },
    {
      name: 'api-does-not-import-worker-runtime',
      severity: 'error',
      comment: 'A worker is never started inside the web process; the API enqueues, workers work (webhook events come from the outbox).',
      from: { path: '^apps/api/' },
      to: { path: '^packages/worker-runtime/' },
    },
    {
      name: 'testing-is-for-tests',
      severity: 'error',
      comment: '@airlock/testing (test environments) is for tests, fixtures, test-support subpaths and the bench; production code never imports it.',
      from: { path: '^(apps|packages)/[^/]+/src/', pathNot: ['\\.(test|fixture)\\.ts$', '^packages/[^/]+/src/testing/', '^packages/testing/'] },
      to: { path: '^packages/testing/' },
    },
    {
      name: 'pipeline-does-not-import-worker-runtime',
      severity: 'error',
      comment: 'The pipeline (the domain) owns the job table; worker-runtime (boot, registry, shutdown) takes it as an argument, never the other way round.',
      from: { path: '^packages/pipeline/' },
      to: { path: '^packages/worker-runtime/' },
    },
    {
      name: 'api-does-not-import-pipeline-jobs',
      severity: 'error',
      comment:
        'The API may use the domain (@airlock/pipeline: settle, removeBytes, stageOf/enqueueStage), because tus DELETE, DELETE /files/:id and concatenation change files too; it never runs a job handler (workers do).',
      from: { path: '^apps/api/' },
      to: { path: '^packages/pipeline/src/(jobs|handlers\\.ts|webhooks/outbox-relay\\.ts)' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing (a typo, or a dependency missing from package.json).',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|src/generated)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: workspaceSources() },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
