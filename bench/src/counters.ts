import fs from 'node:fs';
import net from 'node:net';
import type { Metrics } from './measure.js';
import type { Proc } from './processes.js';

/**
 * What one small upload costs in work, counted rather than estimated (issue #15), so a
 * regression shows its cause beside its time:
 * - `sql_statements`: the API's own count (`airlock_db_statements_total` on /metrics, every
 *   statement its driver adapter sent, BEGIN and COMMIT included);
 * - `redis_commands`: `total_commands_processed` of Airlock's private redis-server (the API's
 *   lock, rate limit and queue; the worker's too if it runs during the uploads);
 * - `disk_kib_written`: `write_bytes` of /proc/<pid>/io of the server processes (bytes they
 *   caused to be written to storage: the upload, tus's sidecar, SQLite's WAL).
 * Each reading's own cost (a scrape runs queries, INFO is a command) is measured and taken off.
 */
export interface Counters {
  read(): Promise<Metrics>;
}

export function countersOf(procs: () => Proc[], airlock?: { apiUrl: string; redisUrl: string }): Counters {
  return {
    async read() {
      const counts: Metrics = {
        disk_kib_written:
          procs()
            .filter((proc) => proc.name !== 'redis')
            .reduce((sum, proc) => sum + writeBytes(proc.pid), 0) / 1024,
      };
      if (airlock) {
        counts.sql_statements = await sqlStatements(airlock.apiUrl);
        counts.redis_commands = await redisCommands(airlock.redisUrl);
      }
      return counts;
    },
  };
}

/** Per upload between two readings, less what a reading itself costs (`idle`: two readings with nothing between). */
export function perUpload(before: Metrics, after: Metrics, idle: Metrics, count: number): Metrics {
  const out: Metrics = {};
  for (const key of Object.keys(after)) out[`${key}_per_upload`] = Math.max(0, after[key]! - before[key]! - (idle[key] ?? 0)) / count;
  return out;
}

/** The cost of a reading: two readings back to back. */
export async function readingCost(counters: Counters): Promise<Metrics> {
  const a = await counters.read();
  const b = await counters.read();
  // Disk writes are the servers' own background (WAL checkpoints): not a reading's cost.
  return Object.fromEntries(Object.keys(b).map((key) => [key, key === 'disk_kib_written' ? 0 : b[key]! - a[key]!]));
}

function writeBytes(pid: number): number {
  const line = /^write_bytes:\s*(\d+)$/m.exec(fs.readFileSync(`/proc/${pid}/io`, 'utf8'));
  return line ? Number(line[1]) : 0;
}

async function sqlStatements(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const line = /^airlock_db_statements_total (\d+)$/m.exec(text);
  if (!line) throw new Error('the API reports no airlock_db_statements_total');
  return Number(line[1]);
}

function redisCommands(redisUrl: string): Promise<number> {
  const { hostname, port } = new URL(redisUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let reply = '';
    socket.setEncoding('utf8');
    socket.once('error', reject);
    socket.on('data', (data: string) => {
      reply += data;
      const match = /total_commands_processed:(\d+)/.exec(reply);
      if (!match || !reply.includes('\r\n', reply.indexOf(match[0]))) return;
      socket.end();
      resolve(Number(match[1]));
    });
    socket.write('INFO stats\r\n');
  });
}
