import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Endpoint } from './client.js';
import { countersOf, type Counters } from './counters.js';
import { firstMessage, launch, untilReady, type Proc } from './processes.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** A server the scenarios upload to: the HTTP sink, bare @tus/server, or Airlock. */
export interface Target {
  server: 'http_sink' | 'bare_tus' | 'airlock';
  endpoint: Endpoint;
  /** The processes whose CPU time and memory are this server's cost. */
  procs(): Proc[];
  /** Called with every finished upload's URL (Airlock waits for its pipeline and deletes it). */
  uploaded(url: string): void;
  /** After each measured run, untimed: brings the server back to an empty state. */
  reset(): Promise<void>;
  /** SQL statements, Redis commands, bytes written (counters.ts); servers that have them. */
  counters?: Counters;
}

/** Starts one of our own server scripts (dist/servers/*.server.js) as a child with an IPC channel. */
async function startScript(name: string, script: string, args: string[], nodeArgs: string[]): Promise<{ proc: Proc; url: string }> {
  const proc = launch({ name, command: process.execPath, args: [...nodeArgs, path.join(HERE, 'servers', script), ...args], ipc: true });
  let port = 0;
  await untilReady(proc, async () => ({ port } = await firstMessage<{ port: number }>(proc)), 'listening');
  return { proc, url: `http://127.0.0.1:${port}` };
}

/** A Node HTTP server that discards bodies: the ceiling of Node HTTP here (servers/sink.server.ts). */
export async function startSink(): Promise<Target> {
  const { proc, url } = await startScript('sink', 'sink.server.js', [], []);
  return { server: 'http_sink', endpoint: { url, headers: {} }, procs: () => [proc], uploaded: () => {}, reset: async () => {} };
}

/** Bare @tus/server + @tus/file-store writing into `directory` (servers/bare-tus.server.ts). */
export async function startBareTus(directory: string, nodeArgs: string[] = []): Promise<Target & { proc: Proc }> {
  fs.mkdirSync(directory, { recursive: true });
  const { proc, url } = await startScript('bare_tus', 'bare-tus.server.js', [directory], nodeArgs);
  return {
    server: 'bare_tus',
    proc,
    // The same Authorization header as Airlock gets (bare tus ignores it), so requests are the same size.
    endpoint: { url, headers: { Authorization: 'Bearer bench' } },
    procs: () => [proc],
    counters: countersOf(() => [proc]),
    uploaded: () => {},
    async reset() {
      for (const name of await fs.promises.readdir(directory)) await fs.promises.rm(path.join(directory, name), { force: true });
    },
  };
}
