import path from 'node:path';
import { DEFAULT_ALLOWED_TYPES, envSchema, parseTrustProxy, parseWorkerConcurrency, resolveDataDir, type Env } from './schema.js';
import { resolveSecretFiles } from './secret-files.js';

export interface Config {
  port: number;
  host: string;
  publicUrl: string | undefined;
  dataDir: string;
  /** `file:<absolute path>` or `postgresql://…`. */
  databaseUrl: string;
  databaseProvider: 'sqlite' | 'postgresql';
  redisUrl: string;
  storage: {
    backend: 'local' | 's3';
    quarantineDir: string;
    finalDir: string;
    s3: {
      endpoint: string | undefined;
      region: string;
      bucket: string | undefined;
      quarantineBucket: string | undefined;
      accessKeyId: string | undefined;
      secretAccessKey: string | undefined;
      forcePathStyle: boolean;
      multipartThreshold: number;
      partSize: number;
    };
  };
  clamd: { host: string; port: number; socket: string | undefined; timeoutMs: number; maxAttempts: number };
  maxUploadSize: number;
  chunkSize: number;
  allowedTypes: string[];
  uploadExpirySeconds: number;
  quarantineRetentionSeconds: number;
  gcIntervalSeconds: number;
  /** An unreferenced storage object untouched this long is garbage (ORPHAN_GRACE_SECONDS). */
  orphanGraceSeconds: number;
  reconcileAfterSeconds: number;
  /** Attempts of validation and of promotion, each counted in the database, before the file ends failed / pipeline_error. */
  stageMaxAttempts: number;
  /** A job whose worker stopped renewing its lock this long ago is handed to another worker. */
  jobLockSeconds: number;
  /** A request (a PATCH) that sends nothing for this long is cut; a slow but live one never is. */
  idleTimeoutSeconds: number;
  /** An upload lock whose holder died is free after this long; a live holder renews it. */
  uploadLockTtlSeconds: number;
  quotaBytes: number;
  /** Upload-Metadata caps (bytes of the header, keys), the least an open upload reserves, open uploads per user. */
  uploadLimits: { maxMetadataBytes: number; maxMetadataKeys: number; minChargeBytes: number; maxOpenUploads: number };
  rateLimitPerMinute: number;
  /** Requests without a valid token, per client address (req.ip: TRUST_PROXY decides which address). */
  anonymousRateLimitPerMinute: number;
  /** NODE_ENV=production: no development conveniences (generated JWT secret, dev tokens, test signatures). */
  production: boolean;
  /** Express's `trust proxy`: false (default), a hop count, or addresses/CIDRs of the proxies. */
  trustProxy: false | number | string[];
  auth: {
    jwtSecret: string | undefined;
    /** AUTH_JWT_PREVIOUS_SECRET: accepted during a key rotation, only when `jwtSecret` does not verify. */
    previousJwtSecret: string | undefined;
    jwksUrl: string | undefined;
    issuer: string | undefined;
    audience: string | undefined;
    /** The claim (`name`) and value that make a caller an admin: AUTH_ADMIN_CLAIM, default role=admin. */
    adminClaim: { name: string; value: string };
  };
  /** Checksum spooling (a chunk with Upload-Checksum / Content-MD5 is hashed before it is appended). */
  checksumSpool: { maxChunkBytes: number; maxTotalBytes: number; dir: string };
  /** Slow and greedy clients. */
  patchLimits: { minBytesPerSecond: number; windowSeconds: number; maxConcurrentPerUser: number };
  /** Call files clean on clamd's test signatures alone (refused in production unless ALLOW_TEST_SIGNATURES). */
  allowTestSignatures: boolean;
  signedUrl: { secret: string | undefined; ttlSeconds: number };
  corsOrigins: string[] | undefined;
  webhook: { url: string | undefined; secret: string | undefined; leaseSeconds: number };
  logLevel: string;
  workerQueues: string[] | undefined;
  /** Jobs at once per worker role (WORKER_CONCURRENCY); roles not named use `default`. */
  workerConcurrency: { default: number; roles: Record<string, number> };
  /** Port of each worker process's /healthz, /readyz, /metrics (WORKER_HEALTH_PORT); 0 = none. */
  workerHealthPort: number;
}

/** Thrown for a bad environment; its message is the one line the process prints. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Reads the contract's variables (section 2) once. The only code in the project that
 * looks at the environment: everything else gets a `Config`.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    env = resolveSecretFiles(env);
  } catch (error) {
    throw new ConfigError(`Invalid configuration: ${(error as Error).message}`);
  }
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = issue.path.join('.');
    throw new ConfigError(`Invalid configuration: ${name}: ${issue.message}`);
  }
  const e = parsed.data;
  const dataDir = resolveDataDir(e.DATA_DIR);
  const databaseUrl = e.DATABASE_URL ?? `file:${path.join(dataDir, 'airlock.db')}`;
  const backend = e.STORAGE_BACKEND ?? 'local';
  if (backend === 's3' && !e.S3_BUCKET) {
    throw new ConfigError('Invalid configuration: S3_BUCKET: required when STORAGE_BACKEND=s3');
  }
  // One key alone is a typo or a half-mounted secret: the SDK would silently fall back to its
  // default chain (an instance role, another account) instead.
  if (Boolean(e.S3_ACCESS_KEY_ID) !== Boolean(e.S3_SECRET_ACCESS_KEY)) {
    const missing = e.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID';
    const present = e.S3_ACCESS_KEY_ID ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY';
    throw new ConfigError(`Invalid configuration: ${missing}: required when ${present} is set (set both or neither)`);
  }
  let workerConcurrency: Config['workerConcurrency'];
  try {
    workerConcurrency = parseWorkerConcurrency(e.WORKER_CONCURRENCY);
  } catch (error) {
    throw new ConfigError(`Invalid configuration: WORKER_CONCURRENCY: ${(error as Error).message}`);
  }
  if (e.WEBHOOK_URL && !e.WEBHOOK_SECRET) {
    throw new ConfigError('Invalid configuration: WEBHOOK_SECRET: required when WEBHOOK_URL is set (deliveries are signed)');
  }
  if (e.CHUNK_SIZE > e.MAX_UPLOAD_SIZE) {
    throw new ConfigError('Invalid configuration: CHUNK_SIZE: must not exceed MAX_UPLOAD_SIZE');
  }
  const production = e.NODE_ENV === 'production';
  let trustProxy: Config['trustProxy'];
  try {
    trustProxy = parseTrustProxy(e.TRUST_PROXY);
  } catch (error) {
    throw new ConfigError(`Invalid configuration: TRUST_PROXY: ${(error as Error).message}`);
  }
  checkAuth(e, production);
  const [adminName, ...adminValue] = (e.AUTH_ADMIN_CLAIM ?? 'role=admin').split('=');
  return {
    port: e.PORT,
    host: e.HOST ?? '0.0.0.0',
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    dataDir,
    databaseUrl: normaliseSqliteUrl(databaseUrl),
    databaseProvider: databaseUrl.startsWith('file:') ? 'sqlite' : 'postgresql',
    redisUrl: e.REDIS_URL ?? 'redis://127.0.0.1:6379',
    storage: {
      backend,
      quarantineDir: path.join(dataDir, 'quarantine'),
      finalDir: path.join(dataDir, 'files'),
      s3: {
        endpoint: e.S3_ENDPOINT,
        region: e.S3_REGION ?? e.AWS_REGION ?? 'us-east-1',
        bucket: e.S3_BUCKET,
        quarantineBucket: e.S3_QUARANTINE_BUCKET ?? e.S3_BUCKET,
        accessKeyId: e.S3_ACCESS_KEY_ID,
        secretAccessKey: e.S3_SECRET_ACCESS_KEY,
        forcePathStyle: e.S3_FORCE_PATH_STYLE,
        multipartThreshold: e.S3_MULTIPART_THRESHOLD,
        partSize: e.S3_PART_SIZE,
      },
    },
    clamd: {
      host: e.CLAMD_HOST ?? '127.0.0.1',
      port: e.CLAMD_PORT,
      socket: e.CLAMD_SOCKET,
      timeoutMs: e.SCAN_TIMEOUT_MS,
      maxAttempts: e.SCAN_MAX_ATTEMPTS,
    },
    maxUploadSize: e.MAX_UPLOAD_SIZE,
    chunkSize: e.CHUNK_SIZE,
    allowedTypes: e.ALLOWED_TYPES ?? DEFAULT_ALLOWED_TYPES,
    uploadExpirySeconds: e.UPLOAD_EXPIRY_SECONDS,
    quarantineRetentionSeconds: e.QUARANTINE_RETENTION_SECONDS,
    gcIntervalSeconds: e.GC_INTERVAL_SECONDS,
    // 1 h outlasts any request that writes an object before its row exists; 2 × the expiry
    // means nothing a live upload could still touch (it writes at least once per expiry) is
    // ever called an orphan, even when its row cannot be seen.
    orphanGraceSeconds: e.ORPHAN_GRACE_SECONDS ?? Math.max(3600, 2 * e.UPLOAD_EXPIRY_SECONDS),
    reconcileAfterSeconds: e.RECONCILE_AFTER_SECONDS,
    stageMaxAttempts: e.STAGE_MAX_ATTEMPTS,
    jobLockSeconds: e.JOB_LOCK_SECONDS,
    idleTimeoutSeconds: e.IDLE_TIMEOUT_SECONDS,
    uploadLockTtlSeconds: e.UPLOAD_LOCK_TTL_SECONDS,
    quotaBytes: e.QUOTA_BYTES,
    uploadLimits: {
      maxMetadataBytes: e.MAX_METADATA_BYTES,
      maxMetadataKeys: e.MAX_METADATA_KEYS,
      // A sidecar holds the metadata decoded, JSON-escaped (a control byte takes 6): 8× bounds it.
      minChargeBytes: e.UPLOAD_MIN_CHARGE_BYTES ?? 8 * e.MAX_METADATA_BYTES,
      maxOpenUploads: e.MAX_OPEN_UPLOADS,
    },
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    anonymousRateLimitPerMinute: e.ANONYMOUS_RATE_LIMIT_PER_MINUTE,
    auth: {
      jwtSecret: e.AUTH_JWT_SECRET,
      previousJwtSecret: e.AUTH_JWT_PREVIOUS_SECRET,
      jwksUrl: e.AUTH_JWKS_URL,
      issuer: e.AUTH_JWT_ISSUER,
      audience: e.AUTH_JWT_AUDIENCE,
      adminClaim: { name: adminName!, value: adminValue.join('=') },
    },
    production,
    trustProxy,
    checksumSpool: {
      maxChunkBytes: e.CHECKSUM_MAX_CHUNK_BYTES,
      maxTotalBytes: e.CHECKSUM_SPOOL_MAX_BYTES,
      dir: path.join(dataDir, 'spool'),
    },
    patchLimits: {
      minBytesPerSecond: e.MIN_UPLOAD_RATE_BYTES_PER_SECOND,
      windowSeconds: e.MIN_UPLOAD_RATE_WINDOW_SECONDS,
      maxConcurrentPerUser: e.MAX_CONCURRENT_PATCHES_PER_USER,
    },
    allowTestSignatures: e.ALLOW_TEST_SIGNATURES ?? !production,
    signedUrl: { secret: e.SIGNED_URL_SECRET, ttlSeconds: e.SIGNED_URL_TTL_SECONDS },
    corsOrigins: e.CORS_ORIGINS,
    webhook: { url: e.WEBHOOK_URL, secret: e.WEBHOOK_SECRET, leaseSeconds: e.WEBHOOK_LEASE_SECONDS },
    logLevel: e.LOG_LEVEL ?? 'info',
    workerQueues: e.WORKER_QUEUES,
    workerConcurrency,
    workerHealthPort: e.WORKER_HEALTH_PORT,
  };
}

/**
 * Tokens (issue #12): in production a real key is required (a generated secret would make every
 * process of a cluster disagree and is meant for a laptop); a JWKS is fetched over TLS (plain
 * http only on loopback) and then issuer and audience are required, since a JWKS is usually
 * shared by many services of one identity provider.
 */
function checkAuth(e: Env, production: boolean): void {
  if (production && !e.AUTH_JWT_SECRET && !e.AUTH_JWKS_URL) {
    throw new ConfigError('Invalid configuration: AUTH_JWT_SECRET: required in production (NODE_ENV=production), or set AUTH_JWKS_URL');
  }
  if (e.AUTH_JWT_PREVIOUS_SECRET && !e.AUTH_JWT_SECRET) {
    throw new ConfigError('Invalid configuration: AUTH_JWT_PREVIOUS_SECRET: only with AUTH_JWT_SECRET (the new secret of a rotation)');
  }
  if (!e.AUTH_JWKS_URL) return;
  const url = new URL(e.AUTH_JWKS_URL);
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i.test(url.hostname);
  if (url.protocol !== 'https:' && !loopback) {
    throw new ConfigError('Invalid configuration: AUTH_JWKS_URL: must be https:// (plain http:// only to a loopback host)');
  }
  if (!e.AUTH_JWT_ISSUER) throw new ConfigError('Invalid configuration: AUTH_JWT_ISSUER: required with AUTH_JWKS_URL');
  if (!e.AUTH_JWT_AUDIENCE) throw new ConfigError('Invalid configuration: AUTH_JWT_AUDIENCE: required with AUTH_JWKS_URL');
}

/** `file:./x.db` → `file:/abs/x.db`, so every process opens the same file whatever its cwd. */
function normaliseSqliteUrl(url: string): string {
  if (!url.startsWith('file:')) return url;
  return `file:${path.resolve(url.slice('file:'.length))}`;
}

/**
 * For a process's composition root: the configuration, or the one line naming the bad
 * variable on stderr and exit code 1 (contract section 2).
 */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
