import { CliError, EXIT, UsageError } from '../errors.js';
import type { Command } from './command.js';

export const tokenCommand: Command = {
  name: 'token',
  summary: "development: mint a token with the server's HS256 secret (needs its environment and DATA_DIR)",
  usage: 'token <user> [--admin] [--expires 30d]',
  help: [
    '--admin         adds role "admin" (every user\'s files, admin endpoints)',
    '--expires SPAN  lifetime such as 1h, 7d (default 30d)',
    'The secret is AUTH_JWT_SECRET, else DATA_DIR/secrets/jwt-secret (default ./data), the one',
    'the API generated at its first start; AUTH_JWT_ISSUER/AUDIENCE are honoured. Run it where',
    'the API runs, with the same environment. Prints the token only: export AIRLOCK_TOKEN=$(airlock token me)',
  ],
  options: { admin: { type: 'boolean', default: false }, expires: { type: 'string', default: '30d' } },
  offline: true,
  async run(_context, positionals, values) {
    const [user, ...rest] = positionals;
    if (!user || rest.length > 0) throw new UsageError('token needs exactly one user id');
    // Loaded here only: the other commands need neither the server's configuration nor jose.
    const [{ loadConfig, ConfigError }, { MissingSecretError, mintHs256Token, resolveHsSecret }] = await Promise.all([
      import('@airlock/config'),
      import('@airlock/auth'),
    ]);
    try {
      // The server's own configuration code, so the CLI resolves DATA_DIR and the secret as the API does.
      const config = loadConfig();
      if (config.auth.jwksUrl) {
        throw new CliError('AUTH_JWKS_URL is set: tokens come from your identity provider, not from airlock');
      }
      // create: false, so a wrong DATA_DIR is an error rather than a secret no server knows.
      const secret = resolveHsSecret({ jwtSecret: config.auth.jwtSecret, dataDir: config.dataDir }, { create: false });
      const admin = values.admin === true;
      const expiresIn = String(values.expires);
      const token = await mintHs256Token(secret.value, user, { admin, expiresIn, issuer: config.auth.issuer, audience: config.auth.audience });
      const doc = { token, user, admin, expires_in: expiresIn, secret: secret.generated ? 'generated' : 'AUTH_JWT_SECRET' };
      return { doc, text: token, exitCode: EXIT.OK };
    } catch (error) {
      if (error instanceof ConfigError) throw new CliError(error.message, { exitCode: EXIT.USAGE });
      if (error instanceof MissingSecretError) {
        throw new CliError(`no HS256 secret: AUTH_JWT_SECRET is unset and ${error.file} does not exist`, {
          hint: 'start the API once (it generates the dev secret), or set DATA_DIR / AUTH_JWT_SECRET as the API has them',
        });
      }
      // jose refuses a span it cannot read ("Invalid time period format").
      if (error instanceof TypeError && /time period/i.test(error.message)) throw new UsageError(`--expires: ${error.message}`);
      throw error;
    }
  },
};
