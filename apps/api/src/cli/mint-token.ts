import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@airlock/config';
import { createTokenVerifier } from '../auth/tokens.js';

// pnpm run token <user> [--admin] [--expires 30d]: a token signed with the configured (or
// generated dev) HS256 secret. Prints the token only, so scripts can capture it.
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { admin: { type: 'boolean', default: false }, expires: { type: 'string', default: '30d' } },
});
const user = positionals[0];
if (!user) {
  console.error('usage: pnpm run token <user> [--admin] [--expires 30d]');
  process.exit(2);
}
try {
  const tokens = createTokenVerifier(loadConfig());
  process.stdout.write(`${await tokens.sign(user, { admin: values.admin, expiresIn: values.expires })}\n`);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `cannot mint a token: ${(error as Error).message}`);
  process.exit(1);
}
