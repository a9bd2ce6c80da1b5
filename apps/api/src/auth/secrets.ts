// The generated-secret helper lives in @airlock/auth, shared with the CLI (`airlock token`).
export { loadOrCreateSecret } from '@airlock/auth';
