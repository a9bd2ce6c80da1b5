/**
 * Where the test services are: the one place that reads their variables. Every suite (unit and
 * integration tests next to the code, test/, bench) asks here instead of reading process.env.
 * One scheme, AIRLOCK_TEST_<SERVICE>_<SETTING>; each default is what `npm test` starts on this
 * machine (scripts/test.sh, services.sh, clamd.sh, s3.sh).
 */
export const TEST_VARIABLES = {
  AIRLOCK_TEST_REDIS_URL: 'redis://127.0.0.1:6379',
  /** A maintenance database; scratch databases are created and dropped through it. */
  AIRLOCK_TEST_POSTGRES_URL: 'postgresql://postgres@127.0.0.1:5432/test',
  /** The Swift S3 of scripts/s3.sh (tempauth user test:tester, secret testing). */
  AIRLOCK_TEST_S3_ENDPOINT: 'http://127.0.0.1:8085',
  AIRLOCK_TEST_S3_ACCESS_KEY: 'test:tester',
  AIRLOCK_TEST_S3_SECRET_KEY: 'testing',
  AIRLOCK_TEST_CLAMD_HOST: '127.0.0.1',
  AIRLOCK_TEST_CLAMD_PORT: '3310',
  AIRLOCK_TEST_CHROMIUM_PATH: '/usr/bin/chromium',
} as const;

export type TestVariable = keyof typeof TEST_VARIABLES;

export interface TestEnvironment {
  redisUrl: string;
  postgresUrl: string;
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  clamd: { host: string; port: number };
  chromiumPath: string;
}

/**
 * Reads the AIRLOCK_TEST_* variables of `env` (unset or empty: the default). A malformed value
 * throws one line naming the variable, so a typo fails the run instead of testing elsewhere.
 */
export function readTestEnvironment(env: Record<string, string | undefined>): TestEnvironment {
  const value = (name: TestVariable) => env[name] || TEST_VARIABLES[name];
  const url = (name: TestVariable, protocols: string[]) => {
    const text = value(name);
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      throw new Error(`${name}: not a URL (${JSON.stringify(text)})`);
    }
    if (!protocols.includes(parsed.protocol)) throw new Error(`${name}: expected ${protocols.join(' or ')} URL, got ${parsed.protocol}`);
    return text.replace(/\/+$/, '');
  };
  const port = Number(value('AIRLOCK_TEST_CLAMD_PORT'));
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`AIRLOCK_TEST_CLAMD_PORT: not a TCP port (${JSON.stringify(value('AIRLOCK_TEST_CLAMD_PORT'))})`);
  }
  return {
    redisUrl: url('AIRLOCK_TEST_REDIS_URL', ['redis:', 'rediss:']),
    postgresUrl: url('AIRLOCK_TEST_POSTGRES_URL', ['postgresql:', 'postgres:']),
    s3: {
      endpoint: url('AIRLOCK_TEST_S3_ENDPOINT', ['http:', 'https:']),
      region: 'us-east-1',
      accessKeyId: value('AIRLOCK_TEST_S3_ACCESS_KEY'),
      secretAccessKey: value('AIRLOCK_TEST_S3_SECRET_KEY'),
    },
    clamd: { host: value('AIRLOCK_TEST_CLAMD_HOST'), port },
    chromiumPath: value('AIRLOCK_TEST_CHROMIUM_PATH'),
  };
}

let current: TestEnvironment | undefined;

/** The test environment of this process (read once from process.env). */
export function testEnvironment(): TestEnvironment {
  current ??= readTestEnvironment(process.env);
  return current;
}
