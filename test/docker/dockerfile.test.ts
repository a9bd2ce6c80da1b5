import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DOCKERFILE = fs.readFileSync(path.join(ROOT, 'docker/Dockerfile'), 'utf8');

/** The Dockerfile's stages: `FROM <image> AS <name>` and the instructions under it (continuations joined). */
function stages(text: string): { image: string; name: string; lines: string[] }[] {
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const args = Object.fromEntries(instructions.filter((l) => /^ARG \w+=/.test(l)).map((l) => l.slice(4).split('=') as [string, string]));
  const result: { image: string; name: string; lines: string[] }[] = [];
  for (const line of instructions) {
    const from = /^FROM (\S+) AS (\S+)$/i.exec(line);
    if (from) result.push({ image: from[1]!.replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? ''), name: from[2]!, lines: [] });
    else result.at(-1)?.lines.push(line);
  }
  return result;
}

// No Docker engine runs here: this reads the file; runtime-layout.test.ts runs its deploy step.
describe('docker/Dockerfile', () => {
  const [build, runtime, ...more] = stages(DOCKERFILE);

  it('has two stages, build and runtime, both on Node 24', () => {
    expect(more).toEqual([]);
    expect([build?.name, runtime?.name]).toEqual(['build', 'runtime']);
    for (const stage of [build!, runtime!]) expect(stage.image, stage.name).toMatch(/^node:24(-|$)/);
  });

  it('builds, then assembles a production-only layout with pnpm deploy --prod', () => {
    const runs = build!.lines.filter((l) => l.startsWith('RUN ')).join('\n');
    expect(runs).toMatch(/pnpm install --offline --frozen-lockfile/);
    expect(runs).toMatch(/pnpm run build/);
    expect(runs).toContain('docker/assemble-runtime.sh /out');
    expect(fs.readFileSync(path.join(ROOT, 'docker/assemble-runtime.sh'), 'utf8')).toMatch(/deploy --prod/);
  });

  it('copies only the assembled layout into the runtime stage, nothing of the build context', () => {
    const copies = runtime!.lines.filter((l) => l.startsWith('COPY '));
    expect(copies).toEqual(['COPY --from=build /out /app']);
  });

  it('runs as the unprivileged node user, with a HEALTHCHECK and the entrypoint', () => {
    const users = runtime!.lines.filter((l) => l.startsWith('USER '));
    expect(users).toEqual(['USER node']);
    // Nothing runs as root after USER (a later USER root would undo it).
    expect(runtime!.lines.indexOf('USER node')).toBeLessThan(runtime!.lines.findIndex((l) => l.startsWith('ENTRYPOINT ')));
    expect(runtime!.lines.find((l) => l.startsWith('HEALTHCHECK '))).toMatch(/CMD \["node", "\/app\/docker\/healthcheck\.mjs"\]$/);
    expect(runtime!.lines).toContain('ENTRYPOINT ["/app/docker/entrypoint.sh"]');
    expect(runtime!.lines).toContain('CMD ["api"]');
  });
});
