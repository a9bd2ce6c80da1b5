import os from 'node:os';
import { parseArgs } from 'node:util';
import { testEnvironment } from '@airlock/testing';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
/** Throughput is reported in MB/s (10^6 bytes per second), the unit dd prints. */
export const MB = 1_000_000;

export const SCENARIOS = ['ceilings', 'single', 'small', 'concurrent', 'pipeline'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface Options {
  quick: boolean;
  profile: boolean;
  postgres: boolean;
  postgresUrl: string;
  clamd: { host: string; port: number };
  /** Parent of the run's temp directory: the disk measured by dd and used by both servers. */
  dir: string;
  only: Set<Scenario>;
  runs: number;
  chunkBytes: number;
  singleBytes: number;
  ddBytes: number;
  small: { count: number; bytes: number; concurrency: number };
  /** Untimed small uploads every server takes first (scenarios/context.ts, warmUp). */
  warmupCount: number;
  /** `--ab`: two sets of extra node flags for two APIs compared side by side (flags-ab.ts); empty otherwise. */
  ab: string[];
  abRounds: number;
  /** `--api-flags`: extra node flags (or NAME=value variables) for the API of the whole bench; empty for none. */
  apiFlags: string[];
  concurrent: { count: number; bytes: number };
  pipelineBytes: number;
  logLevel: string;
  /** Start the worker together with the API (default: after the door-only scenarios). */
  workerDuringUploads: boolean;
  keep: boolean;
}

const USAGE = `pnpm bench [flags]   (contract section 9)

  --quick                  small sizes for a check that it works (64 MiB stream, 100 small uploads,
                           4 × 32 MiB, 16 MiB pipeline, 256 MiB dd)
  --runs N                 repeat every measurement N times and report the median (default 1)
  --only a,b               scenarios: ${SCENARIOS.join(',')} (default: all)
  --postgres               Airlock on PostgreSQL (a fresh database, dropped at the end) instead of SQLite
  --postgres-url URL       admin URL for --postgres (default $AIRLOCK_TEST_POSTGRES_URL or postgresql://postgres@127.0.0.1:5432/test)
  --profile                instead of the bench: CPU-profile the API (and bare @tus/server) during the
                           single stream and print the top costs (profiles in bench/results/profiles/)
  --single-mib N           single stream size (default 1024)
  --small-count N          number of small uploads (default 1000); --small-kib N (64); --small-concurrency N (16)
  --warmup-count N         untimed small uploads each server takes before anything is measured (default
                           3000, 200 with --quick): until the JIT has compiled the hot paths
  --ab=FLAGS --ab=FLAGS    instead of the bench: two APIs, each with one set of extra node flags (after
                           docker/node-flags; --ab= for none; NAME=value sets an environment variable),
                           the small uploads against each in --ab-rounds interleaved rounds (default 8);
                           CPU per upload by thread, RSS. E.g. --ab= --ab="--max-semi-space-size=4"
  --api-flags=FLAGS        the whole bench with extra node flags for the API only (after docker/node-flags,
                           as --ab; the worker keeps the shipped ones); recorded in the run's first line
  --concurrent-count N     concurrent large uploads (default 4); --concurrent-mib N each (default 256)
  --pipeline-mib N         last byte → complete size (default 100)
  --dd-mib N               dd size (default 1024)
  --chunk-mib N            tus chunk size (default 8)
  --dir PATH               where the temp directory goes (default ${os.tmpdir()}); both servers and dd use it
  --log-level LEVEL        LOG_LEVEL of the API and worker (default info, the shipped default)
  --worker-during-uploads  start the worker with the API, so it competes with the small-uploads run
  --keep                   keep the temp directory
`;

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      quick: { type: 'boolean' },
      profile: { type: 'boolean' },
      postgres: { type: 'boolean' },
      'postgres-url': { type: 'string' },
      only: { type: 'string' },
      runs: { type: 'string' },
      'single-mib': { type: 'string' },
      'small-count': { type: 'string' },
      'small-kib': { type: 'string' },
      'small-concurrency': { type: 'string' },
      'warmup-count': { type: 'string' },
      ab: { type: 'string', multiple: true },
      'ab-rounds': { type: 'string' },
      'api-flags': { type: 'string' },
      'concurrent-count': { type: 'string' },
      'concurrent-mib': { type: 'string' },
      'pipeline-mib': { type: 'string' },
      'dd-mib': { type: 'string' },
      'chunk-mib': { type: 'string' },
      dir: { type: 'string' },
      'log-level': { type: 'string' },
      'worker-during-uploads': { type: 'boolean' },
      keep: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const int = (name: keyof typeof values, full: number, quickValue = full, min = 1): number => {
    const raw = values[name];
    if (raw === undefined) return quick ? quickValue : full;
    if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) < min)
      throw new UsageError(`--${name} expects a whole number ≥ ${min}, got "${String(raw)}"`);
    return Number(raw);
  };
  const only = new Set<Scenario>(values.only ? (values.only.split(',').map((name) => name.trim()) as Scenario[]) : SCENARIOS);
  for (const name of only) if (!SCENARIOS.includes(name)) throw new UsageError(`--only: unknown scenario "${name}" (known: ${SCENARIOS.join(', ')})`);
  return {
    quick,
    profile: values.profile ?? false,
    postgres: values.postgres ?? false,
    postgresUrl: values['postgres-url'] ?? testEnvironment().postgresUrl,
    clamd: testEnvironment().clamd,
    dir: values.dir ?? os.tmpdir(),
    only,
    runs: int('runs', 1),
    chunkBytes: int('chunk-mib', 8) * MiB,
    singleBytes: int('single-mib', 1024, 64) * MiB,
    ddBytes: int('dd-mib', 1024, 256) * MiB,
    small: { count: int('small-count', 1000, 100), bytes: int('small-kib', 64) * KiB, concurrency: int('small-concurrency', 16) },
    warmupCount: int('warmup-count', 3000, 200),
    ab: ab(values.ab),
    abRounds: int('ab-rounds', 8, 2),
    apiFlags: splitFlags(values['api-flags'] ?? ''),
    concurrent: { count: int('concurrent-count', 4), bytes: int('concurrent-mib', 256, 32) * MiB },
    pipelineBytes: int('pipeline-mib', 100, 16) * MiB,
    logLevel: values['log-level'] ?? 'info',
    workerDuringUploads: values['worker-during-uploads'] ?? false,
    keep: values.keep ?? false,
  };
}

/** Node flags given as one string, split on whitespace (no quoting: no flag here needs a space). */
export function splitFlags(flags: string): string[] {
  return flags.split(/\s+/).filter(Boolean);
}

function ab(values: string[] | undefined): string[] {
  if (values === undefined) return [];
  if (values.length !== 2) throw new UsageError(`--ab is given twice, once per API (its extra node flags, "" for none); got ${values.length}`);
  return values;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly usage = USAGE;
}
