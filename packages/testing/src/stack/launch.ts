import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface Proc {
  child: ChildProcess;
  output(): string;
  /** SIGKILL, no goodbye. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  restart(): Promise<void>;
}

/** Starts `root/entry` on this Node with `env` added to this process's; resolves once `ready` does. */
export async function launch(root: string, entry: string, env: Record<string, string>, ready: () => Promise<void>): Promise<Proc> {
  let child: ChildProcess;
  let output = '';
  const start = async () => {
    child = spawn(process.execPath, [path.join(root, entry)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    await Promise.race([ready(), new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`${entry} exited with ${code}:\n${output}`))))]);
  };
  const exited = () =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve(child.exitCode)
      : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await start();
  return {
    get child() {
      return child;
    },
    output: () => output,
    async kill() {
      child.kill('SIGKILL');
      await exited();
    },
    async stop() {
      child.kill('SIGTERM');
      return exited();
    },
    restart: start,
  };
}

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}
