// pnpm check:docs: fails when README.md or a docs/*.md names a repository path that does not
// exist, so the docs cannot silently go stale when code moves. Checked: every `backticked`
// path under one of ROOTS (optionally with a :line suffix), every relative Markdown link, and the
// lines of a directory tree in a code block (`scripts/   setup.sh start.sh …`).
// A path that is git-ignored (a build or bench output such as apps/web/dist) is an output the
// docs may name; placeholders (`<provider>`, `*`, `...`) are not checked.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOTS = ['apps', 'packages', 'scripts', 'docker', 'prisma', 'test', 'bench', 'docs'];
const docs = [
  'README.md',
  ...fs
    .readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' });
const tracked = new Set();
for (const file of git('ls-files', '-z').split('\0').filter(Boolean)) {
  // A file and every folder above it.
  for (let p = file; p !== '.'; p = path.posix.dirname(p)) tracked.add(p);
}
// Files added but not yet committed count too (a work tree in progress).
const exists = (p) => tracked.has(p) || fs.existsSync(path.join(root, p));
// Both spellings: a missing folder matches a `folder/` pattern only with its slash.
const ignored = (p) =>
  [p, `${p}/`].some((q) => {
    try {
      execFileSync('git', ['check-ignore', '-q', '--no-index', q], { cwd: root, stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });

const PLACEHOLDER = /[<>*{}$]|\.\.\./;
const INLINE = new RegExp(`\`((?:${ROOTS.join('|')})/[^\`\\s]*)\``, 'g');
const LINK = /\]\(([^)\s#]+)(?:#[^)]*)?\)/g;

const stale = [];
for (const doc of docs) {
  const lines = fs.readFileSync(path.join(root, doc), 'utf8').split('\n');
  let fenced = false;
  lines.forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return;
    }
    const named = [];
    if (fenced) {
      // A directory tree line: `apps/api/src/   main.ts app.ts auth/ http/` names the folder and
      // the files and folders in it (words with an extension or a trailing slash; prose is skipped).
      const tree = line.match(new RegExp(`^((?:${ROOTS.join('|')})/\\S*)\\s{2,}(.*)$`));
      if (tree) {
        const dir = tree[1].replace(/\/$/, '');
        named.push(dir);
        if (!PLACEHOLDER.test(dir)) {
          for (const word of tree[2].split(/\s+/)) {
            if (/^[\w-]+(\.[\w.]+|\/)$/.test(word)) named.push(`${dir}/${word.replace(/\/$/, '')}`);
          }
        }
      }
    }
    if (!fenced) for (const [, p] of line.matchAll(INLINE)) named.push(p.replace(/:\d+(-\d+)?$/, '').replace(/\/$/, ''));
    if (!fenced)
      for (const [, target] of line.matchAll(LINK)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …
        named.push(path.posix.normalize(path.posix.join(path.posix.dirname(doc), target)).replace(/\/$/, ''));
      }
    for (const p of named) {
      if (PLACEHOLDER.test(p) || exists(p) || ignored(p)) continue;
      stale.push(`${doc}:${i + 1}: ${p}`);
    }
  });
}

if (stale.length > 0) {
  console.error(`check:docs: ${stale.length} path(s) named in the docs do not exist:\n  ${stale.join('\n  ')}`);
  process.exit(1);
}
console.log(`check:docs: every repository path named in ${docs.join(', ')} exists`);
