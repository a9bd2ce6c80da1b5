// @airlock/testing: test environments only. Production code never imports it
// (.dependency-cruiser.cjs, rule testing-is-for-tests).
export { readTestEnvironment, testEnvironment, TEST_VARIABLES, type TestEnvironment, type TestVariable } from './environment.js';
export { postgresAdmin, PROVIDERS, scratchDatabase, scratchPostgres, type Provider, type ScratchDatabase } from './postgres.js';
export { freshRedisDatabase, testRedisUrl } from './redis.js';
export { createBucket, listKeys, openMultipartUploads, removeBucket, requireS3, s3Connection, s3ServiceEnv, s3TestClient, scratchBucketName } from './s3.js';
export { freePort } from './ports.js';
export { privatePostgres, privateRedis, type PrivateService } from './private-services.js';
export { waitFor } from './wait.js';
export { useFixture } from './fixture.js';
